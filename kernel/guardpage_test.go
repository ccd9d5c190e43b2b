//go:build linux

package kernel

import (
	"github.com/seed7bc074a2/maxent/internal/guardmem"
	"math/rand/v2"
	"testing"
)

func fillRand(rng *rand.Rand, x []float32) {
	for i := range x {
		x[i] = rng.Float32()*8 - 4
	}
}

// TestGuardPages runs every op with inputs and outputs placed flush against
// PROT_NONE pages, at every length 0..300: a kernel that reads or writes one
// element outside its slices crashes the test.
func TestGuardPages(t *testing.T) {
	in1, in2, out := guardmem.New(t, 1), guardmem.New(t, 1), guardmem.New(t, 1)
	big := guardmem.New(t, 16)
	rng := rand.New(rand.NewPCG(1, 1))
	maxN := 300
	forEachBackendModel(t, func(t *testing.T) {
		for n := 0; n <= maxN; n++ {
			for _, place := range []func(*guardmem.Region, int) []float32{(*guardmem.Region).AtEnd, (*guardmem.Region).AtStart} {
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
					if need > len(big.F) {
						continue
					}
					for _, wdata := range [][]float32{big.F[len(big.F)-need:], big.F[:need:need]} {
						w := Matrix{Rows: k, Cols: m, Stride: stride, Data: wdata}
						fillRand(rng, wdata)
						x, b, yv := in1.AtEnd(m), in2.AtEnd(k), out.AtEnd(k)
						fillRand(rng, x)
						MatVec(yv, w, x, b)
						MatVec(yv, w, x, nil)
						x, d := in1.AtStart(m), in2.AtStart(k)
						AddOuter(w, 0.5, d, x)
					}
				}
			}
		}
	})
}

// TestBatchGuardPages runs MatMulT, AddMatMulTN and SoftmaxCrossEntropyRows
// on every backend with each matrix flush against a PROT_NONE page (its
// first row at a page start or its last row at a page end), for sample
// counts around every backend's block sizes and every column tail.
func TestBatchGuardPages(t *testing.T) {
	rx, rw, rz, rb := guardmem.New(t, 4), guardmem.New(t, 4), guardmem.New(t, 4), guardmem.New(t, 1)
	rng := rand.New(rand.NewPCG(2, 2))
	places := []func(*guardmem.Region, int) []float32{(*guardmem.Region).AtEnd, (*guardmem.Region).AtStart}
	mat := func(r *guardmem.Region, place func(*guardmem.Region, int) []float32, rows, cols, stride int) Matrix {
		need := 0
		if rows > 0 {
			need = (rows-1)*stride + cols
		}
		d := place(r, need)
		fillRand(rng, d)
		return Matrix{Rows: rows, Cols: cols, Stride: stride, Data: d}
	}
	forEachBackendModel(t, func(t *testing.T) {
		for _, n := range []int{1, 2, 3, 4, 5, 8, 9} {
			for _, k := range []int{1, 3, 5, 10} {
				for m := 0; m <= 40; m++ {
					for _, place := range places {
						x := mat(rx, place, n, m, m+1)
						w := mat(rw, place, k, m, m+2)
						z := mat(rz, place, n, k, k+1)
						b := place(rb, k)
						MatMulT(z, x, w, b)
						labels := make([]int, n)
						for i := range labels {
							labels[i] = (i + m) % k
						}
						_ = SoftmaxCrossEntropyRows(z, z, labels)
						g := mat(rw, place, k, m, m+3)
						AddMatMulTN(g, 0.5, z, x)
					}
				}
			}
		}
	})
}
