//go:build !purego

package kernel

import "github.com/seed7bc074a2/maxent/asm"

// asmPredictClasses is the most classes the fused prediction kernel of be
// takes (0: none).
func asmPredictClasses(backendID) int { return asm.PredictMaxClasses }

// asmPredict runs asm.PredictAVX512 or asm.PredictAVX2 (see there).
func asmPredict(be backendID, dst, w []float32, stride int, x, b []float32, k, mode int) (int, float32, float64) {
	if be == avx512 {
		return asm.PredictAVX512(dst, w, stride, x, b, k, mode)
	}
	return asm.PredictAVX2(dst, w, stride, x, b, k, mode)
}
