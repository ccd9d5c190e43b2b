//go:build purego || !(amd64 || arm64)

package kernel

// predictImpl: no fused prediction kernel in this build (Predict and
// PredictProba compose MatVec and the softmax).
func (m *Model) predictImpl(dst, x []float32, mode int) (best int, mx float32, sum float64, ok bool) {
	return 0, 0, 0, false
}
