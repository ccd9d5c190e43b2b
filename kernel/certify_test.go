package kernel_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/seed7bc074a2/maxent/kernel"
	"github.com/seed7bc074a2/maxent/kernel/data"
)

// certProblem is the Trainer's objective J = mean CE + (λ/2)‖W‖² in float64,
// for the solver below and as an independent oracle of Certify.
type certProblem struct {
	n, d, k int
	x       []float64 // n×d
	y       []int
	l2      float64
	fixW    bool // zero the W block of the gradient: L-BFGS then moves only B
}

func newCertProblem(x kernel.Matrix, y []int, k int, l2 float64) *certProblem {
	p := &certProblem{n: x.Rows, d: x.Cols, k: k, y: y, l2: l2, x: make([]float64, x.Rows*x.Cols)}
	for i := 0; i < x.Rows; i++ {
		for j, v := range x.Row(i) {
			p.x[i*p.d+j] = float64(v)
		}
	}
	return p
}

// dim is the number of parameters: W row-major (k×d), then B (k).
func (p *certProblem) dim() int { return p.k*p.d + p.k }

// eval returns J(θ) and sets grad = ∇J(θ).
func (p *certProblem) eval(theta, grad []float64) float64 {
	k, d := p.k, p.d
	w, b := theta[:k*d], theta[k*d:]
	gw, gb := grad[:k*d], grad[k*d:]
	clear(grad)
	z := make([]float64, k)
	var loss float64
	for i := 0; i < p.n; i++ {
		xi := p.x[i*d : i*d+d]
		mx := math.Inf(-1)
		for t := 0; t < k; t++ {
			s := b[t]
			for j, v := range xi {
				s += w[t*d+j] * v
			}
			z[t] = s
			mx = max(mx, s)
		}
		var s float64
		for t := range z {
			z[t] = math.Exp(z[t] - mx)
			s += z[t]
		}
		loss += math.Log(s) - math.Log(z[p.y[i]])
		for t := range z {
			pt := z[t] / s
			if t == p.y[i] {
				pt--
			}
			gb[t] += pt
			for j, v := range xi {
				gw[t*d+j] += pt * v
			}
		}
	}
	fn := float64(p.n)
	var w2 float64
	for i := range gw {
		gw[i] = gw[i]/fn + p.l2*w[i]
		w2 += w[i] * w[i]
	}
	for t := range gb {
		gb[t] /= fn
	}
	if p.fixW {
		j := loss/fn + p.l2/2*w2
		clear(gw)
		return j
	}
	return loss/fn + p.l2/2*w2
}

func certDot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// lbfgs minimises p from theta (in place) by L-BFGS with memory 10 and an
// Armijo backtracking line search, for at most iters iterations or until
// ‖∇J‖ ≤ tol. It returns the final gradient norm.
func (p *certProblem) lbfgs(theta []float64, iters int, tol float64) float64 {
	const mem = 10
	n := len(theta)
	g := make([]float64, n)
	f := p.eval(theta, g)
	var sHist, yHist [][]float64
	var rho []float64
	dir := make([]float64, n)
	alpha := make([]float64, mem)
	trial := make([]float64, n)
	gNew := make([]float64, n)
	for it := 0; it < iters; it++ {
		if math.Sqrt(certDot(g, g)) <= tol {
			break
		}
		// Two-loop recursion: dir = −H·g.
		for i := range dir {
			dir[i] = -g[i]
		}
		for j := len(sHist) - 1; j >= 0; j-- {
			alpha[j] = rho[j] * certDot(sHist[j], dir)
			for i := range dir {
				dir[i] -= alpha[j] * yHist[j][i]
			}
		}
		if m := len(sHist); m > 0 {
			gamma := certDot(sHist[m-1], yHist[m-1]) / certDot(yHist[m-1], yHist[m-1])
			for i := range dir {
				dir[i] *= gamma
			}
		} else {
			gn := math.Sqrt(certDot(g, g))
			for i := range dir {
				dir[i] /= gn
			}
		}
		for j := range sHist {
			beta := rho[j] * certDot(yHist[j], dir)
			for i := range dir {
				dir[i] += (alpha[j] - beta) * sHist[j][i]
			}
		}
		slope := certDot(g, dir)
		if slope >= 0 { // not a descent direction: restart
			sHist, yHist, rho = nil, nil, nil
			for i := range dir {
				dir[i] = -g[i]
			}
			slope = -certDot(g, g)
		}
		step := 1.0
		var fNew float64
		for ls := 0; ; ls++ {
			for i := range trial {
				trial[i] = theta[i] + step*dir[i]
			}
			fNew = p.eval(trial, gNew)
			if fNew <= f+1e-4*step*slope {
				break
			}
			if ls == 40 {
				return math.Sqrt(certDot(g, g)) // no progress: at the float64 noise floor
			}
			step /= 2
		}
		s := make([]float64, n)
		yv := make([]float64, n)
		for i := range s {
			s[i] = trial[i] - theta[i]
			yv[i] = gNew[i] - g[i]
		}
		copy(theta, trial)
		copy(g, gNew)
		f = fNew
		if sy := certDot(s, yv); sy > 1e-300 {
			if len(sHist) == mem {
				sHist, yHist, rho = sHist[1:], yHist[1:], rho[1:]
			}
			sHist, yHist, rho = append(sHist, s), append(yHist, yv), append(rho, 1/sy)
		}
	}
	return math.Sqrt(certDot(g, g))
}

// model returns the float32 model with parameters theta.
func (p *certProblem) model(theta []float64) *kernel.Model {
	m := kernel.NewModel(p.k, p.d)
	for t := 0; t < p.k; t++ {
		row := m.W.Row(t)
		for j := range row {
			row[j] = float32(theta[t*p.d+j])
		}
		m.B[t] = float32(theta[p.k*p.d+t])
	}
	return m
}

// params returns the parameters of m as float64.
func (p *certProblem) params(m *kernel.Model) []float64 {
	theta := make([]float64, p.dim())
	for t := 0; t < p.k; t++ {
		for j, v := range m.W.Row(t) {
			theta[t*p.d+j] = float64(v)
		}
		theta[p.k*p.d+t] = float64(m.B[t])
	}
	return theta
}

// certDigits returns the training part of the embedded digits, min-max
// scaled.
func certDigits(t *testing.T) *data.Dataset {
	t.Helper()
	train, _, err := data.Split(data.Digits(), 0.2, 1)
	if err != nil {
		t.Fatal(err)
	}
	data.FitScaler(data.ScaleMinMax, train.X).Apply(train.X)
	return train
}

// checkAgainstOracle compares Certify's gradient-based fields with the
// float64 oracle at the model's (float32) parameters.
func checkAgainstOracle(t *testing.T, p *certProblem, m *kernel.Model, c kernel.Certificate) {
	t.Helper()
	theta := p.params(m)
	g := make([]float64, p.dim())
	j := p.eval(theta, g)
	kd := p.k * p.d
	gw, gb := math.Sqrt(certDot(g[:kd], g[:kd])), math.Sqrt(certDot(g[kd:], g[kd:]))
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-5*(1+math.Abs(want)) {
			t.Errorf("%s = %.9g, oracle %.9g", name, got, want)
		}
	}
	near("Objective", c.Objective, j)
	near("GradNormW", c.GradNormW, gw)
	near("GradNormB", c.GradNormB, gb)
	near("GradNorm", c.GradNorm, math.Hypot(gw, gb))
	var maxW, maxB float64
	for t := 0; t < p.k; t++ {
		row := g[t*p.d : t*p.d+p.d]
		maxW = max(maxW, math.Sqrt(certDot(row, row)))
		maxB = max(maxB, math.Abs(g[kd+t]))
	}
	near("MaxResidual", c.MaxResidual, maxW)
	near("BiasResidual", c.BiasResidual, maxB)
	// The gap formulas, from the oracle gradient.
	bg := certDot(theta[kd:], g[kd:])
	if p.l2 > 0 {
		near("Gap", c.Gap, certDot(g[:kd], g[:kd])/(2*p.l2)+bg)
	} else {
		near("Gap", c.Gap, certDot(theta[:kd], g[:kd])+bg)
	}
}

func TestCertifyConverged(t *testing.T) {
	d := certDigits(t)
	k := len(d.Labels)
	l2s := []float64{1e-2, 1e-3}
	iters, tol := 3000, 1e-9
	if testing.Short() {
		iters, tol = 500, 1e-7
		// The float64 reference solver takes seconds natively and minutes
		// on 386 or under qemu: -short certifies 400 rows at one λ.
		idx := make([]int, 400)
		for i := range idx {
			idx[i] = i
		}
		d = d.Subset(idx)
		l2s = l2s[:1]
	}
	for _, l2 := range l2s {
		p := newCertProblem(d.X, d.Y, k, l2)
		theta := make([]float64, p.dim())
		gn := p.lbfgs(theta, iters, tol)
		m := p.model(theta)
		c, err := kernel.Certify(m, d.X, d.Y, l2)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("λ=%g: solver ‖∇J‖=%.2e; certificate: MaxResidual %.2e BiasResidual %.2e GradNorm %.2e Gap %.2e LogLoss %.5f Entropy %.5f",
			l2, gn, c.MaxResidual, c.BiasResidual, c.GradNorm, c.Gap, c.LogLoss, c.Entropy)
		if c.MaxResidual > 1e-4 || c.BiasResidual > 1e-4 || c.GradNorm > 1e-4 || math.Abs(c.Gap) > 1e-4 {
			t.Errorf("λ=%g: converged model not certified: %+v", l2, c)
		}
		if c.N != d.Len() || len(c.Classes) != k || c.L2 != l2 {
			t.Errorf("λ=%g: N %d, %d classes, L2 %v", l2, c.N, len(c.Classes), c.L2)
		}
		var obs float64
		for i, cb := range c.Classes {
			obs += cb.Observed
			if math.Abs(cb.Observed-cb.Predicted) > 1e-4*float64(c.N) {
				t.Errorf("λ=%g class %d: observed %v, predicted %v", l2, i, cb.Observed, cb.Predicted)
			}
		}
		if obs != float64(c.N) {
			t.Errorf("λ=%g: observed masses sum to %v, want %d", l2, obs, c.N)
		}
		if math.Abs(c.Objective-c.Dual-c.Gap) > 1e-7*(1+c.Objective) { // Dual = H − ‖G‖²/(2λ) cancels
			t.Errorf("λ=%g: Objective − Dual = %v, Gap %v", l2, c.Objective-c.Dual, c.Gap)
		}
		checkAgainstOracle(t, p, m, c)

		// Weak duality: perturb W, rebalance B alone (so that the model's
		// distributions are dual feasible), and check J − J* ≤ Gap.
		rng := rand.New(rand.NewPCG(uint64(1/l2), 3))
		pert := append([]float64(nil), theta...)
		for i := 0; i < k*p.d; i++ {
			pert[i] += 0.05 * rng.NormFloat64()
		}
		p.fixW = true
		p.lbfgs(pert, 200, 1e-9)
		p.fixW = false
		pm := p.model(pert)
		pc, err := kernel.Certify(pm, d.X, d.Y, l2)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("λ=%g perturbed W, balanced B: J − J* = %.4e, Gap %.4e, BiasResidual %.1e",
			l2, pc.Objective-c.Objective, pc.Gap, pc.BiasResidual)
		if pc.BiasResidual > 1e-6 || !(pc.Objective-c.Objective <= pc.Gap+1e-7) || pc.Objective-c.Objective < 1e-6 {
			t.Errorf("λ=%g: perturbed J − J* = %v, Gap %v, BiasResidual %v", l2, pc.Objective-c.Objective, pc.Gap, pc.BiasResidual)
		}

		// An under-trained model (one SGD epoch) must fail the certificate.
		um := kernel.NewModel(k, d.Features())
		tr := kernel.Trainer{Epochs: 1, LearningRate: 0.1, L2: l2}
		if _, err := tr.Fit(um, d.X, d.Y, kernel.Matrix{}, nil); err != nil {
			t.Fatal(err)
		}
		uc, err := kernel.Certify(um, d.X, d.Y, l2)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("λ=%g under-trained: MaxResidual %.2e BiasResidual %.2e GradNorm %.2e Gap %.2e",
			l2, uc.MaxResidual, uc.BiasResidual, uc.GradNorm, uc.Gap)
		if uc.MaxResidual < 100*c.MaxResidual || uc.MaxResidual < 1e-2 || uc.Gap < 1e-2 || uc.GradNorm < 1e-2 {
			t.Errorf("λ=%g: under-trained model passes: %+v", l2, uc)
		}
		if uc.Objective-c.Objective > uc.Gap+1e-9 && uc.BiasResidual < 1e-3 {
			t.Errorf("λ=%g: J − J* = %v exceeds the gap %v", l2, uc.Objective-c.Objective, uc.Gap)
		}
		checkAgainstOracle(t, p, um, uc)
	}
}

// certRandom returns a small random problem and a random model for it.
func certRandom(seed uint64, n, d, k int) (*kernel.Model, kernel.Matrix, []int) {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := kernel.NewMatrix(n, d)
	y := make([]int, n)
	for i := 0; i < n; i++ {
		for j := range x.Row(i) {
			x.Row(i)[j] = float32(rng.NormFloat64())
		}
		y[i] = rng.IntN(k)
	}
	m := kernel.NewModel(k, d)
	for t := 0; t < k; t++ {
		for j := range m.W.Row(t) {
			m.W.Row(t)[j] = float32(rng.NormFloat64())
		}
		m.B[t] = float32(rng.NormFloat64())
	}
	return m, x, y
}

// TestCertifyIdentities checks at arbitrary (non-optimal) points that
// LogLoss − Entropy = ⟨W, ∇_W J⟩ + ⟨B, ∇_B J⟩ for λ = 0, that
// Objective − Dual = Gap = ‖∇_W J‖²/(2λ) + ⟨B, ∇_B J⟩ for λ > 0, that every
// field matches a float64 oracle, and that shifting every bias by the same
// constant (which leaves the model's distributions unchanged) leaves the
// certificate unchanged.
func TestCertifyIdentities(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		m, x, y := certRandom(seed, 7, 3, 4)
		for _, l2 := range []float64{0, 0.1, 2} {
			c, err := kernel.Certify(m, x, y, l2)
			if err != nil {
				t.Fatal(err)
			}
			p := newCertProblem(x, y, m.Classes, l2)
			checkAgainstOracle(t, p, m, c)
			if l2 == 0 {
				if math.Abs(c.LogLoss-c.Entropy-c.Gap) > 1e-5 {
					t.Errorf("seed %d: LogLoss − Entropy = %v, Gap %v", seed, c.LogLoss-c.Entropy, c.Gap)
				}
				if c.Dual != c.Entropy || c.Objective != c.LogLoss {
					t.Errorf("seed %d λ=0: Dual %v Entropy %v Objective %v LogLoss %v", seed, c.Dual, c.Entropy, c.Objective, c.LogLoss)
				}
			}
			if math.Abs(c.Objective-c.Dual-c.Gap) > 1e-5*(1+math.Abs(c.Gap)) {
				t.Errorf("seed %d λ=%g: Objective − Dual = %v, Gap %v", seed, l2, c.Objective-c.Dual, c.Gap)
			}
			var obs, pred float64
			for _, cb := range c.Classes {
				obs += cb.Observed
				pred += cb.Predicted
			}
			if obs != 7 || math.Abs(pred-7) > 1e-12 {
				t.Errorf("seed %d: masses sum to %v observed, %v predicted", seed, obs, pred)
			}

			s := m.Clone()
			for i := range s.B {
				s.B[i] += 0.75 // exact in float32 for these magnitudes
			}
			cs, err := kernel.Certify(s, x, y, l2)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []struct {
				name   string
				a, b   float64
				relTol float64
			}{
				{"MaxResidual", c.MaxResidual, cs.MaxResidual, 1e-5},
				{"BiasResidual", c.BiasResidual, cs.BiasResidual, 1e-5},
				{"GradNorm", c.GradNorm, cs.GradNorm, 1e-5},
				{"LogLoss", c.LogLoss, cs.LogLoss, 1e-5},
				{"Entropy", c.Entropy, cs.Entropy, 1e-5},
				{"Gap", c.Gap, cs.Gap, 1e-4},
			} {
				if math.Abs(f.a-f.b) > f.relTol*(1+math.Abs(f.a)) {
					t.Errorf("seed %d λ=%g: %s changes under a bias shift: %v → %v", seed, l2, f.name, f.a, f.b)
				}
			}
		}
	}
}

func TestCertifyErrors(t *testing.T) {
	m, x, y := certRandom(1, 5, 3, 2)
	bad := m.Clone()
	bad.W.Row(0)[1] = float32(math.NaN())
	huge := m.Clone()
	huge.W.Row(0)[0] = 3e38
	huge.W.Row(0)[1] = 3e38
	hx := kernel.NewMatrix(1, 3)
	hx.Row(0)[0], hx.Row(0)[1] = 10, 10
	for _, tc := range []struct {
		name string
		m    *kernel.Model
		x    kernel.Matrix
		y    []int
		l2   float64
		want string
	}{
		{"negative l2", m, x, y, -1, "L2 = -1"},
		{"NaN l2", m, x, y, math.NaN(), "L2 = NaN"},
		{"Inf l2", m, x, y, math.Inf(1), "L2 = +Inf"},
		{"features", m, kernel.NewMatrix(5, 2), y, 0, "data has 2 features, model has 3"},
		{"no rows", m, kernel.NewMatrix(0, 3), nil, 0, "no rows"},
		{"labels", m, x, y[:4], 0, "4 labels for 5 rows"},
		{"label range", m, x, []int{0, 1, 2, 0, 1}, 0, "label 2 out of range"},
		{"model", bad, x, y, 0, "not finite"},
		{"logit overflow", huge, hx, []int{0}, 0, "logit"},
	} {
		_, err := kernel.Certify(tc.m, tc.x, tc.y, tc.l2)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
	nan := kernel.NewMatrix(5, 3)
	nan.Row(2)[1] = float32(math.NaN())
	if _, err := kernel.Certify(m, nan, y, 0); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN feature: err = %v", err)
	}
}
