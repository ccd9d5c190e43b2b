package fallback

import "math"

// ln2 is log 2 rounded to float64.
const ln2 = 0.693147180559945309417232121458176568

// logTableBits is log₂ of the number of table entries of LogSum.
const logTableBits = 7

// logInvC[i] and logC[i] are 1/c and log c rounded to float64 for
// c = 1 + (2i+1)/2^(logTableBits+1), the midpoint of the i-th interval of
// [1, 2). They are computed at start-up by float64 arithmetic alone (see
// logSeries), so they are the same on every GOARCH.
var logInvC, logC [1 << logTableBits]float64

func init() {
	for i := range logC {
		c := 1 + float64(2*i+1)/(1<<(logTableBits+1))
		logInvC[i] = 1 / c
		logC[i] = logSeries(c)
	}
}

// logSeries returns log c for c in [1, 2) by 2·atanh(s), s = (c−1)/(c+1),
// after halving c above √2 (then |s| ≤ 0.1716 and 14 terms leave less than
// 1e-23). Every product is rounded explicitly: no architecture fuses them.
func logSeries(c float64) float64 {
	e := 0.0
	if c > math.Sqrt2 {
		c, e = c/2, 1
	}
	s := (c - 1) / (c + 1)
	z := float64(s * s)
	p := 0.0
	for k := 27; k >= 3; k -= 2 {
		p = float64(p*z) + 1/float64(k)
	}
	return float64(e*ln2) + (2*s + float64(float64(2*s*z)*p))
}

// ProdBound bounds a running product of row sums whose log is taken with
// LogSum (the batched cross-entropy's Σ log s as log Π s): the product is
// folded into the log as soon as it exceeds ProdBound, so it never
// overflows while every row sum is at most 1e58. Package kernel and the
// AVX-512 loss kernel (generated from this constant) use the same bound.
const ProdBound = 1e250

// LogSum returns log x for the sums of exponentials of the softmax family,
// x ≥ 1 (their largest term is exp(0) = 1), with about a third of
// math.Log's latency on amd64 (the log is the longest step of a short
// softmax row). With x = 2^e·f, f in [1, 2), and c the midpoint of f's
// interval of width 1/128 (tabulated with 1/c and log c),
//
//	log x = e·ln2 + log c + log1p(r),  r = (f − c)·(1/c),  |r| < 1/256
//
// (f − c is exact, so r has the relative error of 1/c alone), and log1p(r)
// is its Taylor polynomial up to r⁶ (truncation below 2e-18).
// The result is within 5e-16 of log x, relative, or 2e-17 absolute near
// x = 1 (measured against math.Log over [1, 2^1000]). Every product is
// rounded explicitly, so it is the same on every GOARCH. Outside [1,
// MaxFloat64] (NaN included) it returns math.Log(x).
func LogSum(x float64) float64 {
	if !(x >= 1 && x <= math.MaxFloat64) {
		return math.Log(x)
	}
	b := math.Float64bits(x)
	e := float64(int(b>>52) - 1023)
	i := (b >> (52 - logTableBits)) & (1<<logTableBits - 1)
	f := math.Float64frombits(b&(1<<52-1) | 1023<<52)
	c0 := 1 + float64(2*i+1)/(1<<(logTableBits+1)) // exact (9 bits)
	r := float64((f - c0) * logInvC[i])            // f − c0 is exact (Sterbenz)
	r2 := float64(r * r)
	r4 := float64(r2 * r2)
	// r − r²/2 + r³/3 − r⁴/4 + r⁵/5 − r⁶/6, in three independent parts.
	a := float64(r2*(float64(r*(1.0/3))-0.5)) + r
	c := float64(r4 * (float64(r*0.2) - 0.25 - float64(r2*(1.0/6))))
	return (float64(e*ln2) + logC[i]) + (a + c)
}
