//go:build !purego && (linux || darwin)

package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/cpuid/v2"

	"github.com/seed7bc074a2/maxent/internal/guardmem"
)

// predictKernel is one ISA's fused prediction kernel.
type predictKernel struct {
	name      string
	supported bool
	fn        func(dst, w []float32, stride int, x, b []float32, k, mode int) (int, float32, float64)
	softmax   func(dst, src []float32) (float32, float64) // the same steps on a row of logits (AVX-512: bit for bit)
}

var predictKernels = []predictKernel{
	{"AVX2", cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3), PredictAVX2, SoftmaxAVX2},
	{"AVX512", cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512DQ, cpuid.AVX512BW, cpuid.AVX512VL), PredictAVX512, SoftmaxSmallAVX512},
}

// forPredictKernels runs f for every kernel this CPU supports.
func forPredictKernels(t *testing.T, f func(t *testing.T, pk predictKernel)) {
	for _, pk := range predictKernels {
		t.Run(pk.name, func(t *testing.T) {
			if !pk.supported {
				t.Skipf("CPU lacks %s", pk.name)
			}
			f(t, pk)
		})
	}
}

// predictBound is the kernels' documented error bound on a logit, for
// Σ|terms| abs: 71·2⁻²⁴·abs, plus the products that may underflow.
func predictBound(abs float64, m int) float64 { return 71*0x1p-24*abs + float64(m+1)*0x1p-149 }

// predictOracle returns the float64 logits and Σ|terms| of each row.
func predictOracle(w []float32, stride int, x, b []float32, k int) (z, abs []float64) {
	z, abs = make([]float64, k), make([]float64, k)
	for i := 0; i < k; i++ {
		for j, v := range x {
			p := float64(w[i*stride+j]) * float64(v)
			z[i] += p
			abs[i] += math.Abs(p)
		}
		if len(b) > 0 {
			z[i] += float64(b[i])
			abs[i] += math.Abs(float64(b[i]))
		}
	}
	return z, abs
}

// firstMax is the argmax the kernels return: the first maximum, NaNs
// ignored, −1 if every element is NaN.
func firstMax(z []float32) int {
	best := -1
	for i, v := range z {
		if v == v && (best < 0 || v > z[best]) {
			best = i
		}
	}
	return best
}

// predictCheck runs the three modes on one shape and checks them: the
// logits within the bound of the oracle, the argmax of the logits, the
// probabilities those of the kernel's softmax steps on the logits, dst
// written in [0, k) only and not in PredictArgmax mode.
func predictCheck(t *testing.T, pk predictKernel, w []float32, stride int, x, b []float32, k int, dstBuf []float32) {
	t.Helper()
	const guard = float32(-12345)
	for i := range dstBuf {
		dstBuf[i] = guard
	}
	dst := dstBuf[1 : 1+k]
	best0, m0, _ := pk.fn(dst, w, stride, x, b, k, PredictArgmax)
	for i, v := range dstBuf {
		if v != guard {
			t.Fatalf("k=%d m=%d: PredictArgmax wrote dst buffer[%d] = %v", k, len(x), i, v)
		}
	}
	best, m, _ := pk.fn(dst, w, stride, x, b, k, PredictLogits)
	z := append([]float32(nil), dst...)
	if dstBuf[0] != guard || dstBuf[k+1] != guard {
		t.Fatalf("k=%d m=%d: PredictLogits wrote outside dst", k, len(x))
	}
	if best != best0 || math.Float32bits(m) != math.Float32bits(m0) {
		t.Fatalf("k=%d m=%d: PredictArgmax (%d, %v) and PredictLogits (%d, %v) differ", k, len(x), best0, m0, best, m)
	}
	if want := firstMax(z); best != want {
		t.Fatalf("k=%d m=%d: best = %d, want %d (logits %v)", k, len(x), best, want, z)
	}
	oz, abs := predictOracle(w, stride, x, b, k)
	for i := range z {
		if abs[i] > math.MaxFloat32/4 {
			continue
		}
		if o := float32(oz[i]); o != o || math.IsInf(float64(o), 0) || abs[i] != abs[i] || math.IsInf(abs[i], 0) {
			if math.Float32bits(o)|1<<22 != math.Float32bits(z[i])|1<<22 && !(o != o && z[i] != z[i]) {
				t.Fatalf("k=%d m=%d: z[%d] = %v, oracle %v", k, len(x), i, z[i], o)
			}
			continue
		}
		if d := math.Abs(float64(z[i]) - oz[i]); !(d <= predictBound(abs[i], len(x))) {
			t.Fatalf("k=%d m=%d stride=%d: z[%d] = %v, oracle %v, error %.3g > %.3g (Σ|terms| %.3g)",
				k, len(x), stride, i, z[i], oz[i], d, predictBound(abs[i], len(x)), abs[i])
		}
	}
	if best >= 0 && z[best] != m {
		t.Fatalf("k=%d m=%d: m = %v, z[best] = %v", k, len(x), m, z[best])
	}
	// The probabilities.
	for i := range dstBuf {
		dstBuf[i] = guard
	}
	_, mp, sum := pk.fn(dst, w, stride, x, b, k, PredictProba)
	if dstBuf[0] != guard || dstBuf[k+1] != guard {
		t.Fatalf("k=%d m=%d: PredictProba wrote outside dst", k, len(x))
	}
	ref := make([]float32, k)
	rm, rsum := pk.softmax(ref, z)
	if mp != rm && !(mp != mp && rm != rm) {
		t.Fatalf("k=%d m=%d: PredictProba m = %v, softmax of its logits %v", k, len(x), mp, rm)
	}
	if math.IsInf(float64(rm), 0) || rsum != rsum {
		for _, v := range dst {
			if v != guard {
				t.Fatalf("k=%d m=%d: special row (m %v, sum %v) written: %v", k, len(x), rm, rsum, dst)
			}
		}
		if math.IsInf(float64(rm), 0) && sum != 0 || rsum != rsum && sum == sum {
			t.Fatalf("k=%d m=%d: special row returned sum %v (m %v)", k, len(x), sum, mp)
		}
		return
	}
	exact := pk.name == "AVX512" || k <= 8
	for i := range dst {
		if exact && math.Float32bits(dst[i]) != math.Float32bits(ref[i]) {
			t.Fatalf("k=%d m=%d: p[%d] = %v, the softmax of its logits %v", k, len(x), i, dst[i], ref[i])
		}
		if d := math.Abs(float64(dst[i]) - float64(ref[i])); !(d <= 1e-6) {
			t.Fatalf("k=%d m=%d: p[%d] = %v, the softmax of its logits %v", k, len(x), i, dst[i], ref[i])
		}
	}
	if tol := 1e-15; !(math.Abs(sum-rsum) <= tol*rsum) && (exact || !(math.Abs(sum-rsum) <= 1e-7*rsum)) {
		t.Fatalf("k=%d m=%d: sum %v, softmax's %v", k, len(x), sum, rsum)
	}
}

// predictInputs returns a w of k rows (stride apart), x and b, misaligned by
// off elements.
func predictInputs(rng *rand.Rand, k, m, stride, off int, bias bool) (w []float32, x, b []float32) {
	wb := make([]float32, off+(k-1)*stride+m)
	for i := range wb {
		wb[i] = float32(rng.NormFloat64())
	}
	xb := make([]float32, off+m)
	for i := range xb {
		xb[i] = float32(rng.NormFloat64())
	}
	w, x = wb[off:], xb[off:]
	if bias {
		bb := make([]float32, off+k)
		for i := range bb {
			bb[i] = float32(rng.NormFloat64() * 4)
		}
		b = bb[off:]
	}
	return w, x, b
}

// TestPredictKernels checks every class count 1..16 against the oracle at
// lengths around the vector width, the accumulators of the passes, the
// blocks (64 vectors) and beyond, with strides and misaligned slices.
func TestPredictKernels(t *testing.T) {
	lengths := []int{0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 100, 127, 128, 129, 255, 256, 257,
		511, 512, 513, 520, 784, 1023, 1024, 1025, 1039, 1040, 1041, 2047, 2048, 2049, 2100, 3000, 5000}
	if testing.Short() {
		lengths = []int{0, 1, 7, 9, 16, 17, 33, 64, 65, 129, 513, 520, 784, 1040, 1041, 2100}
	}
	forPredictKernels(t, func(t *testing.T, pk predictKernel) {
		rng := rand.New(rand.NewPCG(1, 2))
		dstBuf := make([]float32, 18)
		for k := 1; k <= PredictMaxClasses; k++ {
			for _, m := range lengths {
				for _, pad := range []int{0, 3} {
					off := (k + m + pad) % 16
					w, x, b := predictInputs(rng, k, m, m+pad, off, (k+m)%5 != 0)
					predictCheck(t, pk, w, m+pad, x, b, k, dstBuf)
				}
			}
		}
	})
}

// TestPredictSpecial checks the special values: NaN and ±Inf logits (from
// the bias, from x and from w), ties, all −Inf.
func TestPredictSpecial(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	forPredictKernels(t, func(t *testing.T, pk predictKernel) {
		rng := rand.New(rand.NewPCG(3, 4))
		dstBuf := make([]float32, 18)
		for k := 1; k <= PredictMaxClasses; k++ {
			for _, m := range []int{0, 5, 40} {
				for c := 0; c < 12; c++ {
					w, x, b := predictInputs(rng, k, m, m, 0, true)
					switch c {
					case 0:
						b[rng.IntN(k)] = nan
					case 1:
						b[rng.IntN(k)] = inf
					case 2:
						b[rng.IntN(k)] = -inf
					case 3:
						for i := range b {
							b[i] = -inf
						}
					case 4:
						for i := range b {
							b[i] = nan
						}
					case 5:
						for i := range b {
							b[i] = -inf
						}
						b[rng.IntN(k)] = nan
					case 6: // ties: equal logits
						for i := range b {
							b[i] = 1
						}
						for i := range w {
							w[i] = 0.5
						}
					case 7:
						if m > 0 {
							x[rng.IntN(m)] = nan
						}
					case 8:
						if m > 0 {
							x[rng.IntN(m)] = inf
						}
					case 9:
						if m > 0 {
							w[rng.IntN(k)*m+rng.IntN(m)] = -inf
						}
					case 10: // −0 logits
						for i := range b {
							b[i] = float32(math.Copysign(0, -1))
						}
						for i := range x {
							x[i] = 0
						}
					case 11: // large logits: exp of the differences underflows
						for i := range b {
							b[i] = float32(i) * 50
						}
					}
					predictCheck(t, pk, w, m, x, b, k, dstBuf)
				}
			}
		}
	})
}

// TestPredictGuardPages runs the kernels with w, x, b and dst flush against
// PROT_NONE pages: a read or write of one element outside them crashes.
func TestPredictGuardPages(t *testing.T) {
	rw, rx, rb, rd := guardmem.New(t, 40), guardmem.New(t, 1), guardmem.New(t, 1), guardmem.New(t, 1)
	rx3 := guardmem.New(t, 3)
	places := []func(*guardmem.Region, int) []float32{(*guardmem.Region).AtEnd, (*guardmem.Region).AtStart}
	forPredictKernels(t, func(t *testing.T, pk predictKernel) {
		rng := rand.New(rand.NewPCG(5, 6))
		fill := func(v []float32) {
			for i := range v {
				v[i] = rng.Float32()*2 - 1
			}
		}
		for k := 1; k <= PredictMaxClasses; k++ {
			for m := 0; m <= 70; m++ {
				for pi, place := range places {
					stride := m + pi
					w := place(rw, (k-1)*stride+m)
					x, b, d := place(rx, m), place(rb, k), place(rd, k)
					fill(w)
					fill(x)
					fill(b)
					for mode := 0; mode <= 2; mode++ {
						pk.fn(d, w, stride, x, b, k, mode)
						pk.fn(d, w, stride, x, nil, k, mode)
					}
				}
			}
		}
		// A long row (several blocks) ending at a guard.
		for _, m := range []int{1040, 2100} {
			for _, k := range []int{1, 10, 16} {
				w := rw.AtEnd((k-1)*m + m)
				x := rx3.AtEnd(m)
				fill(w)
				fill(x)
				d := rd.AtEnd(k)
				pk.fn(d, w, m, x, rb.AtEnd(k), k, PredictProba)
			}
		}
	})
}

func BenchmarkPredictKernel(b *testing.B) {
	for _, pk := range predictKernels {
		if !pk.supported {
			continue
		}
		for _, s := range [][2]int{{10, 64}, {10, 784}, {2, 64}, {16, 256}} {
			k, m := s[0], s[1]
			rng := rand.New(rand.NewPCG(7, 8))
			w, x, bias := predictInputs(rng, k, m, m, 0, true)
			dst := make([]float32, 16)
			for _, mode := range []int{PredictArgmax, PredictProba} {
				b.Run(fmt.Sprintf("isa=%s/mode=%d/k=%d/m=%d", pk.name, mode, k, m), func(b *testing.B) {
					for b.Loop() {
						pk.fn(dst, w, m, x, bias, k, mode)
					}
				})
			}
		}
	}
}
