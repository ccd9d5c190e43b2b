package kernel

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/seed7bc074a2/maxent/fallback"
)

// batchShapes are (n samples, k classes, m features): every small shape
// around the block sizes (4 samples × 5 classes on AVX-512, 2 × 5 on AVX2,
// 4 × 4 on NEON), the vector widths and the 64-sample block of
// AddMatMulTN, plus the MNIST shape.
func batchShapes() [][3]int {
	var s [][3]int
	for _, n := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 13} {
		for _, k := range []int{0, 1, 2, 3, 4, 5, 6, 9, 10, 11, 16} {
			for _, m := range []int{0, 1, 3, 4, 7, 8, 15, 16, 17, 33, 65} {
				s = append(s, [3]int{n, k, m})
			}
		}
	}
	s = append(s, [3]int{64, 10, 784}, [3]int{65, 10, 784}, [3]int{130, 3, 50}, [3]int{6, 7, 1100}, [3]int{129, 21, 19})
	if !testing.Short() {
		s = append(s, [3]int{256, 10, 784}, [3]int{37, 40, 2100})
	}
	return s
}

func TestMatMulTOracle(t *testing.T) {
	shapes := batchShapes()
	forEachBackend(t, func(t *testing.T) {
		r := newRand(41)
		for si, sh := range shapes {
			n, k, m := sh[0], sh[1], sh[2]
			kind := si % matrixKinds
			d := []dist{distUnit, distSpread, distPlus}[si%3]
			x := makeTestMatrix(n, m, kind, func() float32 { return d.gen(r) })
			w := makeTestMatrix(k, m, (kind+1)%matrixKinds, func() float32 { return d.gen(r) })
			z := makeTestMatrix(n, k, (kind+2)%matrixKinds, func() float32 { return 7 })
			var b []float32
			var bs []float32
			if si%2 == 0 {
				bs = fillVec(r, k, distSpread)
				b = inBuf(bs, 1+si%15)
			}
			xBefore, wBefore := slices.Clone(x.buf), slices.Clone(w.buf)
			MatMulT(z.m, x.m, w.m, b)
			ctx := fmt.Sprintf("MatMulT n=%d k=%d m=%d strides %d/%d/%d bias %v", n, k, m, z.m.Stride, x.m.Stride, w.m.Stride, b != nil)
			for i := 0; i < n; i++ {
				if msg, _ := checkMatVec(z.m.Row(i), w.m, x.m.Row(i), bs); msg != "" {
					t.Fatalf("%s: row %d: %s", ctx, i, msg)
				}
			}
			if msg := z.checkGuards(); msg != "" {
				t.Fatalf("%s: %s", ctx, msg)
			}
			inputUnchanged(t, ctx, "x buffer", x.buf, xBefore)
			inputUnchanged(t, ctx, "w buffer", w.buf, wBefore)
		}
	})
}

// refAddMatMulTN returns g0 + alpha·dᵀx in float64, the magnitude
// |g0| + |alpha|·Σ|d·x| of each element and Σ|d·x| (the largest partial
// sum the float32 accumulation can meet).
func refAddMatMulTN(g0 Matrix, alpha float32, d, x Matrix) (exact, mag, sumAbs [][]float64) {
	exact = make([][]float64, g0.Rows)
	mag = make([][]float64, g0.Rows)
	sumAbs = make([][]float64, g0.Rows)
	for c := 0; c < g0.Rows; c++ {
		exact[c] = make([]float64, g0.Cols)
		mag[c] = make([]float64, g0.Cols)
		sumAbs[c] = make([]float64, g0.Cols)
		for j := 0; j < g0.Cols; j++ {
			var s, a float64
			for i := 0; i < x.Rows; i++ {
				p := float64(d.At(i, c)) * float64(x.At(i, j))
				s += p
				a += math.Abs(p)
			}
			gv := float64(g0.At(c, j))
			exact[c][j] = gv + float64(alpha)*s
			mag[c][j] = math.Abs(gv) + math.Abs(float64(alpha))*a
			sumAbs[c][j] = a
		}
	}
	return exact, mag, sumAbs
}

func TestAddMatMulTNOracle(t *testing.T) {
	shapes := batchShapes()
	forEachBackend(t, func(t *testing.T) {
		r := newRand(43)
		for si, sh := range shapes {
			n, k, m := sh[0], sh[1], sh[2]
			kind := si % matrixKinds
			x := makeTestMatrix(n, m, kind, func() float32 { return distUnit.gen(r) })
			d := makeTestMatrix(n, k, (kind+1)%matrixKinds, func() float32 { return distSpread.gen(r) })
			g := makeTestMatrix(k, m, (kind+2)%matrixKinds, func() float32 { return distUnit.gen(r) })
			g0 := g.m.Clone()
			alpha := []float32{1, -0.25, 1.0 / 64}[si%3]
			xBefore, dBefore := slices.Clone(x.buf), slices.Clone(d.buf)
			AddMatMulTN(g.m, alpha, d.m, x.m)
			ctx := fmt.Sprintf("AddMatMulTN n=%d k=%d m=%d alpha=%v", n, k, m, alpha)
			exact, mag, _ := refAddMatMulTN(g0, alpha, d.m, x.m)
			for c := 0; c < k; c++ {
				for j := 0; j < m; j++ {
					got := float64(g.m.At(c, j))
					if err := math.Abs(got - exact[c][j]); !(err <= 1e-5*mag[c][j]) {
						t.Fatalf("%s: g[%d,%d] = %v, want %v (err %.3g, bound %.3g)", ctx, c, j, got, exact[c][j], err, 1e-5*mag[c][j])
					}
				}
			}
			if msg := g.checkGuards(); msg != "" {
				t.Fatalf("%s: %s", ctx, msg)
			}
			inputUnchanged(t, ctx, "x buffer", x.buf, xBefore)
			inputUnchanged(t, ctx, "d buffer", d.buf, dBefore)
		}
	})
}

// TestAddMatMulTNBitIdentical: every SIMD backend computes the same float32
// FMA chains, so their results agree bit for bit with each other and with
// a reference written with fallback.FMA32.
func TestAddMatMulTNBitIdentical(t *testing.T) {
	r := newRand(47)
	for _, sh := range [][3]int{{64, 10, 784}, {130, 7, 45}, {5, 13, 17}} {
		n, k, m := sh[0], sh[1], sh[2]
		x := makeTestMatrix(n, m, 0, func() float32 { return distUnit.gen(r) }).m
		d := makeTestMatrix(n, k, 1, func() float32 { return distUnit.gen(r) }).m
		g0 := makeTestMatrix(k, m, 2, func() float32 { return distUnit.gen(r) }).m
		want := g0.Clone()
		for i0 := 0; i0 < n; i0 += fallback.BatchBlock {
			for c := 0; c < k; c++ {
				for j := 0; j < m; j++ {
					var s float32
					for i := i0; i < min(i0+fallback.BatchBlock, n); i++ {
						s = fallback.FMA32(d.At(i, c), x.At(i, j), s)
					}
					want.Set(c, j, fallback.FMA32(0.5, s, want.At(c, j)))
				}
			}
		}
		forEachBackend(t, func(t *testing.T) {
			if Backend() == "generic" {
				t.Skip("the generic backend rounds each product (no FMA)")
			}
			g := g0.Clone()
			AddMatMulTN(g, 0.5, d, x)
			for c := 0; c < k; c++ {
				if msg := sameBits(g.Row(c), want.Row(c)); msg != "" {
					t.Fatalf("n=%d k=%d m=%d row %d: %s", n, k, m, c, msg)
				}
			}
		})
	}
}

// TestSoftmaxCrossEntropyRows: the gradient rows are SoftmaxCrossEntropy's
// bit for bit, in place or not, and the loss is the sum of its losses
// within their float32 rounding; special rows (NaN, +Inf) included.
func TestSoftmaxCrossEntropyRows(t *testing.T) {
	forEachBackend(t, func(t *testing.T) {
		r := newRand(53)
		for _, sh := range [][2]int{{0, 3}, {1, 1}, {5, 10}, {64, 10}, {17, 33}, {3, 1000}} {
			n, k := sh[0], sh[1]
			z := makeTestMatrix(n, k, n%matrixKinds, func() float32 { return distSpread.gen(r) })
			labels := make([]int, n)
			for i := range labels {
				labels[i] = r.IntN(k)
			}
			if n > 2 {
				z.m.Set(1, 0, qNaN32) // one NaN row
				z.m.Set(2, k-1, posInf32)
			}
			want := NewMatrix(n, k)
			var wantLoss, absLoss float64
			for i := 0; i < n; i++ {
				l := float64(SoftmaxCrossEntropy(want.Row(i), z.m.Row(i), labels[i]))
				wantLoss += l
				absLoss += math.Abs(l)
			}
			// The batched sum is float64 throughout; the reference sums
			// float32 per-row losses (each within 2^-24 relative).
			sameLoss := func(got float64) bool {
				if math.IsNaN(wantLoss) {
					return math.IsNaN(got)
				}
				return math.Abs(got-wantLoss) <= 1.2e-7*absLoss+1e-12
			}
			grad := makeTestMatrix(n, k, (n+1)%matrixKinds, func() float32 { return 0 })
			loss := SoftmaxCrossEntropyRows(grad.m, z.m, labels)
			ctx := fmt.Sprintf("%d×%d", n, k)
			if !sameLoss(loss) {
				t.Fatalf("%s: loss %v, want %v", ctx, loss, wantLoss)
			}
			for i := 0; i < n; i++ {
				if msg := sameBits(grad.m.Row(i), want.Row(i)); msg != "" {
					t.Fatalf("%s: row %d: %s", ctx, i, msg)
				}
			}
			if msg := grad.checkGuards(); msg != "" {
				t.Fatalf("%s: %s", ctx, msg)
			}
			// In place.
			loss = SoftmaxCrossEntropyRows(z.m, z.m, labels)
			if !sameLoss(loss) {
				t.Fatalf("%s in place: loss %v, want %v", ctx, loss, wantLoss)
			}
			for i := 0; i < n; i++ {
				if msg := sameBits(z.m.Row(i), want.Row(i)); msg != "" {
					t.Fatalf("%s in place: row %d: %s", ctx, i, msg)
				}
			}
		}
	})
}

func TestBatchPanics(t *testing.T) {
	x, w, z := NewMatrix(4, 6), NewMatrix(3, 6), NewMatrix(4, 3)
	g, d := NewMatrix(3, 6), NewMatrix(4, 3)
	big := NewMatrix(8, 16)
	cases := []struct {
		want string
		f    func()
	}{
		{"kernel.MatMulT: x.Cols = 5, want w.Cols = 6", func() { MatMulT(z, NewMatrix(4, 5), w, nil) }},
		{"kernel.MatMulT: z.Rows = 3, want x.Rows = 4", func() { MatMulT(NewMatrix(3, 3), x, w, nil) }},
		{"kernel.MatMulT: z.Cols = 2, want w.Rows = 3", func() { MatMulT(NewMatrix(4, 2), x, w, nil) }},
		{"kernel.MatMulT: len(b) = 2, want w.Rows = 3", func() { MatMulT(z, x, w, make([]float32, 2)) }},
		{"kernel.MatMulT: z.Data overlaps x.Data", func() { MatMulT(big.Slice(0, 4).sub(3), big.Slice(2, 6).sub(6), w, nil) }},
		{"kernel.MatMulT: z.Data overlaps w.Data", func() { MatMulT(big.Slice(0, 4).sub(3), x, big.Slice(1, 4).sub(6), nil) }},
		{"kernel.MatMulT: z.Data overlaps b", func() { MatMulT(z, x, w, z.Data[:3]) }},
		{"kernel.MatMulT: len(x.Data) = 5, want ≥ 54", func() { MatMulT(z, Matrix{Rows: 4, Cols: 6, Stride: 16, Data: make([]float32, 5)}, w, nil) }},
		{"kernel.MatMulT: malformed w: Rows = 3, Cols = 6, Stride = 2", func() { MatMulT(z, x, Matrix{Rows: 3, Cols: 6, Stride: 2, Data: make([]float32, 99)}, nil) }},
		{"kernel.AddMatMulTN: d.Rows = 3, want x.Rows = 4", func() { AddMatMulTN(g, 1, NewMatrix(3, 3), x) }},
		{"kernel.AddMatMulTN: d.Cols = 4, want g.Rows = 3", func() { AddMatMulTN(g, 1, NewMatrix(4, 4), x) }},
		{"kernel.AddMatMulTN: x.Cols = 6, want g.Cols = 5", func() { AddMatMulTN(NewMatrix(3, 5), 1, d, x) }},
		{"kernel.AddMatMulTN: g.Data overlaps d.Data", func() { AddMatMulTN(big.Slice(0, 3).sub(6), 1, big.Slice(2, 6).sub(3), x) }},
		{"kernel.AddMatMulTN: g.Data overlaps x.Data", func() { AddMatMulTN(big.Slice(0, 3).sub(6), 1, d, big.Slice(1, 5).sub(6)) }},
		{"kernel.SoftmaxCrossEntropyRows: grad.Rows = 3, want z.Rows = 4", func() { SoftmaxCrossEntropyRows(NewMatrix(3, 3), z, make([]int, 4)) }},
		{"kernel.SoftmaxCrossEntropyRows: grad.Cols = 2, want z.Cols = 3", func() { SoftmaxCrossEntropyRows(NewMatrix(4, 2), z, make([]int, 4)) }},
		{"kernel.SoftmaxCrossEntropyRows: len(labels) = 3, want z.Rows = 4", func() { SoftmaxCrossEntropyRows(z, z, make([]int, 3)) }},
		{"kernel.SoftmaxCrossEntropyRows: labels[2] = 3, want 0 ≤ label < z.Cols = 3", func() { SoftmaxCrossEntropyRows(z, z, []int{0, 1, 3, 0}) }},
		{"kernel.SoftmaxCrossEntropyRows: labels[0] = -1, want 0 ≤ label < z.Cols = 3", func() { SoftmaxCrossEntropyRows(z, z, []int{-1, 1, 2, 0}) }},
		{"kernel.SoftmaxCrossEntropyRows: grad.Data overlaps z.Data", func() { SoftmaxCrossEntropyRows(big.Slice(0, 4).sub(3), big.Slice(1, 5).sub(3), make([]int, 4)) }},
	}
	for _, c := range cases {
		msg, ok := panicMsg(c.f)
		if !ok || msg != c.want {
			t.Errorf("got panic %v %q, want %q", ok, msg, c.want)
		}
	}
}

// sub returns the view of the first cols columns of m.
func (m Matrix) sub(cols int) Matrix {
	return Matrix{Rows: m.Rows, Cols: cols, Stride: m.Stride, Data: m.Data}
}

func TestBatchZeroAllocs(t *testing.T) {
	x, w, z := NewMatrix(64, 784), NewMatrix(10, 784), NewMatrix(64, 10)
	g, b := NewMatrix(10, 784), make([]float32, 10)
	labels := make([]int, 64)
	forEachBackend(t, func(t *testing.T) {
		if a := testing.AllocsPerRun(20, func() {
			MatMulT(z, x, w, b)
			SoftmaxCrossEntropyRows(z, z, labels)
			AddMatMulTN(g, 1, z, x)
		}); a != 0 {
			t.Fatalf("%v allocations per batch step", a)
		}
	})
}

// FuzzBatch runs MatMulT and AddMatMulTN on fuzzed shapes and values on
// every backend and compares them with package fallback: the NaN/±Inf
// class must match, and finite results must agree within the contract.
// The loss phase (sceRows) on the logits must match the row-at-a-time
// loop bit for bit.
func FuzzBatch(f *testing.F) {
	f.Add([]byte(fuzzEnc{}.u8(5).u8(3).u16(17).small(1, 2, 3).small(1, -1)))
	f.Add([]byte(fuzzEnc{}.u8(9).u8(10).u16(40).pal(false, 0, 2, palPosInf, 3).pal(false, palNaN, 2, 0)))
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := &fuzzDec{data}
		n, k, m := int(dec.u8()%20), int(dec.u8()%12), dec.u16()%100
		x := fuzzMatrix(dec, n, m)
		w := fuzzMatrix(dec, k, m)
		bs := dec.vec(k)
		alpha := dec.vec(1)
		if len(alpha) == 0 || alpha[0] != alpha[0] {
			alpha = []float32{0.5}
		}
		labels := make([]int, n)
		for i := range labels {
			labels[i] = int(dec.u8()) % max(k, 1)
		}
		zWant := NewMatrix(n, k)
		fallback.MatMulT(zWant.Data, zWant.Stride, x.m.Data, x.m.Stride, w.m.Data, w.m.Stride, bs, n, k, m)
		gWant := w.m.Clone()
		fallback.AddMatMulTN(gWant.Data, gWant.Stride, alpha[0], zWant.Data, zWant.Stride, x.m.Data, x.m.Stride, n, k, m)
		forEachBackend(t, func(t *testing.T) {
			z := NewMatrix(n, k)
			MatMulT(z, x.m, w.m, bs)
			ctx := fmt.Sprintf("n=%d k=%d m=%d", n, k, m)
			for i := 0; i < n; i++ {
				for c := 0; c < k; c++ {
					xr, wr := x.m.Row(i), w.m.Row(c)
					_, abs := oracleDot(xr, wr)
					abs += math.Abs(float64(bs[c]))
					if abs <= maxFloat32/4 && class32(z.At(i, c)) != class32(zWant.At(i, c)) {
						t.Fatalf("%s: MatMulT z[%d,%d] = %v, fallback %v", ctx, i, c, z.At(i, c), zWant.At(i, c))
					}
				}
				if msg, _ := checkMatVec(z.Row(i), w.m, x.m.Row(i), bs); msg != "" {
					t.Fatalf("%s: MatMulT row %d: %s", ctx, i, msg)
				}
			}
			g := w.m.Clone()
			AddMatMulTN(g, alpha[0], zWant, x.m)
			exact, mag, sumAbs := refAddMatMulTN(w.m, alpha[0], zWant, x.m)
			for c := 0; c < k; c++ {
				for j := 0; j < m; j++ {
					got, want := g.At(c, j), gWant.At(c, j)
					if big := max(mag[c][j], sumAbs[c][j]); big > maxFloat32/4 || math.IsNaN(big) || math.IsInf(big, 0) {
						continue // overflow depends on the summation order
					}
					if class32(got) != class32(want) {
						t.Fatalf("%s: AddMatMulTN g[%d,%d] = %v, fallback %v", ctx, c, j, got, want)
					}
					if err := math.Abs(float64(got) - exact[c][j]); !math.IsNaN(exact[c][j]) && !(err <= 1e-5*mag[c][j]+float64(n+2)*dotSlackPerTerm) {
						t.Fatalf("%s: AddMatMulTN g[%d,%d] = %v, want %v", ctx, c, j, got, exact[c][j])
					}
				}
			}
			if k == 0 {
				return
			}
			// The loss phase on the fuzzed logits: the fused path against
			// the row-at-a-time loop, bit for bit.
			zr, zf := z.Clone(), z.Clone()
			gbr, gbf := make([]float64, k), make([]float64, k)
			lr, cr := sceRowsRef(zr, zr, labels, gbr)
			lf, cf := sceRows(zf, zf, Matrix{}, labels, gbf, nil)
			if math.Float64bits(lr) != math.Float64bits(lf) && !(lr != lr && lf != lf) || cr != cf {
				t.Fatalf("%s: sceRows loss, correct = %v, %d; row by row %v, %d", ctx, lf, cf, lr, cr)
			}
			for c := range gbr {
				if math.Float64bits(gbr[c]) != math.Float64bits(gbf[c]) && !(gbr[c] != gbr[c] && gbf[c] != gbf[c]) {
					t.Fatalf("%s: sceRows gb[%d] = %v, row by row %v", ctx, c, gbf[c], gbr[c])
				}
			}
			for i := 0; i < n; i++ {
				if msg := sameBits(zf.Row(i), zr.Row(i)); msg != "" {
					t.Fatalf("%s: sceRows row %d: %s", ctx, i, msg)
				}
			}
		})
	})
}

// TestSoftmaxCrossEntropyRowsSpecial: one special row among ordinary ones
// gives the loss SoftmaxCrossEntropy gives for it (NaN, +Inf or finite) and
// its gradient row, on every backend.
func TestSoftmaxCrossEntropyRowsSpecial(t *testing.T) {
	rows := [][]float32{
		{1, 2, 3, qNaN32, 0},
		{1, posInf32, 0, 0, 0},
		{negInf32, 2, 3, 0, 1}, // −Inf off the label: finite loss
		{1, 2, negInf32, 0, 1}, // −Inf at the label (2): +Inf loss
		{negInf32, negInf32, negInf32, negInf32, negInf32},
		{1e30, -1e30, 3e38, -3e38, 0}, // huge logits
	}
	forEachBackend(t, func(t *testing.T) {
		for si, special := range rows {
			z := NewMatrix(5, 5)
			for i := 0; i < 5; i++ {
				for j := 0; j < 5; j++ {
					z.Set(i, j, float32(i+2*j)/7)
				}
			}
			copy(z.Row(2), special)
			labels := []int{0, 1, 2, 3, 4}
			want := NewMatrix(5, 5)
			var wantLoss float64
			for i := 0; i < 5; i++ {
				wantLoss += float64(SoftmaxCrossEntropy(want.Row(i), z.Row(i), labels[i]))
			}
			for _, inPlace := range []bool{false, true} {
				zz := z.Clone()
				grad := NewMatrix(5, 5)
				if inPlace {
					grad = zz
				}
				loss := SoftmaxCrossEntropyRows(grad, zz, labels)
				if class64(loss) != class64(wantLoss) || (!math.IsNaN(wantLoss) && !math.IsInf(wantLoss, 0) && math.Abs(loss-wantLoss) > 1e-6) {
					t.Fatalf("row %d in place %v: loss %v, want %v", si, inPlace, loss, wantLoss)
				}
				for i := 0; i < 5; i++ {
					if msg := sameBits(grad.Row(i), want.Row(i)); msg != "" {
						t.Fatalf("row %d in place %v: grad row %d: %s", si, inPlace, i, msg)
					}
				}
			}
		}
	})
}

// TestNoFeatures: with no columns the logits are the bias (+0 for −0), on
// every backend, even when the matrices hold no element at all.
func TestNoFeatures(t *testing.T) {
	forEachBackend(t, func(t *testing.T) {
		w := Matrix{Rows: 3, Cols: 0, Stride: 7}
		x := Matrix{Rows: 5, Cols: 0, Stride: 9}
		b := []float32{1, negZero32, -2}
		want := []float32{1, 0, -2}
		y := make([]float32, 3)
		MatVec(y, w, nil, b)
		if msg := sameBits(y, want); msg != "" {
			t.Fatalf("MatVec: %s", msg)
		}
		MatVec(y, w, nil, nil)
		if msg := sameBits(y, []float32{0, 0, 0}); msg != "" {
			t.Fatalf("MatVec without bias: %s", msg)
		}
		z := NewMatrix(5, 3)
		MatMulT(z, x, w, b)
		for i := 0; i < 5; i++ {
			if msg := sameBits(z.Row(i), want); msg != "" {
				t.Fatalf("MatMulT row %d: %s", i, msg)
			}
		}
		g := Matrix{Rows: 3, Cols: 0, Stride: 4}
		AddMatMulTN(g, 1, z, x) // nothing to do
		AddOuter(g, 1, []float32{1, 2, 3}, nil)
	})
}

// TestMatMulTPf: the trainer's prefetching MatMulT gives MatMulT's results
// bit for bit on every backend, whatever the prefetch addresses, with
// remainder rows and several kernel calls per row block, and reports the
// rows whose addresses its kernel used.
func TestMatMulTPf(t *testing.T) {
	rng := newRand(81)
	other := make([]float32, 4096)
	forEachBackend(t, func(t *testing.T) {
		for _, sh := range [][3]int{{64, 10, 784}, {7, 3, 17}, {13, 10, 30000}, {1, 1, 1}} {
			n, k, m := sh[0], sh[1], sh[2]
			x, w := NewMatrix(n, m), NewMatrix(k, m)
			for i := range x.Data {
				x.Data[i] = float32(rng.NormFloat64())
			}
			for i := range w.Data {
				w.Data[i] = float32(rng.NormFloat64())
			}
			b := make([]float32, k)
			for i := range b {
				b[i] = float32(rng.NormFloat64())
			}
			want, got := NewMatrix(n, k), NewMatrix(n, k)
			MatMulT(want, x, w, b)
			pf := make([]uintptr, n)
			for i := range pf {
				if i%2 == 0 {
					pf[i] = uintptr(unsafe.Pointer(&other[i%len(other)]))
				}
			}
			done := matMulTPfImpl(got, x, w, b, pf)
			if msg := sameBits(got.Data, want.Data); msg != "" {
				t.Fatalf("%d×%d·(%d×%d)ᵀ: %s", n, m, k, m, msg)
			}
			if done < 0 || done > n || (Backend() == "generic" && done != 0) {
				t.Fatalf("%d×%d: %d rows of pf used", n, m, done)
			}
		}
	})
}

// TestGatherImpl: where the backend has gather kernels, the trainer's
// MatMulT and AddMatMulTN on rows picked out of a matrix by index (and a
// column range) give the results of the plain ones on those rows copied
// into a block, bit for bit: with remainder rows, several calls per row
// block, a chunked k, a repeated row and the matrix's last row.
func TestGatherImpl(t *testing.T) {
	rng := newRand(83)
	forEachBackend(t, func(t *testing.T) {
		if !gatherOK() {
			t.Skipf("no gather kernels on %s", Backend())
		}
		for _, sh := range [][5]int{{64, 10, 784, 0, 784}, {37, 10, 384, 400, 784}, {7, 3, 17, 5, 30}, {70, 11, 7000, 0, 7001}, {1, 1, 1, 2, 3}} {
			n, k, m, c0, cols := sh[0], sh[1], sh[2], sh[3], sh[4]
			x := NewMatrix(2*n+1, cols)
			fillRand(rng, x.Data)
			rows := make([]uint32, n)
			for i := range rows {
				rows[i] = uint32(rng.IntN(x.Rows))
			}
			rows[n-1] = uint32(x.Rows - 1)
			if n > 2 {
				rows[1] = rows[0]
			}
			xb := NewMatrix(n, m)
			xp := make([]uintptr, n)
			for i, r := range rows {
				copy(xb.Row(i), x.Row(int(r))[c0:c0+m])
				xp[i] = uintptr(unsafe.Pointer(&x.Row(int(r))[c0]))
			}
			w, b := NewMatrix(k, m), make([]float32, k)
			fillRand(rng, w.Data)
			fillRand(rng, b)
			want, got := NewMatrix(n, k), NewMatrix(n, k)
			pf := make([]uintptr, n)
			wantDone := matMulTPfImpl(want, xb, w, b, pf)
			done := matMulTGatherImpl(got, x, ByteMatrix{}, nil, rows, c0, w, b, xp, pf)
			if msg := sameBits(got.Data, want.Data); msg != "" {
				t.Fatalf("MatMulT n=%d k=%d m=%d: %s", n, k, m, msg)
			}
			if done != wantDone {
				t.Fatalf("MatMulT n=%d: %d rows prefetched by the kernel, want %d", n, done, wantDone)
			}
			g0 := NewMatrix(k, m)
			fillRand(rng, g0.Data)
			gw, gg := g0.Clone(), g0.Clone()
			addMatMulTNImpl(gw, -0.25, want, xb)
			addMatMulTNGatherImpl(gg, -0.25, want, xp)
			runtime.KeepAlive(x) // xp's uintptrs do not keep the rows alive
			if msg := sameBits(gg.Data, gw.Data); msg != "" {
				t.Fatalf("AddMatMulTN n=%d k=%d m=%d: %s", n, k, m, msg)
			}

			// The same rows as byte codes: MatMulT's results on rows of
			// the codes' float32 values (the rows past the last whole
			// block through dec).
			x8 := ByteMatrix{Rows: x.Rows, Cols: cols, Stride: cols + 3, Data: make([]uint8, x.Rows*(cols+3)), Scale: make([]float32, cols)}
			for i := range x8.Data {
				x8.Data[i] = uint8(rng.IntN(256))
			}
			for i, r := range rows {
				for j, c := range x8.Row(int(r))[c0 : c0+m] {
					xb.Row(i)[j] = float32(c)
				}
				xp[i] = uintptr(unsafe.Pointer(&x8.Data[int(r)*x8.Stride+c0]))
			}
			matMulTPfImpl(want, xb, w, b, pf)
			matMulTGatherImpl(got, Matrix{}, x8, make([]float32, m), rows, c0, w, b, xp, pf)
			runtime.KeepAlive(x8.Data)
			if msg := sameBits(got.Data, want.Data); msg != "" {
				t.Fatalf("MatMulT on codes n=%d k=%d m=%d: %s", n, k, m, msg)
			}
		}
	})
}

// TestSGDGatherSameModel: training through the gather kernels gives the
// model of the copying path, bit for bit, on 1 and 2 workers.
func TestSGDGatherSameModel(t *testing.T) {
	forEachBackendModel(t, func(t *testing.T) {
		if !gatherOK() {
			t.Skipf("no gather kernels on %s", Backend())
		}
		// 96 features: W without padding (one worker trains it in
		// place); 100: column tails. Batches of 130 span two blocks of
		// AddMatMulTN's samples; L2 = 0 skips the L2 term, L1 ≠ 0 takes
		// the unfused update.
		for _, c := range []struct {
			m, batch int
			l2, l1   float64
		}{{100, 50, 1e-3, 0}, {96, 50, 1e-3, 0}, {100, 130, 1e-3, 0}, {96, 64, 0, 0}, {100, 50, 1e-3, 1e-4}} {
			x, y := blobs(25, 700, c.m, 5, 0.6)
			for _, workers := range []int{1, 2} {
				fit := func() *Model {
					m := NewModel(5, c.m)
					tr := Trainer{Epochs: 2, BatchSize: c.batch, LearningRate: 0.05, Momentum: 0.9, L2: c.l2, L1: c.l1, Seed: 6, Workers: workers}
					if _, err := tr.Fit(m, x, y, Matrix{}, nil); err != nil {
						t.Fatal(err)
					}
					return m
				}
				a := fit()
				noGather = true
				b := fit()
				noGather = false
				if !modelsEqual(a, b) {
					t.Fatalf("%+v workers=%d: the gather and copy paths trained different models", c, workers)
				}
			}
		}
	})
}

// sceRowsRef is sceRows written one row at a time (softmaxRowImpl, then
// SoftmaxCrossEntropy's path for special rows): the trainer's loss phase
// before the fused kernel.
func sceRowsRef(grad, z Matrix, labels []int, gb []float64) (loss float64, correct int) {
	var lin, logs float64
	prod := 1.0
	for i, label := range labels {
		zr, gr := z.Row(i), grad.Row(i)
		zy := zr[label]
		if isArgmax(zr, label) {
			correct++
		}
		m, s, one := softmaxRowImpl(gr, zr)
		switch {
		case one && s == s && s > 0:
			gr[label] -= 1
			lin += float64(m) - float64(zy)
			if prod *= s; prod > sceFlush {
				logs += fallback.LogSum(prod)
				prod = 1
			}
		case one && s != s:
			fill(gr, nan32)
			lin = math.NaN()
		default:
			lin += float64(softmaxCrossEntropyImpl(gr, zr, label))
		}
		for c, d := range gr {
			gb[c] += float64(d)
		}
	}
	return lin + logs + fallback.LogSum(prod), correct
}

// TestSceRows checks the trainer's loss phase (the fused kernel on AVX-512
// for up to 16 classes, restarted after special rows and product flushes;
// with and without a second addend of the logits) against the
// row-at-a-time loop on the summed logits, bit for bit: gradients, loss,
// argmax count and bias-gradient sums (which start from nonzero values).
func TestSceRows(t *testing.T) {
	forEachBackend(t, func(t *testing.T) {
		r := newRand(59)
		for _, sh := range [][2]int{{0, 3}, {1, 1}, {5, 10}, {64, 10}, {65, 16}, {300, 16}, {250, 9}, {40, 17}, {3, 100}} {
			n, k := sh[0], sh[1]
			for trial := 0; trial < 6; trial++ {
				z := makeTestMatrix(n, k, (n+trial)%matrixKinds, func() float32 { return distSpread.gen(r) })
				if trial%2 == 1 { // equal logits: row sums k, flushes in long batches
					for i := 0; i < n; i++ {
						clear(z.m.Row(i))
					}
				}
				labels := make([]int, n)
				for i := range labels {
					labels[i] = r.IntN(k)
				}
				if n > 4 && trial >= 2 {
					// Special rows, one of them last, and a tie.
					z.m.Set(r.IntN(n), r.IntN(k), qNaN32)
					z.m.Set(n-1, r.IntN(k), posInf32)
					z.m.Set(r.IntN(n), r.IntN(k), negInf32)
					i := r.IntN(n)
					z.m.Set(i, labels[i], 5)
					z.m.Set(i, (labels[i]+1)%k, 5)
				}
				gb0 := make([]float64, k)
				for c := range gb0 {
					gb0[c] = r.NormFloat64()
				}
				for _, derive := range []bool{false, true} {
					if derive && k > 16 {
						continue // derived rows: at most 16 classes
					}
					want := z.m.Clone()
					// A second addend (a second worker's partial logits) in
					// every third trial, added to the reference's logits.
					var z2 Matrix
					if trial%3 == 2 {
						z2 = NewMatrix(n, k)
						for i := 0; i < n; i++ {
							for c := range z2.Row(i) {
								z2.Set(i, c, distSpread.gen(r))
							}
						}
						if n > 4 {
							z2.Set(r.IntN(n), r.IntN(k), qNaN32)
						}
						for i := 0; i < n; i++ {
							for c, v := range z2.Row(i) {
								want.Row(i)[c] += v
							}
						}
					}
					// With a bias: rows whose last class is derived
					// (fallback.DeriveLast); the last column of the input
					// (z's and z2's) is then NaN, never read.
					in, in2 := z.m, z2
					var b []float32
					if derive {
						b = make([]float32, k)
						for c := range b {
							b[c] = distSpread.gen(r)
						}
						for i := 0; i < n; i++ {
							fallback.DeriveLast(want.Row(i), b)
						}
						in = z.m.Clone()
						for i := 0; i < n; i++ {
							in.Set(i, k-1, qNaN32)
						}
						if z2.Data != nil {
							in2 = z2.Clone()
							for i := 0; i < n; i++ {
								in2.Set(i, k-1, qNaN32)
							}
						}
					}
					wantGB := append([]float64(nil), gb0...)
					wantLoss, wantCorrect := sceRowsRef(want, want, labels, wantGB)

					ctx := fmt.Sprintf("%d×%d trial %d derive %v", n, k, trial, derive)
					for _, inPlace := range []bool{false, true} {
						zz := in.Clone()
						grad := makeTestMatrix(n, k, (n+1)%matrixKinds, func() float32 { return 0 })
						g := grad.m
						if inPlace {
							g = zz
						}
						gb := append([]float64(nil), gb0...)
						loss, correct := sceRows(g, zz, in2, labels, gb, b)
						if math.Float64bits(loss) != math.Float64bits(wantLoss) && !(loss != loss && wantLoss != wantLoss) {
							t.Fatalf("%s in place %v: loss %v, want %v", ctx, inPlace, loss, wantLoss)
						}
						if correct != wantCorrect {
							t.Fatalf("%s in place %v: correct %d, want %d", ctx, inPlace, correct, wantCorrect)
						}
						for c := range gb {
							if math.Float64bits(gb[c]) != math.Float64bits(wantGB[c]) && !(gb[c] != gb[c] && wantGB[c] != wantGB[c]) {
								t.Fatalf("%s in place %v: gb[%d] = %v, want %v", ctx, inPlace, c, gb[c], wantGB[c])
							}
						}
						for i := 0; i < n; i++ {
							if msg := sameBits(g.Row(i), want.Row(i)); msg != "" {
								t.Fatalf("%s in place %v: row %d: %s", ctx, inPlace, i, msg)
							}
						}
						if msg := grad.checkGuards(); msg != "" {
							t.Fatalf("%s: %s", ctx, msg)
						}
						// Without gb: the same loss, no count.
						zz = in.Clone()
						if l2, c2 := sceRows(zz, zz, in2, labels, nil, b); math.Float64bits(l2) != math.Float64bits(loss) || c2 != 0 {
							t.Fatalf("%s: without gb: %v, %d; with: %v, %d", ctx, l2, c2, loss, correct)
						}
					}
				}
			}
		}
	})
}

// TestFitBytesSameModel: FitBytes on codes trains the model Fit trains on
// the decoded rows: to rounding through the gather kernels on codes
// (amd64 without L1), bit for bit on the paths that decode the rows
// (generic, arm64, gather kernels off, L1); on 1–3 workers, with column
// tails, batches over 64 rows (the gradient kernel in blocks) and with
// rows past MatMulT's last whole block, L2 = 0, row weights and the
// full-objective stopping test (which decodes the rows), warm-started.
func TestFitBytesSameModel(t *testing.T) {
	forEachBackendModel(t, func(t *testing.T) {
		xf, y := blobs(26, 700, 100, 5, 0.6)
		rng := newRand(27)
		for _, m := range []int{100, 96} {
			// Codes of the blobs' rows: affine in each column, as min-max
			// scaling of 8-bit data makes them.
			x8 := ByteMatrix{Rows: xf.Rows, Cols: m, Stride: m + 5, Data: make([]uint8, xf.Rows*(m+5)), Scale: make([]float32, m)}
			for j := range x8.Scale {
				x8.Scale[j] = float32(0.5+rng.Float64()) / 255
			}
			fillCodes(x8, xf)
			x := x8.Float()
			for _, c := range []struct {
				batch   int
				l2, l1  float64
				weights bool
				gradTol float64
			}{{50, 1e-3, 0, false, 0}, {30, 0, 0, false, 0}, {130, 1e-3, 1e-4, false, 0}, {64, 1e-3, 0, true, 1e-9}} {
				for _, workers := range []int{1, 2, 3} {
					tr := Trainer{Epochs: 2, BatchSize: c.batch, LearningRate: 0.05, Momentum: 0.9, L2: c.l2, L1: c.l1, Seed: 6, Workers: workers, GradTol: c.gradTol}
					if c.weights {
						tr.ClassWeights = []float64{1, 2, 0.5, 1, 3}
					}
					for _, off := range []bool{false, true} {
						noGather = off
						// Warm-started from the same nonzero model: W times
						// the scales starts from W.
						a := NewModel(5, m)
						fillRand(newRand(uint64(m)), a.W.Data)
						fillRand(newRand(uint64(m)+1), a.B)
						b := a.Clone()
						ra, err := tr.Fit(a, x, y, Matrix{}, nil)
						if err != nil {
							t.Fatal(err)
						}
						rb, err := tr.FitBytes(b, x8, y, Matrix{}, nil)
						noGather = false
						if err != nil {
							t.Fatal(err)
						}
						// The gather kernels on codes (amd64, no L1) compute
						// Σ (w·scale)·code and scale the gradient sums: the
						// same model to rounding. Every other path decodes
						// the rows: the same model, bit for bit.
						if gatherOK() && !off && c.l1 == 0 {
							if d := maxRelDiff(a, b); d > 1e-5 || d == 0 {
								t.Fatalf("m=%d %+v workers=%d: FitBytes's model differs from Fit's on the decoded rows by %g (relative to the largest weight), want (0, 1e-5]", m, c, workers, d)
							}
						} else if !modelsEqual(a, b) {
							t.Fatalf("m=%d %+v workers=%d noGather=%v: FitBytes trained another model than Fit on the decoded rows", m, c, workers, off)
						}
						la, lb := ra.History[len(ra.History)-1].TrainLoss, rb.History[len(rb.History)-1].TrainLoss
						if len(ra.History) != len(rb.History) || math.Abs(la-lb) > 1e-5*math.Abs(la) || c.gradTol > 0 && math.Abs(ra.History[0].GradNorm-rb.History[0].GradNorm) > 1e-3*ra.History[0].GradNorm {
							t.Fatalf("m=%d %+v workers=%d: histories differ: %+v, %+v", m, c, workers, ra.History, rb.History)
						}
					}
				}
			}
		}
	})
}

// fillCodes sets the codes of x8 from the first x8.Cols columns of xf
// (blobs' rows): 128 + 40·v, clamped to [0, 255].
func fillCodes(x8 ByteMatrix, xf Matrix) {
	for i := 0; i < x8.Rows; i++ {
		for j, v := range xf.Row(i)[:x8.Cols] {
			x8.Row(i)[j] = uint8(max(0, min(255, 128+int(40*v))))
		}
	}
}

// maxRelDiff returns the largest difference between the parameters of a
// and b (same shape) over the largest magnitude among a's.
func maxRelDiff(a, b *Model) float64 {
	var d, big float64
	for i := 0; i < a.Classes; i++ {
		for j, v := range a.W.Row(i) {
			d = max(d, math.Abs(float64(v-b.W.At(i, j))))
			big = max(big, math.Abs(float64(v)))
		}
		d = max(d, math.Abs(float64(a.B[i]-b.B[i])))
		big = max(big, math.Abs(float64(a.B[i])))
	}
	return d / big
}

// TestFitBytesErrors: malformed codes and scales whose values overflow are
// errors, and m is left alone.
func TestFitBytesErrors(t *testing.T) {
	y := []int{0, 1, 0}
	ok := ByteMatrix{Rows: 3, Cols: 2, Stride: 2, Data: []uint8{1, 2, 3, 4, 5, 6}, Scale: []float32{1, 0.5}}
	for _, c := range []struct {
		name string
		x    ByteMatrix
		y    []int
		want string
	}{
		{"short data", ByteMatrix{Rows: 3, Cols: 2, Stride: 2, Data: []uint8{1, 2, 3}, Scale: []float32{1, 1}}, y, "malformed byte matrix"},
		{"stride", ByteMatrix{Rows: 3, Cols: 2, Stride: 1, Data: make([]uint8, 6), Scale: []float32{1, 1}}, y, "malformed byte matrix"},
		{"scales", ByteMatrix{Rows: 3, Cols: 2, Stride: 2, Data: make([]uint8, 6), Scale: []float32{1}}, y, "2 columns and 1 scales"},
		{"NaN scale", ByteMatrix{Rows: 3, Cols: 2, Stride: 2, Data: make([]uint8, 6), Scale: []float32{1, float32(math.NaN())}}, y, "scale of column 1 is NaN"},
		{"overflow", ByteMatrix{Rows: 3, Cols: 2, Stride: 2, Data: make([]uint8, 6), Scale: []float32{3e37, 1}}, y, "scale of column 0"},
		{"labels", ok, []int{0, 1}, "2 labels for 3 rows"},
		{"label range", ok, []int{0, 1, 7}, "label 7 out of range"},
		{"no rows", ByteMatrix{Cols: 2, Scale: []float32{1, 1}}, nil, "no rows"},
		{"features", ByteMatrix{Rows: 3, Cols: 1, Stride: 1, Data: make([]uint8, 3), Scale: []float32{1}}, y, "data has 1 features, model has 2"},
	} {
		m := NewModel(2, 2)
		m.B[0] = 0.5
		_, err := (&Trainer{Epochs: 1}).FitBytes(m, c.x, c.y, Matrix{}, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		if m.B[0] != 0.5 || m.W.At(0, 0) != 0 {
			t.Fatalf("%s: the model changed", c.name)
		}
	}
	if _, err := (&Trainer{Epochs: 1}).FitBytes(NewModel(2, 2), ok, y, Matrix{}, nil); err != nil {
		t.Fatalf("valid codes: %v", err)
	}
	if v := ok.At(2, 1); v != 3 {
		t.Fatalf("At(2, 1) = %v, want 6·0.5", v)
	}
}

// TestNewByteMatrix: the layout NewByteMatrix promises (64-byte rows on
// 64-byte boundaries, zero codes, scales 1), Row, At and Float, and the
// panics on bad dimensions and indices.
func TestNewByteMatrix(t *testing.T) {
	for _, c := range [][2]int{{0, 0}, {3, 0}, {0, 5}, {1, 1}, {3, 64}, {3, 70}, {2, 784}} {
		b := NewByteMatrix(c[0], c[1])
		if b.Rows != c[0] || b.Cols != c[1] || b.Stride%64 != 0 || b.Stride < b.Cols || b.Stride >= b.Cols+64 || len(b.Data) != b.Rows*b.Stride || len(b.Scale) != b.Cols {
			t.Fatalf("%v: %d×%d, Stride %d, %d codes, %d scales", c, b.Rows, b.Cols, b.Stride, len(b.Data), len(b.Scale))
		}
		if len(b.Data) > 0 && uintptr(unsafe.Pointer(&b.Data[0]))%64 != 0 {
			t.Fatalf("%v: rows not on 64-byte boundaries", c)
		}
		for _, s := range b.Scale {
			if s != 1 {
				t.Fatalf("%v: scale %v", c, s)
			}
		}
		if err := b.Validate(); err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		for i := 0; i < b.Rows; i++ {
			row := b.Row(i)
			for j := range row {
				row[j] = uint8(i*7 + j)
			}
		}
		for j := range b.Scale {
			b.Scale[j] = 0.5 + float32(j)
		}
		f := b.Float()
		for i := 0; i < b.Rows; i++ {
			for j := 0; j < b.Cols; j++ {
				want := float32(uint8(i*7+j)) * (0.5 + float32(j))
				if b.At(i, j) != want || f.At(i, j) != want {
					t.Fatalf("%v: (%d, %d) = %v, %v, want %v", c, i, j, b.At(i, j), f.At(i, j), want)
				}
			}
		}
	}
	b := NewByteMatrix(2, 3)
	for _, f := range []func(){
		func() { NewByteMatrix(-1, 3) },
		func() { b.Row(2) },
		func() { b.Row(-1) },
		func() { b.At(0, 3) },
		func() { b.At(2, 0) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
}

// TestFitBytesShapes: FitBytes against Fit on the decoded rows for 2 and
// 17 classes (the derived last class with one summed class; the loss
// phase without the fused kernel) and 1–20 features on 1–3 workers (some
// without columns).
func TestFitBytesShapes(t *testing.T) {
	forEachBackendModel(t, func(t *testing.T) {
		for _, k := range []int{2, 17} {
			for _, m := range []int{1, 3, 20} {
				xf, y := blobs(uint64(30+k+m), 300, m, k, 0.6)
				x8 := NewByteMatrix(xf.Rows, m)
				for j := range x8.Scale { // features in [0, 1.5], as min-max scaling makes them
					x8.Scale[j] = (0.5 + float32(j)/float32(m)) / 255
				}
				fillCodes(x8, xf)
				x := x8.Float()
				for _, workers := range []int{1, 2, 3} {
					tr := Trainer{Epochs: 2, BatchSize: 32, LearningRate: 0.05, Momentum: 0.9, L2: 1e-3, Seed: 2, Workers: workers}
					a, b := NewModel(k, m), NewModel(k, m)
					if _, err := tr.Fit(a, x, y, Matrix{}, nil); err != nil {
						t.Fatal(err)
					}
					if _, err := tr.FitBytes(b, x8, y, Matrix{}, nil); err != nil {
						t.Fatal(err)
					}
					if d := maxRelDiff(a, b); d > 1e-5 {
						t.Fatalf("k=%d m=%d workers=%d: FitBytes's model differs from Fit's by %g", k, m, workers, d)
					}
				}
			}
		}
	})
}
