package kernel

import (
	"math"
	"sync/atomic"
	"unsafe"
)

// The *Sparse methods of Model read W feature-major (one contiguous row of
// Classes weights per feature), the layout of the sparse kernels: a
// non-zero then reads one k-vector instead of k values Features apart (see
// docs/sparse.md). The first such call makes that copy of W (Features ×
// Classes floats) and keeps it; ResetSparse discards it.

// sparseModelW returns W feature-major, made on first use.
func (m *Model) sparseModelW() *Matrix {
	if p := atomic.LoadPointer(&m.sparseW); p != nil {
		return (*Matrix)(p)
	}
	wt := featureMajor(m)
	atomic.CompareAndSwapPointer(&m.sparseW, nil, unsafe.Pointer(&wt))
	return (*Matrix)(atomic.LoadPointer(&m.sparseW))
}

// ResetSparse discards the feature-major copy of W that the *Sparse
// methods made: call it after changing W in place (the trainers, Clone and
// AbsorbScaling do so themselves). It must not run concurrently with a
// prediction.
func (m *Model) ResetSparse() { atomic.StorePointer(&m.sparseW, nil) }

// PredictSparse is Predict for the sparse row with the non-zeros val in
// the columns idx (strictly increasing, in [0, Features)): the class of
// the largest score, −1 if no score is a number. Like Predict it allocates
// nothing (after the first *Sparse call, see ResetSparse) and is safe for
// concurrent use. It panics if the row is malformed.
func (m *Model) PredictSparse(idx []int32, val []float32) int {
	checkSparseArgs("Model.PredictSparse", idx, val, m.Features)
	wt := m.sparseModelW()
	var buf [predictChunk]float32
	best, bestZ := -1, float32(math.Inf(-1))
	for c := 0; c < m.Classes; c += predictChunk {
		n := min(predictChunk, m.Classes-c)
		z := buf[:n]
		part := Matrix{Rows: wt.Rows, Cols: n, Stride: wt.Stride, Data: wt.Data[c:]}
		sparseMatVecTImpl(z, part, idx, val, m.B[c:c+n])
		best, bestZ = m.foldClass(z, c, best, bestZ)
	}
	return best
}

// PredictProbaSparse is PredictProba for a sparse row (see
// PredictSparse). It panics if len(dst) != Classes or the row is
// malformed.
func (m *Model) PredictProbaSparse(dst []float32, idx []int32, val []float32) {
	if len(dst) != m.Classes {
		panicLen("Model.PredictProbaSparse", "len(dst)", len(dst), "Classes", m.Classes)
	}
	checkSparseArgs("Model.PredictProbaSparse", idx, val, m.Features)
	sparseMatVecTImpl(dst, *m.sparseModelW(), idx, val, m.B)
	m.finishProba(dst)
}

// checkSparseArgs panics unless idx and val are a sparse row of at most
// cols columns: equal lengths, indices strictly increasing in [0, cols).
func checkSparseArgs(op string, idx []int32, val []float32, cols int) {
	if len(idx) != len(val) {
		panicLen(op, "len(val)", len(val), "len(idx)", len(idx))
	}
	if err := checkSparseRow(idx, cols); err != nil {
		panic("kernel." + op + ": " + err.Error())
	}
}
