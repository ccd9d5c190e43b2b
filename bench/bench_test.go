package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seed7bc074a2/maxent/kernel"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// isas returns the backends to benchmark: every available one, then "plain".
func isas() []string { return append(kernel.Available(), "plain") }

// forEachISA runs body as sub-benchmark "isa=NAME/" + shape for every
// backend. body receives plain = true for the naive-Go baseline.
func forEachISA(b *testing.B, shape string, body func(b *testing.B, plain bool)) {
	orig := kernel.Backend()
	defer kernel.Use(orig)
	for _, isa := range isas() {
		plain := isa == "plain"
		if !plain {
			if err := kernel.Use(isa); err != nil {
				b.Fatal(err)
			}
		}
		b.Run("isa="+isa+"/"+shape, func(b *testing.B) { body(b, plain) })
	}
}

func randSlice(rng *rand.Rand, n int, lo, hi float32) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = lo + rng.Float32()*(hi-lo)
	}
	return x
}

func randMatrix(rng *rand.Rand, k, m int) kernel.Matrix {
	w := kernel.NewMatrix(k, m)
	for i := 0; i < k; i++ {
		copy(w.Row(i), randSlice(rng, m, -1, 1))
	}
	return w
}

// elemRate reports elements per nanosecond.
func elemRate(b *testing.B, elems int) {
	b.ReportMetric(float64(elems)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "elem/ns")
}

var sink float32

var vecSizes = []int{10, 100, 1000, 10000, 100000, 1000000}

var matShapes = [][2]int{{10, 784}, {100, 1024}, {1000, 4096}, {10, 100000}}

func BenchmarkDot(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{16, 784, 4096, 100000} {
		x, y := randSlice(rng, n, -1, 1), randSlice(rng, n, -1, 1)
		forEachISA(b, fmt.Sprintf("n=%d", n), func(b *testing.B, plain bool) {
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				if plain {
					sink = plainDot(x, y)
				} else {
					sink = kernel.Dot(x, y)
				}
			}
			elemRate(b, n)
		})
	}
}

func BenchmarkMatVec(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, s := range matShapes {
		k, m := s[0], s[1]
		w := randMatrix(rng, k, m)
		x, bias, y := randSlice(rng, m, -1, 1), randSlice(rng, k, -1, 1), make([]float32, k)
		forEachISA(b, fmt.Sprintf("k=%d/m=%d", k, m), func(b *testing.B, plain bool) {
			b.SetBytes(int64(4 * (k*m + m + 2*k)))
			for b.Loop() {
				if plain {
					plainMatVec(y, w, x, bias)
				} else {
					kernel.MatVec(y, w, x, bias)
				}
			}
			elemRate(b, k*m)
		})
		// gonum's blas32.Gemv (pure Go, with its own SIMD-free kernels) on
		// the same data: y = 1·W·x + 1·y after copying the bias into y.
		gw := blas32.General{Rows: k, Cols: m, Stride: w.Stride, Data: w.Data}
		gx := blas32.Vector{N: m, Inc: 1, Data: x}
		gy := blas32.Vector{N: k, Inc: 1, Data: y}
		if haveLimit() {
			b.Run(fmt.Sprintf("isa=limit/k=%d/m=%d", k, m), func(b *testing.B) {
				wd := w.Data[:k*w.Stride]
				b.SetBytes(int64(4 * (k*m + m + 2*k)))
				for b.Loop() {
					sink = streamRead(wd)
				}
				elemRate(b, k*m)
			})
		}
		b.Run(fmt.Sprintf("isa=gonum/k=%d/m=%d", k, m), func(b *testing.B) {
			b.SetBytes(int64(4 * (k*m + m + 2*k)))
			for b.Loop() {
				copy(y, bias)
				blas32.Gemv(blas.NoTrans, 1, gw, gx, 1, gy)
			}
			elemRate(b, k*m)
		})
	}
}

func BenchmarkAddOuter(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, s := range matShapes {
		k, m := s[0], s[1]
		g := randMatrix(rng, k, m)
		d, x := randSlice(rng, k, -1e-3, 1e-3), randSlice(rng, m, -1, 1)
		forEachISA(b, fmt.Sprintf("k=%d/m=%d", k, m), func(b *testing.B, plain bool) {
			b.SetBytes(int64(4 * (2*k*m + m + k)))
			for b.Loop() {
				if plain {
					plainAddOuter(g, 1e-3, d, x)
				} else {
					kernel.AddOuter(g, 1e-3, d, x)
				}
			}
			elemRate(b, k*m)
		})
		if haveLimit() {
			b.Run(fmt.Sprintf("isa=limit/k=%d/m=%d", k, m), func(b *testing.B) {
				gd := g.Data[:k*g.Stride]
				b.SetBytes(int64(4 * (2*k*m + m + k)))
				for b.Loop() {
					streamRMW(gd, 1e-9)
				}
				elemRate(b, k*m)
			})
		}
	}
}

// BenchmarkFMAPeak measures the register-only FMA throughput of this CPU, the
// compute ceiling; its flop/ns metric is what a kernel bound by arithmetic
// can reach at best.
func BenchmarkFMAPeak(b *testing.B) {
	if !haveLimit() {
		b.Skip("no FMA peak kernel in this build")
	}
	b.Run("isa=limit", func(b *testing.B) {
		const iters = 1 << 12
		var flops int
		for b.Loop() {
			sink, flops = fmaPeak(iters)
		}
		b.ReportMetric(float64(flops)*iters*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "flop/ns")
	})
}

func BenchmarkExp(b *testing.B) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, n := range []int{16, 1000, 4096, 100000} {
		src, dst := randSlice(rng, n, -80, 80), make([]float32, n)
		forEachISA(b, fmt.Sprintf("n=%d", n), func(b *testing.B, plain bool) {
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				if plain {
					plainExp(dst, src)
				} else {
					kernel.Exp(dst, src)
				}
			}
			elemRate(b, n)
		})
	}
}

// logits returns n logits spread like a trained model's: uniform in [−20, 20].
func logits(rng *rand.Rand, n int) []float32 { return randSlice(rng, n, -20, 20) }

func BenchmarkSoftmax(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, n := range vecSizes {
		src, dst := logits(rng, n), make([]float32, n)
		forEachISA(b, fmt.Sprintf("n=%d", n), func(b *testing.B, plain bool) {
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				if plain {
					sink = plainSoftmax(dst, src)
				} else {
					sink = kernel.Softmax(dst, src)
				}
			}
			elemRate(b, n)
		})
	}
}

func BenchmarkLogSoftmax(b *testing.B) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, n := range vecSizes {
		src, dst := logits(rng, n), make([]float32, n)
		forEachISA(b, fmt.Sprintf("n=%d", n), func(b *testing.B, plain bool) {
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				if plain {
					sink = plainLogSoftmax(dst, src)
				} else {
					sink = kernel.LogSoftmax(dst, src)
				}
			}
			elemRate(b, n)
		})
	}
}

func BenchmarkLogSumExp(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, n := range vecSizes {
		src := logits(rng, n)
		forEachISA(b, fmt.Sprintf("n=%d", n), func(b *testing.B, plain bool) {
			b.SetBytes(int64(4 * n))
			for b.Loop() {
				if plain {
					sink = plainLogSumExp(src)
				} else {
					sink = kernel.LogSumExp(src)
				}
			}
			elemRate(b, n)
		})
	}
}

func BenchmarkSoftmaxCrossEntropy(b *testing.B) {
	rng := rand.New(rand.NewPCG(8, 8))
	for _, n := range []int{10, 100, 1000} {
		src, grad := logits(rng, n), make([]float32, n)
		forEachISA(b, fmt.Sprintf("k=%d", n), func(b *testing.B, plain bool) {
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				if plain {
					sink = plainSoftmaxCrossEntropy(grad, src, n/2)
				} else {
					sink = kernel.SoftmaxCrossEntropy(grad, src, n/2)
				}
			}
			elemRate(b, n)
		})
	}
}

func BenchmarkPredict(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, s := range [][2]int{{10, 64}, {10, 784}, {100, 1024}} {
		k, m := s[0], s[1]
		md := kernel.NewModel(k, m)
		md.W = randMatrix(rng, k, m)
		x := randSlice(rng, m, 0, 1)
		forEachISA(b, fmt.Sprintf("k=%d/m=%d", k, m), func(b *testing.B, plain bool) {
			b.SetBytes(int64(4 * (k*m + m + k)))
			b.ReportAllocs()
			for b.Loop() {
				if plain {
					sink = float32(plainPredict(md, x))
				} else {
					sink = float32(md.Predict(x))
				}
			}
			elemRate(b, k*m)
		})
	}
}

func BenchmarkPredictProba(b *testing.B) {
	rng := rand.New(rand.NewPCG(10, 10))
	for _, s := range [][2]int{{10, 64}, {10, 784}, {100, 1024}} {
		k, m := s[0], s[1]
		md := kernel.NewModel(k, m)
		md.W = randMatrix(rng, k, m)
		x, p := randSlice(rng, m, 0, 1), make([]float32, k)
		forEachISA(b, fmt.Sprintf("k=%d/m=%d", k, m), func(b *testing.B, plain bool) {
			b.SetBytes(int64(4 * (k*m + m + 2*k)))
			b.ReportAllocs()
			for b.Loop() {
				if plain {
					plainMatVec(p, md.W, x, md.B)
					plainSoftmax(p, p)
				} else {
					md.PredictProba(p, x)
				}
			}
			elemRate(b, k*m)
		})
	}
}

// BenchmarkTrainEpoch trains one SGD epoch (batch 64, momentum, L2) on
// synthetic data of Fashion-MNIST's shape: 60,000 × 784, 10 classes
// (6,000 rows with -short).
func BenchmarkTrainEpoch(b *testing.B) {
	n := 60000
	if testing.Short() {
		n = 6000
	}
	const k, m = 10, 784
	rng := rand.New(rand.NewPCG(11, 11))
	x := kernel.NewMatrix(n, m)
	y := make([]int, n)
	for i := 0; i < n; i++ {
		y[i] = i % k
		copy(x.Row(i), randSlice(rng, m, 0, 1))
		x.Row(i)[y[i]*7] += 1
	}
	for _, isa := range kernel.Available() {
		kernel.Use(isa)
		b.Run(fmt.Sprintf("isa=%s/n=%d/k=%d/m=%d", isa, n, k, m), func(b *testing.B) {
			b.SetBytes(int64(4 * n * m))
			for b.Loop() {
				md := kernel.NewModel(k, m)
				tr := kernel.Trainer{Epochs: 1, BatchSize: 64, LearningRate: 0.01, Momentum: 0.9, L2: 1e-4}
				if _, err := tr.Fit(md, x, y, kernel.Matrix{}, nil); err != nil {
					b.Fatal(err)
				}
			}
			elemRate(b, n*m)
		})
	}
	kernel.Use(kernel.Available()[0])
}

// The plain* functions are the baseline: what straightforward Go without
// this library looks like.

func plainDot(x, y []float32) float32 {
	var s float32
	for i := range x {
		s += x[i] * y[i]
	}
	return s
}

func plainMatVec(y []float32, w kernel.Matrix, x, b []float32) {
	for i := range y {
		var s float32
		for j := range x {
			s += w.Data[i*w.Stride+j] * x[j]
		}
		y[i] = s + b[i]
	}
}

func plainAddOuter(g kernel.Matrix, alpha float32, d, x []float32) {
	for i := range d {
		for j := range x {
			g.Data[i*g.Stride+j] += alpha * d[i] * x[j]
		}
	}
}

func plainExp(dst, src []float32) {
	for i, v := range src {
		dst[i] = float32(math.Exp(float64(v)))
	}
}

func plainMax(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	return m
}

func plainSoftmax(dst, src []float32) float32 {
	m := plainMax(src)
	var s float32
	for i, v := range src {
		dst[i] = float32(math.Exp(float64(v - m)))
		s += dst[i]
	}
	for i := range dst {
		dst[i] /= s
	}
	return m + float32(math.Log(float64(s)))
}

func plainLogSumExp(x []float32) float32 {
	m := plainMax(x)
	var s float32
	for _, v := range x {
		s += float32(math.Exp(float64(v - m)))
	}
	return m + float32(math.Log(float64(s)))
}

func plainLogSoftmax(dst, src []float32) float32 {
	l := plainLogSumExp(src)
	for i, v := range src {
		dst[i] = v - l
	}
	return l
}

func plainSoftmaxCrossEntropy(grad, z []float32, label int) float32 {
	zy := z[label]
	l := plainSoftmax(grad, z)
	grad[label]--
	return l - zy
}

func plainPredict(md *kernel.Model, x []float32) int {
	best, bz := 0, float32(math.Inf(-1))
	for i := 0; i < md.Classes; i++ {
		var s float32
		for j := range x {
			s += md.W.Data[i*md.W.Stride+j] * x[j]
		}
		if s+md.B[i] > bz {
			best, bz = i, s+md.B[i]
		}
	}
	return best
}
