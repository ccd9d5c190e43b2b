//go:build !purego && (amd64 || arm64)

package kernel

// predictImpl runs the fused prediction kernel of the active backend on
// the row x (see asm.PredictAVX512 for the modes and the results) and
// reports whether it did: not on the generic backend, for more classes
// than the kernel takes, for more than macChunk multiply-adds (one call
// cannot be preempted), nor for arguments MatVec would reject or, for dst
// == B, compute in place: shapes that do not match, dst (nil for
// predictArgmax) overlapping x, W or B. The callers have checked len(x)
// and len(dst). One function, the checks inline: the kernel call is the
// work of a small model's prediction.
func (m *Model) predictImpl(dst, x []float32, mode int) (best int, mx float32, sum float64, ok bool) {
	be := current()
	k, w := m.Classes, &m.W
	if be == generic || k < 1 || k > asmPredictClasses(be) || k*len(x) > macChunk ||
		w.Rows != k || w.Cols != len(x) || len(m.B) != k || w.Stride < w.Cols {
		return 0, 0, 0, false
	}
	n := (k-1)*w.Stride + w.Cols
	if len(w.Data) < n || dst != nil && (overlap(dst, x) || overlap(dst, w.Data) || overlap(dst, m.B)) {
		return 0, 0, 0, false
	}
	best, mx, sum = asmPredict(be, dst, w.Data[:n], w.Stride, x, m.B, k, mode)
	return best, mx, sum, true
}
