package data

import (
	"reflect"
	"strings"
	"testing"
)

func TestLIBSVMSparseModes(t *testing.T) {
	narrow := "1 1:1 2:2 3:3\n2 1:4 3:6\n"
	wide := "1 1:1 70000:2\n2 5:4\n"
	for _, tc := range []struct {
		in     string
		mode   SparseMode
		sparse bool
	}{
		{narrow, SparseAuto, false},
		{narrow, SparseAlways, true},
		{wide, SparseAuto, true},
		{wide, SparseNever, false},
	} {
		d, err := ReadLIBSVM(strings.NewReader(tc.in), "t.svm", LIBSVMOptions{Sparse: tc.mode})
		if err != nil {
			t.Fatal(err)
		}
		checkDataset(t, d)
		if (d.Sparse != nil) != tc.sparse {
			t.Errorf("%q in mode %d: sparse %v, want %v", tc.in, tc.mode, d.Sparse != nil, tc.sparse)
		}
		if tc.in == narrow && !reflect.DeepEqual(rows(d), [][]float64{{1, 2, 3}, {4, 0, 6}}) {
			t.Errorf("mode %d: rows %v", tc.mode, rows(d))
		}
	}
}

func TestSparseSubsetSplitSetFeatures(t *testing.T) {
	var in strings.Builder
	for i := 0; i < 30; i++ {
		in.WriteString([]string{"a 2:1 9000:3\n", "b 1:2\n", "c 4:1 5:1\n"}[i%3])
	}
	d, err := ReadLIBSVM(strings.NewReader(in.String()), "t.svm", LIBSVMOptions{Sparse: SparseAlways})
	if err != nil {
		t.Fatal(err)
	}
	tr, te, err := Split(d, 0.2, 1)
	if err != nil {
		t.Fatal(err)
	}
	checkDataset(t, tr)
	checkDataset(t, te)
	if tr.Sparse == nil || te.Sparse == nil || tr.Len() != 24 || te.Len() != 6 || tr.Features() != 9000 {
		t.Fatalf("split: %d/%d rows, %d features, sparse %v %v", tr.Len(), te.Len(), tr.Features(), tr.Sparse != nil, te.Sparse != nil)
	}
	for i, c := range te.Y {
		ix, v := te.Sparse.Row(i)
		switch te.Labels[c] {
		case "a":
			if !reflect.DeepEqual(ix, []int32{1, 8999}) || v[1] != 3 {
				t.Errorf("row %d (a): %v %v", i, ix, v)
			}
		case "b":
			if !reflect.DeepEqual(ix, []int32{0}) {
				t.Errorf("row %d (b): %v", i, ix)
			}
		}
	}
	if err := te.SetFeatures(100); err == nil || !strings.Contains(err.Error(), "has feature 9000, the model has 100") {
		t.Errorf("narrowing past an index: %v", err)
	}
	if err := te.SetFeatures(20000); err != nil || te.Features() != 20000 || te.Sparse.Cols != 20000 {
		t.Errorf("widening: %v, %d", err, te.Features())
	}
	dense, _ := ReadLIBSVM(strings.NewReader("1 1:1\n"), "d.svm", LIBSVMOptions{})
	if err := dense.SetFeatures(3); err == nil {
		t.Error("SetFeatures on dense rows: no error")
	}
}

func TestSparseMemoryBudget(t *testing.T) {
	defer SetMemoryBudget(SetMemoryBudget(50))
	_, err := ReadLIBSVM(strings.NewReader("1 1:1 2:1 3:1 4:1 5:1 6:1 7:1\n2 9000:1\n"), "s.svm", LIBSVMOptions{Sparse: SparseAlways})
	wantErr(t, err, "s.svm: the sparse rows (2 rows, 8 non-zeros) needs 88 bytes, more than")
}

func TestParseSparseMode(t *testing.T) {
	for name, want := range map[string]SparseMode{"auto": SparseAuto, "on": SparseAlways, "sparse": SparseAlways, "off": SparseNever, "dense": SparseNever} {
		if got, err := ParseSparseMode(name); err != nil || got != want {
			t.Errorf("%q: %v, %v", name, got, err)
		}
	}
	if _, err := ParseSparseMode("maybe"); err == nil {
		t.Error("no error for maybe")
	}
}

func TestMaxAbsScaling(t *testing.T) {
	d, err := ReadLIBSVM(strings.NewReader("a 1:2 3:-4\nb 1:-1 2:0.5\nc 2:0\n"), "t.svm", LIBSVMOptions{Sparse: SparseAlways})
	if err != nil {
		t.Fatal(err)
	}
	s, err := FitScalerSparse(ScaleMaxAbs, *d.Sparse)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Scale, []float32{0.5, 2, 0.25}) {
		t.Errorf("scales %v", s.Scale)
	}
	x := s.ApplySparse(*d.Sparse)
	if got := x.Dense(); !reflect.DeepEqual(got.Row(0), []float32{1, 0, -1}) || !reflect.DeepEqual(got.Row(1), []float32{-0.5, 1, 0}) {
		t.Errorf("scaled %v %v", got.Row(0), got.Row(1))
	}
	if d.Sparse.Value[0] != 2 {
		t.Error("ApplySparse changed its input")
	}
	// The dense scaler agrees.
	dense := FitScaler(ScaleMaxAbs, d.Sparse.Dense())
	if !reflect.DeepEqual(dense.Scale, s.Scale) || !reflect.DeepEqual(dense.Offset, s.Offset) {
		t.Errorf("dense %v, sparse %v", dense, s)
	}
	if _, err := FitScalerSparse(ScaleMinMax, *d.Sparse); err == nil || !strings.Contains(err.Error(), "would make sparse rows dense") {
		t.Errorf("minmax: %v", err)
	}
}
