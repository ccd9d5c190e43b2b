package kernel

import (
	"fmt"
	"math"
	"time"
)

// LBFGS fits a Model by full-batch limited-memory BFGS on the Trainer's
// objective
//
//	J(W, B) = (1/n) Σᵢ [log Σ_c exp(W_c·xᵢ + B_c) − (W_yᵢ·xᵢ + B_yᵢ)] + (λ/2)·‖W‖²
//
// (the bias is not penalised). Zero fields take the defaults given.
//
// The parameters are held as one float64 vector θ = (W row-major, B). Each
// evaluation of J and ∇J converts θ to a float32 model and runs the batched
// kernel ops (MatMulT, SoftmaxCrossEntropyRows, AddMatMulTN, so the SIMD
// backend is used) on blocks of 64 rows, each of Workers goroutines over
// its own contiguous range of rows; the loss and the bias gradient are
// summed in float64, the weight gradient in float32 over 1,024 rows at a
// time, each such part then added into a float64 gradient, so the float32
// rounding error does not grow with n. The workers' sums are added in
// worker order. The penalty and its gradient are computed in float64 from
// θ.
//
// The search direction is the standard two-loop recursion over the last
// Memory pairs (s, y) with initial scaling γ = sᵀy/yᵀy; a pair with
// sᵀy ≤ 1e-10·‖s‖‖y‖ (curvature condition violated) is not stored. The
// first iteration, and any iteration after a history reset, steps along −∇J
// with a backtracking Armijo search (quadratic interpolation, safeguarded
// to [0.1, 0.5] of the previous trial) starting at a step of Euclidean
// length 1 (later resets: the length of the last accepted step). Every
// other iteration tries the unit quasi-Newton step first and uses the
// strong-Wolfe line search of Nocedal & Wright (Algorithms 3.5 and 3.6:
// bracketing, then zoom with safeguarded cubic interpolation falling back
// to bisection), c₁ = 1e-4, c₂ = 0.9. If the direction is not a descent
// direction, or the Wolfe search fails, the history is cleared and the
// iteration retried along −∇J.
//
// Near the optimum the decrease of J per step, of order ‖∇J‖²/λ, falls
// below the rounding noise of J computed from float32 logits (about 1e-9
// on the digits), while ∇J, summed in float64, stays accurate to about
// 1e-9. Both searches therefore also accept a step satisfying the
// approximate Wolfe conditions of Hager and Zhang (CG_DESCENT, 2005):
// J(α) ≤ J(0) + 1e-8·max(1, |J(0)|) and c₂·φ'(0) ≤ φ'(α) ≤ −0.8·φ'(0)
// (φ(α) = J(θ + α·d); the Armijo search checks only the upper bound). So J
// may rise by up to 1e-8·max(1, |J|) in an iteration.
//
// Fit stops when
//   - ‖∇J‖∞ ≤ GradTol·max(1, |J|) (Converged, Reason "gradient tolerance"),
//   - MaxIter iterations have been taken (Reason "maximum iterations"), or
//   - the Armijo search along −∇J after a reset finds no decrease, which
//     happens when the gradient is at the float32 noise floor of the
//     evaluation (Reason "line search failed: no progress along −∇J").
//
// The gradient test is relative to max(1, |J|) and uses the ∞-norm over
// every parameter (bias included). scikit-learn's lbfgs solver, on the same
// mean-loss scaling of the objective, passes tol = 1e-4 as SciPy's pgtol,
// an absolute bound on the ∞-norm of the projected gradient (which, without
// bounds, is the gradient), and also stops on a relative decrease of J
// below about 1.4e-14 (ftol = 64·ε). The default GradTol here, 1e-6, is
// therefore at least 100 times tighter than scikit-learn's default for
// |J| ≤ 1, and there is no stopping rule on the decrease of J.
//
// L1 and elastic net. With L1 = λ₁ > 0, Fit minimises F = J + λ₁·‖W‖₁
// (elastic net when L2 is also > 0; the bias is not penalised) by OWL-QN
// (Andrew & Gao, "Scalable training of L1-regularized log-linear models",
// ICML 2007). Each iteration
// computes the pseudo-gradient ◇F (on a weight w: ∂J/∂w + λ₁·sign(w) if
// w ≠ 0; at w = 0 the one-sided derivative that is negative, if any, else
// 0; on a bias: ∂J/∂b), sets d = −H·◇F by the same two-loop recursion, its
// pairs (s, y) built from differences of ∇J (the smooth part only), and
// zeroes every weight component dᵢ whose sign differs from that of −◇Fᵢ
// (bias components are left alone; should d then not be a descent
// direction for F, the iteration is retried along −◇F). The line search
// backtracks (same interpolation as above) on the projected point
// θ' = π(θ + α·d), which sets to 0 every weight that leaves the orthant of θ
// (for a zero weight, the orthant of −◇Fᵢ), until
// F(θ') ≤ F(θ) + 1e-4·◇Fᵀ(θ' − θ) and F(θ') < F(θ), or, as above, the step
// satisfies the approximate conditions F(θ') ≤ F(θ) + 1e-8·max(1, |F(θ)|)
// and F'(θ'; p) ≤ −0.8·◇Fᵀp, with p = θ' − θ and F'(θ'; p) the derivative
// of F along p arriving at θ'; so F may rise by up to 1e-8·max(1, |F|) in
// an iteration. The first trial is α = 1, or on the first iteration and
// after a reset a steepest-descent step along −◇F of the length given
// above. If the search fails the history is cleared and the iteration
// retried along −◇F; if that fails too, Fit stops with ReasonNoProgress.
// Weights become, and stay, exactly 0 through the projection. Stopping, the
// result and IterStats are as above with J replaced by F and ∇J by ◇F: Fit
// converges when ‖◇F‖∞ ≤ GradTol·max(1, |F|), which at a zero weight w
// means |∂J/∂w| ≤ λ₁ + GradTol·max(1, |F|) (the optimality conditions of F
// up to the tolerance).
//
// Fit is deterministic: the same LBFGS, data and initial model give a
// bit-identical model on the same backend.
type LBFGS struct {
	MaxIter int     // iterations (accepted steps); default 100
	Memory  int     // (s, y) pairs kept; default 10 (as SciPy); more pairs often need fewer iterations, at 16·dim bytes each
	L2      float64 // λ ≥ 0, the penalty (λ/2)·‖W‖²
	L1      float64 // λ₁ ≥ 0: adds λ₁·‖W‖₁ (bias unpenalised); > 0 selects OWL-QN
	// GradTol stops when ‖∇J‖∞ ≤ GradTol·max(1, |J|); default 1e-6.
	GradTol float64
	// GapTol, if > 0 (with L2 > 0 and L1 == 0), also stops when the
	// duality-gap bound of the certificate, ‖∇_W J‖²/(2λ) + ⟨B, ∇_B J⟩
	// (see Certify), computed from the current gradient, is ≤ GapTol: J is
	// then within GapTol of its minimum once the bias balance holds.
	GapTol float64

	// Workers is the number of goroutines evaluating J and ∇J, each over
	// a contiguous range of rows; default GOMAXPROCS. The parts are added
	// in a fixed order, so the same Workers gives a bit-identical model;
	// a different Workers may change the last bits.
	Workers int

	// SampleWeights, if not nil, weights row i's loss by SampleWeights[i]
	// (finite, ≥ 0) and ClassWeights, if not nil, every row of class c by
	// ClassWeights[c] (see BalancedClassWeights): the data term becomes
	// (1/n) Σᵢ sᵢ·lossᵢ with sᵢ the product of the two.
	SampleWeights []float64
	ClassWeights  []float64

	// Progress, if not nil, is called after every iteration.
	Progress func(IterStats)
}

// IterStats reports one iteration of LBFGS.
type IterStats struct {
	Iter     int           // 1-based
	Loss     float64       // J after the iteration
	GradNorm float64       // ‖∇J‖∞ after the iteration
	Step     float64       // accepted line-search step α (1 is the full quasi-Newton step)
	StepNorm float64       // ‖θₖ₊₁ − θₖ‖₂, the Euclidean length of the step
	Evals    int           // objective evaluations so far, the initial one included
	Elapsed  time.Duration // since Fit started
}

// LBFGSResult summarises a call to LBFGS.Fit.
type LBFGSResult struct {
	Iterations  int         // accepted steps
	Evaluations int         // evaluations of J and ∇J (each a full pass over the data)
	Loss        float64     // final J
	GradNorm    float64     // final ‖∇J‖∞
	Converged   bool        // the gradient (or gap) tolerance was met
	Gap         float64     // the certificate's gap bound at the end (NaN unless L2 > 0 and L1 == 0)
	Reason      string      // why Fit stopped
	History     []IterStats // one entry per iteration
}

// Stopping reasons reported in LBFGSResult.Reason.
const (
	ReasonGradTol    = "gradient tolerance"
	ReasonGapTol     = "duality gap tolerance"
	ReasonMaxIter    = "maximum iterations"
	ReasonNoProgress = "line search failed: no progress along −∇J"
)

func (s *LBFGS) withDefaults() (LBFGS, error) {
	c := *s
	if c.MaxIter == 0 {
		c.MaxIter = 100
	}
	if c.Memory == 0 {
		c.Memory = 10
	}
	if c.GradTol == 0 {
		c.GradTol = 1e-6
	}
	switch {
	case c.MaxIter < 0:
		return c, fmt.Errorf("maxent: MaxIter = %d, want ≥ 1", c.MaxIter)
	case c.Memory < 0:
		return c, fmt.Errorf("maxent: Memory = %d, want ≥ 1", c.Memory)
	case !(c.GradTol > 0) || math.IsInf(c.GradTol, 0):
		return c, fmt.Errorf("maxent: GradTol = %v, want a finite value > 0", c.GradTol)
	case !(c.L2 >= 0) || math.IsInf(c.L2, 0):
		return c, fmt.Errorf("maxent: L2 = %v, want a finite value ≥ 0", c.L2)
	case !(c.L1 >= 0) || math.IsInf(c.L1, 0):
		return c, fmt.Errorf("maxent: L1 = %v, want a finite value ≥ 0", c.L1)
	case !(c.GapTol >= 0) || math.IsInf(c.GapTol, 0):
		return c, fmt.Errorf("maxent: GapTol = %v, want a finite value ≥ 0", c.GapTol)
	case c.Workers < 0:
		return c, fmt.Errorf("maxent: Workers = %d, want ≥ 0", c.Workers)
	}
	c.Workers = defaultWorkers(c.Workers)
	return c, nil
}

// Fit trains m in place by L-BFGS, starting from its current weights (a
// trained model is warm-started), on rows x with class indices y.
//
// It returns an error, and leaves m unchanged, if the configuration is
// invalid, the data fails CheckData, x.Cols != m.Features, y holds fewer
// than two distinct classes, or the objective is not finite at the initial
// weights (the features are scanned for NaN and infinities only then, so
// that bad data still gets CheckData's error without a pass of its own).
// Not converging is not an error: see LBFGSResult.Converged.
func (s *LBFGS) Fit(m *Model, x Matrix, y []int) (LBFGSResult, error) {
	cfg, rw, err := s.fitConfig(m, x, y)
	if err != nil {
		return LBFGSResult{}, err
	}
	o := newObjective(m.Classes, m.Features, x, y, rw, cfg.L2, cfg.Workers)
	defer o.close()
	return cfg.minimise(m, o, func() error { return scanRows(x, cfg.Workers) })
}

// minimise runs L-BFGS (OWL-QN with L1) on the objective o from m's
// parameters and stores the result in m. scan names a NaN or infinite
// feature when the first value is not finite.
func (s *LBFGS) minimise(m *Model, o fullObjective, scan func() error) (LBFGSResult, error) {
	start := time.Now()
	st := newLBFGSState(o, s.Memory)
	o.load(st.theta, m)
	st.f = o.eval(st.theta, st.g)
	st.evals = 1
	if math.IsNaN(st.f) || math.IsInf(st.f, 0) {
		if err := scan(); err != nil {
			return LBFGSResult{}, err
		}
		return LBFGSResult{}, fmt.Errorf("maxent: objective is %v at the initial weights: scale the features", st.f)
	}
	var res LBFGSResult
	if s.L1 > 0 {
		res = st.owlqn(s, m.Classes*m.Features, start)
		res.Gap = math.NaN()
	} else {
		res = st.lbfgs(s, m.Classes*m.Features, start)
	}
	o.store(m, st.theta)
	return res, nil
}

// fitConfig checks the arguments of Fit and returns the LBFGS with its
// defaults and the rows' weights.
func (s *LBFGS) fitConfig(m *Model, x Matrix, y []int) (LBFGS, []float32, error) {
	cfg, err := s.withDefaults()
	if err != nil {
		return cfg, nil, err
	}
	if err := m.Validate(); err != nil {
		return cfg, nil, err
	}
	if x.Cols != m.Features {
		return cfg, nil, fmt.Errorf("maxent: data has %d features, model has %d", x.Cols, m.Features)
	}
	// The features are not scanned in a separate pass: a NaN or infinite
	// one makes the first objective value non-finite, and then the scan
	// names it (as in Trainer.Fit).
	if err := checkShapeLabels(x, y, m.Classes); err != nil {
		return cfg, nil, err
	}
	if distinct := countClasses(y, m.Classes); distinct < 2 {
		return cfg, nil, fmt.Errorf("maxent: all %d rows have class %d: training needs at least two classes", len(y), y[0])
	}
	rw, err := rowWeights(y, m.Classes, cfg.SampleWeights, cfg.ClassWeights)
	return cfg, rw, err
}

// lbfgs runs the L-BFGS iterations (without L1) from st's point, whose
// objective and gradient are evaluated, over nw weights (the rest of θ is
// the bias).
func (st *lbfgsState) lbfgs(cfg *LBFGS, nw int, start time.Time) LBFGSResult {
	gap := func() float64 {
		if cfg.L2 == 0 {
			return math.NaN()
		}
		return gapBound(st.theta, st.g, nw, cfg.L2)
	}
	var res LBFGSResult
	gnorm := normInf(st.g)
	stepLen := 1.0 // Euclidean length of the first steepest-descent trial
	for {
		if gnorm <= cfg.GradTol*math.Max(1, math.Abs(st.f)) {
			res.Converged, res.Reason = true, ReasonGradTol
			break
		}
		if cfg.GapTol > 0 && gap() <= cfg.GapTol {
			res.Converged, res.Reason = true, ReasonGapTol
			break
		}
		if res.Iterations >= cfg.MaxIter {
			res.Reason = ReasonMaxIter
			break
		}
		alpha, ok := 0.0, false
		if st.npairs > 0 {
			st.direction()
			if dg := dot64(st.d, st.g); dg < 0 && !math.IsNaN(dg) {
				alpha, ok = st.wolfe(1)
			}
			if !ok {
				st.npairs = 0 // not a descent direction, or no Wolfe step: reset
			}
		}
		if !ok {
			alpha, ok = st.armijo(st.steepest(st.g, stepLen))
			if !ok {
				res.Reason = ReasonNoProgress
				break
			}
		}
		// st.tTheta, st.tf, st.tg hold the accepted point.
		stepLen = st.accept()
		gnorm = normInf(st.g)
		st.record(&res, cfg, alpha, stepLen, gnorm, start)
	}
	res.Evaluations = st.evals
	res.Loss = st.f
	res.GradNorm = gnorm
	res.Gap = gap()
	return res
}

// steepest sets the direction d = −g and returns the step α that moves θ
// by the Euclidean length stepLen along it (the first trial after a reset).
func (st *lbfgsState) steepest(g []float64, stepLen float64) float64 {
	for i, v := range g {
		st.d[i] = -v
	}
	return stepLen / norm2(st.d)
}

// accept makes the trial point (tTheta, tg, tf) the current one, storing
// the pair (s, y) of the step unless it violates the curvature condition,
// and returns the step length ‖s‖₂.
func (st *lbfgsState) accept() float64 {
	var sy, ss, yy float64
	for i := range st.theta {
		si := st.tTheta[i] - st.theta[i]
		yi := st.tg[i] - st.g[i]
		sy += si * yi
		ss += si * si
		yy += yi * yi
	}
	st.push(sy, ss, yy)
	st.theta, st.tTheta = st.tTheta, st.theta
	st.g, st.tg = st.tg, st.g
	st.f = st.tf
	return math.Sqrt(ss)
}

// record counts an iteration in res and reports it to cfg.Progress.
func (st *lbfgsState) record(res *LBFGSResult, cfg *LBFGS, alpha, stepLen, gnorm float64, start time.Time) {
	res.Iterations++
	is := IterStats{
		Iter: res.Iterations, Loss: st.f, GradNorm: gnorm, Step: alpha, StepNorm: stepLen,
		Evals: st.evals, Elapsed: time.Since(start),
	}
	res.History = append(res.History, is)
	if cfg.Progress != nil {
		cfg.Progress(is)
	}
}

// gapBound returns the certificate's duality-gap bound ‖∇_W J‖²/(2λ) +
// ⟨B, ∇_B J⟩ at θ with gradient g, the first nw entries being weights.
func gapBound(theta, g []float64, nw int, l2 float64) float64 {
	var gw2, bg float64
	for i := 0; i < nw; i++ {
		gw2 += g[i] * g[i]
	}
	for i := nw; i < len(g); i++ {
		bg += theta[i] * g[i]
	}
	return gw2/(2*l2) + bg
}

// lbfgsState is the iterate, the trial point of the line search and the
// (s, y) history.
type lbfgsState struct {
	o         fullObjective
	theta, g  []float64 // current point and its gradient
	f         float64
	d         []float64 // search direction
	tTheta    []float64 // trial point
	tg        []float64 // its gradient
	tf        float64
	loTheta   []float64 // the zoom's lower end (Wolfe search)
	loG       []float64
	evals     int
	s, y      [][]float64 // ring buffer of pairs
	rho       []float64   // 1/sᵀy
	alphaBuf  []float64
	head      int // index of the newest pair
	npairs    int
	gammaLast float64 // sᵀy/yᵀy of the newest pair
}

func newLBFGSState(o fullObjective, mem int) *lbfgsState {
	n := o.dim()
	st := &lbfgsState{
		o: o, theta: make([]float64, n), g: make([]float64, n), d: make([]float64, n),
		tTheta: make([]float64, n), tg: make([]float64, n),
		loTheta: make([]float64, n), loG: make([]float64, n),
		s: make([][]float64, mem), y: make([][]float64, mem),
		rho: make([]float64, mem), alphaBuf: make([]float64, mem),
		head: -1,
	}
	for i := range st.s {
		st.s[i] = make([]float64, n)
		st.y[i] = make([]float64, n)
	}
	return st
}

// push stores the pair tTheta − theta, tg − g unless it violates the
// curvature condition.
func (st *lbfgsState) push(sy, ss, yy float64) {
	if !(sy > 1e-10*math.Sqrt(ss)*math.Sqrt(yy)) || len(st.s) == 0 {
		return
	}
	st.head = (st.head + 1) % len(st.s)
	s, y := st.s[st.head], st.y[st.head]
	for i := range s {
		s[i] = st.tTheta[i] - st.theta[i]
		y[i] = st.tg[i] - st.g[i]
	}
	st.rho[st.head] = 1 / sy
	st.gammaLast = sy / yy
	st.npairs = min(st.npairs+1, len(st.s))
}

// direction sets d = −H∇J by the two-loop recursion.
func (st *lbfgsState) direction() {
	q := st.d
	copy(q, st.g)
	mem := len(st.s)
	idx := st.head
	for k := 0; k < st.npairs; k++ {
		a := st.rho[idx] * dot64(st.s[idx], q)
		st.alphaBuf[idx] = a
		axpy(-a, st.y[idx], q)
		idx = (idx - 1 + mem) % mem
	}
	for i := range q {
		q[i] *= st.gammaLast
	}
	idx = (st.head - st.npairs + 1 + mem) % mem
	for k := 0; k < st.npairs; k++ {
		b := st.rho[idx] * dot64(st.y[idx], q)
		axpy(st.alphaBuf[idx]-b, st.s[idx], q)
		idx = (idx + 1) % mem
	}
	for i := range q {
		q[i] = -q[i]
	}
}

// trial evaluates the objective at θ + α·d into tTheta, tg, tf and returns
// tf and the directional derivative ∇J(θ + α·d)·d.
func (st *lbfgsState) trial(alpha float64) (f, df float64) {
	for i, t := range st.theta {
		st.tTheta[i] = t + alpha*st.d[i]
	}
	st.tf = st.o.eval(st.tTheta, st.tg)
	st.evals++
	return st.tf, dot64(st.tg, st.d)
}

const (
	lsC1       = 1e-4
	lsC2       = 0.9
	lsMaxEvals = 40
	// lsDelta and lsEpsF define the approximate Wolfe conditions of Hager
	// and Zhang (CG_DESCENT, 2005), used when differences of J are below the
	// rounding noise of the float32 evaluation (about 1e-9 on the digits):
	// J(α) ≤ J(0) + lsEpsF·max(1, |J(0)|) and
	// c₂·φ'(0) ≤ φ'(α) ≤ (2·lsDelta − 1)·φ'(0). The derivative, summed in
	// float64, stays accurate to about 1e-9 where J no longer resolves the
	// decrease, which is of order ‖∇J‖²/λ.
	lsDelta = 0.1
	lsEpsF  = 1e-8
)

// approxWolfe reports whether a trial with value f and slope df satisfies
// the approximate Wolfe conditions for a search from f0 with slope dphi0.
// If curv is false the lower bound on df (the curvature condition) is not
// checked.
func approxWolfe(f, df, f0, dphi0 float64, curv bool) bool {
	return finite(f) && f <= f0+lsEpsF*math.Max(1, math.Abs(f0)) &&
		df <= (2*lsDelta-1)*dphi0 && (!curv || df >= lsC2*dphi0)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// armijo is a backtracking search along d from the trial step alpha. On
// success the accepted point is in tTheta, tg, tf.
func (st *lbfgsState) armijo(alpha float64) (float64, bool) {
	f0 := st.f
	dphi0 := dot64(st.g, st.d)
	if !(dphi0 < 0) || !finite(alpha) || alpha <= 0 {
		return 0, false
	}
	for i := 0; i < lsMaxEvals; i++ {
		f, df := st.trial(alpha)
		if finite(f) && f <= f0+lsC1*alpha*dphi0 && f < f0 || approxWolfe(f, df, f0, dphi0, false) {
			return alpha, true
		}
		next := 0.1 * alpha
		if finite(f) {
			// minimiser of the quadratic through φ(0), φ'(0) and φ(α)
			q := -dphi0 * alpha * alpha / (2 * (f - f0 - dphi0*alpha))
			next = math.Min(math.Max(q, 0.1*alpha), 0.5*alpha)
		}
		alpha = next
	}
	return 0, false
}

// wolfe is the strong-Wolfe line search of Nocedal & Wright (Algorithms 3.5
// and 3.6) along d from the trial step alpha. On success the accepted point
// is in tTheta, tg, tf. If the zoom runs out of evaluations with a lower end
// that satisfies the sufficient-decrease condition, that point is accepted.
func (st *lbfgsState) wolfe(alpha float64) (float64, bool) {
	f0 := st.f
	dphi0 := dot64(st.g, st.d)
	prevA, prevF, prevD := 0.0, f0, dphi0
	evals := 0
	for evals < lsMaxEvals {
		f, df := st.trial(alpha)
		evals++
		if approxWolfe(f, df, f0, dphi0, true) {
			return alpha, true
		}
		if !finite(f) || f > f0+lsC1*alpha*dphi0 || (evals > 1 && f >= prevF) {
			return st.zoom(prevA, prevF, prevD, alpha, f, df, f0, dphi0, evals)
		}
		if math.Abs(df) <= -lsC2*dphi0 {
			return alpha, true
		}
		if df >= 0 {
			st.saveLo()
			return st.zoom(alpha, f, df, prevA, prevF, prevD, f0, dphi0, evals)
		}
		st.saveLo()
		prevA, prevF, prevD = alpha, f, df
		alpha *= 4
	}
	return 0, false
}

// saveLo copies the trial point into the zoom's lower end.
func (st *lbfgsState) saveLo() {
	copy(st.loTheta, st.tTheta)
	copy(st.loG, st.tg)
}

// zoom narrows [lo, hi], lo satisfying sufficient decrease with the lower
// value, to a strong-Wolfe step. The point of lo (if lo > 0) is in loTheta,
// loG.
func (st *lbfgsState) zoom(lo, flo, dlo, hi, fhi, dhi, f0, dphi0 float64, evals int) (float64, bool) {
	for ; evals < lsMaxEvals; evals++ {
		width := hi - lo
		a := lo + 0.5*width
		if finite(fhi) {
			if c, ok := cubicMin(lo, flo, dlo, hi, fhi, dhi); ok {
				lo2, hi2 := math.Min(lo, hi), math.Max(lo, hi)
				margin := 0.1 * (hi2 - lo2)
				if c >= lo2+margin && c <= hi2-margin {
					a = c
				}
			}
		}
		if a == lo || a == hi || math.Abs(width) <= 1e-16*math.Abs(lo) {
			break
		}
		f, df := st.trial(a)
		if approxWolfe(f, df, f0, dphi0, true) {
			return a, true
		}
		if !finite(f) || f > f0+lsC1*a*dphi0 || f >= flo {
			hi, fhi, dhi = a, f, df
			continue
		}
		if math.Abs(df) <= -lsC2*dphi0 {
			return a, true
		}
		if df*(hi-lo) >= 0 {
			hi, fhi, dhi = lo, flo, dlo
		}
		lo, flo, dlo = a, f, df
		st.saveLo()
	}
	if lo > 0 && flo < f0 {
		copy(st.tTheta, st.loTheta)
		copy(st.tg, st.loG)
		st.tf = flo
		return lo, true
	}
	return 0, false
}

// cubicMin returns the minimiser of the cubic interpolating φ and φ' at a
// and b (Nocedal & Wright, eq. 3.59).
func cubicMin(a, fa, da, b, fb, db float64) (float64, bool) {
	d1 := da + db - 3*(fa-fb)/(a-b)
	disc := d1*d1 - da*db
	if !(disc >= 0) {
		return 0, false
	}
	d2 := math.Copysign(math.Sqrt(disc), b-a)
	den := db - da + 2*d2
	if den == 0 {
		return 0, false
	}
	c := b - (b-a)*(db+d2-d1)/den
	return c, finite(c)
}

func dot64(a, b []float64) float64 {
	var s float64
	b = b[:len(a)]
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += a * v
	}
}

func norm2(v []float64) float64 { return math.Sqrt(dot64(v, v)) }

func normInf(v []float64) float64 {
	var m float64
	for _, x := range v {
		if a := math.Abs(x); a > m || math.IsNaN(a) {
			m = a
		}
	}
	return m
}
