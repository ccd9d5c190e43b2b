package data

import (
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/seed7bc074a2/maxent/kernel"
)

// idDataset returns n rows whose single feature is the row number, with
// class sizes sizes (classes named "c0", "c1", ...; rows grouped by class).
func idDataset(sizes ...int) *Dataset {
	n := 0
	for _, s := range sizes {
		n += s
	}
	d := &Dataset{X: kernel.NewMatrix(n, 1), Y: make([]int, 0, n), Source: "ids"}
	for c, s := range sizes {
		d.Labels = append(d.Labels, "c"+string(rune('0'+c)))
		for range s {
			d.X.Set(len(d.Y), 0, float32(len(d.Y)))
			d.Y = append(d.Y, c)
		}
	}
	return d
}

func ids(d *Dataset) []int {
	out := make([]int, d.Len())
	for i := range out {
		out[i] = int(d.X.At(i, 0))
	}
	return out
}

func TestSubset(t *testing.T) {
	d := idDataset(2, 3)
	s := d.Subset([]int{4, 0, 4})
	checkDataset(t, s)
	if !reflect.DeepEqual(ids(s), []int{4, 0, 4}) || !reflect.DeepEqual(s.Y, []int{1, 0, 1}) {
		t.Fatalf("ids %v, Y %v", ids(s), s.Y)
	}
	s.X.Set(1, 0, 42)
	s.Y[1] = 1
	s.Labels[0] = "x"
	if d.X.At(0, 0) != 0 || d.Y[0] != 0 || d.Labels[0] != "c0" {
		t.Error("Subset shares storage")
	}
	u := &Dataset{X: d.X}
	if s := u.Subset([]int{1}); s.Y != nil || s.Len() != 1 {
		t.Errorf("unlabelled subset: Y = %v", s.Y)
	}
}

func TestSplit(t *testing.T) {
	sizes := []int{50, 30, 15, 4, 1}
	d := idDataset(sizes...)
	n := d.Len()
	for _, frac := range []float64{0.2, 0.25, 0.5, 0.01, 0.9, 0.97} {
		train, test, err := Split(d, frac, 7)
		if err != nil {
			t.Fatalf("frac %v: %v", frac, err)
		}
		checkDataset(t, train)
		checkDataset(t, test)
		wantTest := int(math.Round(frac * float64(n)))
		if test.Len() != wantTest || train.Len() != n-wantTest {
			t.Errorf("frac %v: %d/%d rows, want %d/%d", frac, train.Len(), test.Len(), n-wantTest, wantTest)
		}
		// A partition of the rows, with labels carried along.
		all := append(ids(train), ids(test)...)
		slices.Sort(all)
		for i, id := range all {
			if id != i {
				t.Fatalf("frac %v: rows are not a partition: %v", frac, all)
			}
		}
		for _, part := range []*Dataset{train, test} {
			for i, id := range ids(part) {
				if part.Y[i] != d.Y[id] {
					t.Fatalf("row %d has class %d, want %d", id, part.Y[i], d.Y[id])
				}
			}
		}
		// Stratified: each class's test share is within 1 of frac·size.
		counts := make([]int, len(sizes))
		for _, c := range test.Y {
			counts[c]++
		}
		for c, s := range sizes {
			if math.Abs(float64(counts[c])-frac*float64(s)) >= 1 {
				t.Errorf("frac %v: class %d has %d of %d rows in test", frac, c, counts[c], s)
			}
		}
	}

	// Deterministic for a seed, different across seeds, and shuffled.
	a, b, _ := Split(d, 0.3, 1)
	c, e, _ := Split(d, 0.3, 1)
	if !reflect.DeepEqual(ids(a), ids(c)) || !reflect.DeepEqual(ids(b), ids(e)) {
		t.Error("Split is not deterministic")
	}
	f, _, _ := Split(d, 0.3, 2)
	if reflect.DeepEqual(ids(a), ids(f)) {
		t.Error("seeds 1 and 2 give the same split")
	}
	if slices.IsSorted(ids(a)) {
		t.Error("training rows are not shuffled")
	}

	// testFrac 0: everything for training.
	train, test, err := Split(d, 0, 3)
	if err != nil || train.Len() != n || test.Len() != 0 || test.Features() != 1 {
		t.Errorf("frac 0: %v, %d/%d", err, train.Len(), test.Len())
	}

	// Unlabelled data is split without stratification.
	u := &Dataset{X: d.X}
	train, test, err = Split(u, 0.5, 3)
	if err != nil || train.Len() != 50 || test.Len() != 50 || train.Y != nil {
		t.Errorf("unlabelled: %v, %d/%d", err, train.Len(), test.Len())
	}
}

func TestSplitErrors(t *testing.T) {
	d := idDataset(3, 1)
	for _, frac := range []float64{-0.1, 1, 1.5, math.NaN(), math.Inf(1)} {
		_, _, err := Split(d, frac, 1)
		wantErr(t, err, "not in [0, 1)")
	}
	_, _, err := Split(d, 0.1, 1)
	wantErr(t, err, "leaves no test rows")
	_, _, err = Split(idDataset(1), 0.9, 1)
	wantErr(t, err, "no training rows")
	_, _, err = Split(&Dataset{X: kernel.NewMatrix(0, 3)}, 0, 1)
	wantErr(t, err, "no training rows")
}

func TestRemap(t *testing.T) {
	d := readCSV(t, "1,b\n2,c\n3,b\n", CSVOptions{})
	model := []string{"a", "b", "c", "d"}
	if err := d.Remap(model); err != nil {
		t.Fatal(err)
	}
	checkDataset(t, d)
	if !reflect.DeepEqual(d.Y, []int{1, 2, 1}) || !reflect.DeepEqual(d.Labels, model) {
		t.Fatalf("Y = %v, Labels = %q", d.Y, d.Labels)
	}
	model[0] = "z"
	if d.Labels[0] != "a" {
		t.Error("Remap keeps the caller's slice")
	}

	d = readCSV(t, "1,b\n2,c\n3,x\n4,y\n", CSVOptions{})
	err := d.Remap([]string{"b", "c"})
	wantErr(t, err, `t.csv: remap: row 3: label "x" is not one of the 2 target labels`)
	if !reflect.DeepEqual(d.Labels, []string{"b", "c", "x", "y"}) || !reflect.DeepEqual(d.Y, []int{0, 1, 2, 3}) {
		t.Errorf("failed Remap changed d: %q %v", d.Labels, d.Y)
	}
	wantErr(t, d.Remap([]string{"b", "c", "b"}), `duplicate label "b"`)

	u := readCSV(t, "1,2\n", CSVOptions{NoLabel: true})
	if err := u.Remap([]string{"p", "q"}); err != nil || u.Y != nil || len(u.Labels) != 2 {
		t.Errorf("unlabelled: %v, %v, %q", err, u.Y, u.Labels)
	}
}

func TestMatrixBuilder(t *testing.T) {
	for _, tc := range []struct{ cols, rows, limit int }{
		{100, 30000, 0},     // several chunks, last one partial
		{100, 30000, 30000}, // known size
		{3, 5, 0},           // one partial chunk
		{16, 65536, 0},      // exactly one full chunk
		{0, 10, 0},          // no columns
		{5, 0, 0},           // no rows
	} {
		b := newMatrixBuilder(tc.cols, tc.limit, "")
		for i := range tc.rows {
			row, err := b.next()
			if err != nil {
				t.Fatal(err)
			}
			for j := range row {
				row[j] = float32(i*tc.cols + j)
			}
		}
		m := b.finish()
		if m.Rows != tc.rows || m.Cols != tc.cols || m.Stride%16 != 0 || len(m.Data) < tc.rows*m.Stride {
			t.Fatalf("%+v: got %d×%d stride %d len %d", tc, m.Rows, m.Cols, m.Stride, len(m.Data))
		}
		for i := range tc.rows {
			for j, v := range m.Row(i) {
				if v != float32(i*tc.cols+j) {
					t.Fatalf("%+v: m[%d][%d] = %v", tc, i, j, v)
				}
			}
		}
		if tc.limit > 0 {
			if _, err := b.next(); err != errTooLarge {
				t.Errorf("%+v: row past the limit: %v", tc, err)
			}
		}
	}
}
