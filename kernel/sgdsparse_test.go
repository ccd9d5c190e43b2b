package kernel

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// sparseBlobs returns blobs with about two thirds of the features zeroed
// (the same rows as CSR and dense).
func sparseBlobs(seed uint64, n, m, k int) (CSR, Matrix, []int) {
	x, y := blobs(seed, n, m, k, 2)
	rng := rand.New(rand.NewPCG(seed, 7))
	for i := 0; i < x.Rows; i++ {
		r := x.Row(i)
		for j := range r {
			if rng.IntN(3) > 0 {
				r[j] = 0
			}
		}
	}
	return CSRFromDense(x), x, y
}

func sliceRelDiff(a, b []float32) float64 {
	var scale, diff float64
	for i := range a {
		scale = max(scale, math.Abs(float64(a[i])))
		diff = max(diff, math.Abs(float64(a[i])-float64(b[i])))
	}
	return diff / max(scale, 1e-30)
}

// TestFitSparseMatchesFit: plain SGD on sparse rows (the L2 term as a
// scale) takes the steps Fit takes without momentum on the same rows as
// dense ones, to float32 rounding, with 1–3 workers and row weights.
func TestFitSparseMatchesFit(t *testing.T) {
	xs, xd, y := sparseBlobs(3, 300, 37, 4)
	for _, workers := range []int{1, 2, 3} {
		for _, cw := range [][]float64{nil, {1, 2, 0.5, 1}} {
			tr := Trainer{Epochs: 3, BatchSize: 8, LearningRate: 0.2, L2: 0.05, Workers: workers, ClassWeights: cw, Schedule: Cosine, Seed: 9}
			want := NewModel(4, 37)
			if _, err := tr.Fit(want, xd, y, Matrix{}, nil); err != nil {
				t.Fatal(err)
			}
			got := NewModel(4, 37)
			res, err := tr.FitSparse(got, xs, y, CSR{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Epochs != 3 {
				t.Errorf("%d epochs", res.Epochs)
			}
			if d := sliceRelDiff(got.W.Data, want.W.Data); d > 2e-5 {
				t.Errorf("workers %d, class weights %v: W differs by %.3g relative", workers, cw, d)
			}
			if d := sliceRelDiff(got.B, want.B); d > 2e-5 {
				t.Errorf("workers %d, class weights %v: B differs by %.3g relative", workers, cw, d)
			}
			again := NewModel(4, 37)
			tr.FitSparse(again, xs, y, CSR{}, nil)
			if !slices.Equal(again.W.Data, got.W.Data) || !slices.Equal(again.B, got.B) {
				t.Errorf("workers %d: not deterministic", workers)
			}
		}
	}
}

// TestFitSparseRenorm: with a penalty that shrinks the scale past
// sparseRenorm within an epoch, the rounds split and V is renormalised;
// the model is still Fit's.
func TestFitSparseRenorm(t *testing.T) {
	xs, xd, y := sparseBlobs(4, 200, 20, 3)
	tr := Trainer{Epochs: 2, BatchSize: 2, LearningRate: 0.5, L2: 0.5, Workers: 2, Seed: 1}
	want, got := NewModel(3, 20), NewModel(3, 20)
	if _, err := tr.Fit(want, xd, y, Matrix{}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.FitSparse(got, xs, y, CSR{}, nil); err != nil {
		t.Fatal(err)
	}
	if d := sliceRelDiff(got.W.Data, want.W.Data); d > 1e-4 {
		t.Errorf("W differs by %.3g relative", d)
	}
}

// TestFitSparseL1: the cumulative L1 penalty reaches OWL-QN's objective
// and zeros.
func TestFitSparseL1(t *testing.T) {
	xs, _, y := sparseBlobs(5, 400, 30, 3)
	const l1, l2 = 0.01, 1e-3
	opt := NewModel(3, 30)
	if _, err := (&LBFGS{L1: l1, L2: l2, MaxIter: 500}).FitSparse(opt, xs, y); err != nil {
		t.Fatal(err)
	}
	m := NewModel(3, 30)
	tr := Trainer{Epochs: 40, BatchSize: 4, LearningRate: 0.1, L1: l1, L2: l2, Schedule: Cosine, Workers: 2}
	if _, err := tr.FitSparse(m, xs, y, CSR{}, nil); err != nil {
		t.Fatal(err)
	}
	obj := func(m *Model) float64 {
		c, err := CertifySparse(m, xs, y, l2)
		if err != nil {
			t.Fatal(err)
		}
		var n1 float64
		for _, w := range m.W.Data {
			n1 += math.Abs(float64(w))
		}
		return c.Objective + l1*n1
	}
	fo, fm := obj(opt), obj(m)
	if fm > fo+2e-3 {
		t.Errorf("SGD objective %.6f, OWL-QN %.6f", fm, fo)
	}
	zeros := 0
	for _, w := range m.W.Data {
		if w == 0 {
			zeros++
		}
	}
	if zeros == 0 {
		t.Errorf("no weight is exactly 0")
	}
}

// TestLBFGSFitSparseMatchesFit: the sparse objective is the dense one, so
// L-BFGS reaches the same model.
func TestLBFGSFitSparseMatchesFit(t *testing.T) {
	xs, xd, y := sparseBlobs(6, 250, 25, 5)
	for _, s := range []LBFGS{{L2: 1e-2, Workers: 2}, {L2: 1e-3, L1: 1e-3, Workers: 3, ClassWeights: []float64{1, 2, 1, 1, 3}}} {
		want, got := NewModel(5, 25), NewModel(5, 25)
		rw, err := s.Fit(want, xd, y)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := s.FitSparse(got, xs, y)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(rw.Loss-rs.Loss) > 1e-6*math.Max(1, math.Abs(rw.Loss)) {
			t.Errorf("%+v: objective %.9f sparse, %.9f dense", s, rs.Loss, rw.Loss)
		}
		if d := sliceRelDiff(got.W.Data, want.W.Data); d > 1e-3 {
			t.Errorf("%+v: W differs by %.3g relative", s, d)
		}
	}
}

// TestCertifySparse and EvaluateSparse agree with their dense versions.
func TestCertifySparseEvaluateSparse(t *testing.T) {
	xs, xd, y := sparseBlobs(7, 120, 19, 3)
	m := NewModel(3, 19)
	if _, err := (&LBFGS{L2: 0.1}).FitSparse(m, xs, y); err != nil {
		t.Fatal(err)
	}
	cd, err := Certify(m, xd, y, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := CertifySparse(m, xs, y, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][2]float64{{cd.Gap, cs.Gap}, {cd.Objective, cs.Objective}, {cd.MaxResidual, cs.MaxResidual}, {cd.Dual, cs.Dual}} {
		if math.Abs(p[0]-p[1]) > 1e-6*math.Max(1e-3, math.Abs(p[0])) {
			t.Errorf("dense %.9g, sparse %.9g", p[0], p[1])
		}
	}
	ed, _ := m.Evaluate(xd, y)
	es, err := m.EvaluateSparse(xs, y)
	if err != nil {
		t.Fatal(err)
	}
	if ed.Accuracy != es.Accuracy || math.Abs(ed.LogLoss-es.LogLoss) > 1e-6 || !slices.EqualFunc(ed.Confusion, es.Confusion, slices.Equal[[]int]) {
		t.Errorf("dense %+v, sparse %+v", ed, es)
	}
}

func TestFitSparseErrors(t *testing.T) {
	xs, _, y := sparseBlobs(8, 20, 3, 2)
	bad := CSR{Rows: 1, Cols: 3, RowPtr: []int{0, 1}, Index: []int32{1}, Value: []float32{float32(math.NaN())}}
	for _, tc := range []struct {
		tr   Trainer
		m    *Model
		x    CSR
		y    []int
		want string
	}{
		{Trainer{Momentum: 0.9}, NewModel(2, 3), xs, y, "Momentum = 0.9: sparse rows train without momentum"},
		{Trainer{L2: 15}, NewModel(2, 3), xs, y, "L2·LearningRate = 1.5 ≥ 1"},
		{Trainer{}, NewModel(2, 4), xs, y, "data has 3 features, model has 4"},
		{Trainer{}, NewModel(2, 3), xs, y[:5], "5 labels for 20 rows"},
		{Trainer{}, NewModel(2, 3), CSR{Cols: 3, RowPtr: []int{0}}, nil, "no rows"},
		{Trainer{}, NewModel(2, 3), bad, []int{0}, "at least two classes"},
		{Trainer{}, NewModel(2, 3), CSR{Rows: 2, Cols: 3, RowPtr: []int{0, 1, 1}, Index: []int32{1}, Value: []float32{float32(math.Inf(1))}}, []int{0, 1}, "row 0, column 1: feature is +Inf"},
	} {
		_, err := tc.tr.FitSparse(tc.m, tc.x, tc.y, CSR{}, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.tr, err, tc.want)
		}
	}
}

// TestFitSparseEarlyStopping keeps the best validation epoch.
func TestFitSparseEarlyStopping(t *testing.T) {
	xs, _, y := sparseBlobs(9, 300, 20, 3)
	tr := Trainer{Epochs: 30, BatchSize: 4, LearningRate: 2, Patience: 2, Seed: 3}
	m := NewModel(3, 20)
	res, err := tr.FitSparse(m, xs.Slice(0, 200), y[:200], xs.Slice(200, 300), y[200:])
	if err != nil {
		t.Fatal(err)
	}
	best := math.Inf(1)
	for _, h := range res.History {
		best = min(best, h.ValLoss)
	}
	ev, _ := m.EvaluateSparse(xs.Slice(200, 300), y[200:])
	if math.Abs(ev.LogLoss-best) > 1e-6 || res.History[res.BestEpoch-1].ValLoss != best {
		t.Errorf("kept val loss %.6f, best %.6f (epoch %d of %d)", ev.LogLoss, best, res.BestEpoch, res.Epochs)
	}
}
