package kernel

import (
	"compress/gzip"
	"encoding/csv"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// lbfgsDigits reads the embedded digits file (kernel/data cannot be imported
// from an internal test: it imports this package) and min-max scales every
// column to [0, 1] (constant columns to 0).
func lbfgsDigits(t testing.TB) (Matrix, []int) {
	t.Helper()
	f, err := os.Open("data/digits.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(zr).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	cols := len(recs[0]) - 1
	x := NewMatrix(len(recs), cols)
	y := make([]int, len(recs))
	for i, r := range recs {
		for j := 0; j < cols; j++ {
			v, err := strconv.ParseFloat(r[j], 32)
			if err != nil {
				t.Fatal(err)
			}
			x.Row(i)[j] = float32(v)
		}
		if y[i], err = strconv.Atoi(r[cols]); err != nil {
			t.Fatal(err)
		}
	}
	for j := 0; j < cols; j++ {
		lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
		for i := 0; i < x.Rows; i++ {
			lo, hi = min(lo, x.At(i, j)), max(hi, x.At(i, j))
		}
		for i := 0; i < x.Rows; i++ {
			v := float32(0)
			if hi > lo {
				v = (x.At(i, j) - lo) / (hi - lo)
			}
			x.Set(i, j, v)
		}
	}
	return x, y
}

// objectiveOf returns J of m on (x, y) as evaluated by the solver.
func objectiveOf(m *Model, x Matrix, y []int, l2 float64) (f, gnorm float64) {
	o := newObjective(m.Classes, m.Features, x, y, nil, l2, 1)
	theta := make([]float64, o.dim())
	g := make([]float64, o.dim())
	o.load(theta, m)
	f = o.eval(theta, g)
	return f, normInf(g)
}

func TestLBFGSDigitsConvergesBelowSGD(t *testing.T) {
	x, y := lbfgsDigits(t)
	const l2 = 1e-3
	m := NewModel(10, x.Cols)
	progress, calls := progressInOrder(t)
	s := LBFGS{MaxIter: 300, GradTol: 1e-6, L2: l2, Progress: progress}
	res, err := s.Fit(m, x, y)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("L-BFGS: %d iterations, %d evaluations, J = %.10f, ‖∇J‖∞ = %.3g, %s, %v",
		res.Iterations, res.Evaluations, res.Loss, res.GradNorm, res.Reason, res.History[len(res.History)-1].Elapsed)
	if !res.Converged || res.Reason != ReasonGradTol {
		t.Fatalf("not converged: %+v", res)
	}
	if *calls != res.Iterations || len(res.History) != res.Iterations {
		t.Fatalf("%d progress calls, %d history entries, %d iterations", *calls, len(res.History), res.Iterations)
	}
	// J decreases, up to the rounding noise of the float32 evaluation that
	// the approximate Wolfe conditions tolerate (1e-8·max(1, |J|)).
	for i := 1; i < len(res.History); i++ {
		if !(res.History[i].Loss < res.History[i-1].Loss+1e-8) {
			t.Errorf("iteration %d: J went from %v to %v", i+1, res.History[i-1].Loss, res.History[i].Loss)
		}
	}
	f, _ := objectiveOf(m, x, y, l2)
	if math.Abs(f-res.Loss) > 1e-6 {
		t.Errorf("stored model has J = %v, result says %v", f, res.Loss)
	}
	// At the optimum the solver's gradient agrees with a float64 one far
	// below the tolerance.
	{
		o := newObjective(10, x.Cols, x, y, nil, l2, 1)
		th, g, gr := make([]float64, o.dim()), make([]float64, o.dim()), make([]float64, o.dim())
		o.load(th, m)
		o.eval(th, g)
		refGrad(th, x, y, 10, l2, gr)
		var e float64
		for i := range g {
			e = math.Max(e, math.Abs(g[i]-gr[i]))
		}
		if e > 1e-7 {
			t.Errorf("gradient differs from the float64 one by %g at the optimum", e)
		}
		t.Logf("gradient error at the optimum: %.3g", e)
	}

	sgd := NewModel(10, x.Cols)
	sr, err := (&Trainer{L2: l2}).Fit(sgd, x, y, Matrix{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fs, gs := objectiveOf(sgd, x, y, l2)
	t.Logf("SGD (defaults): %d epochs, J = %.10f, ‖∇J‖∞ = %.3g, %v", sr.Epochs, fs, gs, sr.History[len(sr.History)-1].Elapsed)
	if !(f < fs) {
		t.Fatalf("L-BFGS J = %v not below SGD's %v", f, fs)
	}

	// Warm start from the optimum.
	res2, err := s.Fit(m, x, y)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("warm start: %d iterations, %d evaluations", res2.Iterations, res2.Evaluations)
	if res2.Iterations > 2 || !res2.Converged {
		t.Fatalf("warm start from the optimum: %+v", res2)
	}
}

// refGrad sets g = ∇J(θ) and returns J(θ), all in float64.
func refGrad(theta []float64, x Matrix, y []int, k int, l2 float64, g []float64) float64 {
	m := x.Cols
	clear(g)
	z := make([]float64, k)
	var loss float64
	for i := 0; i < x.Rows; i++ {
		xi := x.Row(i)
		mx := math.Inf(-1)
		for c := 0; c < k; c++ {
			v := theta[k*m+c]
			for j, xv := range xi {
				v += theta[c*m+j] * float64(xv)
			}
			z[c] = v
			mx = math.Max(mx, v)
		}
		var se float64
		for _, v := range z {
			se += math.Exp(v - mx)
		}
		loss += mx + math.Log(se) - z[y[i]]
		for c := 0; c < k; c++ {
			d := math.Exp(z[c]-mx) / se
			if c == y[i] {
				d--
			}
			for j, xv := range xi {
				g[c*m+j] += d * float64(xv)
			}
			g[k*m+c] += d
		}
	}
	n := float64(x.Rows)
	var pen float64
	for i := range g {
		g[i] /= n
		if i < k*m {
			g[i] += l2 * theta[i]
			pen += theta[i] * theta[i]
		}
	}
	return loss/n + 0.5*l2*pen
}

// refObjective is J computed entirely in float64 from θ.
func refObjective(theta []float64, x Matrix, y []int, k int, l2 float64) float64 {
	return refGrad(theta, x, y, k, l2, make([]float64, len(theta)))
}

func TestLBFGSGradientFiniteDifference(t *testing.T) {
	const k, m, n, l2 = 3, 4, 20, 0.05
	x, y := blobs(7, n, m, k, 1)
	o := newObjective(k, m, x, y, nil, l2, 1)
	rng := rand.New(rand.NewPCG(5, 6))
	theta := make([]float64, o.dim())
	for i := range theta {
		// float32-representable, so the solver's float32 copy is exact
		theta[i] = float64(float32(rng.NormFloat64() * 0.5))
	}
	g := make([]float64, o.dim())
	f := o.eval(theta, g)
	if fr := refObjective(theta, x, y, k, l2); math.Abs(f-fr) > 1e-6*math.Abs(fr) {
		t.Errorf("J = %v, float64 reference %v", f, fr)
	}
	tp := append([]float64(nil), theta...)
	for i := range theta {
		h := 1e-5 * math.Max(1, math.Abs(theta[i]))
		tp[i] = theta[i] + h
		fp := refObjective(tp, x, y, k, l2)
		tp[i] = theta[i] - h
		fm := refObjective(tp, x, y, k, l2)
		tp[i] = theta[i]
		fd := (fp - fm) / (2 * h)
		if math.Abs(fd-g[i]) > 1e-5*math.Max(math.Abs(fd), 1e-2) {
			t.Errorf("∂J/∂θ[%d] = %v, finite difference %v", i, g[i], fd)
		}
	}
}

func TestLBFGSDeterministic(t *testing.T) {
	x, y := blobs(3, 300, 6, 3, 1)
	var models []*Model
	for range 2 {
		m := NewModel(3, 6)
		if _, err := (&LBFGS{MaxIter: 30, L2: 1e-3}).Fit(m, x, y); err != nil {
			t.Fatal(err)
		}
		models = append(models, m)
	}
	if !modelsEqual(models[0], models[1]) {
		t.Fatal("same data gave different models")
	}
}

func TestLBFGSMaxIter(t *testing.T) {
	x, y := blobs(3, 300, 6, 3, 1)
	res, err := (&LBFGS{MaxIter: 3, L2: 1e-3}).Fit(NewModel(3, 6), x, y)
	if err != nil {
		t.Fatal(err)
	}
	if res.Converged || res.Reason != ReasonMaxIter || res.Iterations != 3 || len(res.History) != 3 {
		t.Fatalf("%+v", res)
	}
}

func TestLBFGSErrors(t *testing.T) {
	x, y := blobs(1, 20, 3, 2, 2)
	nan := x.Clone()
	nan.Set(7, 2, float32(math.NaN()))
	inf := x.Clone()
	inf.Set(4, 1, float32(math.Inf(1)))
	same := make([]int, 20)
	bad := append([]int(nil), y...)
	bad[5] = 2
	zeroAt7 := make([]float64, 20) // the NaN row weighs nothing: 0·NaN is still NaN
	for i := range zeroAt7 {
		zeroAt7[i] = 1
	}
	zeroAt7[7] = 0
	cases := []struct {
		name string
		s    LBFGS
		m    *Model
		x    Matrix
		y    []int
		want string
	}{
		{"features", LBFGS{}, NewModel(2, 4), x, y, "data has 3 features, model has 4"},
		{"one class", LBFGS{}, NewModel(2, 3), x, same, "at least two classes"},
		{"nan", LBFGS{}, NewModel(2, 3), nan, y, "row 7, column 2: feature is NaN"},
		{"inf", LBFGS{}, NewModel(2, 3), inf, y, "row 4, column 1: feature is +Inf"},
		{"nan, weight 0", LBFGS{SampleWeights: zeroAt7}, NewModel(2, 3), nan, y, "row 7, column 2: feature is NaN"},
		{"nan, L1", LBFGS{L1: 1e-3}, NewModel(2, 3), nan, y, "row 7, column 2: feature is NaN"},
		{"label", LBFGS{}, NewModel(2, 3), x, bad, "row 5: label 2 out of range [0, 2)"},
		{"labels", LBFGS{}, NewModel(2, 3), x, y[:5], "5 labels for 20 rows"},
		{"no rows", LBFGS{}, NewModel(2, 3), NewMatrix(0, 3), nil, "no rows"},
		{"l2", LBFGS{L2: -1}, NewModel(2, 3), x, y, "L2 = -1"},
		{"l2 nan", LBFGS{L2: math.NaN()}, NewModel(2, 3), x, y, "L2 = NaN"},
		{"l2 inf", LBFGS{L2: math.Inf(1)}, NewModel(2, 3), x, y, "L2 = +Inf"},
		{"maxiter", LBFGS{MaxIter: -1}, NewModel(2, 3), x, y, "MaxIter = -1"},
		{"memory", LBFGS{Memory: -2}, NewModel(2, 3), x, y, "Memory = -2"},
		{"gradtol", LBFGS{GradTol: -1e-3}, NewModel(2, 3), x, y, "GradTol = -0.001"},
		{"gradtol nan", LBFGS{GradTol: math.NaN()}, NewModel(2, 3), x, y, "GradTol = NaN"},
		{"model", LBFGS{}, &Model{Classes: 2, Features: 3, W: NewMatrix(2, 3), B: make([]float32, 1)}, x, y, "len(B) = 1"},
	}
	for _, tc := range cases {
		before := tc.m.Clone()
		_, err := tc.s.Fit(tc.m, tc.x, tc.y)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.want)
		}
		if len(tc.m.B) == tc.m.Classes && !modelsEqual(before, tc.m) {
			t.Errorf("%s: model changed on error", tc.name)
		}
	}
}

func TestLBFGSObjectiveAllocs(t *testing.T) {
	x, y := lbfgsDigits(t)
	o := newObjective(10, x.Cols, x, y, nil, 1e-3, 1)
	theta := make([]float64, o.dim())
	g := make([]float64, o.dim())
	if a := testing.AllocsPerRun(5, func() { o.eval(theta, g) }); a != 0 {
		t.Fatalf("an objective evaluation allocates %v times", a)
	}
}

func TestLBFGSBelowNoiseFloor(t *testing.T) {
	// A tolerance far below the float32 noise floor of the evaluation ends
	// with a line-search failure (or MaxIter), never an error or a worse J.
	x, y := blobs(2, 200, 5, 3, 1)
	m := NewModel(3, 5)
	res, err := (&LBFGS{MaxIter: 500, GradTol: 1e-300, L2: 1e-2}).Fit(m, x, y)
	if err != nil {
		t.Fatal(err)
	}
	if res.Converged || (res.Reason != ReasonNoProgress && res.Reason != ReasonMaxIter) {
		t.Fatalf("%+v", res)
	}
	t.Logf("%d iterations, ‖∇J‖∞ = %.3g: %s", res.Iterations, res.GradNorm, res.Reason)
}

func TestLBFGSArmijoRejectsAscent(t *testing.T) {
	// The search that decides "no progress" fails, rather than loops, on a
	// direction that is not a descent direction.
	x, y := blobs(2, 50, 4, 3, 1)
	o := newObjective(3, 4, x, y, nil, 1e-2, 1)
	st := newLBFGSState(o, 5)
	st.f = o.eval(st.theta, st.g)
	copy(st.d, st.g)
	if _, ok := st.armijo(1); ok {
		t.Fatal("Armijo search accepted a step along +∇J")
	}
	if _, ok := st.wolfe(1); ok {
		t.Fatal("Wolfe search accepted a step along +∇J")
	}
	for i, v := range st.g {
		st.d[i] = -v
	}
	if a, ok := st.wolfe(1); !ok || !(st.tf < st.f) {
		t.Fatalf("Wolfe search along −∇J: α = %v, ok = %v, J %v → %v", a, ok, st.f, st.tf)
	}
}

// progressInOrder returns a Progress callback that fails t unless the
// iterations arrive numbered 1, 2, 3, …, and the count of its calls.
func progressInOrder(t *testing.T) (func(IterStats), *int) {
	calls := new(int)
	return func(st IterStats) {
		*calls++
		if st.Iter != *calls {
			t.Errorf("progress iteration %d, want %d", st.Iter, *calls)
		}
	}, calls
}
