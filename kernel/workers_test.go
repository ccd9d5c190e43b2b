package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// TestPool: every shard runs exactly once per round, rounds do not
// overlap, and close stops the helpers, whether the helpers are spinning
// (back-to-back rounds) or parked (rounds far apart).
func TestPool(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5} {
		counts := make([]atomic.Int64, n)
		var active atomic.Int64
		p := newPool(n, func(shard int) {
			if active.Add(1) > int64(n) {
				t.Errorf("more than %d shards active", n)
			}
			counts[shard].Add(1)
			active.Add(-1)
		})
		rounds := 3000
		if testing.Short() {
			rounds = 500
		}
		for r := 1; r <= rounds; r++ {
			p.run()
			if r%100 == 0 {
				// Let the helpers park, then wake them.
				for i := 0; i < 3; i++ {
					spin(200000)
				}
			}
			for s := range counts {
				if got := counts[s].Load(); got != int64(r) {
					t.Fatalf("n=%d round %d: shard %d ran %d times", n, r, s, got)
				}
			}
		}
		p.close()
	}
}

// TestBarrier: inside pool rounds, no shard passes pool.sync before
// every shard has reached it, phase after phase (each shard checks the
// values all others wrote before the barrier), with more shards than
// GOMAXPROCS in -cpu=1 runs too.
func TestBarrier(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5} {
		vals := make([]atomic.Int64, n)
		var bad atomic.Int64
		var p *pool
		p = newPool(n, func(j int) {
			base := vals[j].Load() // every shard's count at the round's start
			for phase := int64(1); phase <= 4; phase++ {
				vals[j].Add(1)
				p.sync()
				for q := range vals {
					if v := vals[q].Load(); v != base+phase {
						bad.Add(1)
					}
				}
				p.sync()
			}
		})
		for r := 0; r < 200; r++ {
			p.run()
		}
		p.close()
		if bad.Load() != 0 {
			t.Fatalf("n=%d: %d reads before the barrier released", n, bad.Load())
		}
		for q := range vals {
			if vals[q].Load() != 800 {
				t.Fatalf("n=%d: shard %d ran %d phases", n, q, vals[q].Load())
			}
		}
	}
}

// spin burns some CPU time without sleeping.
func spin(n int) {
	var x atomic.Int64
	for i := 0; i < n; i++ {
		x.Add(1)
	}
}

// TestSGDWorkers: the same seed and worker count give a bit-identical
// model, and other worker counts (which split the features differently:
// 16-column groups with 200 features, single columns with 20, and workers
// without any column, worker 0 among them, with 2) only change the float32
// summation order of the logits.
func TestSGDWorkers(t *testing.T) {
	for _, shape := range []struct{ m, k int }{{20, 5}, {200, 5}, {2, 3}} {
		x, y := blobs(21, 1000, shape.m, shape.k, 0.6)
		fit := func(workers int) *Model {
			m := NewModel(shape.k, shape.m)
			tr := Trainer{Epochs: 5, BatchSize: 32, LearningRate: 0.05, Momentum: 0.9, L2: 1e-4, Seed: 4, Workers: workers}
			if _, err := tr.Fit(m, x, y, Matrix{}, nil); err != nil {
				t.Fatal(err)
			}
			return m
		}
		forEachBackendModel(t, func(t *testing.T) {
			one, two, three := fit(1), fit(2), fit(3)
			if !modelsEqual(two, fit(2)) || !modelsEqual(three, fit(3)) {
				t.Fatalf("m=%d: same seed and workers gave different models", shape.m)
			}
			for _, o := range []*Model{two, three} {
				for i := 0; i < shape.k; i++ {
					for j, v := range one.W.Row(i) {
						if d := math.Abs(float64(v - o.W.At(i, j))); d > 1e-4*(1+math.Abs(float64(v))) {
							t.Fatalf("m=%d: W[%d,%d]: %v with 1 worker, %v with more", shape.m, i, j, v, o.W.At(i, j))
						}
					}
					if d := math.Abs(float64(one.B[i] - o.B[i])); d > 1e-4*(1+math.Abs(float64(one.B[i]))) {
						t.Fatalf("m=%d: B[%d]: %v with 1 worker, %v with more", shape.m, i, one.B[i], o.B[i])
					}
				}
			}
		})
	}
}

// TestSplitCols: the workers' feature ranges tile [0, m) in order, in
// whole 16-column groups when there are at least four per worker, as
// equal as that allows, with worker 0 never the larger.
func TestSplitCols(t *testing.T) {
	for _, w := range []int{1, 2, 3, 4, 7} {
		for _, m := range []int{0, 1, 2, 5, 20, 63, 64, 127, 128, 200, 784, 1000} {
			cuts := splitCols(m, w)
			if len(cuts) != w+1 || cuts[0] != 0 || cuts[w] != m {
				t.Fatalf("m=%d w=%d: cuts %v", m, w, cuts)
			}
			g := 1
			if m >= 64*w {
				g = 16
			}
			for j := 1; j <= w; j++ {
				size := cuts[j] - cuts[j-1]
				if size < 0 || (j < w && cuts[j]%g != 0) || size > m/w+2*g {
					t.Fatalf("m=%d w=%d: cuts %v", m, w, cuts)
				}
			}
			if w > 1 && cuts[1] > cuts[2]-cuts[1] {
				t.Fatalf("m=%d w=%d: worker 0 has more columns: %v", m, w, cuts)
			}
		}
	}
}

// TestSampleWeightsScaleTheGradient: weighting every row by 2 and halving
// the learning rate gives the same SGD iterates bit for bit (without L2,
// every scaled quantity is exact).
func TestSampleWeightsScaleTheGradient(t *testing.T) {
	x, y := blobs(22, 300, 12, 3, 0.5)
	w2 := make([]float64, x.Rows)
	for i := range w2 {
		w2[i] = 2
	}
	a, b := NewModel(3, 12), NewModel(3, 12)
	if _, err := (&Trainer{Epochs: 3, LearningRate: 0.1, Momentum: 0.5, Seed: 1}).Fit(a, x, y, Matrix{}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := (&Trainer{Epochs: 3, LearningRate: 0.05, Momentum: 0.5, Seed: 1, SampleWeights: w2}).Fit(b, x, y, Matrix{}, nil); err != nil {
		t.Fatal(err)
	}
	if !modelsEqual(a, b) {
		t.Fatal("weights 2 with half the rate differ from weights 1")
	}
}

// TestLBFGSWeightsEqualDuplicates: integer sample weights are the same
// objective (up to the factor n/n') as duplicated rows, so L-BFGS converges
// to the same model.
func TestLBFGSWeightsEqualDuplicates(t *testing.T) {
	x, y := blobs(23, 200, 6, 3, 0.4)
	sw := make([]float64, x.Rows)
	var rows [][]float32
	var dy []int
	for i := range sw {
		sw[i] = float64(1 + i%3)
		for c := 0; c < int(sw[i]); c++ {
			rows = append(rows, x.Row(i))
			dy = append(dy, y[i])
		}
	}
	dup := NewMatrix(len(rows), 6)
	for i, r := range rows {
		copy(dup.Row(i), r)
	}
	const l2 = 1e-2
	a, b := NewModel(3, 6), NewModel(3, 6)
	ra, err := (&LBFGS{L2: l2, SampleWeights: sw, MaxIter: 500, Workers: 2}).Fit(a, x, y)
	if err != nil || !ra.Converged {
		t.Fatalf("weighted: %v %+v", err, ra.Reason)
	}
	rb, err := (&LBFGS{L2: l2 * float64(x.Rows) / float64(dup.Rows), MaxIter: 500}).Fit(b, dup, dy)
	if err != nil || !rb.Converged {
		t.Fatalf("duplicated: %v %+v", err, rb.Reason)
	}
	for i := 0; i < 3; i++ {
		for j, v := range a.W.Row(i) {
			if d := math.Abs(float64(v - b.W.At(i, j))); d > 1e-3 {
				t.Fatalf("W[%d,%d] = %v weighted, %v duplicated", i, j, v, b.W.At(i, j))
			}
		}
	}
}

func TestBalancedClassWeights(t *testing.T) {
	y := []int{0, 0, 0, 1, 3, 3}
	w := BalancedClassWeights(y, 4)
	want := []float64{6.0 / 9, 6.0 / 3, 0, 6.0 / 6}
	for c := range want {
		if math.Abs(w[c]-want[c]) > 1e-15 {
			t.Fatalf("weights %v, want %v", w, want)
		}
	}
	// Balanced weights lift the recall of a rare class.
	all, ally := blobs(24, 2000, 4, 2, 0.25)
	var x [][]float32
	var yy []int
	for i := 0; i < all.Rows; i++ {
		if ally[i] == 1 && i%10 != 1 {
			continue // keep 10% of class 1
		}
		x = append(x, all.Row(i))
		yy = append(yy, ally[i])
	}
	xm := NewMatrix(len(x), 4)
	for i, r := range x {
		copy(xm.Row(i), r)
	}
	recall := func(cw []float64) float64 {
		m := NewModel(2, 4)
		if _, err := (&LBFGS{L2: 1e-3, ClassWeights: cw}).Fit(m, xm, yy); err != nil {
			t.Fatal(err)
		}
		ev, _ := m.Evaluate(xm, yy)
		c := ev.Confusion[1]
		return float64(c[1]) / float64(c[0]+c[1])
	}
	plain, bal := recall(nil), recall(BalancedClassWeights(yy, 2))
	if !(bal > plain+0.05) {
		t.Fatalf("recall of the rare class: %.3f unweighted, %.3f balanced", plain, bal)
	}
}

func TestWeightErrors(t *testing.T) {
	x, y := blobs(25, 20, 3, 2, 1)
	for _, c := range []struct {
		sw, cw []float64
		want   string
	}{
		{make([]float64, 19), nil, "19 sample weights for 20 rows"},
		{nil, []float64{1}, "1 class weights for 2 classes"},
		{nil, []float64{1, -1}, "class weight 1 is -1"},
		{nil, []float64{math.NaN(), 1}, "class weight 0 is NaN"},
		{append(make([]float64, 19), math.Inf(1)), nil, "sample weight 19 is +Inf"},
		{make([]float64, 20), nil, "every row has weight 0"},
	} {
		_, err1 := (&Trainer{SampleWeights: c.sw, ClassWeights: c.cw}).Fit(NewModel(2, 3), x, y, Matrix{}, nil)
		_, err2 := (&LBFGS{SampleWeights: c.sw, ClassWeights: c.cw}).Fit(NewModel(2, 3), x, y)
		for _, err := range []error{err1, err2} {
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		}
	}
	for _, tr := range []Trainer{{Workers: -1}, {L1: -1}, {GradTol: math.NaN()}} {
		if _, err := tr.Fit(NewModel(2, 3), x, y, Matrix{}, nil); err == nil {
			t.Errorf("%+v accepted", tr)
		}
	}
	for _, s := range []LBFGS{{Workers: -1}, {GapTol: -1}} {
		if _, err := s.Fit(NewModel(2, 3), x, y); err == nil {
			t.Errorf("%+v accepted", s)
		}
	}
}

func TestSGDL1Sparsity(t *testing.T) {
	x, y := lbfgsDigits(t)
	zeros := func(l1 float64) int {
		m := NewModel(10, x.Cols)
		if _, err := (&Trainer{Epochs: 10, LearningRate: 0.1, Momentum: 0.9, L1: l1, Seed: 2}).Fit(m, x, y, Matrix{}, nil); err != nil {
			t.Fatal(err)
		}
		n := 0
		for i := 0; i < 10; i++ {
			for _, v := range m.W.Row(i) {
				if v == 0 {
					n++
				}
			}
		}
		return n
	}
	z0, z1, z2 := zeros(0), zeros(1e-3), zeros(1e-2)
	if !(z0 < z1 && z1 < z2 && z2 > 10*x.Cols/4) {
		t.Fatalf("zero weights: %d (L1 0), %d (1e-3), %d (1e-2) of %d", z0, z1, z2, 10*x.Cols)
	}
}

func TestSGDGradTol(t *testing.T) {
	x, y := blobs(26, 400, 5, 3, 1)
	m := NewModel(3, 5)
	res, err := (&Trainer{Epochs: 200, LearningRate: 0.5, L2: 1e-2, GradTol: 1e-3, Seed: 1, BatchSize: 400}).Fit(m, x, y, Matrix{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	last := res.History[len(res.History)-1]
	if !res.Converged || res.Epochs >= 200 || !(last.GradNorm <= 1e-3*2) {
		t.Fatalf("converged %v after %d epochs, gradient %v", res.Converged, res.Epochs, last.GradNorm)
	}
	if _, g := objectiveOf(m, x, y, 1e-2); math.Abs(g-last.GradNorm) > 1e-9 {
		t.Fatalf("reported gradient %v, recomputed %v", last.GradNorm, g)
	}
}

func TestLBFGSGapTol(t *testing.T) {
	x, y := lbfgsDigits(t)
	m := NewModel(10, x.Cols)
	res, err := (&LBFGS{L2: 1e-3, GapTol: 1e-6, GradTol: 1e-12, MaxIter: 1000}).Fit(m, x, y)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Converged || res.Reason != ReasonGapTol || !(res.Gap <= 1e-6) {
		t.Fatalf("%s, gap %v", res.Reason, res.Gap)
	}
	c, err := Certify(m, x, y, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	if !(c.Gap <= 2e-6) {
		t.Fatalf("certificate gap %v after stopping at gap %v", c.Gap, res.Gap)
	}
}

// TestCheckDataWorkers: the parallel scan reports the first bad row, as
// the serial one, wherever the bad rows fall among the shards.
func TestCheckDataWorkers(t *testing.T) {
	x := NewMatrix(20000, 7)
	y := make([]int, x.Rows)
	for _, bad := range [][]int{{}, {19999}, {15000, 3}, {12000, 17000}, {0}} {
		for i := range x.Data {
			x.Data[i] = 0.5
		}
		for k, r := range bad {
			x.Set(r, 3+k, []float32{qNaN32, negInf32}[k%2])
		}
		want := CheckData(x, y, 2)
		for _, w := range []int{1, 2, 3, 4} {
			got := checkDataWorkers(x, y, 2, w)
			if (got == nil) != (want == nil) || got != nil && got.Error() != want.Error() {
				t.Fatalf("bad rows %v, %d workers: %v, want %v", bad, w, got, want)
			}
		}
		if len(bad) > 0 && (want == nil || !strings.Contains(want.Error(), "row")) {
			t.Fatalf("bad rows %v: %v", bad, want)
		}
	}
}

func TestSGDGapTol(t *testing.T) {
	x, y := lbfgsDigits(t)
	m := NewModel(10, x.Cols)
	res, err := (&Trainer{Epochs: 500, BatchSize: x.Rows, LearningRate: 2, Momentum: 0.9, L2: 1e-2, GapTol: 1e-4, Seed: 1}).Fit(m, x, y, Matrix{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	last := res.History[len(res.History)-1]
	if !res.Converged || res.Epochs >= 500 || !(last.Gap <= 1e-4) {
		t.Fatalf("converged %v after %d epochs, gap %v", res.Converged, res.Epochs, last.Gap)
	}
	c, err := Certify(m, x, y, 1e-2)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(c.Gap-last.Gap) > 1e-6 {
		t.Fatalf("reported gap %v, certificate %v", last.Gap, c.Gap)
	}
	for _, tr := range []Trainer{{GapTol: 1e-3}, {GapTol: 1e-3, L2: 1e-3, L1: 1e-4}, {GapTol: -1, L2: 1}} {
		if _, err := tr.Fit(NewModel(10, x.Cols), x, y, Matrix{}, nil); err == nil {
			t.Errorf("%+v accepted", tr)
		}
	}
}

// TestSGDStridedWeights: a model whose W rows are padded (Stride > Cols,
// as NewModel lays out 20 features) trains to the same weights, bit for
// bit, as one with contiguous rows (the update runs per row there instead
// of over W as one vector), with L1 and L2, on 1 and 2 workers; the padding
// is never written.
func TestSGDStridedWeights(t *testing.T) {
	x, y := blobs(22, 600, 20, 5, 0.6)
	fit := func(m *Model, workers int) {
		tr := Trainer{Epochs: 3, BatchSize: 32, LearningRate: 0.05, Momentum: 0.9, L2: 1e-3, L1: 1e-4, Seed: 5, Workers: workers}
		if _, err := tr.Fit(m, x, y, Matrix{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	const pad = 3
	const guard = float32(-12345)
	forEachBackendModel(t, func(t *testing.T) {
		for _, workers := range []int{1, 2} {
			plain := NewModel(5, 20)
			plain.W = Matrix{Rows: 5, Cols: 20, Stride: 20, Data: make([]float32, 100)}
			fit(plain, workers)
			padded := NewModel(5, 20)
			data := make([]float32, 5*(20+pad))
			for i := range data {
				data[i] = guard
			}
			padded.W = Matrix{Rows: 5, Cols: 20, Stride: 20 + pad, Data: data}
			for i := 0; i < 5; i++ {
				clear(padded.W.Row(i))
			}
			fit(padded, workers)
			for i := 0; i < 5; i++ {
				for j, v := range plain.W.Row(i) {
					if got := padded.W.At(i, j); math.Float32bits(got) != math.Float32bits(v) {
						t.Fatalf("workers=%d: W[%d,%d] = %v with padded rows, %v without", workers, i, j, got, v)
					}
				}
				if i < 4 {
					for k := 20; k < 20+pad; k++ {
						if data[i*(20+pad)+k] != guard {
							t.Fatalf("workers=%d: padding after row %d written", workers, i)
						}
					}
				}
			}
			for c := range plain.B {
				if plain.B[c] != padded.B[c] {
					t.Fatalf("workers=%d: B[%d] = %v with padded rows, %v without", workers, c, padded.B[c], plain.B[c])
				}
			}
		}
	})
}

// TestSGDWarmStartWorkers: Fit starts from the model's weights and leaves
// the trained ones in it with any number of workers, whether the workers
// train copies of their columns (padded W, several workers) or W itself:
// a second Fit with a vanishing learning rate changes nothing measurable.
func TestSGDWarmStartWorkers(t *testing.T) {
	x, y := blobs(24, 500, 200, 5, 0.6)
	for _, workers := range []int{1, 2, 3} {
		for _, padded := range []bool{false, true} {
			m := NewModel(5, 200)
			if !padded {
				m.W = Matrix{Rows: 5, Cols: 200, Stride: 200, Data: make([]float32, 1000)}
			}
			if _, err := (&Trainer{Epochs: 2, Seed: 3, Workers: workers}).Fit(m, x, y, Matrix{}, nil); err != nil {
				t.Fatal(err)
			}
			var norm float64
			for i := 0; i < 5; i++ {
				for _, v := range m.W.Row(i) {
					norm += float64(v) * float64(v)
				}
			}
			if norm < 1e-2 {
				t.Fatalf("workers=%d padded=%v: W barely trained (‖W‖² = %g)", workers, padded, norm)
			}
			again := m.Clone()
			if _, err := (&Trainer{Epochs: 1, Seed: 3, Workers: workers, LearningRate: 1e-12, Momentum: 0}).Fit(again, x, y, Matrix{}, nil); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 5; i++ {
				for j, v := range m.W.Row(i) {
					if d := math.Abs(float64(v - again.W.At(i, j))); d > 1e-6*(1+math.Abs(float64(v))) {
						t.Fatalf("workers=%d padded=%v: W[%d,%d] went from %v to %v", workers, padded, i, j, v, again.W.At(i, j))
					}
				}
			}
		}
	}
}

// drawOrder draws a whole row order of len(y) rows with buckets of 2^bbits
// (−1: newOrder's choice) in parts of part units (0: at once).
func drawOrder(o *order, rng *rand.PCG, y []int, part int) (perm, lab []int) {
	p32, l32, y32 := make([]uint32, len(y)), make([]int32, len(y)), make([]int32, len(y))
	for i, l := range y {
		y32[i] = int32(l)
	}
	o.start()
	if part > 0 {
		for k := 0; k < 2*o.units()/part+2; k++ {
			o.draw(rng, p32, l32, y32, part)
		}
	}
	o.draw(rng, p32, l32, y32, math.MaxInt)
	perm, lab = make([]int, len(y)), make([]int, len(y))
	for i := range perm {
		perm[i], lab[i] = int(p32[i]), int(l32[i])
	}
	return perm, lab
}

// TestOrder: the trainer's row orders are permutations of the rows with
// their labels alongside, the same however the draw is split over an
// epoch's steps, and a new one every epoch; with one bucket and with
// several (as newOrder chooses them and forced).
func TestOrder(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 5, 64, 100, 1000, 1025, 3000, 60000} {
		for _, bb := range []int{-1, 0, 1, 3, 8} {
			for seed := uint64(0); seed < 2; seed++ {
				y := make([]int, n)
				for i := range y {
					y[i] = 3*i + 1
				}
				mk := func() *order {
					o := newOrder(n)
					if bb >= 0 {
						o.setBuckets(bb)
					}
					return &o
				}
				if bb < 0 && n == 60000 && mk().bbits != 6 {
					t.Fatalf("60000 rows: %d bucket bits, want 6 (segments of ≤ 1024)", mk().bbits)
				}
				o, rng := mk(), rand.NewPCG(seed, 1)
				var prev []int
				for epoch := 0; epoch < 3; epoch++ {
					perm, lab := drawOrder(o, rng, y, 0)
					seen := make([]bool, n)
					for i, p := range perm {
						if p < 0 || p >= n || seen[p] {
							t.Fatalf("n=%d bbits=%d seed=%d epoch %d: not a permutation (position %d holds %d)", n, o.bbits, seed, epoch, i, p)
						}
						seen[p] = true
						if lab[i] != y[p] {
							t.Fatalf("n=%d bbits=%d seed=%d epoch %d: label %d at position %d, want y[%d] = %d", n, o.bbits, seed, epoch, lab[i], i, p, y[p])
						}
					}
					if n >= 64 && slices.Equal(perm, prev) {
						t.Fatalf("n=%d bbits=%d seed=%d: epoch %d repeats the previous order", n, o.bbits, seed, epoch)
					}
					if n >= 64 && slices.IsSorted(perm) {
						t.Fatalf("n=%d bbits=%d seed=%d epoch %d: the rows in order", n, o.bbits, seed, epoch)
					}
					prev = perm
					// Split into parts (as Fit spreads it over the steps),
					// from the same state of the source: the same order.
					for _, part := range []int{1, 7, n/3 + 1} {
						o2, rng2 := mk(), rand.NewPCG(seed, 1)
						for e := 0; e <= epoch; e++ {
							p2, l2 := drawOrder(o2, rng2, y, part)
							if e == epoch && (!slices.Equal(p2, perm) || !slices.Equal(l2, lab)) {
								t.Fatalf("n=%d bbits=%d seed=%d epoch %d: drawn in parts of %d, the order differs", n, o.bbits, seed, epoch, part)
							}
						}
					}
				}
			}
		}
	}
}

// TestOrderUniform: every permutation of a few rows is drawn equally often
// (a chi-square test over 6! = 720 or 4! = 24 cells at p ≈ 1e-6; the seeds
// are fixed, so the test is deterministic), with one bucket, with as many
// buckets as rows and with more: the buckets' method is uniform.
func TestOrderUniform(t *testing.T) {
	for _, c := range []struct{ n, bbits, draws int }{{4, 0, 24000}, {4, 2, 24000}, {4, 3, 24000}, {6, 1, 72000}, {6, 3, 72000}} {
		fact := 1
		for i := 2; i <= c.n; i++ {
			fact *= i
		}
		o := newOrder(c.n)
		o.setBuckets(c.bbits)
		rng := rand.NewPCG(uint64(c.n*10+c.bbits), 2)
		y := make([]int, c.n)
		counts := map[string]int{}
		for k := 0; k < c.draws; k++ {
			perm, _ := drawOrder(&o, rng, y, 0)
			counts[fmt.Sprint(perm)]++
		}
		if len(counts) != fact {
			t.Fatalf("n=%d bbits=%d: %d distinct orders in %d draws, want all %d", c.n, c.bbits, len(counts), c.draws, fact)
		}
		exp := float64(c.draws) / float64(fact)
		var chi2 float64
		for _, v := range counts {
			d := float64(v) - exp
			chi2 += d * d / exp
		}
		// Chi-square with fact−1 degrees of freedom: mean fact−1, standard
		// deviation sqrt(2(fact−1)); 5 deviations is p ≈ 1e-6 or less.
		dof := float64(fact - 1)
		if lim := dof + 5*math.Sqrt(2*dof) + 10; chi2 > lim {
			t.Fatalf("n=%d bbits=%d: chi-square %.1f over %d orders, above %.1f: not uniform", c.n, c.bbits, chi2, fact, lim)
		}
		t.Logf("n=%d bbits=%d: chi-square %.1f (dof %.0f)", c.n, c.bbits, chi2, dof)
	}
}

// TestUint64N: the bounded draw of the orders' segments of 2³² rows or
// more is rand.Rand.Uint64N's.
func TestUint64N(t *testing.T) {
	// Rejection: a bound just over a power of two draws again sometimes;
	// both must draw the same values.
	a, b := rand.NewPCG(7, 8), rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 100000; i++ {
		n := uint64(1)<<63 + uint64(i)
		if x, y := uint64n(a, n), b.Uint64N(n); x != y {
			t.Fatalf("draw %d: uint64n = %d, Uint64N = %d", i, x, y)
		}
	}
}
