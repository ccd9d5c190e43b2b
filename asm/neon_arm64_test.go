//go:build !purego && (linux || darwin)

package asm

import (
	"fmt"
	"github.com/seed7bc074a2/maxent/internal/guardmem"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/seed7bc074a2/maxent/fallback"
)

// Tests of the NEON kernels of neon_arm64.s. On amd64 hosts they run under
// qemu-user: GOARCH=arm64 go test -exec qemu-aarch64-static ./asm/

var (
	neonInf    = float32(math.Inf(1))
	neonNegInf = float32(math.Inf(-1))
	neonQNaN   = math.Float32frombits(0x7fc00000)
	neonSNaN   = math.Float32frombits(0x7f800001) // signaling, payload 1
	neonNNaN   = math.Float32frombits(0xffc12345) // negative quiet NaN with payload
	// neonGuard is the value of the elements around every output window.
	neonGuard = math.Float32frombits(0x7fbadbad)
)

// ---------------------------------------------------------------------------
// Helpers.

// neonWindow returns a buffer with n usable elements starting at off (the
// first element of s is buf[off]), every other element set to neonGuard.
func neonWindow(off, n int) (buf, s []float32) {
	buf = make([]float32, off+n+17)
	for i := range buf {
		buf[i] = neonGuard
	}
	return buf, buf[off : off+n : off+n]
}

// neonCheckGuards fails if an element of buf outside [off, off+n) changed.
func neonCheckGuards(t *testing.T, what string, buf []float32, off, n int) {
	t.Helper()
	for i, v := range buf {
		if (i < off || i >= off+n) && math.Float32bits(v) != math.Float32bits(neonGuard) {
			t.Fatalf("%s: element %d outside the output [%d,%d) was written: %#08x", what, i, off, off+n, math.Float32bits(v))
		}
	}
}

// neonOffsets is every misalignment 0..15 for short lengths and two for the
// long ones.
func neonOffsets(n int) []int {
	if n > 300 {
		return []int{0, 5}
	}
	return []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
}

func neonFill(rng *rand.Rand, x []float32, lo, hi float32) {
	for i := range x {
		x[i] = lo + rng.Float32()*(hi-lo)
	}
}

// neonLengths is 0..300 plus a few long lengths around the flush chunk
// sizes and 10^5.
func neonLengths() []int {
	var ns []int
	for n := 0; n <= 300; n++ {
		ns = append(ns, n)
	}
	return append(ns, 1007, 1008, 1009, 2031, 2032, 2033, 2047, 2048, 2049, 4099, 100_000)
}

func neonSeq(lo, hi int) []int {
	var s []int
	for i := lo; i <= hi; i++ {
		s = append(s, i)
	}
	return s
}

// neonExactDot returns Σ x[i]·y[i] (products exact in float64, summed in
// float64) and Σ|x[i]·y[i]|.
func neonExactDot(x, y []float32) (s, abs float64) {
	for i := range x {
		p := float64(x[i]) * float64(y[i])
		s += p
		abs += math.Abs(p)
	}
	return s, abs
}

// neonULP returns |y − e^x| in ULPs of the correctly rounded float32 e^x.
func neonULP(x, y float32) float64 {
	ex := math.Exp(float64(x))
	e := int(math.Float32bits(float32(ex))>>23) & 0xff
	ulp := math.Ldexp(1, e-127-23)
	return math.Abs(float64(y)-ex) / ulp
}

func neonIsNormal(y float32) bool {
	e := math.Float32bits(y) >> 23 & 0xff
	return e != 0 && e != 0xff
}

func neonIsSubnormal(y float32) bool {
	b := math.Float32bits(y) & 0x7fffffff
	return b != 0 && b < 0x00800000
}

// neonSpecials are the special inputs every element-wise kernel sees.
func neonSpecials() []float32 {
	return []float32{0, float32(math.Copysign(0, -1)), 1, -1, neonInf, neonNegInf, neonQNaN, neonSNaN, neonNNaN,
		fallback.ExpMinInput, fallback.ExpMaxInput,
		math.Nextafter32(fallback.ExpMinInput, neonNegInf), math.Nextafter32(fallback.ExpMaxInput, neonInf),
		math.Nextafter32(fallback.ExpMinInput, neonInf), math.Nextafter32(fallback.ExpMaxInput, neonNegInf),
		math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
		0x1p-126, -0x1p-126, 1e-30, -1e-30, 88, -87, 100, -100, 1e30, -1e30,
		float32(-126 * math.Ln2), float32(128 * math.Ln2), float32(127.5 * math.Ln2), float32(-125.5 * math.Ln2)}
}

// ---------------------------------------------------------------------------
// Dot.

func neonCheckDot(t *testing.T, what string, x, y []float32) {
	t.Helper()
	got := DotNEON(x, y)
	want, abs := neonExactDot(x, y)
	if math.Abs(got-want) > 1e-5*abs {
		t.Fatalf("%s: DotNEON = %.17g, want %.17g (error %.3g·Σ|terms|)", what, got, want, math.Abs(got-want)/abs)
	}
}

func TestNEONDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range neonLengths() {
		for _, off := range neonOffsets(n) {
			xb, yb := make([]float32, n+off+8), make([]float32, n+2*off+8)
			x, y := xb[off:off+n], yb[2*off:2*off+n+3] // len(y) > len(x) is allowed
			neonFill(rng, xb, -2, 2)
			neonFill(rng, yb, -2, 2)
			neonCheckDot(t, fmt.Sprintf("n=%d off=%d", n, off), x, y)
		}
	}
	// Same-sign terms of very different sizes (worst case for float32
	// accumulation): the float64 flushing must keep the error bounded.
	for _, n := range []int{127, 128, 129, 2048, 2049, 100_000} {
		x, y := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = 1 + rng.Float32()
			y[i] = float32(math.Ldexp(1, rng.IntN(20)-10))
		}
		neonCheckDot(t, fmt.Sprintf("positive n=%d", n), x, y)
	}
	// One large term per lane, then many terms just below half an ULP of
	// the partial sum: each float32 addition loses the whole term, so
	// without flushing into float64 every ≤ 128 terms per lane the error
	// grows far beyond 1e-5·Σ|terms|.
	for _, n := range []int{2048, 2049, 100_000} {
		x, y := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], y[i] = 1, 2.4e-4
			if i < 16 {
				y[i] = 4096
			}
		}
		neonCheckDot(t, fmt.Sprintf("big then small n=%d", n), x, y)
	}
	// Special values propagate as in float64.
	for _, sp := range []float32{neonInf, neonNegInf, neonQNaN} {
		for _, n := range []int{1, 5, 17, 100} {
			for pos := 0; pos < n; pos += 3 {
				x, y := make([]float32, n), make([]float32, n)
				neonFill(rng, x, -1, 1)
				neonFill(rng, y, 0.5, 1)
				x[pos] = sp
				got := DotNEON(x, y)
				want, _ := neonExactDot(x, y)
				if !(math.IsNaN(got) && math.IsNaN(want)) && got != want {
					t.Fatalf("special %g at %d of %d: got %g, want %g", sp, pos, n, got, want)
				}
			}
		}
	}
	// Inf·0 gives NaN.
	if got := DotNEON([]float32{neonInf, 1}, []float32{0, 1}); !math.IsNaN(got) {
		t.Errorf("Dot(Inf·0) = %g, want NaN", got)
	}
}

// ---------------------------------------------------------------------------
// MatVec.

func neonMatVecCase(t *testing.T, rng *rand.Rand, rows, cols, stride, woff int, bias string) {
	t.Helper()
	what := fmt.Sprintf("rows=%d cols=%d stride=%d woff=%d bias=%s", rows, cols, stride, woff, bias)
	need := 0
	if rows > 0 {
		need = (rows-1)*stride + cols
	}
	wbuf := make([]float32, woff+need)
	neonFill(rng, wbuf, -1, 1)
	w := wbuf[woff : woff+need : woff+need]
	xbuf := make([]float32, cols+woff)
	neonFill(rng, xbuf, -1, 1)
	x := xbuf[woff:]
	ybuf, y := neonWindow(woff, rows)
	var b []float32
	switch bias {
	case "yes":
		b = make([]float32, rows)
		neonFill(rng, b, -4, 4)
	case "alias":
		neonFill(rng, y, -4, 4)
		b = y
	}
	bv := append([]float32(nil), b...)
	MatVecNEON(y, w, stride, x, b)
	neonCheckGuards(t, what, ybuf, woff, rows)
	for i := 0; i < rows; i++ {
		want, abs := neonExactDot(w[i*stride:i*stride+cols], x)
		if len(bv) > 0 {
			want += float64(bv[i])
			abs += math.Abs(float64(bv[i]))
		}
		if err := math.Abs(float64(y[i]) - want); err > 1e-5*abs+0x1p-24*math.Abs(want) {
			t.Fatalf("%s: y[%d] = %.9g, want %.9g (error %.3g, Σ|terms| %.3g)", what, i, y[i], want, err, abs)
		}
	}
}

func TestNEONMatVec(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	colSet := []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 19, 23, 28, 31, 32, 33, 47, 63, 64, 65, 100, 255, 784}
	for rows := 0; rows <= 11; rows++ {
		cs := colSet
		if rows == 1 || rows == 4 || rows == 7 {
			cs = neonSeq(0, 300)
		}
		for _, cols := range cs {
			for _, extra := range []int{0, 1, 3} {
				for _, bias := range []string{"no", "yes", "alias"} {
					neonMatVecCase(t, rng, rows, cols, cols+extra, (rows+cols+extra)%4, bias)
				}
			}
		}
	}
	// Long rows: several flushes (63·16 = 1008 columns per chunk).
	for _, cols := range []int{1007, 1008, 1009, 1023, 2016, 2017, 2031, 5000} {
		for _, rows := range []int{1, 2, 3, 4, 7} {
			neonMatVecCase(t, rng, rows, cols, cols+1, 1, "yes")
		}
	}
	neonMatVecCase(t, rng, 5, 100_000, 100_003, 2, "yes")
	// Big-then-small rows (see TestNEONDot): two large products per
	// accumulator lane, then products just below half an ULP.
	for _, rows := range []int{1, 2, 4, 5} {
		cols := 50_000
		w, x := make([]float32, rows*cols), make([]float32, cols)
		for j := range x {
			x[j] = 1
		}
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				w[i*cols+j] = 4.8e-4
				if j < 16 {
					w[i*cols+j] = 4096
				}
			}
		}
		y := make([]float32, rows)
		MatVecNEON(y, w, cols, x, nil)
		for i := range y {
			want, abs := neonExactDot(w[i*cols:(i+1)*cols], x)
			if err := math.Abs(float64(y[i]) - want); err > 1e-5*abs {
				t.Fatalf("big then small rows=%d: y[%d] = %.9g, want %.9g (%.3g·Σ|terms|)", rows, i, y[i], want, err/abs)
			}
		}
	}
	// Many rows, misaligned starts.
	for woff := 1; woff < 16; woff++ {
		neonMatVecCase(t, rng, 37, 29, 31, woff, "yes")
	}
	// NaN/Inf in w reach only their row.
	w := []float32{1, 2, 3, neonInf, 1, 2, 0, 1, 1, 1, 1, 1}
	x := []float32{1, 1, 1}
	y := make([]float32, 4)
	MatVecNEON(y, w, 3, x, nil)
	if y[0] != 6 || y[1] != neonInf || y[2] != 2 || y[3] != 3 {
		t.Errorf("MatVec with Inf: got %v", y)
	}
	x[0] = 0
	MatVecNEON(y, w, 3, x, nil)
	if y[0] != 5 || !math.IsNaN(float64(y[1])) || y[2] != 2 || y[3] != 2 {
		t.Errorf("MatVec with Inf·0: got %v", y)
	}
}

// ---------------------------------------------------------------------------
// AddOuter.

func neonAddOuterCase(t *testing.T, rng *rand.Rand, rows, cols, stride, off int, alpha float32) {
	t.Helper()
	what := fmt.Sprintf("rows=%d cols=%d stride=%d off=%d alpha=%g", rows, cols, stride, off, alpha)
	need := 0
	if rows > 0 {
		need = (rows-1)*stride + cols
	}
	gbuf, g := neonWindow(off, need)
	for i := 0; i < rows; i++ {
		neonFill(rng, g[i*stride:i*stride+cols], -1, 1) // the gaps keep neonGuard
	}
	g0 := append([]float32(nil), g...)
	d, x := make([]float32, rows), make([]float32, cols+off)
	neonFill(rng, d, -2, 2)
	neonFill(rng, x, -2, 2)
	x = x[off:]
	AddOuterNEON(g, stride, alpha, d, x)
	neonCheckGuards(t, what, gbuf, off, need)
	for i := 0; i < rows; i++ {
		a := alpha * d[i]
		for j := 0; j < stride && i*stride+j < need; j++ {
			k := i*stride + j
			want := g0[k] // the gap between rows stays untouched
			if j < cols {
				want = fallback.FMA32(a, x[j], g0[k])
			}
			if math.Float32bits(g[k]) != math.Float32bits(want) {
				t.Fatalf("%s: g[%d][%d] = %.9g, want fma = %.9g", what, i, j, g[k], want)
			}
			if j < cols {
				exact := float64(g0[k]) + float64(alpha)*float64(d[i])*float64(x[j])
				if err := math.Abs(float64(g[k]) - exact); err > 1e-5*(math.Abs(float64(g0[k]))+math.Abs(float64(a)*float64(x[j]))) {
					t.Fatalf("%s: g[%d][%d] = %.9g, oracle %.9g", what, i, j, g[k], exact)
				}
			}
		}
	}
}

func TestNEONAddOuter(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	colSet := []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 19, 23, 28, 31, 32, 33, 47, 63, 64, 65, 100, 255}
	for rows := 0; rows <= 11; rows++ {
		cs := colSet
		if rows == 1 || rows == 4 || rows == 7 {
			cs = neonSeq(0, 300)
		}
		for _, cols := range cs {
			for _, extra := range []int{0, 1, 3} {
				neonAddOuterCase(t, rng, rows, cols, cols+extra, (rows+cols)%16, 0.37)
			}
		}
	}
	for off := 1; off < 16; off++ {
		neonAddOuterCase(t, rng, 9, 37, 41, off, -1.5)
	}
	neonAddOuterCase(t, rng, 3, 100_000, 100_001, 3, 0.01)
	// a = 0 is not skipped: 0·Inf = NaN.
	g := []float32{1, 2, 3, 4, 5}
	AddOuterNEON(g, 5, 0, []float32{1}, []float32{neonInf, 1, 1, neonQNaN, 1})
	if !math.IsNaN(float64(g[0])) || g[1] != 2 || g[2] != 3 || !math.IsNaN(float64(g[3])) || g[4] != 5 {
		t.Errorf("AddOuter with a = 0: got %v", g)
	}
}

// ---------------------------------------------------------------------------
// Exp.

func neonCheckExpBits(t *testing.T, what string, src, got []float32) {
	t.Helper()
	for i, x := range src {
		if want := fallback.ExpFMARef(x); math.Float32bits(got[i]) != math.Float32bits(want) {
			t.Fatalf("%s: exp(%g [%#08x]) at %d = %#08x, want %#08x", what, x, math.Float32bits(x), i, math.Float32bits(got[i]), math.Float32bits(want))
		}
	}
}

func TestNEONExpSpecial(t *testing.T) {
	sp := neonSpecials()
	got := make([]float32, len(sp))
	ExpNEON(got, sp)
	for i, x := range sp {
		y := got[i]
		want := fallback.Exp32(x)
		switch {
		case x != x:
			if math.Float32bits(y) != math.Float32bits(x) {
				t.Errorf("exp(NaN %#08x) = %#08x, want the same NaN", math.Float32bits(x), math.Float32bits(y))
			}
		case x > fallback.ExpMaxInput:
			if y != neonInf {
				t.Errorf("exp(%g) = %g, want +Inf", x, y)
			}
		case x < fallback.ExpMinInput:
			if math.Float32bits(y) != 0 {
				t.Errorf("exp(%g) = %g (%#08x), want +0", x, y, math.Float32bits(y))
			}
		case x == 0:
			if y != 1 {
				t.Errorf("exp(%g) = %g, want 1 exactly", x, y)
			}
		default:
			if !neonIsNormal(y) || neonULP(x, y) > 1 {
				t.Errorf("exp(%g) = %g (fallback %g): %.3f ULP", x, y, want, neonULP(x, y))
			}
		}
	}
	neonCheckExpBits(t, "specials", sp, got)
	// Each special in every lane position and tail position.
	for n := 1; n <= 19; n++ {
		for pos := 0; pos < n; pos++ {
			for _, s := range sp {
				src := make([]float32, n)
				for i := range src {
					src[i] = float32(i) - 3.5
				}
				src[pos] = s
				dst := make([]float32, n)
				ExpNEON(dst, src)
				neonCheckExpBits(t, fmt.Sprintf("n=%d pos=%d", n, pos), src, dst)
			}
		}
	}
}

func TestNEONExpLengths(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range neonLengths() {
		for _, off := range neonOffsets(n) {
			src := make([]float32, n+off)
			neonFill(rng, src, -100, 100)
			src = src[off:]
			buf, dst := neonWindow((off*7)%16, n)
			ExpNEON(dst, src)
			neonCheckGuards(t, fmt.Sprintf("n=%d off=%d", n, off), buf, (off*7)%16, n)
			neonCheckExpBits(t, fmt.Sprintf("n=%d off=%d", n, off), src, dst)
			// In place, dst == src, with guards around.
			buf, inplace := neonWindow(off, n)
			copy(inplace, src)
			ExpNEON(inplace, inplace)
			neonCheckGuards(t, fmt.Sprintf("in place n=%d off=%d", n, off), buf, off, n)
			neonCheckExpBits(t, fmt.Sprintf("in place n=%d off=%d", n, off), src, inplace)
		}
	}
}

// TestNEONExpSweep checks 2·10^6 inputs evenly spaced across
// [ExpMinInput−1, ExpMaxInput+1], every input around the edges of the range
// and of the 2^n scaling, and tiny inputs: bit-identical to neonExpRef, and for in-range inputs a normal
// float32 within 1 ULP of the correctly rounded e^x.
func TestNEONExpSweep(t *testing.T) {
	const count = 2_000_000
	lo, hi := float64(fallback.ExpMinInput)-1, float64(fallback.ExpMaxInput)+1
	var xs []float32
	for i := 0; i < count; i++ {
		xs = append(xs, float32(lo+(hi-lo)*float64(i)/(count-1)))
	}
	for _, e := range []float32{fallback.ExpMinInput, fallback.ExpMaxInput, 0} {
		for d := int32(-1 << 12); d <= 1<<12; d++ {
			xs = append(xs, math.Float32frombits(uint32(int32(math.Float32bits(e))+d)))
		}
	}
	// Every input whose n = round(x·log2 e) is −126, −125, 127 or 128, where
	// the scaling by 2^n is closest to the limits of the exponent range.
	for _, r := range [][2]float32{{float32(-126.5 * math.Ln2), float32(-124.5 * math.Ln2)}, {float32(126.5 * math.Ln2), float32(128.5 * math.Ln2)}} {
		for x := r[0]; x <= r[1]; x = math.Nextafter32(x, neonInf) {
			xs = append(xs, x)
		}
	}
	// Tiny inputs of both signs (bit patterns).
	for b := uint32(0); b < 0x3f800000; b += 0x1000 {
		xs = append(xs, math.Float32frombits(b), math.Float32frombits(b|0x80000000))
	}
	ys := make([]float32, len(xs))
	type result struct {
		maxULP float64
		argMax float32
		bad    string
	}
	workers := runtime.GOMAXPROCS(0)
	res := make([]result, workers)
	var wg sync.WaitGroup
	per := (len(xs) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			lo, hi := min(w*per, len(xs)), min((w+1)*per, len(xs))
			r := &res[w]
			for b := lo; b < hi; b += 4096 {
				e := min(b+4096, hi)
				ExpNEON(ys[b:e], xs[b:e])
			}
			for i := lo; i < hi && r.bad == ""; i++ {
				x, y := xs[i], ys[i]
				if want := fallback.ExpFMARef(x); math.Float32bits(y) != math.Float32bits(want) {
					r.bad = fmt.Sprintf("exp(%g [%#08x]) = %#08x, want %#08x", x, math.Float32bits(x), math.Float32bits(y), math.Float32bits(want))
				}
				if neonIsSubnormal(y) {
					r.bad = fmt.Sprintf("exp(%g) = %g is subnormal", x, y)
				}
				if x >= fallback.ExpMinInput && x <= fallback.ExpMaxInput {
					u := neonULP(x, y)
					if u > r.maxULP {
						r.maxULP, r.argMax = u, x
					}
					if u > 1 || !neonIsNormal(y) {
						r.bad = fmt.Sprintf("exp(%g) = %g: %.4f ULP", x, y, u)
					}
				}
			}
		}(w)
	}
	wg.Wait()
	var maxULP float64
	var argMax float32
	for _, r := range res {
		if r.bad != "" {
			t.Fatal(r.bad)
		}
		if r.maxULP > maxULP {
			maxULP, argMax = r.maxULP, r.argMax
		}
	}
	t.Logf("%d inputs: max error %.4f ULP at x = %.9g", len(xs), maxULP, argMax)
}

// TestNEONExpExhaustive checks all 2^32 bit patterns against neonExpRef
// (set MAXENT_EXHAUSTIVE=1; about an hour under qemu on 2 cores).
func TestNEONExpExhaustive(t *testing.T) {
	if os.Getenv("MAXENT_EXHAUSTIVE") != "1" {
		t.Skip("set MAXENT_EXHAUSTIVE=1 to check every float32 input")
	}
	const block = 1 << 16
	workers := runtime.GOMAXPROCS(0)
	errs := make([]string, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			src, dst := make([]float32, block), make([]float32, block)
			for b := uint64(w) * block; b < 1<<32 && errs[w] == ""; b += uint64(workers) * block {
				for i := range src {
					src[i] = math.Float32frombits(uint32(b) + uint32(i))
				}
				ExpNEON(dst, src)
				for i, x := range src {
					if want := fallback.ExpFMARef(x); math.Float32bits(dst[i]) != math.Float32bits(want) {
						errs[w] = fmt.Sprintf("exp(%#08x) = %#08x, want %#08x", math.Float32bits(x), math.Float32bits(dst[i]), math.Float32bits(want))
						break
					}
				}
			}
		}(w)
	}
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Fatal(e)
		}
	}
}

// ---------------------------------------------------------------------------
// Max.

// neonSameMax reports whether got is fallback.Max's want (the sign of a
// zero maximum may differ).
func neonSameMax(got, want float32) bool {
	return math.Float32bits(got) == math.Float32bits(want) || (got == 0 && want == 0)
}

func TestNEONMax(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	specials := []float32{neonQNaN, neonSNaN, neonNNaN, neonInf, neonNegInf, 0, float32(math.Copysign(0, -1)), -math.MaxFloat32}
	for _, n := range neonLengths() {
		for _, off := range neonOffsets(n) {
			buf := make([]float32, n+off)
			neonFill(rng, buf, -1000, 1000)
			x := buf[off:]
			check := func(what string) {
				t.Helper()
				if got, want := MaxNEON(x), fallback.Max(x); !neonSameMax(got, want) {
					t.Fatalf("n=%d off=%d %s: MaxNEON = %g [%#08x], want %g", n, off, what, got, math.Float32bits(got), want)
				}
			}
			check("random")
			if n == 0 {
				continue
			}
			// The maximum at every position class.
			for _, pos := range []int{0, n - 1, n / 2, rng.IntN(n)} {
				save := x[pos]
				x[pos] = 5000
				check(fmt.Sprintf("max at %d", pos))
				x[pos] = save
			}
			if n > 40 {
				continue
			}
			for pos := 0; pos < n; pos++ {
				for _, s := range specials {
					save := x[pos]
					x[pos] = s
					check(fmt.Sprintf("%g at %d", s, pos))
					x[pos] = save
				}
			}
			// Only NaNs and −Infs; only NaNs; all negative.
			all := func(v func(i int) float32, what string) {
				old := append([]float32(nil), x...)
				for i := range x {
					x[i] = v(i)
				}
				check(what)
				copy(x, old)
			}
			all(func(i int) float32 { return []float32{neonQNaN, neonSNaN, neonNegInf, neonNNaN}[i%4] }, "NaN/−Inf")
			all(func(int) float32 { return neonSNaN }, "sNaN")
			all(func(i int) float32 { return -float32(i) - 1 }, "negative")
			all(func(i int) float32 { return []float32{0, float32(math.Copysign(0, -1))}[i%2] }, "zeros")
		}
	}
	if got := MaxNEON(nil); got != neonNegInf {
		t.Errorf("MaxNEON(nil) = %g, want −Inf", got)
	}
}

// ---------------------------------------------------------------------------
// ExpShiftSum.

func TestNEONExpShiftSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range neonLengths() {
		for _, off := range neonOffsets(n) {
			srcBuf := make([]float32, n+off)
			neonFill(rng, srcBuf, -30, 30)
			src := srcBuf[off:]
			m := fallback.Max(src)
			if n == 0 {
				m = 0
			}
			if n%5 == 1 {
				m += 3 // not the maximum: exps above 1
			}
			want := fallback.ExpShiftSum(nil, src, m)
			shifted := make([]float32, n)
			for i, v := range src {
				shifted[i] = v - m
			}
			what := fmt.Sprintf("n=%d off=%d", n, off)
			check := func(kind string, got float64) {
				t.Helper()
				if math.Abs(got-want) > 1e-6*math.Abs(want) {
					t.Fatalf("%s %s: sum = %.17g, want %.17g", what, kind, got, want)
				}
			}
			// No store.
			check("nil dst", ExpShiftSumNEON(nil, src, m))
			// Separate dst with guards.
			buf, dst := neonWindow((off*5)%16, n)
			check("dst", ExpShiftSumNEON(dst, src, m))
			neonCheckGuards(t, what, buf, (off*5)%16, n)
			neonCheckExpBits(t, what+" dst", shifted, dst)
			// In place.
			buf, in := neonWindow(off, n)
			copy(in, src)
			check("in place", ExpShiftSumNEON(in, in, m))
			neonCheckGuards(t, what+" in place", buf, off, n)
			neonCheckExpBits(t, what+" in place", shifted, in)
		}
	}
	// NaN anywhere poisons the sum; −Inf contributes 0.
	for _, n := range []int{1, 3, 4, 5, 8, 9, 13, 16, 17} {
		for pos := 0; pos < n; pos++ {
			src := make([]float32, n)
			neonFill(rng, src, -3, 0)
			src[pos] = neonQNaN
			if s := ExpShiftSumNEON(nil, src, 0); !math.IsNaN(s) {
				t.Fatalf("n=%d NaN at %d: sum %g, want NaN", n, pos, s)
			}
			src[pos] = neonNegInf
			want := fallback.ExpShiftSum(nil, src, 0)
			dst := make([]float32, n)
			if s := ExpShiftSumNEON(dst, src, 0); math.Abs(s-want) > 1e-6*want || dst[pos] != 0 {
				t.Fatalf("n=%d −Inf at %d: sum %g, want %g", n, pos, s, want)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Scale and ShiftSub: bit-identical to the fallback.

func neonSpecialMix(rng *rand.Rand, x []float32) {
	sp := neonSpecials()
	for i := range x {
		if rng.IntN(8) == 0 {
			x[i] = sp[rng.IntN(len(sp))]
		} else {
			x[i] = (rng.Float32() - 0.5) * 200
		}
	}
}

func TestNEONScale(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, n := range neonLengths() {
		for _, off := range neonOffsets(n) {
			for _, s := range []float32{0.3, -7, 0, neonInf, neonQNaN, 1e-38} {
				buf, x := neonWindow(off, n)
				neonSpecialMix(rng, x)
				want := append([]float32(nil), x...)
				fallback.Scale(want, s)
				ScaleNEON(x, s)
				what := fmt.Sprintf("n=%d off=%d s=%g", n, off, s)
				neonCheckGuards(t, what, buf, off, n)
				neonCheckFloatBits(t, what, x, want)
			}
		}
	}
}

func TestNEONShiftSub(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, n := range neonLengths() {
		for _, off := range neonOffsets(n) {
			src := make([]float32, n+off)
			neonSpecialMix(rng, src)
			src = src[off:]
			for _, ml := range [][2]float32{{3.5, 0.25}, {-100, 1e-7}, {0, 0}, {neonInf, 1}, {1, neonQNaN}} {
				m, l := ml[0], ml[1]
				want := make([]float32, n)
				fallback.ShiftSub(want, src, m, l)
				what := fmt.Sprintf("n=%d off=%d m=%g l=%g", n, off, m, l)
				buf, dst := neonWindow((off+3)%16, n)
				ShiftSubNEON(dst, src, m, l)
				neonCheckGuards(t, what, buf, (off+3)%16, n)
				neonCheckFloatBits(t, what, dst, want)
				buf, in := neonWindow(off, n)
				copy(in, src)
				ShiftSubNEON(in, in, m, l)
				neonCheckGuards(t, what+" in place", buf, off, n)
				neonCheckFloatBits(t, what+" in place", in, want)
			}
		}
	}
}

// neonCheckFloatBits requires got == want bit for bit, NaN payloads
// included (the fallback's float32 operations compile to the same scalar
// instructions, which propagate NaNs like the vector ones).
func neonCheckFloatBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: [%d] = %#08x, want %#08x", what, i, math.Float32bits(got[i]), math.Float32bits(want[i]))
		}
	}
}

// ---------------------------------------------------------------------------
// Guard pages.

// TestNEONGuardPages runs every kernel with inputs and outputs flush
// against PROT_NONE pages at every length 0..64, both placements: reading
// or writing one element outside a slice crashes the test.
func TestNEONGuardPages(t *testing.T) {
	in1, in2, out := guardmem.New(t, 1), guardmem.New(t, 1), guardmem.New(t, 1)
	big := guardmem.New(t, 4)
	rng := rand.New(rand.NewPCG(17, 18))
	for n := 0; n <= 64; n++ {
		for _, place := range []func(*guardmem.Region, int) []float32{(*guardmem.Region).AtEnd, (*guardmem.Region).AtStart} {
			x, y, o := place(in1, n), place(in2, n), place(out, n)
			neonFill(rng, x, -4, 4)
			neonFill(rng, y, -4, 4)
			_ = DotNEON(x, y)
			ExpNEON(o, x)
			ExpNEON(x, x)
			_ = MaxNEON(x)
			_ = ExpShiftSumNEON(nil, x, 1)
			_ = ExpShiftSumNEON(o, x, 1)
			_ = ExpShiftSumNEON(x, x, 1)
			ScaleNEON(o, 0.5)
			ShiftSubNEON(o, x, 1, 2)
			ShiftSubNEON(x, x, 1, 2)
			// Matrices with n columns whose first row starts at a page
			// start or whose last row ends at a page end.
			for _, rows := range []int{1, 2, 3, 4, 5, 7, 9} {
				for _, stride := range []int{n, n + 1, n + 3} {
					need := (rows-1)*stride + n
					if need == 0 {
						continue
					}
					w := place(big, need)
					neonFill(rng, w, -1, 1)
					yv, b := place(out, rows), place(in2, rows)
					MatVecNEON(yv, w, stride, x, b)
					MatVecNEON(yv, w, stride, x, nil)
					MatVecNEON(yv, w, stride, x, yv)
					AddOuterNEON(w, stride, 0.5, b, x)
				}
			}
		}
	}
}
