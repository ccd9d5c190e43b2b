package fallback

// The sparse kernels: rows of a CSR matrix against a feature-major weight
// matrix WT (row j of WT holds feature j's weight for every class), so that
// each non-zero reads or updates one contiguous vector of classes.
//
// Summation order of SparseMatVecT, the same on every backend (the SIMD
// backends fuse each multiply-add; here every product and sum is rounded):
// per class, the non-zeros are taken in blocks of SparseBlock; within a
// block non-zero i is added to the float32 accumulator i mod 4, the block's
// sum is (a0 + a1) + (a2 + a3) in float32, and the block sums are added in
// float64, then the bias; the result is rounded to float32 once.

// SparseBlock is the most non-zeros SparseMatVecT sums in float32 (in 4
// interleaved accumulators of at most 64 terms each) before adding the sum
// to a float64 total, on every backend.
const SparseBlock = 256

// SparseAccs is the number of interleaved float32 accumulators per class.
const SparseAccs = 4

// sparseCols is the number of classes the generic kernel accumulates at a
// time (stack buffers: the ops allocate nothing).
const sparseCols = 64

// SparseMatVecT sets z[c] = b[c] + Σᵢ val[i]·wt[idx[i]·stride + c] for
// c < len(z), in the order described above. b may be nil (no bias) or
// alias z exactly. idx must index rows of wt that hold len(z) elements.
func SparseMatVecT(z, wt []float32, stride int, idx []int32, val []float32, b []float32) {
	val = val[:len(idx)]
	var acc [SparseAccs][sparseCols]float32
	var tot [sparseCols]float64
	for c0 := 0; c0 < len(z); c0 += sparseCols {
		cw := min(sparseCols, len(z)-c0)
		t := tot[:cw]
		clear(t)
		for i0 := 0; i0 < len(idx); i0 += SparseBlock {
			i1 := min(i0+SparseBlock, len(idx))
			for a := range acc {
				clear(acc[a][:cw])
			}
			for i := i0; i < i1; i++ {
				v := val[i]
				o := int(idx[i])*stride + c0
				row := wt[o : o+cw : o+cw]
				a := acc[i&(SparseAccs-1)][:cw]
				for c, w := range row {
					a[c] += float32(v * w)
				}
			}
			for c := range t {
				s := (acc[0][c] + acc[1][c]) + (acc[2][c] + acc[3][c])
				t[c] += float64(s)
			}
		}
		zc := z[c0 : c0+cw]
		if b != nil {
			bc := b[c0 : c0+cw]
			for c := range zc {
				zc[c] = float32(t[c] + float64(bc[c]))
			}
		} else {
			for c := range zc {
				zc[c] = float32(t[c] + 0)
			}
		}
	}
}

// SparseAddOuterT adds alpha·val[i]·d[c] to g[idx[i]·stride + c] for every
// non-zero i and c < len(d): a = alpha·val[i] is rounded to float32 first,
// then each element gets g + a·d[c] (one fused multiply-add on the SIMD
// backends, two roundings here), one non-zero after the other (a
// repeated index is updated again).
func SparseAddOuterT(g []float32, stride int, alpha float32, d []float32, idx []int32, val []float32) {
	k := len(d)
	val = val[:len(idx)]
	for i, j := range idx {
		// No shortcut for a == 0: 0·Inf must give NaN on every backend.
		a := float32(alpha * val[i])
		o := int(j) * stride
		row := g[o : o+k : o+k]
		for c, v := range d[:len(row)] {
			row[c] += float32(a * v)
		}
	}
}

// SparseMatMul sets row r of z (stride zs, k elements) to
// SparseMatVecT(wt, x row r, b) for the n = len(rowPtr)−1 rows of the CSR
// matrix given by rowPtr, idx and val (row r's non-zeros are
// [rowPtr[r], rowPtr[r+1]); rowPtr need not start at 0).
func SparseMatMul(z []float32, zs int, rowPtr []int, idx []int32, val []float32, wt []float32, ws int, b []float32, k int) {
	for r := 0; r+1 < len(rowPtr); r++ {
		lo, hi := rowPtr[r], rowPtr[r+1]
		SparseMatVecT(z[r*zs:r*zs+k], wt, ws, idx[lo:hi], val[lo:hi], b)
	}
}

// SparseAddMatMulTN adds alpha·xᵀ·d to g (stride gs, k = len of a row of
// d used): for each row r of the CSR matrix x in order,
// SparseAddOuterT(g, alpha, d row r, x row r). d has stride ds.
func SparseAddMatMulTN(g []float32, gs int, alpha float32, rowPtr []int, idx []int32, val []float32, d []float32, ds, k int) {
	for r := 0; r+1 < len(rowPtr); r++ {
		lo, hi := rowPtr[r], rowPtr[r+1]
		SparseAddOuterT(g, gs, alpha, d[r*ds:r*ds+k], idx[lo:hi], val[lo:hi])
	}
}
