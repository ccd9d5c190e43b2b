package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seed7bc074a2/maxent/fallback"
)

// Tests of the fused prediction path (predict.go) through Predict and
// PredictProba, on every backend: the float64 oracle at every class count
// up to past the fused kernels' 16 and lengths from 0 past several
// 64-vector blocks, strided and misaligned W and x, every link; special
// values the same on every backend; guard pages (guardpage_test.go); and
// FuzzPredict against the fallback reference (fallback.MatVec and
// fallback.Softmax).

// predictLengths are the feature counts of the tests: every count to 70,
// then around the vector blocks (64 vectors of 8 or 16 lanes).
func predictLengths() []int {
	var ms []int
	for m := 0; m <= 70; m++ {
		ms = append(ms, m)
	}
	ms = append(ms, 100, 127, 128, 129, 255, 256, 257, 511, 512, 513, 520, 784, 1023, 1024, 1025, 1040, 1041, 2047, 2048, 2100, 4097)
	if testing.Short() {
		ms = []int{0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65, 100, 513, 520, 784, 1040, 1041, 2100}
	}
	return ms
}

// predictModel returns a model of k classes and m features whose W has
// the given padding and starts off elements into its buffer (misaligned),
// with weights and biases from gen.
func predictModel(k, m, pad, off int, gen func() float32) *Model {
	stride := m + pad
	buf := make([]float32, off+k*stride)
	w := Matrix{Rows: k, Cols: m, Stride: stride, Data: buf[off:]}
	for i := 0; i < k; i++ {
		for j := 0; j < m; j++ {
			w.Data[i*stride+j] = gen()
		}
	}
	b := make([]float32, k)
	for i := range b {
		b[i] = gen()
	}
	return &Model{Classes: k, Features: m, W: w, B: b}
}

// logitOracle returns the float64 logits of md on x and the largest bound
// on their errors that the contract allows (1e-5·Σ|terms| per logit, plus
// underflow slack).
func logitOracle(md *Model, x []float32) (z []float64, errMax float64) {
	z = make([]float64, md.Classes)
	for i := range z {
		s, abs := oracleDot(md.W.Data[i*md.W.Stride:i*md.W.Stride+md.Features], x)
		z[i] = s + float64(md.B[i])
		abs += math.Abs(float64(md.B[i]))
		errMax = math.Max(errMax, 1e-5*abs+float64(md.Features+1)*dotSlackPerTerm)
	}
	return z, errMax
}

// checkPredictRow checks Predict, PredictProba under the softmax link and
// under the raw link on one row against the oracle.
func checkPredictRow(t *testing.T, md *Model, x []float32, p []float32) {
	t.Helper()
	z, dz := logitOracle(md, x)
	ctx := fmt.Sprintf("k=%d m=%d stride=%d", md.Classes, md.Features, md.W.Stride)
	zmax, imax := math.Inf(-1), -1
	for i, v := range z {
		if v > zmax {
			zmax, imax = v, i
		}
	}
	c := md.Predict(x)
	if c < 0 || c >= md.Classes || z[c] < zmax-2*dz {
		t.Fatalf("%s: Predict = %d (logit %v), the largest logit is %d (%v), bound %.3g", ctx, c, z[max(c, 0)], imax, zmax, dz)
	}
	md.Link = LinkRaw
	md.PredictProba(p, x)
	for i, v := range p {
		if d := math.Abs(float64(v) - z[i]); !(d <= dz) {
			t.Fatalf("%s: logit %d = %v, oracle %v, error %.3g > %.3g", ctx, i, v, z[i], d, dz)
		}
	}
	md.Link = LinkSoftmax
	md.PredictProba(p, x)
	var s float64
	for i := range z {
		s += math.Exp(z[i] - zmax)
	}
	var sum float64
	for i, v := range p {
		want := math.Exp(z[i]-zmax) / s
		if d := math.Abs(float64(v) - want); !(d <= 1e-6+2.02*want*dz) {
			t.Fatalf("%s: p[%d] = %v, oracle %v, error %.3g (logit bound %.3g)", ctx, i, v, want, d, dz)
		}
		sum += float64(v)
	}
	if d := math.Abs(sum - 1); !(d <= 1e-5) {
		t.Fatalf("%s: Σp = %v", ctx, sum)
	}
}

// TestPredictFused holds Predict and PredictProba (softmax and raw links)
// to the oracle on every backend, for every class count 1..20 (the fused
// kernels take up to 16) and lengths past several blocks, with strided,
// misaligned W and misaligned x.
func TestPredictFused(t *testing.T) {
	rng := newRand(41)
	unit := func() float32 { return float32(rng.NormFloat64()) }
	forEachBackendModel(t, func(t *testing.T) {
		for k := 1; k <= 20; k++ {
			for _, m := range predictLengths() {
				pad, off := (k+m)%4, (k*7+m)%16
				md := predictModel(k, m, pad, off, unit)
				x := inBuf(fillVec(rng, m, distUnit), 1+m%15)
				checkPredictRow(t, md, x, make([]float32, k))
			}
		}
	})
}

// TestPredictFusedLinks compares every link's PredictProba with the
// oracle through the fused kernel's logits.
func TestPredictFusedLinks(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	forEachBackendModel(t, func(t *testing.T) {
		for _, link := range []Link{LinkOneVsRest, LinkLogistic, LinkSoftmaxZero} {
			for _, k := range []int{2, 5, 16} {
				if link == LinkLogistic && k != 2 {
					continue
				}
				for _, m := range []int{0, 3, 64, 1041} {
					md := randomModel(rng, k, m, false)
					md.Link = link
					x := randVec(rng, m)
					p := make([]float32, k)
					md.PredictProba(p, x)
					want := oracleProba(md, x)
					for i := range p {
						if d := math.Abs(float64(p[i]) - want[i]); !(d <= 1e-5) {
							t.Fatalf("%v k=%d m=%d: p[%d] = %v, oracle %v", link, k, m, i, p[i], want[i])
						}
					}
				}
			}
		}
	})
}

// predictSpecialCase returns the special logits or inputs of case c for a
// model of k classes and m features (md's W and B, x modified).
func predictSpecialCase(c int, rng *rand.Rand, md *Model, x []float32) {
	k, m := md.Classes, md.Features
	pick := func(n int) int { return rng.IntN(n) }
	switch c {
	case 0:
		md.B[pick(k)] = qNaN32
	case 1:
		md.B[pick(k)] = posInf32
	case 2:
		md.B[pick(k)] = negInf32
	case 3:
		for i := range md.B {
			md.B[i] = negInf32
		}
	case 4:
		for i := range md.B {
			md.B[i] = negInf32
		}
		md.B[pick(k)] = qNaN32
	case 5:
		if m > 0 {
			x[pick(m)] = qNaN32
		}
	case 6:
		if m > 0 {
			x[pick(m)] = posInf32
		}
	case 7:
		if m > 0 {
			md.W.Data[pick(k)*md.W.Stride+pick(m)] = negInf32
		}
	case 8: // ties
		for i := range md.B {
			md.B[i] = 0.5
		}
		for i := 0; i < k; i++ {
			for j := 0; j < m; j++ {
				md.W.Data[i*md.W.Stride+j] = 0.25
			}
		}
	case 9: // −0 and underflowing probabilities
		for i := range md.B {
			md.B[i] = float32(i) * 60
		}
		for i := range x {
			x[i] = negZero32
		}
	case 10: // one logit far below, one −Inf: probabilities exactly 0
		md.B[0] = -1e30
		md.B[k-1] = negInf32
	}
}

// TestPredictFusedSpecial checks that every backend gives the generic
// backend's result classes (NaN, ±Inf, finite, exact 0) and classes for
// the special values, through Predict and PredictProba's softmax and raw
// links.
func TestPredictFusedSpecial(t *testing.T) {
	orig := Backend()
	defer Use(orig)
	rng := rand.New(rand.NewPCG(45, 46))
	for k := 1; k <= 17; k++ {
		for _, m := range []int{0, 1, 9, 40, 1041} {
			for c := 0; c <= 10; c++ {
				md := randomModel(rng, k, m, false)
				x := randVec(rng, m)
				predictSpecialCase(c, rng, md, x)
				type result struct {
					class   int
					p, z    []float32
					backend string
				}
				var ref *result
				for _, be := range append([]string{"generic"}, Available()...) {
					if err := Use(be); err != nil {
						t.Fatal(err)
					}
					r := &result{class: md.Predict(x), p: make([]float32, k), z: make([]float32, k), backend: be}
					md.Link = LinkSoftmax
					md.PredictProba(r.p, x)
					md.Link = LinkRaw
					md.PredictProba(r.z, x)
					md.Link = LinkSoftmax
					if ref == nil {
						ref = r
						continue
					}
					ctx := fmt.Sprintf("case %d k=%d m=%d: %s vs %s", c, k, m, be, ref.backend)
					if (r.class < 0) != (ref.class < 0) {
						t.Fatalf("%s: Predict = %d, %d", ctx, r.class, ref.class)
					}
					for i := range r.p {
						if class32(r.p[i]) != class32(ref.p[i]) || (r.p[i] == 0) != (ref.p[i] == 0) {
							t.Fatalf("%s: p[%d] = %v, %v", ctx, i, r.p[i], ref.p[i])
						}
						if class32(r.z[i]) != class32(ref.z[i]) {
							t.Fatalf("%s: z[%d] = %v, %v", ctx, i, r.z[i], ref.z[i])
						}
					}
					// With no NaN logit the class is the same but on ties
					// within rounding.
					if r.class != ref.class && r.class >= 0 && ref.class >= 0 && r.z[r.class] != ref.z[ref.class] &&
						class32(r.z[r.class]) == "finite" && math.Abs(float64(r.z[r.class]-ref.z[ref.class])) > 1e-4*(1+math.Abs(float64(r.z[r.class]))) {
						t.Fatalf("%s: Predict = %d (%v), %d (%v)", ctx, r.class, r.z[r.class], ref.class, ref.z[ref.class])
					}
				}
			}
		}
	}
}

// FuzzPredict runs Predict and PredictProba (softmax link) of a fuzzed
// model on every backend against the fallback reference, MatVec and
// Softmax of package fallback: the classes of the outputs (NaN, ±Inf)
// must be the reference's, a −Inf logit's probability exactly 0, the
// probabilities within 1e-6 plus the effect of the logits' bound, the
// class the reference's unless the logits tie within that bound.
func FuzzPredict(f *testing.F) {
	f.Add([]byte(fuzzEnc{}.u8(10).u16(64).small(1, 2, 3, -1).small(1, -1, 3)))
	f.Add([]byte(fuzzEnc{}.u8(16).u16(1041).small(1, 2).small(5, 3)))
	f.Add([]byte(fuzzEnc{}.u8(3).u16(5).pal(false, 0, palNaN, 2).pal(false, palPosInf, 1)))
	f.Add([]byte(fuzzEnc{}.u8(2).u16(0).pal(false, palNegInf, palNegInf)))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &fuzzDec{data}
		k, m := 1+int(d.u8()%20), d.u16()%1200
		w, x, b := d.vec(k*m), d.vec(m), d.vec(k)
		md := &Model{Classes: k, Features: m, W: Matrix{Rows: k, Cols: m, Stride: m, Data: w}, B: b}
		zref := make([]float32, k)
		fallback.MatVec(zref, w, m, x, b)
		pref := make([]float32, k)
		fallback.Softmax(pref, zref)
		cref := argmax(zref)
		_, dz := logitOracle(md, x)
		huge := false
		for i := 0; i < k; i++ {
			_, abs := oracleDot(w[i*m:i*m+m], x)
			huge = huge || abs+math.Abs(float64(b[i])) > maxFloat32/4
		}
		forEachBackend(t, func(t *testing.T) {
			p := outBuf(k, 1+k%7)
			md.PredictProba(p.s(), x)
			c := md.Predict(x)
			if msg := p.check(); msg != "" {
				t.Fatalf("k=%d m=%d: dst %s", k, m, msg)
			}
			if huge { // partial sums may overflow in one order only
				return
			}
			if (c < 0) != (cref < 0) {
				t.Fatalf("k=%d m=%d: Predict = %d, fallback %d", k, m, c, cref)
			}
			if c >= 0 && c != cref && math.Abs(float64(zref[c])-float64(zref[cref])) > 2*dz {
				t.Fatalf("k=%d m=%d: Predict = %d, fallback %d (logits %v, %v)", k, m, c, cref, zref[c], zref[cref])
			}
			for i, v := range p.s() {
				want := pref[i]
				if class32(v) != class32(want) || zref[i] == negInf32 && v == v && v != 0 {
					t.Fatalf("k=%d m=%d: p[%d] = %v, fallback %v", k, m, i, v, want)
				}
				// (With logits known only to ±dz > 1e-3 the probabilities
				// may be anything.)
				if dd := math.Abs(float64(v) - float64(want)); class32(v) == "finite" && dz <= 1e-3 && !(dd <= 1e-6+2.02*float64(want)*dz) {
					t.Fatalf("k=%d m=%d: p[%d] = %v, fallback %v (logit bound %.3g)", k, m, i, v, want, dz)
				}
			}
		})
	})
}
