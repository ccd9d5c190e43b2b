package kernel

import (
	"fmt"
	"testing"
)

// BenchmarkSGDSteps times the steps of one epoch (batch 64) on 60,000 ×
// 784 synthetic rows, without the per-Fit validation and set-up.
func BenchmarkSGDSteps(b *testing.B) {
	x, y := fashionShaped()
	n := x.Rows
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			m := NewModel(10, 784)
			cfg, _ := (&Trainer{BatchSize: 64, Momentum: 0.9, L2: 1e-4, Workers: workers}).withDefaults()
			s := newSGD(m, x, ByteMatrix{}, y, nil, &cfg)
			defer s.close()
			s.shuffle()
			for b.Loop() {
				for i := 0; i < n; i += 64 {
					s.step(i, min(i+64, n), 1e-3)
				}
			}
		})
	}
}

// BenchmarkObjectiveEval times one evaluation of J and ∇J (one L-BFGS
// function evaluation) on 60,000 × 784 synthetic rows.
func BenchmarkObjectiveEval(b *testing.B) {
	x, y := fashionShaped()
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			o := newObjective(10, 784, x, y, nil, 1e-4, workers)
			defer o.close()
			theta, grad := make([]float64, o.dim()), make([]float64, o.dim())
			for b.Loop() {
				o.eval(theta, grad)
			}
		})
	}
}

// BenchmarkSoftmaxCrossEntropyRows times the loss and logit gradient of one
// minibatch of 64 samples and 10 classes.
func BenchmarkSoftmaxCrossEntropyRows(b *testing.B) {
	z, labels := NewMatrix(64, 10), make([]int, 64)
	r := newRand(1)
	for i := range z.Data {
		z.Data[i] = r.Float32() * 4
	}
	g := NewMatrix(64, 10)
	for i := range labels {
		labels[i] = i % 10
	}
	for b.Loop() {
		SoftmaxCrossEntropyRows(g, z, labels)
	}
}

// fashionShaped returns synthetic data of Fashion-MNIST's training shape
// (60,000 × 784, 10 classes; 6,000 rows with -short).
func fashionShaped() (Matrix, []int) {
	n := 60000
	if testing.Short() {
		n = 6000
	}
	return blobs(9, n, 784, 10, 1)
}
