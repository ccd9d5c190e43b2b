package kernel

import (
	"errors"
	"fmt"
	"math"
)

// Row blocks of the full-batch objective: the batched kernels run on
// objBlock rows at a time (their x rows stay in L2 between MatMulT and
// AddMatMulTN), and each worker's float32 weight gradient is added into
// its float64 gradient every objFlush rows, so the float32 rounding error
// does not grow with n.
const (
	objBlock = 64
	objFlush = 1024
)

// fullObjective is the objective of full-batch training and of the
// trainers' convergence tests, over dense rows (objective) or sparse rows
// (sparseObjective). θ is W row by row (class-major) then B, in float64.
type fullObjective interface {
	dim() int                           // the length of θ
	load(theta []float64, m *Model)     // θ = m's parameters
	store(m *Model, theta []float64)    // m's parameters = θ rounded to float32
	eval(theta, grad []float64) float64 // J(θ), and grad = ∇J(θ)
	close()                             // stops its workers
}

// objective evaluates J and ∇J over a fixed data set,
//
//	J(θ) = (1/n) Σᵢ sᵢ·[log Σ_c exp(z_ic) − z_iyᵢ] + (λ/2)·‖W‖²,
//
// with row weights sᵢ (1 without weights). The rows are split into one
// contiguous range per worker; every worker sums its loss and gradient in
// float64 and the parts are added in worker order, so an evaluation is
// deterministic for a given number of workers. Every buffer is allocated
// by newObjective, so eval allocates nothing.
type objective struct {
	k, m   int
	x      Matrix
	y      []int
	rw     []float32 // row weights, nil when all are 1
	l2     float64
	w      Matrix    // float32 copy of the weights of θ
	b      []float32 // float32 copy of the biases of θ
	shards []objShard
	pool   *pool
}

// objShard is one worker's rows and buffers.
type objShard struct {
	lo, hi int
	z      Matrix    // logits of a block, then p − onehot
	g32    Matrix    // weight gradient of up to objFlush rows
	grad   []float64 // Σ over the shard's rows: weights (k·m) then biases (k)
	loss   float64
	_      [64]byte // keep workers' shards on separate cache lines
}

func newObjective(k, m int, x Matrix, y []int, rw []float32, l2 float64, workers int) *objective {
	workers = max(1, min(workers, x.Rows))
	o := &objective{
		k: k, m: m, x: x, y: y, rw: rw, l2: l2,
		w:      NewMatrix(k, m),
		b:      make([]float32, k),
		shards: make([]objShard, workers),
	}
	for j := range o.shards {
		o.shards[j] = objShard{
			lo: j * x.Rows / workers, hi: (j + 1) * x.Rows / workers,
			z:    NewMatrix(objBlock, k),
			g32:  NewMatrix(k, m),
			grad: make([]float64, k*m+k),
		}
	}
	o.pool = newPool(workers, o.shard)
	return o
}

// close stops the objective's worker goroutines.
func (o *objective) close() { o.pool.close() }

// dim returns the length of θ.
func (o *objective) dim() int { return o.k*o.m + o.k }

// load sets θ to the parameters of m.
func (o *objective) load(theta []float64, m *Model) { loadTheta(theta, m) }

// store sets the parameters of m to θ rounded to float32.
func (o *objective) store(m *Model, theta []float64) { storeTheta(m, theta) }

// loadTheta sets θ to the parameters of m.
func loadTheta(theta []float64, m *Model) {
	k, d := m.Classes, m.Features
	for i := 0; i < k; i++ {
		row := theta[i*d : (i+1)*d]
		for j, v := range m.W.Row(i) {
			row[j] = float64(v)
		}
		theta[k*d+i] = float64(m.B[i])
	}
}

// storeTheta sets the parameters of m to θ rounded to float32.
func storeTheta(m *Model, theta []float64) {
	m.ResetSparse()
	k, d := m.Classes, m.Features
	for i := 0; i < k; i++ {
		row := theta[i*d : (i+1)*d]
		w := m.W.Row(i)
		for j := range w {
			w[j] = float32(row[j])
		}
		m.B[i] = float32(theta[k*d+i])
	}
}

// penalise finishes an evaluation: the summed loss and gradient of the
// rows (grad) into the mean and the L2 term, J and ∇J.
func penalise(theta, grad []float64, loss float64, n, nw int, l2 float64) float64 {
	inv := 1 / float64(n)
	var pen float64
	for i := 0; i < nw; i++ {
		t := theta[i]
		pen += t * t
		grad[i] = grad[i]*inv + l2*t
	}
	for i := nw; i < len(grad); i++ {
		grad[i] *= inv
	}
	return loss*inv + 0.5*l2*pen
}

// eval returns J(θ) and sets grad = ∇J(θ). The logits are those of the
// float32 model nearest θ.
func (o *objective) eval(theta, grad []float64) float64 {
	k, m := o.k, o.m
	for i := 0; i < k; i++ {
		row := theta[i*m : (i+1)*m]
		w := o.w.Row(i)
		for j := range w {
			w[j] = float32(row[j])
		}
		o.b[i] = float32(theta[k*m+i])
	}
	o.pool.run()
	copy(grad, o.shards[0].grad)
	loss := o.shards[0].loss
	for j := 1; j < len(o.shards); j++ {
		for i, v := range o.shards[j].grad {
			grad[i] += v
		}
		loss += o.shards[j].loss
	}
	return penalise(theta, grad, loss, o.x.Rows, k*m, o.l2)
}

// shard sums the loss and gradient of worker j's rows (at o.w, o.b).
func (o *objective) shard(j int) {
	sh := &o.shards[j]
	k, m := o.k, o.m
	clear(sh.grad)
	sh.loss = 0
	gb := sh.grad[k*m:]
	for f0 := sh.lo; f0 < sh.hi; f0 += objFlush {
		f1 := min(f0+objFlush, sh.hi)
		clear(sh.g32.Data)
		for r0 := f0; r0 < f1; r0 += objBlock {
			r1 := min(r0+objBlock, f1)
			xs, z := o.x.Slice(r0, r1), sh.z.Slice(0, r1-r0)
			MatMulT(z, xs, o.w, o.b)
			sh.loss += lossRows(z, o.y[r0:r1], o.rw, r0)
			AddMatMulTN(sh.g32, 1, z, xs)
			for i := 0; i < z.Rows; i++ {
				for c, d := range z.Row(i) {
					gb[c] += float64(d)
				}
			}
		}
		for i := 0; i < k; i++ {
			g := sh.grad[i*m : (i+1)*m]
			for jj, v := range sh.g32.Row(i) {
				g[jj] += float64(v)
			}
		}
	}
}

// lossRows replaces the logits in z by the gradient of the (weighted) loss
// and returns the summed (weighted) loss. Row i of z is data row off+i;
// rw holds the weights of all data rows (nil: all 1).
func lossRows(z Matrix, y []int, rw []float32, off int) float64 {
	if rw == nil {
		return SoftmaxCrossEntropyRows(z, z, y)
	}
	var loss float64
	for i := 0; i < z.Rows; i++ {
		zr := z.Row(i)
		s := rw[off+i]
		loss += float64(s) * float64(SoftmaxCrossEntropy(zr, zr, y[i]))
		scaleImpl(zr, s)
	}
	return loss
}

// rowWeights returns the weight sᵢ = sample[i]·class[y[i]] of every row,
// or nil when both are nil. It returns an error naming the first invalid
// weight: wrong length, negative, NaN or infinite, or all weights zero.
func rowWeights(y []int, classes int, sample, class []float64) ([]float32, error) {
	if sample == nil && class == nil {
		return nil, nil
	}
	if sample != nil && len(sample) != len(y) {
		return nil, fmt.Errorf("maxent: %d sample weights for %d rows", len(sample), len(y))
	}
	if class != nil && len(class) != classes {
		return nil, fmt.Errorf("maxent: %d class weights for %d classes", len(class), classes)
	}
	for c, v := range class {
		if !(v >= 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("maxent: class weight %d is %v, want a finite value ≥ 0", c, v)
		}
	}
	rw := make([]float32, len(y))
	var sum float64
	for i := range y {
		s := 1.0
		if sample != nil {
			s = sample[i]
			if !(s >= 0) || math.IsInf(s, 0) {
				return nil, fmt.Errorf("maxent: sample weight %d is %v, want a finite value ≥ 0", i, s)
			}
		}
		if class != nil {
			s *= class[y[i]]
		}
		rw[i] = float32(s)
		sum += s
	}
	if sum == 0 {
		return nil, errors.New("maxent: every row has weight 0")
	}
	return rw, nil
}

// BalancedClassWeights returns scikit-learn's "balanced" class weights for
// labels y: n / (classes present · count of class c), 0 for an absent
// class, so that every class present carries the same total weight and the
// weights average 1 over the rows. It panics if a label is not in
// [0, classes).
func BalancedClassWeights(y []int, classes int) []float64 {
	count := make([]int, classes)
	present := 0
	for _, c := range y {
		if count[c] == 0 {
			present++
		}
		count[c]++
	}
	w := make([]float64, classes)
	for c, n := range count {
		if n > 0 {
			w[c] = float64(len(y)) / (float64(present) * float64(n))
		}
	}
	return w
}
