package kernel

import (
	"testing"
	"unsafe"
)

func TestNewVector(t *testing.T) {
	for _, n := range []int{0, 1, 10, 15, 16, 17, 100, 1024, 1025} {
		for range 20 {
			v := NewVector(n)
			if len(v) != n || cap(v)%16 != 0 || cap(v) < n || cap(v) >= n+16 {
				t.Fatalf("NewVector(%d): len %d cap %d", n, len(v), cap(v))
			}
			for i, x := range v {
				if x != 0 {
					t.Fatalf("NewVector(%d)[%d] = %v", n, i, x)
				}
			}
			if n > 0 && uintptr(unsafe.Pointer(&v[0]))%64 != 0 {
				t.Fatalf("NewVector(%d) starts at %p, not on a cache line", n, &v[0])
			}
		}
	}
	expectPanic(t, "kernel.NewVector: n = -1, want ≥ 0", func() { NewVector(-1) })
}
