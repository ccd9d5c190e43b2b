//go:build !purego && (linux || darwin)

package asm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// TestSmallOpsLog holds SmallOpsAVX512's in-kernel log to its bound: for
// rows of every length 1..16 whose sums of exponentials cover [1, 16]
// (one element the maximum, the others spread below it, or equal to it),
// lse is float32(m + log s) for some value within 1.2e-9 of log s, where m
// and s are SoftmaxSmallAVX512's; the probabilities are its bits; the
// cross-entropy's loss and the log-softmax outputs follow from the same
// log.
func TestSmallOpsLog(t *testing.T) {
	if !cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512DQ, cpuid.AVX512BW, cpuid.AVX512VL) {
		t.Skip("CPU lacks AVX-512")
	}
	rng := rand.New(rand.NewPCG(21, 22))
	const bound = 1.2e-9
	worst := 0.0
	for it := 0; it < 200000; it++ {
		n := 1 + it%16
		src := make([]float32, n)
		shift := float32(rng.NormFloat64() * 30)
		for i := range src {
			switch it % 3 {
			case 0:
				src[i] = shift - float32(rng.ExpFloat64()*3)
			case 1:
				src[i] = shift - float32(rng.Float64()*1e-3)
			default:
				src[i] = shift
			}
		}
		ref := make([]float32, n)
		m, s := SoftmaxSmallAVX512(ref, src)
		logS := math.Log(s)
		dst := make([]float32, n)
		lse, _ := SmallOpsAVX512(dst, src, 0, SmallSoftmax)
		for i := range dst {
			if math.Float32bits(dst[i]) != math.Float32bits(ref[i]) {
				t.Fatalf("n=%d: p[%d] = %v, SoftmaxSmall %v", n, i, dst[i], ref[i])
			}
		}
		// lse must be the rounding of some value within bound of m + log s.
		exact := float64(m) + logS
		lo, hi := float32(exact-bound), float32(exact+bound)
		if lse < lo || lse > hi {
			t.Fatalf("n=%d: lse = %v, float32 of [%v, %v] (m %v, log s %v)", n, lse, exact-bound, exact+bound, m, logS)
		}
		if l2, _ := SmallOpsAVX512(nil, src, 0, SmallLogSumExp); math.Float32bits(l2) != math.Float32bits(lse) {
			t.Fatalf("n=%d: LogSumExp %v, Softmax's lse %v", n, l2, lse)
		}
		// The log itself, through the loss at the maximum's label:
		// loss = float32(log s − 0).
		lab := 0
		for i, v := range src {
			if v == m {
				lab = i
				break
			}
		}
		_, loss := SmallOpsAVX512(dst, src, lab, SmallXent)
		if d := math.Abs(float64(loss) - logS); d > bound+0x1p-24*logS {
			t.Fatalf("n=%d: loss %v, log s %v", n, loss, logS)
		} else if logS > 0 {
			worst = math.Max(worst, math.Abs(float64(float32(logS))-float64(loss))/(0x1p-24*logS+1e-300))
		}
		for i := range dst {
			want := ref[i]
			if i == lab {
				want -= 1
			}
			if math.Float32bits(dst[i]) != math.Float32bits(want) {
				t.Fatalf("n=%d: grad[%d] = %v, want %v", n, i, dst[i], want)
			}
		}
		SmallOpsAVX512(dst, src, 0, SmallLogSoftmax)
		l := float32(logS)
		for i, v := range src {
			want := (v - m) - l
			// float32(log s) may round the other way: one ULP of l.
			if d := math.Abs(float64(dst[i]) - float64(want)); d > 0x1p-23*(float64(l)+math.Abs(float64(want)))+bound {
				t.Fatalf("n=%d: logsoftmax[%d] = %v, want %v", n, i, dst[i], want)
			}
		}
	}
	t.Logf("loss − float32(log s): at most %.2f·2⁻²⁴·log s", worst)
}
