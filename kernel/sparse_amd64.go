//go:build !purego

package kernel

import "github.com/seed7bc074a2/maxent/asm"

// asmSparseMatMul runs asm.SparseMatMulAVX512 or AVX2 (see there).
func asmSparseMatMul(be backendID, z []float32, zs int, rowPtr []int, idx []int32, val []float32, wt []float32, ws int, b []float32, n, k, npf int) {
	if be == avx512 {
		asm.SparseMatMulAVX512(z, zs, rowPtr, idx, val, wt, ws, b, n, k, npf)
		return
	}
	asm.SparseMatMulAVX2(z, zs, rowPtr, idx, val, wt, ws, b, n, k, npf)
}

// asmSparseAddMatMulTN runs asm.SparseAddMatMulTNAVX512 or AVX2.
func asmSparseAddMatMulTN(be backendID, g []float32, gs int, alpha float32, rowPtr []int, idx []int32, val []float32, d []float32, ds int, n, k, npf int) {
	if be == avx512 {
		asm.SparseAddMatMulTNAVX512(g, gs, alpha, rowPtr, idx, val, d, ds, n, k, npf)
		return
	}
	asm.SparseAddMatMulTNAVX2(g, gs, alpha, rowPtr, idx, val, d, ds, n, k, npf)
}
