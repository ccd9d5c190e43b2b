package kernel

// Native fuzz targets, one per op. Each decodes the fuzz input into
// dimensions and float32 vectors (see fuzzDec.vec), runs the op on every
// backend in Available() with misaligned inputs and guarded outputs, and
// holds the result to the contract with the checkers of oracle_test.go. On
// top of the oracle, the NaN/±Inf class of every result must be the one
// package fallback gives.
//
// Filters (inputs where the contract legitimately does not apply; the
// checkers skip them and only the class comparisons that stay meaningful
// remain):
//   - Dot, MatVec, AddOuter: Σ|terms| (finite terms) > MaxFloat32/4. A
//     float32 product or partial sum may then overflow, depending on the
//     summation order, so neither the tolerance nor the NaN/Inf class is
//     defined; only "a NaN input, an Inf·0 or +Inf and −Inf terms give NaN"
//     is still required.
//   - AddOuter: a row whose alpha·d[i] is finite, nonzero and outside the
//     normal float32 range. Every backend rounds alpha·d[i] to float32
//     before multiplying by x[j], so a subnormal or overflowing alpha·d[i]
//     loses the relative accuracy (or finiteness) that the exact
//     alpha·d[i]·x[j] has. Such rows are only compared with the fallback.
//   - The float32 results of the Softmax family need no filter: the oracle
//     implements the special-value rules of doc.go, and an output whose
//     exact value is beyond the float32 range may be the ±Inf it rounds to.

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/seed7bc074a2/maxent/fallback"
)

// fuzzDec reads a fuzz input; past its end it reads zeros.
type fuzzDec struct{ b []byte }

func (d *fuzzDec) u8() byte {
	if len(d.b) == 0 {
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *fuzzDec) u16() int { return int(d.u8()) | int(d.u8())<<8 }

// fuzzPalette holds the values encoding 3 of fuzzDec.vec picks from: the
// special values and the edges of exp's range, plus the logit whose exp is
// just below half an ULP of 1 (absorbed by a float32 sum holding 1).
var fuzzPalette = [...]float32{
	0, negZero32, 1, -1, 0.5, -0.5, 2, -2,
	qNaN32, posInf32, negInf32, math.MaxFloat32, -math.MaxFloat32, minNormal32, -minNormal32, 1e-45,
	fallback.ExpMinInput, fallback.ExpMaxInput, -87.34, 88.73, 88.7, -87.3, 3e38, -3e38,
	1e4, -1e4, 50, -50, 100, -100, 1e-20, 1e20,
	-16.6456, 1e-30, 1e30, -1e-45, math.Float32frombits(0x7f800001), math.Float32frombits(0xffc12345), 0.1, -0.1,
}

// vec decodes n float32s. A mode byte selects the encoding of the values in
// its low two bits — 0: 4-byte little-endian float32 bit patterns (so NaNs,
// infinities and subnormals occur), 1: int8/8, 2: int16/256, 3: an index
// into fuzzPalette — and with bit 2 set the vector is padded with its last
// value instead of repeating the values cyclically. A count byte gives the
// number k ≤ 256 of values to read; the vector repeats them to length n
// (zeros if the input has run out), so a short input yields long vectors
// with repeated structure.
func (d *fuzzDec) vec(n int) []float32 {
	mode := d.u8()
	k := int(d.u8()) + 1
	var vals []float32
	for len(vals) < k && len(d.b) > 0 {
		switch mode & 3 {
		case 0:
			var b [4]byte
			copy(b[:], d.b)
			d.b = d.b[min(4, len(d.b)):]
			vals = append(vals, math.Float32frombits(binary.LittleEndian.Uint32(b[:])))
		case 1:
			vals = append(vals, float32(int8(d.u8()))/8)
		case 2:
			vals = append(vals, float32(int16(d.u16()))/256)
		case 3:
			vals = append(vals, fuzzPalette[int(d.u8())%len(fuzzPalette)])
		}
	}
	out := make([]float32, n)
	if len(vals) == 0 {
		return out
	}
	for i := range out {
		switch {
		case i < len(vals):
			out[i] = vals[i]
		case mode&4 != 0:
			out[i] = vals[len(vals)-1]
		default:
			out[i] = vals[i%len(vals)]
		}
	}
	return out
}

// fuzzEnc builds seed inputs for fuzzDec.
type fuzzEnc []byte

func (e fuzzEnc) u8(v byte) fuzzEnc { return append(e, v) }
func (e fuzzEnc) u16(v int) fuzzEnc { return append(e, byte(v), byte(v>>8)) }

// raw encodes vals as float32 bit patterns (mode 0, or 4 if padLast).
func (e fuzzEnc) raw(padLast bool, vals ...float32) fuzzEnc {
	e = e.u8(map[bool]byte{false: 0, true: 4}[padLast]).u8(byte(len(vals) - 1))
	for _, v := range vals {
		e = binary.LittleEndian.AppendUint32(e, math.Float32bits(v))
	}
	return e
}

// pal encodes palette indices (mode 3, or 7 if padLast).
func (e fuzzEnc) pal(padLast bool, idx ...byte) fuzzEnc {
	e = e.u8(map[bool]byte{false: 3, true: 7}[padLast]).u8(byte(len(idx) - 1))
	return append(e, idx...)
}

// small encodes vals as int8/8 (mode 1).
func (e fuzzEnc) small(vals ...int8) fuzzEnc {
	e = e.u8(1).u8(byte(len(vals) - 1))
	for _, v := range vals {
		e = append(e, byte(v))
	}
	return e
}

// Palette indices used by the seeds.
const (
	palNaN    = 8
	palPosInf = 9
	palNegInf = 10
	palMax    = 11
	palNegMax = 12
	pal3e38   = 22
	palN3e38  = 23
)

// classesAgree reports the first index where got and want differ in class.
func classesAgree(got, want []float32) string {
	for i := range got {
		if class32(got[i]) != class32(want[i]) {
			return fmt.Sprintf("[%d] = %v, fallback gives %v", i, got[i], want[i])
		}
	}
	return ""
}

// mustNaNDot reports whether Σ x[i]·y[i] is NaN in any summation order and
// whatever overflows: a NaN factor, an Inf·0, or both +Inf and −Inf terms.
func mustNaNDot(x, y []float32) bool {
	var pos, neg bool
	for i, v := range x {
		p := float64(v) * float64(y[i])
		switch {
		case p != p:
			return true
		case math.IsInf(p, 1):
			pos = true
		case math.IsInf(p, -1):
			neg = true
		}
	}
	return pos && neg
}

func FuzzExp(f *testing.F) {
	f.Add([]byte(fuzzEnc{}.u16(37).raw(false, 0, negZero32, 1, -1, 88.72283, 88.72284, -87.33654, -87.33655).u8(3)))
	f.Add([]byte(fuzzEnc{}.u16(300).pal(false, palNaN, palPosInf, palNegInf, palMax, palNegMax, 16, 17, 18, 19, 13, 15, 35, 36, 37).u8(7)))
	f.Add([]byte(fuzzEnc{}.u16(1000).u8(2).u8(255)))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &fuzzDec{data}
		n := d.u16() % 1025
		xs := d.vec(n)
		off := int(d.u8() % 16)
		forEachBackend(t, func(t *testing.T) {
			x := inBuf(xs, off)
			out := outBuf(n, 15-off%15)
			Exp(out.s(), x)
			for i, v := range xs {
				if msg := checkExp(out.s()[i], v); msg != "" {
					t.Fatalf("element %d of %d: %s", i, n, msg)
				}
				if fb := fallback.Exp32(v); class32(fb) != class32(out.s()[i]) {
					t.Fatalf("exp(%v) = %v, fallback.Exp32 gives %v", v, out.s()[i], fb)
				}
			}
			if msg := out.check(); msg != "" {
				t.Fatalf("dst %s", msg)
			}
			inputUnchanged(t, "Exp", "src", x, xs)
			in := slices.Clone(xs)
			Exp(in, in)
			if msg := sameBits(in, out.s()); msg != "" {
				t.Fatalf("Exp in place differs: %s", msg)
			}
		})
	})
}

func FuzzDot(f *testing.F) {
	f.Add([]byte(fuzzEnc{}.u16(3).small(1, 2, 3).small(4, 5, 6)))
	f.Add([]byte(fuzzEnc{}.u16(1025).small(8, -8, 3).raw(true, 1e4, -1e4, 3)))
	f.Add([]byte(fuzzEnc{}.u16(40).pal(false, 0, 1, 2, palPosInf).pal(false, 2, 0, 3, 0)))
	f.Add([]byte(fuzzEnc{}.u16(17).raw(false, 3e38, 3e38, -3e38).raw(false, 2, 1, 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &fuzzDec{data}
		n := d.u16() % 4097
		xs, ys := d.vec(n), d.vec(n)
		offX, offY := offsets(int(d.u8()))
		want := fallback.Dot(xs, ys)
		forEachBackend(t, func(t *testing.T) {
			x, y := inBuf(xs, offX), inBuf(ys, offY)
			got := Dot(x, y)
			msg, checked := checkDot(got, xs, ys)
			if msg != "" {
				t.Fatalf("Dot n=%d: %s", n, msg)
			}
			if checked && class32(got) != class32(want) {
				t.Fatalf("Dot n=%d = %v, fallback gives %v", n, got, want)
			}
			if !checked && mustNaNDot(xs, ys) && got == got {
				t.Fatalf("Dot n=%d = %v, want NaN (NaN input, Inf·0 or ±Inf terms)", n, got)
			}
			inputUnchanged(t, "Dot", "x", x, xs)
			inputUnchanged(t, "Dot", "y", y, ys)
		})
	})
}

// fuzzMatrix decodes a guarded rows×cols matrix of a layout kind from d.
func fuzzMatrix(d *fuzzDec, rows, cols int) guardedMatrix {
	kind := int(d.u8()) % matrixKinds
	vals := d.vec(rows * cols)
	k := 0
	return makeTestMatrix(rows, cols, kind, func() float32 { k++; return vals[k-1] })
}

func FuzzMatVec(f *testing.F) {
	f.Add([]byte(fuzzEnc{}.u8(3).u16(5).u8(0).small(1, 2, 3).small(1, -1).u8(1).small(1, 2, 3)))
	f.Add([]byte(fuzzEnc{}.u8(10).u16(784).u8(3).small(1, -2, 3, 7).small(5, 3).u8(2).small(4)))
	f.Add([]byte(fuzzEnc{}.u8(4).u16(9).u8(1).pal(false, 0, 2, palPosInf, 3).pal(false, palPosInf, 2, 0).u8(1).pal(false, palNaN, 0)))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &fuzzDec{data}
		rows, cols := int(d.u8()%17), d.u16()%300
		w := fuzzMatrix(d, rows, cols)
		xs := d.vec(cols)
		biasMode := d.u8() % 3 // 0: nil, 1: separate b, 2: y == b
		bs := d.vec(rows)
		if biasMode == 0 {
			bs = nil
		}
		want := make([]float32, rows)
		var wb []float32
		if biasMode != 0 {
			copy(want, bs)
			wb = want
		}
		fallback.MatVec(want, w.m.Data, w.m.Stride, xs, wb)
		wBefore := slices.Clone(w.buf)
		forEachBackend(t, func(t *testing.T) {
			offX, offY := offsets(rows*300 + cols)
			x := inBuf(xs, offX)
			y := outBuf(rows, offY)
			var b []float32
			switch biasMode {
			case 1:
				b = inBuf(bs, 1+offY%7)
			case 2:
				copy(y.s(), bs)
				b = y.s()
			}
			MatVec(y.s(), w.m, x, b)
			ctx := fmt.Sprintf("MatVec %d×%d stride %d bias mode %d", rows, cols, w.m.Stride, biasMode)
			if msg, _ := checkMatVec(y.s(), w.m, xs, bs); msg != "" {
				t.Fatalf("%s: %s", ctx, msg)
			}
			for i := range rows {
				row := w.m.Data[i*w.m.Stride : i*w.m.Stride+cols]
				_, abs := oracleDot(row, xs)
				if bs != nil {
					abs += math.Abs(float64(bs[i]))
				}
				if abs <= maxFloat32/4 && class32(y.s()[i]) != class32(want[i]) {
					t.Fatalf("%s: y[%d] = %v, fallback gives %v", ctx, i, y.s()[i], want[i])
				}
				nan := mustNaNDot(row, xs) || (bs != nil && bs[i] != bs[i])
				if nan && y.s()[i] == y.s()[i] {
					t.Fatalf("%s: y[%d] = %v, want NaN", ctx, i, y.s()[i])
				}
			}
			if msg := y.check(); msg != "" {
				t.Fatalf("%s: y %s", ctx, msg)
			}
			inputUnchanged(t, ctx, "w (buffer incl. padding)", w.buf, wBefore)
			inputUnchanged(t, ctx, "x", x, xs)
			if biasMode == 1 {
				inputUnchanged(t, ctx, "b", b, bs)
			}
		})
	})
}

func FuzzAddOuter(f *testing.F) {
	f.Add([]byte(fuzzEnc{}.u8(2).u16(3).u8(0).small(1, 2, 3, 4, 5, 6).small(8).small(1, -1).small(2, 3, 4)))
	f.Add([]byte(fuzzEnc{}.u8(3).u16(17).u8(1).small(1).pal(false, 0).small(1, 2, 3).pal(false, 2, palPosInf, 0)))
	f.Add([]byte(fuzzEnc{}.u8(10).u16(784).u8(3).small(1, 2).raw(false, -0.37).small(3, -5).small(7, 1, -1)))
	f.Add([]byte(fuzzEnc{}.u8(1).u16(4).u8(2).small(0).raw(false, 1e-30).raw(false, 1e-20).raw(false, 1e30, 1, 0, -1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &fuzzDec{data}
		rows, cols := int(d.u8()%17), d.u16()%300
		g := fuzzMatrix(d, rows, cols)
		alpha := d.vec(1)[0]
		ds, xs := d.vec(rows), d.vec(cols)
		want := slices.Clone(g.m.Data)
		fallback.AddOuter(want, g.m.Stride, alpha, ds, xs)
		bufBefore := slices.Clone(g.buf)
		forEachBackend(t, func(t *testing.T) {
			copy(g.buf, bufBefore)
			g0 := slices.Clone(g.m.Data)
			offD, offX := offsets(rows*300 + cols)
			dd, x := inBuf(ds, offD), inBuf(xs, offX)
			AddOuter(g.m, alpha, dd, x)
			ctx := fmt.Sprintf("AddOuter %d×%d stride %d alpha %v", rows, cols, g.m.Stride, alpha)
			if msg, _ := checkAddOuter(g.m, g0, alpha, ds, xs); msg != "" {
				t.Fatalf("%s: %s", ctx, msg)
			}
			for i := range rows {
				for j := range cols {
					k := i*g.m.Stride + j
					term := float64(alpha) * float64(ds[i]) * float64(xs[j])
					abs := 0.0
					for _, v := range []float64{float64(g0[k]), term} {
						if v == v && !math.IsInf(v, 0) {
							abs += math.Abs(v)
						}
					}
					if c, w := class32(g.m.Data[k]), class32(want[k]); c != w && abs <= maxFloat32/4 {
						t.Fatalf("%s: g[%d,%d] = %v, fallback gives %v", ctx, i, j, g.m.Data[k], want[k])
					}
					// NaN whatever the order of operations: a NaN operand or
					// a zero times an Inf (no shortcut for alpha·d[i] = 0).
					// (A finite g0 plus ±Inf stays ±Inf; g0 = ∓Inf with a
					// term ±Inf is caught by the oracle.)
					a := float64(alpha) * float64(ds[i])
					zeroInf := a == 0 && math.IsInf(float64(xs[j]), 0) || math.IsInf(a, 0) && xs[j] == 0
					if (a != a || g0[k] != g0[k] || xs[j] != xs[j] || zeroInf) && g.m.Data[k] == g.m.Data[k] {
						t.Fatalf("%s: g[%d,%d] = %v, want NaN", ctx, i, j, g.m.Data[k])
					}
				}
			}
			if msg := g.checkGuards(); msg != "" {
				t.Fatalf("%s: %s", ctx, msg)
			}
			inputUnchanged(t, ctx, "d", dd, ds)
			inputUnchanged(t, ctx, "x", x, xs)
		})
	})
}

// softmaxSeeds are the seeds of the Softmax family: ordinary logits, −Inf
// entries, all −Inf, NaN, +Inf, huge logits, empty, long runs.
func softmaxSeeds(f *testing.F) {
	f.Add([]byte(fuzzEnc{}.u16(10).small(1, 2, 3, -4, 5, 0, -8, 7, 9, 100)))
	f.Add([]byte(fuzzEnc{}.u16(300).small(-128, 127, 5, 3, 64, -64, 0)))
	f.Add([]byte(fuzzEnc{}.u16(19).pal(false, 2, palNegInf, 0, 3)))
	f.Add([]byte(fuzzEnc{}.u16(33).pal(false, palNegInf)))
	f.Add([]byte(fuzzEnc{}.u16(17).pal(false, 2, 3, palNaN, 0)))
	f.Add([]byte(fuzzEnc{}.u16(5).pal(false, 2, palPosInf, 0)))
	f.Add([]byte(fuzzEnc{}.u16(9).pal(false, palNegInf, palNegInf, palNaN, palNegInf)))
	f.Add([]byte(fuzzEnc{}.u16(3).pal(false, pal3e38, palN3e38, 0)))
	f.Add([]byte(fuzzEnc{}.u16(7).pal(false, palMax, palMax, palNegMax)))
	f.Add([]byte(fuzzEnc{}.u16(0)))
	// (With the tail padded by its last value instead of cycled, this is the
	// failing input of TestExpSumAccuracy.)
	f.Add([]byte(fuzzEnc{}.u16(1000).raw(false, 1e4, 1e4-3, 1e4+5, 1e4-10)))
	f.Add([]byte(fuzzEnc{}.u16(2048).raw(false, -1e4, -1e4-3, -1e4+5)))
}

// fuzzLogits decodes the logits of the Softmax family (up to 2048, beyond
// several 256-element blocks).
func fuzzLogits(d *fuzzDec) (xs []float32, offIn, offOut int) {
	n := d.u16() % 2049
	xs = d.vec(n)
	offIn, offOut = offsets(int(d.u8()))
	return xs, offIn, offOut
}

func FuzzSoftmax(f *testing.F) {
	fuzzRowOp(f, "Softmax", Softmax, fallback.Softmax, checkSoftmax)
}

func FuzzLogSoftmax(f *testing.F) {
	fuzzRowOp(f, "LogSoftmax", LogSoftmax, fallback.LogSoftmax, checkLogSoftmax)
}

// fuzzRowOp fuzzes a row op returning the log-sum-exp (Softmax or
// LogSoftmax) on every backend: against the oracle (check), against the
// NaN/±Inf classes of its fallback twin (ref), for guard and input
// integrity, and for bit-identical results in place.
func fuzzRowOp(f *testing.F, name string, op, ref func(dst, src []float32) float32, check func(out []float32, lse float32, x []float32) string) {
	softmaxSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		xs, offIn, offOut := fuzzLogits(&fuzzDec{data})
		n := len(xs)
		want := make([]float32, n)
		wl := ref(want, xs)
		forEachBackend(t, func(t *testing.T) {
			x, out := inBuf(xs, offIn), outBuf(n, offOut)
			lse := op(out.s(), x)
			if msg := check(out.s(), lse, xs); msg != "" {
				t.Fatalf("%s n=%d: %s", name, n, msg)
			}
			if msg := classesAgree(append(slices.Clone(out.s()), lse), append(want, wl)); msg != "" {
				t.Fatalf("%s n=%d (lse last): %s", name, n, msg)
			}
			if msg := out.check(); msg != "" {
				t.Fatalf("%s n=%d: dst %s", name, n, msg)
			}
			inputUnchanged(t, name, "src", x, xs)
			in := slices.Clone(xs)
			l2 := op(in, in)
			if msg := sameBits(append(in, l2), append(slices.Clone(out.s()), lse)); msg != "" {
				t.Fatalf("%s in place differs: %s", name, msg)
			}
		})
	})
}

func FuzzLogSumExp(f *testing.F) {
	softmaxSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		xs, offIn, _ := fuzzLogits(&fuzzDec{data})
		want := fallback.LogSumExp(xs)
		forEachBackend(t, func(t *testing.T) {
			x := inBuf(xs, offIn)
			lse := LogSumExp(x)
			if msg := checkLogSumExp(lse, xs); msg != "" {
				t.Fatalf("LogSumExp n=%d: %s", len(xs), msg)
			}
			if class32(lse) != class32(want) {
				t.Fatalf("LogSumExp n=%d = %v, fallback gives %v", len(xs), lse, want)
			}
			// LogSumExp is the lse that Softmax and LogSoftmax return.
			out := make([]float32, len(xs))
			if l := Softmax(out, xs); class32(l) != class32(lse) || math.Abs(float64(l)-float64(lse)) > 2*lseTol(float64(lse)) {
				t.Fatalf("LogSumExp n=%d = %v, Softmax returns lse %v", len(xs), lse, l)
			}
			inputUnchanged(t, "LogSumExp", "x", x, xs)
		})
	})
}

func FuzzSoftmaxCrossEntropy(f *testing.F) {
	softmaxSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &fuzzDec{data}
		xs, offIn, offOut := fuzzLogits(d)
		n := len(xs)
		if n == 0 {
			return // label out of range: see TestPanics
		}
		label := d.u16() % n
		want := make([]float32, n)
		wl := fallback.SoftmaxCrossEntropy(want, xs, label)
		forEachBackend(t, func(t *testing.T) {
			x, out := inBuf(xs, offIn), outBuf(n, offOut)
			loss := SoftmaxCrossEntropy(out.s(), x, label)
			if msg := checkSoftmaxCrossEntropy(out.s(), loss, xs, label); msg != "" {
				t.Fatalf("SoftmaxCrossEntropy n=%d label %d: %s", n, label, msg)
			}
			if msg := classesAgree(append(slices.Clone(out.s()), loss), append(want, wl)); msg != "" {
				t.Fatalf("SoftmaxCrossEntropy n=%d label %d (loss last): %s", n, label, msg)
			}
			if msg := out.check(); msg != "" {
				t.Fatalf("SoftmaxCrossEntropy n=%d: grad %s", n, msg)
			}
			inputUnchanged(t, "SoftmaxCrossEntropy", "logits", x, xs)
			in := slices.Clone(xs)
			l2 := SoftmaxCrossEntropy(in, in, label)
			if msg := sameBits(append(in, l2), append(slices.Clone(out.s()), loss)); msg != "" {
				t.Fatalf("SoftmaxCrossEntropy in place differs: %s", msg)
			}
		})
	})
}

// FuzzSceRowsDerived: the SGD trainer's loss phase on rows whose last
// class is derived (sceRows with a bias: on AVX-512 the 16-row kernel,
// then the row kernel, on special rows Go) against the row-at-a-time
// reference on the rows derived by fallback.DeriveLast, bit for bit, on
// every backend: 1–80 rows of 2–16 classes, with or without a second
// addend, the last column NaN (never read).
func FuzzSceRowsDerived(f *testing.F) {
	f.Add([]byte{63, 8, 1, 0, 0})
	f.Add(append([]byte{16, 14, 0, 1}, fuzzEnc{}.pal(false, palNaN, 0, 3, palPosInf, 5, 1, 2, 7)...))
	f.Add(append([]byte{79, 2, 1, 2}, fuzzEnc{}.small(1, -3, 5, 127, -128, 0, 0, 9)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &fuzzDec{data}
		n, k, two := int(d.u8())%80+1, int(d.u8())%15+2, d.u8()&1 == 1
		z := NewMatrix(n, k)
		copy(z.Data, d.vec(n*z.Stride))
		var z2 Matrix
		if two {
			z2 = NewMatrix(n, k)
			copy(z2.Data, d.vec(n*z2.Stride))
		}
		b := d.vec(k)
		labels := make([]int, n)
		for i := range labels {
			labels[i] = int(d.u8()) % k
			z.Set(i, k-1, qNaN32)
			if two {
				z2.Set(i, k-1, qNaN32)
			}
		}
		forEachBackend(t, func(t *testing.T) {
			want := z.Clone()
			for i := 0; i < n; i++ {
				if two {
					for c, v := range z2.Row(i) {
						want.Row(i)[c] += v
					}
				}
				fallback.DeriveLast(want.Row(i), b)
			}
			wantGB := make([]float64, k)
			wantLoss, wantCorrect := sceRowsRef(want, want, labels, wantGB)
			g, gb := z.Clone(), make([]float64, k)
			loss, correct := sceRows(g, g, z2, labels, gb, b)
			if math.Float64bits(loss) != math.Float64bits(wantLoss) && !(loss != loss && wantLoss != wantLoss) || correct != wantCorrect {
				t.Fatalf("%d×%d: loss %v, correct %d; want %v, %d", n, k, loss, correct, wantLoss, wantCorrect)
			}
			if msg := sameBits(g.Data, want.Data); msg != "" {
				t.Fatalf("%d×%d: gradients: %s", n, k, msg)
			}
			for c := range gb {
				if math.Float64bits(gb[c]) != math.Float64bits(wantGB[c]) && !(gb[c] != gb[c] && wantGB[c] != wantGB[c]) {
					t.Fatalf("%d×%d: gb[%d] = %v, want %v", n, k, c, gb[c], wantGB[c])
				}
			}
		})
	})
}
