package kernel

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/seed7bc074a2/maxent/fallback"
)

// Tests of the sparse ops (sparse.go): results against a float64 oracle
// within the documented bound, the SIMD backends bit for bit against each
// other, the batched ops bit for bit against the single-row ops, panics,
// allocations. Guard pages: sparse_guard_test.go; fuzzing: sparse_fuzz_test.go.

// sparseTol is the documented bound of SparseMatVecT, a fraction of
// Σ|terms| (4 accumulators of 64 terms, their combination, the rounding of
// each product on generic, the final rounding).
const sparseTol = 70 * 0x1p-24

// randSparseRow returns nnz distinct column indices in [0, m) in random
// order (sorted if sorted) and values in [−2, 2).
func randSparseRow(rng *rand.Rand, nnz, m int, sorted bool) ([]int32, []float32) {
	nnz = min(nnz, m)
	idx := make([]int32, nnz)
	if 4*nnz > m {
		for i, j := range rng.Perm(m)[:nnz] {
			idx[i] = int32(j)
		}
	} else { // few of many columns: draw until distinct
		seen := make(map[int32]bool, nnz)
		for i := range idx {
			j := int32(rng.IntN(m))
			for seen[j] {
				j = int32(rng.IntN(m))
			}
			seen[j] = true
			idx[i] = j
		}
	}
	if sorted {
		for i := 1; i < len(idx); i++ { // insertion sort: small rows
			for j := i; j > 0 && idx[j] < idx[j-1]; j-- {
				idx[j], idx[j-1] = idx[j-1], idx[j]
			}
		}
	}
	val := make([]float32, nnz)
	for i := range val {
		val[i] = rng.Float32()*4 - 2
	}
	return idx, val
}

// randWT returns an m×k matrix with the given stride, its data starting off
// elements into its buffer (misaligned for odd off), filled with values in
// [−2, 2), and the padding filled with NaN so that a kernel reading it
// shows.
func randWT(rng *rand.Rand, m, k, stride, off int) Matrix {
	n := 0
	if m > 0 {
		n = (m-1)*stride + k
	}
	buf := make([]float32, off+n+stride)
	for i := range buf {
		buf[i] = qNaN32
	}
	w := Matrix{Rows: m, Cols: k, Stride: stride, Data: buf[off : off+n : off+n]}
	for r := 0; r < m; r++ {
		for c := 0; c < k; c++ {
			w.Data[r*stride+c] = rng.Float32()*4 - 2
		}
	}
	return w
}

// checkSparseLogits holds z to the oracle of SparseMatVecT: every element
// within sparseTol·Σ|terms| (plus underflow slack) of the float64 sum.
func checkSparseLogits(z []float32, wt Matrix, idx []int32, val, b []float32) string {
	for c := range z {
		var sum, abs float64
		for i, j := range idx {
			p := float64(val[i]) * float64(wt.Data[int(j)*wt.Stride+c])
			sum += p
			abs += math.Abs(p)
		}
		if b != nil {
			sum += float64(b[c])
			abs += math.Abs(float64(b[c]))
		}
		tol := sparseTol*abs + float64(len(idx)+1)*dotSlackPerTerm
		if err := math.Abs(float64(z[c]) - sum); !(err <= tol) {
			return fmt.Sprintf("z[%d] = %v, want %v ± %.3g (err %.3g = %.3g·Σ|terms|)", c, z[c], sum, tol, err, err/abs)
		}
	}
	return ""
}

// simdRef keeps the first SIMD backend's result of a case, which every
// other SIMD backend must reproduce bit for bit.
type simdRef map[string][]float32

func (r simdRef) check(t *testing.T, key string, got []float32) {
	t.Helper()
	if Backend() == "generic" {
		return
	}
	want, ok := r[key]
	if !ok {
		r[key] = append([]float32(nil), got...)
		return
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
			t.Fatalf("%s: [%d] = %v (%#x), another SIMD backend %v (%#x)", key, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// sparseKs are the class counts tested: every count to past several
// vectors of every backend, then longer ones.
var sparseKs = func() []int {
	var ks []int
	for k := 0; k <= 70; k++ {
		ks = append(ks, k)
	}
	return append(ks, 79, 80, 81, 127, 128, 129, 200, 1000)
}()

// sparseNNZ are the numbers of non-zeros tested: short rows, and rows
// around the block size.
var sparseNNZ = []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 33, 255, 256, 257, 600}

func TestSparseMatVecT(t *testing.T) {
	ref := simdRef{}
	forEachBackend(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(17, 1))
		for _, k := range sparseKs {
			nnzs := sparseNNZ
			if k > 70 || testing.Short() && k > 20 {
				nnzs = []int{0, 1, 5, 9, 257}
			}
			for _, nnz := range nnzs {
				m := max(nnz+3, 40)
				stride := k + rng.IntN(3)*7
				wt := randWT(rng, m, k+rng.IntN(2), max(stride, k+1), rng.IntN(2))
				idx, val := randSparseRow(rng, nnz, m, nnz%2 == 0)
				if nnz > 0 {
					idx[0] = int32(m - 1) // the last row of wt
				}
				if nnz > 1 {
					idx[1] = 0 // and the first
					for i := 2; i < len(idx); i++ {
						if idx[i] == 0 || idx[i] == int32(m-1) {
							idx[i] = int32(1 + i%(m-2))
						}
					}
				}
				for _, bias := range []bool{false, true} {
					zb := make([]float32, k+2)
					z := zb[1 : k+1 : k+1] // misaligned, with sentinels
					zb[0], zb[k+1] = 7, 7
					var b []float32
					if bias {
						b = make([]float32, k)
						fillRand(rng, b)
					}
					SparseMatVecT(z, wt, idx, val, b)
					name := fmt.Sprintf("k=%d nnz=%d bias=%v", k, nnz, bias)
					if zb[0] != 7 || zb[k+1] != 7 {
						t.Fatalf("%s: wrote outside z", name)
					}
					if msg := checkSparseLogits(z, wt, idx, val, b); msg != "" {
						t.Fatalf("%s: %s", name, msg)
					}
					ref.check(t, name, z)
					if bias { // z == b: z = x·wt + z
						SparseMatVecT(b, wt, idx, val, b)
						for c := range b {
							if math.Float32bits(b[c]) != math.Float32bits(z[c]) {
								t.Fatalf("%s: in place, z[%d] = %v, want %v", name, c, b[c], z[c])
							}
						}
					}
				}
			}
		}
	})
}

// TestSparseMatVecTOrder checks the documented order on the generic
// backend exactly: fallback's result against a scalar transcription.
func TestSparseMatVecTOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 2))
	for _, nnz := range []int{0, 1, 3, 255, 256, 257, 513, 1000} {
		for _, k := range []int{1, 17, 100} {
			m := nnz + 10
			wt := randWT(rng, m, k, k, 0)
			idx, val := randSparseRow(rng, nnz, m, false)
			b := make([]float32, k)
			fillRand(rng, b)
			z := make([]float32, k)
			fallback.SparseMatVecT(z, wt.Data, wt.Stride, idx, val, b)
			for c := 0; c < k; c++ {
				var t64 float64
				for i0 := 0; i0 < nnz; i0 += fallback.SparseBlock {
					var a [fallback.SparseAccs]float32
					for i := i0; i < min(i0+fallback.SparseBlock, nnz); i++ {
						a[i%fallback.SparseAccs] += float32(val[i] * wt.Data[int(idx[i])*wt.Stride+c])
					}
					t64 += float64((a[0] + a[1]) + (a[2] + a[3]))
				}
				if want := float32(t64 + float64(b[c])); math.Float32bits(z[c]) != math.Float32bits(want) {
					t.Fatalf("nnz=%d k=%d: z[%d] = %v, want %v", nnz, k, c, z[c], want)
				}
			}
		}
	}
}

func TestSparseMatVecTSpecial(t *testing.T) {
	wt := NewMatrix(4, 3)
	copy(wt.Row(0), []float32{1, posInf32, 0})
	copy(wt.Row(1), []float32{1, negInf32, qNaN32})
	copy(wt.Row(2), []float32{negZero32, 1, 1})
	copy(wt.Row(3), []float32{2, 0, 1})
	for _, tc := range []struct {
		idx  []int32
		val  []float32
		b    []float32
		want []string
	}{
		{nil, nil, nil, []string{"+0", "+0", "+0"}},
		{nil, nil, []float32{negZero32, 1, negInf32}, []string{"+0", "1", "-Inf"}},
		{[]int32{2}, []float32{1}, nil, []string{"+0", "1", "1"}},
		{[]int32{0}, []float32{2}, nil, []string{"2", "+Inf", "+0"}},
		{[]int32{0}, []float32{0}, nil, []string{"+0", "NaN", "+0"}},
		{[]int32{0, 1}, []float32{1, 1}, nil, []string{"2", "NaN", "NaN"}},
		{[]int32{3}, []float32{qNaN32}, nil, []string{"NaN", "NaN", "NaN"}},
		{[]int32{3}, []float32{posInf32}, []float32{1, 1, negInf32}, []string{"+Inf", "NaN", "NaN"}},
	} {
		forEachBackend(t, func(t *testing.T) {
			z := make([]float32, 3)
			SparseMatVecT(z, wt, tc.idx, tc.val, tc.b)
			for c, w := range tc.want {
				got := class32(z[c])
				if got == "finite" {
					got = fmt.Sprint(z[c])
					if z[c] == 0 && math.Signbit(float64(z[c])) {
						got = "-0"
					} else if z[c] == 0 {
						got = "+0"
					}
				}
				if got != w {
					t.Errorf("idx %v val %v b %v: z[%d] = %v (%s), want %s", tc.idx, tc.val, tc.b, c, z[c], got, w)
				}
			}
		})
	}
}

// sparseAddOuterOracle returns g0 + alpha·val[i]·d[c] over the non-zeros
// in float64 with Σ|terms|, for element (row j, class c).
func checkSparseAddOuter(g Matrix, g0 []float32, alpha float32, d []float32, idx []int32, val []float32, n int) string {
	want := make(map[int][2]float64)
	for i, j := range idx {
		a := float64(float32(alpha * val[i]))
		for c, v := range d {
			o := int(j)*g.Stride + c
			w := want[o]
			if _, seen := want[o]; !seen {
				w[0], w[1] = float64(g0[o]), math.Abs(float64(g0[o]))
			}
			p := a * float64(v)
			w[0] += p
			w[1] += math.Abs(p)
			want[o] = w
		}
	}
	for o, v := range g0 {
		w, ok := want[o]
		if !ok {
			if math.Float32bits(g.Data[o]) != math.Float32bits(v) {
				return fmt.Sprintf("g.Data[%d] = %v changed (was %v), not a touched element", o, g.Data[o], v)
			}
			continue
		}
		tol := float64(2*n+2)*0x1p-24*w[1] + float64(n)*dotSlackPerTerm
		if err := math.Abs(float64(g.Data[o]) - w[0]); !(err <= tol) {
			return fmt.Sprintf("g.Data[%d] = %v, want %v ± %.3g", o, g.Data[o], w[0], tol)
		}
	}
	return ""
}

func TestSparseAddOuterT(t *testing.T) {
	ref := simdRef{}
	forEachBackend(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(17, 3))
		for _, k := range sparseKs {
			for _, nnz := range []int{0, 1, 2, 3, 5, 9, 40} {
				m := nnz + 5
				stride := k + 1 + rng.IntN(3)*5
				g := randWT(rng, m, k+rng.IntN(2), stride, rng.IntN(2))
				idx, val := randSparseRow(rng, nnz, m, nnz%2 == 1)
				if nnz > 1 {
					idx[0], idx[nnz-1] = int32(m-1), 0
					for i := 1; i < nnz-1; i++ {
						if idx[i] == 0 || idx[i] == int32(m-1) {
							idx[i] = int32(1 + i)
						}
					}
				}
				db := make([]float32, k+2)
				d := db[1 : k+1 : k+1]
				fillRand(rng, d)
				whole := g.Data[:cap(g.Data)] // with the last row's padding
				g0 := append([]float32(nil), whole...)
				alpha := float32(0.75)
				SparseAddOuterT(g, alpha, d, idx, val)
				name := fmt.Sprintf("k=%d nnz=%d", k, nnz)
				gw := Matrix{Rows: g.Rows, Cols: g.Cols, Stride: g.Stride, Data: whole}
				if msg := checkSparseAddOuter(gw, g0, alpha, d, idx, val, 1); msg != "" {
					t.Fatalf("%s: %s", name, msg)
				}
				ref.check(t, name, whole)
			}
		}
	})
}

// randCSR returns rows × cols with nnz[r % len(nnz)] non-zeros in row r.
func randCSR(rng *rand.Rand, rows, cols int, nnz []int) CSR {
	var b CSRBuilder
	b.Reset(cols)
	for r := 0; r < rows; r++ {
		idx, val := randSparseRow(rng, nnz[r%len(nnz)], cols, true)
		if err := b.Append(idx, val); err != nil {
			panic(err)
		}
	}
	return b.CSR()
}

func TestSparseMatMul(t *testing.T) {
	forEachBackend(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(17, 4))
		for _, k := range []int{1, 2, 3, 10, 16, 17, 20, 33, 64, 65, 100} {
			for _, rows := range []int{0, 1, 2, 3, 7} {
				const m = 300
				x := randCSR(rng, rows+2, m, []int{5, 0, 1, 17, 260, 3})
				x = x.Slice(1, rows+1) // a view with RowPtr[0] > 0
				wt := randWT(rng, m, k+1, k+3, 1)
				z := NewMatrix(rows, k)
				b := make([]float32, k)
				fillRand(rng, b)
				for _, bias := range [][]float32{nil, b} {
					SparseMatMul(z, x, wt, bias)
					for r := 0; r < rows; r++ {
						idx, val := x.Row(r)
						want := make([]float32, k)
						SparseMatVecT(want, wt, idx, val, bias)
						for c := range want {
							if math.Float32bits(z.At(r, c)) != math.Float32bits(want[c]) {
								t.Fatalf("k=%d rows=%d: z[%d,%d] = %v, SparseMatVecT %v", k, rows, r, c, z.At(r, c), want[c])
							}
						}
					}
				}
			}
		}
	})
}

func TestSparseAddMatMulTN(t *testing.T) {
	forEachBackend(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(17, 5))
		for _, k := range []int{1, 2, 3, 10, 16, 17, 20, 33, 64, 65, 100} {
			for _, rows := range []int{0, 1, 2, 3, 7} {
				const m = 50 // rows share features
				x := randCSR(rng, rows+1, m, []int{5, 0, 1, 17, 40, 3})
				x = x.Slice(1, rows+1)
				d := NewMatrix(rows, k)
				fillRand(rng, d.Data)
				g := randWT(rng, m, k+1, k+3, 1)
				g2 := g
				g2.Data = append([]float32(nil), g.Data...)
				SparseAddMatMulTN(g, -0.5, x, d)
				for r := 0; r < rows; r++ {
					idx, val := x.Row(r)
					SparseAddOuterT(g2, -0.5, d.Row(r), idx, val)
				}
				for i := range g.Data {
					if math.Float32bits(g.Data[i]) != math.Float32bits(g2.Data[i]) && !(g.Data[i] != g.Data[i] && g2.Data[i] != g2.Data[i]) {
						t.Fatalf("k=%d rows=%d: g.Data[%d] = %v, SparseAddOuterT row by row %v", k, rows, i, g.Data[i], g2.Data[i])
					}
				}
			}
		}
	})
}

func sparsePanics(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, want) {
			t.Errorf("panic %v, want one containing %q", r, want)
		}
	}()
	f()
}

func TestSparsePanics(t *testing.T) {
	wt := NewMatrix(10, 4)
	z := make([]float32, 4)
	idx, val := []int32{0, 9}, []float32{1, 2}
	sparsePanics(t, "kernel.SparseMatVecT: len(val) = 1, want len(idx) = 2", func() { SparseMatVecT(z, wt, idx, val[:1], nil) })
	sparsePanics(t, "kernel.SparseMatVecT: len(z) = 5, want ≤ wt.Cols = 4", func() { SparseMatVecT(make([]float32, 5), wt, idx, val, nil) })
	sparsePanics(t, "kernel.SparseMatVecT: len(b) = 3, want len(z) = 4", func() { SparseMatVecT(z, wt, idx, val, z[:3]) })
	sparsePanics(t, "kernel.SparseMatVecT: idx[1] = 10, want 0 ≤ idx[1] < wt.Rows = 10", func() { SparseMatVecT(z, wt, []int32{0, 10}, val, nil) })
	sparsePanics(t, "kernel.SparseMatVecT: idx[0] = -1, want", func() { SparseMatVecT(z, wt, []int32{-1, 1}, val, nil) })
	sparsePanics(t, "kernel.SparseMatVecT: z overlaps wt.Data", func() { SparseMatVecT(wt.Data[3:7], wt, idx, val, nil) })
	sparsePanics(t, "kernel.SparseMatVecT: z overlaps val", func() { SparseMatVecT(val, NewMatrix(10, 2), idx, val, nil) })
	sparsePanics(t, "kernel.SparseMatVecT: z overlaps b", func() { b := make([]float32, 5); SparseMatVecT(b[:4], wt, idx, val, b[1:]) })
	sparsePanics(t, "kernel.SparseMatVecT: malformed wt", func() { SparseMatVecT(z, Matrix{Rows: 2, Cols: 4, Stride: 3}, nil, nil, nil) })

	d := make([]float32, 4)
	sparsePanics(t, "kernel.SparseAddOuterT: len(val) = 1, want len(idx) = 2", func() { SparseAddOuterT(wt, 1, d, idx, val[:1]) })
	sparsePanics(t, "kernel.SparseAddOuterT: len(d) = 5, want ≤ g.Cols = 4", func() { SparseAddOuterT(wt, 1, make([]float32, 5), idx, val) })
	sparsePanics(t, "kernel.SparseAddOuterT: idx[1] = 11, want 0 ≤ idx[1] < g.Rows = 10", func() { SparseAddOuterT(wt, 1, d, []int32{0, 11}, val) })
	sparsePanics(t, "kernel.SparseAddOuterT: g.Data overlaps d", func() { SparseAddOuterT(wt, 1, wt.Data[16:20], idx, val) })
	sparsePanics(t, "kernel.SparseAddOuterT: g.Data overlaps val", func() { SparseAddOuterT(wt, 1, d, idx, wt.Data[16:18]) })
	sparsePanics(t, "kernel.SparseAddOuterT: len(g.Data) = 3, want ≥ 148", func() { SparseAddOuterT(Matrix{Rows: 10, Cols: 4, Stride: 16, Data: wt.Data[:3]}, 1, d, idx, val) })

	x, err := NewCSR(2, 10, []int{0, 1, 2}, []int32{3, 9}, []float32{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	zm := NewMatrix(2, 4)
	sparsePanics(t, "kernel.SparseMatMul: x.Cols = 10, want wt.Rows = 9", func() { SparseMatMul(zm, x, NewMatrix(9, 4), nil) })
	sparsePanics(t, "kernel.SparseMatMul: z.Rows = 3, want x.Rows = 2", func() { SparseMatMul(NewMatrix(3, 4), x, wt, nil) })
	sparsePanics(t, "kernel.SparseMatMul: z.Cols = 5, want ≤ wt.Cols = 4", func() { SparseMatMul(NewMatrix(2, 5), x, wt, nil) })
	sparsePanics(t, "kernel.SparseMatMul: len(b) = 3, want z.Cols = 4", func() { SparseMatMul(zm, x, wt, z[:3]) })
	sparsePanics(t, "kernel.SparseMatMul: z.Data overlaps wt.Data", func() { SparseMatMul(Matrix{Rows: 2, Cols: 4, Stride: 4, Data: wt.Data}, x, wt, nil) })
	sparsePanics(t, "kernel.SparseMatMul: z.Data overlaps b", func() { SparseMatMul(zm, x, wt, zm.Data[16:20]) })
	sparsePanics(t, "kernel.SparseMatMul: z.Data overlaps x.Value", func() {
		xv := x
		xv.Value = zm.Data[:2]
		SparseMatMul(zm, xv, wt, nil)
	})
	bad := x
	bad.Index = []int32{3, 10}
	sparsePanics(t, "kernel.SparseMatMul: x.Index[1] = 10, want 0 ≤ x.Index[1] < x.Cols = 10", func() { SparseMatMul(zm, bad, wt, nil) })
	bad = x
	bad.RowPtr = []int{0, 2, 1}
	sparsePanics(t, "kernel.SparseMatMul: malformed x: RowPtr[2] = 1, want 2 ≤ RowPtr[2]", func() { SparseMatMul(zm, bad, wt, nil) })
	bad = x
	bad.RowPtr = []int{0, 1, 3}
	sparsePanics(t, "kernel.SparseMatMul: malformed x: RowPtr[2] = 3, want 1 ≤ RowPtr[2] ≤ min(len(Index), len(Value)) = 2", func() { SparseMatMul(zm, bad, wt, nil) })
	bad = x
	bad.RowPtr = []int{0, 1}
	sparsePanics(t, "kernel.SparseMatMul: malformed x: Rows = 2, Cols = 10, len(RowPtr) = 2", func() { SparseMatMul(zm, bad, wt, nil) })

	dm := NewMatrix(2, 4)
	sparsePanics(t, "kernel.SparseAddMatMulTN: x.Cols = 10, want g.Rows = 9", func() { SparseAddMatMulTN(NewMatrix(9, 4), 1, x, dm) })
	sparsePanics(t, "kernel.SparseAddMatMulTN: d.Rows = 3, want x.Rows = 2", func() { SparseAddMatMulTN(wt, 1, x, NewMatrix(3, 4)) })
	sparsePanics(t, "kernel.SparseAddMatMulTN: d.Cols = 5, want ≤ g.Cols = 4", func() { SparseAddMatMulTN(wt, 1, x, NewMatrix(2, 5)) })
	sparsePanics(t, "kernel.SparseAddMatMulTN: g.Data overlaps d.Data", func() { SparseAddMatMulTN(wt, 1, x, Matrix{Rows: 2, Cols: 4, Stride: 4, Data: wt.Data[4:]}) })
	sparsePanics(t, "kernel.SparseAddMatMulTN: g.Data overlaps x.Value", func() {
		xv := x
		xv.Value = wt.Data[:2]
		SparseAddMatMulTN(wt, 1, xv, dm)
	})
}

func TestSparseAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 6))
	wt := randWT(rng, 1000, 20, 32, 0)
	x := randCSR(rng, 8, 1000, []int{100, 3})
	idx, val := x.Row(0)
	z, b := make([]float32, 20), make([]float32, 20)
	zm, dm := NewMatrix(8, 20), NewMatrix(8, 20)
	forEachBackend(t, func(t *testing.T) {
		for name, f := range map[string]func(){
			"SparseMatVecT":     func() { SparseMatVecT(z, wt, idx, val, b) },
			"SparseAddOuterT":   func() { SparseAddOuterT(wt, 0, z, idx, val) },
			"SparseMatMul":      func() { SparseMatMul(zm, x, wt, b) },
			"SparseAddMatMulTN": func() { SparseAddMatMulTN(wt, 0, x, dm) },
		} {
			if a := testing.AllocsPerRun(10, f); a != 0 {
				t.Errorf("%s: %v allocations", name, a)
			}
		}
	})
}

// sparseGolden hashes the results of the sparse ops on fixed inputs (the
// same on every GOARCH): per backend family, as the documented order makes
// them bit-identical on every SIMD backend (avx512, avx2, neon) and on
// generic everywhere.
func sparseGolden() uint64 {
	rng := rand.New(rand.NewPCG(17, 9))
	h := fnv.New64a()
	var buf [4]byte
	put := func(xs []float32) {
		for _, v := range xs {
			binary.LittleEndian.PutUint32(buf[:], math.Float32bits(v))
			h.Write(buf[:])
		}
	}
	for _, k := range []int{1, 2, 3, 5, 10, 17, 20, 33, 64, 100, 257} {
		for _, nnz := range []int{0, 1, 3, 7, 100, 300} {
			m := nnz + 5
			wt := randWT(rng, m, k, k+1, 0)
			idx, val := randSparseRow(rng, nnz, m, false)
			b := make([]float32, k)
			fillRand(rng, b)
			z := make([]float32, k)
			SparseMatVecT(z, wt, idx, val, b)
			put(z)
			SparseAddOuterT(wt, 0.3, z, idx, val)
			put(wt.Data)
		}
	}
	return h.Sum64()
}

// TestSparseGolden compares sparseGolden with the values recorded on
// amd64: the neon leg under qemu proves the arm64 kernels give the amd64
// kernels' bits.
func TestSparseGolden(t *testing.T) {
	const simd, gen = 0xef1b6cdfe6ce80a0, 0xe33220ac4b860662
	forEachBackend(t, func(t *testing.T) {
		want := uint64(simd)
		if Backend() == "generic" {
			want = gen
		}
		if got := sparseGolden(); got != want {
			t.Errorf("hash of the results %#x, want %#x", got, want)
		}
	})
}
