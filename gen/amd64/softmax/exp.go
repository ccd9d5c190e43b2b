package main

import (
	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// input produces vector j of exp's argument in dst. exp calls it once per
// vector and again for the vectors that need the special-case fix-up, so
// that x need not stay live (it is a reload from memory or a subtraction).
type input func(j int, dst reg.VecVirtual)

// exp emits y = exp(x) for nv vectors x produced by in and returns the
// result registers. It is fallback.Exp32's algorithm in the FMA order of the
// SIMD backends (fallback's expFusedRef), emitted step by step for all
// vectors at once so that independent vectors interleave:
//
//	nf = fma(x, Log2e, Magic)      n = nf − Magic
//	t  = n·Ln2Lo                   rh = fma(n, −Ln2Hi, x)     r = rh − t
//	q  = fma(C6, r, C5); q = fma(q, r, C4); … C3; … C2
//	r2 = r·r    w = fma(r2, q, −t)    u = rh + w    p = u + 1
//	y  = p·2^n
//
// The scaling is one integer addition to the exponent field:
// Float32bits(y) = Float32bits(p) + n<<23, and n<<23 = Float32bits(nf)<<23
// (mod 2^32) because the low 9 bits of Float32bits(Magic) are zero. For
// every x in [MinInput, MaxInput], p ∈ [0.70, 1.42] and p·2^n is a normal
// float32 (fallback.Exp32's proof), so the addition never leaves the
// exponent range: y is exactly p·2^n, the value of the fallback's (p·s1)·s2
// and of VSCALEFPS(p, n) (isa.scalef, off for both ISAs, selects the
// latter on AVX-512; both pass the exhaustive bit-exact test). The integer add runs on the vector
// ALUs and leaves the two FMA pipes to the nine products of the algorithm,
// which bound the throughput: on Zen 4, VSCALEFPS zmm occupies an FMA pipe
// for two cycles, and Exp measured slower with it (docs/performance.md).
//
// The special cases are then blended in:
//
//	x < MinInput (−Inf included) → +0;  x > MaxInput (+Inf included) → +Inf;
//	x NaN → x itself (payload and signalling bit kept).
//
// For full vectors that fix-up is skipped, with one branch per group of
// vectors, when every |x| ≤ −MinInput (an integer test on |x|'s bits, which
// also catches NaN and ±Inf). For a partial vector (s.partial()) it always
// runs, and on AVX-512 it also zeroes the lanes outside s.k.
func (a *isa) exp(nv int, s span, in input) []reg.VecVirtual {
	vs := func() []reg.VecVirtual {
		v := make([]reg.VecVirtual, nv)
		for j := range v {
			v[j] = a.vec()
		}
		return v
	}
	xs, nf, n, t, r, q := vs(), vs(), vs(), vs(), vs(), vs()
	for j := range xs {
		in(j, xs[j])
	}
	if !s.partial() {
		// Sets ZF when no lane needs the fix-up; only vector instructions,
		// which leave the flags alone, run until the branch below.
		a.testInRange(xs)
	}
	for j := range xs { // nf = fma(x, Log2e, Magic)
		a.splat(cMagic, nf[j])
		a.fmadd231(a.c(cLog2e), xs[j], nf[j])
	}
	for j := range xs { // n = nf − Magic
		a.sub(a.c(cMagic), nf[j], n[j])
	}
	for j := range xs { // t = n·Ln2Lo
		a.mul(a.c(cLn2Lo), n[j], t[j])
	}
	rh := n
	for j := range xs { // rh = fma(n, −Ln2Hi, x), in n's register; last use of x
		a.fnmadd132(a.c(cLn2Hi), xs[j], n[j])
	}
	for j := range xs { // r = rh − t
		VSUBPS(t[j], rh[j], r[j])
	}
	for j := range xs { // q = fma(C6, r, C5)
		a.splat(cC6, q[j])
		a.fmadd213(a.c(cC5), r[j], q[j])
	}
	for _, c := range []int{cC4, cC3, cC2} { // q = fma(q, r, c)
		for j := range xs {
			a.fmadd213(a.c(c), r[j], q[j])
		}
	}
	for j := range xs { // r2 = r·r, in r's register
		VMULPS(r[j], r[j], r[j])
	}
	for j := range xs { // w = fma(r2, q, −t), in t's register
		VFMSUB231PS(q[j], r[j], t[j])
	}
	for j := range xs { // u = rh + w
		VADDPS(t[j], rh[j], rh[j])
	}
	for j := range xs { // p = u + 1
		a.add(a.c(cOne), rh[j], rh[j])
	}
	y := rh
	for j := range xs { // y = p·2^n
		if a.scalef {
			a.sub(a.c(cMagic), nf[j], nf[j]) // n again (its register now holds rh)
			VSCALEFPS(nf[j], y[j], y[j])
			continue
		}
		VPSLLD(operand.U8(23), nf[j], nf[j])
		VPADDD(nf[j], y[j], y[j])
	}

	if s.partial() {
		a.fixSpecial(y, s.k, in)
		return y
	}
	skip := label("inrange")
	JZ(operand.LabelRef(skip))
	a.fixSpecial(y, nil, in)
	Label(skip)
	return y
}

// testInRange sets ZF if |x| ≤ −MinInput in every lane of every vector of
// xs: unsigned maximum of the magnitudes' bit patterns, compared once.
func (a *isa) testInRange(xs []reg.VecVirtual) {
	m := make([]reg.VecVirtual, len(xs))
	for j := range xs {
		m[j] = a.vec()
		if a.evex {
			VPANDD_BCST(a.k(cAbsMask), xs[j], m[j])
		} else {
			VPAND(a.k(cAbsMask), xs[j], m[j])
		}
	}
	for w := 1; w < len(m); w *= 2 {
		for i := 0; i+w < len(m); i += 2 * w {
			VPMAXUD(m[i+w], m[i], m[i])
		}
	}
	if a.evex {
		k := K()
		VPCMPUD_BCST(operand.U8(6), a.k(cFastLimit), m[0], k) // |x| > limit (unsigned)
		KORTESTW(k, k)
	} else {
		VPCMPGTD(a.k(cFastLimit), m[0], m[0]) // |x| > limit (signed: both below 2^31)
		VPTEST(m[0], m[0])
	}
}

// fixSpecial blends the special cases into y: +0 where x < MinInput or x is
// NaN, then max(+Inf, x) where x > MaxInput or x is NaN. VMAXPS returns its
// second source operand when either is NaN, so max(+Inf, x) is x itself
// (bit for bit) for NaN and +Inf otherwise. On AVX-512, lanes outside k
// (if not nil) become +0. x is produced again by in.
func (a *isa) fixSpecial(y []reg.VecVirtual, k reg.Register, in input) {
	inf := a.vec()
	a.splat(cInf, inf)
	xs := make([]reg.VecVirtual, len(y))
	for j := range xs {
		xs[j] = a.vec()
		in(j, xs[j])
		if a.evex {
			in := K()
			a.cmp(cmpGEOQ, a.c(cMinInput), xs[j], k, in)
			VMOVAPS_Z(y[j], in, y[j])
			hi := K()
			a.cmp(cmpNLEUQ, a.c(cMaxInput), xs[j], k, hi)
			VMAXPS(xs[j], inf, hi, y[j])
			continue
		}
		m := a.vec()
		a.cmp(cmpGEOQ, a.c(cMinInput), xs[j], nil, m)
		VANDPS(m, y[j], y[j])
		a.cmp(cmpNLEUQ, a.c(cMaxInput), xs[j], nil, m)
		s := a.vec()
		VMAXPS(xs[j], inf, s)
		VBLENDVPS(m, s, y[j], y[j])
	}
}

// genExp emits Exp<ISA>(dst, src []float32).
func genExp(a *isa) {
	text("Exp"+a.name, "func(dst, src []float32)")
	Doc("Exp"+a.name+" sets dst[i] = exp(src[i]) for i < len(src); len(dst) >= len(src); dst may alias src exactly.",
		"Bit-identical to fallback.Exp32 evaluated in FMA order.")
	dst := GP64()
	Load(Param("dst").Base(), dst)
	src, n := slice("src")
	a.hold(a.expHold...)
	a.stream(loop{n: n, src: src, dst: dst, unroll: a.expUnroll, fill: -1}, func(nv int, s span) {
		ys := a.exp(nv, s, func(j int, x reg.VecVirtual) { a.load(s, j, x) })
		for j, y := range ys {
			a.store(s, j, y)
		}
	})
	VZEROUPPER()
	RET()
}
