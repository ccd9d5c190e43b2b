//go:build !purego

package kernel

import "github.com/seed7bc074a2/maxent/asm"

// compiled lists the SIMD backends built into this binary for this GOARCH,
// best first; detect keeps those the CPU supports.
var compiled = []backendID{avx512, avx2}

// The asm* functions call the assembly of SIMD backend be (avx512 or avx2)
// on at most one chunk of input; impl_simd.go does the chunking.

func asmDot(be backendID, x, y []float32) float64 {
	if be == avx512 {
		return asm.DotAVX512(x, y)
	}
	return asm.DotAVX2(x, y)
}

func asmMatVec(be backendID, y, w []float32, stride int, x, b []float32) {
	if be == avx512 {
		asm.MatVecAVX512(y, w, stride, x, b)
		return
	}
	asm.MatVecAVX2(y, w, stride, x, b)
}

func asmAddOuter(be backendID, g []float32, stride int, alpha float32, d, x []float32) {
	if be == avx512 {
		asm.AddOuterAVX512(g, stride, alpha, d, x)
		return
	}
	asm.AddOuterAVX2(g, stride, alpha, d, x)
}

func asmExp(be backendID, dst, src []float32) {
	if be == avx512 {
		asm.ExpAVX512(dst, src)
		return
	}
	asm.ExpAVX2(dst, src)
}

func asmMax(be backendID, x []float32) float32 {
	if be == avx512 {
		return asm.MaxAVX512(x)
	}
	return asm.MaxAVX2(x)
}

func asmExpShiftSum(be backendID, dst, src []float32, m float32) float64 {
	if be == avx512 {
		return asm.ExpShiftSumAVX512(dst, src, m)
	}
	return asm.ExpShiftSumAVX2(dst, src, m)
}

func asmScale(be backendID, x []float32, s float32) {
	if be == avx512 {
		asm.ScaleAVX512(x, s)
		return
	}
	asm.ScaleAVX2(x, s)
}

func asmShiftSub(be backendID, dst, src []float32, m, l float32) {
	if be == avx512 {
		asm.ShiftSubAVX512(dst, src, m, l)
		return
	}
	asm.ShiftSubAVX2(dst, src, m, l)
}

// asmMatMulTSamples is the block size of asmMatMulT: its n must be a multiple.
func asmMatMulTSamples(be backendID) int {
	if be == avx512 {
		return asm.MatMulTSamplesAVX512
	}
	return asm.MatMulTSamplesAVX2
}

func asmMatMulT(be backendID, z []float32, zs int, x []float32, xs int, w []float32, ws int, b []float32, n, k, m int) {
	if be == avx512 {
		asm.MatMulTAVX512(z, zs, x, xs, w, ws, b, n, k, m)
		return
	}
	asm.MatMulTAVX2(z, zs, x, xs, w, ws, b, n, k, m)
}

func asmAddMatMulTN(be backendID, g []float32, gs int, alpha float32, d []float32, ds int, x []float32, xs int, n, k, m int) {
	if be == avx512 {
		asm.AddMatMulTNAVX512(g, gs, alpha, d, ds, x, xs, n, k, m)
		return
	}
	asm.AddMatMulTNAVX2(g, gs, alpha, d, ds, x, xs, n, k, m)
}

// prefetchL2 hints the CPU to bring p's elements into L2 (every amd64 CPU).
func prefetchL2(p []float32) { asm.PrefetchL2(p) }

// prefetchL2Bytes prefetches p's cache lines into L2.
func prefetchL2Bytes(p []byte) { asm.PrefetchL2Bytes(p) }

// asmMatMulTPf runs MatMulT's kernel prefetching the rows at pf (see
// asm.MatMulTPfAVX2; only where asmHasRowKernels).
func asmMatMulTPf(be backendID, z []float32, zs int, x []float32, xs int, w []float32, ws int, b []float32, n, k, m int, pf []uintptr) {
	if be == avx512 {
		asm.MatMulTPfAVX512(z, zs, x, xs, w, ws, b, n, k, m, pf)
		return
	}
	asm.MatMulTPfAVX2(z, zs, x, xs, w, ws, b, n, k, m, pf)
}

// softmaxRowImpl computes the softmax of a row of at most chunk elements
// in one assembly call (ok = false on the generic backend, for empty rows
// and longer ones): SoftmaxSmallAVX512 for rows of at most 16 on AVX-512,
// else the fused Softmax kernel. dst is as after max, exp-sum and scale,
// with m and the sum returned for softmaxParts; when m is ±Inf the kernels
// do not write dst.
func softmaxRowImpl(dst, src []float32) (m float32, sum float64, ok bool) {
	be := current()
	switch {
	case be == generic || len(src) == 0 || len(src) > chunk:
		return 0, 0, false
	case be == avx512 && len(src) <= 16:
		m, sum = asm.SoftmaxSmallAVX512(dst, src)
	case be == avx512:
		m, sum = asm.SoftmaxAVX512(dst, src)
	default:
		m, sum = asm.SoftmaxAVX2(dst, src)
	}
	return m, sum, true
}

// maxExpSumImpl returns max(x) and Σ exp(x[i] − max) in one assembly call on
// AVX2 and AVX-512 for rows of at most chunk elements (ok = false
// elsewhere); sum is 0 when m is ±Inf.
func maxExpSumImpl(x []float32) (m float32, sum float64, ok bool) {
	be := current()
	if be == generic || len(x) == 0 || len(x) > chunk {
		return 0, 0, false
	}
	if be == avx512 {
		m, sum = asm.MaxExpSumAVX512(x)
	} else {
		m, sum = asm.MaxExpSumAVX2(x)
	}
	return m, sum, true
}

// asmHasRowKernels reports whether be has the trainer's variants of the
// batched kernels: MatMulT prefetching given rows, and MatMulT and
// AddMatMulTN reading their samples through a table of row addresses
// (every amd64 SIMD backend).
func asmHasRowKernels(be backendID) bool { return be == avx2 || be == avx512 }

// asmMatMulTGather runs asm.MatMulTGatherAVX2 or AVX512 (see there), or
// with u8 their U8 variants on rows of byte codes.
func asmMatMulTGather(be backendID, z []float32, zs int, xp []uintptr, u8 bool, w []float32, ws int, b []float32, n, k, m int, pf []uintptr) {
	switch {
	case be == avx512 && u8:
		asm.MatMulTGatherU8AVX512(z, zs, xp, w, ws, b, n, k, m, pf)
	case be == avx512:
		asm.MatMulTGatherAVX512(z, zs, xp, w, ws, b, n, k, m, pf)
	case u8:
		asm.MatMulTGatherU8AVX2(z, zs, xp, w, ws, b, n, k, m, pf)
	default:
		asm.MatMulTGatherAVX2(z, zs, xp, w, ws, b, n, k, m, pf)
	}
}

// asmAddMatMulTNGatherSGD runs asm.AddMatMulTNGatherSGDAVX2 or AVX512, or
// with a scale their U8 variants (which add to tot and store wsc).
func asmAddMatMulTNGatherSGD(be backendID, g []float32, gs int, alpha float32, d []float32, ds int, xp []uintptr, scale, tot []float32, n, k, m int, w, wsc []float32, c2 float32, l2 bool, mu float32, pf []uintptr) {
	var l int
	if l2 {
		l = 1
	}
	switch {
	case be == avx512 && scale != nil:
		asm.AddMatMulTNGatherSGDU8AVX512(g, gs, alpha, d, ds, xp, scale, tot, n, k, m, w, wsc, c2, l, mu, pf)
	case be == avx512:
		asm.AddMatMulTNGatherSGDAVX512(g, gs, alpha, d, ds, xp, n, k, m, w, c2, l, mu, pf)
	case scale != nil:
		asm.AddMatMulTNGatherSGDU8AVX2(g, gs, alpha, d, ds, xp, scale, tot, n, k, m, w, wsc, c2, l, mu, pf)
	default:
		asm.AddMatMulTNGatherSGDAVX2(g, gs, alpha, d, ds, xp, n, k, m, w, c2, l, mu, pf)
	}
}

// asmAddMatMulTNU8Rows is the rows of g in the largest pass of be's
// AddMatMulTNGather(SGD)U8 kernels.
func asmAddMatMulTNU8Rows(be backendID) int {
	if be == avx512 {
		return asm.AddMatMulTNU8RowsAVX512
	}
	return asm.AddMatMulTNU8RowsAVX2
}

// asmAddMatMulTNGather runs asm.AddMatMulTNGatherAVX2 or AVX512, or with
// a scale their U8 variants (which add to tot).
func asmAddMatMulTNGather(be backendID, g []float32, gs int, alpha float32, d []float32, ds int, xp []uintptr, scale, tot []float32, n, k, m int) {
	switch {
	case be == avx512 && scale != nil:
		asm.AddMatMulTNGatherU8AVX512(g, gs, alpha, d, ds, xp, scale, tot, n, k, m)
	case be == avx512:
		asm.AddMatMulTNGatherAVX512(g, gs, alpha, d, ds, xp, n, k, m)
	case scale != nil:
		asm.AddMatMulTNGatherU8AVX2(g, gs, alpha, d, ds, xp, scale, tot, n, k, m)
	default:
		asm.AddMatMulTNGatherAVX2(g, gs, alpha, d, ds, xp, n, k, m)
	}
}

// sgdRowU8Impl runs asm.SGDRowU8AVX2 or AVX512 (see there) on the len(v)
// elements of one row (gatherOK).
func sgdRowU8Impl(v, w, ws, tot, scale []float32, alpha, c2 float32, l2 bool, mu float32) {
	m := len(v)
	w, ws, tot, scale = w[:m], ws[:m], tot[:m], scale[:m]
	var l int
	if l2 {
		l = 1
	}
	if current() == avx512 {
		asm.SGDRowU8AVX512(v, w, ws, tot, scale, m, alpha, c2, l, mu)
		return
	}
	asm.SGDRowU8AVX2(v, w, ws, tot, scale, m, alpha, c2, l, mu)
}

// noXent16 turns SoftmaxXentRows16DerivedAVX512 off: xentRowsImpl runs
// the row kernel on every row (tests and benchmarks compare the two).
var noXent16 bool

// xentRowsImpl runs the fused loss kernel asm.SoftmaxXentRowsAVX512 over
// the rows of z (1 ≤ z.Cols ≤ 16, labels valid, grad of z's shape), plus
// those of z2 if it is not nil (the data of a matrix of z's shape and
// stride), from the first, for sceRows: st is its state (the sum of
// m − z_y, the product of the row sums, 16 bias gradient sums), or with a
// bias b (not nil) on rows whose last class is derived (see sceRows)
// asm.SoftmaxXentRows16DerivedAVX512 on whole groups of 16 rows (lane-wise
// across the rows instead of a horizontal reduction per row) and then
// asm.SoftmaxXentRowsDerivedAVX512 on the rest. ok is false when the
// backend has no such kernel or the rows are not short (with b: or closer
// than 16 apart).
func xentRowsImpl(grad, z Matrix, z2 []float32, labels []int, st *[18]float64, b []float32) (done, correct int, ok bool) {
	if current() != avx512 || z.Cols == 0 || z.Cols > 16 {
		return 0, 0, false
	}
	// Direct calls: through a func value st would escape (no noescape).
	wide := grad.Stride >= 16 && z.Stride >= 16
	if b != nil {
		if !wide {
			return 0, 0, false
		}
		// Whole groups of 16 rows with the classes across the rows,
		// then the rest (and a group the 16-row kernel leaves) row by row.
		if !noXent16 {
			done, correct = asm.SoftmaxXentRows16DerivedAVX512(grad.Data, grad.Stride, z.Data, z2, z.Stride, labels, z.Cols, st[:], b)
		}
		if done < len(labels) {
			var z2r []float32
			if z2 != nil {
				z2r = z2[done*z.Stride:]
			}
			d, c := asm.SoftmaxXentRowsDerivedAVX512(grad.Data[done*grad.Stride:], grad.Stride, z.Data[done*z.Stride:], z2r, z.Stride, labels[done:], z.Cols, st[:], b)
			done, correct = done+d, correct+c
		}
		return done, correct, true
	}
	if wide { // one masked access per row
		done, correct = asm.SoftmaxXentRowsWideAVX512(grad.Data, grad.Stride, z.Data, z2, z.Stride, labels, z.Cols, st[:])
	} else {
		done, correct = asm.SoftmaxXentRowsAVX512(grad.Data, grad.Stride, z.Data, z2, z.Stride, labels, z.Cols, st[:])
	}
	return done, correct, true
}
