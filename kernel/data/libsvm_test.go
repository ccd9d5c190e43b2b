package data

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestReadLIBSVM(t *testing.T) {
	const in = `# a comment line
+1 qid:3 1:0.5 3:2 # trailing comment
-1	2:1.5

   # indented comment
1.0 4:-3 qid:1
3
`
	d, err := ReadLIBSVM(strings.NewReader(in), "t.svm", LIBSVMOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkDataset(t, d)
	if d.Len() != 4 || d.Features() != 4 {
		t.Fatalf("%d×%d, want 4×4", d.Len(), d.Features())
	}
	want := [][]float64{{0.5, 0, 2, 0}, {0, 1.5, 0, 0}, {0, 0, 0, -3}, {0, 0, 0, 0}}
	if !reflect.DeepEqual(rows(d), want) {
		t.Errorf("X = %v, want %v", rows(d), want)
	}
	if want := []string{"-1", "1", "3"}; !reflect.DeepEqual(d.Labels, want) {
		t.Errorf("Labels = %q, want %q", d.Labels, want)
	}
	if want := []string{"1", "-1", "1", "3"}; !reflect.DeepEqual(labelsOf(d), want) {
		t.Errorf("labels = %q, want %q", labelsOf(d), want)
	}

	// Explicit width, gzip input.
	d, err = ReadLIBSVM(bytes.NewReader(gz([]byte(in))), "t.svm.gz", LIBSVMOptions{Features: 10})
	if err != nil {
		t.Fatal(err)
	}
	checkDataset(t, d)
	if d.Features() != 10 || d.X.At(2, 3) != -3 {
		t.Errorf("%d features, X[2][3] = %v", d.Features(), d.X.At(2, 3))
	}

	// Non-numeric labels are kept.
	d, err = ReadLIBSVM(strings.NewReader("cat 1:1\ndog 2:1\ncat 1:2\n-0 1:0\n"), "t.svm", LIBSVMOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"0", "cat", "dog"}; !reflect.DeepEqual(d.Labels, want) {
		t.Errorf("Labels = %q, want %q", d.Labels, want)
	}
}

func TestReadLIBSVMNoLabel(t *testing.T) {
	d, err := ReadLIBSVM(strings.NewReader("1:1 3:3\n\n2:2 # c\nqid:7 5:1\n"), "t.svm", LIBSVMOptions{NoLabel: true})
	if err != nil {
		t.Fatal(err)
	}
	checkDataset(t, d)
	if d.Y != nil || d.Labels != nil {
		t.Errorf("Y = %v, Labels = %v", d.Y, d.Labels)
	}
	want := [][]float64{{1, 0, 3, 0, 0}, {0, 2, 0, 0, 0}, {0, 0, 0, 0, 1}}
	if !reflect.DeepEqual(rows(d), want) {
		t.Errorf("X = %v, want %v", rows(d), want)
	}
}

func TestReadLIBSVMErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		opt      LIBSVMOptions
		want     string
	}{
		{"decreasing", "1 1:1\n2 2:1\n1 3:1 7:1 4:1\n", LIBSVMOptions{}, "data.svm:3: index 4 after 7: indices must increase"},
		{"repeated", "1 2:1 2:1\n", LIBSVMOptions{}, "data.svm:1: index 2 after 2: indices must increase"},
		{"index 0", "1 0:1\n", LIBSVMOptions{}, "data.svm:1: field 2: index 0: indices are 1-based"},
		{"bad index", "1 1:1\n\n1 x:1\n", LIBSVMOptions{}, `data.svm:3: field 2: bad index "x"`},
		{"negative index", "1 -1:1\n", LIBSVMOptions{}, `data.svm:1: field 2: bad index "-1"`},
		{"huge index", "1 99999999999:1\n", LIBSVMOptions{}, `data.svm:1: field 2: bad index "99999999999"`},
		{"no colon", "1 1:2 3\n", LIBSVMOptions{}, `data.svm:1: field 3: "3" is not index:value`},
		{"bad value", "1 1:2 3:abc\n", LIBSVMOptions{}, `data.svm:1: field 3: parsing "abc": invalid syntax`},
		{"empty value", "1 1:\n", LIBSVMOptions{}, `data.svm:1: field 2: parsing "": invalid syntax`},
		{"NaN", "1 1:1\n1 2:NaN\n", LIBSVMOptions{}, `data.svm:2: field 2: value "NaN": NaN and Inf are not allowed`},
		{"Inf", "1 1:inf\n", LIBSVMOptions{}, `data.svm:1: field 2: value "inf"`},
		{"missing label", "1:1 2:2\n", LIBSVMOptions{}, `data.svm:1: field 1: missing label: "1:1" is a feature`},
		{"label when NoLabel", "1 1:1\n", LIBSVMOptions{NoLabel: true}, `data.svm:1: field 1: "1" is not index:value`},
		{"exceeds Features", "1 1:1\n1 3:1 785:1\n", LIBSVMOptions{Features: 784}, "data.svm:2: field 3: index 785 exceeds Features = 784"},
		{"negative Features", "1 1:1\n", LIBSVMOptions{Features: -1}, "data.svm: negative Features -1"},
		{"empty", "", LIBSVMOptions{}, "data.svm: no data rows"},
		{"comments only", "# x\n\n  # y\n", LIBSVMOptions{}, "data.svm: no data rows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadLIBSVM(strings.NewReader(tc.in), "data.svm", tc.opt)
			wantErr(t, err, tc.want)
		})
	}
}

func TestReadLIBSVMTooLarge(t *testing.T) {
	defer func(m int) { maxElems = m }(maxElems)
	maxElems = 1 << 20
	_, err := ReadLIBSVM(strings.NewReader("1 1:1\n2 2000000:1\n"), "big.svm", LIBSVMOptions{Sparse: SparseNever})
	wantErr(t, err, "big.svm: data set too large: 2 rows × 2000000 features")
	// SparseAuto keeps such rows sparse.
	d, err := ReadLIBSVM(strings.NewReader("1 1:1\n2 2000000:1\n"), "big.svm", LIBSVMOptions{})
	if err != nil || d.Sparse == nil || d.Features() != 2000000 || d.Sparse.NNZ() != 2 {
		t.Fatalf("auto: %v, %+v", err, d)
	}
	_, err = ReadCSV(strings.NewReader(strings.Repeat("1,2\n", 1<<20)), "big.csv", CSVOptions{})
	wantErr(t, err, "big.csv:", "data set too large")
}
