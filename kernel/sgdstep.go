package kernel

import (
	"unsafe"

	"github.com/seed7bc074a2/maxent/fallback"
)

// An SGD step (see sgd) runs in three phases on every worker, separated by
// the pool's barriers. What each phase does depends on the rows (float32
// or codes), the backend (gather kernels or copied rows), the penalty (L1
// keeps the update out of the kernel), the class count (derived last
// class) and the workers; chooseSteps decides it once per Fit and stores
// the choice as the function fields below, so that the step itself is
// straight-line code.

// logitsFunc is phase 1 of worker j: its partial logits of the step's rows
// (and the prefetches of its columns of the next batch's rows).
type logitsFunc func(s *sgd, j int, rows, next []uint32)

// sumFunc sums the workers' partial logits of the step's rows [a, b) into
// z, in worker order, or returns the two operands that the loss kernel adds
// as it loads them (z2 empty: zin holds the logits).
type sumFunc func(s *sgd, z Matrix, a, b int) (zin, z2 Matrix)

// lossFunc is phase 2 on the rows [a, b) of the step (rows are their
// indices, labels their labels): the loss, the rows classified right, the
// bias gradient into sh.gb and the logit gradients p − onehot into z.
type lossFunc func(s *sgd, sh *sgdShard, z, zin, z2 Matrix, rows []uint32, labels []int)

// updateFunc is phase 3 of worker j: the gradient into its columns of V
// and the update of its columns of W.
type updateFunc func(s *sgd, j, n int, lr float32)

// stepShard runs worker j's part of the step on the rows perm[lo:hi] with
// learning rate lr (see sgd); worker 0 also finishes the step (finish).
func (s *sgd) stepShard(j, lo, hi int, lr float32) {
	sh := &s.shards[j]
	n := hi - lo
	sh.logits(s, j, s.perm[lo:hi], s.perm[hi:min(hi+s.bs, len(s.perm))])
	if j == 0 && s.drawing {
		s.drawSome(s.shuffleShare())
	}
	s.pool.sync()

	w := len(s.shards)
	a, b := j*n/w, (j+1)*n/w
	z := s.z.Slice(a, b)
	labels := sh.labels[:b-a]
	for i, l := range s.ylab[lo+a : lo+b] {
		labels[i] = int(l)
	}
	zin, z2 := s.sum(s, z, a, b)
	clear(sh.gb)
	s.loss1(s, sh, z, zin, z2, s.perm[lo+a:lo+b], labels)
	s.pool.sync()

	if j == 0 {
		s.finish(n, lr)
	}
	sh.update(s, j, n, lr)
}

// chooseSteps sets the phases of the steps (see sgd and newSGD for the
// modes they follow from).
func (s *sgd) chooseSteps() {
	s.chooseSums()
	s.pfHead = func(n int) int { return n }
	if s.fused {
		s.pfHead = pfSplit
	}
	for j := range s.shards {
		s.chooseShard(j)
	}
}

// chooseSums sets the sum and loss phases.
func (s *sgd) chooseSums() {
	w := len(s.shards)
	switch {
	case w == 1:
		s.sum = sumOwn
	case w == 2 && s.cols[2] > s.cols[1] && s.rw == nil:
		s.sum = sumInKernel
	default:
		s.sum = sumInOrder
	}
	switch {
	case s.rw == nil:
		s.loss1 = lossUnweighted
	case s.derive:
		s.loss1 = lossWeightedDerived
	default:
		s.loss1 = lossWeighted
	}
}

// chooseShard sets worker j's logits and update phases.
func (s *sgd) chooseShard(j int) {
	sh := &s.shards[j]
	switch {
	case sh.c1 == sh.c0 && j > 0:
		sh.logits, sh.update = logitsNone, updateNone
		return
	case sh.c1 == sh.c0 && s.derive:
		sh.logits, sh.update = logitsZero, updateNone
		return
	case sh.c1 == sh.c0:
		sh.logits, sh.update = logitsBias, updateNone
		return
	case s.gather:
		sh.logits = logitsGather
	case s.codes():
		sh.logits = logitsDecoded
	default:
		sh.logits = logitsCopied
	}
	switch {
	case s.fused && s.derive:
		sh.update = updateFusedCodesDerived
	case s.fused && s.g8:
		sh.update = updateFusedCodes
	case s.fused:
		sh.update = updateFused
	case s.gather:
		sh.update = updateGathered
	default:
		sh.update = updateCopied
	}
}

// logitsGather reads the rows where they lie (gather kernels): MatMulT
// prefetches the first pfHead(n) rows of the next batch, the gradient
// kernel (with the fused update) the others; each is given the current
// rows (in cache: no traffic) instead of the other's and past the data's
// end. The rows of a shuffled batch are scattered over data usually far
// larger than the caches, and prefetches issued all at once stall the core
// as soon as the miss queues fill: spread over the kernels' FMAs (row i of
// the next batch while it computes sample i), they do not.
func logitsGather(s *sgd, j int, rows, next []uint32) {
	sh := &s.shards[j]
	n := len(rows)
	s.rowAddrs(sh.xp[:n], rows, sh.base)
	h := s.pfHead(n)
	pf, pf2 := sh.pf[:n], sh.pf2[:n]
	copy(pf, sh.xp[:n])
	copy(pf2, sh.xp[:n])
	nn := min(n, len(next))
	s.rowAddrs(pf[:min(h, nn)], next[:min(h, nn)], sh.base)
	if nn > h {
		s.rowAddrs(pf2[h:nn], next[h:nn], sh.base)
	}
	done := matMulTGatherImpl(sh.zp.Slice(0, n), s.x, sh.x8, sh.dec, rows, sh.c0, sh.wl, sh.bias, sh.xp[:n], pf)
	next = next[:min(h, len(next))]
	s.prefetchRows(s, next[min(done, len(next)):], sh.c0, sh.c1)
}

// logitsCopied copies the float32 rows into the contiguous batch block,
// and MatMulT prefetches the next batch's rows as far as it can.
func logitsCopied(s *sgd, j int, rows, next []uint32) {
	sh := &s.shards[j]
	n, c0 := len(rows), sh.c0
	xb := sh.xb.Slice(0, n)
	for i, r := range rows {
		o := int(r)*s.x.Stride + c0
		copy(xb.Row(i), s.x.Data[o:o+xb.Cols])
	}
	pf := sh.pf[:n]
	clear(pf) // a prefetch of an unmapped address is ignored
	s.rowAddrs(pf[:min(n, len(next))], next[:min(n, len(next))], sh.base)
	done := matMulTPfImpl(sh.zp.Slice(0, n), xb, s.wc[j], sh.bias, pf)
	s.prefetchRows(s, next[min(done, len(next)):], c0, sh.c1)
}

// logitsDecoded decodes the codes into the contiguous batch block; the
// next batch's codes are prefetched here (MatMulT's prefetch counts
// float32 columns).
func logitsDecoded(s *sgd, j int, rows, next []uint32) {
	sh := &s.shards[j]
	n, c0 := len(rows), sh.c0
	xb := sh.xb.Slice(0, n)
	for i, r := range rows {
		o := int(r)*s.x8.Stride + c0
		decodeRow(xb.Row(i), s.x8.Data[o:o+xb.Cols], s.x8.Scale[c0:])
	}
	pf := sh.pf[:n]
	clear(pf)
	matMulTPfImpl(sh.zp.Slice(0, n), xb, s.wc[j], sh.bias, pf)
	s.prefetchRows(s, next, c0, sh.c1)
}

// logitsBias, logitsZero and logitsNone serve workers without columns:
// worker 0's partial logits are the bias (zero with derive: the loss phase
// adds it), the others' are not read.
func logitsBias(s *sgd, j int, rows, _ []uint32) {
	zp := s.shards[j].zp
	for i := range rows {
		copy(zp.Row(i), s.m.B)
	}
}

func logitsZero(s *sgd, j int, rows, _ []uint32) {
	zp := s.shards[j].zp
	for i := range rows {
		clear(zp.Row(i))
	}
}

func logitsNone(*sgd, int, []uint32, []uint32) {}

// sumOwn: one worker's partials are z itself.
func sumOwn(_ *sgd, z Matrix, _, _ int) (Matrix, Matrix) { return z, Matrix{} }

// sumInKernel: with two workers with columns and no row weights the loss
// kernel adds the two partials as it loads them.
func sumInKernel(s *sgd, _ Matrix, a, b int) (Matrix, Matrix) {
	return s.shards[0].zp.Slice(a, b), s.shards[1].zp.Slice(a, b)
}

// sumInOrder adds the partials of the workers with columns in worker order
// (worker 0's holds the bias even without columns).
func sumInOrder(s *sgd, z Matrix, a, b int) (Matrix, Matrix) {
	for i := 0; i < b-a; i++ {
		zi := z.Row(i)
		copy(zi, s.shards[0].zp.Row(a+i))
		for q := 1; q < len(s.shards); q++ {
			if s.cols[q+1] > s.cols[q] {
				for c, v := range s.shards[q].zp.Row(a + i) {
					zi[c] += v
				}
			}
		}
	}
	return z, Matrix{}
}

// lossUnweighted is the loss phase of unweighted rows: one fused kernel (which
// also derives the last class and adds the bias with derive: lossBias).
func lossUnweighted(s *sgd, sh *sgdShard, z, zin, z2 Matrix, _ []uint32, labels []int) {
	sh.loss, sh.correct = sceRows(z, zin, z2, labels, sh.gb, s.lossBias)
}

// lossWeightedDerived derives the last class and adds the bias (the
// reference of the fused kernel's derivation), then runs lossWeighted.
func lossWeightedDerived(s *sgd, sh *sgdShard, z, zin, z2 Matrix, rows []uint32, labels []int) {
	for i := 0; i < z.Rows; i++ {
		fallback.DeriveLast(z.Row(i), s.lossBias)
	}
	lossWeighted(s, sh, z, zin, z2, rows, labels)
}

// lossWeighted is the loss phase of weighted rows, row by row: each row's
// loss and logit gradient times its weight.
func lossWeighted(s *sgd, sh *sgdShard, z, _, _ Matrix, rows []uint32, labels []int) {
	correct := 0
	for i, l := range labels {
		if isArgmax(z.Row(i), l) {
			correct++
		}
	}
	sh.correct = correct
	var loss float64
	for i, r := range rows {
		zr := z.Row(i)
		sw := s.rw[r]
		loss += float64(sw) * float64(SoftmaxCrossEntropy(zr, zr, labels[i]))
		scaleImpl(zr, sw)
		for c, d := range zr {
			sh.gb[c] += float64(d)
		}
	}
	sh.loss = loss
}

// gradScale is the factor of the summed logit gradients in V's update:
// −lr/|batch| (as the bias's).
func gradScale(lr float32, n int) float32 { return -lr * (1 / float32(n)) }

// updateFused runs the update inside the gradient kernel, element by
// element (gather kernels, no L1).
func updateFused(s *sgd, j, n int, lr float32) {
	sh := &s.shards[j]
	addMatMulTNGatherSGDImpl(s.vc[j], gradScale(lr, n), s.z.Slice(0, n), sh.xp[:n], nil, nil, s.wc[j], Matrix{}, -lr*s.l2, s.l2 != 0, s.mom, sh.pf2[:n])
}

// updateFusedCodes: on codes, the kernel sums the gradient of every class
// but the last (the rows of p − onehot add up to zero: the last class's
// sum is minus the others' total, tot), then SGDRowU8 updates that row
// from tot.
func updateFusedCodes(s *sgd, j, n int, lr float32) {
	updateFusedCodesDerived(s, j, n, lr)
	sh, v := &s.shards[j], s.vc[j]
	k1 := v.Rows - 1
	sgdRowU8Impl(v.Row(k1), s.wc[j].Row(k1), s.wsc[j].Row(k1), sh.tot, s.x8.Scale[sh.c0:sh.c1], -gradScale(lr, n), -lr*s.l2, s.l2 != 0, s.mom)
}

// updateFusedCodesDerived is the classes but the last of updateFusedCodes:
// all of the update when the last row is derived, not trained (see
// newSGD). tot is computed but then not used: a kernel variant without it
// would save too little to pay for itself.
func updateFusedCodesDerived(s *sgd, j, n int, lr float32) {
	sh := &s.shards[j]
	v, wc, ws := s.vc[j], s.wc[j], s.wsc[j]
	k1, sc := v.Rows-1, s.x8.Scale[sh.c0:sh.c1]
	clear(sh.tot)
	addMatMulTNGatherSGDImpl(v.Slice(0, k1), gradScale(lr, n), s.z.Slice(0, n), sh.xp[:n], sc, sh.tot, wc.Slice(0, k1), ws.Slice(0, k1), -lr*s.l2, s.l2 != 0, s.mom, sh.pf2[:n])
}

// updateGathered sums the gradient from the rows where they lie, then
// updates W as one vector (gather kernels with L1).
func updateGathered(s *sgd, j, n int, lr float32) {
	v := s.vc[j]
	addMatMulTNGatherImpl(v, gradScale(lr, n), s.z.Slice(0, n), s.shards[j].xp[:n])
	s.updateW(v.Data, s.wc[j].Data[:len(v.Data)], lr)
}

// updateCopied sums the gradient from the batch block, then updates W as
// one vector.
func updateCopied(s *sgd, j, n int, lr float32) {
	v := s.vc[j]
	AddMatMulTN(v, gradScale(lr, n), s.z.Slice(0, n), s.shards[j].xb.Slice(0, n))
	s.updateW(v.Data, s.wc[j].Data[:len(v.Data)], lr)
}

func updateNone(*sgd, int, int, float32) {}

// rowAddrs sets dst[i] to the address of row rows[i]'s column whose row-0
// address is base, without a bounds check per row (rows are valid).
func (s *sgd) rowAddrs(dst []uintptr, rows []uint32, base uintptr) {
	dst = dst[:len(rows)]
	for i, r := range rows {
		dst[i] = base + uintptr(r)*s.stride
	}
}

// setRowBase sets sh.base, the address of column c0 of row 0 (the
// shard has columns, the data rows), and s.stride.
func (s *sgd) setRowBase(sh *sgdShard) {
	if s.codes() {
		sh.base, s.stride = uintptr(unsafe.Pointer(&s.x8.Data[sh.c0])), uintptr(s.x8.Stride)
	} else {
		sh.base, s.stride = uintptr(unsafe.Pointer(&s.x.Data[sh.c0])), 4*uintptr(s.x.Stride)
	}
}

// prefetchF32 and prefetchU8 prefetch the columns [c0, c1) of rows into
// L2 (s.prefetchRows is one of them).
func prefetchF32(s *sgd, rows []uint32, c0, c1 int) {
	for _, r := range rows {
		o := int(r) * s.x.Stride
		prefetchL2(s.x.Data[o+c0 : o+c1])
	}
}

func prefetchU8(s *sgd, rows []uint32, c0, c1 int) {
	for _, r := range rows {
		o := int(r) * s.x8.Stride
		prefetchL2Bytes(s.x8.Data[o+c0 : o+c1])
	}
}
