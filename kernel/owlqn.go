package kernel

import (
	"math"
	"time"
)

// owl is the state of OWL-QN (Andrew & Gao, 2007) beyond that of L-BFGS:
// the L1 weight, the number of penalised coordinates and the
// pseudo-gradient. While it runs, st.f and st.tf hold F = J + l1·‖W‖₁ while
// st.g and st.tg keep ∇J, the gradient of the smooth part, from which the
// (s, y) pairs are built.
type owl struct {
	st *lbfgsState
	l1 float64
	nw int       // the weights are θ[:nw], the biases θ[nw:]
	pg []float64 // ◇F at st.theta
}

// owlqn minimises F = J + cfg.L1·‖W‖₁ by OWL-QN, starting from st.theta
// with st.f = J(θ) and st.g = ∇J(θ) (the initial evaluation, counted in
// st.evals). On return st.theta is the final point. Besides the History
// appends it allocates only the pseudo-gradient, once.
func (st *lbfgsState) owlqn(cfg *LBFGS, nw int, start time.Time) LBFGSResult {
	ow := owl{st: st, l1: cfg.L1, nw: nw, pg: make([]float64, len(st.theta))}
	st.f += ow.penalty(st.theta)
	ow.pseudo()
	gnorm := normInf(ow.pg)

	var res LBFGSResult
	stepLen := 1.0 // Euclidean length of the first steepest-descent trial
	for {
		if gnorm <= cfg.GradTol*math.Max(1, math.Abs(st.f)) {
			res.Converged, res.Reason = true, ReasonGradTol
			break
		}
		if res.Iterations >= cfg.MaxIter {
			res.Reason = ReasonMaxIter
			break
		}
		alpha, ok := 0.0, false
		if st.npairs > 0 {
			ow.direction()
			alpha, ok = ow.search(1) // fails at once if d is not a descent direction
			if !ok {
				st.npairs = 0 // reset
			}
		}
		if !ok {
			alpha, ok = ow.search(st.steepest(ow.pg, stepLen))
			if !ok {
				res.Reason = ReasonNoProgress
				break
			}
		}
		// st.tTheta, st.tf (F), st.tg (∇J) hold the accepted point.
		stepLen = st.accept()
		ow.pseudo()
		gnorm = normInf(ow.pg)
		st.record(&res, cfg, alpha, stepLen, gnorm, start)
	}
	res.Evaluations = st.evals
	res.Loss = st.f
	res.GradNorm = gnorm
	return res
}

// penalty returns l1·‖W‖₁ of θ.
func (ow *owl) penalty(theta []float64) float64 {
	var s float64
	for _, v := range theta[:ow.nw] {
		s += math.Abs(v)
	}
	return ow.l1 * s
}

// pseudo sets pg to the pseudo-gradient ◇F at st.theta: on a weight w,
// ∂J/∂w + l1·sign(w) if w ≠ 0, and at w = 0 the one-sided derivative
// ∂J/∂w ± l1 that is negative in its direction (0 if neither is, that is,
// if |∂J/∂w| ≤ l1); on a bias, ∂J/∂b.
func (ow *owl) pseudo() {
	st, l1 := ow.st, ow.l1
	for i, g := range st.g {
		var v float64
		switch t := st.theta[i]; {
		case i >= ow.nw:
			v = g
		case t > 0:
			v = g + l1
		case t < 0:
			v = g - l1
		case g+l1 < 0:
			v = g + l1
		case g-l1 > 0:
			v = g - l1
		}
		ow.pg[i] = v
	}
}

// direction sets d = −H·◇F by the two-loop recursion (H from the pairs of
// ∇J) and zeroes every weight component whose sign is not that of −◇F, so
// that d stays in the orthant the step is projected on. Bias components,
// not penalised, are left alone; if that makes d not a descent direction,
// search fails and the iteration is retried along −◇F.
func (ow *owl) direction() {
	st := ow.st
	st.g, ow.pg = ow.pg, st.g // direction reads st.g
	st.direction()
	st.g, ow.pg = ow.pg, st.g
	d := st.d[:ow.nw]
	for i, v := range ow.pg[:ow.nw] {
		if d[i]*v >= 0 {
			d[i] = 0
		}
	}
}

// trial evaluates F at the projected point θ' = π(θ + α·d) into tTheta,
// tg (∇J) and tf (F). π sets to 0 every weight whose sign differs from ξ,
// the sign of θᵢ or, where θᵢ = 0, of −◇Fᵢ. It returns F(θ'), the
// derivative ◇Fᵀp of F at θ along p = θ' − θ, and the derivative of F
// along p arriving at θ' (the segment from θ to θ' stays in one closed
// orthant, where F is smooth).
func (ow *owl) trial(alpha float64) (f, dphi0, dphi1 float64) {
	st, nw := ow.st, ow.nw
	for i, t := range st.theta {
		v := t + alpha*st.d[i]
		if i < nw {
			xi := t
			if t == 0 {
				xi = -ow.pg[i]
			}
			if !(xi > 0 && v > 0 || xi < 0 && v < 0) {
				v = 0
			}
		}
		st.tTheta[i] = v
	}
	f = st.o.eval(st.tTheta, st.tg) + ow.penalty(st.tTheta)
	st.evals++
	st.tf = f
	var dl1 float64
	for i, v := range st.tTheta {
		p := v - st.theta[i]
		dphi0 += ow.pg[i] * p
		dphi1 += st.tg[i] * p
		if i < nw {
			switch {
			case v > 0:
				dl1 += p
			case v < 0:
				dl1 -= p
			default: // arriving at 0 from θᵢ
				dl1 -= math.Abs(p)
			}
		}
	}
	return f, dphi0, dphi1 + ow.l1*dl1
}

// search backtracks from the trial step alpha along the projected path
// π(θ + α·d) until F(θ') ≤ F(θ) + c₁·◇Fᵀ(θ' − θ) and F(θ') < F(θ), or the
// approximate Wolfe upper bounds hold on the segment from θ to θ' (see
// approxWolfe), with the interpolation of armijo. On success the accepted
// point is in tTheta, tg, tf.
func (ow *owl) search(alpha float64) (float64, bool) {
	st := ow.st
	f0 := st.f
	dphi0 := dot64(ow.pg, st.d)
	if !(dphi0 < 0) || !finite(alpha) || alpha <= 0 {
		return 0, false
	}
	for i := 0; i < lsMaxEvals; i++ {
		f, dp0, dp1 := ow.trial(alpha)
		if dp0 < 0 && (finite(f) && f <= f0+lsC1*dp0 && f < f0 || approxWolfe(f, dp1, f0, dp0, false)) {
			return ow.extrapolate(alpha, f, dp1, dp0, lsMaxEvals-i-1), true
		}
		next := 0.1 * alpha
		if finite(f) {
			// minimiser of the quadratic through φ(0), φ'(0) and φ(α) of
			// the unprojected path
			q := -dphi0 * alpha * alpha / (2 * (f - f0 - dphi0*alpha))
			next = math.Min(math.Max(q, 0.1*alpha), 0.5*alpha)
		}
		alpha = next
	}
	return 0, false
}

// extrapolate is called with an accepted step alpha (its point in tTheta,
// tg, tf; F = f there, dp1 the derivative of F arriving along p, dp0 =
// ◇Fᵀp). While F is still falling steeply at the accepted point (dp1 ≤
// lsC2·dp0: the step was too short, as after a restart from a tiny step
// length), it tries 4 times the step and keeps it if F is lower there
// (or, at the float32 noise floor, not higher by more than the
// approximate-Wolfe allowance with a slope still falling), so that the step
// length recovers instead of shrinking with every restart. At most evals
// evaluations; the best point is left in tTheta, tg, tf.
func (ow *owl) extrapolate(alpha, f, dp1, dp0 float64, evals int) float64 {
	st := ow.st
	for ; evals > 0 && dp1 <= lsC2*dp0 && dp0 < 0; evals-- {
		st.saveLo()
		bestF := f
		a := 4 * alpha
		nf, ndp0, ndp1 := ow.trial(a)
		if !(ndp0 < 0 && finite(nf) && (nf < bestF || approxWolfe(nf, ndp1, bestF, ndp0, false) && ndp1 < 0)) {
			// Worse: restore the accepted point.
			copy(st.tTheta, st.loTheta)
			copy(st.tg, st.loG)
			st.tf = bestF
			return alpha
		}
		alpha, f, dp0, dp1 = a, nf, ndp0, ndp1
	}
	return alpha
}
