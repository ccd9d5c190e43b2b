package kernel

import (
	"math/rand/v2"
	"unsafe"
)

// sgd holds the state of one Trainer.Fit call. Every buffer is allocated
// by newSGD, so a step allocates nothing.
//
// A step splits the minibatch into one contiguous slice per worker. Each
// worker copies its rows into a contiguous block (the rows of a shuffled
// batch are scattered), computes their logits with MatMulT, the loss and
// logit gradients with SoftmaxCrossEntropyRows, and its weight gradient
// with AddMatMulTN. The update is
//
//	V ← μ·V − (lr/|batch|)·Σ_workers G − lr·λ·W,  W ← W + V
//
// and, with L1, W ← sign(W)·max(|W| − lr·λ₁, 0), with the workers' terms
// added in worker order. V is scaled by μ at the end of the previous step,
// so worker 0 adds its term straight into V (AddMatMulTN with alpha =
// −lr/|batch|); the other workers accumulate into their own G, added to V
// after the round. The remaining passes treat V, G and W (when its rows
// are contiguous) as single vectors: a handful of kernel calls per step
// rather than several per class row.
type sgd struct {
	m      *Model
	x      Matrix
	y      []int
	rw     []float32 // row weights (nil: all 1)
	l2, l1 float32
	mom    float32
	perm   []int // the epoch's row order
	ylab   []int // ylab[i] = y[perm[i]] (read sequentially by the steps)
	bs     int   // batch size
	rng    *rand.Rand
	lo, hi int // the current step takes rows perm[lo:hi]
	shards []sgdShard
	pool   *pool
	v      Matrix    // momentum of W
	vb     []float32 // momentum of B
	gb     []float64 // bias gradient of the step
	alpha  float32   // −lr/|batch| of the current step
	one    []float32 // {1}: AddOuter of one row is an axpy
}

// sgdShard is one worker's part of a step.
type sgdShard struct {
	xb, z   Matrix    // the rows, copied contiguously; their logits, then p − onehot
	pf      []uintptr // addresses of this worker's rows of the next batch (prefetched during MatMulT)
	g       Matrix    // Σ over the rows of the weight gradient (workers > 0; worker 0 adds into V)
	gb      []float64 // Σ over the rows of the bias gradient
	loss    float64
	correct int
	_       [64]byte // keep workers' shards on separate cache lines
}

func newSGD(m *Model, x Matrix, y []int, rw []float32, cfg *Trainer) *sgd {
	w := cfg.Workers
	per := (cfg.BatchSize + w - 1) / w
	s := &sgd{
		m: m, x: x, y: y, rw: rw,
		l2:     float32(cfg.L2),
		l1:     float32(cfg.L1),
		mom:    float32(cfg.Momentum),
		perm:   make([]int, x.Rows),
		ylab:   make([]int, x.Rows),
		bs:     cfg.BatchSize,
		rng:    rand.New(rand.NewPCG(cfg.Seed, 0x6d617865_6e74)),
		shards: make([]sgdShard, w),
		v:      likeW(m.W),
		vb:     make([]float32, m.Classes),
		gb:     make([]float64, m.Classes),
		one:    []float32{1},
	}
	for i := range s.perm {
		s.perm[i] = i
	}
	for j := range s.shards {
		s.shards[j] = sgdShard{
			xb: NewMatrix(per, m.Features),
			z:  NewMatrix(per, m.Classes),
			pf: make([]uintptr, per),
			gb: make([]float64, m.Classes),
		}
		if j > 0 { // worker 0 adds into V
			s.shards[j].g = likeW(m.W)
		}
	}
	s.pool = newPool(w, s.shard)
	return s
}

// likeW returns a zero matrix with W's shape and stride: V and the workers'
// G share one layout, so the update adds them as single vectors (their
// padding is theirs and stays zero).
func likeW(w Matrix) Matrix {
	return Matrix{Rows: w.Rows, Cols: w.Cols, Stride: w.Stride, Data: make([]float32, w.Rows*w.Stride)}
}

func (s *sgd) close() { s.pool.close() }

// shuffle draws the epoch's row order.
func (s *sgd) shuffle() {
	s.rng.Shuffle(len(s.perm), func(i, j int) { s.perm[i], s.perm[j] = s.perm[j], s.perm[i] })
	for i, r := range s.perm {
		s.ylab[i] = s.y[r]
	}
}

// shard computes worker j's part of the current batch.
func (s *sgd) shard(j int) {
	sh := &s.shards[j]
	n, w := s.hi-s.lo, len(s.shards)
	a, b := s.lo+j*n/w, s.lo+(j+1)*n/w
	rows, labels := s.perm[a:b], s.ylab[a:b]
	sh.loss, sh.correct = 0, 0
	clear(sh.gb)
	if j > 0 {
		clear(sh.g.Data)
	}
	if len(rows) == 0 {
		return
	}
	xb, z := sh.xb.Slice(0, len(rows)), sh.z.Slice(0, len(rows))
	// The rows of a shuffled batch are scattered over data usually far
	// larger than the caches, so this worker's rows of the next batch are
	// prefetched during this step: by MatMulT's kernel where it has a
	// prefetching variant (spread over its FMAs: row i of the next batch
	// while it computes sample i), else here, row by row while copying.
	// Issued all at once, the prefetches stalled the core as soon as the
	// miss queues filled.
	nn := min(s.bs, len(s.perm)-s.hi)
	next := s.perm[s.hi+j*nn/w : s.hi+(j+1)*nn/w]
	for i := range rows {
		copy(xb.Row(i), s.x.Row(rows[i]))
	}
	done := 0
	if s.x.Cols > 0 {
		pf := sh.pf[:len(rows)]
		for i := range pf {
			pf[i] = 0 // a prefetch of an unmapped address is ignored
			if i < len(next) {
				pf[i] = uintptr(unsafe.Pointer(&s.x.Data[next[i]*s.x.Stride]))
			}
		}
		done = matMulTPfImpl(z, xb, s.m.W, s.m.B, pf)
	} else {
		MatMulT(z, xb, s.m.W, s.m.B)
	}
	for i := done; i < len(next); i++ {
		prefetchL2(s.x.Row(next[i]))
	}
	correct := 0
	for i, l := range labels {
		if isArgmax(z.Row(i), l) {
			correct++
		}
	}
	sh.correct = correct
	if s.rw == nil {
		sh.loss = SoftmaxCrossEntropyRows(z, z, labels)
	} else {
		var loss float64
		for i, r := range rows {
			zr := z.Row(i)
			sw := s.rw[r]
			loss += float64(sw) * float64(SoftmaxCrossEntropy(zr, zr, labels[i]))
			scaleImpl(zr, sw)
		}
		sh.loss = loss
	}
	if j == 0 {
		AddMatMulTN(s.v, s.alpha, z, xb) // V was scaled by μ after the last step
	} else {
		AddMatMulTN(sh.g, 1, z, xb)
	}
	for i := range labels {
		for c, d := range z.Row(i) {
			sh.gb[c] += float64(d)
		}
	}
}

// step takes one SGD step on the rows perm[lo:hi] with learning rate lr
// and returns the summed loss and the number of rows classified right
// before the step.
func (s *sgd) step(lo, hi int, lr float32) (loss float64, correct int) {
	s.lo, s.hi = lo, hi
	inv := 1 / float32(hi-lo)
	a := -lr * inv
	s.alpha = a
	s.pool.run()
	clear(s.gb)
	for j := range s.shards {
		sh := &s.shards[j]
		loss += sh.loss
		correct += sh.correct
		for c, v := range sh.gb {
			s.gb[c] += v
		}
	}
	m := s.m
	v := s.v.Data
	for j := 1; j < len(s.shards); j++ {
		s.axpy(v, a, s.shards[j].g.Data)
	}
	if m.W.Stride == m.W.Cols { // W as one vector, like V
		s.updateW(v, m.W.Data[:len(v)], lr)
	} else { // row by row: W's padding is not ours to write
		for i := 0; i < m.Classes; i++ {
			s.updateW(s.v.Row(i), m.W.Row(i), lr)
		}
	}
	scaleImpl(v, s.mom) // μ·V for the next step
	for i := 0; i < m.Classes; i++ {
		d := float32(s.gb[i]) * inv
		s.vb[i] = float32(s.mom*s.vb[i]) - float32(lr*d)
		m.B[i] += s.vb[i]
	}
	return loss, correct
}

// updateW finishes the update of the weights w (all of W or one row) with
// their velocities v, which already hold μ·V − (lr/|batch|)·ΣG: the L2
// term, W ← W + V and the L1 soft threshold.
func (s *sgd) updateW(v, w []float32, lr float32) {
	if s.l2 != 0 {
		s.axpy(v, -lr*s.l2, w)
	}
	s.axpy(w, 1, v)
	if s.l1 != 0 {
		softThreshold(w, lr*s.l1)
	}
}

// axpy sets y = fma(a, x, y) through the AddOuter kernel of one row, in
// pieces of at most axpyChunk elements (the bound of one assembly call).
func (s *sgd) axpy(y []float32, a float32, x []float32) {
	for len(y) > 0 {
		n := min(len(y), axpyChunk)
		addOuterImpl(Matrix{Rows: 1, Cols: n, Stride: n, Data: y[:n]}, a, s.one, x[:n])
		y, x = y[n:], x[n:]
	}
}

// axpyChunk is the most elements one axpy kernel call takes (impl_simd.go's
// chunk, for every build).
const axpyChunk = 1 << 16

// softThreshold sets w = sign(w)·max(|w| − t, 0).
func softThreshold(w []float32, t float32) {
	for j, v := range w {
		switch {
		case v > t:
			w[j] = v - t
		case v < -t:
			w[j] = v + t
		default:
			w[j] = 0
		}
	}
}

// isArgmax reports whether argmax(z) == l (the first maximum; never when
// z[l] is NaN) with one comparison per element and no data-dependent
// updates, which mispredict on every new maximum.
func isArgmax(z []float32, l int) bool {
	zl := z[l]
	bad := zl != zl
	for _, v := range z[:l] {
		bad = bad || v >= zl
	}
	for _, v := range z[l+1:] {
		bad = bad || v > zl
	}
	return !bad
}
