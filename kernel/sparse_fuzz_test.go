package kernel

// Fuzz targets of the sparse ops (see fuzz_test.go for the input
// decoding). Each runs the op on every backend with misaligned, guarded
// outputs and requires: the SIMD backends agree bit for bit (NaN with
// NaN); the NaN/±Inf class of every result is the fallback's where no
// float32 product or partial sum may overflow (Σ|terms| ≤ MaxFloat32/4, as
// for the dense ops); the float64 oracle's bound holds there; inputs are
// unchanged and nothing outside the outputs is written.

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/seed7bc074a2/maxent/fallback"
)

// fuzzSparseRow decodes nnz ≤ 600 indices in [0, m) (repeats allowed) and
// their values.
func fuzzSparseRow(d *fuzzDec, m int) ([]int32, []float32) {
	nnz := d.u16() % 601
	if m == 0 {
		nnz = 0
	}
	idx := make([]int32, nnz)
	step := int(d.u8()) | 1
	start := int(d.u8())
	for i := range idx {
		idx[i] = int32((start + i*step + int(d.u8())) % m)
	}
	return idx, d.vec(nnz)
}

// simdBits keeps the first SIMD backend's results of a fuzz case.
type simdBits struct{ want []float32 }

func (s *simdBits) check(t *testing.T, ctx string, got []float32) {
	t.Helper()
	if Backend() == "generic" {
		return
	}
	if s.want == nil {
		s.want = slices.Clone(got)
		return
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(s.want[i]) && !(got[i] != got[i] && s.want[i] != s.want[i]) {
			t.Fatalf("%s: [%d] = %v, another SIMD backend %v", ctx, i, got[i], s.want[i])
		}
	}
}

// checkSparseSum holds a logit to the contract: its class must be the
// exact sum's and a finite result within sparseTol·abs of it, unless abs
// (Σ|finite terms|) exceeds MaxFloat32/4 (ok = false: not checked).
func checkSparseSum(got float32, sum, abs float64, n int) (msg string, ok bool) {
	if abs > maxFloat32/4 {
		return "", false
	}
	if gc, wc := class32(got), class64(sum); gc != wc || gc != "finite" {
		if gc != wc {
			return fmt.Sprintf("got %v (%s), want %v (%s)", got, gc, sum, wc), true
		}
		return "", true
	}
	tol := sparseTol*abs + float64(n)*dotSlackPerTerm
	if err := math.Abs(float64(got) - sum); !(err <= tol) {
		return fmt.Sprintf("got %v, want %v ± %.3g", got, sum, tol), true
	}
	return "", true
}

func FuzzSparseMatVecT(f *testing.F) {
	f.Add([]byte(fuzzEnc{}.u8(5).u16(10).u8(0).small(1, 2, 3).u16(4).u8(1).u8(0).u8(0).u8(1).u8(2).u8(3).small(1, -1).u8(1).small(2)))
	f.Add([]byte(fuzzEnc{}.u8(40).u16(100).u8(3).small(1, -2, 3, 7).u16(300).u8(3).u8(5).small(5, 3).u8(2).small(4)))
	f.Add([]byte(fuzzEnc{}.u8(4).u16(17).u8(1).pal(false, 0, 2, palPosInf, 3).u16(3).u8(1).u8(0).u8(0).u8(0).u8(1).pal(false, palPosInf, 2, 0).u8(1).pal(false, palNaN, 0)))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &fuzzDec{data}
		m, k := int(d.u8()%65), d.u16()%300
		w := fuzzMatrix(d, m, k)
		idx, vals := fuzzSparseRow(d, m)
		biasMode := d.u8() % 3 // 0: nil, 1: separate b, 2: z == b
		bs := d.vec(k)
		if biasMode == 0 {
			bs = nil
		}
		want := make([]float32, k)
		fallback.SparseMatVecT(want, w.m.Data, w.m.Stride, idx, vals, bs)
		wBefore := slices.Clone(w.buf)
		var ref simdBits
		forEachBackend(t, func(t *testing.T) {
			_, offZ := offsets(m*300 + k)
			val := inBuf(vals, 1+len(idx)%13)
			z := outBuf(k, offZ)
			var b []float32
			switch biasMode {
			case 1:
				b = inBuf(bs, 1+offZ%7)
			case 2:
				copy(z.s(), bs)
				b = z.s()
			}
			SparseMatVecT(z.s(), w.m, idx, val, b)
			ctx := fmt.Sprintf("SparseMatVecT m=%d k=%d stride %d nnz=%d bias mode %d", m, k, w.m.Stride, len(idx), biasMode)
			for c := range k {
				var sum, abs float64
				var terms []float32
				for i, j := range idx {
					wv := w.m.Data[int(j)*w.m.Stride+c]
					p := float64(vals[i]) * float64(wv)
					sum += p
					if p == p && !math.IsInf(p, 0) {
						abs += math.Abs(p)
					}
					terms = append(terms, vals[i], wv)
				}
				if bs != nil {
					sum += float64(bs[c])
					if bs[c] == bs[c] && !math.IsInf(float64(bs[c]), 0) {
						abs += math.Abs(float64(bs[c]))
					}
				}
				got := z.s()[c]
				msg, ok := checkSparseSum(got, sum, abs, len(idx)+1)
				if msg != "" {
					t.Fatalf("%s: z[%d]: %s", ctx, c, msg)
				}
				if ok && class32(got) != class32(want[c]) {
					t.Fatalf("%s: z[%d] = %v, fallback gives %v", ctx, c, got, want[c])
				}
				xs, ys := make([]float32, 0, len(terms)/2), make([]float32, 0, len(terms)/2)
				for i := 0; i < len(terms); i += 2 {
					xs, ys = append(xs, terms[i]), append(ys, terms[i+1])
				}
				if (mustNaNDot(xs, ys) || bs != nil && bs[c] != bs[c]) && got == got {
					t.Fatalf("%s: z[%d] = %v, want NaN", ctx, c, got)
				}
			}
			ref.check(t, ctx, z.s())
			if msg := z.check(); msg != "" {
				t.Fatalf("%s: z %s", ctx, msg)
			}
			inputUnchanged(t, ctx, "wt (buffer incl. padding)", w.buf, wBefore)
			inputUnchanged(t, ctx, "val", val, vals)
			if biasMode == 1 {
				inputUnchanged(t, ctx, "b", b, bs)
			}
		})
	})
}

func FuzzSparseAddOuterT(f *testing.F) {
	f.Add([]byte(fuzzEnc{}.u8(5).u16(10).u8(0).small(1, 2, 3).u16(4).u8(1).u8(0).u8(0).u8(1).u8(2).u8(3).small(1, -1).small(2, 3).small(4)))
	f.Add([]byte(fuzzEnc{}.u8(40).u16(33).u8(3).small(1, -2, 3, 7).u16(300).u8(3).u8(5).small(5, 3).small(2, 1).raw(false, -0.37)))
	f.Add([]byte(fuzzEnc{}.u8(3).u16(17).u8(1).small(1).u16(3).u8(1).u8(0).u8(0).u8(0).u8(1).pal(false, 0, palPosInf).pal(false, 2, palPosInf, 0).small(1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &fuzzDec{data}
		m, k := int(d.u8()%65), d.u16()%300
		g0 := fuzzMatrix(d, m, k)
		idx, vals := fuzzSparseRow(d, m)
		ds := d.vec(k)
		alpha := d.vec(1)[0]
		want := Matrix{Rows: m, Cols: k, Stride: g0.m.Stride, Data: slices.Clone(g0.m.Data)}
		fallback.SparseAddOuterT(want.Data, want.Stride, alpha, ds, idx, vals)
		before := slices.Clone(g0.buf)
		mult := map[int32]int{}
		most := 1
		for _, j := range idx {
			mult[j]++
			most = max(most, mult[j])
		}
		var ref simdBits
		forEachBackend(t, func(t *testing.T) {
			g := g0
			g.buf = slices.Clone(before)
			g.m.Data = g.buf[g.off : g.off+len(g0.m.Data)]
			val := inBuf(vals, 1+len(idx)%13)
			dv := inBuf(ds, 1+k%11)
			SparseAddOuterT(g.m, alpha, dv, idx, val)
			ctx := fmt.Sprintf("SparseAddOuterT m=%d k=%d stride %d nnz=%d alpha %v", m, k, g.m.Stride, len(idx), alpha)
			if msg := g.checkGuards(); msg != "" {
				t.Fatalf("%s: %s", ctx, msg)
			}
			ref.check(t, ctx, g.m.Data)
			// The element-wise contract on rows without special values
			// or out-of-range a = alpha·val[i].
			applies := true
			for i := range idx {
				applies = applies && addOuterRowApplies(alpha, vals[i])
			}
			for o, v := range g.m.Data {
				r, c := o/max(g.m.Stride, 1), o%max(g.m.Stride, 1)
				if c >= k || r >= m {
					continue
				}
				var sum, abs float64
				sum, abs = float64(g0.m.Data[o]), math.Abs(float64(g0.m.Data[o]))
				for i, j := range idx {
					if int(j) == r {
						p := float64(float32(alpha*vals[i])) * float64(ds[c])
						sum += p
						abs += math.Abs(p)
					}
				}
				if abs != abs || math.IsInf(abs, 0) || abs > maxFloat32/4 {
					continue
				}
				if class32(v) != class32(want.Data[o]) {
					t.Fatalf("%s: g[%d,%d] = %v, fallback gives %v", ctx, r, c, v, want.Data[o])
				}
				if !applies || class32(v) != "finite" {
					continue
				}
				tol := float64(2*most+2)*0x1p-24*abs + float64(most)*dotSlackPerTerm
				if err := math.Abs(float64(v) - sum); !(err <= tol) {
					t.Fatalf("%s: g[%d,%d] = %v, want %v ± %.3g", ctx, r, c, v, sum, tol)
				}
			}
			inputUnchanged(t, ctx, "val", val, vals)
			inputUnchanged(t, ctx, "d", dv, ds)
		})
	})
}

// FuzzSparseBatch checks SparseMatMul and SparseAddMatMulTN against the
// single-row ops, bit for bit, on every backend, with and without
// prefetching.
func FuzzSparseBatch(f *testing.F) {
	f.Add([]byte{3, 10, 0, 5, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{9, 33, 1, 250, 7, 7, 7, 0, 0, 0, 17, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &fuzzDec{data}
		rows, k, m := int(d.u8()%12), int(d.u8()%70)+1, int(d.u8()%80)+1
		var bld CSRBuilder
		bld.Reset(m)
		for r := 0; r < rows; r++ {
			n := int(d.u8()) % (m + 1)
			seen := map[int32]bool{}
			var idx []int32
			var val []float32
			for len(idx) < n {
				j := int32((int(d.u8()) + 7*len(idx) + r) % m)
				for seen[j] { // n ≤ m: a free column exists
					j = (j + 1) % int32(m)
				}
				seen[j] = true
				idx = append(idx, j)
				val = append(val, float32(int8(d.u8()))/8)
			}
			slices.Sort(idx)
			if err := bld.Append(idx, val); err != nil {
				t.Fatal(err)
			}
		}
		x := bld.CSR()
		wt := NewMatrix(m, k+int(d.u8()%3))
		for i := range wt.Data {
			wt.Data[i] = float32(int8(d.u8())) / 16
		}
		b := make([]float32, k)
		for i := range b {
			b[i] = float32(int8(d.u8())) / 4
		}
		old := sparsePfBytes
		defer func() { sparsePfBytes = old }()
		forEachBackend(t, func(t *testing.T) {
			for _, pf := range []int{0, math.MaxInt} {
				sparsePfBytes = pf
				z := NewMatrix(rows, k)
				SparseMatMul(z, x, wt, b)
				g1, g2 := wt.Clone(), wt.Clone()
				SparseAddMatMulTN(g1, 0.5, x, z)
				for r := 0; r < rows; r++ {
					idx, val := x.Row(r)
					want := make([]float32, k)
					SparseMatVecT(want, wt, idx, val, b)
					if d := sameBits(z.Row(r), want); d != "" {
						t.Fatalf("rows %d k %d m %d: SparseMatMul row %d: %s", rows, k, m, r, d)
					}
					SparseAddOuterT(g2, 0.5, z.Row(r), idx, val)
				}
				if d := sameBits(g1.Data, g2.Data); d != "" {
					t.Fatalf("rows %d k %d m %d: SparseAddMatMulTN: %s", rows, k, m, d)
				}
			}
		})
	})
}
