package kernel

import (
	"fmt"
	"math"

	"github.com/seed7bc074a2/maxent/fallback"
)

// The batched ops of the minibatch trainer: the logits of a block of
// samples (MatMulT), the gradient of the weights over the block
// (AddMatMulTN) and the loss and logit gradient of every sample
// (SoftmaxCrossEntropyRows). The SIMD backends register-block MatMulT and
// AddMatMulTN so that W and G stream through the registers once per block
// of samples rather than once per sample.

// MatMulT sets z = x·wᵀ + b: z[i,c] = Σj x[i,j]·w[c,j] + b[c] for every
// sample (row) i of x and class (row) c of w, each sum within MatVec's
// error bound (1e-5·Σ|terms|; the SIMD kernels sum rows shorter than 1024
// in float32 trees of at most 70 roundings, MatVec in float64). b may be
// nil (no bias). It panics unless z is x.Rows×w.Rows,
// x.Cols == w.Cols and b is nil or has w.Rows elements, and if z overlaps
// x, w or b.
func MatMulT(z Matrix, x Matrix, w Matrix, b []float32) {
	z.check("MatMulT", "z")
	x.check("MatMulT", "x")
	w.check("MatMulT", "w")
	if x.Cols != w.Cols {
		panicLen("MatMulT", "x.Cols", x.Cols, "w.Cols", w.Cols)
	}
	if z.Rows != x.Rows {
		panicLen("MatMulT", "z.Rows", z.Rows, "x.Rows", x.Rows)
	}
	if z.Cols != w.Rows {
		panicLen("MatMulT", "z.Cols", z.Cols, "w.Rows", w.Rows)
	}
	if b != nil && len(b) != w.Rows {
		panicLen("MatMulT", "len(b)", len(b), "w.Rows", w.Rows)
	}
	zd := z.extent()
	if overlap(zd, x.extent()) {
		panicOverlap("MatMulT", "z.Data", "x.Data")
	}
	if overlap(zd, w.extent()) {
		panicOverlap("MatMulT", "z.Data", "w.Data")
	}
	if overlap(zd, b) {
		panicOverlap("MatMulT", "z.Data", "b")
	}
	if z.Rows == 0 || z.Cols == 0 {
		return
	}
	if x.Cols == 0 { // x.Data and w.Data may hold no element at all
		for i := 0; i < z.Rows; i++ {
			biasOnly(z.Row(i), b)
		}
		return
	}
	matMulTImpl(z, x, w, b)
}

// AddMatMulTN adds alpha·dᵀ·x to g: g[c,j] += alpha·Σᵢ d[i,c]·x[i,j], the
// weight gradient of a block of samples whose logit gradients are the rows
// of d. The samples are summed in float32 in blocks of 64 (in sample order,
// with fused multiply-adds on the SIMD backends), each block's sum then
// multiplied by alpha and added to g, so the error is at most about
// 70·2⁻²⁴ of Σ|terms| per block. It panics unless d is x.Rows×g.Rows and
// x.Cols == g.Cols, and if g overlaps d or x.
func AddMatMulTN(g Matrix, alpha float32, d Matrix, x Matrix) {
	g.check("AddMatMulTN", "g")
	d.check("AddMatMulTN", "d")
	x.check("AddMatMulTN", "x")
	if d.Rows != x.Rows {
		panicLen("AddMatMulTN", "d.Rows", d.Rows, "x.Rows", x.Rows)
	}
	if d.Cols != g.Rows {
		panicLen("AddMatMulTN", "d.Cols", d.Cols, "g.Rows", g.Rows)
	}
	if x.Cols != g.Cols {
		panicLen("AddMatMulTN", "x.Cols", x.Cols, "g.Cols", g.Cols)
	}
	gd := g.extent()
	if overlap(gd, d.extent()) {
		panicOverlap("AddMatMulTN", "g.Data", "d.Data")
	}
	if overlap(gd, x.extent()) {
		panicOverlap("AddMatMulTN", "g.Data", "x.Data")
	}
	if g.Rows == 0 || g.Cols == 0 || x.Rows == 0 {
		return
	}
	addMatMulTNImpl(g, alpha, d, x)
}

// SoftmaxCrossEntropyRows applies SoftmaxCrossEntropy to every row: row i
// of grad is set to softmax(z row i) − onehot(labels[i]), bit for bit as
// SoftmaxCrossEntropy does, and the sum of the rows' losses
// log Σ exp(z[i,·]) − z[i,labels[i]] is returned, computed in float64 (not
// from the float32 per-row losses, so it is at least as accurate as their
// sum). grad may be z itself (the same Data and Stride). It panics
// unless grad and z have the same shape and len(labels) == z.Rows, if a
// label is not in [0, z.Cols), and if grad overlaps z otherwise.
func SoftmaxCrossEntropyRows(grad Matrix, z Matrix, labels []int) (loss float64) {
	grad.check("SoftmaxCrossEntropyRows", "grad")
	z.check("SoftmaxCrossEntropyRows", "z")
	if grad.Rows != z.Rows {
		panicLen("SoftmaxCrossEntropyRows", "grad.Rows", grad.Rows, "z.Rows", z.Rows)
	}
	if grad.Cols != z.Cols {
		panicLen("SoftmaxCrossEntropyRows", "grad.Cols", grad.Cols, "z.Cols", z.Cols)
	}
	if len(labels) != z.Rows {
		panicLen("SoftmaxCrossEntropyRows", "len(labels)", len(labels), "z.Rows", z.Rows)
	}
	gd, zd := grad.extent(), z.extent()
	if overlap(gd, zd) && !(same(gd, zd) && grad.Stride == z.Stride) {
		panicOverlap("SoftmaxCrossEntropyRows", "grad.Data", "z.Data")
	}
	for i, l := range labels {
		if uint(l) >= uint(z.Cols) {
			panicRowLabel(i, l, z.Cols)
		}
	}
	loss, _ = sceRows(grad, z, Matrix{}, labels, nil, nil)
	return loss
}

// sceFlush bounds the running product of row sums in sceRows and in the
// fused kernel, asm.SoftmaxXentRowsAVX512 (generated from the same
// constant).
const sceFlush = fallback.ProdBound

// sceRow is one row of sceRows on its own (no fused kernel, or special
// values): the logits zr (plus z2r if not nil; with b, the last class
// derived and the bias added), the logit gradient into gr, the loss into
// st[0] and the row's sum into the product st[1]. It reports whether the
// label is the argmax.
func sceRow(gr, zr, z2r []float32, label int, b []float32, st *[18]float64) bool {
	if z2r != nil {
		for c, v := range z2r {
			gr[c] = zr[c] + v
		}
		zr = gr
	}
	if b != nil {
		copy(gr, zr) // gr may be zr
		fallback.DeriveLast(gr, b)
		zr = gr
	}
	zy := zr[label]
	hit := isArgmax(zr, label)
	m, s, one := softmaxRowImpl(gr, zr)
	switch {
	case one && s == s && s > 0:
		gr[label] -= 1
		st[0] += float64(m) - float64(zy)
		st[1] *= s
	case one && s != s:
		// A NaN element (the kernel left garbage in gr, and zr if they
		// alias): as SoftmaxCrossEntropy, all NaN.
		fill(gr, nan32)
		st[0] = math.NaN() // stays NaN
	default:
		// ±Inf maximum (the kernel wrote nothing) or no small kernel.
		st[0] += float64(softmaxCrossEntropyImpl(gr, zr, label))
	}
	return hit
}

// sceRows is SoftmaxCrossEntropyRows without the argument checks, on the
// logits z or, if z2.Data is not nil, z + z2 (z2 of z's shape and stride,
// the sum in float32), which, when gb is not nil (len(gb) == z.Cols), also
// adds each gradient row to gb in float64, in row order, and counts the
// rows whose argmax (the first maximum, as isArgmax) is their label: the
// minibatch trainer's loss phase (z2: the partial logits of a second
// worker). Without gb, correct is 0 (the fused kernel's count is
// dropped). With a bias b (not nil, len(b) == z.Cols), the rows' last
// class is derived: each row of logits (z + z2) is first replaced as
// fallback.DeriveLast does, and its last element is not read (the SGD
// trainer on codes, see sgd). Rows of at most 16 classes go through the
// fused kernels on AVX-512 (xentRowsImpl), the others and rows with
// special values one at a time, with the same results bit for bit.
//
// Rows that a one-call kernel handles with ordinary values contribute
// log s + m − z_y, the logs of the row sums s ∈ [1, z.Cols] taken together
// (log of their product, flushed before it could overflow); every other
// row goes through SoftmaxCrossEntropy's path.
func sceRows(grad, z, z2 Matrix, labels []int, gb []float64, b []float32) (loss float64, correct int) {
	// st: the sum of m − z_y, the product of the row sums and, for the
	// fused kernel, the bias gradient sums (16 lanes).
	var st [18]float64
	st[1] = 1
	var logs float64
	// fold moves the product of row sums into logs before it could
	// overflow (s ≤ z.Cols ≤ 2¹⁶ per row, so prod ≤ 1e250 before a row).
	fold := func() {
		if st[1] > sceFlush {
			logs += fallback.LogSum(st[1])
			st[1] = 1
		}
	}
	acc := gb
	fused := z.Cols <= 16
	if fused && gb != nil {
		copy(st[2:], gb)
		acc = st[2 : 2+z.Cols]
	}
	for i := 0; i < z.Rows; {
		if fused {
			var z2i []float32
			if z2.Data != nil {
				z2i = z2.Data[i*z.Stride:]
			}
			done, c, ok := xentRowsImpl(grad.Slice(i, grad.Rows), z.Slice(i, z.Rows), z2i, labels[i:], &st, b)
			fused = ok
			i += done
			correct += c
			if st[1] > sceFlush { // the kernel stopped for the fold
				fold()
				continue
			}
			if i == z.Rows {
				break
			}
		}
		// Row i on its own: no fused kernel, or special values.
		var z2i []float32
		if z2.Data != nil {
			z2i = z2.Data[i*z.Stride : i*z.Stride+z.Cols]
		}
		gr := grad.Data[i*grad.Stride : i*grad.Stride+z.Cols : i*grad.Stride+z.Cols]
		if sceRow(gr, z.Data[i*z.Stride:i*z.Stride+z.Cols:i*z.Stride+z.Cols], z2i, labels[i], b, &st) && gb != nil {
			correct++
		}
		fold()
		if acc != nil {
			for c, d := range gr {
				acc[c] += float64(d)
			}
		}
		i++
	}
	loss = st[0] + logs + fallback.LogSum(st[1])
	if gb == nil {
		return loss, 0
	}
	if z.Cols <= 16 {
		copy(gb, st[2:2+z.Cols])
	}
	return loss, correct
}

// extent returns the part of m.Data that m's elements span (empty when m
// has no elements).
func (m Matrix) extent() []float32 {
	if m.Rows == 0 || m.Cols == 0 {
		return nil
	}
	return m.Data[:(m.Rows-1)*m.Stride+m.Cols]
}

//go:noinline
func panicRowLabel(row, label, n int) {
	panic(fmt.Sprintf("kernel.SoftmaxCrossEntropyRows: labels[%d] = %d, want 0 ≤ label < z.Cols = %d", row, label, n))
}
