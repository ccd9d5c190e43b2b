//go:build !purego && (amd64 || arm64)

package kernel

import "github.com/seed7bc074a2/maxent/fallback"

// The sparse *Impl functions of builds with assembly: package fallback on
// the generic backend, else the kernels of sparse_amd64.go and
// sparse_arm64.go, whose calls are bounded to about macChunk multiply-adds
// (assembly loops cannot be preempted). Like every *Impl they check
// nothing: the caller has validated the arguments as the exported ops in
// sparse.go do. The single-row ops run the batched kernels on one row.

// sparseCost is the cost, in multiply-adds, that a row of nnz non-zeros
// and k classes adds to an assembly call (at least 16 lanes per non-zero
// and one more non-zero for the row's own overhead).
func sparseCost(nnz, k int) int { return (nnz + 1) * max(k, 16) }

// sparseNPF returns how many of the n rows from row r of x may prefetch
// their next row: those with a next row in x, when m is large enough to
// be worth it.
func sparseNPF(m Matrix, x CSR, r, n int) int {
	if m.Rows*m.Stride*4 < sparsePfBytes {
		return 0
	}
	return min(n, x.Rows-1-r)
}

// sparseCalls calls call(r, e) for the runs of rows [r, e) of x that fit
// one assembly call, and long(r) for a row that alone exceeds it.
func sparseCalls(x CSR, k int, call func(r, e int), long func(r int)) {
	for r := 0; r < x.Rows; {
		e, macs := r, 0
		for e < x.Rows {
			c := sparseCost(x.RowPtr[e+1]-x.RowPtr[e], k)
			if e > r && macs+c > macChunk {
				break
			}
			macs += c
			e++
		}
		if macs > macChunk { // e == r+1
			long(r)
		} else {
			call(r, e)
		}
		r = e
	}
}

// sparseMatVecTImpl is SparseMatVecT without checks (len(z) ≥ 1).
func sparseMatVecTImpl(z []float32, wt Matrix, idx []int32, val []float32, b []float32) {
	be := current()
	if be == generic {
		fallback.SparseMatVecT(z, wt.Data, wt.Stride, idx, val, b)
		return
	}
	if sparseCost(len(idx), len(z)) > macChunk {
		sparseMatVecTLong(be, z, wt, idx, val, b)
		return
	}
	rp := [2]int{0, len(idx)}
	asmSparseMatMul(be, z, 0, rp[:], idx, val, wt.Data, wt.Stride, b, 1, len(z), 0)
}

// sparseMatVecTLong is sparseMatVecTImpl on a row too long for one call:
// for each chunk of sparseLongCols classes, one call per block of
// fallback.SparseBlock non-zeros, whose float32 sums (exact: one block
// and no bias) are added in float64 here as the kernel adds them, so the
// results are those of one call, bit for bit.
func sparseMatVecTLong(be backendID, z []float32, wt Matrix, idx []int32, val []float32, b []float32) {
	const cols = 64
	var part [cols]float32
	var tot [cols]float64
	for c0 := 0; c0 < len(z); c0 += cols {
		cw := min(cols, len(z)-c0)
		clear(tot[:cw])
		for i0 := 0; i0 < len(idx); i0 += fallback.SparseBlock {
			rp := [2]int{i0, min(i0+fallback.SparseBlock, len(idx))}
			asmSparseMatMul(be, part[:cw], 0, rp[:], idx, val, wt.Data[c0:], wt.Stride, nil, 1, cw, 0)
			for c, v := range part[:cw] {
				tot[c] += float64(v)
			}
		}
		for c, t := range tot[:cw] {
			if b != nil {
				t += float64(b[c0+c])
			} else {
				t += 0
			}
			z[c0+c] = float32(t)
		}
	}
}

// sparseAddOuterTImpl is SparseAddOuterT without checks.
func sparseAddOuterTImpl(g Matrix, alpha float32, d []float32, idx []int32, val []float32) {
	be := current()
	if be == generic {
		fallback.SparseAddOuterT(g.Data, g.Stride, alpha, d, idx, val)
		return
	}
	if sparseCost(len(idx), len(d)) > macChunk {
		sparseAddOuterTLong(be, g, alpha, d, idx, val)
		return
	}
	rp := [2]int{0, len(idx)}
	asmSparseAddMatMulTN(be, g.Data, g.Stride, alpha, rp[:], idx, val, d, 0, 1, len(d), 0)
}

// sparseAddOuterTLong is sparseAddOuterTImpl on a row too long for one
// call: runs of its non-zeros (and chunks of classes), in order, so every
// element gets its updates in the same order as in one call.
func sparseAddOuterTLong(be backendID, g Matrix, alpha float32, d []float32, idx []int32, val []float32) {
	k := len(d)
	kc := min(k, macChunk)
	per := max(1, macChunk/max(kc, 16)-1)
	for c0 := 0; c0 < k; c0 += kc {
		cw := min(kc, k-c0)
		for i0 := 0; i0 < len(idx); i0 += per {
			rp := [2]int{i0, min(i0+per, len(idx))}
			asmSparseAddMatMulTN(be, g.Data[c0:], g.Stride, alpha, rp[:], idx, val, d[c0:], 0, 1, cw, 0)
		}
	}
}

// sparseMatMulImpl is SparseMatMul without checks (z.Rows, z.Cols ≥ 1).
func sparseMatMulImpl(z Matrix, x CSR, wt Matrix, b []float32) {
	be := current()
	k := z.Cols
	if be == generic {
		fallback.SparseMatMul(z.Data, z.Stride, x.RowPtr, x.Index, x.Value, wt.Data, wt.Stride, b, k)
		return
	}
	sparseCalls(x, k, func(r, e int) {
		asmSparseMatMul(be, z.Data[r*z.Stride:], z.Stride, x.RowPtr[r:], x.Index, x.Value, wt.Data, wt.Stride, b, e-r, k, sparseNPF(wt, x, r, e-r))
	}, func(r int) {
		lo, hi := x.RowPtr[r], x.RowPtr[r+1]
		sparseMatVecTLong(be, z.Data[r*z.Stride:r*z.Stride+k], wt, x.Index[lo:hi], x.Value[lo:hi], b)
	})
}

// sparseAddMatMulTNImpl is SparseAddMatMulTN without checks (d.Cols ≥ 1).
func sparseAddMatMulTNImpl(g Matrix, alpha float32, x CSR, d Matrix) {
	be := current()
	k := d.Cols
	if be == generic {
		fallback.SparseAddMatMulTN(g.Data, g.Stride, alpha, x.RowPtr, x.Index, x.Value, d.Data, d.Stride, k)
		return
	}
	sparseCalls(x, k, func(r, e int) {
		asmSparseAddMatMulTN(be, g.Data, g.Stride, alpha, x.RowPtr[r:], x.Index, x.Value, d.Data[r*d.Stride:], d.Stride, e-r, k, sparseNPF(g, x, r, e-r))
	}, func(r int) {
		lo, hi := x.RowPtr[r], x.RowPtr[r+1]
		sparseAddOuterTLong(be, g, alpha, d.Data[r*d.Stride:r*d.Stride+k], x.Index[lo:hi], x.Value[lo:hi])
	})
}
