package kernel

import (
	"math"
	"strings"
	"testing"
)

// owlTheta returns θ = (W row-major, B) of m in float64.
func owlTheta(m *Model) []float64 {
	th := make([]float64, 0, m.Classes*m.Features+m.Classes)
	for i := 0; i < m.Classes; i++ {
		for _, v := range m.W.Row(i) {
			th = append(th, float64(v))
		}
	}
	for _, v := range m.B {
		th = append(th, float64(v))
	}
	return th
}

// owlKKT checks, in float64 and independently of the solver, the optimality
// conditions of F = J + l1·‖W‖₁ at θ: it returns F, the largest violation
// (for w ≠ 0, |∂J/∂w + l1·sign(w)|; for w = 0, max(0, |∂J/∂w| − l1); for a
// bias, |∂J/∂b|) and the number of zero weights.
func owlKKT(theta []float64, x Matrix, y []int, k int, l2, l1 float64) (f, viol float64, zeros int) {
	g := make([]float64, len(theta))
	f = refGrad(theta, x, y, k, l2, g)
	nw := k * x.Cols
	for i, gi := range g {
		var v float64
		switch w := theta[i]; {
		case i >= nw:
			v = math.Abs(gi)
		case w != 0:
			f += l1 * math.Abs(w)
			v = math.Abs(gi + math.Copysign(l1, w))
		default:
			zeros++
			v = math.Max(0, math.Abs(gi)-l1)
		}
		viol = math.Max(viol, v)
	}
	return f, viol, zeros
}

func TestOWLQNDigitsKKT(t *testing.T) {
	x, y := lbfgsDigits(t)
	const l2 = 1e-3
	nw := 10 * x.Cols

	base := NewModel(10, x.Cols)
	if _, err := (&LBFGS{MaxIter: 1000, L2: l2}).Fit(base, x, y); err != nil {
		t.Fatal(err)
	}
	_, _, prevZeros := owlKKT(owlTheta(base), x, y, 10, l2, 0)
	t.Logf("L1 = 0: %d of %d weights zero", prevZeros, nw)

	l1s := []float64{1e-4, 1e-3}
	if testing.Short() {
		l1s = l1s[1:]
	}
	for _, l1 := range l1s {
		m := NewModel(10, x.Cols)
		progress, calls := progressInOrder(t)
		s := LBFGS{MaxIter: 1000, L2: l2, L1: l1, Progress: progress}
		res, err := s.Fit(m, x, y)
		if err != nil {
			t.Fatal(err)
		}
		f, viol, zeros := owlKKT(owlTheta(m), x, y, 10, l2, l1)
		t.Logf("L1 = %g: %d iterations, %d evaluations, F = %.10f, ‖◇F‖∞ = %.3g, %s; KKT violation %.3g; %d of %d weights zero (%.0f%%)",
			l1, res.Iterations, res.Evaluations, res.Loss, res.GradNorm, res.Reason, viol, zeros, nw, 100*float64(zeros)/float64(nw))
		if !res.Converged || res.Reason != ReasonGradTol || !(res.GradNorm <= 1e-6*math.Max(1, res.Loss)) {
			t.Errorf("L1 = %g: not converged: %d iterations, ‖◇F‖∞ = %g, %s", l1, res.Iterations, res.GradNorm, res.Reason)
		}
		if *calls != res.Iterations || len(res.History) != res.Iterations {
			t.Errorf("%d progress calls, %d history entries, %d iterations", *calls, len(res.History), res.Iterations)
		}
		if last := res.History[len(res.History)-1]; last.Loss != res.Loss || last.GradNorm != res.GradNorm || last.Evals != res.Evaluations {
			t.Errorf("last history entry %+v disagrees with the result %+v", last, res)
		}
		for i := 1; i < len(res.History); i++ {
			if h0, h1 := res.History[i-1].Loss, res.History[i].Loss; !(h1 <= h0+1e-8*math.Max(1, math.Abs(h0))) {
				t.Errorf("iteration %d: F went from %v to %v", i+1, h0, h1)
			}
		}
		if math.Abs(f-res.Loss) > 1e-6 {
			t.Errorf("L1 = %g: float64 F of the stored model is %v, result says %v", l1, f, res.Loss)
		}
		if viol > 1e-5 {
			t.Errorf("L1 = %g: optimality conditions violated by %g", l1, viol)
		}
		if zeros <= prevZeros {
			t.Errorf("L1 = %g: %d zero weights, not more than the %d of the smaller L1", l1, zeros, prevZeros)
		}
		prevZeros = zeros
		if l1 == 1e-3 && !(zeros > nw/2) {
			t.Errorf("L1 = %g: only %d of %d weights zero", l1, zeros, nw)
		}

		// Warm start from the optimum.
		res2, err := s.Fit(m, x, y)
		if err != nil {
			t.Fatal(err)
		}
		if !res2.Converged || res2.Iterations > 5 {
			t.Errorf("L1 = %g: warm start from the optimum: %d iterations, %s", l1, res2.Iterations, res2.Reason)
		}
	}
}

// fistaRef minimises F = J + l1·‖W‖₁ in float64 by FISTA with adaptive
// restart (O'Donoghue & Candès), step 1/L with L = ½·mean‖(x, 1)‖² + l2,
// an upper bound on the curvature of J. It returns the minimiser and F.
func fistaRef(t *testing.T, x Matrix, y []int, k int, l2, l1 float64) ([]float64, float64) {
	m := x.Cols
	nw, n := k*m, k*m+k
	var sq float64
	for i := 0; i < x.Rows; i++ {
		sq++
		for _, v := range x.Row(i) {
			sq += float64(v) * float64(v)
		}
	}
	L := 0.5*sq/float64(x.Rows) + l2
	th, prev, z, g := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	tk := 1.0
	for it := 0; it < 200000; it++ {
		refGrad(z, x, y, k, l2, g)
		copy(prev, th)
		var move, restart float64
		for i := range th {
			v := z[i] - g[i]/L
			if i < nw {
				v = math.Copysign(math.Max(math.Abs(v)-l1/L, 0), v)
			}
			th[i] = v
			move = math.Max(move, math.Abs(v-z[i]))
			restart += (z[i] - v) * (v - prev[i])
		}
		if move*L <= 1e-12 {
			f, viol, _ := owlKKT(th, x, y, k, l2, l1)
			if viol > 1e-10 {
				t.Fatalf("FISTA stopped %g from optimal", viol)
			}
			t.Logf("FISTA: %d iterations, F* = %.15f", it+1, f)
			return th, f
		}
		if restart > 0 {
			tk = 1
		}
		tn := (1 + math.Sqrt(1+4*tk*tk)) / 2
		for i := range z {
			z[i] = th[i] + (tk-1)/tn*(th[i]-prev[i])
		}
		tk = tn
	}
	t.Fatal("FISTA did not converge")
	return nil, 0
}

func TestOWLQNMatchesFISTA(t *testing.T) {
	const k, m, l2, l1 = 3, 5, 1e-2, 0.03
	x, y := blobs(11, 60, m, k, 1)
	ref, fref := fistaRef(t, x, y, k, l2, l1)
	gref := make([]float64, len(ref))
	refGrad(ref, x, y, k, l2, gref)

	mod := NewModel(k, m)
	res, err := (&LBFGS{MaxIter: 500, L2: l2, L1: l1}).Fit(mod, x, y)
	if err != nil {
		t.Fatal(err)
	}
	th := owlTheta(mod)
	f, viol, zeros := owlKKT(th, x, y, k, l2, l1)
	t.Logf("OWL-QN: %d iterations, %d evaluations, F = %.15f (result %.15f), %s; KKT violation %.3g; %d of %d weights zero",
		res.Iterations, res.Evaluations, f, res.Loss, res.Reason, viol, zeros, k*m)
	if !res.Converged {
		t.Errorf("not converged: %s", res.Reason)
	}
	if math.Abs(f-fref) > 1e-6*math.Abs(fref) || math.Abs(res.Loss-fref) > 1e-6*math.Abs(fref) {
		t.Errorf("F = %.12g (result %.12g), FISTA reference %.12g", f, res.Loss, fref)
	}
	// The same weights are zero: the reference's zero weights with a clear
	// margin in the optimality condition, and its clearly nonzero weights.
	refZeros := 0
	for i := 0; i < k*m; i++ {
		switch {
		case ref[i] == 0:
			refZeros++
			if math.Abs(gref[i]) < l1-1e-3 && th[i] != 0 {
				t.Errorf("weight %d = %g, FISTA's is 0 (|∂J/∂w| = %.3g)", i, th[i], math.Abs(gref[i]))
			}
		case math.Abs(ref[i]) > 1e-3:
			if th[i]*ref[i] <= 0 || math.Abs(th[i]-ref[i]) > 1e-3 {
				t.Errorf("weight %d = %g, FISTA's is %g", i, th[i], ref[i])
			}
		}
	}
	if refZeros == 0 || refZeros == k*m {
		t.Fatalf("test problem has %d zero weights of %d: choose another L1", refZeros, k*m)
	}
}

func TestOWLQNLargeL1ZeroesWarmStart(t *testing.T) {
	// From a dense model, an L1 above every |∂J/∂w| at W = 0 drives every
	// weight to exactly 0 through the projection.
	const k, m = 3, 5
	x, y := blobs(4, 90, m, k, 1)
	mod := NewModel(k, m)
	if _, err := (&LBFGS{L2: 1e-3}).Fit(mod, x, y); err != nil {
		t.Fatal(err)
	}
	zero := NewModel(k, m)
	g := make([]float64, k*m+k)
	refGrad(owlTheta(zero), x, y, k, 1e-3, g) // balanced classes: b = 0 is optimal at W = 0
	l1 := 1.5 * normInf(g[:k*m])
	res, err := (&LBFGS{L2: 1e-3, L1: l1}).Fit(mod, x, y)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d iterations, %s, F = %v, |◇F| = %v", res.Iterations, res.Reason, res.Loss, res.GradNorm)
	// Once W = 0 the only free parameters are the biases, whose remaining
	// decrease of F (~1e-10) is below the float32 rounding noise of F
	// (~1e-8 here, every row having the same logits): stopping there for
	// lack of progress is allowed, with a small bias gradient.
	if !res.Converged && !(res.Reason == ReasonNoProgress && res.GradNorm < 1e-4) {
		t.Errorf("not converged: %s, |◇F| = %v", res.Reason, res.GradNorm)
	}
	for i := 0; i < k; i++ {
		for j, v := range mod.W.Row(i) {
			if v != 0 {
				t.Errorf("W[%d][%d] = %g, want 0", i, j, v)
			}
		}
	}
	if want := math.Log(k); math.Abs(res.Loss-want) > 1e-6 {
		t.Errorf("F = %v, want log %d = %v", res.Loss, k, want)
	}
}

func TestOWLQNZeroL1Unchanged(t *testing.T) {
	x, y := blobs(3, 300, 6, 3, 1)
	a, b := NewModel(3, 6), NewModel(3, 6)
	ra, err := (&LBFGS{MaxIter: 50, L2: 1e-3}).Fit(a, x, y)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := (&LBFGS{MaxIter: 50, L2: 1e-3, L1: 0}).Fit(b, x, y)
	if err != nil {
		t.Fatal(err)
	}
	if !modelsEqual(a, b) {
		t.Fatal("L1 = 0 changed the model")
	}
	if ra.Iterations != rb.Iterations || ra.Evaluations != rb.Evaluations || ra.Loss != rb.Loss ||
		ra.GradNorm != rb.GradNorm || ra.Reason != rb.Reason || len(ra.History) != len(rb.History) {
		t.Fatalf("L1 = 0 changed the result: %+v, %+v", ra, rb)
	}
	// The L2 path is not OWL-QN with λ₁ → 0: a tiny L1 takes the other path.
	c := NewModel(3, 6)
	if _, err := (&LBFGS{MaxIter: 50, L2: 1e-3, L1: 1e-300}).Fit(c, x, y); err != nil {
		t.Fatal(err)
	}
	if modelsEqual(a, c) {
		t.Error("L1 = 1e-300 gave the L2 path's model bit for bit; is OWL-QN selected?")
	}
}

func TestOWLQNErrors(t *testing.T) {
	x, y := blobs(1, 20, 3, 2, 2)
	for _, tc := range []struct {
		l1   float64
		want string
	}{
		{-1, "L1 = -1"},
		{-1e-9, "L1 = -1e-09"},
		{math.NaN(), "L1 = NaN"},
		{math.Inf(1), "L1 = +Inf"},
		{math.Inf(-1), "L1 = -Inf"},
	} {
		m := NewModel(2, 3)
		m.W.Set(0, 1, 0.5)
		before := m.Clone()
		_, err := (&LBFGS{L1: tc.l1}).Fit(m, x, y)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("L1 = %v: err = %v, want one containing %q", tc.l1, err, tc.want)
		}
		if !modelsEqual(before, m) {
			t.Errorf("L1 = %v: model changed on error", tc.l1)
		}
	}
}

func TestOWLQNAllocs(t *testing.T) {
	// Every buffer is allocated once per Fit: beyond the History appends,
	// more iterations do not allocate more.
	x, y := blobs(5, 300, 8, 4, 1)
	allocs := func(iters int) float64 {
		return testing.AllocsPerRun(3, func() {
			res, err := (&LBFGS{MaxIter: iters, GradTol: 1e-300, L2: 1e-3, L1: 1e-3}).Fit(NewModel(4, 8), x, y)
			if err != nil || res.Iterations != iters {
				t.Fatalf("%d iterations, want %d: %v %+v", res.Iterations, iters, err, res)
			}
		})
	}
	a5, a40 := allocs(5), allocs(40)
	t.Logf("allocations: %v for 5 iterations, %v for 40", a5, a40)
	if a40-a5 > 6 { // History grows 8 → 16 → 32 → 64 (append)
		t.Errorf("%v allocations for 5 iterations, %v for 40", a5, a40)
	}
}

func TestOWLQNBelowNoiseFloor(t *testing.T) {
	// A tolerance far below the float32 noise floor ends with a line-search
	// failure or MaxIter, never an error or a worse F.
	x, y := blobs(2, 200, 5, 3, 1)
	m := NewModel(3, 5)
	res, err := (&LBFGS{MaxIter: 500, GradTol: 1e-300, L2: 1e-2, L1: 1e-2}).Fit(m, x, y)
	if err != nil {
		t.Fatal(err)
	}
	if res.Converged || (res.Reason != ReasonNoProgress && res.Reason != ReasonMaxIter) {
		t.Fatalf("%+v", res)
	}
	best := math.Inf(1)
	for _, h := range res.History {
		best = math.Min(best, h.Loss)
	}
	if res.Loss > best+1e-8*math.Max(1, best)*float64(len(res.History)) {
		t.Errorf("final F %v, best %v", res.Loss, best)
	}
	t.Logf("%d iterations, ‖◇F‖∞ = %.3g: %s", res.Iterations, res.GradNorm, res.Reason)
}
