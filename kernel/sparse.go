package kernel

import (
	"fmt"
	"math"
)

// The sparse ops: rows given by their non-zeros (column indices idx and
// values val, or the rows of a CSR matrix) against a FEATURE-MAJOR weight
// matrix WT, m rows (features) × at least k columns (classes): row j of WT
// holds feature j's weight for every class, so each non-zero reads or
// updates one contiguous vector of k classes, not k values m floats apart
// as the class-major W of MatVec does (docs/sparse.md has the measurements).
//
// Layout: any stride ≥ WT.Cols works and the kernels touch no padding; the
// recommended WT is NewMatrix(m, k), whose rows start on 64-byte
// boundaries with the stride rounded up to 16 floats, so that a row of up
// to 16 classes is one cache line (one 512-bit vector).
//
// Accuracy (every backend; fallback.SparseBlock, fallback.SparseAccs): each
// logit's non-zeros are summed in blocks of 256, a block in float32 in 4
// interleaved accumulators (non-zero i into accumulator i mod 4, 64 terms
// each at most), combined as (a0 + a1) + (a2 + a3), the blocks' sums and
// then the bias added in float64 and the result rounded once. The error is
// at most about 66·2⁻²⁴ ≈ 4e-6 of Σ|terms| at any length, within the 1e-5
// of MatVec. The SIMD backends fuse each multiply-add and follow this
// order lane by lane, whatever their vector width, so avx512, avx2 and neon
// agree bit for bit; the generic backend rounds each product (no FMA) and
// may differ from them in the last bits. Every result is the same on every
// run.
//
// The gradient ops add a = alpha·val[i] (rounded to float32) times d to
// the rows of G one non-zero after the other, in row order for the batched
// form: each element gets one multiply-add per non-zero of its feature
// (fused on the SIMD backends, which agree bit for bit), so its error is at
// most about (n+1)·2⁻²⁴ of Σ|terms| after n such updates (twice that on
// generic). Callers summing very many rows into one G flush it (as LBFGS
// does every 1,024 rows).
//
// Special values: NaN, ±Inf, Inf·0 and Inf − Inf propagate as IEEE float32
// arithmetic in the order above prescribes, the same on every backend as
// long as no float32 product or partial sum overflows (Σ|terms| ≤
// MaxFloat32/4); beyond that the fused and the unfused products may round
// to different classes. NaN payloads and signs are not specified. Without
// non-zeros a logit is b[c] + 0 (so −0 becomes +0), or +0 without bias.
//
// Indices need not be sorted or distinct here (the gradient ops apply
// repeated indices one after the other); they must be in range, which the
// ops check. The ops never allocate.

// SparseMatVecT sets z[c] = b[c] + Σᵢ val[i]·wt[idx[i], c] for c < len(z):
// the k = len(z) logits of one sparse row with non-zeros val in the
// columns idx, against the feature-major weights wt (k ≤ wt.Cols; see
// above for the layout and the order of the sums). b may be nil (no bias)
// or z itself. It panics unless len(val) == len(idx), len(z) ≤ wt.Cols, b is
// nil or len(b) == len(z) and every idx[i] is in [0, wt.Rows), and if z
// overlaps wt.Data or val, or overlaps b other than by being the same slice.
func SparseMatVecT(z []float32, wt Matrix, idx []int32, val []float32, b []float32) {
	const op = "SparseMatVecT"
	wt.check(op, "wt")
	if len(val) != len(idx) {
		panicLen(op, "len(val)", len(val), "len(idx)", len(idx))
	}
	if len(z) > wt.Cols {
		panicAtMost(op, "len(z)", len(z), "wt.Cols", wt.Cols)
	}
	if b != nil && len(b) != len(z) {
		panicLen(op, "len(b)", len(b), "len(z)", len(z))
	}
	if overlap(z, wt.extent()) {
		panicOverlap(op, "z", "wt.Data")
	}
	if overlap(z, val) {
		panicOverlap(op, "z", "val")
	}
	if overlap(z, b) && !same(z, b) {
		panicOverlap(op, "z", "b")
	}
	checkIndex(op, "idx", idx, "wt.Rows", wt.Rows)
	if len(z) == 0 {
		return
	}
	sparseMatVecTImpl(z, wt, idx, val, b)
}

// SparseAddOuterT adds alpha·val[i]·d[c] to g[idx[i], c] for every
// non-zero i and c < len(d): the gradient of one sparse row (logit gradient
// d) into the feature-major g, one non-zero after the other (see above).
// It panics unless len(val) == len(idx), len(d) ≤ g.Cols and every idx[i]
// is in [0, g.Rows), and if g.Data overlaps d or val.
func SparseAddOuterT(g Matrix, alpha float32, d []float32, idx []int32, val []float32) {
	const op = "SparseAddOuterT"
	g.check(op, "g")
	if len(val) != len(idx) {
		panicLen(op, "len(val)", len(val), "len(idx)", len(idx))
	}
	if len(d) > g.Cols {
		panicAtMost(op, "len(d)", len(d), "g.Cols", g.Cols)
	}
	gd := g.extent()
	if overlap(gd, d) {
		panicOverlap(op, "g.Data", "d")
	}
	if overlap(gd, val) {
		panicOverlap(op, "g.Data", "val")
	}
	checkIndex(op, "idx", idx, "g.Rows", g.Rows)
	if len(d) == 0 || len(idx) == 0 {
		return
	}
	sparseAddOuterTImpl(g, alpha, d, idx, val)
}

// SparseMatMul sets z = x·wt + b: row r of z is SparseMatVecT of row r of
// x (z.Cols = k logits, k ≤ wt.Cols), bit for bit, for every row of x,
// in one assembly call per run of rows (the kernels can prefetch the next
// row's weights; off, as it did not pay: docs/sparse.md). b may be nil. It panics unless x is a
// well-formed CSR matrix (see CSR) with x.Cols == wt.Rows, z.Rows ==
// x.Rows, z.Cols ≤ wt.Cols and b is nil or len(b) == z.Cols, and if z
// overlaps wt, x.Value or b. Sortedness and uniqueness of the indices are
// not checked again (NewCSR does), their range is.
func SparseMatMul(z Matrix, x CSR, wt Matrix, b []float32) {
	const op = "SparseMatMul"
	z.check(op, "z")
	wt.check(op, "wt")
	x.check(op, "x")
	if x.Cols != wt.Rows {
		panicLen(op, "x.Cols", x.Cols, "wt.Rows", wt.Rows)
	}
	if z.Rows != x.Rows {
		panicLen(op, "z.Rows", z.Rows, "x.Rows", x.Rows)
	}
	if z.Cols > wt.Cols {
		panicAtMost(op, "z.Cols", z.Cols, "wt.Cols", wt.Cols)
	}
	if b != nil && len(b) != z.Cols {
		panicLen(op, "len(b)", len(b), "z.Cols", z.Cols)
	}
	zd := z.extent()
	if overlap(zd, wt.extent()) {
		panicOverlap(op, "z.Data", "wt.Data")
	}
	if overlap(zd, x.values()) {
		panicOverlap(op, "z.Data", "x.Value")
	}
	if overlap(zd, b) {
		panicOverlap(op, "z.Data", "b")
	}
	if z.Rows == 0 || z.Cols == 0 {
		return
	}
	sparseMatMulImpl(z, x, wt, b)
}

// SparseAddMatMulTN adds alpha·xᵀ·d to the feature-major g: g[j, c] +=
// alpha·Σ_r x[r, j]·d[r, c], as SparseAddOuterT of every row r of x with
// row r of d (d.Cols = k ≤ g.Cols), in row order, bit for bit, in one
// assembly call per run of rows. It panics unless x is a well-formed CSR matrix with x.Cols == g.Rows,
// d.Rows == x.Rows and d.Cols ≤ g.Cols, and if g overlaps d or x.Value.
func SparseAddMatMulTN(g Matrix, alpha float32, x CSR, d Matrix) {
	const op = "SparseAddMatMulTN"
	g.check(op, "g")
	d.check(op, "d")
	x.check(op, "x")
	if x.Cols != g.Rows {
		panicLen(op, "x.Cols", x.Cols, "g.Rows", g.Rows)
	}
	if d.Rows != x.Rows {
		panicLen(op, "d.Rows", d.Rows, "x.Rows", x.Rows)
	}
	if d.Cols > g.Cols {
		panicAtMost(op, "d.Cols", d.Cols, "g.Cols", g.Cols)
	}
	gd := g.extent()
	if overlap(gd, d.extent()) {
		panicOverlap(op, "g.Data", "d.Data")
	}
	if overlap(gd, x.values()) {
		panicOverlap(op, "g.Data", "x.Value")
	}
	if x.Rows == 0 || d.Cols == 0 || x.NNZ() == 0 {
		return
	}
	sparseAddMatMulTNImpl(g, alpha, x, d)
}

// check panics with a message naming op and arg unless c is a CSR matrix
// the kernels can run on: Rows+1 non-decreasing offsets within Index and
// Value, and every index of the rows in [0, Cols).
func (c CSR) check(op, arg string) {
	if c.Rows < 0 || c.Cols < 0 || len(c.RowPtr) != c.Rows+1 {
		panic(fmt.Sprintf("kernel.%s: malformed %s: Rows = %d, Cols = %d, len(RowPtr) = %d, want Rows+1", op, arg, c.Rows, c.Cols, len(c.RowPtr)))
	}
	n := min(len(c.Index), len(c.Value))
	prev := 0
	for i, p := range c.RowPtr {
		if p < prev || p > n {
			panic(fmt.Sprintf("kernel.%s: malformed %s: RowPtr[%d] = %d, want %d ≤ RowPtr[%d] ≤ min(len(Index), len(Value)) = %d", op, arg, i, p, prev, i, n))
		}
		prev = p
	}
	off := c.RowPtr[0]
	idx := c.Index[off:c.RowPtr[c.Rows]]
	if maxIndex(idx) < uint32(min(uint(c.Cols), 1<<31)) {
		return
	}
	for i, j := range idx {
		if uint(j) >= uint(c.Cols) {
			panicIndex(op, arg+".Index", off+i, j, arg+".Cols", c.Cols)
		}
	}
}

// values returns the values of c's rows (nil without any).
func (c CSR) values() []float32 {
	if c.Rows == 0 || c.RowPtr[c.Rows] == c.RowPtr[0] {
		return nil
	}
	return c.Value[c.RowPtr[0]:c.RowPtr[c.Rows]]
}

// checkIndex panics unless every element of idx is in [0, n); the message
// names the first bad one.
func checkIndex(op, name string, idx []int32, what string, n int) {
	if maxIndex(idx) < uint32(min(uint(n), 1<<31)) {
		return
	}
	for i, j := range idx {
		if uint(j) >= uint(n) {
			panicIndex(op, name, i, j, what, n)
		}
	}
}

// maxIndex returns the largest element of idx as a uint32 (so a negative
// index counts as at least 2³¹), 0 for an empty idx: four independent
// branch-free maxima, about three times faster than a compare and branch
// per element.
func maxIndex(idx []int32) uint32 {
	var m0, m1, m2, m3 uint32
	for len(idx) >= 4 {
		s := idx[:4:4]
		m0 = max(m0, uint32(s[0]))
		m1 = max(m1, uint32(s[1]))
		m2 = max(m2, uint32(s[2]))
		m3 = max(m3, uint32(s[3]))
		idx = idx[4:]
	}
	for _, j := range idx {
		m0 = max(m0, uint32(j))
	}
	return max(m0, m1, m2, m3)
}

// sparsePfBytes is the size of WT (or G) from which the batched SIMD
// kernels prefetch the next row's weight rows before each row. Never by
// default: measured on the Xeon of docs/sparse.md, prefetching row r+1
// during row r gained nothing with W out of cache (2^24 columns; the
// out-of-order core already overlaps the misses of a row's 50 or more
// non-zeros) and cost up to 2× with W in cache, PREFETCHT0 and PREFETCHT1
// alike. The tests run the kernels both ways.
var sparsePfBytes = math.MaxInt

//go:noinline
func panicIndex(op, name string, i int, j int32, what string, n int) {
	panic(fmt.Sprintf("kernel.%s: %s[%d] = %d, want 0 ≤ %s[%d] < %s = %d", op, name, i, j, name, i, what, n))
}

//go:noinline
func panicAtMost(op, got string, gotN int, want string, wantN int) {
	panic(fmt.Sprintf("kernel.%s: %s = %d, want ≤ %s = %d", op, got, gotN, want, wantN))
}
