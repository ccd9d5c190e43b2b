package kernel

import (
	"fmt"
	"math"
)

// This file computes the maximum-entropy optimality certificate of a model.
//
// Notation: n rows xᵢ ∈ ℝᵈ with labels yᵢ, K classes, Yᵢₜ = 1[yᵢ = t],
// logits zᵢₜ = θₜ·xᵢ + bₜ (θₜ is row t of W), Pᵢₜ = softmax(zᵢ)ₜ and
// LSEᵢ = log Σₜ exp(zᵢₜ). The objective (the Trainer's) is
//
//	J(θ, b) = L(θ, b) + (λ/2)‖θ‖²,   L = (1/n) Σᵢ (LSEᵢ − zᵢ,yᵢ),
//
// with gradient
//
//	∇_θₜ J = Gₜ + λθₜ,   Gₜ = (1/n) Σᵢ (Pᵢₜ − Yᵢₜ) xᵢ,
//	∇_bₜ J = (predₜ − obsₜ)/n,   obsₜ = Σᵢ Yᵢₜ,  predₜ = Σᵢ Pᵢₜ.
//
// Balance equations. ∇J = 0 says Σᵢ Yᵢₜ xᵢ − Σᵢ Pᵢₜ xᵢ − nλθₜ = 0 (the
// model reproduces the observed feature moments, up to the penalty) and
// obsₜ = predₜ (the intercept's equation; exact at the optimum since the bias
// is not penalised). The residual of class t is rₜ = Σᵢ Yᵢₜ xᵢ − Σᵢ Pᵢₜ xᵢ −
// nλθₜ = −n·∇_θₜ J, so ‖rₜ‖/n = ‖∇_θₜ J‖.
//
// Entropy identity. −Σₜ Pᵢₜ log Pᵢₜ = LSEᵢ − Σₜ Pᵢₜ zᵢₜ, so with
// H = (1/n) Σᵢ H(Pᵢ) the mean entropy,
//
//	L − H = (1/n) Σᵢ Σₜ (Pᵢₜ − Yᵢₜ) zᵢₜ = Σₜ [θₜ·Gₜ + bₜ·∇_bₜ J]
//	      = ⟨θ, ∇_θ J⟩ − λ‖θ‖² + ⟨b, ∇_b J⟩.                       (1)
//
// Duality. Fenchel duality with the conjugate of zᵢ ↦ LSEᵢ − zᵢ,yᵢ (which is
// −H(qᵢ) at qᵢ − Yᵢ for qᵢ in the simplex) gives the maximum-entropy dual:
// maximise over conditional distributions q
//
//	λ > 0:  D(q) = (1/n) Σᵢ H(qᵢ) − ‖G(q)‖²/(2λ),  G(q)ₜ = (1/n) Σᵢ (qᵢₜ − Yᵢₜ) xᵢ,
//	λ = 0:  D(q) = (1/n) Σᵢ H(qᵢ) subject to G(q) = 0,
//
// in both cases subject to Σᵢ qᵢₜ = obsₜ for every t (the unpenalised bias).
// Weak duality: D(q) ≤ J* ≤ J(θ, b) for every feasible q. The certificate
// takes the model's own distributions q = P as the dual candidate. By (1),
//
//	λ > 0:  J − D(P) = ‖∇_θ J‖²/(2λ) + ⟨b, ∇_b J⟩,
//	λ = 0:  J − D(P) = L − H = ⟨θ, ∇_θ J⟩ + ⟨b, ∇_b J⟩,
//
// which is what Certificate.Gap reports. When P is dual feasible — the bias
// balance equations hold (λ > 0), or all balance equations hold (λ = 0) —
// Gap is a true duality gap: 0 ≤ J(θ, b) − J* ≤ Gap. Otherwise it is the gap
// of a slightly infeasible dual point and only meaningful together with small
// residuals: read Gap and BiasResidual (and, for λ = 0, MaxResidual)
// together. ⟨b, ∇_b J⟩ does not change when every bₜ is shifted by the same
// constant, since Σₜ ∇_bₜ J = 0.
//
// Note that ‖∇J‖²/(2λ) with the bias part included is not a valid bound from
// strong convexity: J is unchanged by that shift of b, so it is not strongly
// convex in b for any modulus; the λ > 0 formula above needs only convexity.

// ClassBalance is the balance of one class in a Certificate.
type ClassBalance struct {
	Observed  float64 // obsₜ = Σᵢ 1[yᵢ = t], the number of rows of class t
	Predicted float64 // predₜ = Σᵢ P(t | xᵢ), the model's expected count
	Residual  float64 // ‖∇_θₜ J‖ = ‖Σᵢ 1[yᵢ=t]xᵢ − Σᵢ P(t|xᵢ)xᵢ − nλθₜ‖ / n
}

// Certificate is the maximum-entropy optimality certificate of a model on
// labelled data for the objective J = mean cross-entropy + (λ/2)‖W‖² (the
// Trainer's objective; see the package documentation, section "The
// maximum-entropy certificate", for the derivation). Every quantity is
// computed in float64 from the float32 logits of MatVec. At the minimiser of
// J, MaxResidual, BiasResidual, GradNorm and Gap are 0 and every class has
// Observed = Predicted.
type Certificate struct {
	N       int            // rows
	L2      float64        // λ
	Classes []ClassBalance // one per class of the model

	// MaxResidual is the largest balance-equation residual of the weights,
	// maxₜ ‖Σᵢ 1[yᵢ=t]xᵢ − Σᵢ P(t|xᵢ)xᵢ − nλθₜ‖ / n = maxₜ ‖∇_θₜ J‖.
	MaxResidual float64
	// BiasResidual is the largest residual of the intercept's balance
	// equation, maxₜ |obsₜ − predₜ| / n = maxₜ |∂J/∂bₜ|.
	BiasResidual float64
	// GradNormW and GradNormB are ‖∇_W J‖ and ‖∇_B J‖ (Euclidean norms);
	// GradNorm is the norm of the full gradient, √(GradNormW² + GradNormB²).
	GradNorm, GradNormW, GradNormB float64

	LogLoss   float64 // L, the mean cross-entropy −log P(yᵢ | xᵢ)
	Entropy   float64 // H, the mean entropy of the predicted distributions
	Objective float64 // J = LogLoss + (λ/2)‖W‖²
	// Dual is the maximum-entropy dual objective at the model's own
	// distributions: H − ‖∇_W J − λW‖²/(2λ) if λ > 0, H if λ = 0.
	Dual float64
	// Gap = Objective − Dual: ‖∇_W J‖²/(2λ) + ⟨B, ∇_B J⟩ if λ > 0,
	// LogLoss − Entropy = ⟨W, ∇_W J⟩ + ⟨B, ∇_B J⟩ if λ = 0. It bounds
	// J − J* from above when the model's distributions are dual feasible
	// (BiasResidual = 0 for λ > 0; MaxResidual = BiasResidual = 0 for
	// λ = 0), and may even be negative otherwise.
	Gap float64
}

// Certify returns the maximum-entropy optimality certificate of m on rows x
// with class indices y for the objective with penalty λ = l2 (see
// Certificate). Unlike the bare formula it returns an error, rather than a
// meaningless certificate, if m fails Validate, the data fails CheckData,
// x.Cols != m.Features, l2 is negative, NaN or infinite, or a logit is not
// finite (overflow with huge weights or features).
func Certify(m *Model, x Matrix, y []int, l2 float64) (Certificate, error) {
	if !(l2 >= 0) || math.IsInf(l2, 0) {
		return Certificate{}, fmt.Errorf("maxent: L2 = %v, want a finite value ≥ 0", l2)
	}
	if err := m.Validate(); err != nil {
		return Certificate{}, err
	}
	if x.Cols != m.Features {
		return Certificate{}, fmt.Errorf("maxent: data has %d features, model has %d", x.Cols, m.Features)
	}
	if err := CheckData(x, y, m.Classes); err != nil {
		return Certificate{}, err
	}
	c := Certificate{N: x.Rows, L2: l2, Classes: make([]ClassBalance, m.Classes)}
	g := make([]float64, m.Classes*m.Features) // Σᵢ (Pᵢₜ − Yᵢₜ) xᵢ, row t at g[t*d:]
	p := make([]float64, m.Classes)
	z32 := make([]float32, m.Classes)
	for i := 0; i < x.Rows; i++ {
		xi := x.Row(i)
		MatVec(z32, m.W, xi, m.B)
		if err := c.addRow(p, z32, y[i]); err != nil {
			return Certificate{}, fmt.Errorf("maxent: row %d: %w", i, err)
		}
		for t, pt := range p {
			if pt == 0 {
				continue
			}
			gt := g[t*m.Features : (t+1)*m.Features]
			for j, v := range xi {
				gt[j] += pt * float64(v)
			}
		}
	}
	c.finish(m, g, m.Features, 1)
	return c, nil
}

// addRow adds a row with logits z and label y to the sums of c (its loss
// to LogLoss, entropy to Entropy, probabilities to the classes' Predicted,
// label to Observed) and sets p to its logit gradient P − onehot(y).
func (c *Certificate) addRow(p []float64, z []float32, y int) error {
	mx := math.Inf(-1)
	for _, v := range z {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("logit %v is not finite", v)
		}
		mx = max(mx, float64(v))
	}
	var s float64
	for t, v := range z {
		p[t] = math.Exp(float64(v) - mx)
		s += p[t]
	}
	lse := mx + math.Log(s)
	// H(Pᵢ) = LSEᵢ − Σₜ Pᵢₜ zᵢₜ.
	var pz float64
	for t, v := range z {
		p[t] /= s
		pz += p[t] * float64(v)
		c.Classes[t].Predicted += p[t]
	}
	c.Entropy += lse - pz
	c.LogLoss += lse - float64(z[y])
	c.Classes[y].Observed++
	p[y]--
	return nil
}

// finish turns the sums of c (see addRow) and the data part of the
// gradient, g = Σᵢ (Pᵢ − Yᵢ) xᵢᵀ with class t's feature j at g[t·ts + j·js]
// (class-major: ts = Features, js = 1), into the certificate of m.
func (c *Certificate) finish(m *Model, g []float64, ts, js int) {
	l2, fn := c.L2, float64(c.N)
	c.LogLoss /= fn
	c.Entropy /= fn
	var w2, gw2, gb2, gdotw, bdotgb, g02 float64
	for t := 0; t < m.Classes; t++ {
		wt := m.W.Row(t)
		var r2 float64
		for j, v := range wt {
			w := float64(v)
			g0 := g[t*ts+j*js] / fn // Gₜⱼ, the data part of the gradient
			gj := g0 + l2*w         // ∂J/∂Wₜⱼ
			r2 += gj * gj
			w2 += w * w
			gdotw += gj * w
			g02 += g0 * g0
		}
		gw2 += r2
		c.Classes[t].Residual = math.Sqrt(r2)
		c.MaxResidual = max(c.MaxResidual, c.Classes[t].Residual)
		gb := (c.Classes[t].Predicted - c.Classes[t].Observed) / fn
		gb2 += gb * gb
		bdotgb += float64(m.B[t]) * gb
		c.BiasResidual = max(c.BiasResidual, math.Abs(gb))
	}
	c.GradNormW = math.Sqrt(gw2)
	c.GradNormB = math.Sqrt(gb2)
	c.GradNorm = math.Sqrt(gw2 + gb2)
	c.Objective = c.LogLoss + l2/2*w2
	if l2 > 0 {
		c.Dual = c.Entropy - g02/(2*l2)
		c.Gap = gw2/(2*l2) + bdotgb
	} else {
		c.Dual = c.Entropy
		c.Gap = gdotw + bdotgb
	}
}
