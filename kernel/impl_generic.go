//go:build purego || !(amd64 || arm64)

package kernel

import "github.com/seed7bc074a2/maxent/fallback"

// The *Impl functions run a validated call on the active backend. In this
// build only the generic backend exists, so they call package fallback
// directly; impl_simd.go holds the SIMD dispatch.
//
// Softmax, LogSoftmax, LogSumExp and SoftmaxCrossEntropy are composed in
// softmax.go from the primitives below (max, exp-and-sum, scale, shift), so
// that their special-value handling is written once for every backend.

func dotImpl(x, y []float32) float32 {
	return fallback.Dot(x, y)
}

func matVecImpl(y []float32, w Matrix, x, b []float32) {
	fallback.MatVec(y, w.Data, w.Stride, x, b)
}

func addOuterImpl(g Matrix, alpha float32, d, x []float32) {
	fallback.AddOuter(g.Data, g.Stride, alpha, d, x)
}

func expImpl(dst, src []float32) {
	fallback.Exp(dst, src)
}

// maxImpl returns the largest element of x ignoring NaNs (−Inf if none).
func maxImpl(x []float32) float32 {
	return fallback.Max(x)
}

// expShiftSumImpl returns Σ exp(src[i] − m) summed in float64, storing the exponentials in dst unless dst is nil.
func expShiftSumImpl(dst, src []float32, m float32) float64 {
	return fallback.ExpShiftSum(dst, src, m)
}

// scaleImpl multiplies x by s.
func scaleImpl(x []float32, s float32) {
	fallback.Scale(x, s)
}

// shiftSubImpl sets dst[i] = (src[i] − m) − l.
func shiftSubImpl(dst, src []float32, m, l float32) {
	fallback.ShiftSub(dst, src, m, l)
}

func matMulTImpl(z, x, w Matrix, b []float32) {
	fallback.MatMulT(z.Data, z.Stride, x.Data, x.Stride, w.Data, w.Stride, b, x.Rows, w.Rows, w.Cols)
}

func addMatMulTNImpl(g Matrix, alpha float32, d, x Matrix) {
	fallback.AddMatMulTN(g.Data, g.Stride, alpha, d.Data, d.Stride, x.Data, x.Stride, x.Rows, g.Rows, g.Cols)
}

// gatherOK: no gather kernels without assembly (the trainer copies its rows).
func gatherOK() bool { return false }

func matMulTGatherImpl(Matrix, Matrix, ByteMatrix, []float32, []uint32, int, Matrix, []float32, []uintptr, []uintptr) int {
	panic("kernel: no gather kernels in this build")
}

func addMatMulTNGatherSGDImpl(Matrix, float32, Matrix, []uintptr, []float32, []float32, Matrix, Matrix, float32, bool, float32, []uintptr) {
	panic("kernel: no gather kernels in this build")
}

func addMatMulTNGatherImpl(Matrix, float32, Matrix, []uintptr) {
	panic("kernel: no gather kernels in this build")
}

func sgdRowU8Impl([]float32, []float32, []float32, []float32, []float32, float32, float32, bool, float32) {
	panic("kernel: no gather kernels in this build")
}

// prefetchL2 does nothing without assembly.
func prefetchL2([]float32) {}

// prefetchL2Bytes does nothing without assembly.
func prefetchL2Bytes([]byte) {}

// matMulTPfImpl is matMulTImpl; nothing is prefetched (0 rows of pf used).
func matMulTPfImpl(z, x, w Matrix, b []float32, _ []uintptr) int {
	matMulTImpl(z, x, w, b)
	return 0
}

// softmaxRowImpl is the one-call softmax of a row; this build has none.
func softmaxRowImpl(dst, src []float32) (m float32, sum float64, ok bool) {
	return 0, 0, false
}

// maxExpSumImpl: none in this build; the callers compose max and exp-sum.
func maxExpSumImpl(x []float32) (m float32, sum float64, ok bool) {
	return 0, 0, false
}

// xentRowsImpl: no fused loss kernel in this build.
func xentRowsImpl(grad, z Matrix, z2 []float32, labels []int, st *[18]float64, b []float32) (done, correct int, ok bool) {
	return 0, 0, false
}
