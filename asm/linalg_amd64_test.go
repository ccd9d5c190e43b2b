//go:build !purego && linux

package asm

import (
	"fmt"
	"github.com/seed7bc074a2/maxent/internal/guardmem"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/cpuid/v2"
	"github.com/seed7bc074a2/maxent/fallback"
)

// laKernels bundles one ISA's linear-algebra kernels for table-driven tests.
type laKernels struct {
	name      string
	ok        bool // the CPU can run them
	lanes     int
	peakFlops int
	dot       func(x, y []float32) float64
	matVec    func(y, w []float32, stride int, x, b []float32)
	addOuter  func(g []float32, stride int, alpha float32, d, x []float32)
	read      func(p []float32) float32
	rmw       func(p []float32, a float32)
	peak      func(n int) float32
}

var (
	laAVX2 = laKernels{
		name: "AVX2", ok: cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3), lanes: 8,
		peakFlops: FMAPeakFlopsPerIterAVX2,
		dot:       DotAVX2, matVec: MatVecAVX2, addOuter: AddOuterAVX2,
		read: StreamReadAVX2, rmw: StreamRMWAVX2, peak: FMAPeakAVX2,
	}
	laAVX512 = laKernels{
		name: "AVX512", ok: cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512DQ, cpuid.AVX512BW, cpuid.AVX512VL), lanes: 16,
		peakFlops: FMAPeakFlopsPerIterAVX512,
		dot:       DotAVX512, matVec: MatVecAVX512, addOuter: AddOuterAVX512,
		read: StreamReadAVX512, rmw: StreamRMWAVX512, peak: FMAPeakAVX512,
	}
)

func (k laKernels) need(tb testing.TB) {
	tb.Helper()
	if !k.ok {
		tb.Skipf("CPU lacks %s", k.name)
	}
}

// laTol is the accuracy contract: |result − exact| ≤ 1e-5·Σ|terms|.
const laTol = 1e-5

// laSentinel marks memory a kernel must not write (a NaN with a payload, so
// a write of any computed value, even a NaN, is detected bitwise).
var laSentinel = math.Float32frombits(0x7fa5a5a5)

func laFillRand(rng *rand.Rand, x []float32) {
	for i := range x {
		x[i] = rng.Float32()*2 - 1
	}
}

func laFillSentinel(x []float32) {
	for i := range x {
		x[i] = laSentinel
	}
}

func laCheckSentinel(t *testing.T, what string, x []float32) {
	t.Helper()
	for i, v := range x {
		if math.Float32bits(v) != math.Float32bits(laSentinel) {
			t.Fatalf("%s: guard element %d overwritten with %v", what, i, v)
		}
	}
}

// laExactDot returns Σ x[i]·y[i] and Σ|x[i]·y[i]| in float64 (the products of
// two float32 are exact in float64).
func laExactDot(x, y []float32) (s, abs float64) {
	for i := range x {
		p := float64(x[i]) * float64(y[i])
		s += p
		abs += math.Abs(p)
	}
	return s, abs
}

// lengths0to300 and some long ones.
var laLongLengths = []int{100_000, 1_000_003}

// laColSet samples column counts 0..300 (every count up to 40, then around
// the multiples of 8, 16, 32 and 64 that the loops change shape at).
func laColSet() []int {
	var cs []int
	for c := 0; c <= 40; c++ {
		cs = append(cs, c)
	}
	cs = append(cs, 47, 48, 49, 63, 64, 65, 95, 111, 127, 128, 129, 143, 191, 255, 256, 257, 271, 299, 300)
	return cs
}

// laMisaligned returns n floats starting off floats into a larger buffer whose
// other elements are laSentinel, and the buffer.
func laMisaligned(n, off int) (x, buf []float32) {
	buf = make([]float32, n+off+17)
	laFillSentinel(buf)
	return buf[off : off+n : off+n], buf
}

// ---- Dot ----

func TestDotAVX2(t *testing.T)   { laTestDot(t, laAVX2) }
func TestDotAVX512(t *testing.T) { laTestDot(t, laAVX512) }

func laCheckDot(t *testing.T, k laKernels, x, y []float32, what string) (relErr float64) {
	t.Helper()
	got := k.dot(x, y)
	exact, abs := laExactDot(x, y)
	if abs > 0 {
		relErr = math.Abs(got-exact) / abs
	}
	if err := math.Abs(got - exact); !(err <= laTol*abs) {
		t.Fatalf("Dot%s %s n=%d: got %v, want %v (err %.3g, tol %.3g)", k.name, what, len(x), got, exact, err, laTol*abs)
	}
	fb := float64(fallback.Dot(x, y))
	if err := math.Abs(got - fb); !(err <= 2*laTol*abs+0x1p-24*math.Abs(exact)) {
		t.Fatalf("Dot%s %s n=%d: got %v, fallback %v", k.name, what, len(x), got, fb)
	}
	return relErr
}

func laTestDot(t *testing.T, k laKernels) {
	k.need(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 300; n++ {
		for off := 0; off < 16; off++ {
			x, xb := laMisaligned(n, off)
			y, yb := laMisaligned(n, (off*7+3)%16)
			laFillRand(rng, x)
			laFillRand(rng, y)
			laCheckDot(t, k, x, y, fmt.Sprintf("off=%d", off))
			_, _ = xb, yb // NaN sentinels around x and y poison any over-read
		}
	}
	// len(y) > len(x): only len(x) elements count.
	x, y := make([]float32, 37), make([]float32, 60)
	laFillRand(rng, x)
	laFillRand(rng, y)
	for i := 37; i < 60; i++ {
		y[i] = float32(math.NaN())
	}
	laCheckDot(t, k, x, y, "long y")

	for _, n := range laLongLengths {
		x, y := make([]float32, n), make([]float32, n)
		laFillRand(rng, x)
		laFillRand(rng, y)
		e1 := laCheckDot(t, k, x, y, "uniform")
		for i := range x {
			x[i], y[i] = rng.Float32(), rng.Float32()
		}
		e2 := laCheckDot(t, k, x, y, "positive")
		// A constant product: plain float32 accumulation drifts far beyond
		// 1e-5 here; the float64 flushes must keep it exact-ish.
		for i := range x {
			x[i], y[i] = 0.1, 1
		}
		e3 := laCheckDot(t, k, x, y, "constant")
		t.Logf("n=%d: |err|/Σ|terms| = %.2g (uniform), %.2g (positive), %.2g (constant)", n, e1, e2, e3)
	}
}

// ---- MatVec ----

func TestMatVecAVX2(t *testing.T)   { laTestMatVec(t, laAVX2) }
func TestMatVecAVX512(t *testing.T) { laTestMatVec(t, laAVX512) }

// laMatVecCase runs one MatVec with every input and output embedded in
// laSentinel-filled buffers (W's stride padding included) and checks the
// result against the float64 oracle and the fallback.
func laMatVecCase(t *testing.T, k laKernels, rng *rand.Rand, rows, cols, stride, woff int, bias string) {
	t.Helper()
	wlen := 0
	if rows > 0 {
		wlen = (rows-1)*stride + cols
	}
	w, _ := laMisaligned(wlen, woff)
	for i := 0; i < rows; i++ {
		laFillRand(rng, w[i*stride:i*stride+cols])
	}
	x, _ := laMisaligned(cols, (woff+5)%16)
	laFillRand(rng, x)
	y, ybuf := laMisaligned(rows, 1+woff%16)
	var b []float32
	switch bias {
	case "bias":
		b, _ = laMisaligned(rows, (woff+9)%16)
		laFillRand(rng, b)
	case "alias":
		laFillRand(rng, y)
		b = y
	case "empty":
		b = []float32{}
	}
	bcopy := append([]float32(nil), b...)
	k.matVec(y, w, stride, x, b)
	laCheckSentinel(t, "y before", ybuf[:1+woff%16])
	laCheckSentinel(t, "y after", ybuf[1+woff%16+rows:])

	yf := make([]float32, rows)
	var bf []float32
	if len(bcopy) > 0 {
		bf = bcopy
	}
	fallback.MatVec(yf, w, stride, x, bf)
	for i := 0; i < rows; i++ {
		exact, abs := laExactDot(w[i*stride:i*stride+cols], x)
		if len(bcopy) > 0 {
			exact += float64(bcopy[i])
			abs += math.Abs(float64(bcopy[i]))
		}
		got := float64(y[i])
		if err := math.Abs(got - exact); !(err <= laTol*abs) {
			t.Fatalf("MatVec%s rows=%d cols=%d stride=%d %s: y[%d] = %v, want %v (err %.3g, tol %.3g)",
				k.name, rows, cols, stride, bias, i, got, exact, err, laTol*abs)
		}
		if err := math.Abs(got - float64(yf[i])); !(err <= 2*laTol*abs) {
			t.Fatalf("MatVec%s rows=%d cols=%d %s: y[%d] = %v, fallback %v", k.name, rows, cols, bias, i, got, yf[i])
		}
	}
}

func laTestMatVec(t *testing.T, k laKernels) {
	k.need(t)
	rng := rand.New(rand.NewPCG(3, 4))
	biases := []string{"none", "bias", "alias"}
	for rows := 0; rows <= 20; rows++ {
		for ci, cols := range laColSet() {
			for ei, extra := range []int{0, 1, 3, 17} {
				bias := biases[(rows+ci+ei)%3]
				laMatVecCase(t, k, rng, rows, cols, cols+extra, (rows+ci+ei)%16, bias)
			}
		}
	}
	// len(b) == 0 but not nil.
	laMatVecCase(t, k, rng, 5, 33, 33, 3, "empty")
	for _, c := range []struct{ rows, cols, stride int }{{3, 100_003, 100_010}, {9, 65_537, 65_541}, {1, 1_000_003, 1_000_003}, {2, 500_001, 500_011}} {
		laMatVecCase(t, k, rng, c.rows, c.cols, c.stride, 7, "bias")
	}
}

// ---- AddOuter ----

func TestAddOuterAVX2(t *testing.T)   { laTestAddOuter(t, laAVX2) }
func TestAddOuterAVX512(t *testing.T) { laTestAddOuter(t, laAVX512) }

func laAddOuterCase(t *testing.T, k laKernels, rng *rand.Rand, rows, cols, stride, off int) {
	t.Helper()
	glen := 0
	if rows > 0 {
		glen = (rows-1)*stride + cols
	}
	g, gbuf := laMisaligned(glen, off)
	laFillRand(rng, gbuf) // padding holds ordinary values that must stay bit-identical
	orig := append([]float32(nil), gbuf...)
	d, _ := laMisaligned(rows, (off+3)%16)
	laFillRand(rng, d)
	x, _ := laMisaligned(cols, (off+11)%16)
	laFillRand(rng, x)
	alpha := rng.Float32()*4 - 2

	k.addOuter(g, stride, alpha, d, x)
	gf := make([]float32, len(orig))
	copy(gf, orig)
	fallback.AddOuter(gf[off:off+glen], stride, alpha, d, x)

	for p := range gbuf {
		j := p - off
		inside := j >= 0 && j < glen && j%stride < cols
		if !inside {
			if math.Float32bits(gbuf[p]) != math.Float32bits(orig[p]) {
				t.Fatalf("AddOuter%s rows=%d cols=%d stride=%d: element %d outside the matrix changed", k.name, rows, cols, stride, j)
			}
			continue
		}
		i, c := j/stride, j%stride
		a := alpha * d[i]
		terms := math.Abs(float64(orig[p])) + math.Abs(float64(a)*float64(x[c]))
		exact := float64(orig[p]) + float64(a)*float64(x[c])
		got := float64(gbuf[p])
		// One FMA: correctly rounded.
		if err := math.Abs(got - exact); !(err <= 0x1p-24*terms) {
			t.Fatalf("AddOuter%s rows=%d cols=%d stride=%d: g[%d,%d] = %v, want %v", k.name, rows, cols, stride, i, c, got, exact)
		}
		if err := math.Abs(got - float64(gf[p])); !(err <= laTol*terms) {
			t.Fatalf("AddOuter%s: g[%d,%d] = %v, fallback %v", k.name, i, c, got, gf[p])
		}
	}
}

func laTestAddOuter(t *testing.T, k laKernels) {
	k.need(t)
	rng := rand.New(rand.NewPCG(5, 6))
	for rows := 0; rows <= 20; rows++ {
		for ci, cols := range laColSet() {
			for ei, extra := range []int{0, 1, 3, 17} {
				laAddOuterCase(t, k, rng, rows, cols, cols+extra, (rows+ci+ei)%16)
			}
		}
	}
	laAddOuterCase(t, k, rng, 3, 100_003, 100_010, 5)
	laAddOuterCase(t, k, rng, 1, 1_000_003, 1_000_003, 9)
}

// ---- special values ----

func TestSpecialAVX2(t *testing.T)   { laTestSpecial(t, laAVX2) }
func TestSpecialAVX512(t *testing.T) { laTestSpecial(t, laAVX512) }

// laSameClass reports whether got is acceptable where the fallback gives want:
// NaN for NaN, the same infinity for an infinity, a finite value otherwise.
func laSameClass(got, want float64) bool {
	switch {
	case math.IsNaN(want):
		return math.IsNaN(got)
	case math.IsInf(want, 0):
		return got == want
	}
	return !math.IsNaN(got) && !math.IsInf(got, 0)
}

func laTestSpecial(t *testing.T, k laKernels) {
	k.need(t)
	rng := rand.New(rand.NewPCG(7, 8))
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	specials := []float32{nan, inf, -inf, 0}
	for _, n := range []int{1, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65, 100, 129, 300, 1000, 5000} {
		for trial := 0; trial < 20; trial++ {
			x, y := make([]float32, n), make([]float32, n)
			laFillRand(rng, x)
			laFillRand(rng, y)
			for s := 0; s < 1+trial%3; s++ {
				v := specials[rng.IntN(len(specials))]
				if rng.IntN(2) == 0 {
					x[rng.IntN(n)] = v
				} else {
					y[rng.IntN(n)] = v
				}
			}
			if trial == 0 { // 0·Inf at the last (tail) element
				x[n-1], y[n-1] = 0, inf
			}
			got, want := k.dot(x, y), float64(fallback.Dot(x, y))
			if !laSameClass(got, want) {
				t.Fatalf("Dot%s n=%d trial %d: got %v, fallback %v", k.name, n, trial, got, want)
			}
			// MatVec: the same vector as row r of a 3-row matrix.
			w := make([]float32, 3*n)
			laFillRand(rng, w)
			r := trial % 3
			copy(w[r*n:], x)
			yv, yf := make([]float32, 3), make([]float32, 3)
			b := []float32{1, inf, 2}
			if trial%2 == 0 {
				b = nil
			}
			k.matVec(yv, w, n, y, b)
			fallback.MatVec(yf, w, n, y, b)
			for i := range yv {
				if !laSameClass(float64(yv[i]), float64(yf[i])) {
					t.Fatalf("MatVec%s n=%d trial %d: y[%d] = %v, fallback %v", k.name, n, trial, i, yv[i], yf[i])
				}
			}
			// AddOuter: d = [0, NaN, 1, Inf, x[..]] against x with specials.
			d := []float32{0, nan, 1, -inf, x[0]}
			g, gf := make([]float32, len(d)*n), make([]float32, len(d)*n)
			laFillRand(rng, g)
			g[rng.IntN(len(g))] = specials[rng.IntN(3)]
			copy(gf, g)
			alpha := []float32{0, 1, -0.5, inf}[trial%4]
			k.addOuter(g, n, alpha, d, y)
			fallback.AddOuter(gf, n, alpha, d, y)
			for i := range g {
				if !laSameClass(float64(g[i]), float64(gf[i])) {
					t.Fatalf("AddOuter%s n=%d alpha=%v: g[%d] = %v, fallback %v", k.name, n, alpha, i, g[i], gf[i])
				}
			}
		}
	}
	// No shortcut for a zero alpha·d[i]: 0·Inf must give NaN, everywhere in the row.
	for _, n := range []int{1, 5, 16, 40, 77} {
		x := make([]float32, n)
		for i := range x {
			x[i] = inf
		}
		g := make([]float32, n)
		k.addOuter(g, n, 0, []float32{3}, x)
		for i, v := range g {
			if !math.IsNaN(float64(v)) {
				t.Fatalf("AddOuter%s n=%d: alpha=0, x=Inf gives g[%d] = %v, want NaN", k.name, n, i, v)
			}
		}
	}
}

// ---- streaming and peak kernels ----

func TestStreamAVX2(t *testing.T)   { laTestStream(t, laAVX2) }
func TestStreamAVX512(t *testing.T) { laTestStream(t, laAVX512) }

func laTestStream(t *testing.T, k laKernels) {
	k.need(t)
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range append(laSeq(0, 300), 4099, 100_003) {
		for off := 0; off < 16; off += 1 + 4*(n/301) {
			p, buf := laMisaligned(n, off)
			laFillRand(rng, p)
			var want, abs float64
			for _, v := range p {
				want += float64(v)
				abs += math.Abs(float64(v))
			}
			got := float64(k.read(p))
			if err := math.Abs(got - want); !(err <= 1e-4*abs+1e-6) {
				t.Fatalf("StreamRead%s n=%d: got %v, want %v", k.name, n, got, want)
			}
			orig := append([]float32(nil), p...)
			a := rng.Float32()
			k.rmw(p, a)
			for i := range p {
				if p[i] != orig[i]+a {
					t.Fatalf("StreamRMW%s n=%d: p[%d] = %v, want %v", k.name, n, i, p[i], orig[i]+a)
				}
			}
			laCheckSentinel(t, "StreamRMW before", buf[:off])
			laCheckSentinel(t, "StreamRMW after", buf[off+n:])
		}
	}
	for _, n := range []int{-3, 0, 1, 2, 1000} {
		want := float32(0)
		if n > 0 {
			want = float32(float64(n) * float64(k.peakFlops) * 0x1p-21)
		}
		if got := k.peak(n); got != want {
			t.Fatalf("FMAPeak%s(%d) = %v, want %v (flops per iteration %d)", k.name, n, got, want, k.peakFlops)
		}
	}
}

func laSeq(lo, hi int) []int {
	var s []int
	for i := lo; i <= hi; i++ {
		s = append(s, i)
	}
	return s
}

// ---- guard pages ----

func TestGuardPagesAVX2(t *testing.T)   { laTestGuardPages(t, laAVX2) }
func TestGuardPagesAVX512(t *testing.T) { laTestGuardPages(t, laAVX512) }

// laTestGuardPages places every input and output flush against a PROT_NONE
// page, at the start and at the end: an access outside the slices crashes.
func laTestGuardPages(t *testing.T, k laKernels) {
	k.need(t)
	in1, in2, in3, out := guardmem.New(t, 2), guardmem.New(t, 2), guardmem.New(t, 2), guardmem.New(t, 2)
	rng := rand.New(rand.NewPCG(11, 12))
	places := []func(*guardmem.Region, int) []float32{(*guardmem.Region).AtEnd, (*guardmem.Region).AtStart}
	for n := 0; n <= 300; n++ {
		for _, place := range places {
			x, y, o := place(in1, n), place(in2, n), place(out, n)
			laFillRand(rng, x)
			laFillRand(rng, y)
			laFillRand(rng, o)
			laCheckDot(t, k, x, y, "guarded")
			_ = k.read(x)
			k.rmw(o, 1)
			k.addOuter(o, n, 0.5, []float32{1}, x)
		}
	}
	for rows := 0; rows <= 12; rows++ {
		for cols := 0; cols <= 70; cols++ {
			stride := cols + 3
			wlen := 0
			if rows > 0 {
				wlen = (rows-1)*stride + cols
			}
			for _, place := range places {
				w, x, b, y := place(in1, wlen), place(in2, cols), place(in3, rows), place(out, rows)
				laFillRand(rng, w)
				laFillRand(rng, x)
				laFillRand(rng, b)
				k.matVec(y, w, stride, x, b)
				k.matVec(y, w, stride, x, nil)
				d := place(in3, rows)
				k.addOuter(place(out, wlen), stride, 0.25, d, x)
			}
		}
	}
}

// ---- benchmarks (quick ceilings; the full suite is in bench/) ----

func laBenchISAs(b *testing.B) []laKernels {
	var ks []laKernels
	for _, k := range []laKernels{laAVX2, laAVX512} {
		if k.ok {
			ks = append(ks, k)
		}
	}
	if len(ks) == 0 {
		b.Skip("no AVX2")
	}
	return ks
}

var laSink64 float64
var laSink32 float32

func BenchmarkMatVec(b *testing.B) {
	for _, k := range laBenchISAs(b) {
		for _, sz := range []struct{ rows, cols int }{{10, 784}, {1000, 4096}} {
			w := make([]float32, sz.rows*sz.cols)
			x, y, bias := make([]float32, sz.cols), make([]float32, sz.rows), make([]float32, sz.rows)
			laFillRand(rand.New(rand.NewPCG(1, 1)), w)
			b.Run(fmt.Sprintf("isa=%s/k=%d/m=%d", k.name, sz.rows, sz.cols), func(b *testing.B) {
				b.SetBytes(int64(4 * len(w)))
				for b.Loop() {
					k.matVec(y, w, sz.cols, x, bias)
				}
			})
			b.Run(fmt.Sprintf("isa=%s/k=%d/m=%d/op=streamread", k.name, sz.rows, sz.cols), func(b *testing.B) {
				b.SetBytes(int64(4 * len(w)))
				for b.Loop() {
					laSink32 += k.read(w)
				}
			})
		}
	}
}

func BenchmarkAddOuter(b *testing.B) {
	for _, k := range laBenchISAs(b) {
		for _, sz := range []struct{ rows, cols int }{{10, 784}, {1000, 4096}} {
			g := make([]float32, sz.rows*sz.cols)
			x, d := make([]float32, sz.cols), make([]float32, sz.rows)
			b.Run(fmt.Sprintf("isa=%s/k=%d/m=%d", k.name, sz.rows, sz.cols), func(b *testing.B) {
				b.SetBytes(int64(4 * len(g)))
				for b.Loop() {
					k.addOuter(g, sz.cols, 0.001, d, x)
				}
			})
			b.Run(fmt.Sprintf("isa=%s/k=%d/m=%d/op=streamrmw", k.name, sz.rows, sz.cols), func(b *testing.B) {
				b.SetBytes(int64(4 * len(g)))
				for b.Loop() {
					k.rmw(g, 0)
				}
			})
		}
	}
}

func BenchmarkDot(b *testing.B) {
	for _, n := range []int{784, 4096, 100_000} {
		x, y := make([]float32, n), make([]float32, n)
		laFillRand(rand.New(rand.NewPCG(1, 1)), x)
		laFillRand(rand.New(rand.NewPCG(2, 1)), y)
		for _, k := range laBenchISAs(b) {
			b.Run(fmt.Sprintf("isa=%s/n=%d", k.name, n), func(b *testing.B) {
				b.SetBytes(int64(8 * n))
				for b.Loop() {
					laSink64 += k.dot(x, y)
				}
			})
		}
		b.Run(fmt.Sprintf("isa=fallback/n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				laSink32 += fallback.Dot(x, y)
			}
		})
	}
}

func BenchmarkFMAPeak(b *testing.B) {
	for _, k := range laBenchISAs(b) {
		b.Run("isa="+k.name, func(b *testing.B) {
			const iters = 1000
			for b.Loop() {
				laSink32 += k.peak(iters)
			}
			b.ReportMetric(float64(iters*k.peakFlops)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gflop/s")
		})
	}
}
