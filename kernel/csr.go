package kernel

import (
	"fmt"
	"math"
)

// CSR is a matrix of sparse rows in compressed-sparse-row form: row i has
// the non-zeros Value[RowPtr[i]:RowPtr[i+1]] in the columns
// Index[RowPtr[i]:RowPtr[i+1]], in strictly increasing column order, every
// column in [0, Cols). Columns not listed are 0; a listed value may be 0 too.
//
// RowPtr has Rows+1 entries, non-decreasing. RowPtr[0] is 0 for a matrix
// made by NewCSR or a CSRBuilder and may be larger for a view made by Slice,
// which shares Index and Value with the matrix it was cut from. Offsets are
// int (64 bits on 64-bit platforms), column indices int32 (at most 2³¹ − 1
// columns): 8 bytes per non-zero and 8 per row.
//
// Use NewCSR or a CSRBuilder to make one: they check the invariants above,
// which the kernels rely on without checking them again.
type CSR struct {
	Rows, Cols int
	RowPtr     []int
	Index      []int32
	Value      []float32
}

// MaxCSRCols is the most columns a CSR can have (indices are int32).
const MaxCSRCols = math.MaxInt32

// NewCSR returns the CSR matrix with the given parts after checking them:
// rows+1 non-decreasing offsets from 0 to len(index) == len(value), and in
// each row strictly increasing column indices in [0, cols). The slices are
// used, not copied. The error names the first bad row (0-based).
func NewCSR(rows, cols int, rowPtr []int, index []int32, value []float32) (CSR, error) {
	switch {
	case rows < 0 || cols < 0 || cols > MaxCSRCols:
		return CSR{}, fmt.Errorf("maxent: CSR shape %d×%d, want rows ≥ 0 and 0 ≤ cols ≤ %d", rows, cols, MaxCSRCols)
	case len(rowPtr) != rows+1:
		return CSR{}, fmt.Errorf("maxent: CSR has %d row offsets for %d rows, want %d", len(rowPtr), rows, rows+1)
	case len(index) != len(value):
		return CSR{}, fmt.Errorf("maxent: CSR has %d indices and %d values", len(index), len(value))
	case rowPtr[0] != 0:
		return CSR{}, fmt.Errorf("maxent: CSR row offsets start at %d, want 0", rowPtr[0])
	case rowPtr[rows] != len(index):
		return CSR{}, fmt.Errorf("maxent: CSR row offsets end at %d, want %d (the non-zeros)", rowPtr[rows], len(index))
	}
	c := CSR{Rows: rows, Cols: cols, RowPtr: rowPtr, Index: index, Value: value}
	for i := 0; i < rows; i++ {
		lo, hi := rowPtr[i], rowPtr[i+1]
		if hi < lo || hi > len(index) {
			return CSR{}, fmt.Errorf("maxent: CSR row %d: offsets %d..%d decrease or pass the %d non-zeros", i, lo, hi, len(index))
		}
		if err := checkSparseRow(index[lo:hi], cols); err != nil {
			return CSR{}, fmt.Errorf("maxent: CSR row %d: %w", i, err)
		}
	}
	return c, nil
}

// checkSparseRow reports an error unless idx is strictly increasing within
// [0, cols).
func checkSparseRow(idx []int32, cols int) error {
	prev := int32(-1)
	for k, j := range idx {
		switch {
		case j < 0 || int(j) >= cols:
			return fmt.Errorf("column %d out of range [0, %d)", j, cols)
		case j == prev:
			return fmt.Errorf("column %d appears twice", j)
		case j < prev:
			return fmt.Errorf("columns out of order (%d after %d at non-zero %d)", j, prev, k)
		}
		prev = j
	}
	return nil
}

// Row returns the column indices and values of row i's non-zeros (views
// into c, not copies).
func (c CSR) Row(i int) (index []int32, value []float32) {
	if uint(i) >= uint(c.Rows) {
		panic(fmt.Sprintf("kernel.CSR.Row: row %d out of range [0, %d)", i, c.Rows))
	}
	lo, hi := c.RowPtr[i], c.RowPtr[i+1]
	return c.Index[lo:hi:hi], c.Value[lo:hi:hi]
}

// Slice returns the rows [i, j) of c as a view that shares c's storage.
func (c CSR) Slice(i, j int) CSR {
	if i < 0 || j < i || j > c.Rows {
		panic(fmt.Sprintf("kernel.CSR.Slice: rows [%d, %d) out of range [0, %d]", i, j, c.Rows))
	}
	return CSR{Rows: j - i, Cols: c.Cols, RowPtr: c.RowPtr[i : j+1], Index: c.Index, Value: c.Value}
}

// NNZ returns the number of stored entries.
func (c CSR) NNZ() int {
	if c.Rows == 0 {
		return 0
	}
	return c.RowPtr[c.Rows] - c.RowPtr[0]
}

// Dense returns c as a dense matrix (rows × cols float32: mind the size).
func (c CSR) Dense() Matrix {
	m := NewMatrix(c.Rows, c.Cols)
	for i := 0; i < c.Rows; i++ {
		idx, val := c.Row(i)
		r := m.Row(i)
		for k, j := range idx {
			r[j] = val[k]
		}
	}
	return m
}

// CSRFromDense returns the non-zeros of m as a CSR matrix.
func CSRFromDense(m Matrix) CSR {
	var b CSRBuilder
	b.Reset(m.Cols)
	for i := 0; i < m.Rows; i++ {
		for j, v := range m.Row(i) {
			if v != 0 {
				b.Index = append(b.Index, int32(j))
				b.Value = append(b.Value, v)
			}
		}
		b.RowPtr = append(b.RowPtr, len(b.Index))
	}
	return CSR{Rows: m.Rows, Cols: m.Cols, RowPtr: b.RowPtr, Index: b.Index, Value: b.Value}
}

// CSRBuilder assembles a CSR matrix row by row. Its zero value is not
// ready: call Reset first.
type CSRBuilder struct {
	Cols   int
	RowPtr []int
	Index  []int32
	Value  []float32
}

// Reset empties b for rows of cols columns, keeping its storage.
func (b *CSRBuilder) Reset(cols int) {
	b.Cols = cols
	b.RowPtr = append(b.RowPtr[:0], 0)
	b.Index, b.Value = b.Index[:0], b.Value[:0]
}

// Append adds a row with the non-zeros val in the columns idx (strictly
// increasing, in [0, Cols)), copying them; a bad row is an error and is not
// added.
func (b *CSRBuilder) Append(idx []int32, val []float32) error {
	if len(idx) != len(val) {
		return fmt.Errorf("maxent: CSR row %d: %d indices and %d values", len(b.RowPtr)-1, len(idx), len(val))
	}
	if err := checkSparseRow(idx, b.Cols); err != nil {
		return fmt.Errorf("maxent: CSR row %d: %w", len(b.RowPtr)-1, err)
	}
	b.Index = append(b.Index, idx...)
	b.Value = append(b.Value, val...)
	b.RowPtr = append(b.RowPtr, len(b.Index))
	return nil
}

// Len returns the rows appended so far.
func (b *CSRBuilder) Len() int { return len(b.RowPtr) - 1 }

// CSR returns the rows appended so far; it shares b's storage until the
// next Reset.
func (b *CSRBuilder) CSR() CSR {
	return CSR{Rows: b.Len(), Cols: b.Cols, RowPtr: b.RowPtr, Index: b.Index, Value: b.Value}
}
