package data

import (
	"bytes"
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
	} {
		f.Add([]byte(s), int8(0), uint8(0), false, ',')
		f.Add(gz([]byte(s)), int8(1), uint8(2), true, ';')
	}
	f.Fuzz(func(t *testing.T, in []byte, labelCol int8, header uint8, noLabel bool, comma rune) {
		opt := CSVOptions{LabelCol: int(labelCol), NoLabel: noLabel, Header: HeaderMode(header % 3), Comma: comma}
		d, err := ReadCSV(bytes.NewReader(in), "fuzz.csv", opt)
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
