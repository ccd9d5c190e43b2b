//go:build !purego && (amd64 || arm64)

package kernel

import "github.com/seed7bc074a2/maxent/fallback"

// The sparse *Impl functions of builds with assembly: for now package
// fallback on every backend (the SIMD kernels come next). Like every *Impl
// they check nothing: the caller has validated the arguments as the
// exported ops in sparse.go do.

// sparseMatVecTImpl is SparseMatVecT without checks (len(z) ≥ 1).
func sparseMatVecTImpl(z []float32, wt Matrix, idx []int32, val []float32, b []float32) {
	fallback.SparseMatVecT(z, wt.Data, wt.Stride, idx, val, b)
}

// sparseAddOuterTImpl is SparseAddOuterT without checks.
func sparseAddOuterTImpl(g Matrix, alpha float32, d []float32, idx []int32, val []float32) {
	fallback.SparseAddOuterT(g.Data, g.Stride, alpha, d, idx, val)
}

// sparseMatMulImpl is SparseMatMul without checks.
func sparseMatMulImpl(z Matrix, x CSR, wt Matrix, b []float32) {
	fallback.SparseMatMul(z.Data, z.Stride, x.RowPtr, x.Index, x.Value, wt.Data, wt.Stride, b, z.Cols)
}

// sparseAddMatMulTNImpl is SparseAddMatMulTN without checks.
func sparseAddMatMulTNImpl(g Matrix, alpha float32, x CSR, d Matrix) {
	fallback.SparseAddMatMulTN(g.Data, g.Stride, alpha, x.RowPtr, x.Index, x.Value, d.Data, d.Stride, d.Cols)
}
