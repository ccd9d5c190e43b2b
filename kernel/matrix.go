package kernel

import (
	"fmt"
	"unsafe"
)

// Matrix is a row-major float32 view: row i is Data[i*Stride : i*Stride+Cols].
//
// A Matrix is a small value that shares Data: copying a Matrix does not copy
// its elements. The elements between Cols and Stride in each row are padding;
// no operation in this package reads or writes them.
type Matrix struct {
	Rows, Cols, Stride int
	Data               []float32
}

// matrixAlign is the row alignment of NewMatrix in float32 elements (64 bytes,
// one cache line and one 512-bit vector).
const matrixAlign = 16

// NewMatrix returns a zeroed rows×cols matrix whose Stride is the smallest
// multiple of 16 that is ≥ cols and whose rows start on 64-byte boundaries.
// It panics if rows or cols is negative. On Linux, a matrix of 16 MiB or
// more asks for transparent huge pages (madvise MADV_HUGEPAGE, a hint the
// system may ignore): rows read in shuffled order, as by the trainer, then
// miss the TLB far less often.
func NewMatrix(rows, cols int) Matrix {
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("kernel.NewMatrix: negative dimension %d×%d", rows, cols))
	}
	stride := (cols + matrixAlign - 1) / matrixAlign * matrixAlign
	n := rows * stride
	if rows != 0 && n/rows != stride {
		panic(fmt.Sprintf("kernel.NewMatrix: %d×%d overflows int", rows, cols))
	}
	if n == 0 {
		return Matrix{Rows: rows, Cols: cols, Stride: stride, Data: []float32{}}
	}
	buf := make([]float32, n+matrixAlign)
	adviseHuge(buf)
	off := 0
	if mis := uintptr(unsafe.Pointer(&buf[0])) % 64; mis != 0 {
		off = int(64-mis) / 4
	}
	return Matrix{Rows: rows, Cols: cols, Stride: stride, Data: buf[off : off+n : off+n]}
}

// Row returns row i of m as a slice of length m.Cols (sharing m.Data).
func (m Matrix) Row(i int) []float32 {
	if uint(i) >= uint(m.Rows) {
		panic(rowError{i, m.Rows})
	}
	o := i * m.Stride
	return m.Data[o : o+m.Cols : o+m.Cols]
}

// At returns element (i, j).
func (m Matrix) At(i, j int) float32 {
	if uint(i) >= uint(m.Rows) || uint(j) >= uint(m.Cols) {
		panic(indexError{"At", i, j, m.Rows, m.Cols})
	}
	return m.Data[i*m.Stride+j]
}

// Set sets element (i, j) to v.
func (m Matrix) Set(i, j int, v float32) {
	if uint(i) >= uint(m.Rows) || uint(j) >= uint(m.Cols) {
		panic(indexError{"Set", i, j, m.Rows, m.Cols})
	}
	m.Data[i*m.Stride+j] = v
}

// rowError, indexError and sliceError are the panic values of Row, At,
// Set and Slice: plain values, formatted only when printed, keep those
// methods cheap enough to inline.
type rowError struct{ i, rows int }

func (e rowError) Error() string {
	return fmt.Sprintf("kernel.Matrix.Row: row %d out of range [0, %d)", e.i, e.rows)
}

type sliceError struct{ i, j, rows int }

func (e sliceError) Error() string {
	return fmt.Sprintf("kernel.Matrix.Slice: rows [%d, %d) out of range [0, %d]", e.i, e.j, e.rows)
}

type indexError struct {
	op               string
	i, j, rows, cols int
}

func (e indexError) Error() string {
	return fmt.Sprintf("kernel.Matrix.%s: (%d, %d) out of range %d×%d", e.op, e.i, e.j, e.rows, e.cols)
}

// Slice returns the view of rows [i, j) of m, sharing m.Data.
func (m Matrix) Slice(i, j int) Matrix {
	if i < 0 || j < i || j > m.Rows {
		panic(sliceError{i, j, m.Rows})
	}
	if i == j {
		return Matrix{Rows: 0, Cols: m.Cols, Stride: m.Stride, Data: m.Data[:0]}
	}
	return Matrix{Rows: j - i, Cols: m.Cols, Stride: m.Stride, Data: m.Data[i*m.Stride : (j-1)*m.Stride+m.Cols]}
}

// Clone returns a copy of m with its own storage, laid out as by NewMatrix.
func (m Matrix) Clone() Matrix {
	c := NewMatrix(m.Rows, m.Cols)
	for i := 0; i < m.Rows; i++ {
		copy(c.Data[i*c.Stride:i*c.Stride+m.Cols], m.Data[i*m.Stride:i*m.Stride+m.Cols])
	}
	return c
}

// check panics with a message naming op and arg unless m is a well-formed
// view: non-negative dimensions, Stride ≥ Cols and Data long enough.
func (m Matrix) check(op, arg string) {
	if m.Rows < 0 || m.Cols < 0 || (m.Rows > 1 && m.Stride < m.Cols) || m.Stride < 0 {
		panicMatrix(op, arg, m)
	}
	if m.Rows > 0 && m.Cols > 0 {
		need := (m.Rows-1)*m.Stride + m.Cols
		if len(m.Data) < need {
			panicShort(op, arg, len(m.Data), need)
		}
	}
}

//go:noinline
func panicMatrix(op, arg string, m Matrix) {
	panic(fmt.Sprintf("kernel.%s: malformed %s: Rows = %d, Cols = %d, Stride = %d", op, arg, m.Rows, m.Cols, m.Stride))
}

//go:noinline
func panicShort(op, arg string, have, want int) {
	panic(fmt.Sprintf("kernel.%s: len(%s.Data) = %d, want ≥ %d", op, arg, have, want))
}
