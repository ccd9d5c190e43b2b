//go:build !purego && (linux || darwin)

package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seed7bc074a2/maxent/fallback"
	"github.com/seed7bc074a2/maxent/internal/guardmem"
)

// Tests of MatMulTNEON and AddMatMulTNNEON (run under qemu on amd64 hosts:
// GOARCH=arm64 go test -exec qemu-aarch64-static ./asm/).

// batchMatLen is the length a matrix of rows rows of cols columns with the
// given stride needs.
func batchMatLen(rows, cols, stride int) int {
	if rows == 0 || cols == 0 {
		return 0
	}
	return (rows-1)*stride + cols
}

// batchGuarded returns a buffer whose elements are all neonGuard and the
// slice of length need starting at off.
func batchGuarded(off, need int) (buf, s []float32) {
	buf = make([]float32, off+need+9)
	for i := range buf {
		buf[i] = neonGuard
	}
	return buf, buf[off : off+need : off+need]
}

// batchCheckUntouched fails if an element of buf that is not (row, col)
// with row < rows, col < cols of the matrix at off with the given stride
// differs from neonGuard.
func batchCheckUntouched(t *testing.T, what string, buf []float32, off, rows, cols, stride int) {
	t.Helper()
	for i, v := range buf {
		p := i - off
		inside := p >= 0 && p/max(stride, 1) < rows && p%max(stride, 1) < cols
		if !inside && math.Float32bits(v) != math.Float32bits(neonGuard) {
			t.Fatalf("%s: element %d (matrix offset %d) outside the output was written: %#08x", what, i, p, math.Float32bits(v))
		}
	}
}

// ---------------------------------------------------------------------------
// MatMulT.

type mmCase struct {
	n, k, m                   int
	xstride, wstride, zstride int
	off                       int
	bias                      bool
	big                       bool // some rows of x and w of large magnitude
}

func (c mmCase) String() string {
	return fmt.Sprintf("n=%d k=%d m=%d strides x%d w%d z%d off=%d bias=%v big=%v", c.n, c.k, c.m, c.xstride, c.wstride, c.zstride, c.off, c.bias, c.big)
}

// mmRun runs MatMulTNEON on random inputs for c and checks z against the
// float64 oracle and the guard values around and between its rows.
func mmRun(t *testing.T, rng *rand.Rand, c mmCase, edit func(x, w []float32)) (z []float32) {
	t.Helper()
	x := make([]float32, batchMatLen(c.n, c.m, c.xstride))
	w := make([]float32, batchMatLen(c.k, c.m, c.wstride))
	neonFill(rng, x, -1, 1)
	neonFill(rng, w, -1, 1)
	if c.big {
		for i := 0; i < c.n; i += 3 {
			for j := 0; j < c.m; j++ {
				x[i*c.xstride+j] *= 1e6
			}
		}
		for r := 1; r < c.k; r += 4 {
			for j := 0; j < c.m; j++ {
				w[r*c.wstride+j] *= 1e5
			}
		}
	}
	if edit != nil {
		edit(x, w)
	}
	var b []float32
	if c.bias {
		b = make([]float32, c.k)
		neonFill(rng, b, -4, 4)
	}
	zbuf, z := batchGuarded(c.off, batchMatLen(c.n, c.k, c.zstride))
	MatMulTNEON(z, c.zstride, x, c.xstride, w, c.wstride, b, c.n, c.k, c.m)
	batchCheckUntouched(t, c.String(), zbuf, c.off, c.n, c.k, c.zstride)
	for i := 0; i < c.n; i++ {
		for r := 0; r < c.k; r++ {
			var want, abs float64
			if c.m > 0 {
				want, abs = neonExactDot(x[i*c.xstride:i*c.xstride+c.m], w[r*c.wstride:r*c.wstride+c.m])
			}
			if c.bias {
				want += float64(b[r])
				abs += math.Abs(float64(b[r]))
			}
			got := z[i*c.zstride+r]
			if math.IsNaN(want) || math.IsInf(want, 0) {
				continue // checked by the callers that make them
			}
			if err := math.Abs(float64(got) - want); !(err <= 1e-5*abs+1e-30) {
				t.Fatalf("%v: z[%d][%d] = %.9g, want %.9g (error %.3g, Σ|terms| %.3g)", c, i, r, got, want, err, abs)
			}
		}
	}
	return z
}

func mmColumns() []int {
	return append(neonSeq(0, 40), 63, 64, 65, 127, 128, 129, 300, 784, 1000, 2100)
}

func TestNEONMatMulT(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	ks := []int{0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 17}
	cases := 0
	for _, n := range []int{0, 4, 8, 12} {
		for _, k := range ks {
			for _, m := range mmColumns() {
				for _, bias := range []bool{false, true} {
					mmRun(t, rng, mmCase{
						n: n, k: k, m: m,
						xstride: m + rng.IntN(4), wstride: m + rng.IntN(4), zstride: k + rng.IntN(3),
						off: rng.IntN(8), bias: bias, big: rng.IntN(4) == 0,
					}, nil)
					cases++
				}
			}
		}
	}
	t.Logf("%d cases", cases)
}

// TestNEONMatMulTFlush: one large product per lane, then products just
// below half an ULP of it: without the float64 flush every ≤ 128 products
// per lane the error exceeds 1e-5·Σ|terms| (about 7e-4 here).
func TestNEONMatMulTFlush(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, k := range []int{1, 2, 4, 7} {
		for _, m := range []int{20_000, 20_003} {
			mmRun(t, rng, mmCase{n: 4, k: k, m: m, xstride: m, wstride: m + 1, zstride: k}, func(x, w []float32) {
				for i := range x {
					x[i] = 1
				}
				for r := 0; r < k; r++ {
					for j := 0; j < m; j++ {
						w[r*(m+1)+j] = 2.4e-4
						if j < 4 {
							w[r*(m+1)+j] = 4096
						}
					}
				}
			})
		}
	}
}

// TestNEONMatMulTFlushBound checks the flush bound exactly: every product
// is 2^17+1, so a float32 lane sum of up to 128 products is exact (at most
// 2^24+128) and one of 129 is not (2^24+2^17+129 needs 25 bits). The bias
// −m·2^17 leaves z = m exactly, which fails if a lane sums 129 products
// before its flush.
func TestNEONMatMulTFlushBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	for _, k := range []int{1, 2, 4, 7} {
		for _, m := range []int{511, 515, 1019, 1023, 2100} {
			n := 4
			x, w, b := make([]float32, n*m), make([]float32, k*m), make([]float32, k)
			for i := range x {
				x[i] = 0x1p17 + 1
			}
			for i := range w {
				w[i] = 1
			}
			for i := range b {
				b[i] = -float32(m) * 0x1p17
			}
			z := make([]float32, n*k)
			neonFill(rng, z, -1, 1)
			MatMulTNEON(z, k, x, m, w, m, b, n, k, m)
			for i, v := range z {
				if v != float32(m) {
					t.Fatalf("k=%d m=%d: z[%d][%d] = %.9g, want %d exactly", k, m, i/k, i%k, v, m)
				}
			}
		}
	}
}

// TestNEONMatMulTSpecial: a NaN or Inf in row i of x reaches only row i of z.
func TestNEONMatMulTSpecial(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	for _, sp := range []float32{neonQNaN, neonSNaN, neonInf} {
		for _, m := range []int{1, 3, 4, 7, 9, 33} {
			for _, k := range []int{1, 3, 4, 6} {
				for j := 0; j < m; j += 2 {
					const n, bad = 8, 5
					c := mmCase{n: n, k: k, m: m, xstride: m + 1, wstride: m, zstride: k + 1, bias: true}
					z := mmRun(t, rng, c, func(x, w []float32) {
						for r := 0; r < k; r++ {
							w[r*m+j] = 0.5 + rng.Float32() // positive: x·w = +Inf for Inf
						}
						x[bad*c.xstride+j] = sp
					})
					for i := 0; i < n; i++ {
						for r := 0; r < k; r++ {
							v := z[i*c.zstride+r]
							switch {
							case i != bad && (math.IsNaN(float64(v)) || math.IsInf(float64(v), 0)):
								t.Fatalf("%v special %g at col %d: z[%d][%d] = %g", c, sp, j, i, r, v)
							case i == bad && sp == neonInf && v != neonInf:
								t.Fatalf("%v Inf at col %d: z[%d][%d] = %g, want +Inf", c, j, i, r, v)
							case i == bad && sp != neonInf && !math.IsNaN(float64(v)):
								t.Fatalf("%v NaN at col %d: z[%d][%d] = %g, want NaN", c, j, i, r, v)
							}
						}
					}
				}
			}
		}
	}
}

// ---------------------------------------------------------------------------
// AddMatMulTN.

type tnCase struct {
	n, k, m                   int
	gstride, dstride, xstride int
	off                       int
	alpha                     float32
}

func (c tnCase) String() string {
	return fmt.Sprintf("n=%d k=%d m=%d strides g%d d%d x%d off=%d alpha=%g", c.n, c.k, c.m, c.gstride, c.dstride, c.xstride, c.off, c.alpha)
}

// tnRef is the float32 FMA-chain reference of AddMatMulTNNEON.
func tnRef(c tnCase, g, d, x []float32) {
	for r := 0; r < c.k; r++ {
		for j := 0; j < c.m; j++ {
			var s float32
			for i := 0; i < c.n; i++ {
				s = fallback.FMA32(d[i*c.dstride+r], x[i*c.xstride+j], s)
			}
			g[r*c.gstride+j] = fallback.FMA32(c.alpha, s, g[r*c.gstride+j])
		}
	}
}

func tnRun(t *testing.T, rng *rand.Rand, c tnCase, edit func(d, x []float32)) (got, want []float32) {
	t.Helper()
	d := make([]float32, batchMatLen(c.n, c.k, c.dstride))
	x := make([]float32, batchMatLen(c.n, c.m, c.xstride))
	neonFill(rng, d, -1, 1)
	neonFill(rng, x, -1, 1)
	if edit != nil {
		edit(d, x)
	}
	gbuf, g := batchGuarded(c.off, batchMatLen(c.k, c.m, c.gstride))
	for r := 0; r < c.k && c.m > 0; r++ {
		neonFill(rng, g[r*c.gstride:r*c.gstride+c.m], -2, 2) // the gaps keep neonGuard
	}
	want = append([]float32(nil), g...)
	tnRef(c, want, d, x)
	AddMatMulTNNEON(g, c.gstride, c.alpha, d, c.dstride, x, c.xstride, c.n, c.k, c.m)
	batchCheckUntouched(t, c.String(), gbuf, c.off, c.k, c.m, c.gstride)
	return g, want
}

func tnCheckBits(t *testing.T, c tnCase, got, want []float32) {
	t.Helper()
	for p := range want {
		if math.Float32bits(got[p]) != math.Float32bits(want[p]) {
			t.Fatalf("%v: g[%d][%d] = %.9g (%#08x), want %.9g (%#08x)", c, p/c.gstride, p%c.gstride,
				got[p], math.Float32bits(got[p]), want[p], math.Float32bits(want[p]))
		}
	}
}

func TestNEONAddMatMulTN(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	ks := []int{0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 17}
	ms := append(neonSeq(0, 21), 31, 32, 33, 35, 63, 64, 65, 129)
	cases := 0
	for _, n := range []int{0, 1, 2, 3, 5, 8, 17, 32, 63, 64} {
		for _, k := range ks {
			for _, m := range ms {
				c := tnCase{n: n, k: k, m: m, gstride: m + rng.IntN(4), dstride: k + rng.IntN(4), xstride: m + rng.IntN(4),
					off: rng.IntN(8), alpha: []float32{0.37, -1.5, 1, 1e-3}[rng.IntN(4)]}
				got, want := tnRun(t, rng, c, nil)
				tnCheckBits(t, c, got, want)
				cases++
			}
		}
	}
	for _, m := range []int{300, 784, 1000} {
		c := tnCase{n: 64, k: 10, m: m, gstride: m + 1, dstride: 10, xstride: m + 3, off: 3, alpha: -0.01}
		got, want := tnRun(t, rng, c, nil)
		tnCheckBits(t, c, got, want)
		cases++
	}
	// Sums that cancel, and values of very different sizes: the order of
	// the FMA chain matters for every bit.
	for _, n := range []int{17, 64} {
		c := tnCase{n: n, k: 7, m: 23, gstride: 23, dstride: 9, xstride: 25, alpha: 3}
		got, want := tnRun(t, rng, c, func(d, x []float32) {
			for i := range x {
				x[i] *= float32(math.Ldexp(1, rng.IntN(40)-20))
			}
		})
		tnCheckBits(t, c, got, want)
	}
	t.Logf("%d cases", cases)
}

// TestNEONAddMatMulTNSpecial: a NaN in x[i][j] makes column j of g NaN
// (even where d is 0), an Inf with d = 0 too; the other columns stay
// bit-identical to the reference.
func TestNEONAddMatMulTNSpecial(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	for _, sp := range []float32{neonQNaN, neonSNaN, neonInf} {
		for _, m := range []int{1, 3, 5, 17, 22} {
			for _, k := range []int{1, 2, 5} {
				for j := 0; j < m; j += 3 {
					c := tnCase{n: 5, k: k, m: m, gstride: m + 2, dstride: k, xstride: m, alpha: 0.5}
					got, want := tnRun(t, rng, c, func(d, x []float32) {
						x[2*m+j] = sp
						d[2*k] = 0 // class 0 meets the special value with d = 0
					})
					for r := 0; r < k; r++ {
						for jj := 0; jj < m; jj++ {
							p := r*c.gstride + jj
							v := got[p]
							switch {
							case jj == j && (sp != neonInf || r == 0):
								if !math.IsNaN(float64(v)) {
									t.Fatalf("%v special %g at x[2][%d]: g[%d][%d] = %g, want NaN", c, sp, j, r, jj, v)
								}
							case jj == j:
								if !math.IsInf(float64(v), 0) {
									t.Fatalf("%v Inf at x[2][%d]: g[%d][%d] = %g, want ±Inf", c, j, r, jj, v)
								}
							case math.Float32bits(v) != math.Float32bits(want[p]):
								t.Fatalf("%v special at x[2][%d]: g[%d][%d] = %g, want %g", c, j, r, jj, v, want[p])
							}
						}
					}
				}
			}
		}
	}
	// alpha = 0 is not skipped: 0·Inf = NaN; n = 0 still gives g = fma(alpha, 0, g).
	g := []float32{1, 2, float32(math.Copysign(0, -1)), 4}
	AddMatMulTNNEON(g, 4, 0, []float32{1}, 1, []float32{neonInf, 1, 1, 1}, 4, 1, 1, 4)
	if !math.IsNaN(float64(g[0])) || g[1] != 2 || math.Float32bits(g[2]) != 0 || g[3] != 4 {
		t.Errorf("AddMatMulTN with alpha = 0: got %v", g)
	}
	// n = 0: g = fma(1, +0, −0) = +0 in every block and tail column.
	for _, k := range []int{1, 2, 3, 4, 7} {
		const m, stride = 29, 30
		g = make([]float32, (k-1)*stride+m)
		for p := range g {
			g[p] = float32(math.Copysign(0, -1))
			if p%stride >= m {
				g[p] = 9
			}
		}
		AddMatMulTNNEON(g, stride, 1, nil, 1, nil, m, 0, k, m)
		for p, v := range g {
			if want := map[bool]float32{true: 9, false: 0}[p%stride >= m]; math.Float32bits(v) != math.Float32bits(want) {
				t.Fatalf("AddMatMulTN with n = 0, k = %d: g[%d] = %g (%#08x), want %g", k, p, v, math.Float32bits(v), want)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Guard pages.

// TestNEONBatchGuardPages puts the last row of x, w, d, z and g (and b)
// flush against a PROT_NONE page, and in a second round the first row
// against the page before: reading or writing one element outside crashes.
func TestNEONBatchGuardPages(t *testing.T) {
	rx, rw, rz, rb := guardmem.New(t, 4), guardmem.New(t, 4), guardmem.New(t, 4), guardmem.New(t, 1)
	rng := rand.New(rand.NewPCG(31, 32))
	places := []func(*guardmem.Region, int) []float32{(*guardmem.Region).AtEnd, (*guardmem.Region).AtStart}
	for _, place := range places {
		for _, m := range []int{0, 1, 2, 3, 4, 5, 6, 7, 13, 18, 31, 64, 65, 66, 67} {
			for _, k := range []int{0, 1, 2, 3, 4, 5, 6, 7, 10} {
				for _, extra := range []int{0, 1, 3} {
					for _, n := range []int{0, 4, 8} {
						x := place(rx, batchMatLen(n, m, m+extra))
						w := place(rw, batchMatLen(k, m, m+extra))
						z := place(rz, batchMatLen(n, k, k+extra))
						b := place(rb, k)
						neonFill(rng, x, -1, 1)
						neonFill(rng, w, -1, 1)
						neonFill(rng, b, -1, 1)
						MatMulTNEON(z, k+extra, x, m+extra, w, m+extra, b, n, k, m)
						MatMulTNEON(z, k+extra, x, m+extra, w, m+extra, nil, n, k, m)
					}
					for _, n := range []int{0, 1, 3, 5} {
						d := place(rw, batchMatLen(n, k, k+extra))
						x := place(rx, batchMatLen(n, m, m+extra))
						g := place(rz, batchMatLen(k, m, m+extra))
						neonFill(rng, d, -1, 1)
						neonFill(rng, x, -1, 1)
						neonFill(rng, g, -1, 1)
						AddMatMulTNNEON(g, m+extra, 0.5, d, k+extra, x, m+extra, n, k, m)
					}
				}
			}
		}
	}
}
