package kernel

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// stridedRows returns an n×cols matrix whose rows are padded by pad
// elements holding guard, filled by fill.
func stridedRows(n, cols, pad int, guard float32, fill func(i, j int) float32) Matrix {
	x := Matrix{Rows: n, Cols: cols, Stride: cols + pad, Data: make([]float32, n*(cols+pad))}
	for i := range x.Data {
		x.Data[i] = guard
	}
	for i := 0; i < n; i++ {
		for j := 0; j < cols; j++ {
			x.Set(i, j, fill(i, j))
		}
	}
	return x
}

// logit64 returns W[c]·x + B[c] in float64 and Σ|terms|.
func logit64(md *Model, x []float32, c int) (z, mag float64) {
	for j, v := range md.W.Row(c) {
		p := float64(v) * float64(x[j])
		z += p
		mag += math.Abs(p)
	}
	z += float64(md.B[c])
	return z, mag + math.Abs(float64(md.B[c]))
}

// TestPredictBatch compares PredictBatch and PredictProbaBatch with Predict
// and PredictProba row by row, on every backend, over class counts around
// the class chunk (64), row counts around the MatMulT sample blocks and the
// 64-row blocks, padded rows in x and dst (whose padding must stay
// untouched), and a NaN row. The generic backend must agree bit for bit
// (its MatMulT is MatVec per row); the SIMD ones within MatVec's bound: the
// probabilities to 1e-6, the class exactly unless the two logits involved
// are within 1e-5 of each other relative to their terms.
func TestPredictBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	const guard = float32(-7777)
	forEachBackendModel(t, func(t *testing.T) {
		exact := Backend() == "generic"
		for _, k := range []int{1, 2, 3, 10, 64, 65, 130} {
			for _, m := range []int{0, 1, 7, 64, 100} {
				for _, n := range []int{0, 1, 3, 5, 64, 65, 131} {
					md := randomModel(rng, k, m, false)
					x := stridedRows(n, m, 3, guard, func(i, j int) float32 { return rng.Float32()*2 - 1 })
					if n > 2 && m > 0 {
						x.Set(2, m/2, float32(math.NaN()))
					}
					cls := make([]int, n+1)
					cls[n] = 12345 // past the end: untouched
					md.PredictBatch(cls[:n], x)
					if cls[n] != 12345 {
						t.Fatalf("k=%d m=%d n=%d: PredictBatch wrote past len(dst)", k, m, n)
					}
					p := stridedRows(n, k, 2, guard, func(i, j int) float32 { return guard })
					md.PredictProbaBatch(p, x)
					want := make([]float32, k)
					for i := 0; i < n; i++ {
						xi := x.Row(i)
						md.PredictProba(want, xi)
						for c, w := range want {
							got := p.At(i, c)
							if exact {
								if math.Float32bits(got) != math.Float32bits(w) {
									t.Fatalf("k=%d m=%d n=%d row %d: P[%d] = %v, PredictProba %v", k, m, n, i, c, got, w)
								}
							} else if !(got == w || (got != got && w != w) || math.Abs(float64(got-w)) <= 1e-6) {
								t.Fatalf("k=%d m=%d n=%d row %d: P[%d] = %v, PredictProba %v", k, m, n, i, c, got, w)
							}
						}
						if pad := p.Data[i*p.Stride+k : i*p.Stride+p.Stride]; i < n-1 && (pad[0] != guard || pad[1] != guard) {
							t.Fatalf("k=%d m=%d n=%d: padding of dst row %d written", k, m, n, i)
						}
						wc, gc := md.Predict(xi), cls[i]
						if wc == gc {
							continue
						}
						if exact || wc < 0 || gc < 0 {
							t.Fatalf("k=%d m=%d n=%d row %d: PredictBatch %d, Predict %d", k, m, n, i, gc, wc)
						}
						zw, aw := logit64(md, xi, wc)
						zg, ag := logit64(md, xi, gc)
						if math.Abs(zw-zg) > 1e-5*(aw+ag) {
							t.Fatalf("k=%d m=%d n=%d row %d: PredictBatch %d (logit %v), Predict %d (logit %v)", k, m, n, i, gc, zg, wc, zw)
						}
					}
					if n > 2 && m > 0 {
						if cls[2] != -1 {
							t.Fatalf("k=%d m=%d: NaN row predicted %d, want -1", k, m, cls[2])
						}
						for c := 0; c < k; c++ {
							if v := p.At(2, c); v == v {
								t.Fatalf("k=%d m=%d: NaN row P[%d] = %v, want NaN", k, m, c, v)
							}
						}
					}
				}
			}
		}
	})
}

// TestPredictBatchTies: with equal logits the lowest class wins, within and
// across the 64-class chunks, as in Predict.
func TestPredictBatchTies(t *testing.T) {
	forEachBackendModel(t, func(t *testing.T) {
		md := NewModel(130, 2)
		for _, c := range []int{5, 70, 129} {
			md.B[c] = 1
		}
		x := stridedRows(70, 2, 0, 0, func(i, j int) float32 { return 0 })
		got := make([]int, x.Rows)
		md.PredictBatch(got, x)
		for i, c := range got {
			if c != 5 || md.Predict(x.Row(i)) != 5 {
				t.Fatalf("row %d: PredictBatch %d, Predict %d, want 5", i, c, md.Predict(x.Row(i)))
			}
		}
	})
}

func TestPredictBatchPanics(t *testing.T) {
	md := NewModel(3, 4)
	x := NewMatrix(5, 4)
	expectPanic(t, "kernel.Model.PredictBatch: x.Cols = 3, want Features = 4", func() { md.PredictBatch(make([]int, 5), NewMatrix(5, 3)) })
	expectPanic(t, "kernel.Model.PredictBatch: len(dst) = 4, want x.Rows = 5", func() { md.PredictBatch(make([]int, 4), x) })
	expectPanic(t, "kernel.Model.PredictBatch: malformed x: Rows = 2, Cols = 4, Stride = 3", func() {
		md.PredictBatch(make([]int, 2), Matrix{Rows: 2, Cols: 4, Stride: 3, Data: make([]float32, 8)})
	})
	expectPanic(t, "kernel.Model.PredictProbaBatch: x.Cols = 3, want Features = 4", func() { md.PredictProbaBatch(NewMatrix(5, 3), NewMatrix(5, 3)) })
	expectPanic(t, "kernel.Model.PredictProbaBatch: dst.Rows = 4, want x.Rows = 5", func() { md.PredictProbaBatch(NewMatrix(4, 3), x) })
	expectPanic(t, "kernel.Model.PredictProbaBatch: dst.Cols = 2, want Classes = 3", func() { md.PredictProbaBatch(NewMatrix(5, 2), x) })
	expectPanic(t, "kernel.Model.PredictProbaBatch: len(dst.Data) = 14, want ≥ 15", func() {
		md.PredictProbaBatch(Matrix{Rows: 5, Cols: 3, Stride: 3, Data: make([]float32, 14)}, x)
	})
	shared := make([]float32, 40)
	expectPanic(t, "kernel.Model.PredictProbaBatch: dst.Data overlaps x.Data", func() {
		md.PredictProbaBatch(Matrix{Rows: 5, Cols: 3, Stride: 3, Data: shared[:15]}, Matrix{Rows: 5, Cols: 4, Stride: 4, Data: shared[12:32]})
	})
}

func TestPredictBatchAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	forEachBackendModel(t, func(t *testing.T) {
		for _, k := range []int{10, 200} {
			md := randomModel(rng, k, 784, false)
			x := stridedRows(100, 784, 0, 0, func(i, j int) float32 { return rng.Float32() })
			cls, p := make([]int, 100), NewMatrix(100, k)
			if a := testing.AllocsPerRun(20, func() { md.PredictBatch(cls, x) }); a != 0 {
				t.Errorf("k=%d: PredictBatch allocates %v times per call", k, a)
			}
			if a := testing.AllocsPerRun(20, func() { md.PredictProbaBatch(p, x) }); a != 0 {
				t.Errorf("k=%d: PredictProbaBatch allocates %v times per call", k, a)
			}
		}
	})
}

// TestPredictBatchConcurrent: under -race, batched prediction from many
// goroutines on one model shares nothing writable.
func TestPredictBatchConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	md := randomModel(rng, 10, 100, false)
	x := stridedRows(70, 100, 0, 0, func(i, j int) float32 { return rng.Float32()*2 - 1 })
	want := make([]int, x.Rows)
	md.PredictBatch(want, x)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, p := make([]int, x.Rows), NewMatrix(x.Rows, 10)
			for it := 0; it < 20; it++ {
				md.PredictBatch(got, x)
				md.PredictProbaBatch(p, x)
				for i := range got {
					if got[i] != want[i] {
						errs <- "concurrent PredictBatch differs"
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
