//go:build !purego

package kernel

// asmPredictClasses: no fused prediction kernel on arm64 yet (the unfused
// MatVec and softmax kernels serve).
func asmPredictClasses(backendID) int { return 0 }

func asmPredict(backendID, []float32, []float32, int, []float32, []float32, int, int) (int, float32, float64) {
	panic("kernel: no fused prediction kernel on arm64")
}
