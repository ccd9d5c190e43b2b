package bench

import (
	"fmt"
	"testing"

	"github.com/seed7bc074a2/maxent/kernel/benchsuite"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// The cases are defined once in kernel/benchsuite (shared with "maxent
// bench"); each Benchmark below runs those of one op as sub-benchmarks
// "isa=NAME/shape", so benchstat -col /isa compares the backends. Only the
// gonum rows, which need a dependency the main module does not have, live
// here.

// run runs every suite case of op as a sub-benchmark.
func run(b *testing.B, op string) {
	for _, c := range benchsuite.Cases(nil) {
		if c.Op == op {
			b.Run(c.Sub(), c.Run)
		}
	}
}

func BenchmarkDot(b *testing.B)                     { run(b, "Dot") }
func BenchmarkAddOuter(b *testing.B)                { run(b, "AddOuter") }
func BenchmarkMatMulT(b *testing.B)                 { run(b, "MatMulT") }
func BenchmarkAddMatMulTN(b *testing.B)             { run(b, "AddMatMulTN") }
func BenchmarkSoftmaxCrossEntropyRows(b *testing.B) { run(b, "SoftmaxCrossEntropyRows") }
func BenchmarkFMAPeak(b *testing.B)                 { run(b, "FMAPeak") }
func BenchmarkExp(b *testing.B)                     { run(b, "Exp") }
func BenchmarkSoftmax(b *testing.B)                 { run(b, "Softmax") }
func BenchmarkLogSoftmax(b *testing.B)              { run(b, "LogSoftmax") }
func BenchmarkLogSumExp(b *testing.B)               { run(b, "LogSumExp") }
func BenchmarkSoftmaxCrossEntropy(b *testing.B)     { run(b, "SoftmaxCrossEntropy") }
func BenchmarkPredict(b *testing.B)                 { run(b, "Predict") }
func BenchmarkPredictProba(b *testing.B)            { run(b, "PredictProba") }
func BenchmarkPredictLatency(b *testing.B)          { run(b, "PredictLatency") }
func BenchmarkPredictProbaLatency(b *testing.B)     { run(b, "PredictProbaLatency") }
func BenchmarkPredictParallel(b *testing.B)         { run(b, "PredictParallel") }
func BenchmarkPredictProbaParallel(b *testing.B)    { run(b, "PredictProbaParallel") }
func BenchmarkPredictProbaBatch(b *testing.B)       { run(b, "PredictProbaBatch") }
func BenchmarkTrainEpoch(b *testing.B)              { run(b, "TrainEpoch") }
func BenchmarkTrainEpochCodes(b *testing.B)         { run(b, "TrainEpochCodes") }

// BenchmarkMatVec adds isa=gonum rows to the suite's: gonum's blas32.Gemv
// (pure Go) on the same shapes, y = 1·W·x + 1·y after copying the bias in.
func BenchmarkMatVec(b *testing.B) {
	run(b, "MatVec")
	for _, s := range benchsuite.MatShapes {
		k, m := s[0], s[1]
		w := make([]float32, k*m)
		x, bias, y := make([]float32, m), make([]float32, k), make([]float32, k)
		for i := range w {
			w[i] = float32(i%17)/17 - 0.5
		}
		for i := range x {
			x[i] = float32(i%13)/13 - 0.5
		}
		gw := blas32.General{Rows: k, Cols: m, Stride: m, Data: w}
		gx := blas32.Vector{N: m, Inc: 1, Data: x}
		gy := blas32.Vector{N: k, Inc: 1, Data: y}
		b.Run(fmt.Sprintf("isa=gonum/k=%d/m=%d", k, m), func(b *testing.B) {
			b.SetBytes(int64(4 * (k*m + m + 2*k)))
			for b.Loop() {
				copy(y, bias)
				blas32.Gemv(blas.NoTrans, 1, gw, gx, 1, gy)
			}
			b.ReportMetric(float64(k*m)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "elem/ns")
		})
	}
}
