//go:build !purego

package kernel

import "github.com/seed7bc074a2/maxent/fallback"

// asmSparseMatMul: package fallback until the NEON kernel exists.
func asmSparseMatMul(_ backendID, z []float32, zs int, rowPtr []int, idx []int32, val []float32, wt []float32, ws int, b []float32, n, k, npf int) {
	fallback.SparseMatMul(z, zs, rowPtr[:n+1], idx, val, wt, ws, b, k)
}

// asmSparseAddMatMulTN: package fallback until the NEON kernel exists.
func asmSparseAddMatMulTN(_ backendID, g []float32, gs int, alpha float32, rowPtr []int, idx []int32, val []float32, d []float32, ds int, n, k, npf int) {
	fallback.SparseAddMatMulTN(g, gs, alpha, rowPtr[:n+1], idx, val, d, ds, k)
}
