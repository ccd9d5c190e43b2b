package kernel

import "math"

// The fused prediction path of Predict and PredictProba: on a SIMD
// backend, a model of at most 16 classes (asm.PredictMaxClasses) predicts
// a row in one assembly call that keeps the logits in registers and writes
// each output element once (predictImpl). Its logits keep MatVec's error
// bound but are summed in the kernel's own order, so they (and the
// probabilities) may differ from MatVec's in the last bits; the special
// values are handled as on the unfused path. Other models, backends and
// arguments that would make MatVec panic take the unfused path.

// The modes of predictImpl (asm.PredictArgmax, PredictLogits,
// PredictProba).
const (
	predictArgmax = 0
	predictLogits = 1
	predictProba  = 2
)

// predictFused is Predict on the fused kernel; ok is false where it does
// not run.
func (m *Model) predictFused(x []float32) (c int, ok bool) {
	c, _, _, ok = m.predictImpl(nil, x, predictArgmax)
	return c, ok
}

// predictProbaFused is PredictProba on the fused kernel; it reports
// whether it ran (len(dst) == Classes, len(x) == Features checked).
func (m *Model) predictProbaFused(dst, x []float32) bool {
	if m.Link != LinkSoftmax {
		if _, _, _, ok := m.predictImpl(dst, x, predictLogits); !ok {
			return false
		}
		m.finishLink(dst)
		return true
	}
	_, mx, sum, ok := m.predictImpl(dst, x, predictProba)
	if !ok {
		return false
	}
	// The kernel stores nothing for special rows: softmaxParts' rules (a
	// ±Inf maximum, a NaN sum) give NaN everywhere.
	if mx == float32(math.Inf(1)) || mx == float32(math.Inf(-1)) || sum != sum {
		fill(dst, nan32)
	}
	return true
}
