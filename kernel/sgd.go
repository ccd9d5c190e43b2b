package kernel

import (
	"math"
	"math/rand/v2"
	"time"
)

// sgd holds the state of one Trainer.Fit call. Every buffer is allocated
// by newSGD, so a step allocates nothing.
//
// The workers split the features, not the samples: worker j owns the
// columns [cols[j], cols[j+1]) of W, of its velocity V and of the data
// (ranges of whole 64-byte lines where the features allow), and trains its
// own contiguous copy of its columns of W (flush writes them back to the
// model; one worker on a contiguous W trains W itself). An epoch is one
// round of the pool (see shard), each step in three phases:
//
//  1. each worker computes its partial logits zp[j] = x[:, cols]·W[:, cols]ᵀ
//     of the batch's rows (scattered by the shuffle) with MatMulT (worker
//     0 adds the bias): reading the rows where they lie through a table of
//     their addresses on amd64 (MatMulTGather), else copied into a
//     contiguous block first;
//  2. after a barrier, each worker sums the partials of its share of the
//     rows, in worker order, and turns them into the loss and the logit
//     gradients p − onehot, in z (sceRows: with two workers its kernel adds
//     the partials as it loads them);
//  3. after a second barrier, each worker adds alpha·zᵀ·x[:, cols] to its
//     columns of V (AddMatMulTN, alpha = −lr/|batch|) and finishes the
//     update of its columns of W (in the same kernel with gather kernels
//     and no L1, else as single vectors); worker 0 also adds up the step's
//     loss and bias gradient and updates the bias.
//
// The update is
//
//	V ← μ·V − (lr/|batch|)·G − lr·λ·W,  W ← W + V
//
// and, with L1, W ← sign(W)·max(|W| − lr·λ₁, 0). V is scaled by μ at the
// end of the previous step, so the gradient is added straight into it.
// Only the partial logits and the logit gradients (|batch|×k each) cross
// between cores; every weight is read and written by one worker only, and
// nothing is reduced across workers but the bias gradient (by worker 0, in
// worker order). One worker owns every column: its steps are those of a
// serial trainer.
//
// The rows may be 8-bit codes with a scale per column (x8, from
// FitBytes). The gather kernels then read the codes (g8: amd64, no L1):
// MatMulT multiplies their float32 values by W times the scales (wsc),
// and the gradient kernel multiplies each sum Σ d·code by its column's
// scale and stores W times the scales after the update. It sums every
// class but the last: the rows of p − onehot add up to zero, so the last
// class's sum is minus the others' total, from which SGDRowU8 updates
// that row; with at most 16 classes that row is derived instead (see
// derive): MatMulT computes k−1 logits and the loss phase the last.
// Otherwise the codes are decoded into the batch block and the steps are
// those on the decoded rows.
type sgd struct {
	m      *Model
	x      Matrix     // the rows (only the shape with x8)
	x8     ByteMatrix // or the rows as codes (if Data != nil: see codes)
	g8     bool       // the gather kernels read the codes (see wsc)
	derive bool       // with g8 and at most 16 classes: the last class's weights derived (see newSGD)
	shift  []float32  // with derive: W's shift per feature, alike for every class (nil: zero; see newSGD)
	vshift []float32  // and its velocity
	y      []int32    // the labels (for the draw of the row orders)
	rw     []float32  // row weights (nil: all 1)
	l2, l1 float32
	mom    float32
	perm   []uint32 // the epoch's row order (at most 2³² − 1 rows: see Fit)
	ylab   []int32  // ylab[i] = y[perm[i]] (read sequentially by the steps)
	// The next epoch's row order and labels, drawn during an epoch (see
	// startShuffle) by ord.
	nperm   []uint32
	nylab   []int32
	ord     order
	drawing bool
	bs      int       // batch size
	rng     *rand.PCG // the row order's source (see shuffle)
	// The steps of the current pool round: step k takes the rows
	// perm[lo0+k·bs : min(lo0+(k+1)·bs, end)] with learning rate lrs[k].
	lo0, end, nsteps int
	lrs              []float32
	loss             float64 // the round's summed loss and rows classified right (worker 0 adds them up)
	correct          int
	cols             []int // worker j owns the columns [cols[j], cols[j+1])
	z                Matrix
	shards           []sgdShard
	pool             *pool
	wc               []Matrix     // wc[j]: worker j's columns of W, contiguous (or m.W itself: see own)
	vc               []Matrix     // vc[j]: the momentum of wc[j], laid out alike
	wsc              []Matrix     // with g8: wc[j] times the columns' scales, laid out alike (see newSGD)
	own              bool         // wc[0] is m.W: nothing to flush
	gather           bool         // the backend has gather kernels: the rows are read where they lie
	fused            bool         // and no L1: the update runs inside the gradient kernel
	vb               []float32    // momentum of B
	gb               []float64    // bias gradient of the step
	one              []float32    // {1}: AddOuter of one row is an axpy
	beat             heartbeat    // Trainer.Heartbeat's state
	sparse           *sparseState // sparse rows (FitSparse), else nil
	k0               int          // the epoch's index of the round's first step

	// The step's phases as chooseSteps decided them (and the shards'
	// logits and update).
	sum          sumFunc
	loss1        lossFunc
	pfHead       func(n int) int                         // how many of the next batch's n rows MatMulT prefetches
	prefetchRows func(s *sgd, rows []uint32, c0, c1 int) // prefetchF32 or prefetchU8
	lossBias     []float32                               // with derive: the bias the loss phase adds (m.B)
	stride       uintptr                                 // bytes from one row to the next (see rowAddrs)
}

// heartbeat calls Trainer.Heartbeat during an epoch: every beatSteps steps
// worker 0 looks at the clock, and calls it when a second has passed since
// the epoch started or since the last call.
type heartbeat struct {
	fn          func(epoch, step, steps int)
	epoch, done int
	next        time.Time
}

// beatSteps is how many steps pass between two looks at the clock: a
// small fraction of even the shortest steps' time.
const beatSteps = 16

// beatEvery is the time between two heartbeats (tests shorten it).
var beatEvery = time.Second

// start begins epoch (1-based).
func (h *heartbeat) start(epoch int) {
	h.epoch, h.done, h.next = epoch, 0, time.Now().Add(beatEvery)
}

// step counts a step of an epoch of steps steps.
func (h *heartbeat) step(steps int) {
	h.done++
	if h.fn == nil || h.done%beatSteps != 0 || h.done == steps {
		return
	}
	if now := time.Now(); now.After(h.next) {
		h.fn(h.epoch, h.done, steps)
		h.next = now.Add(beatEvery)
	}
}

// sgdShard is one worker's part of a step.
type sgdShard struct {
	xb      Matrix    // its columns of the batch's rows, copied contiguously (only without gather kernels)
	xp      []uintptr // the addresses of its columns of the batch's rows (with gather kernels; s.x or s.x8 keeps them alive)
	dec     []float32 // one row of its columns decoded from s.x8 (gather kernels' rows past the last whole block)
	tot     []float32 // with g8: the step's gradient sums of its columns over all classes but the last
	zp      Matrix    // its partial logits (worker 0 with one worker: z itself)
	pf      []uintptr // addresses of its columns of the next batch's rows prefetched during MatMulT
	pf2     []uintptr // and during the gradient kernel (see pfSplit)
	gb      []float64 // Σ over its rows of the bias gradient
	labels  []int     // the labels of its share of the step's rows (the loss phase's)
	loss    float64
	correct int

	c0, c1 int        // its columns [c0, c1)
	base   uintptr    // the address of row 0's column c0 (with columns)
	wl     Matrix     // the weights its MatMulT multiplies (W's columns, times the scales on codes, without the last class with derive)
	x8     ByteMatrix // the codes its gather kernel reads (none: float32 rows)
	bias   []float32  // the bias its MatMulT adds (worker 0, without derive)
	logits logitsFunc
	update updateFunc
	step   int      // the epoch's index of the current step
	rows   []uint32 // the current step's rows (sparse)
	span   [][2]int // the non-zeros of its columns in each of them (sparse)
	_      [64]byte // keep workers' shards on separate cache lines
}

// newSGD returns the state of a Fit on the rows x, or on the codes x8
// if x8.Data is not nil (x is then ignored).
func newSGD(m *Model, x Matrix, x8 ByteMatrix, y []int, rw []float32, cfg *Trainer) *sgd {
	w := cfg.Workers
	u8 := x8.Data != nil
	if u8 {
		x = Matrix{Rows: x8.Rows, Cols: x8.Cols}
	}
	s := newSGDBase(m, x, y, rw, cfg)
	s.x8 = x8
	s.own = w == 1 && m.W.Stride == m.W.Cols
	// Codes go through the gather kernels only with the fused update
	// (their weights times the scales are kept by the fused kernel); with
	// L1 they are decoded into the batch block.
	s.gather = gatherOK() && (!u8 || s.l1 == 0)
	s.fused = s.gather && s.l1 == 0
	s.g8 = u8 && s.gather
	// The rows of p − onehot add up to zero, so the steps change every
	// feature's Σ_c W_c only through the L2 term, alike for every class:
	// with W = W' + shift (shift the mean over the classes at the start),
	// Σ_c W'_c stays 0 and W'_{k−1} = −Σ_{c<k−1} W'_c. With derive the
	// steps train W'_0 … W'_{k−2} (MatMulT computes k−1 logits, a tenth
	// of its FMAs with 10 classes, and the loss phase derives the last and
	// adds the bias: sceRows), shift follows its own momentum steps
	// (finish), and flush writes W = W' + shift. The model is the one of
	// training W itself, to rounding.
	s.derive = s.g8 && m.Classes <= 16
	if s.derive {
		s.initShift()
		s.lossBias = m.B
	}
	s.prefetchRows = prefetchF32
	if u8 {
		s.prefetchRows = prefetchU8
	}
	s.wc, s.vc = make([]Matrix, w), make([]Matrix, w)
	if s.g8 {
		s.wsc = make([]Matrix, w)
	}
	for j := range s.shards {
		s.initShard(j, cfg.BatchSize)
	}
	s.chooseSteps()
	s.pool = newPool(w, s.shard)
	return s
}

// newSGDBase returns the state every Fit has: the row orders, the
// batch's logits, the bias's momentum and gradient, the workers' shards
// (their buffers are the caller's to make).
func newSGDBase(m *Model, x Matrix, y []int, rw []float32, cfg *Trainer) *sgd {
	s := &sgd{
		m: m, x: x, rw: rw,
		l2:     float32(cfg.L2),
		l1:     float32(cfg.L1),
		mom:    float32(cfg.Momentum),
		y:      make([]int32, x.Rows),
		perm:   make([]uint32, x.Rows),
		ylab:   make([]int32, x.Rows),
		nperm:  make([]uint32, x.Rows),
		nylab:  make([]int32, x.Rows),
		bs:     cfg.BatchSize,
		rng:    rand.NewPCG(cfg.Seed, 0x6d617865_6e74),
		ord:    newOrder(x.Rows),
		cols:   splitCols(m.Features, cfg.Workers),
		z:      NewMatrix(cfg.BatchSize, m.Classes),
		shards: make([]sgdShard, cfg.Workers),
		vb:     make([]float32, m.Classes),
		gb:     make([]float64, m.Classes),
		one:    []float32{1},
		lrs:    make([]float32, max(1, (x.Rows+cfg.BatchSize-1)/cfg.BatchSize)),
	}
	for i, l := range y {
		s.y[i] = int32(l)
	}
	return s
}

// initShift sets shift, W's mean over the classes per feature, unless it
// is zero (see derive in newSGD).
func (s *sgd) initShift() {
	m := s.m
	u := make([]float32, m.Features)
	for c := 0; c < m.Classes; c++ {
		for j, v := range m.W.Row(c)[:m.Features] {
			u[j] += v
		}
	}
	nonzero := false
	for j := range u {
		u[j] /= float32(m.Classes)
		nonzero = nonzero || u[j] != 0
	}
	if nonzero {
		s.shift, s.vshift = u, make([]float32, m.Features)
		s.own = false // the model keeps W, the steps W'
	}
}

// initShard allocates worker j's buffers and its columns of W (less the
// shift), V and, on codes, W times the scales.
func (s *sgd) initShard(j, bs int) {
	m, sh := s.m, &s.shards[j]
	sh.c0, sh.c1 = s.cols[j], s.cols[j+1]
	width := sh.c1 - sh.c0
	s.vc[j] = packed(m.Classes, width)
	if s.own {
		s.wc[j] = m.W
	} else {
		s.wc[j] = packed(m.Classes, width)
		for i := 0; i < m.Classes; i++ {
			wr := s.wc[j].Row(i)
			copy(wr, m.W.Row(i)[sh.c0:sh.c1])
			if s.shift != nil {
				for c, u := range s.shift[sh.c0:sh.c1] {
					wr[c] -= u
				}
			}
		}
	}
	if !s.gather {
		sh.xb = NewMatrix(bs, width)
	}
	sh.zp = s.z
	if len(s.shards) > 1 {
		sh.zp = NewMatrix(bs, m.Classes)
	}
	sh.pf, sh.pf2, sh.xp = make([]uintptr, bs), make([]uintptr, bs), make([]uintptr, bs)
	sh.gb, sh.labels = make([]float64, m.Classes), make([]int, bs)
	sh.wl = s.wc[j]
	if s.g8 {
		// MatMulT's kernel multiplies the codes' float32 values by W
		// times the scales: the logits Σ (w·scale)·code. The gradient
		// kernel multiplies each sum Σ d·code by its column's scale and
		// keeps wsc up to date after each step.
		sh.dec, sh.tot = make([]float32, width), make([]float32, width)
		s.wsc[j] = packed(m.Classes, width)
		for i := 0; i < m.Classes; i++ {
			ws, wr := s.wsc[j].Row(i), s.wc[j].Row(i)[:width]
			for c, v := range wr {
				ws[c] = v * s.x8.Scale[sh.c0+c]
			}
		}
		sh.wl, sh.x8 = s.wsc[j], s.x8
	}
	if j == 0 {
		sh.bias = m.B
	}
	if s.derive { // k−1 logits, no bias (the loss phase adds it)
		sh.wl, sh.bias = sh.wl.Slice(0, m.Classes-1), nil
	}
	if width > 0 && s.x.Rows > 0 {
		s.setRowBase(sh)
	}
}

// splitCols splits m features among w workers: contiguous ranges as equal
// as whole 16-column groups (64-byte lines of float32) allow when there
// are at least four groups per worker, else as equal as possible. Worker 0
// gets the smaller share when they differ (it also runs the update of the
// bias and wakes the others).
func splitCols(m, w int) []int {
	cuts := make([]int, w+1)
	g := 1
	if m >= 64*w {
		g = 16
	}
	for j := 1; j < w; j++ {
		cuts[j] = min(max(j*m/w/g*g, cuts[j-1]), m)
	}
	cuts[w] = m
	return cuts
}

// packed returns a zero rows×cols matrix without padding (Stride = cols),
// starting on a 64-byte boundary: the update treats it as one vector.
func packed(rows, cols int) Matrix {
	a := NewMatrix(1, rows*cols)
	return Matrix{Rows: rows, Cols: cols, Stride: cols, Data: a.Data[:rows*cols]}
}

// flush writes the workers' columns of W back to the model (with derive:
// W' + shift, the last row −Σ_{c<k−1} W'_c + shift, summed in class order).
func (s *sgd) flush() {
	s.m.ResetSparse()
	if s.sparse != nil {
		s.sparseFlush()
		return
	}
	if s.derive {
		k := s.m.Classes
		for j, wc := range s.wc {
			c0, c1 := s.cols[j], s.cols[j+1]
			last := s.m.W.Row(k - 1)[c0:c1]
			copy(last, wc.Row(0)) // own: row 0 is the model's
			for i := 1; i < k-1; i++ {
				for c, v := range wc.Row(i) {
					last[c] += v
				}
			}
			for c, v := range last {
				last[c] = -v
			}
			if s.own {
				continue
			}
			for i := 0; i < k-1; i++ {
				copy(s.m.W.Row(i)[c0:c1], wc.Row(i))
			}
			if s.shift != nil {
				for i := 0; i < k; i++ {
					for c, u := range s.shift[c0:c1] {
						s.m.W.Row(i)[c0+c] += u
					}
				}
			}
		}
		return
	}
	if s.own {
		return
	}
	for j, wc := range s.wc {
		for i := 0; i < wc.Rows; i++ {
			copy(s.m.W.Row(i)[s.cols[j]:s.cols[j+1]], wc.Row(i))
		}
	}
}

func (s *sgd) close() { s.pool.close() }

// shuffle makes the next row order (see order) the epoch's: it finishes
// drawing it (all of it without startShuffle) and swaps it in.
func (s *sgd) shuffle() {
	if !s.drawing {
		s.startShuffle()
	}
	s.drawSome(math.MaxInt)
	s.drawing = false
	s.perm, s.nperm = s.nperm, s.perm
	s.ylab, s.nylab = s.nylab, s.ylab
}

// startShuffle starts drawing the next epoch's row order into nperm and
// nylab during the epoch: worker 0 draws a part of it in every step, while
// it would otherwise wait for the others' partial logits, and shuffle
// completes it.
func (s *sgd) startShuffle() {
	s.ord.start()
	s.drawing = true
}

// drawSome takes up to n more units of the draw of the next row order.
func (s *sgd) drawSome(n int) {
	s.ord.draw(s.rng, s.nperm, s.nylab, s.y, n)
}

// shard runs worker j's part of the round's steps (see sgd): a whole epoch
// in one round. Nothing but the two barriers of each step orders the
// workers: worker j's partial logits of step k+1 need only its own columns
// of W, updated at the end of its step k; each worker writes its partials
// after everyone has read its previous ones (before the second barrier),
// and the logit gradients after everyone has used the previous ones
// (before the next step's first barrier).
func (s *sgd) shard(j int) {
	sh := &s.shards[j]
	for k := 0; k < s.nsteps; k++ {
		lo := s.lo0 + k*s.bs
		sh.step = s.k0 + k
		s.stepShard(j, lo, min(lo+s.bs, s.end), s.lrs[s.k0+k])
	}
}

// shuffleShare is how many units of the draw of the next row order
// worker 0 takes per SGD step while drawing (all of them over an epoch).
func (s *sgd) shuffleShare() int {
	return (s.ord.units() + len(s.lrs) - 1) / len(s.lrs)
}

// codes reports whether the rows are x8's codes (Trainer.FitBytes).
func (s *sgd) codes() bool { return s.x8.Data != nil }

// finish adds up the workers' loss, count and bias gradient of a step of
// n rows, in worker order, and updates the bias (worker 0, after the
// step's second barrier: every shard's sums are in, and none is written
// again before worker 0 reaches the next step's first barrier).
func (s *sgd) finish(n int, lr float32) {
	inv := 1 / float32(n)
	clear(s.gb)
	var loss float64
	for j := range s.shards {
		sh := &s.shards[j]
		loss += sh.loss
		s.correct += sh.correct
		for c, v := range sh.gb {
			s.gb[c] += v
		}
	}
	s.loss += loss
	m := s.m
	for i := 0; i < m.Classes; i++ {
		d := float32(s.gb[i]) * inv
		s.vb[i] = float32(s.mom*s.vb[i]) - float32(lr*d)
		m.B[i] += s.vb[i]
	}
	if s.shift != nil { // W's shift: its momentum step, as W's
		s.updateW(s.vshift, s.shift, lr)
	}
	s.beat.step(len(s.lrs))
}

// epoch takes the SGD steps of an epoch (the batches of the current row
// order, step k with learning rate s.lrs[k]) in one round of the pool, and
// returns the summed loss (each step's in float64, added in step order)
// and the number of rows classified right before their step.
func (s *sgd) epoch() (loss float64, correct int) {
	if s.sparse != nil {
		return s.sparseEpoch()
	}
	return s.run(0, len(s.perm), len(s.lrs))
}

// step takes one SGD step on the rows perm[lo:hi] (at most a batch) with
// learning rate lr, as epoch does.
func (s *sgd) step(lo, hi int, lr float32) (loss float64, correct int) {
	s.lrs[0] = lr
	return s.run(lo, hi, 1)
}

// run takes the steps of one pool round (see the fields lo0, end, nsteps).
func (s *sgd) run(lo0, end, nsteps int) (loss float64, correct int) {
	s.lo0, s.end, s.nsteps = lo0, end, nsteps
	s.loss, s.correct = 0, 0
	s.pool.run()
	return s.loss, s.correct
}

// updateW finishes the update of the weights w (a worker's columns of W,
// as one vector) with their velocities v, which already hold μ·V − (lr/|batch|)·G:
// the L2 term, W ← W + V and the L1 soft threshold; then it scales v by μ
// for the next step.
func (s *sgd) updateW(v, w []float32, lr float32) {
	if s.l2 != 0 {
		s.axpy(v, -lr*s.l2, w)
	}
	s.axpy(w, 1, v)
	if s.l1 != 0 {
		softThreshold(w, lr*s.l1)
	}
	scaleImpl(v, s.mom) // μ·V for the next step
}

// axpy sets y = fma(a, x, y) through the AddOuter kernel of one row, in
// pieces of at most chunk elements (the bound of one assembly call).
func (s *sgd) axpy(y []float32, a float32, x []float32) {
	for len(y) > 0 {
		n := min(len(y), chunk)
		addOuterImpl(Matrix{Rows: 1, Cols: n, Stride: n, Data: y[:n]}, a, s.one, x[:n])
		y, x = y[n:], x[n:]
	}
}

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

// pfSplit is how many of the next batch's n rows MatMulT prefetches when
// the gradient kernel prefetches the others: half, which spreads the
// shuffled rows' memory traffic over the step (measured against MatMulT
// prefetching everything, a quarter and three quarters: see
// docs/performance.md).
func pfSplit(n int) int { return n / 2 }
