//go:build !purego && (amd64 || arm64)

package kernel

import (
	"math"

	"github.com/seed7bc074a2/maxent/fallback"
)

// The *Impl functions run a validated call on the active backend: generic
// calls package fallback, a SIMD backend calls the assembly through the
// per-architecture asm* functions (simd_amd64.go, simd_arm64.go), which pick
// the variant with a direct comparison (no function values: those would make
// the arguments, often stack buffers, escape to the heap).
//
// Assembly loops cannot be preempted, so long inputs are processed in chunks
// of at most chunk elements per assembly call: a latency-critical service
// shares the process with the garbage collector, which must be able to stop
// every goroutine within microseconds.
//
// Softmax, LogSoftmax, LogSumExp and SoftmaxCrossEntropy are composed in
// softmax.go from the primitives below, so that their special-value handling
// is written once for every backend.

func dotImpl(x, y []float32) float32 {
	b := current()
	if b == generic {
		return fallback.Dot(x, y)
	}
	var s float64
	for len(x) > 0 {
		n := min(len(x), chunk)
		s += asmDot(b, x[:n], y[:n])
		x, y = x[n:], y[n:]
	}
	return float32(s)
}

// rowsPerCall returns how many rows of cols elements one assembly call
// takes: as many as fit in a chunk, at least one.
func rowsPerCall(cols int) int { return max(1, chunk/max(cols, 1)) }

func matVecImpl(y []float32, w Matrix, x, b []float32) {
	be := current()
	if be == generic {
		fallback.MatVec(y, w.Data, w.Stride, x, b)
		return
	}
	if w.Rows*w.Cols <= chunk { // one call (no division on the hot path)
		asmMatVec(be, y, w.Data[:(w.Rows-1)*w.Stride+w.Cols], w.Stride, x, b)
		return
	}
	step := rowsPerCall(w.Cols)
	if step < matVecGroup { // long rows: column blocks (matvec_cols.go)
		matVecCols(be, y, w, x, b)
		return
	}
	for r := 0; r < w.Rows; r += step {
		e := min(r+step, w.Rows)
		wd := w.Data[r*w.Stride : (e-1)*w.Stride+w.Cols]
		var bb []float32
		if b != nil {
			bb = b[r:e]
		}
		asmMatVec(be, y[r:e], wd, w.Stride, x, bb)
	}
}

func addOuterImpl(g Matrix, alpha float32, d, x []float32) {
	be := current()
	if be == generic {
		fallback.AddOuter(g.Data, g.Stride, alpha, d, x)
		return
	}
	if g.Rows*g.Cols <= chunk { // one call (no division on the hot path)
		asmAddOuter(be, g.Data[:(g.Rows-1)*g.Stride+g.Cols], g.Stride, alpha, d, x)
		return
	}
	step := rowsPerCall(g.Cols)
	for r := 0; r < g.Rows; r += step {
		e := min(r+step, g.Rows)
		gd := g.Data[r*g.Stride : (e-1)*g.Stride+g.Cols]
		asmAddOuter(be, gd, g.Stride, alpha, d[r:e], x)
	}
}

func expImpl(dst, src []float32) {
	be := current()
	if be == generic {
		fallback.Exp(dst, src)
		return
	}
	for len(src) > 0 {
		n := min(len(src), chunk)
		asmExp(be, dst[:n], src[:n])
		dst, src = dst[n:], src[n:]
	}
}

// maxImpl returns the largest element of x ignoring NaNs (−Inf if none).
func maxImpl(x []float32) float32 {
	be := current()
	if be == generic {
		return fallback.Max(x)
	}
	m := float32(math.Inf(-1))
	for len(x) > 0 {
		n := min(len(x), chunk)
		if c := asmMax(be, x[:n]); c > m {
			m = c
		}
		x = x[n:]
	}
	return m
}

// expShiftSumImpl returns Σ exp(src[i] − m) summed in float64, storing the
// exponentials in dst unless dst is nil.
func expShiftSumImpl(dst, src []float32, m float32) float64 {
	be := current()
	if be == generic {
		return fallback.ExpShiftSum(dst, src, m)
	}
	var s float64
	for len(src) > 0 {
		n := min(len(src), chunk)
		var d []float32
		if dst != nil {
			d, dst = dst[:n], dst[n:]
		}
		s += asmExpShiftSum(be, d, src[:n], m)
		src = src[n:]
	}
	return s
}

// scaleImpl multiplies x by s.
func scaleImpl(x []float32, s float32) {
	be := current()
	if be == generic {
		fallback.Scale(x, s)
		return
	}
	for len(x) > 0 {
		n := min(len(x), chunk)
		asmScale(be, x[:n], s)
		x = x[n:]
	}
}

// shiftSubImpl sets dst[i] = (src[i] − m) − l.
func shiftSubImpl(dst, src []float32, m, l float32) {
	be := current()
	if be == generic {
		fallback.ShiftSub(dst, src, m, l)
		return
	}
	for len(src) > 0 {
		n := min(len(src), chunk)
		asmShiftSub(be, dst[:n], src[:n], m, l)
		dst, src = dst[n:], src[n:]
	}
}

// macChunk is the most multiply-adds one call of a batched assembly kernel
// performs, bounding the time it cannot be preempted as chunk does.
const macChunk = 1 << 18

func matMulTImpl(z, x, w Matrix, b []float32) { matMulTPfImpl(z, x, w, b, nil) }

// matMulTPfImpl is matMulTImpl (for x.Cols > 0) whose whole sample blocks
// run on the prefetching kernel when pf is not nil and the backend has one:
// while computing sample i it prefetches the row at pf[i] (len(pf) >=
// x.Rows). It returns how many leading entries of pf were prefetched this
// way (0 without such a kernel); the caller prefetches the others.
func matMulTPfImpl(z, x, w Matrix, b []float32, pf []uintptr) int {
	be := current()
	n, k, m := x.Rows, w.Rows, w.Cols
	if be == generic {
		fallback.MatMulT(z.Data, z.Stride, x.Data, x.Stride, w.Data, w.Stride, b, n, k, m)
		return 0
	}
	if !asmHasRowKernels(be) {
		pf = nil // no prefetching kernel: the plain one
	}
	nb := matMulTCalls(be, n, k, m, func(i, e, c, kn int) {
		zd, xd, wd, bb := z.Data[i*z.Stride+c:], x.Data[i*x.Stride:], w.Data[c*w.Stride:], biasFrom(b, c)
		if pf != nil {
			asmMatMulTPf(be, zd, z.Stride, xd, x.Stride, wd, w.Stride, bb, e-i, kn, m, pf[i:e])
		} else {
			asmMatMulT(be, zd, z.Stride, xd, x.Stride, wd, w.Stride, bb, e-i, kn, m)
		}
	})
	for i := nb; i < n; i++ {
		matVecImpl(z.Row(i), w, x.Row(i), b)
	}
	if pf == nil {
		return 0
	}
	return nb
}

// matMulTCalls calls call(i, e, c, kn) for each assembly call of MatMulT's
// whole sample blocks, n samples by k rows of w of m columns: samples
// [i, e) by rows [c, c+kn), at most macChunk multiply-adds per call. It
// returns the number of samples in whole blocks (the caller does the
// rest).
func matMulTCalls(be backendID, n, k, m int, call func(i, e, c, kn int)) int {
	S := asmMatMulTSamples(be)
	kc := min(k, max(1, macChunk/(S*m))) // rows of w per call
	ns := S * max(1, macChunk/(S*kc*m))  // samples per call
	nb := n - n%S                        // samples in whole blocks
	for i := 0; i < nb; i += ns {
		e := min(i+ns, nb)
		for c := 0; c < k; c += kc {
			call(i, e, c, min(kc, k-c))
		}
	}
	return nb
}

// biasFrom returns b[c:], or nil without bias.
func biasFrom(b []float32, c int) []float32 {
	if b == nil {
		return nil
	}
	return b[c:]
}

// addMatMulTNCalls calls call(i, ni, c, kn) for each assembly call of
// AddMatMulTN over n samples, k rows of g of m columns: samples [i, i+ni)
// (blocks of fallback.BatchBlock, summed in float32) by rows [c, c+kn),
// at least minRows rows per call (the kernel's largest pass) where k
// allows.
func addMatMulTNCalls(n, k, m, minRows int, call func(i, ni, c, kn int)) {
	const nb = fallback.BatchBlock
	kc := min(k, max(minRows, macChunk/(nb*m))) // rows of g per call
	for i := 0; i < n; i += nb {
		ni := min(nb, n-i)
		for c := 0; c < k; c += kc {
			call(i, ni, c, min(kc, k-c))
		}
	}
}

// gatherOK reports whether matMulTGatherImpl and addMatMulTNGatherImpl
// run on the active backend.
func gatherOK() bool {
	be := current()
	return !noGather && be != generic && asmHasRowKernels(be)
}

// matMulTGatherImpl is matMulTPfImpl (with gatherOK, w.Cols > 0) on the
// rows of x at rows[i], columns [c0, c0+w.Cols), whose addresses are
// xp[i]: the same calls of the same blocks, so the results are
// matMulTPfImpl's on those rows copied into a matrix, bit for bit. If
// x8.Data is not nil the rows are x8's codes instead, standing for their
// float32 values (not scaled: the caller scales w), the results those on
// rows of those values (dec is scratch for one row of w.Cols). It returns
// how many leading entries of pf were prefetched.
func matMulTGatherImpl(z, x Matrix, x8 ByteMatrix, dec []float32, rows []uint32, c0 int, w Matrix, b []float32, xp, pf []uintptr) int {
	be := current()
	n, k, m := len(rows), w.Rows, w.Cols
	u8 := x8.Data != nil
	nb := matMulTCalls(be, n, k, m, func(i, e, c, kn int) {
		asmMatMulTGather(be, z.Data[i*z.Stride+c:], z.Stride, xp[i:e], u8, w.Data[c*w.Stride:], w.Stride, biasFrom(b, c), e-i, kn, m, pf[i:e])
	})
	for i := nb; i < n; i++ {
		if u8 {
			o := int(rows[i])*x8.Stride + c0
			for j, code := range x8.Data[o : o+m] {
				dec[j] = float32(code)
			}
			matVecImpl(z.Row(i), w, dec[:m], b)
			continue
		}
		o := int(rows[i])*x.Stride + c0
		matVecImpl(z.Row(i), w, x.Data[o:o+m], b)
	}
	return nb
}

// addMatMulTNGatherImpl is addMatMulTNImpl (with gatherOK) on the d.Rows
// rows at the addresses xp[i], g.Cols elements each, in the same blocks:
// its results are addMatMulTNImpl's on those rows, bit for bit.
func addMatMulTNGatherImpl(g Matrix, alpha float32, d Matrix, xp []uintptr) {
	be := current()
	addMatMulTNCalls(d.Rows, g.Rows, g.Cols, 1, func(i, ni, c, kn int) {
		asmAddMatMulTNGather(be, g.Data[c*g.Stride:], g.Stride, alpha, d.Data[i*d.Stride+c:], d.Stride, xp[i:i+ni], nil, nil, ni, kn, g.Cols)
	})
}

// addMatMulTNGatherSGDImpl is addMatMulTNGatherImpl on the velocities v
// that also finishes the SGD trainer's momentum step on every element (see
// sgd.updateW, whose passes it replaces without L1): v = fma(c2, w, v) if
// l2, w = w + v, v = mu·v, w laid out as v. Bit for bit
// addMatMulTNGatherImpl followed by updateW: the step runs in the calls
// of the last block of samples, after every earlier block's sum. The
// first of those calls also prefetches the rows at pf[i] (nil: none; else
// len(pf) >= d.Rows), as asm.AddMatMulTNGatherSGDAVX512 describes. With
// a scale (len ≥ v.Cols), the rows are byte codes, each element's sum is
// added to tot (len ≥ v.Cols) and multiplied by its column's scale before
// it is added, and ws (laid out as v) receives w·scale after the step, as
// asm.AddMatMulTNGatherSGDU8AVX512 describes.
func addMatMulTNGatherSGDImpl(v Matrix, alpha float32, d Matrix, xp []uintptr, scale, tot []float32, w, ws Matrix, c2 float32, l2 bool, mu float32, pf []uintptr) {
	be := current()
	n := d.Rows
	// On codes, the kernel's rows per pass go in one call (AVX-512: 9,
	// more multiply-adds than macChunk with Fashion-MNIST's 784 columns
	// and 64 rows), not split by macChunk into passes that decode the
	// codes again.
	minRows := 1
	if scale != nil {
		minRows = asmAddMatMulTNU8Rows(be)
	}
	addMatMulTNCalls(n, v.Rows, v.Cols, minRows, func(i, ni, c, kn int) {
		vd, dd := v.Data[c*v.Stride:], d.Data[i*d.Stride+c:]
		if i+ni < n {
			asmAddMatMulTNGather(be, vd, v.Stride, alpha, dd, d.Stride, xp[i:i+ni], scale, tot, ni, kn, v.Cols)
			return
		}
		var p []uintptr
		if c == 0 && pf != nil {
			p = pf[i : i+ni]
		}
		var wsd []float32
		if scale != nil {
			wsd = ws.Data[c*ws.Stride:]
		}
		asmAddMatMulTNGatherSGD(be, vd, v.Stride, alpha, dd, d.Stride, xp[i:i+ni], scale, tot, ni, kn, v.Cols, w.Data[c*w.Stride:], wsd, c2, l2, mu, p)
	})
}

func addMatMulTNImpl(g Matrix, alpha float32, d, x Matrix) {
	be := current()
	n, k, m := x.Rows, g.Rows, g.Cols
	if be == generic {
		fallback.AddMatMulTN(g.Data, g.Stride, alpha, d.Data, d.Stride, x.Data, x.Stride, n, k, m)
		return
	}
	addMatMulTNCalls(n, k, m, 1, func(i, ni, c, kn int) {
		asmAddMatMulTN(be, g.Data[c*g.Stride:], g.Stride, alpha, d.Data[i*d.Stride+c:], d.Stride,
			x.Data[i*x.Stride:], x.Stride, ni, kn, m)
	})
}
