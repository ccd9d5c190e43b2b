//go:build !purego && (linux || darwin)

package asm

import (
	"bufio"
	"fmt"
	"github.com/seed7bc074a2/maxent/internal/guardmem"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/klauspost/cpuid/v2"

	"github.com/seed7bc074a2/maxent/fallback"
)

// smKernels is one ISA's set of softmax primitives.
type smKernels struct {
	name        string
	supported   bool
	exp         func(dst, src []float32)
	max         func(x []float32) float32
	expShiftSum func(dst, src []float32, m float32) float64
	scale       func(x []float32, s float32)
	shiftSub    func(dst, src []float32, m, l float32)
	softmax     func(dst, src []float32) (float32, float64)
	maxExpSum   func(src []float32) (float32, float64)
}

var (
	smAVX2 = &smKernels{"AVX2", cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3),
		ExpAVX2, MaxAVX2, ExpShiftSumAVX2, ScaleAVX2, ShiftSubAVX2, SoftmaxAVX2, MaxExpSumAVX2}
	smAVX512 = &smKernels{"AVX512", cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512DQ, cpuid.AVX512BW, cpuid.AVX512VL),
		ExpAVX512, MaxAVX512, ExpShiftSumAVX512, ScaleAVX512, ShiftSubAVX512, SoftmaxAVX512, MaxExpSumAVX512}
)

func smNeed(t testing.TB, k *smKernels) {
	t.Helper()
	if !k.supported {
		t.Skipf("CPU lacks %s", k.name)
	}
}

var (
	smInf       = float32(math.Inf(1))
	smNegInf    = float32(math.Inf(-1))
	smNaN       = float32(math.NaN())
	smMinIn     = fallback.ExpMinInput
	smMaxIn     = fallback.ExpMaxInput
	smPrevMin   = math.Nextafter32(fallback.ExpMinInput, smNegInf)
	smNextMax   = math.Nextafter32(fallback.ExpMaxInput, smInf)
	f32bits     = math.Float32bits
	f32frombits = math.Float32frombits
)

// ---------------------------------------------------------------------------
// Reference: fallback.Exp32's algorithm in FMA order (fallback's expFusedRef,
// which lives in a _test file and cannot be imported).

// smULPErr returns |y − e^x| in ULPs of the correctly rounded float32 e^x.
func smULPErr(x, y float32) float64 {
	ex := math.Exp(float64(x))
	e := int(f32bits(float32(ex))>>23) & 0xff
	ulp := 0x1p-149
	if e != 0 {
		ulp = math.Ldexp(1, e-150)
	}
	return math.Abs(float64(y)-ex) / ulp
}

func smIsNormal(y float32) bool {
	b := f32bits(y) & 0x7fffffff
	return b >= 0x00800000 && b < 0x7f800000
}

// ---------------------------------------------------------------------------
// Inputs.

// smSpecials are the special and edge inputs of exp.
var smSpecials = []float32{
	0, float32(math.Copysign(0, -1)), smInf, smNegInf,
	f32frombits(0x7fc00000), f32frombits(0xffc00000), f32frombits(0x7fc12345), f32frombits(0xffd5a5a5), // quiet NaNs
	f32frombits(0x7f800001), f32frombits(0xff800123), f32frombits(0x7fa00000), // signalling NaNs
	smMinIn, smPrevMin, smMaxIn, smNextMax,
	math.Nextafter32(smMinIn, 0), math.Nextafter32(smMaxIn, 0),
	1e30, -1e30, math.MaxFloat32, -math.MaxFloat32, 1000, -1000, 89, -88, 88.5, -87.5,
	0x1p-149, -0x1p-149, 0x1p-126, -0x1p-126, 1e-10, -1e-10,
	1, -1, 0.5, -0.5, float32(math.Ln2), -float32(math.Ln2), 0.34657359, -0.34657359,
}

// smRandInput returns a mix of ordinary logits, wide values, random bit
// patterns and smSpecials.
func smRandInput(rng *rand.Rand) float32 {
	switch rng.IntN(8) {
	case 0:
		return smSpecials[rng.IntN(len(smSpecials))]
	case 1:
		return f32frombits(rng.Uint32())
	case 2, 3:
		return float32(rng.Float64()*200 - 100)
	default:
		return float32(rng.Float64()*40 - 20)
	}
}

func smFillInput(rng *rand.Rand, x []float32) {
	for i := range x {
		x[i] = smRandInput(rng)
	}
}

// smFiniteInput fills x with logits without NaN or Inf.
func smFiniteInput(rng *rand.Rand, x []float32) {
	for i := range x {
		switch rng.IntN(10) {
		case 0:
			x[i] = float32(rng.Float64()*400 - 200)
		default:
			x[i] = float32(rng.NormFloat64() * 8)
		}
	}
}

const smSentinel = float32(-12345.5)

// smWindow returns buf[off:off+n] of a fresh smSentinel-filled buffer with
// guard room on both sides.
func smWindow(off, n, extra int) (buf, s []float32) {
	buf = make([]float32, off+n+extra+16)
	for i := range buf {
		buf[i] = smSentinel
	}
	return buf, buf[off : off+n : off+n]
}

// smCheckGuards fails if buf outside [off, off+n) changed.
func smCheckGuards(t *testing.T, what string, buf []float32, off, n int) {
	t.Helper()
	for i, v := range buf {
		if (i < off || i >= off+n) && f32bits(v) != f32bits(smSentinel) {
			t.Fatalf("%s: wrote outside the slice at %d (off %d, n %d): %g", what, i-off, off, n, v)
		}
	}
}

// ---------------------------------------------------------------------------
// Exp.

// smCheckExpBits checks got against the FMA-order reference bit for bit,
// and in-range results against math.Exp (≤ 1 ULP, normal).
func smCheckExpBits(t *testing.T, what string, src, got []float32) {
	t.Helper()
	for i, x := range src {
		want := fallback.ExpFMARef(x)
		if f32bits(got[i]) != f32bits(want) {
			t.Fatalf("%s: exp(%g [%#08x]) [%d] = %g [%#08x], want %g [%#08x] (fallback.Exp32 %#08x)", what, x, f32bits(x), i,
				got[i], f32bits(got[i]), want, f32bits(want), f32bits(fallback.Exp32(x)))
		}
		if x >= smMinIn && x <= smMaxIn && (smULPErr(x, got[i]) > 1 || !smIsNormal(got[i])) {
			t.Fatalf("%s: exp(%g) = %g: %.3f ULP", what, x, got[i], smULPErr(x, got[i]))
		}
	}
}

func smTestExpSpecial(t *testing.T, k *smKernels) {
	smNeed(t, k)
	// Every special at every lane position of full and partial vectors.
	for n := 1; n <= 70; n++ {
		src := make([]float32, n)
		for s := range smSpecials {
			for i := range src {
				src[i] = smSpecials[(s+i)%len(smSpecials)]
			}
			dst := make([]float32, n)
			k.exp(dst, src)
			smCheckExpBits(t, fmt.Sprintf("n=%d", n), src, dst)
		}
	}
	// The documented guarantees, spelled out.
	one := make([]float32, 1)
	expOf := func(x float32) float32 {
		k.exp(one, []float32{x})
		return one[0]
	}
	for _, c := range []struct {
		x    float32
		want uint32
	}{
		{0, 0x3f800000}, {float32(math.Copysign(0, -1)), 0x3f800000}, {smInf, 0x7f800000}, {smNegInf, 0},
		{smPrevMin, 0}, {smNextMax, 0x7f800000}, {1e30, 0x7f800000}, {-1e30, 0},
		{math.MaxFloat32, 0x7f800000}, {-math.MaxFloat32, 0},
	} {
		if got := expOf(c.x); f32bits(got) != c.want {
			t.Errorf("exp(%g) = %#08x, want %#08x", c.x, f32bits(got), c.want)
		}
	}
	for _, b := range []uint32{0x7fc00000, 0xffc00000, 0x7fc12345, 0xffd5a5a5, 0x7f800001, 0xff800123} {
		if got := expOf(f32frombits(b)); f32bits(got) != b {
			t.Errorf("exp(NaN %#08x) = %#08x, want the input NaN", b, f32bits(got))
		}
	}
	for _, x := range []float32{smMinIn, smMaxIn} {
		y := expOf(x)
		if !smIsNormal(y) || smULPErr(x, y) > 1 {
			t.Errorf("exp(%g) = %g: want a normal float32 within 1 ULP (%.3f)", x, y, smULPErr(x, y))
		}
	}
}

func smTestExpLengths(t *testing.T, k *smKernels) {
	smNeed(t, k)
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 300; n++ {
		for _, off := range []int{0, 1, 3, 7, 15} {
			src := make([]float32, n)
			smFillInput(rng, src)
			// dst longer than src: the extra elements must stay untouched.
			buf, _ := smWindow(off, n, 0)
			dst := buf[off : off+n+5]
			k.exp(dst, src)
			smCheckExpBits(t, fmt.Sprintf("n=%d off=%d", n, off), src, dst)
			smCheckGuards(t, fmt.Sprintf("exp n=%d off=%d", n, off), buf, off, n)
			// In place, misaligned.
			buf, a := smWindow(off, n, 0)
			copy(a, src)
			k.exp(a, a)
			smCheckExpBits(t, fmt.Sprintf("aliased n=%d off=%d", n, off), src, a)
			smCheckGuards(t, fmt.Sprintf("aliased exp n=%d off=%d", n, off), buf, off, n)
		}
	}
	// Long slices.
	for _, n := range []int{4096 + 13, 1<<16 + 5, 1<<17 + 31} {
		src := make([]float32, n)
		smFillInput(rng, src)
		dst := make([]float32, n)
		k.exp(dst, src)
		smCheckExpBits(t, fmt.Sprintf("n=%d", n), src, dst)
	}
}

// smExpStats accumulates the checks of a smSweep.
type smExpStats struct {
	n, bad  int64
	maxULP  float64
	argMax  float32
	firstAt string
}

func (s *smExpStats) merge(o *smExpStats) {
	s.n += o.n
	s.bad += o.bad
	if o.maxULP > s.maxULP {
		s.maxULP, s.argMax = o.maxULP, o.argMax
	}
	if s.firstAt == "" {
		s.firstAt = o.firstAt
	}
}

// check verifies k's results for src: bit-identical to smExpRef, and for
// in-range inputs normal and within 1 ULP of the correctly rounded exp.
func (s *smExpStats) check(src, got []float32) {
	for i, x := range src {
		y := got[i]
		s.n++
		if want := fallback.ExpFMARef(x); f32bits(y) != f32bits(want) {
			s.bad++
			if s.firstAt == "" {
				s.firstAt = fmt.Sprintf("x=%g [%#08x]: got %#08x, want %#08x", x, f32bits(x), f32bits(y), f32bits(want))
			}
			continue
		}
		if x >= smMinIn && x <= smMaxIn {
			e := smULPErr(x, y)
			if e > s.maxULP {
				s.maxULP, s.argMax = e, x
			}
			if e > 1 || !smIsNormal(y) {
				s.bad++
				if s.firstAt == "" {
					s.firstAt = fmt.Sprintf("x=%g [%#08x]: got %g, %.4f ULP", x, f32bits(x), y, e)
				}
			}
		}
	}
}

// smSweep runs gen(i) for i < count through k.exp in blocks on every CPU.
func smSweep(k *smKernels, count uint64, gen func(i uint64) float32) *smExpStats {
	const block = 1 << 14
	var mu sync.Mutex
	total := &smExpStats{}
	next := make(chan uint64)
	go func() {
		for lo := uint64(0); lo < count; lo += block {
			next <- lo
		}
		close(next)
	}()
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src, dst := make([]float32, block), make([]float32, block)
			s := &smExpStats{}
			for lo := range next {
				m := int(min(block, count-lo))
				for i := range m {
					src[i] = gen(lo + uint64(i))
				}
				k.exp(dst[:m], src[:m])
				s.check(src[:m], dst[:m])
			}
			mu.Lock()
			total.merge(s)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return total
}

func smReport(t *testing.T, what string, s *smExpStats) {
	t.Helper()
	t.Logf("%s: %d inputs, max error %.4f ULP at x=%.9g [%#08x]", what, s.n, s.maxULP, s.argMax, f32bits(s.argMax))
	if s.bad != 0 {
		t.Errorf("%s: %d inputs wrong, e.g. %s", what, s.bad, s.firstAt)
	}
}

// smTestExpSweep checks ~1e7 inputs across [MinInput−1, MaxInput+1]: half
// evenly spaced in value, half evenly spaced in bit pattern (which also
// covers the tiny inputs near 0).
func smTestExpSweep(t *testing.T, k *smKernels) {
	smNeed(t, k)
	const half = 5_000_000
	lo, hi := float64(smMinIn)-1, float64(smMaxIn)+1
	smReport(t, "by value", smSweep(k, half, func(i uint64) float32 {
		return float32(lo + (hi-lo)*float64(i)/(half-1))
	}))
	// Bit patterns of [0, hi] and [lo, −0] interleaved.
	pb, nb := uint64(f32bits(float32(hi))), uint64(f32bits(float32(lo))-0x80000000)
	smReport(t, "by bit pattern", smSweep(k, half, func(i uint64) float32 {
		j := i / 2
		if i%2 == 0 {
			return f32frombits(uint32(j * pb / (half / 2)))
		}
		return f32frombits(0x80000000 | uint32(j*nb/(half/2)))
	}))
}

// smTestExpScalingEdges checks every float32 whose n = round(x·log2 e) is
// −126, −125, 127 or 128 (where the 2^n scaling is closest to the limits
// of the exponent range), plus every input within 2^12 ULPs of the edges.
func smTestExpScalingEdges(t *testing.T, k *smKernels) {
	smNeed(t, k)
	l2 := math.Ln2
	ranges := [][2]float32{
		{float32(-126.5 * l2), float32(-124.5 * l2)},
		{float32(126.5 * l2), float32(128.5 * l2)},
	}
	var xs []float32
	for _, r := range ranges {
		for x := r[0]; x <= r[1]; x = math.Nextafter32(x, smInf) {
			xs = append(xs, x)
		}
	}
	for _, e := range []float32{smMinIn, smMaxIn} {
		for d := int32(-1 << 12); d <= 1<<12; d++ {
			xs = append(xs, f32frombits(uint32(int32(f32bits(e))+d)))
		}
	}
	s := smSweep(k, uint64(len(xs)), func(i uint64) float32 { return xs[i] })
	smReport(t, "scaling edges", s)
}

// smTestExpExhaustive checks all 2^32 bit patterns (set MAXENT_EXHAUSTIVE=1).
func smTestExpExhaustive(t *testing.T, k *smKernels) {
	if os.Getenv("MAXENT_EXHAUSTIVE") != "1" {
		t.Skip("set MAXENT_EXHAUSTIVE=1 to check every float32 input")
	}
	smNeed(t, k)
	smReport(t, "exhaustive (all 2^32 patterns)", smSweep(k, 1<<32, func(i uint64) float32 { return f32frombits(uint32(i)) }))
}

// ---------------------------------------------------------------------------
// Max, ExpShiftSum, Scale, ShiftSub.

// smSameMax reports whether got equals fallback.Max's want (the sign of a zero
// maximum may differ).
func smSameMax(got, want float32) bool {
	return f32bits(got) == f32bits(want) || (got == 0 && want == 0)
}

func smTestMax(t *testing.T, k *smKernels) {
	smNeed(t, k)
	rng := rand.New(rand.NewPCG(3, 4))
	lengths := []int{1000, 4096 + 7, 1<<16 + 3, 1<<17 + 17}
	for n := 0; n <= 300; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		for _, off := range []int{0, 1, 5} {
			buf, x := smWindow(off, n, 0)
			for mode := 0; mode < 4; mode++ {
				switch mode {
				case 0:
					smFiniteInput(rng, x)
				case 1:
					smFillInput(rng, x)
				case 2: // NaNs and −Infs only, plus maybe one value
					for i := range x {
						x[i] = []float32{smNaN, smNegInf, f32frombits(0xffc12345)}[rng.IntN(3)]
					}
					if n > 0 && rng.IntN(2) == 0 {
						x[rng.IntN(n)] = float32(rng.NormFloat64())
					}
				case 3: // the maximum at a random position, NaN neighbours
					smFiniteInput(rng, x)
					for i := range x {
						if rng.IntN(4) == 0 {
							x[i] = smNaN
						}
					}
					if n > 0 {
						x[rng.IntN(n)] = 1e6
					}
				}
				got, want := k.max(x), fallback.Max(x)
				if !smSameMax(got, want) {
					t.Fatalf("n=%d off=%d mode=%d: max = %g [%#08x], fallback %g [%#08x]", n, off, mode, got, f32bits(got), want, f32bits(want))
				}
				smCheckGuards(t, "max", buf, off, n)
			}
		}
	}
	if got := k.max(nil); got != smNegInf {
		t.Errorf("max(nil) = %g, want -Inf", got)
	}
	if got := k.max([]float32{smInf, smNaN}); got != smInf {
		t.Errorf("max(+Inf, NaN) = %g", got)
	}
}

func smTestExpShiftSum(t *testing.T, k *smKernels) {
	smNeed(t, k)
	rng := rand.New(rand.NewPCG(5, 6))
	lengths := []int{1000, 4096 + 9, 1<<16 + 1, 1<<17 + 33}
	for n := 0; n <= 300; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		for mode := 0; mode < 3; mode++ {
			off := []int{0, 3, 1}[mode]
			src := make([]float32, n)
			var m float32
			switch mode {
			case 0:
				smFiniteInput(rng, src)
				m = fallback.Max(src)
			case 1:
				smFillInput(rng, src)
				m = fallback.Max(src)
			case 2:
				smFiniteInput(rng, src)
				m = float32(rng.NormFloat64() * 50)
			}
			want := fallback.ExpShiftSum(nil, src, m)
			// The stored exponentials must be exp of the rounded differences.
			wantE := make([]float32, n)
			for i, v := range src {
				wantE[i] = v - m
			}
			k.exp(wantE, wantE)

			check := func(what string, got float64) {
				t.Helper()
				ok := (got != got && want != want) || got == want ||
					math.Abs(got-want) <= 1e-6*math.Abs(want)
				if !ok {
					t.Fatalf("%s n=%d mode=%d m=%g: sum = %v, fallback %v", what, n, mode, m, got, want)
				}
			}
			check("nil dst", k.expShiftSum(nil, src, m))
			buf, dst := smWindow(off, n, 0)
			check("dst", k.expShiftSum(dst, src, m))
			smCheckGuards(t, "expShiftSum", buf, off, n)
			for i := range dst {
				if f32bits(dst[i]) != f32bits(wantE[i]) {
					t.Fatalf("n=%d mode=%d: stored exp(%g − %g) [%d] = %#08x, exp kernel %#08x", n, mode, src[i], m, i, f32bits(dst[i]), f32bits(wantE[i]))
				}
			}
			// In place.
			buf, a := smWindow(off, n, 0)
			copy(a, src)
			check("aliased", k.expShiftSum(a, a, m))
			smCheckGuards(t, "aliased expShiftSum", buf, off, n)
			for i := range a {
				if f32bits(a[i]) != f32bits(wantE[i]) {
					t.Fatalf("aliased n=%d: [%d] = %#08x, want %#08x", n, i, f32bits(a[i]), f32bits(wantE[i]))
				}
			}
		}
	}
	// NaN and ±Inf elements.
	for _, c := range []struct {
		src []float32
		m   float32
	}{
		{[]float32{1, smNaN, 2}, 2}, {[]float32{smNegInf, 0, smNegInf}, 0}, {[]float32{smInf, 1}, smInf},
		{[]float32{smNegInf, smNegInf}, smNegInf}, {[]float32{1, 2, 3}, -100},
	} {
		for n := 0; n < 40; n++ { // the pattern repeated to n elements
			src := make([]float32, n)
			for i := range src {
				src[i] = c.src[i%len(c.src)]
			}
			got, want := k.expShiftSum(nil, src, c.m), fallback.ExpShiftSum(nil, src, c.m)
			if !(got == want || (got != got && want != want) || math.Abs(got-want) <= 1e-6*math.Abs(want)) {
				t.Errorf("expShiftSum(%v, %g) = %v, fallback %v", src, c.m, got, want)
			}
		}
	}
}

func smTestScale(t *testing.T, k *smKernels) {
	smNeed(t, k)
	rng := rand.New(rand.NewPCG(7, 8))
	lengths := []int{1000, 1<<16 + 11}
	for n := 0; n <= 300; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		for _, off := range []int{0, 1, 6} {
			src := make([]float32, n)
			smFillInput(rng, src)
			for _, s := range []float32{float32(rng.Float64()), 3, 0, -1e-30, smInf, smNaN, 1e30} {
				want := append([]float32(nil), src...)
				fallback.Scale(want, s)
				buf, x := smWindow(off, n, 0)
				copy(x, src)
				k.scale(x, s)
				smCheckGuards(t, "scale", buf, off, n)
				for i := range x {
					if f32bits(x[i]) != f32bits(want[i]) && !(x[i] != x[i] && want[i] != want[i]) {
						t.Fatalf("n=%d s=%g: %g·s = %#08x, fallback %#08x", n, s, src[i], f32bits(x[i]), f32bits(want[i]))
					}
				}
			}
		}
	}
}

func smTestShiftSub(t *testing.T, k *smKernels) {
	smNeed(t, k)
	rng := rand.New(rand.NewPCG(9, 10))
	lengths := []int{1000, 1<<16 + 11}
	for n := 0; n <= 300; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		for _, off := range []int{0, 2, 7} {
			src := make([]float32, n)
			smFillInput(rng, src)
			for _, ml := range [][2]float32{{3.5, 0.25}, {float32(rng.NormFloat64()), float32(rng.Float64() * 10)}, {smInf, 1}, {-1e30, smNaN}} {
				m, l := ml[0], ml[1]
				want := make([]float32, n)
				fallback.ShiftSub(want, src, m, l)
				cmp := func(what string, got []float32) {
					t.Helper()
					for i := range got {
						if f32bits(got[i]) != f32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
							t.Fatalf("%s n=%d: (%g − %g) − %g = %#08x, fallback %#08x", what, n, src[i], m, l, f32bits(got[i]), f32bits(want[i]))
						}
					}
				}
				buf, dst := smWindow(off, n, 0)
				k.shiftSub(dst, src, m, l)
				smCheckGuards(t, "shiftSub", buf, off, n)
				cmp("dst", dst)
				buf, a := smWindow(off, n, 0)
				copy(a, src)
				k.shiftSub(a, a, m, l)
				smCheckGuards(t, "aliased shiftSub", buf, off, n)
				cmp("aliased", a)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Guard pages: every kernel with its slices flush against PROT_NONE pages.

func smTestGuardPages(t *testing.T, k *smKernels) {
	smNeed(t, k)
	in, out := guardmem.New(t, 1), guardmem.New(t, 1)
	rng := rand.New(rand.NewPCG(11, 12))
	for n := 0; n <= 300; n++ {
		for _, place := range []func(*guardmem.Region, int) []float32{(*guardmem.Region).AtEnd, (*guardmem.Region).AtStart} {
			x, o := place(in, n), place(out, n)
			smFiniteInput(rng, x)
			k.exp(o, x)
			m := k.max(x)
			_ = k.expShiftSum(nil, x, m)
			_ = k.expShiftSum(o, x, m)
			k.scale(o, 0.5)
			k.shiftSub(o, x, m, 1)
			copy(o, x)
			k.exp(o, o)
			copy(o, x)
			_ = k.expShiftSum(o, o, m)
			k.shiftSub(o, o, m, 1)
			k.softmax(o, x)
			copy(o, x)
			k.softmax(o, o)
			_, _ = k.maxExpSum(x)
			if k == smAVX512 && n <= 20 {
				SoftmaxSmallAVX512(o, x)
				copy(o, x)
				SoftmaxSmallAVX512(o, o)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Softmax and MaxExpSum (fused): bit for bit the compositions of Max,
// ExpShiftSum and Scale.

func TestSoftmaxFusedAVX2(t *testing.T)   { smTestSoftmaxFused(t, smAVX2) }
func TestSoftmaxFusedAVX512(t *testing.T) { smTestSoftmaxFused(t, smAVX512) }

func smTestSoftmaxFused(t *testing.T, k *smKernels) {
	smNeed(t, k)
	rng := rand.New(rand.NewPCG(15, 16))
	lengths := []int{}
	for n := 0; n <= 70; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 100, 255, 256, 257, 1000, 4099, 65536)
	for _, n := range lengths {
		iters := 200
		if n > 300 {
			iters = 5
		}
		for iter := 0; iter < iters; iter++ {
			src := make([]float32, n)
			if iter%4 == 0 {
				smFillInput(rng, src)
			} else {
				smFiniteInput(rng, src)
			}
			wantM := k.max(src)
			wantE := make([]float32, n)
			wantS := k.expShiftSum(wantE, src, wantM)
			k.scale(wantE, float32(1/wantS))

			if m, s := k.maxExpSum(src); f32bits(m) != f32bits(wantM) ||
				(math.IsInf(float64(m), 0) && s != 0) ||
				(!math.IsInf(float64(m), 0) && math.Float64bits(s) != math.Float64bits(k.expShiftSum(nil, src, wantM)) && !(s != s && wantS != wantS)) {
				t.Fatalf("%s n=%d: MaxExpSum = %g, %v; want %g, %v", k.name, n, m, s, wantM, wantS)
			}
			buf, dst := smWindow(5, n, 0)
			m, s := k.softmax(dst, src)
			smCheckGuards(t, "softmax", buf, 5, n)
			if f32bits(m) != f32bits(wantM) {
				t.Fatalf("%s n=%d: m = %g, want %g", k.name, n, m, wantM)
			}
			if math.IsInf(float64(m), 0) {
				if s != 0 {
					t.Fatalf("%s n=%d: m = %g, sum = %v, want 0", k.name, n, m, s)
				}
				for i := 0; i < n; i++ {
					if f32bits(dst[i]) != f32bits(smSentinel) {
						t.Fatalf("%s n=%d: m = %g but dst[%d] written", k.name, n, m, i)
					}
				}
				continue
			}
			if math.Float64bits(s) != math.Float64bits(wantS) && !(s != s && wantS != wantS) {
				t.Fatalf("%s n=%d: sum = %v, want %v", k.name, n, s, wantS)
			}
			if s != s {
				continue
			}
			for i := 0; i < n; i++ {
				if f32bits(dst[i]) != f32bits(wantE[i]) {
					t.Fatalf("%s n=%d: p[%d] = %#08x, composition %#08x", k.name, n, i, f32bits(dst[i]), f32bits(wantE[i]))
				}
			}
			a := append([]float32(nil), src...)
			k.softmax(a, a)
			for i := 0; i < n; i++ {
				if f32bits(a[i]) != f32bits(wantE[i]) {
					t.Fatalf("%s aliased n=%d: p[%d] = %#08x, want %#08x", k.name, n, i, f32bits(a[i]), f32bits(wantE[i]))
				}
			}
		}
	}
}

// ---------------------------------------------------------------------------
// SoftmaxSmallAVX512.

func TestSoftmaxSmallAVX512(t *testing.T) {
	smNeed(t, smAVX512)
	rng := rand.New(rand.NewPCG(13, 14))
	for n := 0; n <= 20; n++ {
		for iter := 0; iter < 2000; iter++ {
			src := make([]float32, n)
			if iter%4 == 0 {
				smFillInput(rng, src)
			} else {
				smFiniteInput(rng, src)
			}
			k := min(n, 16)
			// The composition on the first k elements.
			wantM := MaxAVX512(src[:k])
			wantE := make([]float32, k)
			wantS := ExpShiftSumAVX512(wantE, src[:k], wantM)
			ScaleAVX512(wantE, float32(1/wantS))

			buf, dst := smWindow(3, n, 0)
			m, s := SoftmaxSmallAVX512(dst, src)
			smCheckGuards(t, "softmaxSmall", buf, 3, k)
			if f32bits(m) != f32bits(wantM) {
				t.Fatalf("n=%d %v: m = %g, want %g", n, src, m, wantM)
			}
			if math.IsInf(float64(m), 0) {
				// Special input: sum 0 and dst untouched, so that the
				// caller can still read src when dst is src.
				if s != 0 {
					t.Fatalf("n=%d %v: m = %g, sum = %v, want 0", n, src, m, s)
				}
				for i := 0; i < k; i++ {
					if f32bits(dst[i]) != f32bits(smSentinel) {
						t.Fatalf("n=%d %v: m = %g but dst[%d] written", n, src, m, i)
					}
				}
				continue
			}
			if math.Float64bits(s) != math.Float64bits(wantS) && !(s != s && wantS != wantS) {
				t.Fatalf("n=%d %v: sum = %v, want %v", n, src, s, wantS)
			}
			if s != s {
				continue
			}
			for i := 0; i < k; i++ {
				if f32bits(dst[i]) != f32bits(wantE[i]) {
					t.Fatalf("n=%d %v: p[%d] = %#08x, composition %#08x", n, src, i, f32bits(dst[i]), f32bits(wantE[i]))
				}
			}
			// In place.
			a := append([]float32(nil), src...)
			SoftmaxSmallAVX512(a, a)
			for i := 0; i < k; i++ {
				if f32bits(a[i]) != f32bits(wantE[i]) {
					t.Fatalf("aliased n=%d: p[%d] = %#08x, want %#08x", n, i, f32bits(a[i]), f32bits(wantE[i]))
				}
			}
		}
	}
	if m, s := SoftmaxSmallAVX512(nil, nil); m != smNegInf || s != 0 {
		t.Errorf("SoftmaxSmallAVX512(nil) = %g, %g; want -Inf, 0", m, s)
	}
}

// ---------------------------------------------------------------------------
// The AVX2 smKernels must run on AVX2-only CPUs: no EVEX-only operand.

var smEVEXOperand = regexp.MustCompile(`\b([XY](1[6-9]|2[0-9]|3[01])|Z[0-9]+|K[0-7])\b|\.(BCST|Z|SAE)\b`)

func TestGeneratedAVX2IsVEXOnly(t *testing.T) {
	dir := "."
	if _, file, _, ok := runtime.Caller(0); ok {
		dir = filepath.Dir(file) // also under qemu
	}
	count := 0
	for _, name := range []string{"exp_amd64.s", "softmaxparts_amd64.s", "softmax_amd64.s"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		fn := ""
		for sc.Scan() {
			s := strings.TrimSpace(sc.Text())
			if strings.HasPrefix(s, "TEXT ") {
				fn = strings.Fields(s)[1]
				if strings.Contains(fn, "AVX2(") {
					count++
				}
				continue
			}
			if strings.Contains(fn, "AVX2(") && !strings.HasPrefix(s, "//") && smEVEXOperand.MatchString(s) {
				t.Errorf("%s: %s uses an EVEX-only operand: %s", name, fn, s)
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	if count != 7 {
		t.Errorf("found %d AVX2 functions, want 7", count)
	}
}

// ---------------------------------------------------------------------------
// Per-ISA entry points (named so that -run AVX2 selects the AVX2 ones).

func TestExpSpecialAVX2(t *testing.T)          { smTestExpSpecial(t, smAVX2) }
func TestExpSpecialAVX512(t *testing.T)        { smTestExpSpecial(t, smAVX512) }
func TestExpLengthsAVX2(t *testing.T)          { smTestExpLengths(t, smAVX2) }
func TestExpLengthsAVX512(t *testing.T)        { smTestExpLengths(t, smAVX512) }
func TestExpSweepAVX2(t *testing.T)            { smTestExpSweep(t, smAVX2) }
func TestExpSweepAVX512(t *testing.T)          { smTestExpSweep(t, smAVX512) }
func TestExpScalingEdgesAVX2(t *testing.T)     { smTestExpScalingEdges(t, smAVX2) }
func TestExpScalingEdgesAVX512(t *testing.T)   { smTestExpScalingEdges(t, smAVX512) }
func TestExpExhaustiveAVX2(t *testing.T)       { smTestExpExhaustive(t, smAVX2) }
func TestExpExhaustiveAVX512(t *testing.T)     { smTestExpExhaustive(t, smAVX512) }
func TestMaxAVX2(t *testing.T)                 { smTestMax(t, smAVX2) }
func TestMaxAVX512(t *testing.T)               { smTestMax(t, smAVX512) }
func TestExpShiftSumAVX2(t *testing.T)         { smTestExpShiftSum(t, smAVX2) }
func TestExpShiftSumAVX512(t *testing.T)       { smTestExpShiftSum(t, smAVX512) }
func TestScaleAVX2(t *testing.T)               { smTestScale(t, smAVX2) }
func TestScaleAVX512(t *testing.T)             { smTestScale(t, smAVX512) }
func TestShiftSubAVX2(t *testing.T)            { smTestShiftSub(t, smAVX2) }
func TestShiftSubAVX512(t *testing.T)          { smTestShiftSub(t, smAVX512) }
func TestSoftmaxGuardPagesAVX2(t *testing.T)   { smTestGuardPages(t, smAVX2) }
func TestSoftmaxGuardPagesAVX512(t *testing.T) { smTestGuardPages(t, smAVX512) }

// ---------------------------------------------------------------------------
// Benchmarks, reported in elements per nanosecond.

func smPerNS(b *testing.B, n int) {
	b.ReportMetric(float64(n)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "elem/ns")
}

func smBenchExp(b *testing.B, k *smKernels) {
	smNeed(b, k)
	const n = 4096
	src, dst := make([]float32, n), make([]float32, n)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range src {
		src[i] = float32(rng.Float64()*40 - 20)
	}
	b.SetBytes(4 * n)
	for b.Loop() {
		k.exp(dst, src)
	}
	smPerNS(b, n)
}

func BenchmarkExpAVX2(b *testing.B)   { smBenchExp(b, smAVX2) }
func BenchmarkExpAVX512(b *testing.B) { smBenchExp(b, smAVX512) }

// BenchmarkExpGeneric is the pure-Go baseline.
func BenchmarkExpGeneric(b *testing.B) {
	smBenchExp(b, &smKernels{name: "generic", supported: true, exp: fallback.Exp})
}

// smSoftmaxInput returns n logits in L1 and an output slice. They are 1 KiB
// apart, 64-byte aligned, so that the 64-byte window of a partial vector's
// masked store never overlaps the next call's loads (which on Zen 4 stalls
// the load until the store retires: adjacent small allocations made the
// n=10 results bimodal).
func smSoftmaxInput(n int) (src, dst []float32) {
	rng := rand.New(rand.NewPCG(7, 7))
	stride := (n+16)/16*16 + 256 + 16
	buf := make([]float32, 2*stride+16)
	a := int((64 - uintptr(unsafe.Pointer(&buf[0]))%64) % 64 / 4)
	src, dst = buf[a:a+n:a+n], buf[a+stride:a+stride+n:a+stride+n]
	for i := range src {
		src[i] = float32(rng.NormFloat64() * 4)
	}
	return src, dst
}

// smBenchSoftmax times the kernel composition of softmax: max, exp-sum with
// store, scale.
func smBenchSoftmax(b *testing.B, k *smKernels) {
	smNeed(b, k)
	for _, n := range []int{1000, 10} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			src, dst := smSoftmaxInput(n)
			for b.Loop() {
				m := k.max(src)
				s := k.expShiftSum(dst, src, m)
				k.scale(dst, float32(1/s))
			}
			smPerNS(b, n)
		})
	}
}

func BenchmarkSoftmaxAVX2(b *testing.B)   { smBenchSoftmax(b, smAVX2) }
func BenchmarkSoftmaxAVX512(b *testing.B) { smBenchSoftmax(b, smAVX512) }

// BenchmarkSoftmaxFusedAVX2Short: the fused kernel on rows shorter than a
// vector (2..7 classes) and one vector. When the short rows went through a
// stack buffer filled element by element, they were several times slower
// than n = 8 (the vector load waited for the scalar stores); see stream in
// gen/amd64/softmax.
func BenchmarkSoftmaxFusedAVX2Short(b *testing.B) {
	smNeed(b, smAVX2)
	for _, n := range []int{2, 3, 5, 7, 8} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			src, dst := smSoftmaxInput(n)
			for b.Loop() {
				SoftmaxAVX2(dst, src)
			}
			smPerNS(b, n)
		})
	}
}

func BenchmarkSoftmaxGeneric(b *testing.B) {
	smBenchSoftmax(b, &smKernels{name: "generic", supported: true,
		max: fallback.Max, expShiftSum: fallback.ExpShiftSum, scale: fallback.Scale})
}

// BenchmarkSoftmaxSmallAVX512 places dst right after src in memory
// (layout=after), right before it (layout=before), 64 bytes after its end
// (layout=apart), or on src (layout=inplace: each call takes the softmax of
// the last, a chain of dependent calls). With one K-masked 64-byte load and
// store per call, the after and before layouts were about three times
// slower than apart on Zen 4 (see exactLoad in gen/amd64/softmax).
func BenchmarkSoftmaxSmallAVX512(b *testing.B) {
	smNeed(b, smAVX512)
	for _, n := range []int{10, 16} {
		src0, _ := smSoftmaxInput(n)
		for _, l := range []struct {
			name     string
			src, dst int // offsets in a buffer
		}{{"after", 0, n}, {"before", n, 0}, {"apart", 0, n + 16}, {"inplace", 0, 0}} {
			b.Run(fmt.Sprintf("n=%d/layout=%s", n, l.name), func(b *testing.B) {
				buf := make([]float32, 2*n+32)
				src, dst := buf[l.src:l.src+n], buf[l.dst:l.dst+n]
				copy(src, src0)
				for b.Loop() {
					SoftmaxSmallAVX512(dst, src)
				}
				smPerNS(b, n)
			})
		}
	}
}
