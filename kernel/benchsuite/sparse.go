package benchsuite

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/seed7bc074a2/maxent/kernel"
)

// SparseBatch is the number of CSR rows per call of the sparse cases.
const SparseBatch = 64

type sparseW struct{ w kernel.Matrix }

type sparseRows struct {
	x    kernel.CSR
	z, d kernel.Matrix
	bias []float32
}

// sparseCases adds SparseMatMul (the logits of 64 sparse rows against a
// feature-major WT, m features × k classes) and SparseAddMatMulTN (their
// gradient into a feature-major G) for k ∈ {2, 20, 1000} classes, 50 and
// 500 non-zeros per row at random columns, m = 2^16 and 2^24 columns
// (2^24 only as bigSparse says; 2^24×1000 = 67 GB is left out). Each run takes
// the next 64 rows of a pool of random rows, so the weights come from all
// over W. The 2^24-column matrices (1 and 2 GiB) are zero apart from
// their first row, paged in before timing. The limit rows read (and for
// the gradient write back) the same vectors of W with the widest loads,
// no arithmetic and, as the kernels by default, no prefetching.
func sparseCases(bl *builder) {
	ms := []int{1 << 16}
	if bigSparse() {
		ms = append(ms, 1<<24)
	}
	for _, m := range ms {
		for _, k := range []int{2, 20, 1000} {
			if m == 1<<24 && k == 1000 {
				continue
			}
			w := lazy(func() sparseW { return sparseWeights(m, k) })
			for _, nnz := range []int{50, 500} {
				rows := lazy(func() sparseRows { return sparseRowPool(m, k, nnz) })
				shape := fmt.Sprintf("k=%d/nnz=%d/m=%d", k, nnz, m)
				n := int64(SparseBatch * nnz)
				elems := n * int64(k)
				read := n*(4*int64(k)+8) + 4*SparseBatch*int64(k)
				rmw := n*(8*int64(k)+8) + 4*SparseBatch*int64(k)
				bl.kernels("SparseMatMul", shape, read, elems, 2*elems, func(b *testing.B) {
					wt, p := w().w, rows()
					b.ResetTimer()
					for i := 0; b.Loop(); i++ {
						kernel.SparseMatMul(p.z, sparseBlock(p.x, i), wt, p.bias)
					}
				}, func(b *testing.B) {
					wt, p := w().w, rows()
					b.ResetTimer()
					for i := 0; b.Loop(); i++ {
						PlainSparseMatMul(p.z, sparseBlock(p.x, i), wt, p.bias)
					}
				})
				bl.limit("SparseMatMul", shape, read, elems, func(b *testing.B) {
					wt, p := w().w, rows()
					b.ResetTimer()
					for i := 0; b.Loop(); i++ {
						Sink = sparseStream(sparseBlock(p.x, i), wt, k, false)
					}
				})
				bl.kernels("SparseAddMatMulTN", shape, rmw, elems, 2*elems, func(b *testing.B) {
					g, p := w().w, rows()
					b.ResetTimer()
					for i := 0; b.Loop(); i++ {
						kernel.SparseAddMatMulTN(g, 1e-30, sparseBlock(p.x, i), p.d)
					}
				}, func(b *testing.B) {
					g, p := w().w, rows()
					b.ResetTimer()
					for i := 0; b.Loop(); i++ {
						PlainSparseAddMatMulTN(g, 1e-30, sparseBlock(p.x, i), p.d)
					}
				})
				bl.limit("SparseAddMatMulTN", shape, rmw, elems, func(b *testing.B) {
					g, p := w().w, rows()
					b.ResetTimer()
					for i := 0; b.Loop(); i++ {
						sparseStream(sparseBlock(p.x, i), g, k, true)
					}
				})
			}
		}
	}
}

// bigSparse reports whether the 2^24-column cases are listed: always in
// maxent bench; in a test binary only when it runs benchmarks (-test.bench)
// without -short, so that the unit tests that run every case once do not
// page in their 3 GiB.
func bigSparse() bool {
	if !testing.Testing() {
		return true
	}
	f := flag.Lookup("test.bench")
	return !testing.Short() && f != nil && f.Value.String() != ""
}

// sparseWeights returns the m×k feature-major matrix of the cases, laid
// out by NewMatrix; small ones filled with values in [−0.5, 0.5), large
// ones zero (but paged in) apart from their first row.
func sparseWeights(m, k int) sparseW {
	w := kernel.NewMatrix(m, k)
	if len(w.Data) <= 1<<24 {
		for i := range w.Data {
			w.Data[i] = float32(i%251)*0x1p-8 - 0.5
		}
		return sparseW{w}
	}
	for i := 0; i < len(w.Data); i += 1024 {
		w.Data[i] = 0
	}
	copy(w.Row(0), make([]float32, k))
	return sparseW{w}
}

// sparseRowPool returns 64 blocks' worth of random rows (nnz distinct
// sorted columns in [0, m), values in [−1, 1)) with the outputs of one
// block.
func sparseRowPool(m, k, nnz int) sparseRows {
	rng := rand.New(rand.NewPCG(5, uint64(m+k+nnz)))
	pool := 64 * SparseBatch
	if nnz > 100 {
		pool = 16 * SparseBatch
	}
	var bld kernel.CSRBuilder
	bld.Reset(m)
	idx, val := make([]int32, nnz), make([]float32, nnz)
	seen := make(map[int32]bool, nnz)
	for r := 0; r < pool; r++ {
		clear(seen)
		for i := range idx {
			j := int32(rng.IntN(m))
			for seen[j] {
				j = int32(rng.IntN(m))
			}
			seen[j] = true
			idx[i] = j
			val[i] = rng.Float32()*2 - 1
		}
		sortIdx(idx)
		if err := bld.Append(idx, val); err != nil {
			panic(err)
		}
	}
	d := kernel.NewMatrix(SparseBatch, k)
	copy(d.Data, randSlice(rng, len(d.Data), -1e-3, 1e-3))
	return sparseRows{bld.CSR(), kernel.NewMatrix(SparseBatch, k), d, randSlice(rng, k, -1, 1)}
}

func sortIdx(idx []int32) {
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && idx[j] < idx[j-1]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
}

// sparseBlock returns block i (mod the pool) of SparseBatch rows.
func sparseBlock(x kernel.CSR, i int) kernel.CSR {
	s := i * SparseBatch % x.Rows
	return x.Slice(s, s+SparseBatch)
}

// sparseStream runs the limit kernel on the rows of x over w (k columns
// read as whole vectors, within w's padding).
func sparseStream(x kernel.CSR, w kernel.Matrix, k int, rmw bool) float32 {
	// No prefetching, as the kernels by default (kernel/sparse.go).
	return streamSparse(x.RowPtr, x.Index, w.Data, w.Stride, x.Rows, k, 0, rmw)
}

// PlainSparseMatMul is the naive z = x·WT + b, row by row, WT
// feature-major.
func PlainSparseMatMul(z kernel.Matrix, x kernel.CSR, wt kernel.Matrix, b []float32) {
	for r := 0; r < x.Rows; r++ {
		zr := z.Row(r)
		copy(zr, b)
		idx, val := x.Row(r)
		for i, j := range idx {
			w := wt.Data[int(j)*wt.Stride : int(j)*wt.Stride+len(zr)]
			for c := range zr {
				zr[c] += val[i] * w[c]
			}
		}
	}
}

// PlainSparseAddMatMulTN is the naive G += α·xᵀ·d, G feature-major.
func PlainSparseAddMatMulTN(g kernel.Matrix, alpha float32, x kernel.CSR, d kernel.Matrix) {
	for r := 0; r < x.Rows; r++ {
		dr := d.Row(r)
		idx, val := x.Row(r)
		for i, j := range idx {
			a := alpha * val[i]
			gr := g.Data[int(j)*g.Stride : int(j)*g.Stride+len(dr)]
			for c := range dr {
				gr[c] += a * dr[c]
			}
		}
	}
}
