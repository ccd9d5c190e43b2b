package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// blobs returns n rows of m features drawn from k Gaussian blobs with
// well-separated means, and their labels.
func blobs(seed uint64, n, m, k int, sep float32) (Matrix, []int) {
	rng := rand.New(rand.NewPCG(seed, 99))
	centers := make([][]float32, k)
	for c := range centers {
		centers[c] = make([]float32, m)
		for j := range centers[c] {
			centers[c][j] = float32(rng.NormFloat64()) * sep
		}
	}
	x := NewMatrix(n, m)
	y := make([]int, n)
	for i := 0; i < n; i++ {
		y[i] = i % k
		for j := range x.Row(i) {
			x.Row(i)[j] = centers[y[i]][j] + float32(rng.NormFloat64())
		}
	}
	return x, y
}

func modelsEqual(a, b *Model) bool {
	for i := 0; i < a.Classes; i++ {
		for j, v := range a.W.Row(i) {
			if math.Float32bits(v) != math.Float32bits(b.W.At(i, j)) {
				return false
			}
		}
		if math.Float32bits(a.B[i]) != math.Float32bits(b.B[i]) {
			return false
		}
	}
	return true
}

func TestTrainerLearnsBlobs(t *testing.T) {
	all, ally := blobs(1, 800, 8, 4, 2)
	x, y := all.Slice(0, 600), ally[:600]
	vx, vy := all.Slice(600, 800), ally[600:]
	m := NewModel(4, 8)
	tr := Trainer{Epochs: 20, LearningRate: 0.05, Momentum: 0.9, Seed: 3}
	var calls int
	tr.Progress = func(s EpochStats) {
		calls++
		if s.Epoch != calls {
			t.Errorf("progress epoch %d, want %d", s.Epoch, calls)
		}
		if math.IsNaN(s.ValLoss) {
			t.Errorf("epoch %d: no validation loss", s.Epoch)
		}
	}
	res, err := tr.Fit(m, x, y, vx, vy)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 20 || res.Epochs != 20 || len(res.History) != 20 {
		t.Fatalf("calls %d, epochs %d, history %d, want 20", calls, res.Epochs, len(res.History))
	}
	ev, err := m.Evaluate(x, y)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Accuracy < 0.97 {
		t.Fatalf("train accuracy %.3f on separable blobs", ev.Accuracy)
	}
	first, last := res.History[0], res.History[len(res.History)-1]
	if !(last.TrainLoss < first.TrainLoss/2) {
		t.Fatalf("loss went from %v to %v", first.TrainLoss, last.TrainLoss)
	}
	total := 0
	for _, row := range ev.Confusion {
		for _, c := range row {
			total += c
		}
	}
	if total != x.Rows {
		t.Fatalf("confusion matrix counts %d rows, want %d", total, x.Rows)
	}
}

func TestTrainerDeterministic(t *testing.T) {
	x, y := blobs(2, 300, 5, 3, 1)
	fit := func(seed uint64) *Model {
		m := NewModel(3, 5)
		tr := Trainer{Epochs: 5, BatchSize: 7, LearningRate: 0.1, Momentum: 0.5, L2: 1e-3, Schedule: Cosine, Seed: seed}
		if _, err := tr.Fit(m, x, y, Matrix{}, nil); err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b, c := fit(1), fit(1), fit(2)
	if !modelsEqual(a, b) {
		t.Fatal("same seed gave different models")
	}
	if modelsEqual(a, c) {
		t.Fatal("different seeds gave identical models: the shuffle is not used")
	}
}

func TestTrainerL2ShrinksWeights(t *testing.T) {
	x, y := blobs(3, 300, 5, 3, 1)
	norm := func(l2 float64) float64 {
		m := NewModel(3, 5)
		tr := Trainer{Epochs: 30, LearningRate: 0.1, L2: l2, Seed: 1}
		if _, err := tr.Fit(m, x, y, Matrix{}, nil); err != nil {
			t.Fatal(err)
		}
		var s float64
		for _, v := range m.W.Data {
			s += float64(v) * float64(v)
		}
		return s
	}
	if n0, n1 := norm(0), norm(0.1); !(n1 < n0/2) {
		t.Fatalf("‖W‖² = %v with λ=0.1, %v without", n1, n0)
	}
}

func TestTrainerEarlyStopping(t *testing.T) {
	// Few noisy samples and many features: the validation loss bottoms out
	// early and then rises as the model overfits.
	x, y := blobs(4, 40, 60, 2, 0.15)
	vx, vy := blobs(4, 400, 60, 2, 0.15)
	vx, vy = vx.Slice(40, 400), vy[40:]
	m := NewModel(2, 60)
	tr := Trainer{Epochs: 300, BatchSize: 4, LearningRate: 0.2, Momentum: 0.9, Patience: 5, Seed: 1}
	res, err := tr.Fit(m, x, y, vx, vy)
	if err != nil {
		t.Fatal(err)
	}
	if !res.StoppedEarly || res.Epochs == 300 {
		t.Fatalf("did not stop early: %d epochs", res.Epochs)
	}
	if res.Epochs-res.BestEpoch != 5 {
		t.Fatalf("stopped at epoch %d, best %d, patience 5", res.Epochs, res.BestEpoch)
	}
	ev, _ := m.Evaluate(vx, vy)
	best := res.History[res.BestEpoch-1].ValLoss
	if math.Abs(ev.LogLoss-best) > 1e-9 {
		t.Fatalf("restored model has validation loss %v, best epoch had %v", ev.LogLoss, best)
	}
}

func TestTrainerErrors(t *testing.T) {
	x, y := blobs(5, 20, 3, 2, 1)
	bad := x.Clone()
	bad.Set(7, 2, float32(math.NaN()))
	inf := x.Clone()
	inf.Set(3, 1, float32(math.Inf(-1)))
	yOut := append([]int(nil), y...)
	yOut[4] = 2
	ySingle := make([]int, 20)
	type errCase struct {
		name string
		tr   Trainer
		m    *Model
		x    Matrix
		y    []int
		want string
	}
	cases := []errCase{
		{"NaN", Trainer{}, NewModel(2, 3), bad, y, "row 7, column 2: feature is NaN"},
		{"Inf", Trainer{}, NewModel(2, 3), inf, y, "row 3, column 1: feature is -Inf"},
		{"label", Trainer{}, NewModel(2, 3), x, yOut, "row 4: label 2 out of range [0, 2)"},
		{"lengths", Trainer{}, NewModel(2, 3), x, y[:19], "19 labels for 20 rows"},
		{"empty", Trainer{}, NewModel(2, 3), NewMatrix(0, 3), nil, "no rows"},
		{"single class", Trainer{}, NewModel(2, 3), x, ySingle, "at least two classes"},
		{"features", Trainer{}, NewModel(2, 4), x, y, "data has 3 features, model has 4"},
		{"lr", Trainer{LearningRate: -1}, NewModel(2, 3), x, y, "LearningRate"},
		{"momentum", Trainer{Momentum: 1}, NewModel(2, 3), x, y, "Momentum"},
		{"l2", Trainer{L2: math.NaN()}, NewModel(2, 3), x, y, "L2"},
		{"l2 step", Trainer{L2: 1e30}, NewModel(2, 3), x, y, "the penalty's own steps diverge; lower L2"},
		{"l2 step with momentum", Trainer{L2: 37, LearningRate: 0.1, Momentum: 0.85}, NewModel(2, 3), x, y, "2·(1 + Momentum) = 3.7"},
		{"epochs", Trainer{Epochs: -1}, NewModel(2, 3), x, y, "Epochs"},
	}
	// More rows than the 32-bit row orders hold (the shape alone: the
	// check comes before the data is looked at; 64-bit ints only).
	var maxRows uint64 = math.MaxUint32
	if huge := int(maxRows + 1); huge > 0 {
		cases = append(cases, errCase{"rows", Trainer{}, NewModel(2, 3), Matrix{Rows: huge, Cols: 3, Stride: 3}, y, "4294967296 rows: the trainer takes at most 4294967295"})
		if err := sgdRows(huge - 1); err != nil {
			t.Errorf("sgdRows(2³² − 1): %v", err)
		}
	}
	for _, tc := range cases {
		before := tc.m.Clone()
		_, err := tc.tr.Fit(tc.m, tc.x, tc.y, Matrix{}, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.want)
		}
		if !modelsEqual(before, tc.m) {
			t.Errorf("%s: a failed Fit changed the model", tc.name)
		}
	}
	// The features are screened during the first epoch: a bad value in
	// any row, with any worker count and weights, gives CheckData's error
	// and leaves a warm-started model exactly as it was.
	big, ybig := blobs(6, 3000, 3, 2, 1)
	warm := NewModel(2, 3)
	if _, err := (&Trainer{Epochs: 1, Seed: 1}).Fit(warm, big, ybig, Matrix{}, nil); err != nil {
		t.Fatal(err)
	}
	for _, row := range []int{0, 1500, 2999} {
		for _, v := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
			for _, tr := range []Trainer{{Workers: 1}, {Workers: 2}, {Workers: 2, SampleWeights: make([]float64, 3000)}} {
				if tr.SampleWeights != nil {
					for i := range tr.SampleWeights {
						tr.SampleWeights[i] = float64(i % 3) // zero weights too
					}
				}
				b := big.Clone()
				b.Set(row, 1, v)
				m := warm.Clone()
				_, err := tr.Fit(m, b, ybig, Matrix{}, nil)
				want := fmt.Sprintf("row %d, column 1: feature is %v", row, v)
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("bad feature %v at row %d, workers %d: err = %v, want %q", v, row, tr.Workers, err, want)
				}
				if !modelsEqual(warm, m) {
					t.Errorf("bad feature %v at row %d, workers %d: the failed Fit changed the model", v, row, tr.Workers)
				}
			}
		}
	}
	// Bad validation data is reported as such.
	_, err := (&Trainer{}).Fit(NewModel(2, 3), x, y, bad, y)
	if err == nil || !strings.Contains(err.Error(), "validation data: maxent: row 7, column 2") {
		t.Errorf("validation NaN: err = %v", err)
	}
}

func TestTrainerDivergenceIsAnError(t *testing.T) {
	x, y := blobs(6, 100, 4, 2, 1)
	for i := range x.Data {
		x.Data[i] *= 1e18
	}
	_, err := (&Trainer{LearningRate: 1e10, Epochs: 3}).Fit(NewModel(2, 4), x, y, Matrix{}, nil)
	if err == nil || !strings.Contains(err.Error(), "diverged") {
		t.Fatalf("err = %v, want divergence", err)
	}
}

// TestTrainingStepAllocs: a step allocates nothing, on float32 rows and on
// codes, with L1 (the separate update) and without (the update inside the
// gradient kernel; on codes, the derived last class).
func TestTrainingStepAllocs(t *testing.T) {
	x, y := blobs(7, 256, 50, 10, 1)
	x8 := NewByteMatrix(x.Rows, x.Cols)
	fillCodes(x8, x)
	m := NewModel(10, 50)
	for _, workers := range []int{1, 2, 3} {
		for _, weighted := range []bool{false, true} {
			for _, l1 := range []float64{1e-5, 0} {
				for _, codes := range []ByteMatrix{{}, x8} {
					cfg, _ := (&Trainer{Momentum: 0.9, L2: 1e-4, L1: l1, Workers: workers}).withDefaults()
					var rw []float32
					if weighted {
						rw, _ = rowWeights(y, 10, nil, BalancedClassWeights(y, 10))
					}
					forEachBackendModel(t, func(t *testing.T) {
						s := newSGD(m, x, codes, y, rw, &cfg)
						defer s.close()
						s.shuffle()
						if a := testing.AllocsPerRun(50, func() { s.step(0, 32, 0.01) }); a != 0 {
							t.Fatalf("workers %d weighted %v l1 %v codes %v: a training step allocates %v times", workers, weighted, l1, codes.Data != nil, a)
						}
					})
				}
			}
		}
	}
}

func TestScheduleNames(t *testing.T) {
	for _, s := range []Schedule{Constant, Cosine, InvTime} {
		got, err := ParseSchedule(s.String())
		if err != nil || got != s {
			t.Errorf("ParseSchedule(%q) = %v, %v", s.String(), got, err)
		}
	}
	if _, err := ParseSchedule("linear"); err == nil {
		t.Error("unknown schedule accepted")
	}
}

func TestIsArgmax(t *testing.T) {
	r := newRand(5)
	vals := []float32{0, 1, -1, 2, qNaN32, posInf32, negInf32}
	for n := 1; n <= 6; n++ {
		for trial := 0; trial < 2000; trial++ {
			z := make([]float32, n)
			for i := range z {
				z[i] = vals[r.IntN(len(vals))]
			}
			for l := 0; l < n; l++ {
				if got, want := isArgmax(z, l), argmax(z) == l; got != want {
					t.Fatalf("isArgmax(%v, %d) = %v, argmax = %d", z, l, got, argmax(z))
				}
			}
		}
	}
}

// TestTrainerHeartbeat: Heartbeat reports the steps of long epochs in
// order, never the last one (Progress does), and leaves the model as it
// is without it.
func TestTrainerHeartbeat(t *testing.T) {
	defer func(d time.Duration) { beatEvery = d }(beatEvery)
	beatEvery = 0 // every beatSteps steps
	x, y := blobs(3, 400, 5, 3, 1)
	tr := Trainer{Epochs: 2, BatchSize: 4, Momentum: 0.9, L2: 1e-3, Workers: 2}
	want := NewModel(3, 5)
	if _, err := tr.Fit(want, x, y, Matrix{}, nil); err != nil {
		t.Fatal(err)
	}
	type beat struct{ epoch, step, steps int }
	var beats []beat
	tr.Heartbeat = func(epoch, step, steps int) { beats = append(beats, beat{epoch, step, steps}) }
	got := NewModel(3, 5)
	if _, err := tr.Fit(got, x, y, Matrix{}, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.W.Data, want.W.Data) || !slices.Equal(got.B, want.B) {
		t.Fatal("Heartbeat changed the model")
	}
	// 100 steps per epoch: beats at 16, 32, …, 96 in each.
	if len(beats) != 12 {
		t.Fatalf("%d beats, want 12: %v", len(beats), beats)
	}
	for i, b := range beats {
		if w := (beat{1 + i/6, beatSteps * (1 + i%6), 100}); b != w {
			t.Fatalf("beat %d: %v, want %v", i, b, w)
		}
	}
}
