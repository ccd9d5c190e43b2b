//go:build !purego

package kernel

import "github.com/seed7bc074a2/maxent/asm"

// asmSparseMatMul runs asm.SparseMatMulNEON (see there).
func asmSparseMatMul(_ backendID, z []float32, zs int, rowPtr []int, idx []int32, val []float32, wt []float32, ws int, b []float32, n, k, npf int) {
	asm.SparseMatMulNEON(z, zs, rowPtr, idx, val, wt, ws, b, n, k, npf)
}

// asmSparseAddMatMulTN runs asm.SparseAddMatMulTNNEON.
func asmSparseAddMatMulTN(_ backendID, g []float32, gs int, alpha float32, rowPtr []int, idx []int32, val []float32, d []float32, ds int, n, k, npf int) {
	asm.SparseAddMatMulTNNEON(g, gs, alpha, rowPtr, idx, val, d, ds, n, k, npf)
}
