//go:build !purego

package asm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seed7bc074a2/maxent/fallback"
	"github.com/seed7bc074a2/maxent/internal/guardmem"
)

// xentRef is SoftmaxXentRowsAVX512's specification written with
// SoftmaxSmallAVX512: the same rows, stops and sums, in Go; with a bias b
// (not nil), SoftmaxXentRowsDerivedAVX512's, the rows derived by
// fallback.DeriveLast first.
func xentRef(grad []float32, gs int, z, z2 []float32, zs int, labels []int, k int, st []float64, b []float32) (done, correct int) {
	for i, l := range labels {
		zr := append([]float32(nil), z[i*zs:i*zs+k]...)
		if z2 != nil {
			for c, v := range z2[i*zs : i*zs+k] {
				zr[c] += v
			}
		}
		if b != nil {
			fallback.DeriveLast(zr, b)
		}
		best := 0
		for c := range zr {
			if zr[c] > zr[best] {
				best = c
			}
		}
		zy := zr[l]
		tmp := make([]float32, k)
		m, s := SoftmaxSmallAVX512(tmp, zr)
		if math.IsInf(float64(m), 0) || !(s > 0) {
			return i, correct
		}
		tmp[l] -= 1
		copy(grad[i*gs:i*gs+k], tmp)
		st[0] += float64(m) - float64(zy)
		st[1] *= s
		for c, d := range tmp {
			st[2+c] += float64(d)
		}
		if best == l {
			correct++
		}
		if st[1] > 1e250 {
			return i + 1, correct
		}
	}
	return len(labels), correct
}

func TestSoftmaxXentRowsAVX512(t *testing.T) {
	xentTest(t, SoftmaxXentRowsAVX512, 0, false)
}

// TestSoftmaxXentRowsWideAVX512: the masked-access variant on strides of
// at least 16 (rows' windows disjoint), the last row's window reaching
// past the buffer's end into sentinels.
func TestSoftmaxXentRowsWideAVX512(t *testing.T) {
	xentTest(t, SoftmaxXentRowsWideAVX512, 16, false)
}

// TestSoftmaxXentRowsDerivedAVX512: the variant for rows whose last logit
// is derived, against the reference on rows derived by
// fallback.DeriveLast (lane k−1 of z and z2 is NaN: never read).
func TestSoftmaxXentRowsDerivedAVX512(t *testing.T) {
	xentTest(t, nil, 16, true)
}

// TestSoftmaxXentRows16DerivedAVX512: the 16-row kernel followed by the
// row kernel on the rest (as package kernel calls them) against the
// reference, the 16-row kernel doing whole groups only.
func TestSoftmaxXentRows16DerivedAVX512(t *testing.T) {
	var rows16 int
	xentTestKernels(t, nil, xent16Then(t, &rows16), 16, true)
	if rows16 < 1000 {
		t.Fatalf("the 16-row kernel did only %d rows", rows16)
	}
}

// xent16Then runs SoftmaxXentRows16DerivedAVX512 and then
// SoftmaxXentRowsDerivedAVX512 on the rows it left; it fails t if the
// first did not stop at a group boundary, and counts the first's rows in
// rows16.
func xent16Then(t *testing.T, rows16 *int) xentDerivedKernel {
	return func(grad []float32, gs int, z, z2 []float32, zs int, labels []int, k int, st []float64, b []float32) (done, correct int) {
		done, correct = SoftmaxXentRows16DerivedAVX512(grad, gs, z, z2, zs, labels, k, st, b)
		*rows16 += done
		if done%16 != 0 || done > len(labels) || k == 1 && done != 0 {
			t.Fatalf("k=%d rows=%d: the 16-row kernel did %d rows", k, len(labels), done)
		}
		if done == len(labels) {
			return done, correct
		}
		var z2r []float32
		if z2 != nil {
			z2r = z2[done*zs:]
		}
		d, c := SoftmaxXentRowsDerivedAVX512(grad[done*gs:], gs, z[done*zs:], z2r, zs, labels[done:], k, st, b)
		return done + d, correct + c
	}
}

type xentDerivedKernel = func(grad []float32, gstride int, z, z2 []float32, zstride int, labels []int, k int, st []float64, b []float32) (done, correct int)

type xentKernel = func(grad []float32, gstride int, z, z2 []float32, zstride int, labels []int, k int, st []float64) (done, correct int)

func xentTest(t *testing.T, kernel xentKernel, minStride int, derive bool) {
	xentTestKernels(t, kernel, SoftmaxXentRowsDerivedAVX512, minStride, derive)
}

// xentTestKernels checks kernel, or with derive dkernel, against xentRef.
func xentTestKernels(t *testing.T, kernel xentKernel, dkernel xentDerivedKernel, minStride int, derive bool) {
	smNeed(t, smAVX512)
	rng := rand.New(rand.NewPCG(41, 42))
	for k := 1; k <= 16; k++ {
		for _, rows := range []int{0, 1, 2, 3, 5, 17, 64, 65} {
			for iter := 0; iter < 40; iter++ {
				zs := max(k, minStride) + rng.IntN(5)
				alias := iter%3 == 0
				gs := zs
				if !alias {
					gs = max(k, minStride) + rng.IntN(7)
				}
				off := rng.IntN(16) // misaligned rows
				zbuf, z := smWindow(off, max(0, (rows-1)*zs+k), 16)
				for i := 0; i < rows; i++ {
					r := z[i*zs : i*zs+k]
					switch {
					case iter%5 == 0 && rng.IntN(8) == 0:
						smFillInput(rng, r) // NaN, ±Inf, huge
					case iter%7 == 0:
						for c := range r { // ties: the first maximum counts
							r[c] = float32(rng.IntN(3)) - 1
						}
						if rng.IntN(2) == 0 {
							r[rng.IntN(k)] = float32(math.Copysign(0, -1))
						}
					default:
						smFiniteInput(rng, r)
					}
				}
				// A second addend (another worker's partial logits).
				var z2 []float32
				if iter%4 == 1 {
					_, z2 = smWindow(5, max(0, (rows-1)*zs+k), 16)
					for i := 0; i < rows; i++ {
						if iter%8 == 1 && rng.IntN(16) == 0 {
							smFillInput(rng, z2[i*zs:i*zs+k])
						} else {
							smFiniteInput(rng, z2[i*zs:i*zs+k])
						}
					}
				}
				labels := make([]int, rows)
				for i := range labels {
					labels[i] = rng.IntN(k)
				}
				// Derived rows: a bias, and a last lane never read.
				var b []float32
				if derive {
					b = make([]float32, k)
					smFiniteInput(rng, b)
					nan := float32(math.NaN())
					for i := 0; i < rows; i++ {
						z[i*zs+k-1] = nan
						if z2 != nil {
							z2[i*zs+k-1] = nan
						}
					}
				}
				st0 := make([]float64, 18)
				st0[0], st0[1] = rng.NormFloat64(), 1+rng.Float64()
				for c := 2; c < 18; c++ {
					st0[c] = rng.NormFloat64()
				}

				// The reference on copies.
				zc := append([]float32(nil), zbuf...)
				wantSt := append([]float64(nil), st0...)
				var wantG []float32
				var wantDone, wantCorrect int
				if alias {
					wantG = zc[off:]
					wantDone, wantCorrect = xentRef(wantG, gs, zc[off:], z2, zs, labels, k, wantSt, b)
				} else {
					_, g := smWindow(3, max(0, (rows-1)*gs+k), 16)
					wantG = g
					wantDone, wantCorrect = xentRef(g, gs, zc[off:], z2, zs, labels, k, wantSt, b)
				}

				var gbuf, g []float32
				goff := 3
				if alias {
					gbuf, g, goff = zbuf, z, off
				} else {
					gbuf, g = smWindow(goff, max(0, (rows-1)*gs+k), 16)
				}
				st := append([]float64(nil), st0...)
				var done, correct int
				if derive {
					done, correct = dkernel(g, gs, z, z2, zs, labels, k, st, b)
				} else {
					done, correct = kernel(g, gs, z, z2, zs, labels, k, st)
				}
				if done != wantDone || correct != wantCorrect {
					t.Fatalf("k=%d rows=%d iter=%d: done, correct = %d, %d; want %d, %d", k, rows, iter, done, correct, wantDone, wantCorrect)
				}
				for c := range st {
					if math.Float64bits(st[c]) != math.Float64bits(wantSt[c]) {
						t.Fatalf("k=%d rows=%d iter=%d: st[%d] = %v, want %v", k, rows, iter, c, st[c], wantSt[c])
					}
				}
				// Rows done bit for bit; nothing else written (guards
				// between and around the rows, the stopped row intact).
				for i := range gbuf {
					j := i - goff
					row, col := 0, j
					if gs > 0 && j >= 0 {
						row, col = j/gs, j%gs
					}
					var want float32
					switch {
					case j >= 0 && row < done && col < k:
						want = wantG[row*gs+col]
					case alias:
						want = zc[i]
					default:
						want = smSentinel
					}
					if f32bits(gbuf[i]) != f32bits(want) {
						t.Fatalf("k=%d rows=%d iter=%d alias=%v: grad buffer[%d] (row %d col %d) = %#08x, want %#08x (done %d)",
							k, rows, iter, alias, j, row, col, f32bits(gbuf[i]), f32bits(want), done)
					}
				}
				if !alias {
					for i := range zbuf {
						if f32bits(zbuf[i]) != f32bits(zc[i]) {
							t.Fatalf("k=%d rows=%d: z changed at %d", k, rows, i-off)
						}
					}
				}
			}
		}
	}
}

// TestSoftmaxXentRowsAVX512Flush checks the stop after the product of the
// row sums passes 1e250: 16 equal logits sum to 16, and 16²⁰⁸ > 1e250 >
// 16²⁰⁷.
func TestSoftmaxXentRowsAVX512Flush(t *testing.T) {
	smNeed(t, smAVX512)
	const rows, k = 300, 16
	z := make([]float32, rows*k)
	labels := make([]int, rows)
	for _, kernel := range []func(grad []float32, gstride int, z, z2 []float32, zstride int, labels []int, k int, st []float64) (done, correct int){SoftmaxXentRowsAVX512, SoftmaxXentRowsWideAVX512} {
		clear(z)
		st := make([]float64, 18)
		st[1] = 1
		done, correct := kernel(z, k, z, nil, k, labels, k, st)
		if done != 208 || correct != 208 || st[1] != math.Pow(16, 208) {
			t.Fatalf("done %d, correct %d, prod %g; want 208, 208, 16^208", done, correct, st[1])
		}
		if st[2] != 208*(1.0/16-1) || st[3] != 208.0/16 {
			t.Fatalf("bias gradient sums %v, %v", st[2], st[3])
		}
		if z[207*k] != 1.0/16-1 || z[208*k] != 0 {
			t.Fatalf("rows 207, 208 start %v, %v", z[207*k], z[208*k])
		}
	}
	// The 16-row kernel leaves the group holding row 207 (192–207) to the
	// row kernel, which stops after it; the derived rows are zeros too.
	var rows16 int
	clear(z)
	st := make([]float64, 18)
	st[1] = 1
	done, correct := xent16Then(t, &rows16)(z, k, z, nil, k, labels, k, st, make([]float32, k))
	if done != 208 || correct != 208 || st[1] != math.Pow(16, 208) || rows16 != 192 {
		t.Fatalf("16-row kernel first: done %d, correct %d, prod %g, 16-row kernel's rows %d; want 208, 208, 16^208, 192", done, correct, st[1], rows16)
	}
}

// TestSoftmaxXentRowsGuardPage: rows of k < 16 flush against a guard page
// (z, z2 and grad): neither variant touches a byte past the row, the wide
// one's masked 64-byte accesses included.
func TestSoftmaxXentRowsGuardPage(t *testing.T) {
	smNeed(t, smAVX512)
	gz, gz2, gg := guardmem.New(t, 1), guardmem.New(t, 1), guardmem.New(t, 1)
	for k := 1; k <= 16; k++ {
		for _, kernel := range []func(grad []float32, gstride int, z, z2 []float32, zstride int, labels []int, k int, st []float64) (done, correct int){SoftmaxXentRowsAVX512, SoftmaxXentRowsWideAVX512} {
			// Two rows 16 apart, the second ending at the page's end.
			z, z2, g := gz.AtEnd(16+k), gz2.AtEnd(16+k), gg.AtEnd(16+k)
			for i := range z {
				z[i], z2[i] = float32(i%5), float32(i%3)
			}
			st := make([]float64, 18)
			st[1] = 1
			if done, _ := kernel(g, 16, z, z2, 16, []int{0, k - 1}, k, st); done != 2 {
				t.Fatalf("k=%d: done %d", k, done)
			}
		}
		// The derived rows' kernels on 16 rows, the last ending at the
		// page's end (z, z2 and grad): one group of the 16-row kernel.
		var rows16 int
		for _, kernel := range []xentDerivedKernel{SoftmaxXentRowsDerivedAVX512, xent16Then(t, &rows16)} {
			z, z2, g := gz.AtEnd(16*16+k), gz2.AtEnd(16*16+k), gg.AtEnd(16*16+k)
			for i := range z {
				z[i], z2[i] = float32(i%5), float32(i%3)
			}
			labels := make([]int, 16)
			for i := range labels {
				labels[i] = i % k
			}
			st := make([]float64, 18)
			st[1] = 1
			if done, _ := kernel(g[16:], 16, z[16:], z2[16:], 16, labels, k, st, make([]float32, k)); done != 16 {
				t.Fatalf("k=%d derived: done %d", k, done)
			}
		}
		if k > 1 && rows16 != 16 {
			t.Fatalf("k=%d: the 16-row kernel did %d rows", k, rows16)
		}
	}
}
