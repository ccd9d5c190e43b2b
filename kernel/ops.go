package kernel

import (
	"fmt"
	"unsafe"
)

// Dot returns Σ x[i]·y[i]. It panics if len(x) != len(y).
func Dot(x, y []float32) float32 {
	if len(x) != len(y) {
		panicLen("Dot", "len(y)", len(y), "len(x)", len(x))
	}
	return dotImpl(x, y)
}

// MatVec sets y[i] = Σj w[i,j]·x[j] + b[i] for every row i of w. b may be nil
// (no bias). It panics unless len(y) == w.Rows, len(x) == w.Cols and b is nil
// or len(b) == w.Rows, and if y overlaps x or w.Data, or overlaps b other than
// by being the same slice (y == b computes y = w·x + y).
func MatVec(y []float32, w Matrix, x, b []float32) {
	w.check("MatVec", "w")
	if len(x) != w.Cols {
		panicLen("MatVec", "len(x)", len(x), "w.Cols", w.Cols)
	}
	if len(y) != w.Rows {
		panicLen("MatVec", "len(y)", len(y), "w.Rows", w.Rows)
	}
	if b != nil && len(b) != w.Rows {
		panicLen("MatVec", "len(b)", len(b), "w.Rows", w.Rows)
	}
	if overlap(y, x) {
		panicOverlap("MatVec", "y", "x")
	}
	if overlap(y, w.Data) {
		panicOverlap("MatVec", "y", "w.Data")
	}
	if overlap(y, b) && !same(y, b) {
		panicOverlap("MatVec", "y", "b")
	}
	if w.Rows == 0 {
		return
	}
	if w.Cols == 0 {
		biasOnly(y, b) // w.Data may hold no element at all
		return
	}
	matVecImpl(y, w, x, b)
}

// biasOnly sets y to the logits of a model without features: y[i] = 0 +
// b[i] (so −0 becomes +0, as the sums do), or 0 without bias.
func biasOnly(y, b []float32) {
	for i := range y {
		v := float32(0)
		if b != nil {
			v = b[i] + 0
		}
		y[i] = v
	}
}

// Exp sets dst[i] = exp(src[i]) (see the package documentation for the
// accuracy and special values). dst may be src itself; it panics if
// len(dst) != len(src) or if the slices overlap partially.
func Exp(dst, src []float32) {
	checkUnary("Exp", dst, src)
	expImpl(dst, src)
}

// LogSumExp returns log Σ exp(x[i]), computed as max + log Σ exp(x[i] − max).
// It returns −Inf for empty x and for x of only −Infs, NaN if x holds a NaN or
// +Inf.
func LogSumExp(x []float32) float32 {
	return logSumExpImpl(x)
}

// Softmax sets dst[i] = exp(src[i]) / Σj exp(src[j]), max-subtracted, and
// returns lse = log Σj exp(src[j]). dst may be src itself; it panics if
// len(dst) != len(src) or if the slices overlap partially. See the package
// documentation for special values.
func Softmax(dst, src []float32) (lse float32) {
	checkUnary("Softmax", dst, src)
	return softmaxImpl(dst, src)
}

// LogSoftmax sets dst[i] = src[i] − lse, where lse = log Σj exp(src[j]) is
// computed max-subtracted and returned. dst may be src itself; it panics if
// len(dst) != len(src) or if the slices overlap partially.
func LogSoftmax(dst, src []float32) (lse float32) {
	checkUnary("LogSoftmax", dst, src)
	return logSoftmaxImpl(dst, src)
}

// AddOuter adds alpha·d[i]·x[j] to g[i,j] for every element of g (a rank-1
// update, the gradient of one sample). It panics unless len(d) == g.Rows and
// len(x) == g.Cols, and if g.Data overlaps d or x.
func AddOuter(g Matrix, alpha float32, d, x []float32) {
	g.check("AddOuter", "g")
	if len(d) != g.Rows {
		panicLen("AddOuter", "len(d)", len(d), "g.Rows", g.Rows)
	}
	if len(x) != g.Cols {
		panicLen("AddOuter", "len(x)", len(x), "g.Cols", g.Cols)
	}
	if overlap(g.Data, d) {
		panicOverlap("AddOuter", "g.Data", "d")
	}
	if overlap(g.Data, x) {
		panicOverlap("AddOuter", "g.Data", "x")
	}
	if g.Rows == 0 || g.Cols == 0 {
		return
	}
	addOuterImpl(g, alpha, d, x)
}

// SoftmaxCrossEntropy sets grad = softmax(logits) − onehot(label), the
// gradient of the loss with respect to the logits, and returns the loss
// log Σ exp(logits) − logits[label]. grad may be logits itself. It panics if
// len(grad) != len(logits), if the slices overlap partially, or if label is
// not in [0, len(logits)).
func SoftmaxCrossEntropy(grad, logits []float32, label int) (loss float32) {
	checkUnaryNamed("SoftmaxCrossEntropy", "grad", grad, "logits", logits)
	if uint(label) >= uint(len(logits)) {
		panicLabel(label, len(logits))
	}
	return softmaxCrossEntropyImpl(grad, logits, label)
}

// checkUnary panics unless dst and src have equal lengths and are either the
// same slice or disjoint.
func checkUnary(op string, dst, src []float32) {
	checkUnaryNamed(op, "dst", dst, "src", src)
}

// checkUnaryNamed is checkUnary with the argument names of the op.
func checkUnaryNamed(op, dstName string, dst []float32, srcName string, src []float32) {
	if len(dst) != len(src) {
		panicLen(op, "len("+dstName+")", len(dst), "len("+srcName+")", len(src))
	}
	if overlap(dst, src) && !same(dst, src) {
		panicOverlap(op, dstName, srcName)
	}
}

// overlap reports whether a and b share memory.
func overlap(a, b []float32) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	pa := uintptr(unsafe.Pointer(unsafe.SliceData(a)))
	pb := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return pa < pb+uintptr(len(b))*4 && pb < pa+uintptr(len(a))*4
}

// same reports whether a and b start at the same address with equal length.
func same(a, b []float32) bool {
	return len(a) == len(b) && unsafe.SliceData(a) == unsafe.SliceData(b)
}

// The panic helpers are not inlined so that the checks stay small and the
// formatting never makes an argument escape on the fast path.

//go:noinline
func panicLen(op, got string, gotN int, want string, wantN int) {
	panic(fmt.Sprintf("kernel.%s: %s = %d, want %s = %d", op, got, gotN, want, wantN))
}

//go:noinline
func panicOverlap(op, a, b string) {
	panic(fmt.Sprintf("kernel.%s: %s overlaps %s", op, a, b))
}

//go:noinline
func panicLabel(label, n int) {
	panic(fmt.Sprintf("kernel.SoftmaxCrossEntropy: label = %d, want 0 ≤ label < len(logits) = %d", label, n))
}
