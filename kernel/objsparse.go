package kernel

import (
	"fmt"
	"math"
)

// featureMajor returns Wᵀ of m: one packed row of k classes per feature,
// the layout of the sparse kernels.
func featureMajor(m *Model) Matrix {
	k := m.Classes
	wt := packed(m.Features, k)
	for f0 := 0; f0 < m.Features; f0 += transposeTile {
		f1 := min(f0+transposeTile, m.Features)
		t := wt.Data[f0*k : f1*k]
		for c := 0; c < k; c++ {
			for f, v := range m.W.Row(c)[f0:f1] {
				t[f*k+c] = v
			}
		}
	}
	return wt
}

// EvaluateSparse is Evaluate on sparse rows.
func (m *Model) EvaluateSparse(x CSR, y []int) (Evaluation, error) {
	if err := checkSparseInput(x, y, m); err != nil {
		return Evaluation{}, err
	}
	wt := *m.sparseModelW()
	return m.evaluate(x.Rows, y, func(z []float32, i int) {
		idx, val := x.Row(i)
		sparseMatVecTImpl(z, wt, idx, val, m.B)
	}), nil
}

// checkSparseInput is checkSparseData and a scan for NaN and infinite
// values: what evaluating sparse rows needs.
func checkSparseInput(x CSR, y []int, m *Model) error {
	if err := checkSparseData(x, y, m); err != nil {
		return err
	}
	return scanSparse(x)
}

// sparseObjective is objective (see there) on sparse rows: each worker
// sums the gradient of its rows feature-major in float64, a cost per row
// proportional to its non-zeros times the classes; the parts are added in
// worker order.
type sparseObjective struct {
	k, m   int
	x      CSR
	y      []int
	rw     []float32
	l2     float64
	wt     Matrix    // float32 Wᵀ of θ
	b      []float32 // float32 biases of θ
	shards []sparseObjShard
	pool   *pool
}

// sparseObjShard is one worker's rows and sums.
type sparseObjShard struct {
	lo, hi int
	z      []float32
	g      []float64 // Σ (p − onehot)·x over its rows, feature-major m×k
	gb     []float64
	loss   float64
	_      [64]byte
}

func newSparseObjective(k, m int, x CSR, y []int, rw []float32, l2 float64, workers int) *sparseObjective {
	workers = max(1, min(workers, x.Rows))
	o := &sparseObjective{k: k, m: m, x: x, y: y, rw: rw, l2: l2, wt: packed(m, k), b: make([]float32, k),
		shards: make([]sparseObjShard, workers)}
	for j := range o.shards {
		o.shards[j] = sparseObjShard{lo: j * x.Rows / workers, hi: (j + 1) * x.Rows / workers,
			z: make([]float32, k), g: make([]float64, m*k), gb: make([]float64, k)}
	}
	o.pool = newPool(workers, o.shard)
	return o
}

func (o *sparseObjective) close()                          { o.pool.close() }
func (o *sparseObjective) dim() int                        { return o.k*o.m + o.k }
func (o *sparseObjective) load(theta []float64, m *Model)  { loadTheta(theta, m) }
func (o *sparseObjective) store(m *Model, theta []float64) { storeTheta(m, theta) }

func (o *sparseObjective) eval(theta, grad []float64) float64 {
	k, m := o.k, o.m
	for f0 := 0; f0 < m; f0 += transposeTile {
		f1 := min(f0+transposeTile, m)
		t := o.wt.Data[f0*k : f1*k]
		for c := 0; c < k; c++ {
			for f, v := range theta[c*m+f0 : c*m+f1] {
				t[f*k+c] = float32(v)
			}
		}
	}
	for c := 0; c < k; c++ {
		o.b[c] = float32(theta[k*m+c])
	}
	o.pool.run()
	var loss float64
	clear(grad)
	for j := range o.shards {
		sh := &o.shards[j]
		loss += sh.loss
		for f0 := 0; f0 < m; f0 += transposeTile {
			f1 := min(f0+transposeTile, m)
			g := sh.g[f0*k : f1*k]
			for c := 0; c < k; c++ {
				gc := grad[c*m+f0 : c*m+f1]
				for f := range gc {
					gc[f] += g[f*k+c]
				}
			}
		}
		for c, v := range sh.gb {
			grad[k*m+c] += v
		}
	}
	return penalise(theta, grad, loss, o.x.Rows, k*m, o.l2)
}

// shard sums the loss and gradient of worker j's rows.
func (o *sparseObjective) shard(j int) {
	sh := &o.shards[j]
	k := o.k
	clear(sh.g)
	clear(sh.gb)
	sh.loss = 0
	for i := sh.lo; i < sh.hi; i++ {
		idx, val := o.x.Row(i)
		sparseMatVecTImpl(sh.z, o.wt, idx, val, o.b)
		s := float32(1)
		if o.rw != nil {
			s = o.rw[i]
		}
		sh.loss += float64(s) * float64(SoftmaxCrossEntropy(sh.z, sh.z, o.y[i]))
		if o.rw != nil {
			scaleImpl(sh.z, s)
		}
		for c, d := range sh.z {
			sh.gb[c] += float64(d)
		}
		for n, f := range idx {
			v := float64(val[n])
			g := sh.g[int(f)*k : int(f)*k+k]
			for c, d := range sh.z {
				g[c] += v * float64(d)
			}
		}
	}
}

// FitSparse is Fit on sparse rows: L-BFGS (OWL-QN with L1) on the same
// objective, each evaluation a pass over the non-zeros. It keeps
// 2·Memory + 4 vectors of classes·(features+1) float64, and each worker
// a feature-major float64 gradient of that size.
func (s *LBFGS) FitSparse(m *Model, x CSR, y []int) (LBFGSResult, error) {
	cfg, err := s.withDefaults()
	if err != nil {
		return LBFGSResult{}, err
	}
	if err := m.Validate(); err != nil {
		return LBFGSResult{}, err
	}
	if err := checkSparseData(x, y, m); err != nil { // no rows is an error there
		return LBFGSResult{}, err
	}
	if distinct := countClasses(y, m.Classes); distinct < 2 {
		return LBFGSResult{}, fmt.Errorf("maxent: all %d rows have class %d: training needs at least two classes", len(y), y[0])
	}
	rw, err := rowWeights(y, m.Classes, cfg.SampleWeights, cfg.ClassWeights)
	if err != nil {
		return LBFGSResult{}, err
	}
	o := newSparseObjective(m.Classes, m.Features, x, y, rw, cfg.L2, cfg.Workers)
	defer o.close()
	return cfg.minimise(m, o, func() error { return scanSparse(x) })
}

// CertifySparse is Certify on sparse rows.
func CertifySparse(m *Model, x CSR, y []int, l2 float64) (Certificate, error) {
	if !(l2 >= 0) || math.IsInf(l2, 0) {
		return Certificate{}, fmt.Errorf("maxent: L2 = %v, want a finite value ≥ 0", l2)
	}
	if err := m.Validate(); err != nil {
		return Certificate{}, err
	}
	if err := checkSparseInput(x, y, m); err != nil {
		return Certificate{}, err
	}
	c := Certificate{N: x.Rows, L2: l2, Classes: make([]ClassBalance, m.Classes)}
	k := m.Classes
	g := make([]float64, k*m.Features) // feature-major: Gₜⱼ at g[j·k + t]
	p := make([]float64, m.Classes)
	z := make([]float32, m.Classes)
	wt := *m.sparseModelW()
	for i := 0; i < x.Rows; i++ {
		idx, val := x.Row(i)
		sparseMatVecTImpl(z, wt, idx, val, m.B)
		if err := c.addRow(p, z, y[i]); err != nil {
			return Certificate{}, fmt.Errorf("maxent: row %d: %w", i, err)
		}
		for n, f := range idx {
			v, gf := float64(val[n]), g[int(f)*k:int(f)*k+k]
			for t, pt := range p {
				gf[t] += pt * v
			}
		}
	}
	c.finish(m, g, 1, k)
	return c, nil
}
