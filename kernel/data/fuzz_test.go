package data

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
)

// fuzzLimits bounds the matrices built while fuzzing.
func fuzzLimits(f *testing.F) {
	old := maxElems
	maxElems = 1 << 22
	f.Cleanup(func() { maxElems = old })
}

func FuzzReadCSV(f *testing.F) {
	fuzzLimits(f)
	for _, s := range []string{
		"1,2,a\n3,4,b\n",
		"x,y,label\n1,2,3\n",
		"\"a\";\"b\"\r\n1;2\r\n",
		"1,2\n1,2,3\n",
		"NaN,1\n",
		"1e39,0\n",
		"\n\n",
		"0x1p-2,+7,-0\n",
		"\"a,b\",1,2\n\"c\"\"d\",3,4\n",
		"1,2,\"x\r\ny\"\r\n3,4,\"\"\n",
		"1,\"2\n",
		"1,2\",a\n",
	} {
		f.Add([]byte(s), int8(0), uint8(0), false, ',')
		f.Add(gz([]byte(s)), int8(1), uint8(2), true, ';')
	}
	f.Fuzz(func(t *testing.T, in []byte, labelCol int8, header uint8, noLabel bool, comma rune) {
		opt := CSVOptions{LabelCol: int(labelCol), NoLabel: noLabel, Header: HeaderMode(header % 3), Comma: comma}
		d, err := ReadCSV(bytes.NewReader(in), "fuzz.csv", opt)
		// The quote-aware path must read every line as the fast path does.
		recordPathOnly = true
		d2, err2 := ReadCSV(bytes.NewReader(in), "fuzz.csv", opt)
		recordPathOnly = false
		if fmt.Sprint(err) != fmt.Sprint(err2) {
			t.Fatalf("errors differ: fast path %v, quote-aware path %v", err, err2)
		}
		if err == nil && (!reflect.DeepEqual(rows(d), rows(d2)) || !reflect.DeepEqual(d.Y, d2.Y) || !reflect.DeepEqual(d.Labels, d2.Labels)) {
			t.Fatalf("data differ: fast path %v %v %q, quote-aware path %v %v %q", rows(d), d.Y, d.Labels, rows(d2), d2.Y, d2.Labels)
		}
		if err != nil {
			return
		}
		checkDataset(t, d)
		if d.Len() == 0 {
			t.Fatal("no rows without an error")
		}
		if noLabel != (d.Y == nil) {
			t.Fatalf("NoLabel %v but Y = %v", noLabel, d.Y)
		}
	})
}

// FuzzCSVRecord checks splitRecord and scanRecord on records written from
// fields: in is split at 0 bytes into fields, and quote's bits say which
// fields to quote (those that must be are quoted anyway). Splitting the
// record must give the fields back, and scanning it line by line must find
// it open (in a quoted field) at every line break and closed at its end.
func FuzzCSVRecord(f *testing.F) {
	f.Add([]byte("a\x00b,c\x00\"q\"\x00x\ny\x00"), uint64(0), uint8(0))
	f.Add([]byte(" 1\x00\t\x00\x00;·"), uint64(5), uint8(3))
	f.Fuzz(func(t *testing.T, in []byte, quote uint64, sepChoice uint8) {
		sep := []byte([]string{",", ";", "\t", "·", " "}[sepChoice%5])
		fields := bytes.Split(in, []byte{0})
		var rec []byte
		for k, fld := range fields {
			if k > 0 {
				rec = append(rec, sep...)
			}
			must := len(fld) == 0 || bytes.Contains(fld, sep) || bytes.ContainsAny(fld, "\"\n") ||
				len(trimBlanks(fld)) != len(fld)
			if must || quote>>(k%64)&1 != 0 {
				rec = append(rec, '"')
				rec = append(rec, bytes.ReplaceAll(fld, []byte(`"`), []byte(`""`))...)
				rec = append(rec, '"')
			} else {
				rec = append(rec, fld...)
			}
		}
		got, _, field, err := splitRecord(nil, nil, rec, sep)
		if err != nil {
			t.Fatalf("%q: field %d: %v", rec, field, err)
		}
		if len(got) != len(fields) {
			t.Fatalf("%q: %d fields, want %d", rec, len(got), len(fields))
		}
		for k := range got {
			if !bytes.Equal(got[k], fields[k]) {
				t.Fatalf("%q: field %d = %q, want %q", rec, k+1, got[k], fields[k])
			}
		}
		lines := bytes.Split(rec, []byte{'\n'})
		st := stField
		for i, line := range lines {
			if i > 0 {
				st = scanRecord([]byte{'\n'}, sep, st)
			}
			st = scanRecord(line, sep, st)
			if open := st == stQuoted; open != (i < len(lines)-1) {
				t.Fatalf("%q: line %d: state %d", rec, i+1, st)
			}
		}
	})
}

func FuzzReadLIBSVM(f *testing.F) {
	fuzzLimits(f)
	for _, s := range []string{
		"+1 qid:3 1:0.5 3:2 # c\n-1 2:1.5\n\n1.0 4:-3\n",
		"# only\n",
		"1 3:1 2:1\n",
		"1:1 2:2\n",
		"cat 1:1e39\n",
		"1 0:1\n",
		"2 1000:1\r\n",
	} {
		f.Add([]byte(s), uint16(0), false)
		f.Add(gz([]byte(s)), uint16(5), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, features uint16, noLabel bool) {
		opt := LIBSVMOptions{Features: int(features), NoLabel: noLabel}
		d, err := ReadLIBSVM(bytes.NewReader(in), "fuzz.svm", opt)
		if err != nil {
			return
		}
		checkDataset(t, d)
		if d.Len() == 0 || (features > 0 && d.Features() != int(features)) {
			t.Fatalf("%d×%d with Features %d", d.Len(), d.Features(), features)
		}
		if noLabel != (d.Y == nil) {
			t.Fatalf("NoLabel %v but Y = %v", noLabel, d.Y)
		}
	})
}

func FuzzReadIDX(f *testing.F) {
	fuzzLimits(f)
	img, lbl := idxImages(3, 2, 2, testPix), idxLabels(1, 2, 1)
	f.Add(img, lbl)
	f.Add(gz(img), gz(lbl))
	f.Add(img[:20], lbl)
	f.Fuzz(func(t *testing.T, img, lbl []byte) {
		d, err := ReadIDX(bytes.NewReader(img), bytes.NewReader(lbl), "fuzz")
		if err != nil {
			return
		}
		checkDataset(t, d)
		if d.Len() == 0 || d.Y == nil {
			t.Fatalf("%d rows, Y %v", d.Len(), d.Y)
		}
	})
}

// FuzzOpenReader checks format detection on arbitrary streams: an error or
// a valid data set of the format detected.
func FuzzOpenReader(f *testing.F) {
	fuzzLimits(f)
	for _, s := range []string{"1,2,a\n", "1 1:2\n", "5\n1:1\n", "# c\n\n", string(idxImages(1, 1, 1, testPix))} {
		f.Add([]byte(s), false)
		f.Add(gz([]byte(s)), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, noLabel bool) {
		d, err := OpenReader(bytes.NewReader(in), "fuzz", "", CSVOptions{NoLabel: noLabel})
		if err != nil {
			return
		}
		checkDataset(t, d)
		if d.Len() == 0 || d.Source != "fuzz" || noLabel != (d.Y == nil) {
			t.Fatalf("%d rows from %q, NoLabel %v, Y %v", d.Len(), d.Source, noLabel, d.Y)
		}
		switch d.Format {
		case "csv", "libsvm", "idx":
		default:
			t.Fatalf("format %q", d.Format)
		}
	})
}
