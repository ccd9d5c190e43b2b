package kernel

import "github.com/seed7bc074a2/maxent/fallback"

// The *Impl functions dispatch a validated call to the active backend with a
// direct switch (no function values, which would make the arguments escape).
// Only the generic backend is compiled in so far; the SIMD backends add their
// cases here as they land.
//
// Softmax, LogSoftmax, LogSumExp and SoftmaxCrossEntropy are composed in
// softmax.go from the primitives below (max, exp-and-sum, scale, shift), so
// that their special-value handling is written once for every backend.

func dotImpl(x, y []float32) float32 {
	switch current() {
	default:
		return fallback.Dot(x, y)
	}
}

func matVecImpl(y []float32, w Matrix, x, b []float32) {
	switch current() {
	default:
		fallback.MatVec(y, w.Data, w.Stride, x, b)
	}
}

func addOuterImpl(g Matrix, alpha float32, d, x []float32) {
	switch current() {
	default:
		fallback.AddOuter(g.Data, g.Stride, alpha, d, x)
	}
}

func expImpl(dst, src []float32) {
	switch current() {
	default:
		fallback.Exp(dst, src)
	}
}

// maxImpl returns the largest element of x ignoring NaNs (−Inf if none).
func maxImpl(x []float32) float32 {
	switch current() {
	default:
		return fallback.Max(x)
	}
}

// expShiftSumImpl returns Σ exp(src[i] − m) in float64 (summed in float32
// blocks), storing the exponentials in dst unless dst is nil.
func expShiftSumImpl(dst, src []float32, m float32) float64 {
	switch current() {
	default:
		return fallback.ExpShiftSum(dst, src, m)
	}
}

// scaleImpl multiplies x by s.
func scaleImpl(x []float32, s float32) {
	switch current() {
	default:
		fallback.Scale(x, s)
	}
}

// shiftSubImpl sets dst[i] = (src[i] − m) − l.
func shiftSubImpl(dst, src []float32, m, l float32) {
	switch current() {
	default:
		fallback.ShiftSub(dst, src, m, l)
	}
}
