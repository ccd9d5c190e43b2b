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

// fusedArgs reports whether the fused kernel may run on W, x, B and dst
// (nil for Predict): the shapes MatVec would accept, no overlap of dst
// with the inputs (which MatVec rejects or, for dst == B, computes in
// place).
func (m *Model) fusedArgs(dst, x []float32) bool {
	w := m.W
	if w.Rows != m.Classes || w.Cols != len(x) || len(m.B) != w.Rows || w.Rows < 1 {
		return false
	}
	if w.Stride < w.Cols || w.Rows > 1 && len(w.Data) < (w.Rows-1)*w.Stride+w.Cols || len(w.Data) < w.Cols {
		return false
	}
	return dst == nil || !overlap(dst, x) && !overlap(dst, w.Data) && !overlap(dst, m.B)
}

// predictFused is Predict on the fused kernel; ok is false where it does
// not run.
func (m *Model) predictFused(x []float32) (c int, ok bool) {
	if !m.fusedArgs(nil, x) {
		return 0, false
	}
	c, _, _, ok = predictImpl(nil, m.W, x, m.B, predictArgmax)
	return c, ok
}

// predictProbaFused is PredictProba on the fused kernel; it reports
// whether it ran (len(dst) == Classes, len(x) == Features checked).
func (m *Model) predictProbaFused(dst, x []float32) bool {
	if !m.fusedArgs(dst, x) {
		return false
	}
	if m.Link != LinkSoftmax {
		if _, _, _, ok := predictImpl(dst, m.W, x, m.B, predictLogits); !ok {
			return false
		}
		m.finishLink(dst)
		return true
	}
	_, mx, sum, ok := predictImpl(dst, m.W, x, m.B, predictProba)
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
