package kernel

// Float64 oracles for the kernel ops and the checkers that hold a result to
// the numerical contract of doc.go. The checkers return "" when the result
// keeps the contract and a description of the first violation otherwise, so
// that the table tests (ops_test.go) and the fuzz targets (fuzz_test.go)
// share them.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// forEachBackend runs f as a subtest named for every backend in Available(),
// with that backend active, and restores the original backend afterwards.
// The tests must not call t.Parallel: the backend is process-wide.
func forEachBackend(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	orig := Backend()
	t.Cleanup(func() {
		if err := Use(orig); err != nil {
			t.Errorf("restoring backend %q: %v", orig, err)
		}
	})
	for _, name := range Available() {
		t.Run(name, func(t *testing.T) {
			if err := Use(name); err != nil {
				t.Fatalf("Use(%q): %v", name, err)
			}
			if got := Backend(); got != name {
				t.Fatalf("after Use(%q), Backend() = %q", name, got)
			}
			f(t)
		})
	}
}

// ---------------------------------------------------------------------------
// float32 helpers

const (
	minNormal32 = 0x1p-126 // smallest normal float32
	maxFloat32  = math.MaxFloat32
	// dotSlackPerTerm is the absolute error a single float32 product may
	// pick up by underflowing (half the smallest subnormal, rounded up).
	dotSlackPerTerm = 0x1p-149
)

var (
	posInf32 = float32(math.Inf(1))
	negInf32 = float32(math.Inf(-1))
	qNaN32   = float32(math.NaN())
)

func isSubnormal32(v float32) bool {
	a := math.Abs(float64(v))
	return a != 0 && a < minNormal32
}

// class32 classifies v for the special-value comparisons: NaN, +Inf, −Inf
// or finite.
func class32(v float32) string {
	switch {
	case v != v:
		return "NaN"
	case math.IsInf(float64(v), 1):
		return "+Inf"
	case math.IsInf(float64(v), -1):
		return "-Inf"
	}
	return "finite"
}

// class64 is class32 for a float64 oracle value that is meant to be rounded
// to float32 (so a finite value beyond MaxFloat32 counts as ±Inf).
func class64(v float64) string { return class32(float32(v)) }

// ulp32 returns the unit in the last place of the float32 v: 2^(e−23) for a
// normal v in [2^e, 2^(e+1)) and 2^−149 for zero and subnormals.
func ulp32(v float32) float64 {
	a := math.Abs(float64(v))
	if a < minNormal32 {
		return 0x1p-149
	}
	_, e := math.Frexp(a) // a = f·2^e, f ∈ [0.5, 1)
	return math.Ldexp(1, e-1-23)
}

// ---------------------------------------------------------------------------
// Dot, MatVec, AddOuter

// oracleDot returns Σ x[i]·y[i] in float64 (every product of two float32s is
// exact in float64) and Σ|x[i]·y[i]| over the terms whose factors are both
// finite, which scales the tolerance.
func oracleDot(x, y []float32) (sum, absFinite float64) {
	for i, v := range x {
		p := float64(v) * float64(y[i])
		sum += p
		if !math.IsInf(float64(v), 0) && !math.IsInf(float64(y[i]), 0) && v == v && y[i] == y[i] {
			absFinite += math.Abs(p)
		}
	}
	return sum, absFinite
}

// checkSum holds one float32 result of a sum of n products to the contract:
// the float64 value sum and Σ|terms| abs (finite terms only) come from an
// oracle. The contract cannot apply when abs exceeds MaxFloat32/4, because
// then a float32 product or partial sum may overflow legitimately; such
// results are not checked (ok = false). Otherwise the NaN/±Inf class of the
// result must be the IEEE class of the exact sum, and a finite result must be
// within 1e-5·abs plus n·2^−149 (products that underflow) of it.
func checkSum(got float32, sum, abs float64, n int) (msg string, ok bool) {
	if abs > maxFloat32/4 {
		return "", false
	}
	if gc, wc := class32(got), class64(sum); gc != wc || gc != "finite" {
		if gc != wc {
			return fmt.Sprintf("got %v (%s), want %v (%s)", got, gc, sum, wc), true
		}
		return "", true
	}
	tol := 1e-5*abs + float64(n)*dotSlackPerTerm
	if err := math.Abs(float64(got) - sum); !(err <= tol) {
		return fmt.Sprintf("got %v, want %v ± %.3g (err %.3g = %.3g·Σ|terms|)", got, sum, tol, err, err/abs), true
	}
	return "", true
}

// checkDot checks Dot(x, y) = got; checked reports whether the contract
// applied (see checkSum).
func checkDot(got float32, x, y []float32) (msg string, checked bool) {
	sum, abs := oracleDot(x, y)
	return checkSum(got, sum, abs, len(x))
}

// checkMatVec checks y = w·x + b (b may be nil) row by row. skipped counts
// the rows to which the contract does not apply (see checkSum).
func checkMatVec(y []float32, w Matrix, x, b []float32) (msg string, skipped int) {
	for i := range y {
		sum, abs := oracleDot(w.Data[i*w.Stride:i*w.Stride+w.Cols], x)
		if b != nil {
			sum += float64(b[i])
			if !math.IsInf(float64(b[i]), 0) && b[i] == b[i] {
				abs += math.Abs(float64(b[i]))
			}
		}
		m, ok := checkSum(y[i], sum, abs, w.Cols+1)
		if !ok {
			skipped++
		}
		if m != "" {
			return fmt.Sprintf("y[%d]: %s", i, m), skipped
		}
	}
	return "", skipped
}

// addOuterRowApplies reports whether the contract can hold for row i of
// AddOuter: a = alpha·d[i] must be zero or a normal float32 (every backend
// rounds it to float32 before multiplying by x[j], so an underflow loses all
// relative accuracy and an overflow gives ±Inf where the exact product may
// be finite).
func addOuterRowApplies(alpha, di float32) bool {
	// alpha·d[i] is exact in float64; it is ±Inf only if a factor is.
	a := math.Abs(float64(alpha) * float64(di))
	return a != a || math.IsInf(a, 0) || a == 0 || a >= minNormal32 && a <= maxFloat32
}

// checkAddOuter checks that g (after the call) holds g0 + alpha·d[i]·x[j],
// where g0 is a copy of g.Data before the call. The padding is checked by
// the callers' guard checks. skipped counts the elements to which the
// contract does not apply (see checkSum and addOuterRowApplies).
func checkAddOuter(g Matrix, g0 []float32, alpha float32, d, x []float32) (msg string, skipped int) {
	for i := 0; i < g.Rows; i++ {
		rowOK := addOuterRowApplies(alpha, d[i])
		for j := 0; j < g.Cols; j++ {
			k := i*g.Stride + j
			before := float64(g0[k])
			term := float64(alpha) * float64(d[i]) * float64(x[j])
			want := before + term
			abs := 0.0
			for _, v := range []float64{before, term} {
				if !math.IsInf(v, 0) && v == v {
					abs += math.Abs(v)
				}
			}
			if !rowOK {
				skipped++
				continue
			}
			m, ok := checkSum(g.Data[k], want, abs, 1)
			if !ok {
				skipped++
			}
			if m != "" {
				return fmt.Sprintf("g[%d,%d] (was %v, alpha %v, d %v, x %v): %s", i, j, g0[k], alpha, d[i], x[j], m), skipped
			}
		}
	}
	return "", skipped
}

// ---------------------------------------------------------------------------
// Exp

// oracleExp returns e^x in float64 and the float32 the contract asks for:
// the correctly rounded result if it is a normal float32 or +Inf, else +0
// (NaN for NaN).
func oracleExp(x float32) (exact float64, want float32) {
	exact = math.Exp(float64(x))
	want = float32(exact)
	if want < minNormal32 {
		want = 0
	}
	return exact, want
}

// expULPErr returns |got − e^x| in ULPs of the correctly rounded result.
func expULPErr(got, x float32) float64 {
	exact, cr := oracleExp(x)
	return math.Abs(float64(got)-exact) / ulp32(cr)
}

// checkExp checks got = Exp(x): NaN for NaN, +Inf where the correctly
// rounded result overflows, +0 (positive zero) where it is below the smallest
// normal float32, and otherwise an error of at most 1 ULP of the correctly
// rounded result.
func checkExp(got, x float32) string {
	if x != x {
		if got == got {
			return fmt.Sprintf("exp(NaN) = %v, want NaN", got)
		}
		return ""
	}
	_, want := oracleExp(x)
	switch {
	case got != got:
		return fmt.Sprintf("exp(%v) = NaN, want %v", x, want)
	case isSubnormal32(got):
		return fmt.Sprintf("exp(%v) = %v (%#08x) is subnormal", x, got, math.Float32bits(got))
	case math.IsInf(float64(want), 1):
		if !math.IsInf(float64(got), 1) {
			return fmt.Sprintf("exp(%v) = %v, want +Inf", x, got)
		}
	case want == 0:
		if math.Float32bits(got) != 0 {
			return fmt.Sprintf("exp(%v) = %v (%#08x), want +0 (result below the smallest normal)", x, got, math.Float32bits(got))
		}
	default:
		if e := expULPErr(got, x); !(e <= 1) {
			return fmt.Sprintf("exp(%v) = %v (%#08x), correctly rounded %v (%#08x): error %.3f ULP > 1",
				x, got, math.Float32bits(got), want, math.Float32bits(want), e)
		}
	}
	return ""
}

// ---------------------------------------------------------------------------
// LogSumExp, Softmax, LogSoftmax, SoftmaxCrossEntropy

// lseCase is the oracle's analysis of a logit vector.
type lseCase int

const (
	lseOrdinary  lseCase = iota // finite max: the max-subtracted formulas apply
	lseEmpty                    // lse = −Inf, nothing written
	lseAllNegInf                // lse = −Inf, every output NaN
	lseNaN                      // a NaN or +Inf: lse and every output NaN
)

// lseOracle is the float64 max-subtracted evaluation of a logit vector.
type lseOracle struct {
	kind   lseCase
	m      float64 // max (ordinary case)
	logSum float64 // log Σ exp(x[i] − m) (ordinary case)
}

func newLSEOracle(x []float32) lseOracle {
	if len(x) == 0 {
		return lseOracle{kind: lseEmpty}
	}
	m := math.Inf(-1)
	for _, v := range x {
		if v != v || math.IsInf(float64(v), 1) {
			return lseOracle{kind: lseNaN}
		}
		m = math.Max(m, float64(v))
	}
	if math.IsInf(m, -1) {
		return lseOracle{kind: lseAllNegInf}
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v) - m)
	}
	return lseOracle{kind: lseOrdinary, m: m, logSum: math.Log(s)}
}

// lse returns the oracle's log Σ exp(x[i]).
func (o lseOracle) lse() float64 {
	switch o.kind {
	case lseEmpty, lseAllNegInf:
		return math.Inf(-1)
	case lseNaN:
		return math.NaN()
	}
	return o.m + o.logSum
}

// p returns the oracle's softmax probability of logit v (ordinary case).
func (o lseOracle) p(v float32) float64 { return math.Exp(float64(v) - o.m - o.logSum) }

// lseTol is the tolerance on a returned lse: 2e-7 relative (a little more
// than the final float32 rounding, 2^−24 ≈ 6e-8, plus the exp errors) plus
// 1e-6 absolute (the same absolute slack doc.go grants LogSoftmax, whose
// output at the maximum is −(lse − max)).
func lseTol(want float64) float64 { return 2e-7*math.Abs(want) + 1e-6 }

// checkLSEValue checks a returned lse against the oracle.
func checkLSEValue(got float32, o lseOracle) string {
	want := o.lse()
	switch o.kind {
	case lseNaN:
		if got == got {
			return fmt.Sprintf("lse = %v, want NaN (input holds NaN or +Inf)", got)
		}
		return ""
	case lseEmpty, lseAllNegInf:
		if !math.IsInf(float64(got), -1) {
			return fmt.Sprintf("lse = %v, want -Inf (empty or all -Inf)", got)
		}
		return ""
	}
	if err := math.Abs(float64(got) - want); !(err <= lseTol(want)) {
		return fmt.Sprintf("lse = %v, want %v ± %.3g (err %.3g)", got, want, lseTol(want), err)
	}
	return ""
}

// checkLogSumExp checks got = LogSumExp(x).
func checkLogSumExp(got float32, x []float32) string {
	return checkLSEValue(got, newLSEOracle(x))
}

// checkAllNaN reports the first non-NaN element of out.
func checkAllNaN(out []float32, what string) string {
	for i, v := range out {
		if v == v {
			return fmt.Sprintf("%s[%d] = %v, want NaN", what, i, v)
		}
	}
	return ""
}

// checkSoftmax checks p, lse = Softmax(x): every p within 1e-6 of the
// oracle (exactly 0 for −Inf logits), |Σp − 1| ≤ 1e-5, lse per lseTol, and
// the special cases of doc.go.
func checkSoftmax(p []float32, lse float32, x []float32) string {
	o := newLSEOracle(x)
	if m := checkLSEValue(lse, o); m != "" && o.kind != lseOrdinary {
		return m
	}
	switch o.kind {
	case lseNaN, lseAllNegInf:
		return checkAllNaN(p, "p")
	case lseEmpty:
		return ""
	}
	var sum float64
	for i, v := range x {
		got := p[i]
		if math.IsInf(float64(v), -1) {
			if got != 0 {
				return fmt.Sprintf("p[%d] = %v for logit -Inf, want exactly 0", i, got)
			}
			continue
		}
		want := o.p(v)
		if err := math.Abs(float64(got) - want); !(err <= 1e-6) {
			return fmt.Sprintf("p[%d] = %v, want %v ± 1e-6 (err %.3g; logit %v, max %v)", i, got, want, err, v, o.m)
		}
		sum += float64(got)
	}
	if d := math.Abs(sum - 1); !(d <= 1e-5) {
		return fmt.Sprintf("Σp = %v, |Σp − 1| = %.3g > 1e-5", sum, d)
	}
	return checkLSEValue(lse, o)
}

// logSoftmaxTol is doc.go's bound for output i: 2^−22·(|xᵢ − max| +
// |lse − max|) + 1e-6.
func logSoftmaxTol(v float32, o lseOracle) float64 {
	return 0x1p-22*(math.Abs(float64(v)-o.m)+math.Abs(o.logSum)) + 1e-6
}

// checkLogSoftmax checks out, lse = LogSoftmax(x). An output whose exact
// value x[i] − lse is beyond the float32 range may be the ±Inf it rounds to.
func checkLogSoftmax(out []float32, lse float32, x []float32) string {
	o := newLSEOracle(x)
	if m := checkLSEValue(lse, o); m != "" && o.kind != lseOrdinary {
		return m
	}
	switch o.kind {
	case lseNaN, lseAllNegInf:
		return checkAllNaN(out, "out")
	case lseEmpty:
		return ""
	}
	for i, v := range x {
		got := out[i]
		if math.IsInf(float64(v), -1) {
			if !math.IsInf(float64(got), -1) {
				return fmt.Sprintf("out[%d] = %v for logit -Inf, want -Inf", i, got)
			}
			continue
		}
		want := (float64(v) - o.m) - o.logSum
		if math.IsInf(float64(got), 0) && float32(want) == got {
			continue // the exact value overflows float32
		}
		tol := logSoftmaxTol(v, o)
		if err := math.Abs(float64(got) - want); !(err <= tol) {
			return fmt.Sprintf("out[%d] = %v, want %v ± %.3g (err %.3g; logit %v, max %v)", i, got, want, tol, err, v, o.m)
		}
	}
	return checkLSEValue(lse, o)
}

// checkSoftmaxCrossEntropy checks grad, loss = SoftmaxCrossEntropy(x,
// label): grad within 1e-6 of p − onehot (exactly −onehot for −Inf logits),
// |Σgrad| ≤ 1e-5, loss within 1e-6·(1 + |loss|) of log Σ exp(zᵢ − max) −
// (z_label − max) (+Inf if z_label = −Inf). Every output, loss included, is
// NaN when lse is NaN or every logit is −Inf.
func checkSoftmaxCrossEntropy(grad []float32, loss float32, x []float32, label int) string {
	o := newLSEOracle(x)
	switch o.kind {
	case lseNaN, lseAllNegInf:
		if loss == loss {
			return fmt.Sprintf("loss = %v, want NaN", loss)
		}
		return checkAllNaN(grad, "grad")
	case lseEmpty:
		return "empty logits must panic"
	}
	var sum float64
	for i, v := range x {
		got := grad[i]
		one := 0.0
		if i == label {
			one = 1
		}
		if math.IsInf(float64(v), -1) {
			if float64(got) != -one {
				return fmt.Sprintf("grad[%d] = %v for logit -Inf, want exactly %v", i, got, -one)
			}
			sum += float64(got)
			continue
		}
		want := o.p(v) - one
		if err := math.Abs(float64(got) - want); !(err <= 1e-6) {
			return fmt.Sprintf("grad[%d] = %v, want %v ± 1e-6 (err %.3g; label %d)", i, got, want, err, label)
		}
		sum += float64(got)
	}
	if !(math.Abs(sum) <= 1e-5) {
		return fmt.Sprintf("Σgrad = %v, want 0 ± 1e-5", sum)
	}
	zl := x[label]
	if math.IsInf(float64(zl), -1) {
		if !math.IsInf(float64(loss), 1) {
			return fmt.Sprintf("loss = %v with z[label] = -Inf, want +Inf", loss)
		}
		return ""
	}
	want := o.logSum - (float64(zl) - o.m)
	if math.IsInf(float64(loss), 1) && float32(want) == loss {
		return "" // exact loss beyond the float32 range
	}
	tol := 1e-6 * (1 + math.Abs(want))
	if err := math.Abs(float64(loss) - want); !(err <= tol) {
		return fmt.Sprintf("loss = %v, want %v ± %.3g (err %.3g; label %d)", loss, want, tol, err, label)
	}
	return ""
}

// ---------------------------------------------------------------------------
// Buffers with guards

// outGuardBits is written around every output region and into matrix
// padding: a quiet NaN with a payload no op produces, compared bit for bit.
const outGuardBits = 0x7fa5c0de

// inGuardBits surrounds the inputs: a NaN, so that a backend that reads past
// the end of an input and lets it into a result is caught by the oracle.
const inGuardBits = 0x7fc0ffee

var outGuard = math.Float32frombits(outGuardBits)

// guardTail is the number of guard elements after every region.
const guardTail = 19

// guarded is a slice of length n at offset off inside a larger buffer whose
// other elements hold a guard value. The slice's capacity extends into the
// trailing guard, so writes past len through the capacity are caught too.
type guarded struct {
	buf   []float32
	off   int
	n     int
	guard uint32
}

func newGuarded(n, off int, guard uint32) guarded {
	g := guarded{buf: make([]float32, off+n+guardTail), off: off, n: n, guard: guard}
	for i := range g.buf {
		g.buf[i] = math.Float32frombits(guard)
	}
	return g
}

// outBuf returns a guarded output slice of length n at offset off.
func outBuf(n, off int) guarded { return newGuarded(n, off, outGuardBits) }

// inBuf copies src into a guarded buffer at offset off (misaligned for any
// off not a multiple of 16) and returns the slice.
func inBuf(src []float32, off int) []float32 {
	g := newGuarded(len(src), off, inGuardBits)
	copy(g.s(), src)
	return g.s()
}

func (g guarded) s() []float32 { return g.buf[g.off : g.off+g.n] }

// check reports the first guard element that is not intact.
func (g guarded) check() string {
	for i, v := range g.buf {
		if i >= g.off && i < g.off+g.n {
			continue
		}
		if math.Float32bits(v) != g.guard {
			return fmt.Sprintf("guard at buffer index %d (region [%d, %d)) overwritten with %v (%#08x)",
				i, g.off, g.off+g.n, v, math.Float32bits(v))
		}
	}
	return ""
}

// sameBits reports the first index where a and b differ bit for bit.
func sameBits(a, b []float32) string {
	if len(a) != len(b) {
		return fmt.Sprintf("lengths %d and %d", len(a), len(b))
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return fmt.Sprintf("index %d: %v (%#08x) vs %v (%#08x)", i, a[i], math.Float32bits(a[i]), b[i], math.Float32bits(b[i]))
		}
	}
	return ""
}

// guardedMatrix is a Rows×Cols Matrix with the given Stride whose Data
// starts at offset off of a larger buffer. Everything in the buffer that is
// not an element (the leading guard, the padding between Cols and Stride,
// the trailing guard) holds outGuard.
type guardedMatrix struct {
	m   Matrix
	buf []float32
	off int
}

// newGuardedMatrix builds the matrix. If minimal, Data ends right after the
// last element ((Rows−1)·Stride + Cols); otherwise it holds Rows·Stride.
func newGuardedMatrix(rows, cols, stride, off int, minimal bool, fill func(i, j int) float32) guardedMatrix {
	need := rows * stride
	if minimal && rows > 0 {
		need = (rows-1)*stride + cols
	}
	buf := make([]float32, off+need+guardTail)
	for i := range buf {
		buf[i] = outGuard
	}
	data := buf[off : off+need]
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			data[i*stride+j] = fill(i, j)
		}
	}
	return guardedMatrix{m: Matrix{Rows: rows, Cols: cols, Stride: stride, Data: data}, buf: buf, off: off}
}

// newAlignedGuardedMatrix is NewMatrix(rows, cols) with its padding set to
// outGuard. Its Data has no room for a trailing guard (its capacity ends
// with the last row).
func newAlignedGuardedMatrix(rows, cols int, fill func(i, j int) float32) guardedMatrix {
	m := NewMatrix(rows, cols)
	for k := range m.Data {
		i, j := k/m.Stride, k%m.Stride
		if j < cols {
			m.Data[k] = fill(i, j)
		} else {
			m.Data[k] = outGuard
		}
	}
	return guardedMatrix{m: m, buf: m.Data[:cap(m.Data)], off: 0}
}

// isElement reports whether buffer index k holds a matrix element.
func (g guardedMatrix) isElement(k int) bool {
	k -= g.off
	if k < 0 || k >= len(g.m.Data) || g.m.Stride <= 0 {
		return false
	}
	i, j := k/g.m.Stride, k%g.m.Stride
	return i < g.m.Rows && j < g.m.Cols
}

// checkGuards reports the first non-element position that was written.
func (g guardedMatrix) checkGuards() string {
	for k, v := range g.buf {
		if g.isElement(k) {
			continue
		}
		if math.Float32bits(v) != outGuardBits {
			return fmt.Sprintf("matrix guard/padding at buffer index %d (Data offset %d, Stride %d, Cols %d) overwritten with %v",
				k, k-g.off, g.m.Stride, g.m.Cols, v)
		}
	}
	return ""
}

// ---------------------------------------------------------------------------
// Inputs

// newRand returns a deterministic generator for a test.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

// dist is an input distribution.
type dist struct {
	name string
	gen  func(r *rand.Rand) float32
}

func uniform(lo, hi float64) func(r *rand.Rand) float32 {
	return func(r *rand.Rand) float32 { return float32(lo + (hi-lo)*r.Float64()) }
}

// The distributions that matter: small values, logits spread wide, large
// offsets (cancellation in Dot, max subtraction in Softmax) and the edges of
// exp's range.
var (
	distUnit   = dist{"unit", uniform(-1, 1)}
	distSpread = dist{"spread50", uniform(-50, 50)}
	distPlus   = dist{"1e4±10", uniform(1e4-10, 1e4+10)}
	distMinus  = dist{"-1e4±10", uniform(-1e4-10, -1e4+10)}
	distExpLo  = dist{"exp-low", uniform(-87.4, -87.3)}
	distExpHi  = dist{"exp-high", uniform(88.6, 88.8)}
	// distNegInf is distSpread with about one entry in 8 set to −Inf.
	distNegInf = dist{"spread50+-Inf", func(r *rand.Rand) float32 {
		if r.IntN(8) == 0 {
			return negInf32
		}
		return float32(-50 + 100*r.Float64())
	}}
	// distExpAll covers exp's whole interesting range and beyond.
	distExpAll = dist{"exp-all", uniform(-104, 90)}
	// distBits is any float32 bit pattern (NaN, Inf, subnormal included).
	distBits = dist{"bits", func(r *rand.Rand) float32 { return math.Float32frombits(r.Uint32()) }}
)

var logitDists = []dist{distUnit, distSpread, distPlus, distMinus, distExpLo, distExpHi, distNegInf}

func fillVec(r *rand.Rand, n int, d dist) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = d.gen(r)
	}
	return v
}

// testLengths returns every length 0..300 followed by random lengths up to
// 1e5 (20 of them, 4 under -short), the same for every call with one seed.
func testLengths(seed uint64) []int {
	n := make([]int, 0, 322)
	for i := 0; i <= 300; i++ {
		n = append(n, i)
	}
	r := newRand(seed)
	k := 20
	if testing.Short() {
		k = 4
	}
	for range k {
		n = append(n, 301+r.IntN(100000-301+1))
	}
	n = append(n, 100000)
	return n
}

// offsets returns the (misaligned) offsets of the input and the output
// for length n: 1..15, rotating with n.
func offsets(n int) (in, out int) { return 1 + n%15, 1 + (n*7+3)%15 }
