package fallback

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestLogSum compares LogSum with math.Log (itself within 1 ULP) over
// [1, 2^1000], at every table interval's edges and at the bounds.
func TestLogSum(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	xs := []float64{1, math.Nextafter(1, 2), math.Sqrt2, 2, math.Nextafter(2, 1), 3, 10, 16, 1e10, 1e300, math.MaxFloat64}
	for i := 0; i <= 1<<logTableBits; i++ {
		edge := 1 + float64(i)/(1<<logTableBits)
		xs = append(xs, edge, math.Nextafter(edge, 0), math.Nextafter(edge, 3), edge*1024)
	}
	for i := 0; i < 300000; i++ {
		xs = append(xs, 1+r.Float64()*15, math.Exp(r.Float64()*700), 1+r.Float64()*1e-6)
	}
	worst := 0.0
	for _, x := range xs {
		got, want := LogSum(x), math.Log(x)
		err := math.Abs(got - want)
		if err > 5e-16*math.Abs(want)+2e-17 {
			t.Fatalf("LogSum(%v) = %v, math.Log %v (error %.3g)", x, got, want, err)
		}
		if math.Abs(want) >= 1e-3 {
			worst = max(worst, err/math.Abs(want))
		}
	}
	t.Logf("worst relative difference from math.Log where |log x| ≥ 1e-3: %.3g", worst)
	// Outside the fast range it is math.Log.
	for _, x := range []float64{0.5, 0, -1, math.Inf(1), math.NaN(), 1e-300, math.Nextafter(1, 0)} {
		got, want := LogSum(x), math.Log(x)
		if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Fatalf("LogSum(%v) = %v, want %v", x, got, want)
		}
	}
}

// The Latency benchmarks chain every call on the previous result, as in
// softmax, where the log waits for the sum.
func BenchmarkLogSumLatency(b *testing.B) {
	x := 1.5
	for b.Loop() {
		x = 1.5 + LogSum(x)*1e-3
	}
	logSink = x
}

func BenchmarkMathLogLatency(b *testing.B) {
	x := 1.5
	for b.Loop() {
		x = 1.5 + math.Log(x)*1e-3
	}
	logSink = x
}

var logSink float64
