package data

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func readCSV(t *testing.T, in string, opt CSVOptions) *Dataset {
	t.Helper()
	d, err := ReadCSV(strings.NewReader(in), "t.csv", opt)
	if err != nil {
		t.Fatal(err)
	}
	checkDataset(t, d)
	return d
}

func TestReadCSVBasic(t *testing.T) {
	d := readCSV(t, "1,2,b\n3.5,-4e2,a\n0x1p-2,+7,b\n", CSVOptions{})
	if d.Len() != 3 || d.Features() != 2 || d.Source != "t.csv" {
		t.Fatalf("got %d×%d from %q", d.Len(), d.Features(), d.Source)
	}
	if want := [][]float64{{1, 2}, {3.5, -400}, {0.25, 7}}; !reflect.DeepEqual(rows(d), want) {
		t.Errorf("X = %v, want %v", rows(d), want)
	}
	if want := []string{"a", "b"}; !reflect.DeepEqual(d.Labels, want) {
		t.Errorf("Labels = %q, want %q", d.Labels, want)
	}
	if want := []int{1, 0, 1}; !reflect.DeepEqual(d.Y, want) {
		t.Errorf("Y = %v, want %v", d.Y, want)
	}
}

func TestReadCSVLabelColumn(t *testing.T) {
	const in = "10,11,12,13\n20,21,22,23\n"
	for _, tc := range []struct {
		name   string
		col    int
		labels []string
		x      [][]float64
	}{
		{"zero=last", 0, []string{"13", "23"}, [][]float64{{10, 11, 12}, {20, 21, 22}}},
		{"last", -1, []string{"13", "23"}, [][]float64{{10, 11, 12}, {20, 21, 22}}},
		{"first", 1, []string{"10", "20"}, [][]float64{{11, 12, 13}, {21, 22, 23}}},
		{"middle", 2, []string{"11", "21"}, [][]float64{{10, 12, 13}, {20, 22, 23}}},
		{"fourth", 4, []string{"13", "23"}, [][]float64{{10, 11, 12}, {20, 21, 22}}},
		{"negative", -3, []string{"11", "21"}, [][]float64{{10, 12, 13}, {20, 22, 23}}},
		{"negative first", -4, []string{"10", "20"}, [][]float64{{11, 12, 13}, {21, 22, 23}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := readCSV(t, in, CSVOptions{LabelCol: tc.col})
			if got := labelsOf(d); !reflect.DeepEqual(got, tc.labels) {
				t.Errorf("labels = %q, want %q", got, tc.labels)
			}
			if !reflect.DeepEqual(rows(d), tc.x) {
				t.Errorf("X = %v, want %v", rows(d), tc.x)
			}
		})
	}
	for _, col := range []int{5, -5} {
		_, err := ReadCSV(strings.NewReader(in), "t.csv", CSVOptions{LabelCol: col})
		wantErr(t, err, "t.csv:1: ", fmt.Sprintf("label column %d out of range for 4 fields", col))
	}
}

func TestReadCSVNoLabel(t *testing.T) {
	d := readCSV(t, "1,2,3\n4,5,6\n", CSVOptions{NoLabel: true, LabelCol: 2})
	if d.Y != nil || d.Labels != nil || d.Features() != 3 {
		t.Fatalf("Y = %v, Labels = %v, %d features", d.Y, d.Labels, d.Features())
	}
	if want := [][]float64{{1, 2, 3}, {4, 5, 6}}; !reflect.DeepEqual(rows(d), want) {
		t.Errorf("X = %v", rows(d))
	}
}

func TestReadCSVHeader(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		opt  CSVOptions
		rows int
	}{
		{"auto header", "x,y,label\n1,2,a\n", CSVOptions{}, 1},
		{"auto quoted header", "\"x\", \"y\",\"label\"\n1,2,a\n", CSVOptions{}, 1},
		{"auto one text field", "1,y2,3\n1,2,3\n", CSVOptions{}, 1},
		{"auto no header", "1,2,a\n3,4,b\n", CSVOptions{}, 2},
		{"auto text label only", "1,2,cat\n3,4,dog\n", CSVOptions{}, 2},
		{"auto label first", "cat,1,2\n", CSVOptions{LabelCol: 1}, 1},
		{"auto no label", "a,b\n1,2\n", CSVOptions{NoLabel: true}, 1},
		{"yes numeric", "1,2,3\n4,5,6\n", CSVOptions{Header: HeaderYes}, 1},
		{"auto after blank lines", "\n  \nx,y\n1,2\n", CSVOptions{}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := readCSV(t, tc.in, tc.opt); d.Len() != tc.rows {
				t.Errorf("%d rows, want %d", d.Len(), tc.rows)
			}
		})
	}
	_, err := ReadCSV(strings.NewReader("x,y,l\n1,2,3\n"), "t.csv", CSVOptions{Header: HeaderNo})
	wantErr(t, err, `t.csv:1: field 1: parsing "x": invalid syntax`)
}

func TestReadCSVFormatting(t *testing.T) {
	// CRLF, blank lines, blanks around fields, quoted values, other separators.
	d := readCSV(t, "1, 2 ,\"a\"\r\n\r\n  \n\"3\",4, b\r\n", CSVOptions{})
	if want := [][]float64{{1, 2}, {3, 4}}; !reflect.DeepEqual(rows(d), want) {
		t.Errorf("X = %v", rows(d))
	}
	if want := []string{"a", "b"}; !reflect.DeepEqual(labelsOf(d), want) {
		t.Errorf("labels = %q", labelsOf(d))
	}
	d = readCSV(t, "\uFEFF1,2,a\n", CSVOptions{})
	if want := [][]float64{{1, 2}}; !reflect.DeepEqual(rows(d), want) {
		t.Errorf("with BOM: X = %v", rows(d))
	}
	for _, comma := range []rune{';', '\t', '|', '·'} {
		in := strings.ReplaceAll("1,2,x\n3,4,y", ",", string(comma))
		d := readCSV(t, in, CSVOptions{Comma: comma})
		if want := [][]float64{{1, 2}, {3, 4}}; !reflect.DeepEqual(rows(d), want) {
			t.Errorf("comma %q: X = %v", comma, rows(d))
		}
	}
	// A digit as the separator (the fast path must not take it for part
	// of a number).
	d = readCSV(t, "170\n2735\n", CSVOptions{Comma: '7', NoLabel: true})
	if want := [][]float64{{1, 0}, {2, 35}}; !reflect.DeepEqual(rows(d), want) {
		t.Errorf("comma '7': X = %v, want %v", rows(d), want)
	}
	_, err := ReadCSV(strings.NewReader("170\n17\n"), "t.csv", CSVOptions{Comma: '7', NoLabel: true})
	wantErr(t, err, `t.csv:2: field 2: parsing "": invalid syntax`)
	for _, comma := range []rune{'"', '\n', '\r', -1, 0xd800} {
		_, err := ReadCSV(strings.NewReader("1,2\n"), "t.csv", CSVOptions{Comma: comma})
		wantErr(t, err, "t.csv: invalid field separator")
	}
}

func TestReadCSVLongLines(t *testing.T) {
	// Lines longer than the read buffer.
	const m = 30000
	var b strings.Builder
	for i := range 3 {
		for j := range m {
			fmt.Fprintf(&b, "%d,", (i+j)%256)
		}
		fmt.Fprintf(&b, "%d\n", i)
	}
	d := readCSV(t, b.String(), CSVOptions{})
	if d.Len() != 3 || d.Features() != m {
		t.Fatalf("%d×%d", d.Len(), d.Features())
	}
	for i := range 3 {
		for _, j := range []int{0, 1, m - 1} {
			if got, want := d.X.At(i, j), float32((i+j)%256); got != want {
				t.Fatalf("X[%d][%d] = %v, want %v", i, j, got, want)
			}
		}
	}
	// A bad field late on a long line.
	_, err := ReadCSV(strings.NewReader(strings.Repeat("1,", m)+"z,0\n"), "long.csv", CSVOptions{Header: HeaderNo})
	wantErr(t, err, fmt.Sprintf(`long.csv:1: field %d: parsing "z"`, m+1))
}

func TestReadCSVGzip(t *testing.T) {
	d, err := ReadCSV(bytes.NewReader(gz([]byte("1,2,a\n3,4,b\n"))), "t.csv.gz", CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 2 || d.Features() != 2 {
		t.Fatalf("%d×%d", d.Len(), d.Features())
	}
	// Corrupt gzip data: an error, no panic.
	bad := gz([]byte(strings.Repeat("1,2,a\n", 1000)))
	bad[len(bad)/2] ^= 0xff
	bad[len(bad)-5] ^= 0xff
	_, err = ReadCSV(bytes.NewReader(bad), "bad.csv.gz", CSVOptions{})
	wantErr(t, err, "bad.csv.gz:")
}

func TestReadCSVLabelOrder(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"1,10\n1,2\n1,-1\n1,2\n1,1\n", []string{"-1", "1", "2", "10"}},
		{"1,10\n1,2\n1,b\n1,a\n", []string{"10", "2", "a", "b"}},
		{"1,1.5\n1,10\n1,2\n", []string{"1.5", "2", "10"}},
		{"1,10\n1,9\n1,-10\n1,0.5\n", []string{"-10", "0.5", "9", "10"}},
	} {
		d := readCSV(t, tc.in, CSVOptions{})
		if !reflect.DeepEqual(d.Labels, tc.want) {
			t.Errorf("%q: Labels = %q, want %q", tc.in, d.Labels, tc.want)
		}
		for i, l := range strings.Split(strings.TrimSpace(tc.in), "\n") {
			if want := l[2:]; d.Labels[d.Y[i]] != want {
				t.Errorf("%q: row %d has label %q, want %q", tc.in, i, d.Labels[d.Y[i]], want)
			}
		}
	}
}

func TestReadCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		opt      CSVOptions
		want     string
	}{
		{"bad number", "1,2,0\n3,x,1\n", CSVOptions{}, `t.csv:2: field 2: parsing "x": invalid syntax`},
		{"empty field", "1,,0\n", CSVOptions{Header: HeaderNo}, `t.csv:1: field 2: parsing "": invalid syntax`},
		{"auto header empty field", "1,,0\n", CSVOptions{}, "t.csv: no data rows"},
		{"empty field second row", "1,2,0\n1,,0\n", CSVOptions{}, `t.csv:2: field 2: parsing "": invalid syntax`},
		{"line counts blanks", "1,2,0\n\n\n1,2,3,4\n", CSVOptions{}, "t.csv:4: 4 fields, want 3 as on line 1"},
		{"fewer fields", "a,b,c\n1,2,3\n1,2\n", CSVOptions{}, "t.csv:3: 2 fields, want 3 as on line 1"},
		{"empty", "", CSVOptions{}, "t.csv: no data rows"},
		{"blank only", "\n \n\r\n", CSVOptions{}, "t.csv: no data rows"},
		{"header only", "a,b,c\n", CSVOptions{}, "t.csv: no data rows"},
		{"NaN", "1,2,0\nNaN,2,0\n", CSVOptions{}, `t.csv:2: field 1: value "NaN": NaN and Inf are not allowed`},
		{"nan first row", "1,nan,0\n", CSVOptions{}, `t.csv:1: field 2: value "nan": NaN and Inf`},
		{"Inf", "1,2,0\n1,-Inf,0\n", CSVOptions{}, `t.csv:2: field 2: value "-Inf": NaN and Inf`},
		{"infinity", "1,2,0\n1,+infinity,0\n", CSVOptions{}, `t.csv:2: field 2: value "+infinity"`},
		{"overflow", "1,2,0\n1e39,2,0\n", CSVOptions{}, `t.csv:2: field 1: parsing "1e39": value out of range`},
		{"empty label", "1,2,0\n1,2, \n", CSVOptions{}, "t.csv:2: field 3: empty label"},
		{"NaN no label", "1,2\n3,NaN\n", CSVOptions{NoLabel: true}, `t.csv:2: field 2: value "NaN"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(tc.in), "t.csv", tc.opt)
			wantErr(t, err, tc.want)
			var pe *ParseError
			if !errors.As(err, &pe) || pe.File != "t.csv" {
				t.Errorf("error %v is not a *ParseError for t.csv", err)
			}
		})
	}
	_, err := ReadCSV(strings.NewReader(""), "t.csv", CSVOptions{})
	if !errors.Is(err, ErrNoData) {
		t.Errorf("empty input: %v is not ErrNoData", err)
	}
	// The example of the package documentation.
	in := strings.Repeat("1,2,3,4,5,6\n", 16) + "1,2,3,4,x,6\n"
	_, err = ReadCSV(strings.NewReader(in), "digits.csv", CSVOptions{})
	if err == nil || err.Error() != `digits.csv:17: field 5: parsing "x": invalid syntax` {
		t.Errorf("got %v", err)
	}
}

// failReader fails after returning its data.
type failReader struct{ data []byte }

func (r *failReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, errors.New("disk on fire")
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestReadCSVReadError(t *testing.T) {
	_, err := ReadCSV(&failReader{[]byte("1,2,3\n4,5,6\n7,8")}, "t.csv", CSVOptions{})
	wantErr(t, err, "t.csv:3: disk on fire")
	_, err = ReadLIBSVM(&failReader{[]byte("1 1:2\n")}, "t.svm", LIBSVMOptions{})
	wantErr(t, err, "t.svm:2: disk on fire")
}

func TestParseValue(t *testing.T) {
	for _, s := range []string{"0", "-0", "7", "-12345678", "+99999999", "16777217", "0.1", "1e-50", "3.4028235e38", "1_0", "0x10", "-", "+", "1-2", "१"} {
		want, werr := parseFloat32Ref(s)
		got, err := parseValue([]byte(s))
		if (err != nil) != (werr != nil) || got != want {
			t.Errorf("parseValue(%q) = %v, %v; want %v, %v", s, got, err, want, werr)
		}
	}
}

// parseFloat32Ref is parseValue written plainly.
func parseFloat32Ref(s string) (float32, error) {
	f, err := strconv.ParseFloat(s, 32)
	if err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
		err = errors.New("not finite")
	}
	if err != nil {
		return 0, err
	}
	return float32(f), nil
}

// TestReadCSVNumericLabels is issue 15's first case: numeric labels are
// canonicalised as by ReadLIBSVM, so "1.5" and "1.50" are one class, and
// all-numeric labels are in numeric order.
func TestReadCSVNumericLabels(t *testing.T) {
	for _, tc := range []struct {
		in     string
		labels []string // Labels
		rows   []string // the label of each row
	}{
		{"1,1.5\n2,1.50\n3,+1.5\n4,2\n5,2.0\n6,10\n7,1e1\n8,-0\n9,0.0\n",
			[]string{"0", "1.5", "2", "10"},
			[]string{"1.5", "1.5", "1.5", "2", "2", "10", "10", "0", "0"}},
		{"1,007\n2,7\n3,-3\n4,0x1p-2\n", []string{"-3", "0.25", "7"}, []string{"7", "7", "-3", "0.25"}},
		// Not every label is a number: lexicographic order; names that
		// are not numbers are kept as they are.
		{"1, cat\n2,Cat\n3,1.50\n4,NaN\n5,inf\n", []string{"1.5", "Cat", "NaN", "cat", "inf"},
			[]string{"cat", "Cat", "1.5", "NaN", "inf"}},
	} {
		d := readCSV(t, tc.in, CSVOptions{})
		if !reflect.DeepEqual(d.Labels, tc.labels) {
			t.Errorf("%q: Labels = %q, want %q", tc.in, d.Labels, tc.labels)
		}
		if got := labelsOf(d); !reflect.DeepEqual(got, tc.rows) {
			t.Errorf("%q: row labels = %q, want %q", tc.in, got, tc.rows)
		}
	}
}

func TestCanonicalLabel(t *testing.T) {
	for in, want := range map[string]string{
		"1": "1", "+1": "1", "-1": "-1", "01": "1", "-0": "0", "+000": "0", "0": "0",
		"1.0": "1", "1.50": "1.5", "1e2": "100", "-2.5e-1": "-0.25", "0x1p4": "16",
		"1000000": "1000000", "1e20": "100000000000000000000", "1e21": "1e+21",
		"0.000001": "0.000001", "1e-7": "1e-07", "-1.5e-8": "-1.5e-08", "1e300": "1e+300",
		// Integers are exact however long.
		"12345678901234567890123": "12345678901234567890123",
		"-0012345678901234567891": "-12345678901234567891",
		// Not numbers (or not finite): unchanged.
		"cat": "cat", "NaN": "NaN", "-Inf": "-Inf", "1e400": "1e400", "": "", "+": "+",
		"1,5": "1,5", "1_0": "1_0", " 1": " 1",
	} {
		if got := string(canonicalLabel(nil, []byte(in))); got != want {
			t.Errorf("canonicalLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSortedLabelOrder(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"10", "2", "-1", "1.5", "1e+21", "0.25"}, []string{"-1", "0.25", "1.5", "2", "10", "1e+21"}},
		// Integers beyond float64's precision compare exactly.
		{[]string{"9007199254740993", "9007199254740992", "-9007199254740993", "-9007199254740992"},
			[]string{"-9007199254740993", "-9007199254740992", "9007199254740992", "9007199254740993"}},
		{[]string{"100000000000000000001", "99999999999999999999", "1e+20", "100000000000000000000"},
			[]string{"99999999999999999999", "100000000000000000000", "1e+20", "100000000000000000001"}},
		{[]string{"b", "10", "2", "a"}, []string{"10", "2", "a", "b"}},
	} {
		perm := sortedLabelOrder(tc.in)
		got := make([]string, len(perm))
		for k, i := range perm {
			got[k] = tc.in[i]
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("order of %q = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestReadCSVRaggedFirst is issue 15's second case: a row with the wrong
// number of fields is reported as such, even when one of its fields is
// also malformed.
func TestReadCSVRaggedFirst(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"1,2,3\n5,x\n", "t.csv:2: 2 fields, want 3 as on line 1"},
		{"1,2,3\nx,1,2,3\n", "t.csv:2: 4 fields, want 3 as on line 1"},
		{"1,2,a\n1.5\n", "t.csv:2: 1 field, want 3 as on line 1"},
		{"1,2,a\n1,2, \n3,4,5,6\n", "t.csv:2: field 3: empty label"},
		{"1,2,a\n,\n", "t.csv:2: 2 fields, want 3 as on line 1"},
	} {
		_, err := ReadCSV(strings.NewReader(tc.in), "t.csv", CSVOptions{})
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: got %v, want %s", tc.in, err, tc.want)
		}
	}
}

// TestReadCSVQuoted is issue 15's third case: RFC 4180 quoting. A quoted
// field may hold the separator, doubled quotes and line breaks; a quoted
// data row is not taken for a header.
func TestReadCSVQuoted(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		opt      CSVOptions
		x        [][]float64
		labels   []string // the label of each row
	}{
		{"comma in label", "\"a,b\",1,2\n\"c \"\"d\"\"\",3,4\n", CSVOptions{LabelCol: 1},
			[][]float64{{1, 2}, {3, 4}}, []string{"a,b", `c "d"`}},
		{"quoted numbers", "\"1\",\"2.5\",x\n\" 3 \", \"-4\" ,\"y\"\n", CSVOptions{},
			[][]float64{{1, 2.5}, {3, -4}}, []string{"x", "y"}},
		{"blanks kept in quoted label", "1,2,\" a \"\n3,4, a\n", CSVOptions{},
			[][]float64{{1, 2}, {3, 4}}, []string{" a ", "a"}},
		{"quoted numeric label", "1,\"1.50\"\n2,1.5\n", CSVOptions{},
			[][]float64{{1}, {2}}, []string{"1.5", "1.5"}},
		{"line break in label", "1,2,\"two\nlines\"\n3,4,\"crlf\r\nend\"\r\n5,6,\"\n\n\"\n", CSVOptions{},
			[][]float64{{1, 2}, {3, 4}, {5, 6}}, []string{"two\nlines", "crlf\nend", "\n\n"}},
		{"quoted data row first", "\"1\",\"2\",\"a\"\n3,4,b\n", CSVOptions{},
			[][]float64{{1, 2}, {3, 4}}, []string{"a", "b"}},
		{"quoted header with separator", "\"x,1\",\"y\",label\n1,2,a\n", CSVOptions{},
			[][]float64{{1, 2}}, []string{"a"}},
		{"multi-line header", "\"x\ny\",z,label\n1,2,a\n", CSVOptions{},
			[][]float64{{1, 2}}, []string{"a"}},
		{"quote after unquoted rows", "1,2,a\n3,4,\"b;c,d\"\n5,6,\"\"\"\"\n", CSVOptions{},
			[][]float64{{1, 2}, {3, 4}, {5, 6}}, []string{"a", "b;c,d", `"`}},
		{"other separator", "\"1;5\";2\n\"x\";3\n", CSVOptions{Comma: ';', LabelCol: 1},
			[][]float64{{2}, {3}}, []string{"1;5", "x"}},
		{"multi-byte separator", "\"a·b\"·1\n", CSVOptions{Comma: '·', LabelCol: 1},
			[][]float64{{1}}, []string{"a·b"}},
		{"no label", "\"1\",2\n3,\"4\"\n", CSVOptions{NoLabel: true},
			[][]float64{{1, 2}, {3, 4}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := readCSV(t, tc.in, tc.opt)
			if !reflect.DeepEqual(rows(d), tc.x) {
				t.Errorf("X = %v, want %v", rows(d), tc.x)
			}
			if got := labelsOf(d); tc.labels != nil && !reflect.DeepEqual(got, tc.labels) {
				t.Errorf("labels = %q, want %q", got, tc.labels)
			}
		})
	}
	for _, tc := range []struct{ name, in, want string }{
		{"bare quote", "1,2\",a\n", `t.csv:1: field 2: bare " in an unquoted field (quote the whole field and double the " inside it)`},
		{"bare quote later", "1,2,a\n1,2,b\"c\n", `t.csv:2: field 3: bare " in an unquoted field`},
		{"text after quote", "\"1\"x,2,a\n", `t.csv:1: field 1: text after the closing quote`},
		{"unterminated", "1,2,a\n1,2,\"abc\n4,5,b\n", `t.csv:2: field 3: quoted field not closed by the end of the input`},
		{"count", "1,2,a\n\"1,2\",b\n", "t.csv:2: 2 fields, want 3 as on line 1"},
		{"count inline", "1,2,a\n1,\"a,b\"\n", "t.csv:2: 2 fields, want 3 as on line 1"},
		{"count inline too many", "1,2,a\n1,\"a,b\",3,4\n", "t.csv:2: 4 fields, want 3 as on line 1"},
		{"count multi-line", "1,2,a\n1,\"2\n\",x,b\n", "t.csv:2: 4 fields, want 3 as on line 1"},
		{"bad quoted number", "1,2,a\n1,\"2,5\",b\n", `t.csv:2: field 2: parsing "2,5": invalid syntax`},
		{"line after multi-line record", "1,2,\"a\nb\"\n3,x,c\n", `t.csv:3: field 2: parsing "x": invalid syntax`},
		{"empty quoted label", "1,2,a\n1,2,\"\"\n", "t.csv:2: field 3: empty label"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(tc.in), "t.csv", CSVOptions{})
			wantErr(t, err, tc.want)
		})
	}
}

// TestNoFeatureColumns is issue 15's fourth case: data with a label column
// and nothing else is an error, not a data set of 0 features.
func TestNoFeatureColumns(t *testing.T) {
	for _, tc := range []struct {
		in   string
		opt  CSVOptions
		want string
	}{
		{"a\nb\n", CSVOptions{}, "t.csv:1: no feature columns: the lines have 1 field, the label"},
		{"\nlabel\n1\n", CSVOptions{}, "t.csv:2: no feature columns"},
		{"\"x,y\"\n", CSVOptions{LabelCol: 1}, "t.csv:1: no feature columns"},
	} {
		_, err := ReadCSV(strings.NewReader(tc.in), "t.csv", tc.opt)
		wantErr(t, err, tc.want)
	}
	d := readCSV(t, "a\n1\n", CSVOptions{NoLabel: true})
	if d.Features() != 1 || d.Len() != 1 {
		t.Errorf("NoLabel: %d×%d", d.Len(), d.Features())
	}

	for _, in := range []string{"1\n2\n", "1 qid:3\n-1 # c\n", "cat\n"} {
		_, err := ReadLIBSVM(strings.NewReader(in), "t.svm", LIBSVMOptions{})
		wantErr(t, err, "t.svm: no feature columns: no line has an index:value pair (set Features to read such a file)")
	}
	_, err := ReadLIBSVM(strings.NewReader("qid:1\n\n"), "t.svm", LIBSVMOptions{NoLabel: true})
	wantErr(t, err, "t.svm: no feature columns")
	// Features makes the width explicit: rows without a feature are then
	// rows of zeros.
	d, err = ReadLIBSVM(strings.NewReader("1\n2\n"), "t.svm", LIBSVMOptions{Features: 3})
	if err != nil {
		t.Fatal(err)
	}
	checkDataset(t, d)
	if want := [][]float64{{0, 0, 0}, {0, 0, 0}}; !reflect.DeepEqual(rows(d), want) || !reflect.DeepEqual(d.Labels, []string{"1", "2"}) {
		t.Errorf("X = %v, Labels = %q", rows(d), d.Labels)
	}
}
