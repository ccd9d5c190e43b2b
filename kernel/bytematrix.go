package kernel

import (
	"fmt"
	"math"
	"unsafe"
)

// ByteMatrix is a row-major matrix of 8-bit codes with a scale per column,
// standing for the float32 matrix whose element (i, j) is
//
//	float32(Data[i*Stride+j]) * Scale[j]
//
// (one float32 multiply, rounded once). Data sets of 8-bit values, such as
// images, min-max scaled ((v − min)·s with integer v − min ≤ 255) or scaled
// by a constant, are exactly such matrices: stored as codes they take a
// quarter of the memory, and Trainer.FitBytes reads a quarter of the bytes
// per epoch, training the model Trainer.Fit trains on the decoded matrix
// (see there). Like Matrix, a ByteMatrix is a view that shares Data and
// Scale.
type ByteMatrix struct {
	Rows, Cols, Stride int
	Data               []uint8
	Scale              []float32 // len(Scale) == Cols
}

// NewByteMatrix returns a rows×cols byte matrix of zero codes with scales
// 1, whose Stride is the smallest multiple of 64 that is ≥ cols and whose
// rows start on 64-byte boundaries (whole cache lines). It panics if rows
// or cols is negative. On Linux, one of 16 MiB or more asks for
// transparent huge pages, as NewMatrix does.
func NewByteMatrix(rows, cols int) ByteMatrix {
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("kernel.NewByteMatrix: negative dimension %d×%d", rows, cols))
	}
	stride := (cols + 63) / 64 * 64
	n := rows * stride
	if rows != 0 && n/rows != stride {
		panic(fmt.Sprintf("kernel.NewByteMatrix: %d×%d overflows int", rows, cols))
	}
	scale := make([]float32, cols)
	for j := range scale {
		scale[j] = 1
	}
	if n == 0 {
		return ByteMatrix{Rows: rows, Cols: cols, Stride: stride, Data: []uint8{}, Scale: scale}
	}
	buf := make([]uint8, n+64)
	adviseHugeBytes(buf)
	off := 0
	if mis := uintptr(unsafe.Pointer(&buf[0])) % 64; mis != 0 {
		off = int(64 - mis)
	}
	return ByteMatrix{Rows: rows, Cols: cols, Stride: stride, Data: buf[off : off+n : off+n], Scale: scale}
}

// Row returns the codes of row i (sharing b.Data).
func (b ByteMatrix) Row(i int) []uint8 {
	if uint(i) >= uint(b.Rows) {
		panic(fmt.Sprintf("kernel.ByteMatrix.Row: row %d out of range [0, %d)", i, b.Rows))
	}
	return b.Data[i*b.Stride : i*b.Stride+b.Cols]
}

// At returns element (i, j), decoded.
func (b ByteMatrix) At(i, j int) float32 {
	if uint(i) >= uint(b.Rows) || uint(j) >= uint(b.Cols) {
		panic(fmt.Sprintf("kernel.ByteMatrix.At: (%d, %d) out of range %d×%d", i, j, b.Rows, b.Cols))
	}
	return float32(b.Data[i*b.Stride+j]) * b.Scale[j]
}

// Float returns the decoded matrix, laid out as by NewMatrix.
func (b ByteMatrix) Float() Matrix {
	m := NewMatrix(b.Rows, b.Cols)
	for i := 0; i < b.Rows; i++ {
		decodeRow(m.Row(i), b.Data[i*b.Stride:i*b.Stride+b.Cols], b.Scale)
	}
	return m
}

// decodeRow sets dst[j] = float32(codes[j])·scale[j] for j < len(dst).
func decodeRow(dst []float32, codes []uint8, scale []float32) {
	codes, scale = codes[:len(dst)], scale[:len(dst)]
	for j, c := range codes {
		dst[j] = float32(c) * scale[j]
	}
}

// Validate returns an error unless b is a well-formed view (non-negative
// dimensions, Stride ≥ Cols, Data long enough, one scale per column) whose
// every possible value is finite (255·Scale[j] too).
func (b ByteMatrix) Validate() error {
	if b.Rows < 0 || b.Cols < 0 || (b.Rows > 1 && b.Stride < b.Cols) || (b.Rows > 0 && len(b.Data) < (b.Rows-1)*b.Stride+b.Cols) {
		return fmt.Errorf("maxent: malformed byte matrix: %d×%d with Stride %d and %d codes", b.Rows, b.Cols, b.Stride, len(b.Data))
	}
	if len(b.Scale) != b.Cols {
		return fmt.Errorf("maxent: byte matrix has %d columns and %d scales", b.Cols, len(b.Scale))
	}
	for j, s := range b.Scale {
		if v := 255 * s; math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("maxent: byte matrix: scale of column %d is %v: 255 times it is not finite", j, s)
		}
	}
	return nil
}
