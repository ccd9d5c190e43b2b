package kernel

import (
	"fmt"
	"unsafe"
)

// lineFloats is the float32s of one 64-byte cache line.
const lineFloats = 64 / 4

// NewVector returns a zeroed slice of n float32s that starts on a 64-byte
// cache line and whose capacity is n rounded up to whole lines (a multiple
// of 16), all of its own: no other allocation shares a cache line with it.
// Use it for the per-goroutine outputs and scratch of concurrent
// prediction (see Model): two small slices made apart, say two
// make([]float32, 10), easily sit in one cache line, and then every write
// one goroutine makes to its own slice evicts the other's from the other
// core (false sharing). It panics if n < 0.
func NewVector(n int) []float32 {
	if n < 0 {
		panic(fmt.Sprintf("kernel.NewVector: n = %d, want ≥ 0", n))
	}
	c := (n + lineFloats - 1) / lineFloats * lineFloats
	if c < n {
		panic(fmt.Sprintf("kernel.NewVector: n = %d overflows", n))
	}
	if c == 0 {
		return []float32{}
	}
	buf := make([]float32, c+lineFloats)
	off := 0
	if mis := uintptr(unsafe.Pointer(&buf[0])) % 64; mis != 0 {
		off = int(64-mis) / 4
	}
	return buf[off : off+n : off+c]
}
