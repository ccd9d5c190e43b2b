package data

import (
	"github.com/seed7bc074a2/maxent/kernel"

	"bytes"
	"compress/gzip"
	"math"
	"strings"
	"testing"
)

// wantErr fails unless err is non-nil and its message contains every part.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not contain %q", err, p)
		}
	}
}

// checkDataset checks the invariants every loader guarantees.
func checkDataset(t testing.TB, d *Dataset) {
	t.Helper()
	x := d.X
	if d.Sparse != nil {
		c := d.Sparse
		if _, err := kernel.NewCSR(c.Rows, c.Cols, c.RowPtr, c.Index, c.Value); err != nil {
			t.Fatalf("bad sparse rows: %v", err)
		}
		if x.Rows != c.Rows || x.Cols != c.Cols {
			t.Fatalf("shape %d×%d, sparse rows %d×%d", x.Rows, x.Cols, c.Rows, c.Cols)
		}
		x = c.Dense()
	}
	if x.Rows < 0 || x.Cols < 0 || x.Stride < x.Cols || x.Stride%16 != 0 {
		t.Fatalf("bad matrix shape %d×%d stride %d", x.Rows, x.Cols, x.Stride)
	}
	if len(x.Data) < x.Rows*x.Stride-(x.Stride-x.Cols) {
		t.Fatalf("len(Data) = %d too short for %d×%d stride %d", len(x.Data), x.Rows, x.Cols, x.Stride)
	}
	if d.Y != nil {
		if len(d.Y) != x.Rows {
			t.Fatalf("len(Y) = %d, want %d", len(d.Y), x.Rows)
		}
		for i, c := range d.Y {
			if c < 0 || c >= len(d.Labels) {
				t.Fatalf("Y[%d] = %d out of range [0, %d)", i, c, len(d.Labels))
			}
		}
		seen := map[string]bool{}
		for _, l := range d.Labels {
			if seen[l] {
				t.Fatalf("duplicate label %q in %q", l, d.Labels)
			}
			seen[l] = true
		}
	}
	for i := range x.Rows {
		for j, v := range x.Row(i) {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("X[%d][%d] = %v", i, j, v)
			}
		}
	}
}

// rows returns the rows of d as float64 slices.
func rows(d *Dataset) [][]float64 {
	out := make([][]float64, d.Len())
	x := d.X
	if d.Sparse != nil {
		x = d.Sparse.Dense()
	}
	for i := range out {
		for _, v := range x.Row(i) {
			out[i] = append(out[i], float64(v))
		}
	}
	return out
}

// labelsOf returns the label name of each row.
func labelsOf(d *Dataset) []string {
	out := make([]string, len(d.Y))
	for i, c := range d.Y {
		out[i] = d.Labels[c]
	}
	return out
}

// gz compresses b.
func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}
