//go:build !purego

package kernel

import "github.com/seed7bc074a2/maxent/asm"

// asmSmallOps runs asm.SmallOpsAVX512 on AVX-512 for rows of at most
// asm.SmallMax elements (ok = false elsewhere).
func asmSmallOps(be backendID, dst, src []float32, label, mode int) (lse, loss float32, ok bool) {
	if be != avx512 || len(src) == 0 || len(src) > asm.SmallMax {
		return 0, 0, false
	}
	lse, loss = asm.SmallOpsAVX512(dst, src, label, mode)
	return lse, loss, true
}
