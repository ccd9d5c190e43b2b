package kernel

import (
	"slices"
	"strings"
	"testing"
)

func TestNewCSR(t *testing.T) {
	c, err := NewCSR(3, 5, []int{0, 2, 2, 5}, []int32{0, 4, 1, 2, 3}, []float32{1, 2, 3, 4, 5})
	if err != nil {
		t.Fatal(err)
	}
	if c.NNZ() != 5 {
		t.Errorf("NNZ %d, want 5", c.NNZ())
	}
	idx, val := c.Row(0)
	if !slices.Equal(idx, []int32{0, 4}) || !slices.Equal(val, []float32{1, 2}) {
		t.Errorf("row 0: %v %v", idx, val)
	}
	if idx, _ := c.Row(1); len(idx) != 0 {
		t.Errorf("row 1 not empty: %v", idx)
	}
	d := c.Dense()
	if d.At(0, 4) != 2 || d.At(2, 1) != 3 || d.At(1, 0) != 0 || d.At(2, 3) != 5 {
		t.Errorf("dense %v", d.Data)
	}
	back := CSRFromDense(d)
	if !slices.Equal(back.RowPtr, c.RowPtr) || !slices.Equal(back.Index, c.Index) || !slices.Equal(back.Value, c.Value) {
		t.Errorf("round trip %+v, want %+v", back, c)
	}
	v := c.Slice(1, 3)
	if v.Rows != 2 || v.NNZ() != 3 {
		t.Errorf("view: %d rows, %d non-zeros", v.Rows, v.NNZ())
	}
	if idx, val := v.Row(1); !slices.Equal(idx, []int32{1, 2, 3}) || val[2] != 5 {
		t.Errorf("view row 1: %v %v", idx, val)
	}
	if e := c.Slice(3, 3); e.Rows != 0 || e.NNZ() != 0 {
		t.Errorf("empty view %+v", e)
	}
}

func TestNewCSRErrors(t *testing.T) {
	for _, tc := range []struct {
		rows, cols int
		ptr        []int
		idx        []int32
		want       string
	}{
		{2, 3, []int{0, 1}, []int32{0}, "2 row offsets for 2 rows, want 3"},
		{1, 3, []int{1, 1}, []int32{0}, "start at 1"},
		{1, 3, []int{0, 2}, []int32{0}, "end at 2"},
		{2, 3, []int{0, 2, 1}, []int32{0}, "row 0: offsets 0..2 decrease or pass the 1 non-zeros"},
		{2, 3, []int{0, 2, 1}, []int32{0, 1}, "end at 1, want 2"},
		{3, 3, []int{0, 2, 1, 2}, []int32{0, 1}, "row 1: offsets 2..1 decrease"},
		{1, 3, []int{0, 1}, []int32{3}, "row 0: column 3 out of range [0, 3)"},
		{1, 3, []int{0, 1}, []int32{-1}, "column -1 out of range"},
		{1, 3, []int{0, 2}, []int32{1, 1}, "column 1 appears twice"},
		{1, 3, []int{0, 2}, []int32{2, 1}, "out of order"},
		{-1, 3, []int{0}, nil, "shape"},
	} {
		_, err := NewCSR(tc.rows, tc.cols, tc.ptr, tc.idx, make([]float32, len(tc.idx)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc, err, tc.want)
		}
	}
	if _, err := NewCSR(1, 3, []int{0, 1}, []int32{0}, nil); err == nil || !strings.Contains(err.Error(), "1 indices and 0 values") {
		t.Errorf("lengths: %v", err)
	}
}

func TestCSRBuilder(t *testing.T) {
	var b CSRBuilder
	b.Reset(4)
	if err := b.Append([]int32{1, 3}, []float32{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := b.Append([]int32{3, 1}, []float32{1, 2}); err == nil || !strings.Contains(err.Error(), "row 1: columns out of order") {
		t.Errorf("bad row: %v", err)
	}
	if err := b.Append(nil, nil); err != nil {
		t.Fatal(err)
	}
	c := b.CSR()
	if c.Rows != 2 || c.NNZ() != 2 || !slices.Equal(c.RowPtr, []int{0, 2, 2}) {
		t.Errorf("%+v", c)
	}
	if _, err := NewCSR(c.Rows, c.Cols, c.RowPtr, c.Index, c.Value); err != nil {
		t.Error(err)
	}
	b.Reset(2)
	if b.Len() != 0 || b.CSR().NNZ() != 0 {
		t.Errorf("after Reset: %+v", b.CSR())
	}
}

func TestCSRPanics(t *testing.T) {
	c, _ := NewCSR(1, 2, []int{0, 0}, nil, nil)
	for name, f := range map[string]func(){
		"Row":   func() { c.Row(1) },
		"Slice": func() { c.Slice(0, 2) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "kernel.CSR."+name) {
					t.Errorf("%s: panic %v", name, r)
				}
			}()
			f()
		}()
	}
}
