package fallback

import (
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"testing"
)

// expULP returns |y − e^x| in ULPs of the correctly rounded float32 e^x,
// with float64 math.Exp as the oracle.
func expULP(x, y float32) float64 {
	ex := math.Exp(float64(x))
	return math.Abs(float64(y)-ex) / expULPOf(float32(ex))
}

// expULPOf is the ULP of a finite float32 v (2^−149 for subnormals).
func expULPOf(v float32) float64 {
	e := int(math.Float32bits(v)>>23) & 0xff
	if e == 0 {
		return 0x1p-149
	}
	return math.Ldexp(1, e-127-23)
}

func expSubnormal(y float32) bool {
	b := math.Float32bits(y) & 0x7fffffff
	return b != 0 && b < 0x00800000
}

func TestExpFMA32(t *testing.T) {
	ref := func(a, b, c float32) float32 {
		z := new(big.Float).SetPrec(1000).SetFloat64(float64(a))
		z.Mul(z, new(big.Float).SetPrec(1000).SetFloat64(float64(b)))
		z.Add(z, new(big.Float).SetPrec(1000).SetFloat64(float64(c)))
		f, _ := z.Float32() // nearest, ties to even
		return f
	}
	one12 := float32(1 + 0x1p-12)
	// (1+2^-12)² = 1 + 2^-11 + 2^-24 is a float32 midpoint; a tiny c makes
	// float32(math.FMA(...)) round it the wrong way.
	cases := [][3]float32{
		{one12, one12, 0x1p-80},
		{one12, one12, -0x1p-80},
		{one12, one12, 0},
		{-one12, one12, 0x1p-80},
	}
	naiveWrong := false
	for _, c := range cases {
		got, want := FMA32(c[0], c[1], c[2]), ref(c[0], c[1], c[2])
		if math.Float32bits(got) != math.Float32bits(want) {
			t.Errorf("FMA32(%g, %g, %g) = %.9g, want %.9g", c[0], c[1], c[2], got, want)
		}
		if float32(math.FMA(float64(c[0]), float64(c[1]), float64(c[2]))) != want {
			naiveWrong = true
		}
	}
	if !naiveWrong {
		t.Errorf("midpoint cases did not exercise double rounding")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	rnd := func(emin, emax int) float32 {
		m := 1 + rng.Float64()
		v := float32(math.Ldexp(m, emin+rng.IntN(emax-emin+1)))
		if rng.IntN(2) == 0 {
			v = -v
		}
		if rng.IntN(4) == 0 { // short mantissas make exact midpoints likely
			v = float32(math.Ldexp(math.Round(math.Ldexp(float64(v), 8)), -8))
		}
		return v
	}
	for i := 0; i < 20000; i++ {
		a, b := rnd(-20, 20), rnd(-20, 20)
		c := rnd(-60, 20)
		if got, want := FMA32(a, b, c), ref(a, b, c); math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("FMA32(%g, %g, %g) = %.9g, want %.9g", a, b, c, got, want)
		}
	}
}

func TestExpSpecialValues(t *testing.T) {
	inf := float32(math.Inf(1))
	prevMin := math.Nextafter32(ExpMinInput, -inf)
	nextMax := math.Nextafter32(ExpMaxInput, inf)
	type tc struct {
		x    float32
		want uint32 // exact expected bits; 0xFFFFFFFF means "check below"
	}
	cases := []tc{
		{0, 0x3f800000},
		{float32(math.Copysign(0, -1)), 0x3f800000},
		{0x1p-149, 0x3f800000},
		{-0x1p-149, 0x3f800000},
		{inf, 0x7f800000},
		{-inf, 0},
		{prevMin, 0},
		{nextMax, 0x7f800000},
		{1e30, 0x7f800000},
		{-1e30, 0},
		{math.MaxFloat32, 0x7f800000},
		{-math.MaxFloat32, 0},
		{-1000, 0},
		{1000, 0x7f800000},
	}
	for _, f := range []struct {
		name string
		fn   func(float32) float32
	}{{"Exp32", Exp32}, {"ExpFMARef", ExpFMARef}} {
		for _, c := range cases {
			if got := f.fn(c.x); math.Float32bits(got) != c.want {
				t.Errorf("%s(%g) = %g (%#08x), want %#08x", f.name, c.x, got, math.Float32bits(got), c.want)
			}
		}
		for _, bits := range []uint32{0x7fc00000, 0xffc00000, 0x7fc12345, 0xffd5a5a5, 0x7f800001} {
			x := math.Float32frombits(bits)
			got := f.fn(x)
			if got == got {
				t.Errorf("%s(NaN %#08x) = %g, want NaN", f.name, bits, got)
			}
			if bits&0x00400000 != 0 && math.Float32bits(got) != bits {
				t.Errorf("%s(NaN %#08x) = NaN %#08x, want the input NaN", f.name, bits, math.Float32bits(got))
			}
		}
		lo := f.fn(ExpMinInput)
		if lo < 0x1p-126 || expULP(ExpMinInput, lo) > 1 {
			t.Errorf("%s(ExpMinInput) = %g, want normal ≥ 2^-126 within 1 ULP", f.name, lo)
		}
		hi := f.fn(ExpMaxInput)
		if math.IsInf(float64(hi), 0) || expULP(ExpMaxInput, hi) > 1 {
			t.Errorf("%s(ExpMaxInput) = %g, want finite within 1 ULP", f.name, hi)
		}
	}
	// The thresholds themselves are what expconst.go claims, by the oracle.
	if e := math.Exp(float64(ExpMinInput)); e < 0x1p-126-0x1p-150 {
		t.Errorf("exp(ExpMinInput) = %g rounds to a subnormal", e)
	}
	if e := math.Exp(float64(prevMin)); e >= 0x1p-126-0x1p-150 {
		t.Errorf("exp(pred(ExpMinInput)) = %g rounds to a normal: ExpMinInput is not the smallest", e)
	}
	if e := math.Exp(float64(ExpMaxInput)); e >= 0x1p128-0x1p103 {
		t.Errorf("exp(ExpMaxInput) = %g overflows", e)
	}
	if e := math.Exp(float64(nextMax)); e < 0x1p128-0x1p103 {
		t.Errorf("exp(succ(ExpMaxInput)) = %g is finite: ExpMaxInput is not the largest", e)
	}
	if math.Float32bits(ExpMagic) != expMagicBits {
		t.Errorf("expMagicBits %#x != Float32bits(ExpMagic) %#x", expMagicBits, math.Float32bits(ExpMagic))
	}
	// n·Ln2Hi is exact for every |n| ≤ 128.
	for n := -128; n <= 128; n++ {
		if float64(float32(n)*ExpLn2Hi) != float64(n)*float64(ExpLn2Hi) {
			t.Fatalf("%d·ExpLn2Hi is not exact in float32", n)
		}
	}
}

// expRangeStats is the max error and its argument over part of the range.
type expRangeStats struct {
	maxU, maxF     float64 // unfused (Exp32), fused (ExpFMARef)
	argU, argF     float32
	n, badU, badF  int64   // inputs checked; inputs > 1 ULP or subnormal
	crU, crF       int64   // correctly rounded results
	firstBad       float32 // some failing input, if any
	firstBadExists bool
}

func (s *expRangeStats) add(x float32) {
	s.n++
	ex := math.Exp(float64(x))
	cr := float32(ex)
	ulp := expULPOf(cr)
	yu, yf := Exp32(x), ExpFMARef(x)
	eu := math.Abs(float64(yu)-ex) / ulp
	ef := math.Abs(float64(yf)-ex) / ulp
	if eu > s.maxU {
		s.maxU, s.argU = eu, x
	}
	if ef > s.maxF {
		s.maxF, s.argF = ef, x
	}
	if yu == cr {
		s.crU++
	}
	if yf == cr {
		s.crF++
	}
	if eu > 1 || expSubnormal(yu) || yu == 0 {
		s.badU++
		s.firstBad, s.firstBadExists = x, true
	}
	if ef > 1 || expSubnormal(yf) || yf == 0 {
		s.badF++
		s.firstBad, s.firstBadExists = x, true
	}
}

func (s *expRangeStats) merge(o *expRangeStats) {
	if o.maxU > s.maxU {
		s.maxU, s.argU = o.maxU, o.argU
	}
	if o.maxF > s.maxF {
		s.maxF, s.argF = o.maxF, o.argF
	}
	s.n += o.n
	s.badU += o.badU
	s.badF += o.badF
	s.crU += o.crU
	s.crF += o.crF
	if o.firstBadExists {
		s.firstBad, s.firstBadExists = o.firstBad, true
	}
}

// expScan checks every stride-th float32 bit pattern in [ExpMinInput,
// ExpMaxInput] (both signs) on all CPUs.
func expScan(stride uint32) *expRangeStats {
	type span struct{ lo, hi uint32 } // inclusive bit ranges
	spans := []span{
		{0, math.Float32bits(ExpMaxInput)},
		{0x80000000, math.Float32bits(ExpMinInput)},
	}
	const chunk = 1 << 22
	type job struct{ lo, hi uint32 }
	jobs := make(chan job, 64)
	go func() {
		for _, sp := range spans {
			for lo := uint64(sp.lo); lo <= uint64(sp.hi); lo += chunk {
				hi := min(lo+chunk-1, uint64(sp.hi))
				jobs <- job{uint32(lo), uint32(hi)}
			}
		}
		close(jobs)
	}()
	w := runtime.GOMAXPROCS(0)
	res := make([]expRangeStats, w)
	var wg sync.WaitGroup
	for k := range w {
		wg.Add(1)
		go func(s *expRangeStats) {
			defer wg.Done()
			for j := range jobs {
				// Align to the stride so the pattern is independent of chunking.
				b := uint64(j.lo) + (uint64(stride)-uint64(j.lo)%uint64(stride))%uint64(stride)
				for ; b <= uint64(j.hi); b += uint64(stride) {
					s.add(math.Float32frombits(uint32(b)))
				}
			}
		}(&res[k])
	}
	wg.Wait()
	total := &expRangeStats{}
	for i := range res {
		total.merge(&res[i])
	}
	return total
}

func expReport(t *testing.T, what string, s *expRangeStats) {
	t.Helper()
	t.Logf("%s: %d inputs; max ULP unfused %.4f at x=%.9g (%#08x), fused %.4f at x=%.9g (%#08x); correctly rounded %.2f%% / %.2f%%",
		what, s.n, s.maxU, s.argU, math.Float32bits(s.argU), s.maxF, s.argF, math.Float32bits(s.argF),
		100*float64(s.crU)/float64(s.n), 100*float64(s.crF)/float64(s.n))
	if s.badU != 0 || s.badF != 0 {
		t.Errorf("%s: %d unfused and %d fused results are > 1 ULP, zero or subnormal (e.g. x=%.9g)",
			what, s.badU, s.badF, s.firstBad)
	}
}

func TestExpSampledULP(t *testing.T) {
	stride := uint32(257)
	if testing.Short() {
		stride = 4099
	}
	expReport(t, "sampled", expScan(stride))

	// Plus random inputs, uniform in value and uniform in bit pattern.
	s := &expRangeStats{}
	rng := rand.New(rand.NewPCG(1, 2))
	for s.n < 200000 {
		var x float32
		if s.n%2 == 0 {
			x = ExpMinInput + float32(float32(rng.Float64())*(ExpMaxInput-ExpMinInput))
		} else {
			x = math.Float32frombits(rng.Uint32())
		}
		if x >= ExpMinInput && x <= ExpMaxInput {
			s.add(x)
		}
	}
	expReport(t, "random", s)
}

// TestExpExhaustive checks all 2,237,668,968 float32 inputs (±0 both) in
// [ExpMinInput, ExpMaxInput] in both evaluation orders. It takes a few
// minutes, so it only runs with MAXENT_EXHAUSTIVE=1:
//
//	MAXENT_EXHAUSTIVE=1 go test -run TestExpExhaustive -v -timeout 1h ./fallback/
func TestExpExhaustive(t *testing.T) {
	if os.Getenv("MAXENT_EXHAUSTIVE") != "1" {
		t.Skip("set MAXENT_EXHAUSTIVE=1 to check every float32 input")
	}
	expReport(t, "exhaustive", expScan(1))
}

func TestExpSliceMatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	specials := []float32{
		0, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		ExpMinInput, ExpMaxInput, math.Nextafter32(ExpMinInput, -200), math.Nextafter32(ExpMaxInput, 200),
		-1e30, 1e30, math.Float32frombits(0x7fc12345),
	}
	const sentinel = float32(-12345.5)
	for n := 0; n <= 100; n++ {
		src := make([]float32, n)
		for i := range src {
			switch rng.IntN(4) {
			case 0:
				src[i] = specials[rng.IntN(len(specials))]
			case 1:
				src[i] = math.Float32frombits(rng.Uint32())
			default:
				src[i] = float32(rng.Float64()*200 - 100)
			}
		}
		want := make([]float32, n)
		for i, x := range src {
			want[i] = Exp32(x)
		}
		dst := make([]float32, n+5)
		for i := range dst {
			dst[i] = sentinel
		}
		Exp(dst, src)
		for i := range n {
			if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n=%d: Exp(dst, src)[%d] = %#08x, Exp32(%g) = %#08x", n, i,
					math.Float32bits(dst[i]), src[i], math.Float32bits(want[i]))
			}
		}
		for i := n; i < len(dst); i++ {
			if math.Float32bits(dst[i]) != math.Float32bits(sentinel) {
				t.Fatalf("n=%d: dst[%d] = %g was overwritten", n, i, dst[i])
			}
		}
		// In place.
		alias := append([]float32(nil), src...)
		Exp(alias, alias)
		for i := range n {
			if math.Float32bits(alias[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n=%d aliased: [%d] = %#08x, want %#08x", n, i,
					math.Float32bits(alias[i]), math.Float32bits(want[i]))
			}
		}
	}
}

// expGoldenHash is the FNV-1a hash of Exp32 and ExpFMARef over every
// 4099th float32 bit pattern, recorded on linux/amd64 (GOAMD64=v1). The same
// value on any other GOARCH (or GOAMD64=v3) proves the compiler fused nothing.
const (
	expGoldenHashUnfused = 0xeb99e852ec781e4d
	expGoldenHashFused   = 0x996b045a944a19d9
)

func TestExpBitIdenticalAcrossArch(t *testing.T) {
	hash := func(f func(float32) float32) uint64 {
		h := uint64(14695981039346656037)
		for b := uint64(0); b < 1<<32; b += 4099 {
			y := math.Float32bits(f(math.Float32frombits(uint32(b))))
			if y&0x7fffffff > 0x7f800000 {
				y = 0x7fc00000 // NaN bits are not part of the contract
			}
			for k := 0; k < 32; k += 8 {
				h ^= uint64(y>>k) & 0xff
				h *= 1099511628211
			}
		}
		return h
	}
	if h := hash(Exp32); h != expGoldenHashUnfused {
		t.Errorf("Exp32 golden hash = %#x, want %#x (results differ from linux/amd64)", h, uint64(expGoldenHashUnfused))
	}
	if h := hash(ExpFMARef); h != expGoldenHashFused {
		t.Errorf("ExpFMARef golden hash = %#x, want %#x", h, uint64(expGoldenHashFused))
	}
}

func TestExpNoAlloc(t *testing.T) {
	src := make([]float32, 257)
	for i := range src {
		src[i] = float32(i) - 128
	}
	dst := make([]float32, len(src))
	if a := testing.AllocsPerRun(100, func() { Exp(dst, src) }); a != 0 {
		t.Errorf("Exp allocates %v times per call", a)
	}
}

var expSink float32

func expBenchInput(n int) []float32 {
	rng := rand.New(rand.NewPCG(5, 6))
	src := make([]float32, n)
	for i := range src {
		src[i] = float32(rng.Float64()*40 - 20)
	}
	return src
}

func BenchmarkExp32(b *testing.B) {
	src := expBenchInput(4096)
	var s float32
	i := 0
	for b.Loop() {
		s += Exp32(src[i&4095])
		i++
	}
	expSink = s
}

func BenchmarkExpSlice(b *testing.B) {
	src := expBenchInput(4096)
	dst := make([]float32, len(src))
	b.SetBytes(int64(4 * len(src)))
	for b.Loop() {
		Exp(dst, src)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(src)), "ns/elem")
}

// BenchmarkExpMathSlice is the baseline: float32(math.Exp(float64(v))).
func BenchmarkExpMathSlice(b *testing.B) {
	src := expBenchInput(4096)
	dst := make([]float32, len(src))
	b.SetBytes(int64(4 * len(src)))
	for b.Loop() {
		for i, v := range src {
			dst[i] = float32(math.Exp(float64(v)))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(src)), "ns/elem")
}
