package fallback

import "math"

// This file holds the references that the SIMD backends' tests compare
// against bit for bit; they are not used by the generic backend itself.

// FMA32 is a correctly rounded float32 fused multiply-add a·b+c.
//
// float32(math.FMA(a, b, c)) is NOT always correct: the product of two
// float32 is exact in float64 (48 significant bits), but the sum with c can
// need many more bits, so math.FMA rounds once to float64 and the conversion
// rounds again. That double rounding goes wrong exactly when the float64 sum
// s lands on a float32 midpoint while the exact value is not the midpoint.
// (If the exact value is strictly on one side of a midpoint m, rounding to
// float64 — monotonic, and m is a float64 — can at most reach m.) TwoSum gives
// the exact error e of s = p + c, whose sign then breaks the tie.
// The tests check it against math/big.
func FMA32(a, b, c float32) float32 {
	p := float64(float64(a) * float64(b)) // exact; the conversion forbids fusing it into s
	cc := float64(c)
	s := p + cc
	bb := s - p
	e := (p - (s - bb)) + (cc - bb) // s + e == p + c exactly
	f := float32(s)
	if e == 0 || float64(f) == s {
		return f
	}
	var g float32 // the other float32 neighbour of s
	if float64(f) < s {
		g = math.Nextafter32(f, float32(math.Inf(1)))
	} else {
		g = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	if math.Abs(s-float64(f)) != math.Abs(float64(g)-s) {
		return f // s is not a midpoint
	}
	if (e > 0) == (g > f) {
		return g
	}
	return f
}

// ExpFMARef is Exp32 evaluated in the order of the SIMD backends: every
// a·b+c step of the algorithm documented on Exp32 is one correctly rounded
// float32 FMA. Plain products (t, r2) and sums stay separately rounded.
func ExpFMARef(x float32) float32 {
	if !(x >= ExpMinInput && x <= ExpMaxInput) {
		return expSpecial(x)
	}
	nf := FMA32(x, ExpLog2e, ExpMagic)
	n := nf - ExpMagic
	rh := FMA32(n, -ExpLn2Hi, x)
	t := float32(n * ExpLn2Lo)
	r := rh - t
	q := FMA32(ExpC6, r, ExpC5)
	q = FMA32(q, r, ExpC4)
	q = FMA32(q, r, ExpC3)
	q = FMA32(q, r, ExpC2)
	r2 := float32(r * r)
	w := FMA32(r2, q, -t)
	p := (rh + w) + 1
	ni := int32(math.Float32bits(nf)) - expMagicBits
	n1 := ni >> 1
	n2 := ni - n1
	s1 := math.Float32frombits(uint32(n1+127) << 23)
	s2 := math.Float32frombits(uint32(n2+127) << 23)
	return float32(p*s1) * s2
}
