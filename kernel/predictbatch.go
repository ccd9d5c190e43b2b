package kernel

import "math"

// Batched prediction: the logits of many rows at once with MatMulT, which
// streams W through the registers once per block of samples instead of once
// per sample (Predict and PredictProba are one MatVec each).

// PredictBatch's stack buffer of logits holds predictBatchBuf float32s (4
// KiB, small enough not to grow a fresh goroutine's stack much): blocks of
// up to predictBatchRows rows by up to predictChunk classes (16 rows at 64
// classes, 64 rows at 16 or fewer).
const (
	predictBatchRows = 64
	predictBatchBuf  = 1024
)

// PredictBatch sets dst[i] to the predicted class of row i of x, as Predict
// does (under every Link): the index of the largest logit, the lowest on ties, −1 if no logit
// is a number. The logits come from MatMulT, within MatVec's error bound of
// Predict's, so a row whose two largest logits differ only in their last
// bits can get the other class. It never allocates and is safe for
// concurrent use. It panics if x.Cols != Features or len(dst) != x.Rows.
func (m *Model) PredictBatch(dst []int, x Matrix) {
	x.check("Model.PredictBatch", "x")
	if x.Cols != m.Features {
		panicLen("Model.PredictBatch", "x.Cols", x.Cols, "Features", m.Features)
	}
	if len(dst) != x.Rows {
		panicLen("Model.PredictBatch", "len(dst)", len(dst), "x.Rows", x.Rows)
	}
	var buf [predictBatchBuf]float32
	var bestZ [predictBatchRows]float32
	kc := max(1, min(m.Classes, predictChunk))        // classes per MatMulT call
	rows := min(predictBatchRows, predictBatchBuf/kc) // rows per block
	for r := 0; r < x.Rows; r += rows {
		nr := min(rows, x.Rows-r)
		xb, best := x.Slice(r, r+nr), dst[r:r+nr]
		for i := range best {
			best[i], bestZ[i] = -1, float32(math.Inf(-1))
		}
		for c := 0; c < m.Classes; c += kc {
			n := min(kc, m.Classes-c)
			z := Matrix{Rows: nr, Cols: n, Stride: n, Data: buf[:nr*n]}
			MatMulT(z, xb, m.W.Slice(c, c+n), m.B[c:c+n])
			for i := range best {
				best[i], bestZ[i] = m.foldClass(z.Row(i), c, best[i], bestZ[i])
			}
		}
	}
}

// PredictProbaBatch sets row i of dst to the class probabilities of row i
// of x, as PredictProba does, with the logits from MatMulT (within MatVec's
// error bound of PredictProba's, so probabilities can differ from it in the
// last bits). It never allocates and is safe for concurrent use. It panics
// unless dst is x.Rows × Classes and x.Cols == Features, and if dst
// overlaps x.
func (m *Model) PredictProbaBatch(dst Matrix, x Matrix) {
	dst.check("Model.PredictProbaBatch", "dst")
	x.check("Model.PredictProbaBatch", "x")
	if x.Cols != m.Features {
		panicLen("Model.PredictProbaBatch", "x.Cols", x.Cols, "Features", m.Features)
	}
	if dst.Rows != x.Rows {
		panicLen("Model.PredictProbaBatch", "dst.Rows", dst.Rows, "x.Rows", x.Rows)
	}
	if dst.Cols != m.Classes {
		panicLen("Model.PredictProbaBatch", "dst.Cols", dst.Cols, "Classes", m.Classes)
	}
	if overlap(dst.extent(), x.extent()) {
		panicOverlap("Model.PredictProbaBatch", "dst.Data", "x.Data")
	}
	MatMulT(dst, x, m.W, m.B)
	for i := 0; i < dst.Rows; i++ {
		m.finishProba(dst.Row(i))
	}
}
