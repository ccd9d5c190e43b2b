//go:build amd64 && !purego

package benchsuite

import "github.com/seed7bc074a2/maxent/asm"

// streamSparse reads (or reads and writes back) the whole vectors that
// cover the first k elements of the rows of w the CSR rows index, with
// the widest loads (see asm.SparseStreamReadAVX512).
func streamSparse(rowPtr []int, idx []int32, w []float32, ws, n, k, npf int, rmw bool) float32 {
	switch {
	case wide512 && rmw:
		asm.SparseStreamRMWAVX512(rowPtr, idx, w, ws, n, (k+15)/16, npf)
	case wide512:
		return asm.SparseStreamReadAVX512(rowPtr, idx, w, ws, n, (k+15)/16, npf)
	case rmw:
		asm.SparseStreamRMWAVX2(rowPtr, idx, w, ws, n, (k+7)/8, npf)
	default:
		return asm.SparseStreamReadAVX2(rowPtr, idx, w, ws, n, (k+7)/8, npf)
	}
	return 0
}
