package kernel

import (
	"fmt"
	"math"
)

// Sparse rows train by the same three-phase steps as dense ones (see sgd
// and sgdstep.go), with three differences that keep a step's cost
// proportional to the batch's non-zeros times the classes, never to the
// features:
//
//   - the weights are kept feature-major, V with one row of k classes per
//     feature (vt), so that a non-zero reads and updates one contiguous
//     k-vector (SparseMatVecT, SparseAddOuterT);
//   - W = scale·V: the L2 term, which shrinks every weight every step,
//     only multiplies the scalar scale by (1 − lr·λ) (Bottou's SGD); the
//     step's scales are computed before each round of steps, so that every
//     worker reads them without a race, and V is multiplied back into W
//     when the scale has shrunk by sparseRenorm;
//   - no momentum (it would move every weight in every step), and L1 as a
//     cumulative penalty applied to the weights a step touches (Tsuruoka,
//     Tsujii and Ananiadou, 2009), and to all of them when an epoch ends.
//
// The workers split the features as for dense rows: worker j owns the rows
// [c0, c1) of V and, in every row of the batch, the non-zeros in those
// columns (found by binary search, once per step).

// sparseRenorm is the factor by which the scale may shrink within one
// round of steps before V is multiplied back: far from float32's range.
const sparseRenorm = 1e-9

// sparseState is the part of sgd that only sparse rows use.
type sparseState struct {
	x     CSR
	vt    Matrix    // V, feature-major: m rows of k (packed)
	scale float64   // W = scale·V at the start of the round
	sc    []float64 // sc[k]: the scale after step k of the epoch (sc[-1] is scale)
	cum   []float64 // with L1: the penalty λ₁·Σ lr in W units up to step k of the epoch
	cum0  float64   // with L1: the same before the epoch
	q     Matrix    // with L1: the penalty applied so far to each weight (feature-major)
}

// FitSparse trains m by minibatch SGD on the sparse rows x with class
// indices y, as Fit does on dense rows, at a cost per step proportional
// to the batch's non-zeros times the classes (see sgdsparse.go): the L2
// penalty as a scale of all weights, L1 as a cumulative penalty on the
// weights a step touches. Momentum must be 0. valX and valY, if given,
// are sparse validation rows for early stopping. GradTol and GapTol
// evaluate the full objective on the sparse rows. The same settings and
// Workers give a bit-identical model.
func (t *Trainer) FitSparse(m *Model, x CSR, y []int, valX CSR, valY []int) (FitResult, error) {
	cfg, rw, err := t.sparseConfig(m, x, y, valX, valY)
	if err != nil {
		return FitResult{}, err
	}
	r := &fitRun{cfg: &cfg, m: m, rows: x.Rows, bestLoss: math.Inf(1)}
	r.scan = func() error { return scanSparse(x) }
	if valX.Rows > 0 || valY != nil {
		r.evalVal = func() (Evaluation, error) { return m.EvaluateSparse(valX, valY) }
	}
	r.s = newSparseSGD(m, x, y, rw, &cfg)
	r.s.beat.fn = cfg.Heartbeat
	defer r.s.close()
	if cfg.GradTol > 0 || cfg.GapTol > 0 {
		r.obj = newSparseObjective(m.Classes, m.Features, x, y, rw, cfg.L2, cfg.Workers)
		defer r.obj.close()
	}
	return r.run()
}

// sparseConfig checks the arguments of FitSparse and returns the Trainer
// with its defaults and the rows' weights.
func (t *Trainer) sparseConfig(m *Model, x CSR, y []int, valX CSR, valY []int) (Trainer, []float32, error) {
	cfg, err := t.withDefaults()
	if err != nil {
		return cfg, nil, err
	}
	switch {
	case cfg.Momentum != 0:
		return cfg, nil, fmt.Errorf("maxent: Momentum = %v: sparse rows train without momentum, which would move every weight in every step (set it to 0)", cfg.Momentum)
	case cfg.L2*cfg.LearningRate >= 1:
		return cfg, nil, fmt.Errorf("maxent: L2·LearningRate = %g ≥ 1: on sparse rows the penalty scales the weights by 1 − lr·λ each step; lower L2 or the learning rate", cfg.L2*cfg.LearningRate)
	}
	if err := m.Validate(); err != nil {
		return cfg, nil, err
	}
	if err := checkSparseData(x, y, m); err != nil {
		return cfg, nil, err
	}
	if err := sgdRows(x.Rows); err != nil {
		return cfg, nil, err
	}
	if distinct := countClasses(y, m.Classes); distinct < 2 {
		return cfg, nil, fmt.Errorf("maxent: all %d rows have class %d: training needs at least two classes", len(y), y[0])
	}
	if valX.Rows > 0 || valY != nil {
		if err := checkSparseData(valX, valY, m); err != nil {
			return cfg, nil, fmt.Errorf("validation data: %w", err)
		}
	}
	rw, err := rowWeights(y, m.Classes, cfg.SampleWeights, cfg.ClassWeights)
	return cfg, rw, err
}

// checkSparseData checks the shape and labels of sparse rows for m.
func checkSparseData(x CSR, y []int, m *Model) error {
	if x.Cols != m.Features {
		return fmt.Errorf("maxent: data has %d features, model has %d", x.Cols, m.Features)
	}
	if len(x.RowPtr) != x.Rows+1 {
		return fmt.Errorf("maxent: CSR has %d row offsets for %d rows (make it with NewCSR)", len(x.RowPtr), x.Rows)
	}
	return checkLabels(x.Rows, y, m.Classes)
}

// scanSparse returns an error naming the first NaN or infinite value of x.
func scanSparse(x CSR) error {
	for i := 0; i < x.Rows; i++ {
		idx, val := x.Row(i)
		for k, v := range val {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("maxent: row %d, column %d: feature is %v", i, idx[k], v)
			}
		}
	}
	return nil
}

// newSparseSGD returns the state of a FitSparse.
func newSparseSGD(m *Model, x CSR, y []int, rw []float32, cfg *Trainer) *sgd {
	w := cfg.Workers
	s := newSGDBase(m, Matrix{Rows: x.Rows, Cols: x.Cols}, y, rw, cfg)
	k := m.Classes
	sp := &sparseState{x: x, vt: featureMajor(m), scale: 1}
	nsteps := len(s.lrs)
	sp.sc = make([]float64, nsteps)
	if s.l1 != 0 {
		sp.cum, sp.q = make([]float64, nsteps), packed(m.Features, k)
	}
	s.sparse = sp
	for j := range s.shards {
		sh := &s.shards[j]
		sh.c0, sh.c1 = s.cols[j], s.cols[j+1]
		sh.zp = s.z
		if w > 1 {
			sh.zp = NewMatrix(cfg.BatchSize, k)
		}
		sh.gb, sh.labels = make([]float64, k), make([]int, cfg.BatchSize)
		sh.span = make([][2]int, cfg.BatchSize)
		sh.logits, sh.update = logitsSparse, updateSparse
		if j == 0 {
			sh.bias = m.B
		}
	}
	s.chooseSums()
	s.pool = newPool(w, s.shard)
	return s
}

// sparseEpoch runs an epoch of sparse steps in rounds of the pool: each
// round as many steps as the scale may shrink by before sparseRenorm, V
// then multiplied back into W's scale 1.
func (s *sgd) sparseEpoch() (loss float64, correct int) {
	sp := s.sparse
	n := len(s.lrs)
	for k0 := 0; k0 < n; {
		sc, k1 := sp.scale, k0
		for ; k1 < n; k1++ {
			next := sc * (1 - float64(s.lrs[k1])*float64(s.l2))
			if k1 > k0 && next < sparseRenorm*sp.scale {
				break
			}
			sc = next
			sp.sc[k1] = sc
			if sp.cum != nil {
				prev := sp.cum0
				if k1 > 0 {
					prev = sp.cum[k1-1]
				}
				sp.cum[k1] = prev + float64(s.lrs[k1])*float64(s.l1)
			}
		}
		s.k0 = k0
		l, c := s.run(k0*s.bs, min(k1*s.bs, len(s.perm)), k1-k0)
		loss, correct = loss+l, correct+c
		sp.scale = sc
		if sc < 1e-3 {
			sp.renorm()
		}
		k0 = k1
	}
	s.k0 = 0
	return loss, correct
}

// renorm multiplies the scale into V.
func (sp *sparseState) renorm() {
	scaleImpl(sp.vt.Data, float32(sp.scale))
	sp.scale = 1
}

// stepScale returns the scale of W = scale·V before step k of the round
// that starts at step k0 of the epoch.
func (sp *sparseState) stepScale(k, k0 int) float64 {
	if k == k0 {
		return sp.scale
	}
	return sp.sc[k-1]
}

// colSpan returns the non-zeros of idx in the columns [c0, c1).
func colSpan(idx []int32, c0, c1 int) (lo, hi int) {
	lo, hi = searchCol(idx, c0), len(idx)
	if c1 <= int(idx[len(idx)-1]) {
		hi = lo + searchCol(idx[lo:], c1)
	}
	return lo, hi
}

// searchCol returns the first position in idx (increasing) whose column
// is at least c.
func searchCol(idx []int32, c int) int {
	lo, hi := 0, len(idx)
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if int(idx[h]) < c {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo
}

// logitsSparse is phase 1 on sparse rows: worker j's partial logits,
// scale·Σ over its non-zeros of the rows of V (worker 0 adds the bias).
func logitsSparse(s *sgd, j int, rows, _ []uint32) {
	sh, sp := &s.shards[j], s.sparse
	k := s.m.Classes
	sc := float32(sp.stepScale(sh.step, s.k0))
	for i, r := range rows {
		idx, val := sp.x.Row(int(r))
		lo, hi := 0, len(idx)
		if len(s.shards) > 1 && hi > 0 {
			lo, hi = colSpan(idx, sh.c0, sh.c1)
		}
		sh.span[i] = [2]int{lo, hi}
		z := sh.zp.Row(i)[:k]
		sparseMatVecTImpl(z, sp.vt, idx[lo:hi], val[lo:hi], nil)
		if sh.bias != nil {
			for c := range z {
				z[c] = z[c]*sc + sh.bias[c]
			}
		} else {
			scaleImpl(z, sc)
		}
	}
	sh.rows = rows
}

// updateSparse is phase 3 on sparse rows: the step's gradient into worker
// j's rows of V, divided by the scale after the step (and the L1 penalty
// on the weights the step touched).
func updateSparse(s *sgd, j, n int, lr float32) {
	sh, sp := &s.shards[j], s.sparse
	after := sp.sc[sh.step]
	alpha := float32(-float64(lr) / (float64(n) * after))
	for i, r := range sh.rows {
		idx, val := sp.x.Row(int(r))
		lo, hi := sh.span[i][0], sh.span[i][1]
		if lo < hi {
			sparseAddOuterTImpl(sp.vt, alpha, s.z.Row(i), idx[lo:hi], val[lo:hi])
		}
	}
	if sp.q.Data == nil {
		return
	}
	for i, r := range sh.rows {
		idx, _ := sp.x.Row(int(r))
		for _, f := range idx[sh.span[i][0]:sh.span[i][1]] {
			sp.penalise(int(f), after, sp.cum[sh.step])
		}
	}
}

// penalise applies the cumulative L1 penalty u (in W units) to feature f's
// weights, W = scale·V: each moves toward 0 by what it has not yet been
// charged, without crossing it (Tsuruoka et al.'s q bookkeeping).
func (sp *sparseState) penalise(f int, scale, u float64) {
	k := sp.vt.Cols
	v, q := sp.vt.Data[f*k:(f+1)*k], sp.q.Data[f*k:(f+1)*k]
	for c := range v {
		w := scale * float64(v[c])
		z := w
		switch {
		case w > 0:
			w = max(0, w-(u+float64(q[c])))
		case w < 0:
			w = min(0, w+(u-float64(q[c])))
		}
		q[c] += float32(w - z)
		v[c] = float32(w / scale)
	}
}

// sparseFlush writes W = scale·Vᵀ into the model, with the L1 penalty
// charged to every weight first.
func (s *sgd) sparseFlush() {
	sp, m := s.sparse, s.m
	k := m.Classes
	if sp.q.Data != nil {
		u := sp.cum0
		if n := len(sp.cum); n > 0 {
			u = sp.cum[n-1]
		}
		for f := 0; f < m.Features; f++ {
			sp.penalise(f, sp.scale, u)
		}
		sp.cum0 = u
	}
	sc := float32(sp.scale)
	// In tiles of transposeTile features: the tile's rows of V stay in
	// cache while each class's row of W gets a contiguous run.
	for f0 := 0; f0 < m.Features; f0 += transposeTile {
		f1 := min(f0+transposeTile, m.Features)
		v := sp.vt.Data[f0*k : f1*k]
		for c := 0; c < k; c++ {
			w := m.W.Row(c)[f0:f1]
			for f := range w {
				w[f] = sc * v[f*k+c]
			}
		}
	}
}

// transposeTile is the number of features transposed at a time between
// W (class-major) and V (feature-major).
const transposeTile = 64
