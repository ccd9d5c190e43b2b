package fallback

import "math"

// dotBlock is the number of elements summed in float32 before the partial sum
// is added to a float64 total. With 8 accumulators each float32 accumulator
// adds at most 128 terms, which bounds the relative error of the float32 part
// by about 131·2⁻²⁴ ≈ 7.8e-6 of Σ|terms| for any length.
const dotBlock = 1024

// dot32 returns Σ x[i]·y[i] for len(x) ≤ dotBlock in float32 with 8
// independent accumulators. len(y) must be ≥ len(x).
func dot32(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	for len(x) >= 8 {
		xs, ys := x[:8:8], y[:8:8]
		s0 += float32(xs[0] * ys[0])
		s1 += float32(xs[1] * ys[1])
		s2 += float32(xs[2] * ys[2])
		s3 += float32(xs[3] * ys[3])
		s4 += float32(xs[4] * ys[4])
		s5 += float32(xs[5] * ys[5])
		s6 += float32(xs[6] * ys[6])
		s7 += float32(xs[7] * ys[7])
		x, y = x[8:], y[8:]
	}
	for i, v := range x {
		s0 += float32(v * y[i])
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}

// dot64 returns Σ x[i]·y[i] as a float64 accumulated from float32 blocks.
func dot64(x, y []float32) float64 {
	y = y[:len(x)]
	var total float64
	for len(x) > dotBlock {
		total += float64(dot32(x[:dotBlock], y[:dotBlock]))
		x, y = x[dotBlock:], y[dotBlock:]
	}
	return total + float64(dot32(x, y))
}

// Dot returns Σ x[i]·y[i]. len(y) must be ≥ len(x).
func Dot(x, y []float32) float32 {
	return float32(dot64(x, y))
}

// MatVec sets y[i] = Σj w[i·stride+j]·x[j] + b[i] for i < len(y), with
// cols = len(x). b may be nil (no bias) or alias y exactly.
func MatVec(y, w []float32, stride int, x, b []float32) {
	cols := len(x)
	for i := range y {
		s := dot64(w[i*stride:i*stride+cols], x)
		if b != nil {
			s += float64(b[i])
		}
		y[i] = float32(s)
	}
}

// AddOuter adds alpha·d[i]·x[j] to w[i·stride+j] for i < len(d), j < len(x).
func AddOuter(g []float32, stride int, alpha float32, d, x []float32) {
	cols := len(x)
	for i, di := range d {
		// No shortcut for a == 0: 0·Inf must give NaN on every backend.
		a := float32(alpha * di)
		row := g[i*stride : i*stride+cols : i*stride+cols]
		xs := x[:len(row)]
		j := 0
		for ; j+4 <= len(row); j += 4 {
			r, v := row[j:j+4:j+4], xs[j:j+4:j+4]
			r[0] += float32(a * v[0])
			r[1] += float32(a * v[1])
			r[2] += float32(a * v[2])
			r[3] += float32(a * v[3])
		}
		for ; j < len(row); j++ {
			row[j] += float32(a * xs[j])
		}
	}
}

// Max returns the largest element of x, ignoring NaNs, or −Inf if x is
// empty or holds only NaNs and −Infs.
func Max(x []float32) float32 {
	m0, m1, m2, m3 := float32(math.Inf(-1)), float32(math.Inf(-1)), float32(math.Inf(-1)), float32(math.Inf(-1))
	for len(x) >= 4 {
		v := x[:4:4]
		if v[0] > m0 {
			m0 = v[0]
		}
		if v[1] > m1 {
			m1 = v[1]
		}
		if v[2] > m2 {
			m2 = v[2]
		}
		if v[3] > m3 {
			m3 = v[3]
		}
		x = x[4:]
	}
	for _, v := range x {
		if v > m0 {
			m0 = v
		}
	}
	if m1 > m0 {
		m0 = m1
	}
	if m3 > m2 {
		m2 = m3
	}
	if m2 > m0 {
		m0 = m2
	}
	return m0
}

// expBlock is the number of elements exponentiated per pass of
// ExpShiftSum (the size of its stack buffer when dst is nil).
const expBlock = 256

// ExpShiftSum returns Σ exp(src[i] − m), accumulated in float64. If dst is
// not nil (len(dst) == len(src)) the exponentials are also stored in dst,
// which may alias src exactly.
//
// The sum is float64 because a float32 sum cannot meet the softmax
// contract: with one term 1 (the maximum) and thousands of terms below
// 2^-24, each small term is rounded away in float32 and the probabilities
// come out several 1e-6 too large.
func ExpShiftSum(dst, src []float32, m float32) float64 {
	var buf [expBlock]float32
	var a0, a1, a2, a3 float64
	for off := 0; off < len(src); off += expBlock {
		s := src[off:min(off+expBlock, len(src))]
		var e []float32
		if dst != nil {
			e = dst[off : off+len(s)]
		} else {
			e = buf[:len(s)]
		}
		for i, v := range s {
			e[i] = v - m
		}
		Exp(e, e)
		for len(e) >= 4 {
			v := e[:4:4]
			a0 += float64(v[0])
			a1 += float64(v[1])
			a2 += float64(v[2])
			a3 += float64(v[3])
			e = e[4:]
		}
		for _, v := range e {
			a0 += float64(v)
		}
	}
	return (a0 + a1) + (a2 + a3)
}

// Scale multiplies every element of x by s.
func Scale(x []float32, s float32) {
	for i := range x {
		x[i] = float32(x[i] * s)
	}
}

// ShiftSub sets dst[i] = (src[i] − m) − l, rounding each step to float32.
// dst may alias src exactly.
func ShiftSub(dst, src []float32, m, l float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = (v - m) - l
	}
}

// anyNaN reports whether x holds a NaN.
func anyNaN(x []float32) bool {
	for _, v := range x {
		if v != v {
			return true
		}
	}
	return false
}

// fill sets every element of x to v.
func fill(x []float32, v float32) {
	for i := range x {
		x[i] = v
	}
}

var nan32 = float32(math.NaN())

// specialLSE handles the inputs for which the max-subtracted sum is not
// usable: it returns ok = false for ordinary input. Otherwise lse is the
// result (−Inf when every element is −Inf, NaN when an element is NaN or
// +Inf). m is Max(x).
func specialLSE(x []float32, m float32) (lse float32, ok bool) {
	switch {
	case math.IsInf(float64(m), 1):
		return nan32, true
	case math.IsInf(float64(m), -1):
		if anyNaN(x) {
			return nan32, true
		}
		return float32(math.Inf(-1)), true
	}
	return 0, false
}

// LogSumExp returns log Σ exp(x[i]), max-subtracted; −Inf for empty x.
func LogSumExp(x []float32) float32 {
	m := Max(x)
	if lse, ok := specialLSE(x, m); ok {
		return lse
	}
	s := ExpShiftSum(nil, x, m)
	return float32(float64(m) + LogSum(s))
}

// Softmax sets dst[i] = exp(src[i] − lse) and returns lse = log Σ exp(src[i]).
// dst may alias src exactly.
func Softmax(dst, src []float32) float32 {
	_, _, lse := softmax(dst, src)
	return lse
}

// softmax is Softmax that also returns m = Max(src) and
// logSum = log Σ exp(src[i] − m) in float64 (NaN for special input).
func softmax(dst, src []float32) (m float32, logSum float64, lse float32) {
	m = Max(src)
	if l, ok := specialLSE(src, m); ok {
		fill(dst[:len(src)], nan32)
		return m, math.NaN(), l
	}
	s := ExpShiftSum(dst, src, m)
	if s != s {
		fill(dst[:len(src)], nan32)
		return m, s, nan32
	}
	Scale(dst[:len(src)], float32(1/s))
	logSum = LogSum(s)
	return m, logSum, float32(float64(m) + logSum)
}

// LogSoftmax sets dst[i] = src[i] − lse and returns lse = log Σ exp(src[i]).
// dst may alias src exactly.
func LogSoftmax(dst, src []float32) float32 {
	m := Max(src)
	if l, ok := specialLSE(src, m); ok {
		fill(dst[:len(src)], nan32)
		return l
	}
	s := ExpShiftSum(nil, src, m)
	if s != s {
		fill(dst[:len(src)], nan32)
		return nan32
	}
	logSum := LogSum(s)
	ShiftSub(dst, src, m, float32(logSum))
	return float32(float64(m) + logSum)
}

// SoftmaxCrossEntropy sets grad = softmax(logits) − onehot(label) and returns
// the loss log Σ exp(logits) − logits[label]. grad may alias logits exactly.
// label must be in range.
func SoftmaxCrossEntropy(grad, logits []float32, label int) float32 {
	zy := logits[label]
	m, logSum, _ := softmax(grad, logits)
	grad[label] -= 1
	if logSum != logSum {
		return nan32
	}
	return float32(logSum - (float64(zy) - float64(m)))
}
