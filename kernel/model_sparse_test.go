package kernel

import (
	"math"
	"strings"
	"sync"
	"testing"
)

// TestPredictSparse: the sparse methods give the dense ones' results on
// the same rows, for every link, with more classes than a chunk, and
// allocate nothing once the feature-major copy exists.
func TestPredictSparse(t *testing.T) {
	xs, xd, y := sparseBlobs(11, 60, 23, 70)
	m := NewModel(70, 23)
	if _, err := (&LBFGS{L2: 0.1, MaxIter: 20}).FitSparse(m, xs, y); err != nil {
		t.Fatal(err)
	}
	for _, link := range []Link{LinkSoftmax, LinkOneVsRest, LinkRaw} {
		m.Link = link
		want, got := make([]float32, 70), make([]float32, 70)
		for i := 0; i < xs.Rows; i++ {
			idx, val := xs.Row(i)
			if p, q := m.Predict(xd.Row(i)), m.PredictSparse(idx, val); p != q {
				t.Errorf("%v row %d: PredictSparse %d, Predict %d", link, i, q, p)
			}
			m.PredictProba(want, xd.Row(i))
			m.PredictProbaSparse(got, idx, val)
			for c := range want {
				if math.Abs(float64(want[c]-got[c])) > 1e-5*math.Max(1, math.Abs(float64(want[c]))) {
					t.Fatalf("%v row %d class %d: %g, dense %g", link, i, c, got[c], want[c])
				}
			}
		}
	}
	m.Link = LinkSoftmax
	idx, val := xs.Row(3)
	dst := make([]float32, 70)
	if a := testing.AllocsPerRun(100, func() { m.PredictProbaSparse(dst, idx, val); m.PredictSparse(idx, val) }); a != 0 {
		t.Errorf("%v allocations", a)
	}
	// After W changes in place, ResetSparse makes the copy anew.
	m.W.Row(0)[int(idx[0])] += 100
	m.ResetSparse()
	m.PredictProbaSparse(dst, idx, val)
	m.PredictProba(make([]float32, 70), xd.Row(3))
	if m.PredictSparse(idx, val) != m.Predict(xd.Row(3)) {
		t.Error("stale copy after ResetSparse")
	}
}

func TestPredictSparseConcurrent(t *testing.T) {
	xs, xd, y := sparseBlobs(12, 40, 17, 3)
	m := NewModel(3, 17)
	if _, err := (&LBFGS{L2: 0.1}).FitSparse(m, xs, y); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < xs.Rows; i++ {
				idx, val := xs.Row(i)
				if m.PredictSparse(idx, val) != m.Predict(xd.Row(i)) {
					t.Errorf("row %d differs", i)
				}
			}
		}()
	}
	wg.Wait()
}

func TestPredictSparsePanics(t *testing.T) {
	m := NewModel(2, 5)
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"range", func() { m.PredictSparse([]int32{5}, []float32{1}) }, "column 5 out of range [0, 5)"},
		{"order", func() { m.PredictSparse([]int32{2, 1}, []float32{1, 1}) }, "out of order"},
		{"lengths", func() { m.PredictSparse([]int32{2}, nil) }, "len(val)"},
		{"dst", func() { m.PredictProbaSparse(make([]float32, 3), nil, nil) }, "len(dst)"},
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmtPanic(r), tc.want) {
					t.Errorf("%s: panic %v, want %q", tc.name, r, tc.want)
				}
			}()
			tc.f()
		}()
	}
}

func fmtPanic(r any) string {
	if e, ok := r.(error); ok {
		return e.Error()
	}
	if s, ok := r.(string); ok {
		return s
	}
	return ""
}

// TestEvaluateLinks: Evaluate's log-loss is −log of PredictProba's
// probability of the label under every link with probabilities, NaN for
// raw scores; dense and sparse alike.
func TestEvaluateLinks(t *testing.T) {
	xs, xd, y := sparseBlobs(13, 50, 9, 3)
	m := NewModel(3, 9)
	if _, err := (&LBFGS{L2: 0.1}).Fit(m, xd, y); err != nil {
		t.Fatal(err)
	}
	p := make([]float32, 3)
	for _, link := range []Link{LinkSoftmax, LinkOneVsRest, LinkRaw} {
		m.Link = link
		var want float64
		for i := 0; i < xd.Rows; i++ {
			m.PredictProba(p, xd.Row(i))
			want -= math.Log(float64(p[y[i]]))
		}
		want /= float64(xd.Rows)
		ed, _ := m.Evaluate(xd, y)
		es, _ := m.EvaluateSparse(xs, y)
		for _, got := range []float64{ed.LogLoss, es.LogLoss} {
			if link == LinkRaw {
				if !math.IsNaN(got) {
					t.Errorf("raw: log-loss %v, want NaN", got)
				}
			} else if math.Abs(got-want) > 1e-5 {
				t.Errorf("%v: log-loss %.6f, want %.6f", link, got, want)
			}
		}
	}
}
