package kernel_test

import (
	"bytes"
	"fmt"

	"github.com/seed7bc074a2/maxent/kernel"
	"github.com/seed7bc074a2/maxent/kernel/data"
)

// Train a classifier on the embedded digits, evaluate it on held-out rows,
// and save it.
func ExampleTrainer_Fit() {
	digits := data.Digits()
	train, test, err := data.Split(digits, 0.2, 1)
	if err != nil {
		panic(err)
	}
	// Scale features to [0, 1] with the training rows' statistics.
	scaler := data.FitScaler(data.ScaleMinMax, train.X)
	scaler.Apply(train.X)
	scaler.Apply(test.X)

	model := kernel.NewModel(len(train.Labels), train.Features())
	model.Labels = train.Labels
	tr := kernel.Trainer{Epochs: 20, BatchSize: 16, LearningRate: 0.1, Momentum: 0.9, L2: 1e-4, Schedule: kernel.Cosine, Seed: 1}
	if _, err := tr.Fit(model, train.X, train.Y, kernel.Matrix{}, nil); err != nil {
		panic(err)
	}
	ev, err := model.Evaluate(test.X, test.Y)
	if err != nil {
		panic(err)
	}
	fmt.Println("held-out accuracy above 0.95:", ev.Accuracy > 0.95)

	var file bytes.Buffer
	if _, err := model.WriteTo(&file); err != nil {
		panic(err)
	}
	// Output:
	// held-out accuracy above 0.95: true
}

// Train on 8-bit data stored as codes: the digits' features are integers
// 0–16, so min-max scaling makes them codes times a scale per column, and
// FitBytes reads a quarter of the bytes of Fit on the same values.
func ExampleTrainer_FitBytes() {
	digits := data.Digits()
	scaler := data.FitScaler(data.ScaleMinMax, digits.X)
	x := kernel.NewByteMatrix(digits.Len(), digits.Features())
	copy(x.Scale, scaler.Scale)
	for i := 0; i < x.Rows; i++ {
		for j, v := range digits.X.Row(i) {
			x.Row(i)[j] = uint8(v - scaler.Offset[j]) // exact: integers 0–16
		}
	}
	model := kernel.NewModel(len(digits.Labels), digits.Features())
	tr := kernel.Trainer{Epochs: 20, BatchSize: 16, LearningRate: 0.1, Momentum: 0.9, L2: 1e-4, Schedule: kernel.Cosine, Seed: 1}
	if _, err := tr.FitBytes(model, x, digits.Y, kernel.Matrix{}, nil); err != nil {
		panic(err)
	}
	ev, err := model.Evaluate(x.Float(), digits.Y) // the decoded rows: the scaled features
	if err != nil {
		panic(err)
	}
	fmt.Println("training accuracy above 0.97:", ev.Accuracy > 0.97)
	// Output:
	// training accuracy above 0.97: true
}

// Predict with a model: probabilities for every class, and the best class.
// Predict and PredictProba allocate nothing and may be called from many
// goroutines at once.
func ExampleModel_PredictProba() {
	m := kernel.NewModel(3, 2)
	m.Labels = []string{"cat", "dog", "fish"}
	// Hand-set weights: class c scores W[c]·x + B[c].
	m.W.Set(0, 0, 2)
	m.W.Set(1, 1, 2)
	m.B[2] = 0.5

	x := []float32{1, 0}
	p := make([]float32, m.Classes)
	m.PredictProba(p, x)
	fmt.Printf("P = %.3f, predicted %s\n", p, m.Label(m.Predict(x)))
	// Output:
	// P = [0.736 0.100 0.164], predicted cat
}

// Score many rows at once: the logits of the whole block come from one
// MatMulT, which reads W once per block of rows rather than once per row.
func ExampleModel_PredictProbaBatch() {
	m := kernel.NewModel(3, 2)
	m.Labels = []string{"cat", "dog", "fish"}
	m.W.Set(0, 0, 2)
	m.W.Set(1, 1, 2)
	m.B[2] = 0.5

	x := kernel.NewMatrix(3, 2) // one row per sample
	copy(x.Row(0), []float32{1, 0})
	copy(x.Row(1), []float32{0, 1})
	copy(x.Row(2), []float32{0, 0})
	p := kernel.NewMatrix(x.Rows, m.Classes)
	m.PredictProbaBatch(p, x)
	classes := make([]int, x.Rows)
	m.PredictBatch(classes, x)
	for i, c := range classes {
		fmt.Printf("%s P = %.3f\n", m.Label(c), p.Row(i))
	}
	// Output:
	// cat P = [0.736 0.100 0.164]
	// dog P = [0.100 0.736 0.164]
	// fish P = [0.274 0.274 0.452]
}

// Save a model and load it back.
func ExampleReadModel() {
	m := kernel.NewModel(2, 3)
	m.B[1] = 1
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		panic(err)
	}
	back, err := kernel.ReadModel(&buf)
	if err != nil {
		panic(err)
	}
	fmt.Println(back.Classes, back.Features, back.B)
	// Output:
	// 2 3 [0 1]
}

// Softmax and the loss and gradient of one sample, as a trainer embedding
// the kernel ops would use them.
func ExampleSoftmaxCrossEntropy() {
	logits := []float32{2, 1, 0.1}
	p := make([]float32, 3)
	lse := kernel.Softmax(p, logits)
	fmt.Printf("softmax %.4f, log-sum-exp %.4f\n", p, lse)

	grad := make([]float32, 3)
	loss := kernel.SoftmaxCrossEntropy(grad, logits, 0)
	fmt.Printf("loss %.4f, gradient %.4f\n", loss, grad)
	// Output:
	// softmax [0.6590 0.2424 0.0986], log-sum-exp 2.4170
	// loss 0.4170, gradient [-0.3410 0.2424 0.0986]
}

// MatVec computes logits W·x + b for a whole model in one call.
func ExampleMatVec() {
	w := kernel.NewMatrix(2, 3)
	copy(w.Row(0), []float32{1, 2, 3})
	copy(w.Row(1), []float32{-1, 0, 1})
	y := make([]float32, 2)
	kernel.MatVec(y, w, []float32{1, 1, 1}, []float32{0.5, 0})
	fmt.Println(y)
	// Output:
	// [6.5 0]
}

// One step of minibatch gradient descent written with the batched ops: the
// logits of the batch, the loss and logit gradients, and the weight
// gradient, each one call whatever the batch size.
func ExampleMatMulT() {
	w := kernel.NewMatrix(3, 2) // 3 classes, 2 features
	b := []float32{0, 0, 0}
	x := kernel.NewMatrix(4, 2) // a batch of 4 samples
	for i, row := range [][]float32{{1, 0}, {0, 1}, {1, 1}, {-1, 0}} {
		copy(x.Row(i), row)
	}
	y := []int{0, 1, 2, 0}

	z := kernel.NewMatrix(4, 3)
	kernel.MatMulT(z, x, w, b)                      // z = x·wᵀ + b
	loss := kernel.SoftmaxCrossEntropyRows(z, z, y) // z ← p − onehot(y)
	g := kernel.NewMatrix(3, 2)
	kernel.AddMatMulTN(g, 1.0/4, z, x) // g = zᵀ·x / 4, the mean gradient
	fmt.Printf("mean loss %.4f (log 3 = 1.0986)\n", loss/4)
	for c := 0; c < 3; c++ {
		fmt.Printf("class %d gradient %.4f\n", c, g.Row(c))
	}
	// Output:
	// mean loss 1.0986 (log 3 = 1.0986)
	// class 0 gradient [0.0833 0.1667]
	// class 1 gradient [0.0833 -0.0833]
	// class 2 gradient [-0.1667 -0.0833]
}

// Fit a sparse model (elastic net: L1 through OWL-QN, with L2) with
// "balanced" class weights on every core, then certify the unweighted L2
// fit of a dense model.
func ExampleLBFGS() {
	digits := data.Digits()
	sc := data.FitScaler(data.ScaleMinMax, digits.X)
	sc.Apply(digits.X)

	sparse := kernel.NewModel(10, digits.Features())
	s := kernel.LBFGS{L2: 1e-3, L1: 1e-3, MaxIter: 1000,
		ClassWeights: kernel.BalancedClassWeights(digits.Y, 10)} // Workers: GOMAXPROCS
	res, err := s.Fit(sparse, digits.X, digits.Y)
	if err != nil {
		panic(err)
	}
	zeros := 0
	for c := 0; c < 10; c++ {
		for _, v := range sparse.W.Row(c) {
			if v == 0 {
				zeros++
			}
		}
	}
	fmt.Println("converged:", res.Converged, "| more than half the weights exactly 0:", zeros > 320)

	dense := kernel.NewModel(10, digits.Features())
	if _, err := (&kernel.LBFGS{L2: 1e-3, GapTol: 1e-7, MaxIter: 1000}).Fit(dense, digits.X, digits.Y); err != nil {
		panic(err)
	}
	cert, err := kernel.Certify(dense, digits.X, digits.Y, 1e-3)
	if err != nil {
		panic(err)
	}
	fmt.Println("duality gap below 1e-6:", cert.Gap < 1e-6)
	// Output:
	// converged: true | more than half the weights exactly 0: true
	// duality gap below 1e-6: true
}
