// Command expfit derives the constants of the shared float32 exp kernel that
// live in fallback/expconst.go, and prints them as Go source.
//
// Rerun it from the module root with
//
//	go run ./fallback/internal/expfit            # degree 6, default search
//	go run ./fallback/internal/expfit -deg 5     # show why degree 5 is not enough
//	go run ./fallback/internal/expfit -search 0  # Remez + rounding only
//	go run ./fallback/internal/expfit -plain     # textbook u = r + r²q order
//
// It needs no network and no data files, and takes well under a minute on
// two cores. It prints, in order:
//
//  1. the range-reduction constants (log2 e, the 1.5·2^23 magic bias, the
//     Cody–Waite split ln2 = Ln2Hi + Ln2Lo) and the input thresholds
//     ExpMinInput / ExpMaxInput, found by walking float32 bit patterns with
//     float64 math.Exp as the oracle;
//  2. the float64 minimax (Remez) solution for the relative error of
//     p(r) = 1 + r + r²·q(r) ≈ e^r on [−a, a], a = ln2/2 + 2^−14 (slightly
//     wider than ln2/2 to cover the rounding of x·log2e), with its
//     equioscillation error in relative units and in float32 ULPs;
//  3. the coefficients after sequential rounding to float32 (round c2, re-run
//     Remez for c3..ck with c2 fixed, round c3, ...);
//  4. the result of a coordinate search of ±search ULPs on each float32
//     coefficient, minimising the larger of the unfused and the fused
//     "pre-rounding" error (|1+u − e^x·2^−n| in ULPs of the result, where
//     1+u is the exact sum before the last float32 rounding) over a fixed
//     pseudo-random sample, and the final max ULP error on that sample;
//  5. a Go const block ready to paste into expconst.go.
//
// The evaluation order modelled here is exactly the one of fallback.Exp32
// (unfused, every product rounded) and of the SIMD backends (every a·b+c
// step a single correctly rounded float32 FMA), including the split linear
// term u = rh + (r²·q − n·Ln2Lo) (see reduceSplit). With -plain it models
// the textbook u = r + r²·q(r) instead, which is how the split was chosen:
// the textbook order already reaches ≈ 0.99 ULP on the sample.
//
// The sample numbers are only indicative; the exhaustive check over all
// 2,237,668,968 inputs is TestExpExhaustive in package fallback.
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/seed7bc074a2/maxent/fallback"
)

var (
	deg     = flag.Int("deg", 6, "total polynomial degree k (coefficients c2..ck are fitted)")
	search  = flag.Int("search", 2, "coordinate search radius in float32 ULPs per coefficient (0 = none)")
	plain   = flag.Bool("plain", false, "model the textbook order u = r + r²·q(r) with r rounded (see reduceSplit for the default)")
	samples = flag.Int("samples", 1<<20, "number of sample inputs for the search objective")
)

// Range-reduction constants (derived in deriveReduction).
var (
	log2e, magic, ln2hi, ln2lo float32
	minIn, maxIn               float32
)

func main() {
	flag.Parse()
	deriveReduction()

	a := math.Ln2/2 + 0x1p-14
	m := *deg - 1 // number of unknown coefficients c2..ck
	if m < 1 {
		fmt.Println("deg must be >= 2")
		return
	}
	fmt.Printf("\n== Remez: p(r) = 1 + r + r^2*q(r), deg %d (c2..c%d), |r| <= %.9f\n", *deg, *deg, a)
	c, e := remez(nil, m, a)
	fmt.Printf("float64 minimax relative error %.4g = 2^%.2f (<= %.4f ulp; worst for p just below 1)\n",
		e, math.Log2(e), e/0x1p-24)
	for j, v := range c {
		fmt.Printf("  c%d = %+.17g   (1/%d! = %.17g)\n", j+2, v, j+2, 1/fact(j+2))
	}

	// Sequential rounding to float32 with refit of the remaining coefficients.
	var fixed []float64
	for len(fixed) < m {
		rest, _ := remez(fixed, m, a)
		fixed = append(fixed, float64(float32(rest[0])))
	}
	cf := make([]float32, m)
	for j, v := range fixed {
		cf[j] = float32(v)
	}
	fmt.Printf("\n== after sequential rounding to float32: max rel err %.4g\n", maxRelErr(fixed, a))
	printCoeffs(cf)

	xs := sampleInputs(*samples)
	obj := func(c []float32) float64 {
		u, f := preErr(xs, c)
		return math.Max(u, f)
	}
	best := obj(cf)
	u, f := preErr(xs, cf)
	fmt.Printf("pre-rounding error on %d samples: unfused %.4f ulp, fused %.4f ulp\n", len(xs), u, f)

	if *search > 0 {
		fmt.Printf("\n== coordinate search, radius %d ulp\n", *search)
		changed := false
		for improved := true; improved; {
			improved = false
			for j := range cf {
				orig := cf[j]
				for d := -*search; d <= *search; d++ {
					if d == 0 {
						continue
					}
					cf[j] = stepULP(orig, d)
					if v := obj(cf); v < best-1e-6 {
						best = v
						orig = cf[j]
						improved = true
						changed = true
						fmt.Printf("  c%d -> %.9g (%+d ulp): objective %.5f\n", j+2, cf[j], d, v)
					}
				}
				cf[j] = orig
			}
		}
		if !changed {
			fmt.Println("  no single-coefficient step improved the objective: keeping the rounded Remez coefficients")
		}
		u, f = preErr(xs, cf)
		fmt.Printf("after search: pre-rounding error unfused %.4f ulp, fused %.4f ulp\n", u, f)
	}
	cf64 := make([]float64, m)
	for j, v := range cf {
		cf64[j] = float64(v)
	}
	fmt.Printf("final max rel err of p (exact arithmetic) %.4g\n", maxRelErr(cf64, a))
	u, f = finalErr(xs, cf)
	fmt.Printf("final max ULP error on the sample: unfused %.4f, fused %.4f\n", u, f)

	fmt.Printf("\n== Go constants\n")
	fmt.Printf("ExpLog2e    float32 = %s // %#08x\n", exact(log2e), math.Float32bits(log2e))
	fmt.Printf("ExpMagic    float32 = %s // %#08x\n", exact(magic), math.Float32bits(magic))
	fmt.Printf("ExpLn2Hi    float32 = %s // %#08x\n", exact(ln2hi), math.Float32bits(ln2hi))
	fmt.Printf("ExpLn2Lo    float32 = %s // %#08x\n", exact(ln2lo), math.Float32bits(ln2lo))
	for j, v := range cf {
		fmt.Printf("ExpC%d       float32 = %s // %#08x\n", j+2, exact(v), math.Float32bits(v))
	}
	fmt.Printf("ExpMinInput float32 = %s // %#08x\n", exact(minIn), math.Float32bits(minIn))
	fmt.Printf("ExpMaxInput float32 = %s // %#08x\n", exact(maxIn), math.Float32bits(maxIn))
}

func fact(n int) float64 {
	f := 1.0
	for i := 2; i <= n; i++ {
		f *= float64(i)
	}
	return f
}

// exact prints the exact decimal value of a float32 (every float32 has a
// finite decimal expansion; 'f' with -1 precision would give the shortest
// round-trip form instead, which is also exact once typed as float32, but the
// full expansion avoids any doubt).
func exact(v float32) string {
	return fmt.Sprintf("%.40g", float64(v))
}

func printCoeffs(c []float32) {
	for j, v := range c {
		fmt.Printf("  c%d = %.9g (%#08x)  vs 1/%d! = %.9g\n", j+2, v, math.Float32bits(v), j+2, 1/fact(j+2))
	}
}

func stepULP(v float32, d int) float32 {
	return math.Float32frombits(uint32(int32(math.Float32bits(v)) + int32(d)))
}

// ---------------------------------------------------------------------------
// Range reduction constants and thresholds.

func deriveReduction() {
	log2e = float32(math.Log2E)
	magic = 0x1.8p23
	// ln2 rounded to 16 significant bits: |n| ≤ 128 needs at most 8 bits, so
	// n·Ln2Hi has at most 24 significant bits and is exact in float32.
	hi := math.Ldexp(math.Round(math.Ldexp(math.Ln2, 16)), -16) // ln2 ∈ [0.5,1): 16 bits
	ln2hi = float32(hi)
	ln2lo = float32(math.Ln2 - hi)
	for n := -128; n <= 128; n++ {
		p := float32(n) * ln2hi
		if float64(p) != float64(n)*hi {
			panic("n*Ln2Hi not exact")
		}
	}
	fmt.Println("== reduction constants")
	fmt.Printf("Log2e = %.9g (%#08x), rel err %.3g\n", log2e, math.Float32bits(log2e), (float64(log2e)-math.Log2E)/math.Log2E)
	fmt.Printf("Magic = %.9g (%#08x)\n", magic, math.Float32bits(magic))
	fmt.Printf("Ln2Hi = %.17g (%#08x), %d significant bits\n", ln2hi, math.Float32bits(ln2hi), sigBits(ln2hi))
	fmt.Printf("Ln2Lo = %.17g (%#08x)\n", ln2lo, math.Float32bits(ln2lo))
	fmt.Printf("Ln2Hi+Ln2Lo - ln2 = %.3g (x128 = %.3g, negligible vs 2^-26 = %.3g)\n",
		float64(ln2hi)+float64(ln2lo)-math.Ln2, 128*(float64(ln2hi)+float64(ln2lo)-math.Ln2), 0x1p-26)

	// Correctly rounded float32 exp(x) is normal iff exp(x) ≥ 2^−126 − 2^−150
	// (the midpoint to the largest subnormal rounds to even = 2^−126), and is
	// finite iff exp(x) < 2^128 − 2^103 (the midpoint to the next binade
	// rounds to even = +Inf).
	normal := func(x float32) bool { return math.Exp(float64(x)) >= 0x1p-126-0x1p-150 }
	finite := func(x float32) bool { return math.Exp(float64(x)) < 0x1p128-0x1p103 }
	x := float32(-126 * math.Ln2)
	for normal(x) {
		x = math.Nextafter32(x, float32(math.Inf(-1)))
	}
	for !normal(x) {
		x = math.Nextafter32(x, 0)
	}
	minIn = x
	x = float32(128 * math.Ln2)
	for !finite(x) {
		x = math.Nextafter32(x, 0)
	}
	for finite(x) {
		x = math.Nextafter32(x, float32(math.Inf(1)))
	}
	maxIn = math.Nextafter32(x, 0)
	fmt.Printf("MinInput = %.9g (%#08x): exp = %.9g = 2^-126*(1%+.3g); predecessor exp = 2^-126*(1%+.3g)\n",
		minIn, math.Float32bits(minIn), math.Exp(float64(minIn)),
		math.Exp(float64(minIn))/0x1p-126-1, math.Exp(float64(math.Nextafter32(minIn, -1000)))/0x1p-126-1)
	fmt.Printf("MaxInput = %.9g (%#08x): exp = MaxFloat32*(1%+.3g); successor exp = MaxFloat32*(1%+.3g)\n",
		maxIn, math.Float32bits(maxIn), math.Exp(float64(maxIn))/math.MaxFloat32-1,
		math.Exp(float64(math.Nextafter32(maxIn, 1000)))/math.MaxFloat32-1)
	fmt.Printf("float32 inputs in [MinInput, MaxInput]: %d\n",
		int64(math.Float32bits(maxIn))+1+int64(math.Float32bits(minIn)&0x7fffffff)+1) // +0 and −0 both counted
}

func sigBits(v float32) int {
	m := math.Float32bits(v)&0x7fffff | 0x800000
	n := 24
	for m&1 == 0 {
		m >>= 1
		n--
	}
	return n
}

// ---------------------------------------------------------------------------
// Remez exchange for the relative error of p(r) = 1 + r + r²·q(r),
// q(r) = Σ_{j<m} c_{j+2} r^j, against e^r on [−a, a].
//
// The error function is e(r) = (1 + r + r²q(r) − e^r)·e^−r. The first
// len(fixed) coefficients are held at the given values; the remaining
// m−len(fixed) unknowns plus the level E are found from the linear system
// r_i²·q(r_i) − (−1)^i·E·e^{r_i} = e^{r_i} − 1 − r_i on a reference of
// m−len(fixed)+1 points, which is then exchanged for the extrema of e(r)
// until the extrema equioscillate. Writing the equations without dividing by
// the weight r²e^−r keeps them well defined near r = 0 (where e(r) has a
// double zero and therefore never changes sign).

func errAt(c []float64, r float64) float64 {
	q := 0.0
	for j := len(c) - 1; j >= 0; j-- {
		q = q*r + c[j]
	}
	// e^r − 1 − r accurately: expm1 is accurate to ~1 ulp, the subtraction
	// of r loses at most a factor ~2/r of relative precision, far below 1e-9.
	d := r*r*q - (math.Expm1(r) - r)
	return d * math.Exp(-r)
}

func maxRelErr(c []float64, a float64) float64 {
	mx := 0.0
	const N = 20000
	for i := 0; i <= N; i++ {
		r := -a + 2*a*float64(i)/N
		mx = math.Max(mx, math.Abs(errAt(c, r)))
	}
	return mx
}

func remez(fixed []float64, m int, a float64) (coef []float64, level float64) {
	k := m - len(fixed) // unknowns
	npts := k + 1
	// Initial reference: Chebyshev extrema, nudged away from 0.
	ref := make([]float64, npts)
	for i := range ref {
		ref[i] = -a * math.Cos(math.Pi*float64(i)/float64(npts-1))
		if math.Abs(ref[i]) < a*1e-3 {
			ref[i] = a * 1e-3
		}
	}
	if npts == 1 {
		ref[0] = a
	}
	c := make([]float64, m)
	copy(c, fixed)
	var E float64
	for iter := 0; iter < 100; iter++ {
		// Solve for c[len(fixed):] and E.
		A := make([][]float64, npts)
		for i, r := range ref {
			row := make([]float64, k+2)
			rhs := math.Expm1(r) - r
			pw := r * r
			for j := 0; j < m; j++ {
				if j < len(fixed) {
					rhs -= fixed[j] * pw
				} else {
					row[j-len(fixed)] = pw
				}
				pw *= r
			}
			sgn := 1.0
			if i%2 == 1 {
				sgn = -1
			}
			row[k] = -sgn * math.Exp(r)
			row[k+1] = rhs
			A[i] = row
		}
		sol := gauss(A)
		copy(c[len(fixed):], sol[:k])
		E = sol[k]

		// Locate the extrema of e(r): one per maximal run of constant sign.
		const N = 40000
		var ext []float64
		var extv []float64
		curSign := 0.0
		for i := 0; i <= N; i++ {
			r := -a + 2*a*float64(i)/N
			v := errAt(c, r)
			if v == 0 {
				continue
			}
			s := math.Copysign(1, v)
			if s != curSign {
				ext = append(ext, r)
				extv = append(extv, v)
				curSign = s
			} else if math.Abs(v) > math.Abs(extv[len(extv)-1]) {
				ext[len(ext)-1] = r
				extv[len(extv)-1] = v
			}
		}
		// Refine each interior extremum by golden-section search.
		for i := range ext {
			lo := math.Max(-a, ext[i]-2*a/N)
			hi := math.Min(a, ext[i]+2*a/N)
			s := math.Copysign(1, extv[i])
			f := func(r float64) float64 { return -s * errAt(c, r) }
			r := golden(f, lo, hi)
			if v := errAt(c, r); math.Abs(v) > math.Abs(extv[i]) {
				ext[i], extv[i] = r, v
			}
		}
		for len(ext) > npts {
			if math.Abs(extv[0]) < math.Abs(extv[len(extv)-1]) {
				ext, extv = ext[1:], extv[1:]
			} else {
				ext, extv = ext[:len(ext)-1], extv[:len(extv)-1]
			}
		}
		if len(ext) < npts {
			break // degenerate (cannot happen for this problem); keep current
		}
		mx, mn := 0.0, math.Inf(1)
		for _, v := range extv {
			mx = math.Max(mx, math.Abs(v))
			mn = math.Min(mn, math.Abs(v))
		}
		copy(ref, ext)
		if mx/mn-1 < 1e-9 {
			break
		}
	}
	return c[len(fixed):], math.Abs(E)
}

func golden(f func(float64) float64, lo, hi float64) float64 {
	g := (math.Sqrt(5) - 1) / 2
	x1 := hi - g*(hi-lo)
	x2 := lo + g*(hi-lo)
	f1, f2 := f(x1), f(x2)
	for i := 0; i < 80; i++ {
		if f1 < f2 {
			hi, x2, f2 = x2, x1, f1
			x1 = hi - g*(hi-lo)
			f1 = f(x1)
		} else {
			lo, x1, f1 = x1, x2, f2
			x2 = lo + g*(hi-lo)
			f2 = f(x2)
		}
	}
	return (lo + hi) / 2
}

// gauss solves the augmented system A (n rows, n+1 columns) by Gaussian
// elimination with partial pivoting.
func gauss(A [][]float64) []float64 {
	n := len(A)
	for col := 0; col < n; col++ {
		p := col
		for i := col + 1; i < n; i++ {
			if math.Abs(A[i][col]) > math.Abs(A[p][col]) {
				p = i
			}
		}
		A[col], A[p] = A[p], A[col]
		for i := col + 1; i < n; i++ {
			f := A[i][col] / A[col][col]
			for j := col; j <= n; j++ {
				A[i][j] -= f * A[col][j]
			}
		}
	}
	x := make([]float64, n)
	for i := n - 1; i >= 0; i-- {
		s := A[i][n]
		for j := i + 1; j < n; j++ {
			s -= A[i][j] * x[j]
		}
		x[i] = s / A[i][i]
	}
	return x
}

// ---------------------------------------------------------------------------
// Float32 evaluation in the two orders.

// reduce returns n and u with exp(x) ≈ (1+u)·2^n, in the given order.
// The last step p = 1 + u (a plain float32 addition in both orders) is left
// to the caller so that the pre-rounding error can be measured.
func reduce(x float32, c []float32, fused bool) (n float32, u float32) {
	if !*plain {
		return reduceSplit(x, c, fused)
	}
	if !fused {
		nf := float32(x*log2e) + magic
		n = nf - magic
		r := x - float32(n*ln2hi)
		r = r - float32(n*ln2lo)
		q := c[len(c)-1]
		for j := len(c) - 2; j >= 0; j-- {
			q = float32(q*r) + c[j]
		}
		r2 := float32(r * r)
		return n, float32(r2*q) + r
	}
	nf := fallback.FMA32(x, log2e, magic)
	n = nf - magic
	r := fallback.FMA32(n, -ln2hi, x)
	r = fallback.FMA32(n, -ln2lo, r)
	q := c[len(c)-1]
	for j := len(c) - 2; j >= 0; j-- {
		q = fallback.FMA32(q, r, c[j])
	}
	r2 := float32(r * r)
	return n, fallback.FMA32(r2, q, r)
}

func ulp32(v float32) float64 {
	b := math.Float32bits(v) & 0x7f800000
	if b == 0 {
		return 0x1p-149
	}
	return math.Ldexp(1, int(b>>23)-127-23)
}

func sampleInputs(n int) []float32 {
	rng := rand.New(rand.NewPCG(1, 2))
	lo, hi := minIn, maxIn
	xs := make([]float32, 0, n)
	for len(xs) < n {
		var x float32
		if len(xs)%2 == 0 {
			x = math.Float32frombits(rng.Uint32())
		} else {
			x = lo + float32(rng.Float64())*(hi-lo)
		}
		if x >= lo && x <= hi {
			xs = append(xs, x)
		}
	}
	return xs
}

// parMax evaluates f over xs on all CPUs and returns the maxima of its two
// results.
func parMax(xs []float32, f func(x float32) (float64, float64)) (float64, float64) {
	w := runtime.GOMAXPROCS(0)
	res := make([][2]float64, w)
	var wg sync.WaitGroup
	for k := 0; k < w; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			var a, b float64
			for i := k; i < len(xs); i += w {
				u, v := f(xs[i])
				a, b = math.Max(a, u), math.Max(b, v)
			}
			res[k] = [2]float64{a, b}
		}(k)
	}
	wg.Wait()
	var a, b float64
	for _, r := range res {
		a, b = math.Max(a, r[0]), math.Max(b, r[1])
	}
	return a, b
}

// preErr is the max over xs of |1+u − e^x·2^−n| in ULPs of the correctly
// rounded result, for both orders: the error before the final rounding of
// 1+u, so the final error is at most this plus 0.5 ULP.
func preErr(xs []float32, c []float32) (unfused, fused float64) {
	one := func(x float32, fu bool) float64 {
		n, u := reduce(x, c, fu)
		ex := math.Exp(float64(x))
		ref := math.Ldexp(ex, -int(n))
		return math.Abs(1+float64(u)-ref) / (ulp32(float32(ex)) * math.Ldexp(1, -int(n)))
	}
	return parMax(xs, func(x float32) (float64, float64) { return one(x, false), one(x, true) })
}

// finalErr is the max ULP error of the complete algorithm over xs.
func finalErr(xs []float32, c []float32) (unfused, fused float64) {
	one := func(x float32, fu bool) float64 {
		n, u := reduce(x, c, fu)
		p := u + 1
		ni := int32(n)
		n1 := ni >> 1
		n2 := ni - n1
		s1 := math.Float32frombits(uint32(n1+127) << 23)
		s2 := math.Float32frombits(uint32(n2+127) << 23)
		y := float32(p*s1) * s2
		ex := math.Exp(float64(x))
		return math.Abs(float64(y)-ex) / ulp32(float32(ex))
	}
	return parMax(xs, func(x float32) (float64, float64) { return one(x, false), one(x, true) })
}

// reduceSplit keeps the linear term of the polynomial in two parts:
// u = rh + (r²·q(r) − n·Ln2Lo), where rh = x − n·Ln2Hi is exact, so the
// rounding of r = rh − n·Ln2Lo only reaches u through the small r²·q term.
func reduceSplit(x float32, c []float32, fused bool) (n float32, u float32) {
	if !fused {
		nf := float32(x*log2e) + magic
		n = nf - magic
		rh := x - float32(n*ln2hi)
		nl := float32(n * ln2lo)
		r := rh - nl
		q := c[len(c)-1]
		for j := len(c) - 2; j >= 0; j-- {
			q = float32(q*r) + c[j]
		}
		r2 := float32(r * r)
		w := float32(r2*q) - nl
		return n, rh + w
	}
	nf := fallback.FMA32(x, log2e, magic)
	n = nf - magic
	rh := fallback.FMA32(n, -ln2hi, x)
	nl := float32(n * ln2lo)
	r := rh - nl
	q := c[len(c)-1]
	for j := len(c) - 2; j >= 0; j-- {
		q = fallback.FMA32(q, r, c[j])
	}
	r2 := float32(r * r)
	w := fallback.FMA32(r2, q, -nl)
	return n, rh + w
}
