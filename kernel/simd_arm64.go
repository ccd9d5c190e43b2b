//go:build !purego

package kernel

import "github.com/seed7bc074a2/maxent/asm"

// compiled lists the SIMD backends built into this binary for this GOARCH:
// NEON (ASIMD), which every arm64 CPU has.
var compiled = []backendID{neon}

// The asm* functions call the NEON assembly on at most one chunk of input;
// impl_simd.go does the chunking. be is always neon here.

func asmDot(_ backendID, x, y []float32) float64 { return asm.DotNEON(x, y) }

func asmMatVec(_ backendID, y, w []float32, stride int, x, b []float32) {
	asm.MatVecNEON(y, w, stride, x, b)
}

func asmAddOuter(_ backendID, g []float32, stride int, alpha float32, d, x []float32) {
	asm.AddOuterNEON(g, stride, alpha, d, x)
}

func asmExp(_ backendID, dst, src []float32) { asm.ExpNEON(dst, src) }

func asmMax(_ backendID, x []float32) float32 { return asm.MaxNEON(x) }

func asmExpShiftSum(_ backendID, dst, src []float32, m float32) float64 {
	return asm.ExpShiftSumNEON(dst, src, m)
}

func asmScale(_ backendID, x []float32, s float32) { asm.ScaleNEON(x, s) }

func asmShiftSub(_ backendID, dst, src []float32, m, l float32) {
	asm.ShiftSubNEON(dst, src, m, l)
}

// asmMatMulTSamples is the block size of asmMatMulT: its n must be a multiple.
func asmMatMulTSamples(backendID) int { return asm.MatMulTRowsNEON }

func asmMatMulT(_ backendID, z []float32, zs int, x []float32, xs int, w []float32, ws int, b []float32, n, k, m int) {
	asm.MatMulTNEON(z, zs, x, xs, w, ws, b, n, k, m)
}

func asmAddMatMulTN(_ backendID, g []float32, gs int, alpha float32, d []float32, ds int, x []float32, xs int, n, k, m int) {
	asm.AddMatMulTNNEON(g, gs, alpha, d, ds, x, xs, n, k, m)
}

// prefetchL2 does nothing on arm64.
func prefetchL2([]float32) {}

func prefetchL2Bytes([]byte) {}

func asmAddMatMulTNU8Rows(backendID) int { return 1 }

// asmHasRowKernels: none of the trainer's prefetching and gather kernels
// on arm64 (the trainer copies its rows and prefetches nothing).
func asmHasRowKernels(backendID) bool { return false }

func asmMatMulTPf(backendID, []float32, int, []float32, int, []float32, int, []float32, int, int, int, []uintptr) {
	panic("kernel: no prefetching MatMulT kernel on arm64")
}

// softmaxRowImpl computes the softmax of a row of at most chunk elements
// in one NEON call (ok = false on the generic backend or longer rows), with
// the results of max, exp-sum and scale; when m is ±Inf it does not write
// dst.
func softmaxRowImpl(dst, src []float32) (m float32, sum float64, ok bool) {
	if current() == generic || len(src) == 0 || len(src) > chunk {
		return 0, 0, false
	}
	m, sum = asm.SoftmaxNEON(dst, src)
	return m, sum, true
}

// maxExpSumImpl returns max(x) and Σ exp(x[i] − max) in one NEON call for
// rows of at most chunk elements (ok = false elsewhere); sum is 0 when m is
// ±Inf.
func maxExpSumImpl(x []float32) (m float32, sum float64, ok bool) {
	if current() == generic || len(x) == 0 || len(x) > chunk {
		return 0, 0, false
	}
	m, sum = asm.MaxExpSumNEON(x)
	return m, sum, true
}

func asmMatMulTGather(backendID, []float32, int, []uintptr, bool, []float32, int, []float32, int, int, int, []uintptr) {
	panic("kernel: no gather kernels on arm64")
}

func asmAddMatMulTNGatherSGD(backendID, []float32, int, float32, []float32, int, []uintptr, []float32, []float32, int, int, int, []float32, []float32, float32, bool, float32, []uintptr) {
	panic("kernel: no gather kernels on arm64")
}

func asmAddMatMulTNGather(backendID, []float32, int, float32, []float32, int, []uintptr, []float32, []float32, int, int, int) {
	panic("kernel: no gather kernels on arm64")
}

// xentRowsImpl: no fused loss kernel for NEON (sceRows runs its rows one
// at a time through SoftmaxNEON).
func xentRowsImpl(grad, z Matrix, z2 []float32, labels []int, st *[18]float64, b []float32) (done, correct int, ok bool) {
	return 0, 0, false
}

func sgdRowU8Impl([]float32, []float32, []float32, []float32, []float32, float32, float32, bool, float32) {
	panic("kernel: no gather kernels on arm64")
}
