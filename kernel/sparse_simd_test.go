//go:build !purego && (amd64 || arm64)

package kernel

import (
	"math/rand/v2"
	"testing"
)

// TestSparseLongRows checks the paths for rows too long for one bounded
// assembly call against one unbounded call of the same kernel, bit for
// bit, and the batched ops' runs of calls against the single-row ops.
func TestSparseLongRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 8))
	for _, tc := range []struct{ k, nnz int }{{1000, 600}, {16, 20000}, {5, 17000}, {70, 5000}} {
		m := tc.nnz + 10
		wt := randWT(rng, m, tc.k, tc.k+3, 1)
		idx, val := randSparseRow(rng, tc.nnz, m, false)
		if sparseCost(len(idx), tc.k) <= macChunk {
			t.Fatalf("k=%d nnz=%d fits one call", tc.k, tc.nnz)
		}
		b := make([]float32, tc.k)
		fillRand(rng, b)
		forEachBackend(t, func(t *testing.T) {
			be := current()
			if be == generic {
				t.Skip("no assembly")
			}
			for _, bias := range [][]float32{nil, b} {
				got, want := make([]float32, tc.k), make([]float32, tc.k)
				sparseMatVecTImpl(got, wt, idx, val, bias)
				rp := [2]int{0, len(idx)}
				asmSparseMatMul(be, want, 0, rp[:], idx, val, wt.Data, wt.Stride, bias, 1, tc.k, 0)
				if d := sameBits(got, want); d != "" {
					t.Fatalf("k=%d nnz=%d: SparseMatVecT in bounded calls: %s", tc.k, tc.nnz, d)
				}
				if msg := checkSparseLogits(got, wt, idx, val, bias); msg != "" {
					t.Fatalf("k=%d nnz=%d: %s", tc.k, tc.nnz, msg)
				}
			}
			g1, g2 := wt.Clone(), wt.Clone()
			sparseAddOuterTImpl(g1, 0.25, b, idx, val)
			rp := [2]int{0, len(idx)}
			asmSparseAddMatMulTN(be, g2.Data, g2.Stride, 0.25, rp[:], idx, val, b, 0, 1, tc.k, 0)
			if d := sameBits(g1.Data, g2.Data); d != "" {
				t.Fatalf("k=%d nnz=%d: SparseAddOuterT in bounded calls: %s", tc.k, tc.nnz, d)
			}
		})
	}

	// A block whose rows take several calls, some rows alone too long.
	const k, m = 1000, 3000
	x := randCSR(rng, 9, m, []int{100, 300, 0, 120, 2000})
	wt := randWT(rng, m, k, k, 0)
	b := make([]float32, k)
	fillRand(rng, b)
	forEachBackend(t, func(t *testing.T) {
		z := NewMatrix(x.Rows, k)
		SparseMatMul(z, x, wt, b)
		g1, g2 := wt.Clone(), wt.Clone()
		SparseAddMatMulTN(g1, -1, x, z)
		for r := 0; r < x.Rows; r++ {
			idx, val := x.Row(r)
			want := make([]float32, k)
			SparseMatVecT(want, wt, idx, val, b)
			if d := sameBits(z.Row(r), want); d != "" {
				t.Fatalf("SparseMatMul row %d: %s", r, d)
			}
			SparseAddOuterT(g2, -1, z.Row(r), idx, val)
		}
		if d := sameBits(g1.Data, g2.Data); d != "" {
			t.Fatalf("SparseAddMatMulTN: %s", d)
		}
	})
}
