//go:build linux

package kernel

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"unsafe"
)

// pageGuarded is a read-write region of whole pages between two PROT_NONE pages:
// any access before its start or past its end faults.
type pageGuarded struct {
	mem []byte
	f   []float32 // the usable pages as float32s
}

func newPageGuarded(t *testing.T, pages int) *pageGuarded {
	ps := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, (pages+2)*ps, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[:ps], syscall.PROT_NONE); err != nil {
		t.Skipf("mprotect: %v", err)
	}
	if err := syscall.Mprotect(mem[(pages+1)*ps:], syscall.PROT_NONE); err != nil {
		t.Skipf("mprotect: %v", err)
	}
	usable := mem[ps : (pages+1)*ps]
	return &pageGuarded{mem: mem, f: unsafe.Slice((*float32)(unsafe.Pointer(&usable[0])), len(usable)/4)}
}

// atEnd returns n floats that end exactly at the last usable byte.
func (g *pageGuarded) atEnd(n int) []float32 { return g.f[len(g.f)-n:] }

// atStart returns n floats that start exactly at the first usable byte.
func (g *pageGuarded) atStart(n int) []float32 { return g.f[:n:n] }

func fillRand(rng *rand.Rand, x []float32) {
	for i := range x {
		x[i] = rng.Float32()*8 - 4
	}
}

// TestGuardPages runs every op with inputs and outputs placed flush against
// PROT_NONE pages, at every length 0..300: a kernel that reads or writes one
// element outside its slices crashes the test.
func TestGuardPages(t *testing.T) {
	in1, in2, out := newPageGuarded(t, 1), newPageGuarded(t, 1), newPageGuarded(t, 1)
	big := newPageGuarded(t, 16)
	rng := rand.New(rand.NewPCG(1, 1))
	maxN := 300
	forEachBackendModel(t, func(t *testing.T) {
		for n := 0; n <= maxN; n++ {
			for _, place := range []func(*pageGuarded, int) []float32{(*pageGuarded).atEnd, (*pageGuarded).atStart} {
				x, y, o := place(in1, n), place(in2, n), place(out, n)
				fillRand(rng, x)
				fillRand(rng, y)
				_ = Dot(x, y)
				Exp(o, x)
				_ = Softmax(o, x)
				_ = LogSoftmax(o, x)
				_ = LogSumExp(x)
				if n > 0 {
					_ = SoftmaxCrossEntropy(o, x, n-1)
				}
				// In place, flush against the guard.
				copy(o, x)
				Exp(o, o)
				copy(o, x)
				_ = Softmax(o, o)
			}
		}
		// Matrices whose first row starts at a page start or whose last
		// row ends at a page end, with x and y flush against guards too.
		for _, k := range []int{1, 2, 3, 4, 5, 7, 9, 10} {
			for m := 0; m <= 70; m++ {
				for _, stride := range []int{m, m + 1, m + 5} {
					need := (k-1)*stride + m
					if need > len(big.f) {
						continue
					}
					for _, wdata := range [][]float32{big.f[len(big.f)-need:], big.f[:need:need]} {
						w := Matrix{Rows: k, Cols: m, Stride: stride, Data: wdata}
						fillRand(rng, wdata)
						x, b, yv := in1.atEnd(m), in2.atEnd(k), out.atEnd(k)
						fillRand(rng, x)
						MatVec(yv, w, x, b)
						MatVec(yv, w, x, nil)
						x, d := in1.atStart(m), in2.atStart(k)
						AddOuter(w, 0.5, d, x)
					}
				}
			}
		}
	})
}
