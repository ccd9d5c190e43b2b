// Package bench holds maxent's benchmarks, named for benchstat:
//
//	BenchmarkMatVec/isa=generic/k=10/m=784
//
// The cases are defined once in package kernel/benchsuite (which "maxent
// bench" runs too): every op on every backend in kernel.Available(), plus
// "isa=plain", the straightforward Go a user would write without this
// library (naive loops, float32(math.Exp(float64(v))) per element), as a
// baseline, and "isa=limit", the same bytes streamed with the widest loads
// this CPU has, and the FMA peak. Only the "isa=gonum" MatVec rows
// (blas32.Gemv) are defined here, to keep gonum out of the main module. Compare
// backends with
//
//	go test -run '^$' -bench . -count 10 ./bench > bench.txt
//	benchstat -col /isa bench.txt
//
// Every benchmark calls b.SetBytes with the bytes the op must read and write,
// and reports elements per nanosecond as "elem/ns".
package bench
