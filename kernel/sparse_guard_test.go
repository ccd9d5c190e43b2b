//go:build linux

package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/seed7bc074a2/maxent/internal/guardmem"
)

// int32s views n int32s placed in r (at its end or start).
func int32s(f []float32) []int32 {
	if len(f) == 0 {
		return []int32{}
	}
	return unsafe.Slice((*int32)(unsafe.Pointer(&f[0])), len(f))
}

// TestSparseGuardPages runs the sparse ops on every backend with every
// slice and matrix flush against a PROT_NONE page (the first row of wt at
// a page start or its last row ending at a page end, with strides equal
// to k and one more), indices at 0 and m−1, every k from 0 past several
// vectors and row lengths around the unrolling and the block: a kernel
// that touches one element outside its data crashes the test.
func TestSparseGuardPages(t *testing.T) {
	rw, rz, ri, rv, rb := guardmem.New(t, 32), guardmem.New(t, 4), guardmem.New(t, 1), guardmem.New(t, 1), guardmem.New(t, 1)
	rng := rand.New(rand.NewPCG(17, 7))
	places := []func(*guardmem.Region, int) []float32{(*guardmem.Region).AtEnd, (*guardmem.Region).AtStart}
	ks := []int{}
	for k := 0; k <= 70; k++ {
		ks = append(ks, k)
	}
	ks = append(ks, 100, 257)
	forEachBackend(t, func(t *testing.T) {
		for _, k := range ks {
			for _, stride := range []int{k, k + 1} {
				for _, place := range places {
					for _, nnz := range []int{0, 1, 2, 3, 4, 5, 8, 11, 260} {
						if k > 100 && nnz > 11 {
							continue
						}
						m := nnz + 2
						wd := place(rw, (m-1)*stride+k)
						fillRand(rng, wd)
						wt := Matrix{Rows: m, Cols: k, Stride: stride, Data: wd}
						idx, val := int32s(place(ri, nnz)), place(rv, nnz)
						for i := range idx {
							idx[i] = int32(i + 1)
						}
						if nnz > 0 {
							idx[0] = int32(m - 1)
						}
						if nnz > 1 {
							idx[nnz-1] = 0
						}
						fillRand(rng, val)
						z, b := place(rz, k), place(rb, k)
						fillRand(rng, b)
						SparseMatVecT(z, wt, idx, val, b)
						SparseMatVecT(z, wt, idx, val, nil)
						SparseAddOuterT(wt, 0.5, b, idx, val)

						// Three rows of x: the row, an empty one, the row again.
						x := CSR{Rows: 3, Cols: m, RowPtr: []int{0, nnz, nnz, 2 * nnz}, Index: make([]int32, 2*nnz), Value: make([]float32, 2*nnz)}
						copy(x.Index, idx)
						copy(x.Index[nnz:], idx)
						copy(x.Value, val)
						copy(x.Value[nnz:], val)
						zd := place(rz, 2*stride+k)
						zm := Matrix{Rows: 3, Cols: k, Stride: stride, Data: zd}
						old := sparsePfBytes
						for _, pf := range []int{0, math.MaxInt} { // with and without prefetching
							sparsePfBytes = pf
							SparseMatMul(zm, x, wt, b)
							SparseAddMatMulTN(wt, -0.25, x, zm)
						}
						sparsePfBytes = old
					}
				}
			}
		}
	})
}
