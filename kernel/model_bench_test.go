package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The prediction paths' speed, per link: "before/after" comparisons of
// Predict, PredictProba and the batched methods (benchstat).

var benchSinkInt int

func benchModel(k, m int) (*Model, []float32) {
	rng := rand.New(rand.NewPCG(9, uint64(k*m)))
	return randomModel(rng, k, m, false), randVec(rng, m)
}

func BenchmarkModelPredict(b *testing.B) {
	for _, s := range [][2]int{{10, 64}, {10, 784}, {100, 1024}} {
		md, x := benchModel(s[0], s[1])
		b.Run(fmt.Sprintf("k=%d/m=%d", s[0], s[1]), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				benchSinkInt = md.Predict(x)
			}
		})
	}
}

func BenchmarkModelPredictProba(b *testing.B) {
	for _, s := range [][2]int{{10, 64}, {10, 784}, {100, 1024}} {
		md, x := benchModel(s[0], s[1])
		p := make([]float32, s[0])
		b.Run(fmt.Sprintf("k=%d/m=%d", s[0], s[1]), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				md.PredictProba(p, x)
			}
		})
	}
}

func BenchmarkModelPredictBatch(b *testing.B) {
	const n, k, m = 64, 10, 784
	md, _ := benchModel(k, m)
	rng := rand.New(rand.NewPCG(10, 1))
	x := NewMatrix(n, m)
	for i := 0; i < n; i++ {
		copy(x.Row(i), randVec(rng, m))
	}
	p, c := NewMatrix(n, k), make([]int, n)
	b.Run("proba/n=64/k=10/m=784", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			md.PredictProbaBatch(p, x)
		}
	})
	b.Run("class/n=64/k=10/m=784", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			md.PredictBatch(c, x)
		}
	})
}
