//go:build !purego && (linux || darwin)

package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seed7bc074a2/maxent/internal/guardmem"
)

// Tests of SoftmaxNEON and MaxExpSumNEON: bit for bit the compositions
// MaxNEON → ExpShiftSumNEON → ScaleNEON(float32(1/sum)). Under qemu-user:
// GOARCH=arm64 go test -exec qemu-aarch64-static ./asm/

// neonFusedLengths is 0..70 plus a few long lengths.
func neonFusedLengths() []int {
	return append(neonSeq(0, 70), 100, 255, 256, 257, 1000, 4099, 65536)
}

// neonFusedInput fills x according to kind: special values mixed in
// (neonSpecialMix), a +Inf or −Inf maximum, only NaNs and −Infs (m = −Inf),
// a NaN among finite logits (NaN sum), or finite logits of two ranges.
func neonFusedInput(rng *rand.Rand, x []float32, kind int) {
	switch kind {
	case 0:
		neonSpecialMix(rng, x)
	case 1: // +Inf maximum
		neonFill(rng, x, -30, 30)
		if len(x) > 0 {
			x[rng.IntN(len(x))] = neonInf
		}
	case 2: // only NaNs and −Infs: m = −Inf
		for i := range x {
			x[i] = []float32{neonNegInf, neonQNaN, neonSNaN, neonNNaN}[rng.IntN(4)]
		}
	case 3: // one NaN: sum NaN
		neonFill(rng, x, -30, 30)
		if len(x) > 0 {
			x[rng.IntN(len(x))] = neonQNaN
		}
	case 4: // wide range: many exponentials underflow
		neonFill(rng, x, -200, 200)
	default:
		neonFill(rng, x, -30, 30)
	}
}

const neonFusedKinds = 8

func TestNEONSoftmaxFused(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	for _, n := range neonFusedLengths() {
		iters := 16 * neonFusedKinds
		if n > 70 {
			iters = 4 * neonFusedKinds
		}
		if n > 300 {
			iters = 3
		}
		for iter := 0; iter < iters; iter++ {
			kind := iter % neonFusedKinds
			if n > 300 {
				kind = []int{5, 0, 4}[iter]
			}
			src := make([]float32, n)
			neonFusedInput(rng, src, kind)
			orig := append([]float32(nil), src...)
			what := fmt.Sprintf("n=%d kind=%d", n, kind)

			// The composition.
			wantM := MaxNEON(src)
			wantE := make([]float32, n)
			wantS := ExpShiftSumNEON(wantE, src, wantM)
			ScaleNEON(wantE, float32(1/wantS))
			special := math.IsInf(float64(wantM), 0)
			wantSumNil := ExpShiftSumNEON(nil, src, wantM)

			// MaxExpSum.
			m, s := MaxExpSumNEON(src)
			if math.Float32bits(m) != math.Float32bits(wantM) {
				t.Fatalf("%s: MaxExpSumNEON m = %g [%#08x], want %g [%#08x]", what, m, math.Float32bits(m), wantM, math.Float32bits(wantM))
			}
			if special {
				if math.Float64bits(s) != 0 {
					t.Fatalf("%s: MaxExpSumNEON m = %g, sum = %v, want +0", what, m, s)
				}
			} else if math.Float64bits(s) != math.Float64bits(wantSumNil) && !(s != s && wantSumNil != wantSumNil) {
				t.Fatalf("%s: MaxExpSumNEON sum = %v, want %v", what, s, wantSumNil)
			}

			// Softmax into a separate dst with guards (and an extra
			// element: len(dst) > len(src) is allowed).
			off := iter % 16
			buf, dst := neonWindow(off, n+1)
			for i := range dst {
				dst[i] = neonSentinel
			}
			m, s = SoftmaxNEON(dst, src)
			neonCheckGuards(t, what, buf, off, n+1)
			if math.Float32bits(dst[n]) != math.Float32bits(neonSentinel) {
				t.Fatalf("%s: dst[len(src)] written", what)
			}
			neonCheckFloatBits(t, what+" src unchanged", src, orig)
			if math.Float32bits(m) != math.Float32bits(wantM) {
				t.Fatalf("%s: SoftmaxNEON m = %g, want %g", what, m, wantM)
			}
			if special {
				if math.Float64bits(s) != 0 {
					t.Fatalf("%s: SoftmaxNEON m = %g, sum = %v, want +0", what, m, s)
				}
				for i := 0; i < n; i++ {
					if math.Float32bits(dst[i]) != math.Float32bits(neonSentinel) {
						t.Fatalf("%s: m = %g but dst[%d] written", what, m, i)
					}
				}
			} else {
				if math.Float64bits(s) != math.Float64bits(wantS) && !(s != s && wantS != wantS) {
					t.Fatalf("%s: SoftmaxNEON sum = %v, want %v", what, s, wantS)
				}
				if s == s {
					neonCheckFloatBits(t, what+" dst", dst[:n], wantE)
				}
			}

			// In place.
			buf, in := neonWindow(15-off, n)
			copy(in, src)
			m, s = SoftmaxNEON(in, in)
			neonCheckGuards(t, what+" in place", buf, 15-off, n)
			if math.Float32bits(m) != math.Float32bits(wantM) {
				t.Fatalf("%s in place: m = %g, want %g", what, m, wantM)
			}
			switch {
			case special:
				if math.Float64bits(s) != 0 {
					t.Fatalf("%s in place: m = %g, sum = %v, want +0", what, m, s)
				}
				neonCheckFloatBits(t, what+" in place: src untouched", in, orig)
			case math.Float64bits(s) != math.Float64bits(wantS) && !(s != s && wantS != wantS):
				t.Fatalf("%s in place: sum = %v, want %v", what, s, wantS)
			case s == s:
				neonCheckFloatBits(t, what+" in place", in, wantE)
			}
		}
	}
	if m, s := SoftmaxNEON(nil, nil); m != neonNegInf || math.Float64bits(s) != 0 {
		t.Errorf("SoftmaxNEON(nil, nil) = %g, %v; want −Inf, 0", m, s)
	}
	if m, s := MaxExpSumNEON(nil); m != neonNegInf || math.Float64bits(s) != 0 {
		t.Errorf("MaxExpSumNEON(nil) = %g, %v; want −Inf, 0", m, s)
	}
}

// neonSentinel is the value of the output elements before a call, to
// detect writes that must not happen.
const neonSentinel = float32(-12345.5)

// TestNEONFusedGuardPages runs SoftmaxNEON and MaxExpSumNEON with src and
// dst flush against PROT_NONE pages at every length 0..40, both placements,
// separate and in place.
func TestNEONFusedGuardPages(t *testing.T) {
	in, out := guardmem.New(t, 1), guardmem.New(t, 1)
	rng := rand.New(rand.NewPCG(21, 22))
	for n := 0; n <= 40; n++ {
		for _, place := range []func(*guardmem.Region, int) []float32{(*guardmem.Region).AtEnd, (*guardmem.Region).AtStart} {
			x, o := place(in, n), place(out, n)
			neonFill(rng, x, -30, 30)
			_, _ = MaxExpSumNEON(x)
			_, _ = SoftmaxNEON(o, x)
			_, _ = SoftmaxNEON(x, x)
		}
	}
}
