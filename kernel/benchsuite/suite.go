// Package benchsuite defines maxent's benchmark cases once, for the bench
// module's go test benchmarks and for "maxent bench".
//
// It is an implementation package with no compatibility promise: its
// exported names may change or go in any release. Use package kernel; run the benchmarks with make bench or maxent bench.
//
// Every case is one op on one shape with one backend ("isa"): a kernel
// backend from kernel.Available, "plain" (straightforward Go without this
// library, the baseline) or "limit" (streaming the same bytes with the
// widest loads this CPU has, or the register-only FMA peak: the ceilings).
// A case's benchmark name is "Benchmark" + Op + "/isa=" + ISA + "/" + Shape,
// so benchstat -col /isa compares the backends.
package benchsuite

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/seed7bc074a2/maxent/kernel"
)

// Case is one benchmark: Op on Shape with backend ISA.
type Case struct {
	Op    string // "MatVec"
	Shape string // "k=10/m=784"
	ISA   string // "avx512", "avx2", "neon", "generic", "plain" or "limit"

	// Per operation: the bytes the op must move (b.SetBytes), the
	// elements it processes (the elem/ns metric) and its nominal
	// floating-point operations (a fused multiply-add counts 2, an exp
	// ExpFlops; 0 for the limit rows).
	Bytes, Elems, Flops int64

	// Run is the benchmark body. It selects the case's backend for its
	// duration and restores the previous one afterwards.
	Run func(b *testing.B)
}

// ExpFlops is the nominal flop count of one exp (range reduction and a
// degree-6 polynomial) in Case.Flops.
const ExpFlops = 12

// Sub is the sub-benchmark name: "isa=ISA/Shape" (or "isa=ISA").
func (c Case) Sub() string {
	if c.Shape == "" {
		return "isa=" + c.ISA
	}
	return "isa=" + c.ISA + "/" + c.Shape
}

// Name is the full benchmark name without the GOMAXPROCS suffix:
// "BenchmarkOp/isa=ISA/Shape".
func (c Case) Name() string { return "Benchmark" + c.Op + "/" + c.Sub() }

// DefaultISAs returns every kernel backend available here (best first),
// then "limit" if this build has the ceiling kernels, then "plain".
func DefaultISAs() []string {
	isas := kernel.Available()
	if HaveLimit() {
		isas = append(isas, "limit")
	}
	return append(isas, "plain")
}

// CheckISAs returns an error naming the first of isas that cannot run here.
func CheckISAs(isas []string) error {
	ok := DefaultISAs()
	for _, isa := range isas {
		if !slices.Contains(ok, isa) {
			return fmt.Errorf("unknown or unavailable isa %q (available here: %v)", isa, ok)
		}
	}
	return nil
}

// short reports whether the suite should use its smaller shapes: in a test
// binary run with -short.
func short() bool { return testing.Testing() && testing.Short() }

// Sink receives benchmark results so the compiler cannot drop the calls.
var Sink float32

// lazy returns a function computing f once, on first use, so that listing
// the cases allocates nothing and backends share the same inputs.
func lazy[T any](f func() T) func() T { return sync.OnceValue(f) }

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

// VecSizes are the lengths of the vector ops' shapes.
var VecSizes = []int{10, 100, 1000, 10000, 100000, 1000000}

// MatShapes are the k×m shapes of MatVec and AddOuter.
var MatShapes = [][2]int{{10, 784}, {100, 1024}, {1000, 4096}, {10, 100000}}

// builder accumulates the cases for a set of backends.
type builder struct {
	isas  []string
	cases []Case
}

func (bl *builder) has(isa string) bool { return slices.Contains(bl.isas, isa) }

// kernels adds op on shape for every selected kernel backend and, if plain
// is not nil, the plain baseline. body(b) runs the op b.N times.
func (bl *builder) kernels(op, shape string, bytes, elems, flops int64, body, plain func(b *testing.B)) {
	for _, isa := range bl.isas {
		f := body
		switch isa {
		case "limit":
			continue
		case "plain":
			if plain == nil {
				continue
			}
			f = plain
		}
		bl.add(Case{Op: op, Shape: shape, ISA: isa, Bytes: bytes, Elems: elems, Flops: flops, Run: withBackend(isa, bytes, elems, f)})
	}
}

// limit adds the limit row of op on shape: body streams the same bytes.
func (bl *builder) limit(op, shape string, bytes, elems int64, body func(b *testing.B)) {
	if !bl.has("limit") || !HaveLimit() {
		return
	}
	bl.add(Case{Op: op, Shape: shape, ISA: "limit", Bytes: bytes, Elems: elems, Run: withBackend("limit", bytes, elems, body)})
}

// limitRead adds a limit row reading n float32s (from p()).
func (bl *builder) limitRead(op, shape string, bytes, elems int64, p func() []float32) {
	bl.limit(op, shape, bytes, elems, func(b *testing.B) {
		d := p()
		b.ResetTimer()
		for b.Loop() {
			Sink = streamRead(d)
		}
	})
}

// limitRMW adds a limit row updating n float32s in place (in p()).
func (bl *builder) limitRMW(op, shape string, bytes, elems int64, p func() []float32) {
	bl.limit(op, shape, bytes, elems, func(b *testing.B) {
		d := p()
		b.ResetTimer()
		for b.Loop() {
			streamRMW(d, 1e-9)
		}
	})
}

func (bl *builder) add(c Case) { bl.cases = append(bl.cases, c) }

// withBackend wraps body: select isa (kernel backends only), SetBytes, run,
// report elem/ns, restore the backend.
func withBackend(isa string, bytes, elems int64, body func(b *testing.B)) func(b *testing.B) {
	return func(b *testing.B) {
		if isa != "plain" && isa != "limit" {
			orig := kernel.Backend()
			if err := kernel.Use(isa); err != nil {
				b.Fatal(err)
			}
			defer kernel.Use(orig)
		}
		b.SetBytes(bytes)
		body(b)
		if ns := b.Elapsed().Nanoseconds(); ns > 0 && elems > 0 {
			b.ReportMetric(float64(elems)*float64(b.N)/float64(ns), "elem/ns")
		}
	}
}

// Cases returns every benchmark case for the named backends (see
// DefaultISAs; nil means all of them), in a fixed order: op by op, shape by
// shape, backend by backend. Backends not available here are skipped.
// Inputs are allocated on a case's first run and shared by its backends.
func Cases(isas []string) []Case {
	if isas == nil {
		isas = DefaultISAs()
	}
	avail := DefaultISAs()
	bl := &builder{}
	for _, isa := range isas {
		if slices.Contains(avail, isa) && !bl.has(isa) {
			bl.isas = append(bl.isas, isa)
		}
	}
	dotCases(bl)
	matVecCases(bl)
	addOuterCases(bl)
	batchCases(bl)
	sparseCases(bl)
	fmaPeakCases(bl)
	expCases(bl)
	softmaxCases(bl)
	crossEntropyCases(bl)
	predictCases(bl)
	trainCases(bl)
	return bl.cases
}

func dotCases(bl *builder) {
	for _, n := range []int{16, 784, 4096, 100000} {
		in := lazy(func() [2][]float32 {
			rng := rand.New(rand.NewPCG(1, uint64(n)))
			return [2][]float32{randSlice(rng, n, -1, 1), randSlice(rng, n, -1, 1)}
		})
		shape := fmt.Sprintf("n=%d", n)
		bytes, elems := int64(8*n), int64(n)
		bl.kernels("Dot", shape, bytes, elems, int64(2*n), func(b *testing.B) {
			d := in()
			b.ResetTimer()
			for b.Loop() {
				Sink = kernel.Dot(d[0], d[1])
			}
		}, func(b *testing.B) {
			d := in()
			b.ResetTimer()
			for b.Loop() {
				Sink = PlainDot(d[0], d[1])
			}
		})
		bl.limitRead("Dot", shape, bytes, elems, lazy(func() []float32 { return make([]float32, 2*n) }))
	}
}

type matVecIn struct {
	w          kernel.Matrix
	x, bias, y []float32
}

func matVecCases(bl *builder) {
	for _, s := range MatShapes {
		k, m := s[0], s[1]
		in := lazy(func() matVecIn {
			rng := rand.New(rand.NewPCG(2, uint64(k*m)))
			return matVecIn{randMatrix(rng, k, m), randSlice(rng, m, -1, 1), randSlice(rng, k, -1, 1), make([]float32, k)}
		})
		shape := fmt.Sprintf("k=%d/m=%d", k, m)
		bytes, elems := int64(4*(k*m+m+2*k)), int64(k*m)
		bl.kernels("MatVec", shape, bytes, elems, int64(2*k*m), func(b *testing.B) {
			d := in()
			b.ResetTimer()
			for b.Loop() {
				kernel.MatVec(d.y, d.w, d.x, d.bias)
			}
		}, func(b *testing.B) {
			d := in()
			b.ResetTimer()
			for b.Loop() {
				PlainMatVec(d.y, d.w, d.x, d.bias)
			}
		})
		bl.limitRead("MatVec", shape, bytes, elems, func() []float32 { w := in().w; return w.Data[:k*w.Stride] })
	}
}

type addOuterIn struct {
	g    kernel.Matrix
	d, x []float32
}

func addOuterCases(bl *builder) {
	for _, s := range MatShapes {
		k, m := s[0], s[1]
		in := lazy(func() addOuterIn {
			rng := rand.New(rand.NewPCG(3, uint64(k*m)))
			return addOuterIn{randMatrix(rng, k, m), randSlice(rng, k, -1e-3, 1e-3), randSlice(rng, m, -1, 1)}
		})
		shape := fmt.Sprintf("k=%d/m=%d", k, m)
		bytes, elems := int64(4*(2*k*m+m+k)), int64(k*m)
		bl.kernels("AddOuter", shape, bytes, elems, int64(2*k*m), func(b *testing.B) {
			d := in()
			b.ResetTimer()
			for b.Loop() {
				kernel.AddOuter(d.g, 1e-3, d.d, d.x)
			}
		}, func(b *testing.B) {
			d := in()
			b.ResetTimer()
			for b.Loop() {
				PlainAddOuter(d.g, 1e-3, d.d, d.x)
			}
		})
		bl.limitRMW("AddOuter", shape, bytes, elems, func() []float32 { g := in().g; return g.Data[:k*g.Stride] })
	}
}

type batchIn struct {
	x, w, z, g kernel.Matrix
	bias       []float32
}

// batchCases adds the batched ops on one minibatch of Fashion-MNIST's
// shape (64 samples, 10 classes, 784 features; x, W and G fit in L2). The
// plain baseline runs the per-sample plain loops over the batch. Compare
// their flop/ns with FMAPeak's.
func batchCases(bl *builder) {
	const n, k, m = 64, 10, 784
	in := lazy(func() batchIn {
		rng := rand.New(rand.NewPCG(4, 4))
		return batchIn{randMatrix(rng, n, m), randMatrix(rng, k, m), kernel.NewMatrix(n, k), kernel.NewMatrix(k, m), randSlice(rng, k, -1, 1)}
	})
	shape := fmt.Sprintf("n=%d/k=%d/m=%d", n, k, m)
	bytes, elems, flops := int64(4*(n*m+k*m+n*k)), int64(n*k*m), int64(2*n*k*m)
	bl.kernels("MatMulT", shape, bytes, elems, flops, func(b *testing.B) {
		d := in()
		b.ResetTimer()
		for b.Loop() {
			kernel.MatMulT(d.z, d.x, d.w, d.bias)
		}
	}, func(b *testing.B) {
		d := in()
		b.ResetTimer()
		for b.Loop() {
			for i := 0; i < n; i++ {
				PlainMatVec(d.z.Row(i), d.w, d.x.Row(i), d.bias)
			}
		}
	})
	// SoftmaxCrossEntropyRows: the loss phase of a step on the batch's
	// logits (into a separate gradient, so the input stays the same).
	logits := lazy(func() [2]kernel.Matrix {
		rng := rand.New(rand.NewPCG(5, 5))
		z := kernel.NewMatrix(n, k)
		for i := 0; i < n; i++ {
			copy(z.Row(i), randSlice(rng, k, -8, 8))
		}
		return [2]kernel.Matrix{z, kernel.NewMatrix(n, k)}
	})
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % k
	}
	bl.kernels("SoftmaxCrossEntropyRows", fmt.Sprintf("n=%d/k=%d", n, k), int64(8*n*k), int64(n*k), int64(n*(ExpFlops+4)*k), func(b *testing.B) {
		d := logits()
		b.ResetTimer()
		for b.Loop() {
			Sink = float32(kernel.SoftmaxCrossEntropyRows(d[1], d[0], labels))
		}
	}, func(b *testing.B) {
		d := logits()
		b.ResetTimer()
		for b.Loop() {
			var l float32
			for i := 0; i < n; i++ {
				l += PlainSoftmaxCrossEntropy(d[1].Row(i), d[0].Row(i), labels[i])
			}
			Sink = l
		}
	})
	bl.kernels("AddMatMulTN", shape, bytes+int64(4*k*m), elems, flops, func(b *testing.B) {
		d := in()
		b.ResetTimer()
		for b.Loop() {
			kernel.AddMatMulTN(d.g, 1e-3, d.z, d.x)
		}
	}, func(b *testing.B) {
		d := in()
		b.ResetTimer()
		for b.Loop() {
			for i := 0; i < n; i++ {
				PlainAddOuter(d.g, 1e-3, d.z.Row(i), d.x.Row(i))
			}
		}
	})
}

// FMAPeakIters is the number of iterations of one FMAPeak operation.
const FMAPeakIters = 1 << 12

// fmaPeakCases adds the compute ceiling: the register-only FMA throughput,
// reported as flop/ns.
func fmaPeakCases(bl *builder) {
	if !bl.has("limit") || !HaveLimit() {
		return
	}
	_, perIter := fmaPeak(0)
	flops := int64(perIter) * FMAPeakIters
	bl.add(Case{Op: "FMAPeak", Shape: fmt.Sprintf("iters=%d", FMAPeakIters), ISA: "limit", Flops: flops, Elems: flops / 2,
		Run: func(b *testing.B) {
			for b.Loop() {
				Sink, _ = fmaPeak(FMAPeakIters)
			}
			if ns := b.Elapsed().Nanoseconds(); ns > 0 {
				b.ReportMetric(float64(flops)*float64(b.N)/float64(ns), "flop/ns")
				b.ReportMetric(float64(flops/2)*float64(b.N)/float64(ns), "elem/ns")
			}
		}})
}

type unaryIn struct{ src, dst []float32 }

func unaryInput(seed uint64, n int, lo, hi float32) func() unaryIn {
	return lazy(func() unaryIn {
		rng := rand.New(rand.NewPCG(seed, uint64(n)))
		return unaryIn{randSlice(rng, n, lo, hi), make([]float32, n)}
	})
}

func expCases(bl *builder) {
	for _, n := range []int{16, 1000, 4096, 100000} {
		in := unaryInput(4, n, -80, 80)
		shape := fmt.Sprintf("n=%d", n)
		bytes, elems := int64(8*n), int64(n)
		bl.kernels("Exp", shape, bytes, elems, int64(ExpFlops*n), func(b *testing.B) {
			d := in()
			b.ResetTimer()
			for b.Loop() {
				kernel.Exp(d.dst, d.src)
			}
		}, func(b *testing.B) {
			d := in()
			b.ResetTimer()
			for b.Loop() {
				PlainExp(d.dst, d.src)
			}
		})
		bl.limitRMW("Exp", shape, bytes, elems, func() []float32 { return in().dst })
	}
}

func softmaxCases(bl *builder) {
	// Softmax: max, exp-shift-sum, scale; LogSoftmax: max, exp-sum,
	// shift; LogSumExp: max, exp-sum.
	type op struct {
		name         string
		seed         uint64
		bytesPer     int
		flopsPer     int
		kern, plain  func(dst, src []float32) float32
		readOnlyRows bool
	}
	ops := []op{
		{"Softmax", 5, 8, ExpFlops + 4, kernel.Softmax, PlainSoftmax, false},
		{"LogSoftmax", 6, 8, ExpFlops + 4, kernel.LogSoftmax, PlainLogSoftmax, false},
		{"LogSumExp", 7, 4, ExpFlops + 3, func(_, src []float32) float32 { return kernel.LogSumExp(src) },
			func(_, src []float32) float32 { return PlainLogSumExp(src) }, true},
	}
	for _, o := range ops {
		for _, n := range VecSizes {
			in := unaryInput(o.seed, n, -20, 20)
			shape := fmt.Sprintf("n=%d", n)
			bytes, elems := int64(o.bytesPer*n), int64(n)
			kern, plain := o.kern, o.plain
			bl.kernels(o.name, shape, bytes, elems, int64(o.flopsPer*n), func(b *testing.B) {
				d := in()
				b.ResetTimer()
				for b.Loop() {
					Sink = kern(d.dst, d.src)
				}
			}, func(b *testing.B) {
				d := in()
				b.ResetTimer()
				for b.Loop() {
					Sink = plain(d.dst, d.src)
				}
			})
			if o.readOnlyRows {
				bl.limitRead(o.name, shape, bytes, elems, func() []float32 { return in().src })
			} else {
				bl.limitRMW(o.name, shape, bytes, elems, func() []float32 { return in().dst })
			}
		}
	}
}

func crossEntropyCases(bl *builder) {
	for _, n := range []int{10, 100, 1000} {
		in := unaryInput(8, n, -20, 20)
		shape := fmt.Sprintf("k=%d", n)
		bytes, elems := int64(8*n), int64(n)
		bl.kernels("SoftmaxCrossEntropy", shape, bytes, elems, int64((ExpFlops+4)*n), func(b *testing.B) {
			d := in()
			b.ResetTimer()
			for b.Loop() {
				Sink = kernel.SoftmaxCrossEntropy(d.dst, d.src, n/2)
			}
		}, func(b *testing.B) {
			d := in()
			b.ResetTimer()
			for b.Loop() {
				Sink = PlainSoftmaxCrossEntropy(d.dst, d.src, n/2)
			}
		})
		bl.limitRMW("SoftmaxCrossEntropy", shape, bytes, elems, func() []float32 { return in().dst })
	}
}

type predictIn struct {
	md   *kernel.Model
	x, p []float32
}

// PredictShapes are the k×m shapes of Predict and PredictProba: the small
// models services serve one request at a time (2 to 20 classes, 16 to 784
// features), then a wide one.
var PredictShapes = [][2]int{
	{2, 16}, {2, 64}, {2, 256}, {2, 784},
	{10, 16}, {10, 64}, {10, 256}, {10, 784},
	{16, 16}, {16, 64}, {16, 256}, {16, 784},
	{20, 16}, {20, 64}, {20, 256}, {20, 784},
	{100, 1024},
}

// ParallelShapes are the k×m shapes of the PredictParallel and
// PredictProbaParallel cases.
var ParallelShapes = [][2]int{{10, 64}, {10, 784}}

// predictInput returns the lazily made model and row of a k×m case.
func predictInput(k, m int) func() predictIn {
	return lazy(func() predictIn {
		rng := rand.New(rand.NewPCG(9, uint64(k*m)))
		md := kernel.NewModel(k, m)
		md.W = randMatrix(rng, k, m)
		copy(md.B, randSlice(rng, k, -1, 1))
		return predictIn{md, randSlice(rng, m, 0, 1), kernel.NewVector(k)}
	})
}

// predictCases adds, for every PredictShapes shape, Predict and
// PredictProba (throughput: independent calls back to back, with a limit
// row reading W once), their Latency variants (each call's input depends
// on the previous call's result, as a service waits for each answer), and
// for ParallelShapes the Parallel variants (b.RunParallel, one model, each
// goroutine its own row and output: buf=padded from kernel.NewVector, the
// documented pattern; buf=adjacent from one array, 4k bytes apart, as
// small separate allocations easily are), then PredictProbaBatch.
func predictCases(bl *builder) {
	for _, s := range PredictShapes {
		k, m := s[0], s[1]
		in := predictInput(k, m)
		shape := fmt.Sprintf("k=%d/m=%d", k, m)
		wData := func() []float32 { w := in().md.W; return w.Data[:k*w.Stride] }
		bytes, elems := int64(4*(k*m+m+k)), int64(k*m)
		bl.kernels("Predict", shape, bytes, elems, int64(2*k*m), func(b *testing.B) {
			d := in()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				Sink = float32(d.md.Predict(d.x))
			}
		}, func(b *testing.B) {
			d := in()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				Sink = float32(PlainPredict(d.md, d.x))
			}
		})
		bl.limitRead("Predict", shape, bytes, elems, wData)
		pbytes, pflops := int64(4*(k*m+m+2*k)), int64(2*k*m+(ExpFlops+4)*k)
		bl.kernels("PredictProba", shape, pbytes, elems, pflops, func(b *testing.B) {
			d := in()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				d.md.PredictProba(d.p, d.x)
			}
		}, func(b *testing.B) {
			d := in()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				PlainMatVec(d.p, d.md.W, d.x, d.md.B)
				PlainSoftmax(d.p, d.p)
			}
		})
		bl.limitRead("PredictProba", shape, pbytes, elems, wData)
		// Latency: x[0] gets the previous result times 0 (+0 or −0, so
		// x stays the same) through memory, which the next call must wait
		// for.
		bl.kernels("PredictLatency", shape, bytes, elems, int64(2*k*m), func(b *testing.B) {
			d := in()
			x := append([]float32(nil), d.x...)
			x0 := x[0]
			b.ResetTimer()
			for b.Loop() {
				c := d.md.Predict(x)
				x[0] = x0 + float32(c)*0
			}
		}, nil)
		bl.kernels("PredictProbaLatency", shape, pbytes, elems, pflops, func(b *testing.B) {
			d := in()
			x := append([]float32(nil), d.x...)
			x0 := x[0]
			b.ResetTimer()
			for b.Loop() {
				d.md.PredictProba(d.p, x)
				x[0] = x0 + d.p[k-1]*0
			}
		}, nil)
	}
	for _, s := range ParallelShapes {
		k, m := s[0], s[1]
		in := predictInput(k, m)
		for _, adjacent := range []bool{false, true} {
			shape := fmt.Sprintf("buf=padded/k=%d/m=%d", k, m)
			if adjacent {
				shape = fmt.Sprintf("buf=adjacent/k=%d/m=%d", k, m)
			}
			bl.kernels("PredictParallel", shape, int64(4*(k*m+m+k)), int64(k*m), int64(2*k*m), func(b *testing.B) {
				d := in()
				bufs := parallelBufs(d.x, k, adjacent)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					x, _ := bufs()
					c := 0
					for pb.Next() {
						c += d.md.Predict(x)
					}
					Sink = float32(c)
				})
			}, nil)
			bl.kernels("PredictProbaParallel", shape, int64(4*(k*m+m+2*k)), int64(k*m), int64(2*k*m+(ExpFlops+4)*k), func(b *testing.B) {
				d := in()
				bufs := parallelBufs(d.x, k, adjacent)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					x, p := bufs()
					for pb.Next() {
						d.md.PredictProba(p, x)
					}
				})
			}, nil)
		}
	}
	// PredictProbaBatch: 64 rows at once; plain is PredictProba's
	// baseline row by row.
	for _, s := range [][2]int{{10, 784}} {
		const n = 64
		k, m := s[0], s[1]
		in := lazy(func() predictBatchIn {
			rng := rand.New(rand.NewPCG(10, uint64(k*m)))
			md := kernel.NewModel(k, m)
			md.W = randMatrix(rng, k, m)
			x := kernel.NewMatrix(n, m)
			for i := 0; i < n; i++ {
				copy(x.Row(i), randSlice(rng, m, 0, 1))
			}
			return predictBatchIn{md, x, kernel.NewMatrix(n, k)}
		})
		shape := fmt.Sprintf("n=%d/k=%d/m=%d", n, k, m)
		bytes, elems := int64(4*(k*m+n*m+n*k)), int64(n*k*m)
		bl.kernels("PredictProbaBatch", shape, bytes, elems, int64(n*(2*k*m+(ExpFlops+4)*k)), func(b *testing.B) {
			d := in()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				d.md.PredictProbaBatch(d.p, d.x)
			}
		}, func(b *testing.B) {
			d := in()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				for i := 0; i < n; i++ {
					p := d.p.Row(i)
					PlainMatVec(p, d.md.W, d.x.Row(i), d.md.B)
					PlainSoftmax(p, p)
				}
			}
		})
	}
}

// parallelBufs returns a function handing each goroutine of a
// b.RunParallel its own copy of x and output of k floats (safe for
// concurrent use): with adjacent, consecutive pieces of two shared arrays
// (the outputs 4k bytes apart); otherwise from kernel.NewVector, each on
// cache lines of its own.
func parallelBufs(x []float32, k int, adjacent bool) func() (xg, p []float32) {
	const most = 64 // goroutines with pieces of the shared arrays
	m := len(x)
	xs, ps := make([]float32, most*m), make([]float32, most*k)
	var next atomic.Int32
	return func() (xg, p []float32) {
		g := int(next.Add(1) - 1)
		if adjacent && g < most {
			xg, p = xs[g*m:(g+1)*m:(g+1)*m], ps[g*k:(g+1)*k:(g+1)*k]
		} else {
			xg, p = kernel.NewVector(m), kernel.NewVector(k)
		}
		copy(xg, x)
		return xg, p
	}
}

type predictBatchIn struct {
	md   *kernel.Model
	x, p kernel.Matrix
}

type trainIn struct {
	x  kernel.Matrix
	x8 kernel.ByteMatrix // x's rows as codes: x is their decoded values
	y  []int
}

// trainCases adds one SGD epoch (batch 64, momentum, L2; 1 and 2 workers) on synthetic data
// of Fashion-MNIST's shape: 60,000 × 784, 10 classes (6,000 rows in a test
// binary run with -short), as TrainEpoch on float32 rows (Trainer.Fit) and
// TrainEpochCodes on the same values as 8-bit codes with a scale per
// column (Trainer.FitBytes). There is no plain baseline.
func trainCases(bl *builder) {
	n := 60000
	if short() {
		n = 6000
	}
	const k, m = 10, 784
	in := lazy(func() trainIn {
		rng := rand.New(rand.NewPCG(11, 11))
		x8 := kernel.NewByteMatrix(n, m)
		for j := range x8.Scale {
			x8.Scale[j] = 1.0 / 127
		}
		y := make([]int, n)
		for i := 0; i < n; i++ {
			y[i] = i % k
			codes := x8.Row(i)
			for j := range codes {
				codes[j] = uint8(rng.IntN(128))
			}
			codes[y[i]*7] += 127
		}
		return trainIn{x8.Float(), x8, y}
	})
	// Per row: forward (2km), softmax, gradient (2km).
	flops := int64(n) * int64(4*k*m+(ExpFlops+4)*k)
	for _, workers := range []int{1, 2} {
		shape := fmt.Sprintf("workers=%d/n=%d/k=%d/m=%d", workers, n, k, m)
		for _, codes := range []bool{false, true} {
			op, bytes := "TrainEpoch", int64(4*n*m)
			if codes {
				op, bytes = "TrainEpochCodes", int64(n*m)
			}
			bl.kernels(op, shape, bytes, int64(n*m), flops, func(b *testing.B) {
				d := in()
				b.ResetTimer()
				for b.Loop() {
					md := kernel.NewModel(k, m)
					tr := kernel.Trainer{Epochs: 1, BatchSize: 64, LearningRate: 0.01, Momentum: 0.9, L2: 1e-4, Workers: workers}
					var err error
					if codes {
						_, err = tr.FitBytes(md, d.x8, d.y, kernel.Matrix{}, nil)
					} else {
						_, err = tr.Fit(md, d.x, d.y, kernel.Matrix{}, nil)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}, nil)
		}
	}
}

// The Plain* functions are the baseline: what straightforward Go without
// this library looks like.

// PlainDot is the naive dot product.
func PlainDot(x, y []float32) float32 {
	var s float32
	for i := range x {
		s += x[i] * y[i]
	}
	return s
}

// PlainMatVec is the naive y = W·x + b.
func PlainMatVec(y []float32, w kernel.Matrix, x, b []float32) {
	for i := range y {
		var s float32
		for j := range x {
			s += w.Data[i*w.Stride+j] * x[j]
		}
		y[i] = s + b[i]
	}
}

// PlainAddOuter is the naive G += α·d·xᵀ.
func PlainAddOuter(g kernel.Matrix, alpha float32, d, x []float32) {
	for i := range d {
		for j := range x {
			g.Data[i*g.Stride+j] += alpha * d[i] * x[j]
		}
	}
}

// PlainExp is the naive elementwise exp through math.Exp.
func PlainExp(dst, src []float32) {
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

// PlainSoftmax is the naive softmax; it returns log-sum-exp.
func PlainSoftmax(dst, src []float32) float32 {
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

// PlainLogSumExp is the naive log-sum-exp.
func PlainLogSumExp(x []float32) float32 {
	m := plainMax(x)
	var s float32
	for _, v := range x {
		s += float32(math.Exp(float64(v - m)))
	}
	return m + float32(math.Log(float64(s)))
}

// PlainLogSoftmax is the naive log-softmax; it returns log-sum-exp.
func PlainLogSoftmax(dst, src []float32) float32 {
	l := PlainLogSumExp(src)
	for i, v := range src {
		dst[i] = v - l
	}
	return l
}

// PlainSoftmaxCrossEntropy is the naive loss and gradient.
func PlainSoftmaxCrossEntropy(grad, z []float32, label int) float32 {
	zy := z[label]
	l := PlainSoftmax(grad, z)
	grad[label]--
	return l - zy
}

// PlainPredict is the naive arg max of W·x + b.
func PlainPredict(md *kernel.Model, x []float32) int {
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
