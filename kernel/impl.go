package kernel

import "github.com/seed7bc074a2/maxent/fallback"

// The *Impl functions dispatch a validated call to the active backend with a
// direct switch (no function values, which would make the arguments escape).
// Only the generic backend is compiled in so far; the SIMD backends add their
// cases here as they land.

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

func expImpl(dst, src []float32) {
	switch current() {
	default:
		fallback.Exp(dst, src)
	}
}

func logSumExpImpl(x []float32) float32 {
	switch current() {
	default:
		return fallback.LogSumExp(x)
	}
}

func softmaxImpl(dst, src []float32) float32 {
	switch current() {
	default:
		return fallback.Softmax(dst, src)
	}
}

func logSoftmaxImpl(dst, src []float32) float32 {
	switch current() {
	default:
		return fallback.LogSoftmax(dst, src)
	}
}

func addOuterImpl(g Matrix, alpha float32, d, x []float32) {
	switch current() {
	default:
		fallback.AddOuter(g.Data, g.Stride, alpha, d, x)
	}
}

func softmaxCrossEntropyImpl(grad, logits []float32, label int) float32 {
	switch current() {
	default:
		return fallback.SoftmaxCrossEntropy(grad, logits, label)
	}
}
