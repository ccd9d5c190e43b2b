//go:build !purego && (amd64 || arm64)

package kernel

// predictImpl runs the fused prediction kernel of the active backend on
// one row (see asm.PredictAVX512 for the modes and the results) and
// reports whether it did: not on the generic backend, for more classes
// than the kernel takes, or for more than macChunk multiply-adds (one call
// cannot be preempted). The caller has checked w, x, b and dst (w.Rows
// classes, w.Cols == len(x), b nil or of w.Rows, dst of w.Rows unless
// predictArgmax).
func predictImpl(dst []float32, w Matrix, x, b []float32, mode int) (best int, m float32, sum float64, ok bool) {
	be := current()
	k := w.Rows
	if be == generic || k < 1 || k > asmPredictClasses(be) || k*w.Cols > macChunk {
		return 0, 0, 0, false
	}
	wd := w.Data[:0]
	if w.Cols > 0 {
		wd = w.Data[:(k-1)*w.Stride+w.Cols]
	}
	best, m, sum = asmPredict(be, dst, wd, w.Stride, x, b, k, mode)
	return best, m, sum, true
}
