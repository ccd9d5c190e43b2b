package kernel

import (
	"math"

	"github.com/seed7bc074a2/maxent/fallback"
)

// This file composes the softmax family from the backend primitives, the
// *Impl functions of impl_simd.go (with simd_amd64.go and simd_arm64.go)
// or impl_generic.go. The special values are handled here, once, so every
// backend behaves identically; fallback.Softmax and its siblings are the
// pure-Go twins the tests compare against.

var nan32 = float32(math.NaN())

// special handles the inputs for which the max-subtracted sum is unusable.
// m is maxImpl(x). It returns ok = false for ordinary input; otherwise lse is
// the result: −Inf when every element is −Inf (or x is empty), NaN when an
// element is NaN or +Inf.
func special(x []float32, m float32) (lse float32, ok bool) {
	switch {
	case m == float32(math.Inf(1)):
		return nan32, true
	case m == float32(math.Inf(-1)):
		for _, v := range x {
			if v != v {
				return nan32, true
			}
		}
		return float32(math.Inf(-1)), true
	}
	return 0, false
}

func fill(x []float32, v float32) {
	for i := range x {
		x[i] = v
	}
}

func logSumExpImpl(x []float32) float32 {
	if lse, _, ok := smallOpsImpl(nil, x, 0, smallLogSumExp); ok { // one call (smallops_impl_simd.go)
		return lse
	}
	m, s := maxExpSum(x)
	if lse, ok := special(x, m); ok {
		return lse
	}
	return float32(float64(m) + fallback.LogSum(s))
}

// maxExpSum returns m = max(x) and, unless m is ±Inf, Σ exp(x[i] − m) in
// float64: one assembly call where the backend has one, else the two
// primitives (same results).
func maxExpSum(x []float32) (m float32, s float64) {
	if m, s, ok := maxExpSumImpl(x); ok {
		return m, s
	}
	m = maxImpl(x)
	if m == float32(math.Inf(1)) || m == float32(math.Inf(-1)) {
		return m, 0
	}
	return m, expShiftSumImpl(nil, x, m)
}

// softmaxParts sets dst = softmax(src) and returns m = max(src),
// logSum = log Σ exp(src[i] − m) in float64 (NaN for special input) and lse.
// Without wantLog, logSum and lse are 0 for ordinary input (the log is the
// slowest step of a short row; dst is the same either way).
func softmaxParts(dst, src []float32, wantLog bool) (m float32, logSum float64, lse float32) {
	// One assembly call when the backend has one for this length, else the
	// primitives; the results are the same bit for bit.
	m, s, one := softmaxRowImpl(dst, src)
	if !one {
		m = maxImpl(src)
	}
	// The one-call kernels leave dst untouched when m is ±Inf, so src is
	// intact here even when dst is src.
	if l, ok := special(src, m); ok {
		fill(dst, nan32)
		return m, math.NaN(), l
	}
	if !one {
		s = expShiftSumImpl(dst, src, m)
	}
	if s != s {
		// A NaN element: exp(NaN − m) poisoned the sum.
		fill(dst, nan32)
		return m, s, nan32
	}
	if !one {
		scaleImpl(dst, float32(1/s))
	}
	if !wantLog {
		return m, 0, 0
	}
	logSum = fallback.LogSum(s)
	return m, logSum, float32(float64(m) + logSum)
}

func softmaxImpl(dst, src []float32) float32 {
	if lse, _, ok := smallOpsImpl(dst, src, 0, smallSoftmax); ok {
		return lse
	}
	_, _, lse := softmaxParts(dst, src, true)
	return lse
}

// softmaxProbs is softmaxImpl without the log-sum-exp (Model.PredictProba).
func softmaxProbs(dst, src []float32) {
	softmaxParts(dst, src, false)
}

func logSoftmaxImpl(dst, src []float32) float32 {
	if lse, _, ok := smallOpsImpl(dst, src, 0, smallLogSoftmax); ok {
		return lse
	}
	m, s := maxExpSum(src)
	if l, ok := special(src, m); ok {
		fill(dst, nan32)
		return l
	}
	if s != s {
		fill(dst, nan32)
		return nan32
	}
	logSum := fallback.LogSum(s)
	shiftSubImpl(dst, src, m, float32(logSum))
	return float32(float64(m) + logSum)
}

func softmaxCrossEntropyImpl(grad, logits []float32, label int) float32 {
	if _, loss, ok := smallOpsImpl(grad, logits, label, smallXent); ok {
		return loss
	}
	zy := logits[label]
	m, logSum, _ := softmaxParts(grad, logits, true)
	grad[label] -= 1
	if logSum != logSum {
		return nan32
	}
	return float32(logSum - (float64(zy) - float64(m)))
}
