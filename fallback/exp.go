package fallback

import "math"

// Exp32 returns e^x in float32, with an error below 1 ULP of the correctly
// rounded result for every input (measured exhaustively: max 0.890 ULP here,
// 0.876 ULP in the all-FMA order of the SIMD backends), exp(0) = 1 exactly, and
// no subnormal results. It is the scalar form of Exp and gives bit-identical
// results on every GOARCH.
//
// The algorithm is shared by every backend, with the constants of
// expconst.go. Written as float32 operations, each rounded (fma(a,b,c) is
// one fused, correctly rounded a·b+c in the SIMD backends and the separately
// rounded float32(a·b)+c here):
//
//	special cases (SIMD: compare masks, blended into the result at the end):
//	  x is NaN            → x (the input NaN, payload kept)
//	  x > ExpMaxInput     → +Inf   (so +Inf → +Inf)
//	  x < ExpMinInput     → +0     (so −Inf → +0; results would be subnormal)
//	range reduction, x = n·ln2 + r:
//	  nf = fma(x, ExpLog2e, ExpMagic)   nf = ExpMagic + round(x·log2e)
//	  n  = nf − ExpMagic                exact, integer-valued, n ∈ [−126, 128]
//	  rh = fma(n, −ExpLn2Hi, x)         exact (see ExpLn2Hi)
//	  t  = n · ExpLn2Lo                 (plain multiply)
//	  r  = rh − t                       |r| ≤ ln2/2 + ~2^−17
//	polynomial, Horner (the C2..C6 chain has four steps):
//	  q  = fma(ExpC6, r, ExpC5)
//	  q  = fma(q, r, ExpC4)
//	  q  = fma(q, r, ExpC3)
//	  q  = fma(q, r, ExpC2)
//	  r2 = r · r
//	  w  = fma(r2, q, −t)               r²·q(r) − n·Ln2Lo, small
//	  u  = rh + w                       = r + r²·q(r), rounded once
//	  p  = u + 1                        the 1 is added last
//	scaling by 2^n, exact for n ∈ [−126, 128]:
//	  ni = Float32bits(nf) − 0x4B400000 (integer n)
//	  n1 = ni >> 1 (arithmetic), n2 = ni − n1   both in [−63, 64]
//	  s1 = Float32frombits((n1+127) << 23), s2 likewise from n2
//	  y  = (p · s1) · s2                (AVX-512: VSCALEFPS(p, n), identical)
//
// The linear term is kept in two parts: u = rh + (r²·q − t) instead of the
// textbook u = r + r²·q with r = rh − t rounded. The textbook order adds the
// rounding error of r (up to 2^−26, ≈ 0.2 ULP of the result near r = −ln2/2)
// directly to u and already reaches 0.99 ULP on a 1M-input sample (see
// `go run ./fallback/internal/expfit -plain`). The split costs one multiply
// and one add and brings the exhaustive maximum to 0.890 ULP (0.876 fused):
// r itself only feeds r² and q, where its rounding error is damped by |r|.
//
// No clamp is needed against subnormal results: x ≥ ExpMinInput implies
// n ≥ −126, and n = −126 only for x ∈ [ExpMinInput, −126·ln2 + 0.35], where
// r ≥ 4.5e-6 > 0 and hence p ≥ 1, so y = p·2^−126 is normal. Likewise
// x ≤ ExpMaxInput gives r < 0 at n = 128, so p < 1 and y ≤ MaxFloat32.
func Exp32(x float32) float32 {
	if !(x >= ExpMinInput && x <= ExpMaxInput) {
		return expSpecial(x)
	}
	// Every product is wrapped in float32(...) so that no compiler fuses it
	// with the following addition (see package doc).
	nf := float32(x*ExpLog2e) + ExpMagic
	n := nf - ExpMagic
	rh := x - float32(n*ExpLn2Hi)
	t := float32(n * ExpLn2Lo)
	r := rh - t
	q := float32(ExpC6*r) + ExpC5
	q = float32(q*r) + ExpC4
	q = float32(q*r) + ExpC3
	q = float32(q*r) + ExpC2
	r2 := float32(r * r)
	w := float32(r2*q) - t
	p := (rh + w) + 1
	ni := int32(math.Float32bits(nf)) - expMagicBits
	n1 := ni >> 1
	n2 := ni - n1
	s1 := math.Float32frombits(uint32(n1+127) << 23)
	s2 := math.Float32frombits(uint32(n2+127) << 23)
	return float32(p*s1) * s2
}

// expMagicBits is math.Float32bits(ExpMagic).
const expMagicBits = 0x4B400000

// expSpecial handles the inputs outside [ExpMinInput, ExpMaxInput] and NaN.
func expSpecial(x float32) float32 {
	switch {
	case x > ExpMaxInput:
		return float32(math.Inf(1))
	case x < ExpMinInput:
		return 0
	}
	return x // NaN
}

// Exp sets dst[i] = Exp32(src[i]) for i < len(src), bit for bit. dst may be
// the same slice as src; len(dst) ≥ len(src) is assumed and dst[len(src):] is
// not touched. It does not allocate.
func Exp(dst, src []float32) {
	dst = dst[:len(src)]
	for i, x := range src {
		if !(x >= ExpMinInput && x <= ExpMaxInput) {
			dst[i] = expSpecial(x)
			continue
		}
		// Same steps as Exp32, inlined (Exp32 is too large to inline).
		nf := float32(x*ExpLog2e) + ExpMagic
		n := nf - ExpMagic
		rh := x - float32(n*ExpLn2Hi)
		t := float32(n * ExpLn2Lo)
		r := rh - t
		q := float32(ExpC6*r) + ExpC5
		q = float32(q*r) + ExpC4
		q = float32(q*r) + ExpC3
		q = float32(q*r) + ExpC2
		r2 := float32(r * r)
		w := float32(r2*q) - t
		p := (rh + w) + 1
		ni := int32(math.Float32bits(nf)) - expMagicBits
		n1 := ni >> 1
		n2 := ni - n1
		s1 := math.Float32frombits(uint32(n1+127) << 23)
		s2 := math.Float32frombits(uint32(n2+127) << 23)
		dst[i] = float32(p*s1) * s2
	}
}
