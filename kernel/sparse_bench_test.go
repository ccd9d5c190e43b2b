package kernel

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
)

// BenchmarkSparseLayout measures the logits of one sparse row (k classes,
// nnz non-zeros among m columns) with the weights feature-major (WT, m×k:
// one contiguous k-vector per non-zero; SparseMatVecT on the backend
// named, with NewMatrix's stride, or "packed" with stride k) against
// class-major (W, k×m as MatVec uses it: k values m floats apart per
// non-zero; a plain Go loop, class by class, four accumulators, as no
// contiguous vector exists to load). rows=hot repeats one row (its weights
// stay in cache), rows=random cycles through 1,024 random rows (the
// weights come from wherever W is). docs/sparse.md has the table.
//
// The 2^24-column cases need up to 7.5 GB per matrix and run only with
// MAXENT_BENCH_BIG=1 (never with -short); 2^24×1000 (67 GB) is left out.
func BenchmarkSparseLayout(b *testing.B) {
	ms := []int{1 << 16}
	if os.Getenv("MAXENT_BENCH_BIG") == "1" && !testing.Short() {
		ms = append(ms, 1<<24)
	}
	orig := Backend()
	defer Use(orig)
	for _, m := range ms {
		for _, k := range []int{2, 10, 20, 100, 1000} {
			if m >= 1<<24 && k >= 1000 {
				continue // 2^24×1000 does not fit in memory
			}
			rng := rand.New(rand.NewPCG(uint64(m), uint64(k)))
			for _, layout := range []string{"feature", "packed", "class"} {
				var w Matrix
				switch layout {
				case "feature":
					w = NewMatrix(m, k)
				case "packed":
					w = Matrix{Rows: m, Cols: k, Stride: k, Data: NewMatrix(1, m*k).Data}
				case "class":
					w = NewMatrix(k, m)
				}
				for i := range w.Data {
					w.Data[i] = float32(i%251)*0x1p-8 - 0.5
				}
				for _, nnz := range []int{50, 500} {
					pool := make([]sparseBenchRow, 1024)
					for i := range pool {
						idx, val := randSparseRow(rng, nnz, m, true)
						pool[i] = sparseBenchRow{idx, val}
					}
					z, bias := make([]float32, k), make([]float32, k)
					for _, access := range []string{"hot", "random"} {
						isas := []string{"avx512", "generic"}
						if layout == "class" {
							isas = []string{"plain"}
						}
						for _, isa := range isas {
							if isa != "plain" && Use(isa) != nil {
								continue
							}
							name := fmt.Sprintf("m=%s/k=%d/nnz=%d/rows=%s/layout=%s/isa=%s", pow2(m), k, nnz, access, layout, isa)
							b.Run(name, func(b *testing.B) {
								i := 0
								for b.Loop() {
									r := pool[0]
									if access == "random" {
										r = pool[i&1023]
										i++
									}
									if layout == "class" {
										classMajorLogits(z, w, r.idx, r.val, bias)
									} else {
										SparseMatVecT(z, w, r.idx, r.val, bias)
									}
								}
								b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(nnz), "ns/nz")
							})
						}
					}
				}
				w = Matrix{}
				runtime.GC()
				debug.FreeOSMemory()
			}
		}
	}
}

type sparseBenchRow struct {
	idx []int32
	val []float32
}

func pow2(n int) string {
	for e := 0; e < 62; e++ {
		if n == 1<<e {
			return fmt.Sprintf("2^%d", e)
		}
	}
	return fmt.Sprint(n)
}

// classMajorLogits sets z[c] = b[c] + Σᵢ val[i]·w[c, idx[i]] with w
// class-major (k×m): class by class, four accumulators.
func classMajorLogits(z []float32, w Matrix, idx []int32, val []float32, b []float32) {
	val = val[:len(idx)]
	for c := range z {
		row := w.Data[c*w.Stride : c*w.Stride+w.Cols]
		var s0, s1, s2, s3 float32
		i := 0
		for ; i+4 <= len(idx); i += 4 {
			s0 += val[i] * row[idx[i]]
			s1 += val[i+1] * row[idx[i+1]]
			s2 += val[i+2] * row[idx[i+2]]
			s3 += val[i+3] * row[idx[i+3]]
		}
		for ; i < len(idx); i++ {
			s0 += val[i] * row[idx[i]]
		}
		z[c] = b[c] + (s0 + s1) + (s2 + s3)
	}
}
