//go:build !purego && linux

package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"unsafe"

	"github.com/seed7bc074a2/maxent/fallback"
	"github.com/seed7bc074a2/maxent/internal/guardmem"
)

// batchKernels are one ISA's batched kernels.
type batchKernels struct {
	laKernels
	samples     int
	matMulT     func(z []float32, zstride int, x []float32, xstride int, w []float32, wstride int, b []float32, n, k, m int)
	addMatMulTN func(g []float32, gstride int, alpha float32, d []float32, dstride int, x []float32, xstride int, n, k, m int)
}

var (
	batchAVX2   = batchKernels{laAVX2, MatMulTSamplesAVX2, MatMulTAVX2, AddMatMulTNAVX2}
	batchAVX512 = batchKernels{laAVX512, MatMulTSamplesAVX512, MatMulTAVX512, AddMatMulTNAVX512}
)

// batchMatrix returns a rows×cols matrix with the given stride, embedded
// at element off of a laSentinel-filled buffer (padding between rows
// included), its elements random in [-1, 1), and the buffer.
func batchMatrix(rng *rand.Rand, rows, cols, stride, off int) (m, buf []float32) {
	n := 0
	if rows > 0 {
		n = (rows-1)*stride + cols
	}
	m, buf = laMisaligned(n, off)
	for i := 0; i < rows; i++ {
		laFillRand(rng, m[i*stride:i*stride+cols])
	}
	return m, buf
}

// batchCheckPadding checks that the elements of buf outside the rows×cols
// matrix at element off with the given stride still hold laSentinel.
func batchCheckPadding(t *testing.T, what string, buf []float32, off, rows, cols, stride int) {
	t.Helper()
	in := make([]bool, len(buf))
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			in[off+i*stride+j] = true
		}
	}
	for i, v := range buf {
		if !in[i] && math.Float32bits(v) != math.Float32bits(laSentinel) {
			t.Fatalf("%s: element %d outside the matrix overwritten with %v", what, i-off, v)
		}
	}
}

func TestMatMulTAVX2(t *testing.T)   { batchTestMatMulT(t, batchAVX2) }
func TestMatMulTAVX512(t *testing.T) { batchTestMatMulT(t, batchAVX512) }

func batchMatMulTCase(t *testing.T, bk batchKernels, rng *rand.Rand, n, k, m, extra int, bias bool) {
	t.Helper()
	xs, ws, zs := m+extra, m+(extra*3)%7, k+extra%5
	off := (n + k + m) % 16
	x, _ := batchMatrix(rng, n, m, xs, off)
	w, _ := batchMatrix(rng, k, m, ws, (off+3)%16)
	if k > 0 && m > 0 && rng.IntN(4) == 0 {
		for j := 0; j < m; j++ { // a large-magnitude row
			w[j] *= 1e4
		}
	}
	z, zbuf := batchMatrix(rng, n, k, zs, (off+7)%16)
	var b []float32
	if bias {
		b, _ = laMisaligned(k, (off+9)%16)
		laFillRand(rng, b)
	}
	bk.matMulT(z, zs, x, xs, w, ws, b, n, k, m)
	batchCheckPadding(t, fmt.Sprintf("MatMulT%s z", bk.name), zbuf, (off+7)%16, n, k, zs)
	for i := 0; i < n; i++ {
		for c := 0; c < k; c++ {
			exact, abs := laExactDot(x[i*xs:i*xs+m], w[c*ws:c*ws+m])
			if bias {
				exact += float64(b[c])
				abs += math.Abs(float64(b[c]))
			}
			got := float64(z[i*zs+c])
			if err := math.Abs(got - exact); !(err <= laTol*abs+1e-30) {
				t.Fatalf("MatMulT%s n=%d k=%d m=%d bias=%v: z[%d,%d] = %v, want %v (err %.3g, tol %.3g)",
					bk.name, n, k, m, bias, i, c, got, exact, err, laTol*abs)
			}
		}
	}
}

func batchTestMatMulT(t *testing.T, bk batchKernels) {
	bk.need(t)
	rng := rand.New(rand.NewPCG(21, 22))
	S := bk.samples
	ms := []int{0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 127, 128, 129, 300, 784}
	if testing.Short() {
		ms = []int{0, 1, 7, 8, 9, 15, 16, 17, 33, 65, 129, 784}
	}
	for _, n := range []int{0, S, 2 * S, 3 * S} {
		for _, k := range []int{0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 17} {
			for mi, m := range ms {
				bk := bk
				batchMatMulTCase(t, bk, rng, n, k, m, (n+k+mi)%4, (k+mi)%2 == 0)
			}
		}
	}
	// Long rows take the float64 flush path.
	for _, m := range []int{1023, 1024, 1025, 2100, 5000} {
		batchMatMulTCase(t, bk, rng, S, 10, m, 1, true)
		batchMatMulTCase(t, bk, rng, 2*S, 3, m, 2, false)
	}
	// NaN in one sample poisons only that sample's logits.
	x := make([]float32, 2*S*9)
	w := make([]float32, 3*9)
	laFillRand(rng, x)
	laFillRand(rng, w)
	x[9+4] = float32(math.NaN())
	z := make([]float32, 2*S*3)
	bk.matMulT(z, 3, x, 9, w, 9, nil, 2*S, 3, 9)
	for i := 0; i < 2*S; i++ {
		for c := 0; c < 3; c++ {
			if nan := math.IsNaN(float64(z[i*3+c])); nan != (i == 1) {
				t.Fatalf("MatMulT%s: NaN in x row 1 gives z[%d,%d] = %v", bk.name, i, c, z[i*3+c])
			}
		}
	}
}

func TestAddMatMulTNAVX2(t *testing.T)   { batchTestAddMatMulTN(t, batchAVX2) }
func TestAddMatMulTNAVX512(t *testing.T) { batchTestAddMatMulTN(t, batchAVX512) }

// batchRefAddMatMulTN is the exact operation order of the kernels: per
// element a float32 FMA chain over the samples, then one FMA with alpha.
func batchRefAddMatMulTN(g []float32, gs int, alpha float32, d []float32, ds int, x []float32, xs int, n, k, m int) {
	for c := 0; c < k; c++ {
		for j := 0; j < m; j++ {
			var s float32
			for i := 0; i < n; i++ {
				s = fallback.FMA32(d[i*ds+c], x[i*xs+j], s)
			}
			g[c*gs+j] = fallback.FMA32(alpha, s, g[c*gs+j])
		}
	}
}

func batchTestAddMatMulTN(t *testing.T, bk batchKernels) {
	bk.need(t)
	rng := rand.New(rand.NewPCG(23, 24))
	ms := []int{0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 95, 127, 128, 129, 300, 784}
	ns := []int{0, 1, 2, 3, 5, 8, 17, 32, 63, 64}
	if testing.Short() {
		ns = []int{0, 1, 3, 17, 64}
	}
	for _, n := range ns {
		for _, k := range []int{0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 17} {
			for mi, m := range ms {
				extra := (n + k + mi) % 4
				xs, ds, gs := m+extra, k+(extra*3)%5, m+extra%3
				off := (n + k + m) % 16
				x, _ := batchMatrix(rng, n, m, xs, off)
				d, _ := batchMatrix(rng, n, k, ds, (off+5)%16)
				g, gbuf := batchMatrix(rng, k, m, gs, (off+11)%16)
				want := append([]float32(nil), g...)
				alpha := float32(-0.37)
				bk.addMatMulTN(g, gs, alpha, d, ds, x, xs, n, k, m)
				batchRefAddMatMulTN(want, gs, alpha, d, ds, x, xs, n, k, m)
				batchCheckPadding(t, "AddMatMulTN"+bk.name+" g", gbuf, (off+11)%16, k, m, gs)
				for c := 0; c < k; c++ {
					for j := 0; j < m; j++ {
						if got, w := g[c*gs+j], want[c*gs+j]; math.Float32bits(got) != math.Float32bits(w) {
							t.Fatalf("AddMatMulTN%s n=%d k=%d m=%d: g[%d,%d] = %v, want %v (bit-exact)", bk.name, n, k, m, c, j, got, w)
						}
					}
				}
			}
		}
	}
}

func TestBatchGuardPagesAVX2(t *testing.T)   { batchTestGuardPages(t, batchAVX2) }
func TestBatchGuardPagesAVX512(t *testing.T) { batchTestGuardPages(t, batchAVX512) }

// batchTestGuardPages places the first or last row of every matrix flush
// against a PROT_NONE page at every column tail length.
func batchTestGuardPages(t *testing.T, bk batchKernels) {
	bk.need(t)
	rx, rw, rb, rz := guardmem.New(t, 4), guardmem.New(t, 4), guardmem.New(t, 2), guardmem.New(t, 4)
	rng := rand.New(rand.NewPCG(25, 26))
	places := []func(*guardmem.Region, int) []float32{(*guardmem.Region).AtEnd, (*guardmem.Region).AtStart}
	size := func(rows, cols, stride int) int {
		if rows == 0 {
			return 0
		}
		return (rows-1)*stride + cols
	}
	S := bk.samples
	for _, k := range []int{1, 2, 3, 5, 7, 10} {
		for m := 0; m <= 70; m++ {
			for _, place := range places {
				n := 2 * S
				xs, ws, zs := m+1, m+2, k+3
				x, w, b, z := place(rx, size(n, m, xs)), place(rw, size(k, m, ws)), place(rb, k), place(rz, size(n, k, zs))
				laFillRand(rng, x)
				laFillRand(rng, w)
				laFillRand(rng, b)
				bk.matMulT(z, zs, x, xs, w, ws, b, n, k, m)
				for _, nn := range []int{1, 5} {
					ds, gs := k+1, m+3
					d, g := place(rb, size(nn, k, ds)), place(rz, size(k, m, gs))
					x := place(rx, size(nn, m, xs))
					laFillRand(rng, d)
					laFillRand(rng, g)
					laFillRand(rng, x)
					bk.addMatMulTN(g, gs, 0.5, d, ds, x, xs, nn, k, m)
				}
			}
		}
	}
}

func BenchmarkMatMulT(b *testing.B) {
	for _, bk := range []batchKernels{batchAVX2, batchAVX512} {
		if !bk.ok {
			continue
		}
		const n, k, m = 64, 10, 784
		x, w, z, bias := make([]float32, n*m), make([]float32, k*m), make([]float32, n*k), make([]float32, k)
		laFillRand(rand.New(rand.NewPCG(1, 2)), x)
		laFillRand(rand.New(rand.NewPCG(1, 3)), w)
		b.Run(fmt.Sprintf("isa=%s/n=%d/k=%d/m=%d", bk.name, n, k, m), func(b *testing.B) {
			b.SetBytes(int64(4 * n * k * m)) // MACs·4: "MB/s" reads as 4·MMAC/s
			for b.Loop() {
				bk.matMulT(z, k, x, m, w, m, bias, n, k, m)
			}
		})
		g, d := make([]float32, k*m), make([]float32, n*k)
		b.Run(fmt.Sprintf("isa=%s/n=%d/k=%d/m=%d/op=addmatmultn", bk.name, n, k, m), func(b *testing.B) {
			b.SetBytes(int64(4 * n * k * m))
			for b.Loop() {
				bk.addMatMulTN(g, m, 1e-3, d, k, x, m, n, k, m)
			}
		})
	}
}

// TestMatMulTPf: the prefetching variants give MatMulT's results bit for
// bit, whatever the addresses in pf (rows of another matrix, nil, the
// middle of unmapped space: a prefetch never faults), for shapes with and
// without column tails and flush blocks, with and without bias, and leave
// z's padding alone.
func TestMatMulTPf(t *testing.T) {
	rng := rand.New(rand.NewPCG(71, 72))
	other := make([]float32, 64*1100)
	for _, v := range []struct {
		name string
		bk   batchKernels
		pf   func(z []float32, zstride int, x []float32, xstride int, w []float32, wstride int, b []float32, n, k, m int, pf []uintptr)
	}{{"AVX2", batchAVX2, MatMulTPfAVX2}, {"AVX512", batchAVX512, MatMulTPfAVX512}} {
		if !v.bk.ok {
			t.Logf("%s: not supported here", v.name)
			continue
		}
		S := v.bk.samples
		for _, m := range []int{1, 15, 16, 17, 100, 784, 1025, 2000} {
			for _, k := range []int{1, 3, 5, 10, 11} {
				for _, blocks := range []int{1, 2, 5} {
					n := blocks * S
					xs, ws, zs := m+3, m+1, k+2
					x, _ := batchMatrix(rng, n, m, xs, 1)
					w, _ := batchMatrix(rng, k, m, ws, 2)
					b := make([]float32, k)
					laFillRand(rng, b)
					if k == 3 {
						b = nil
					}
					want := make([]float32, (n-1)*zs+k)
					v.bk.matMulT(want, zs, x, xs, w, ws, b, n, k, m)
					pf := make([]uintptr, n)
					for i := range pf {
						switch (i + m) % 3 {
						case 0:
							pf[i] = uintptr(unsafe.Pointer(&other[(i*1100)%len(other)]))
						case 1:
							pf[i] = 0
						default:
							pf[i] = 0x7f00_dead_0000 + uintptr(i)*4096
						}
					}
					// z with laSentinel in the padding between rows.
					got := make([]float32, (n-1)*zs+k)
					for i := range got {
						got[i] = laSentinel
					}
					v.pf(got, zs, x, xs, w, ws, b, n, k, m, pf)
					for i := 0; i < n; i++ {
						for c := 0; c < k; c++ {
							if a, e := got[i*zs+c], want[i*zs+c]; math.Float32bits(a) != math.Float32bits(e) {
								t.Fatalf("MatMulTPf%s n=%d k=%d m=%d: z[%d,%d] = %v, MatMulT %v", v.name, n, k, m, i, c, a, e)
							}
						}
						for c := k; c < zs && i < n-1; c++ {
							if math.Float32bits(got[i*zs+c]) != math.Float32bits(laSentinel) {
								t.Fatalf("MatMulTPf%s n=%d k=%d m=%d: padding z[%d,%d] written", v.name, n, k, m, i, c)
							}
						}
					}
				}
			}
		}
	}
}

// gatherWB returns the weights (k×m, stride m+1, misaligned) and the bias
// (none for k = 3) of the gather tests' MatMulT calls.
func gatherWB(rng *rand.Rand, k, m int) (w, b []float32) {
	w, _ = batchMatrix(rng, k, m, m+1, 2)
	b = make([]float32, k)
	laFillRand(rng, b)
	if k == 3 {
		b = nil
	}
	return w, b
}

// TestGatherKernels: MatMulTGather and AddMatMulTNGather on rows scattered
// over memory (in a random order, misaligned, one repeated, the last
// ending at a guard page, so a read past a row's m elements faults) give
// MatMulT's and AddMatMulTN's results on the same rows copied into a
// matrix, bit for bit, for shapes with and without column tails and flush
// blocks; z's and g's padding is left alone.
func TestGatherKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(81, 82))
	for _, v := range []struct {
		name   string
		bk     batchKernels
		mmt    func(z []float32, zstride int, xp []uintptr, w []float32, wstride int, b []float32, n, k, m int, pf []uintptr)
		addmmt func(g []float32, gstride int, alpha float32, d []float32, dstride int, xp []uintptr, n, k, m int)
		sgd    func(g []float32, gstride int, alpha float32, d []float32, dstride int, xp []uintptr, n, k, m int, w []float32, c2 float32, l2 int, mu float32, pf []uintptr)
		outer  func(g []float32, stride int, alpha float32, d, x []float32)
		scale  func(x []float32, s float32)
	}{{"AVX2", batchAVX2, MatMulTGatherAVX2, AddMatMulTNGatherAVX2, AddMatMulTNGatherSGDAVX2, AddOuterAVX2, ScaleAVX2},
		{"AVX512", batchAVX512, MatMulTGatherAVX512, AddMatMulTNGatherAVX512, AddMatMulTNGatherSGDAVX512, AddOuterAVX512, ScaleAVX512}} {
		if !v.bk.ok {
			t.Logf("%s: not supported here", v.name)
			continue
		}
		S := v.bk.samples
		guard := guardmem.New(t, 4)
		for _, m := range []int{1, 7, 8, 15, 16, 17, 100, 784, 1025, 2000} {
			for _, k := range []int{1, 3, 5, 10, 11} {
				for _, n := range []int{S, 2 * S, 5 * S, 37} {
					// The rows: in a pool with gaps, then copied into x.
					pool := make([]float32, (n+1)*(m+5))
					laFillRand(rng, pool)
					last := guard.AtEnd(m)
					laFillRand(rng, last)
					xp := make([]uintptr, n)
					xs := m + 3
					x := make([]float32, n*xs)
					for i := range xp {
						var row []float32
						switch {
						case i == n-1:
							row = last
						case i > 0 && i%7 == 3:
							row = pool[(i-1)*(m+5)+(i-1)%5:][:m] // the previous row again
						default:
							row = pool[i*(m+5)+i%5:][:m]
						}
						xp[i] = uintptr(unsafe.Pointer(&row[0]))
						copy(x[i*xs:], row)
					}
					w, b := gatherWB(rng, k, m)
					zs := k + 2
					if n%S == 0 {
						want := make([]float32, (n-1)*zs+k)
						v.bk.matMulT(want, zs, x, xs, w, m+1, b, n, k, m)
						got := make([]float32, (n-1)*zs+k)
						for i := range got {
							got[i] = laSentinel
						}
						pf := make([]uintptr, n)
						for i := range pf {
							pf[i] = xp[(i+1)%n]
						}
						v.mmt(got, zs, xp, w, m+1, b, n, k, m, pf)
						for i := 0; i < n; i++ {
							for c := 0; c < zs && (i < n-1 || c < k); c++ {
								a, e := got[i*zs+c], want[i*zs+c]
								if c >= k {
									e = laSentinel
								}
								if math.Float32bits(a) != math.Float32bits(e) {
									t.Fatalf("MatMulTGather%s n=%d k=%d m=%d: z[%d,%d] = %v, want %v", v.name, n, k, m, i, c, a, e)
								}
							}
						}
					}
					d, _ := batchMatrix(rng, n, k, k+1, 0)
					gs := m + 2
					g0, _ := batchMatrix(rng, k, m, gs, 0)
					want, got := append([]float32(nil), g0...), append([]float32(nil), g0...)
					for c := 0; c < k; c++ { // the padding: sentinels in both
						for j := m; j < gs && c < k-1; j++ {
							want[c*gs+j], got[c*gs+j] = laSentinel, laSentinel
						}
					}
					v.bk.addMatMulTN(want, gs, 0.75, d, k+1, x, xs, n, k, m)
					v.addmmt(got, gs, 0.75, d, k+1, xp, n, k, m)
					runtime.KeepAlive(pool) // xp's uintptrs do not keep the rows alive
					for i := range want {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("AddMatMulTNGather%s n=%d k=%d m=%d: g element %d = %v, want %v", v.name, n, k, m, i, got[i], want[i])
						}
					}

					// The SGD variant: the same sums, then the momentum
					// step on every element of g (weights w laid out as g,
					// sentinels in both paddings), against AddMatMulTN
					// followed by the trainer's passes (AddOuter of one
					// row, the add, Scale), with and without the L2 term.
					for _, l2 := range []int{0, 1} {
						w0, _ := batchMatrix(rng, k, m, gs, 1)
						for c := 0; c < k-1; c++ {
							for j := m; j < gs; j++ {
								w0[c*gs+j] = laSentinel
							}
						}
						c2, mu := float32(-0.0375), float32(0.9)
						if l2 == 0 {
							c2 = 7 // must be ignored
						}
						wantG, wantW := append([]float32(nil), g0...), append([]float32(nil), w0...)
						v.bk.addMatMulTN(wantG, gs, 0.75, d, k+1, x, xs, n, k, m)
						for c := 0; c < k; c++ {
							gr, wr := wantG[c*gs:c*gs+m], wantW[c*gs:c*gs+m]
							if l2 != 0 {
								v.outer(gr, m, c2, []float32{1}, wr)
							}
							v.outer(wr, m, 1, []float32{1}, gr)
							v.scale(gr, mu)
						}
						gotG, gotW := append([]float32(nil), g0...), append([]float32(nil), w0...)
						for c := 0; c < k-1; c++ {
							for j := m; j < gs; j++ {
								wantG[c*gs+j], gotG[c*gs+j] = laSentinel, laSentinel
							}
						}
						// Prefetching (of the rows in a rotated order) or not
						// changes nothing.
						var pf []uintptr
						if l2 == 1 {
							pf = make([]uintptr, n)
							for i := range pf {
								pf[i] = xp[(i+3)%n]
							}
						}
						v.sgd(gotG, gs, 0.75, d, k+1, xp, n, k, m, gotW, c2, l2, mu, pf)
						runtime.KeepAlive(pool)
						for i := range wantG {
							if math.Float32bits(gotG[i]) != math.Float32bits(wantG[i]) {
								t.Fatalf("AddMatMulTNGatherSGD%s l2=%d n=%d k=%d m=%d: g element %d = %v, want %v", v.name, l2, n, k, m, i, gotG[i], wantG[i])
							}
							if math.Float32bits(gotW[i]) != math.Float32bits(wantW[i]) {
								t.Fatalf("AddMatMulTNGatherSGD%s l2=%d n=%d k=%d m=%d: w element %d = %v, want %v", v.name, l2, n, k, m, i, gotW[i], wantW[i])
							}
						}
					}
				}
			}
		}
	}
}

// TestGatherU8Kernels: the gather kernels on rows of byte codes.
// MatMulTGatherU8 gives MatMulTGather's results on rows of the codes'
// float32 values, bit for bit. AddMatMulTNGatherSGDU8 gives, bit for bit,
// the sums of AddMatMulTNGather on those rows, times the columns' scales,
// added by AddOuter's FMA, then the trainer's passes of the momentum step
// (AddOuter, the add, Scale) and ws = w·scale; with and without the L2
// term and the prefetch. AddMatMulTNGatherU8 gives the same sums, scaled
// and added, without the step. Both add the sums to tot, in row order.
// SGDRowU8 updates a row from a given tot as they update theirs. Codes over the whole 0–255 range, rows misaligned
// and repeated, the last row and the scales ending at guard pages (a read
// past a row's m bytes or past scale's m elements faults), z's, g's, w's
// and ws's padding left alone.
func TestGatherU8Kernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(83, 84))
	type sgd8F = func(g []float32, gstride int, alpha float32, d []float32, dstride int, xp []uintptr, scale, tot []float32, n, k, m int, w, ws []float32, c2 float32, l2 int, mu float32, pf []uintptr)
	type mmtF = func(z []float32, zstride int, xp []uintptr, w []float32, wstride int, b []float32, n, k, m int, pf []uintptr)
	for _, v := range []struct {
		name      string
		bk        batchKernels
		mmt, mmt8 mmtF
		add       func(g []float32, gstride int, alpha float32, d []float32, dstride int, xp []uintptr, n, k, m int)
		sgd8      sgd8F
		add8      func(g []float32, gstride int, alpha float32, d []float32, dstride int, xp []uintptr, scale, tot []float32, n, k, m int)
		row       func(v, w, ws, tot, scale []float32, m int, alpha, c2 float32, l2 int, mu float32)
		outer     func(g []float32, stride int, alpha float32, d, x []float32)
		scale     func(x []float32, s float32)
	}{{"AVX2", batchAVX2, MatMulTGatherAVX2, MatMulTGatherU8AVX2, AddMatMulTNGatherAVX2, AddMatMulTNGatherSGDU8AVX2, AddMatMulTNGatherU8AVX2, SGDRowU8AVX2, AddOuterAVX2, ScaleAVX2},
		{"AVX512", batchAVX512, MatMulTGatherAVX512, MatMulTGatherU8AVX512, AddMatMulTNGatherAVX512, AddMatMulTNGatherSGDU8AVX512, AddMatMulTNGatherU8AVX512, SGDRowU8AVX512, AddOuterAVX512, ScaleAVX512}} {
		if !v.bk.ok {
			t.Logf("%s: not supported here", v.name)
			continue
		}
		S := v.bk.samples
		guard, sguard, tguard, vguard := guardmem.New(t, 1), guardmem.New(t, 4), guardmem.New(t, 4), guardmem.New(t, 4)
		for _, m := range []int{1, 7, 8, 15, 16, 17, 63, 64, 65, 100, 392, 784, 1025, 2000} {
			for _, k := range []int{1, 3, 5, 10, 11} {
				for _, n := range []int{S, 2 * S, 5 * S, 37} {
					pool := make([]byte, (n+1)*(m+5))
					for i := range pool {
						pool[i] = byte(rng.IntN(256))
					}
					last := guard.BytesAtEnd(m)
					for i := range last {
						last[i] = byte(rng.IntN(256))
					}
					last[0], last[m-1] = 255, 0
					scale := sguard.AtEnd(m)
					for j := range scale {
						scale[j] = float32(rng.Float64()*2 - 0.5)
					}
					scale[0] = 1.0 / 255
					xp, xp8 := make([]uintptr, n), make([]uintptr, n)
					rows := make([][]float32, n)
					for i := range xp {
						var row []byte
						switch {
						case i == n-1:
							row = last
						case i > 0 && i%7 == 3:
							row = pool[(i-1)*(m+5)+(i-1)%5:][:m]
						default:
							row = pool[i*(m+5)+i%5:][:m]
						}
						xp8[i] = uintptr(unsafe.Pointer(&row[0]))
						rows[i] = make([]float32, m)
						for j, c := range row {
							rows[i][j] = float32(c)
						}
						xp[i] = uintptr(unsafe.Pointer(&rows[i][0]))
					}
					same := func(what string, got, want []float32) {
						t.Helper()
						for i := range want {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Fatalf("%s %s n=%d k=%d m=%d: element %d = %v, want %v", what, v.name, n, k, m, i, got[i], want[i])
							}
						}
					}
					if n%S == 0 {
						w, b := gatherWB(rng, k, m)
						zs := k + 2
						want := make([]float32, (n-1)*zs+k)
						got := make([]float32, (n-1)*zs+k)
						for i := range got {
							got[i], want[i] = laSentinel, laSentinel
						}
						pf, pf8 := make([]uintptr, n), make([]uintptr, n)
						for i := range pf {
							pf[i], pf8[i] = xp[(i+1)%n], xp8[(i+1)%n]
						}
						v.mmt(want, zs, xp, w, m+1, b, n, k, m, pf)
						v.mmt8(got, zs, xp8, w, m+1, b, n, k, m, pf8)
						same("MatMulTGatherU8", got, want)
					}
					d, _ := batchMatrix(rng, n, k, k+1, 0)
					gs := m + 2
					g0, _ := batchMatrix(rng, k, m, gs, 0)
					// The sums: AddMatMulTNGather from −0 with alpha 1
					// (fma(1, s, −0) = s, signed zeros included).
					sums := make([]float32, (k-1)*gs+m)
					for i := range sums {
						sums[i] = float32(math.Copysign(0, -1))
					}
					v.add(sums, gs, 1, d, k+1, xp, n, k, m)
					// The totals: random to start with (the kernels add to
					// them), ending at a guard page.
					tot0 := make([]float32, m)
					laFillRand(rng, tot0)
					tot := tguard.AtEnd(m)
					// wantTot adds the rows' sums to tot0 in row order.
					wantTot := func() []float32 {
						w := append([]float32(nil), tot0...)
						for c := 0; c < k; c++ {
							for j := range w {
								w[j] += sums[c*gs+j]
							}
						}
						return w
					}
					scaledSums := func(c int) []float32 {
						ts := make([]float32, m)
						for j := range ts {
							ts[j] = sums[c*gs+j] * scale[j]
						}
						return ts
					}
					// Without the step.
					wantA, gotA := append([]float32(nil), g0...), append([]float32(nil), g0...)
					for c := 0; c < k; c++ {
						v.outer(wantA[c*gs:c*gs+m], m, 0.75, []float32{1}, scaledSums(c))
					}
					copy(tot, tot0)
					v.add8(gotA, gs, 0.75, d, k+1, xp8, scale, tot, n, k, m)
					same("AddMatMulTNGatherU8", gotA, wantA)
					same("AddMatMulTNGatherU8 tot", tot, wantTot())
					for _, l2 := range []int{0, 1} {
						w0, _ := batchMatrix(rng, k, m, gs, 1)
						ws0, _ := batchMatrix(rng, k, m, gs, 0)
						c2, mu := float32(-0.0375), float32(0.9)
						if l2 == 0 {
							c2 = 7 // must be ignored
						}
						wantG, wantW, wantWS := append([]float32(nil), g0...), append([]float32(nil), w0...), append([]float32(nil), ws0...)
						for c := 0; c < k; c++ {
							gr, wr := wantG[c*gs:c*gs+m], wantW[c*gs:c*gs+m]
							v.outer(gr, m, 0.75, []float32{1}, scaledSums(c))
							if l2 != 0 {
								v.outer(gr, m, c2, []float32{1}, wr)
							}
							v.outer(wr, m, 1, []float32{1}, gr)
							v.scale(gr, mu)
							for j := range wr {
								wantWS[c*gs+j] = wr[j] * scale[j]
							}
						}
						gotG, gotW, gotWS := append([]float32(nil), g0...), append([]float32(nil), w0...), append([]float32(nil), ws0...)
						var pf8 []uintptr
						if l2 == 1 {
							pf8 = make([]uintptr, n)
							for i := range pf8 {
								pf8[i] = xp8[(i+3)%n]
							}
						}
						copy(tot, tot0)
						v.sgd8(gotG, gs, 0.75, d, k+1, xp8, scale, tot, n, k, m, gotW, gotWS, c2, l2, mu, pf8)
						same(fmt.Sprintf("AddMatMulTNGatherSGDU8 l2=%d tot", l2), tot, wantTot())
						same(fmt.Sprintf("AddMatMulTNGatherSGDU8 l2=%d g", l2), gotG, wantG)
						same(fmt.Sprintf("AddMatMulTNGatherSGDU8 l2=%d w", l2), gotW, wantW)
						same(fmt.Sprintf("AddMatMulTNGatherSGDU8 l2=%d ws", l2), gotWS, wantWS)
					}
					runtime.KeepAlive(pool)
					runtime.KeepAlive(rows)

					// SGDRowU8 (once per m): a row updated from tot, as the
					// SGD kernel updates its rows from their sums.
					if k != 1 || n != S {
						continue
					}
					for _, l2 := range []int{0, 1} {
						v0, w0, ws0 := make([]float32, m), make([]float32, m), make([]float32, m)
						laFillRand(rng, v0)
						laFillRand(rng, w0)
						laFillRand(rng, ws0)
						copy(tot, tot0)
						c2, mu := float32(-0.0375), float32(0.9)
						if l2 == 0 {
							c2 = 7 // must be ignored
						}
						wantV, wantW := append([]float32(nil), v0...), append([]float32(nil), w0...)
						ts := make([]float32, m)
						for j := range ts {
							ts[j] = tot0[j] * scale[j]
						}
						v.outer(wantV, m, -0.75, []float32{1}, ts)
						if l2 != 0 {
							v.outer(wantV, m, c2, []float32{1}, wantW)
						}
						v.outer(wantW, m, 1, []float32{1}, wantV)
						v.scale(wantV, mu)
						wantWS := make([]float32, m)
						for j := range wantWS {
							wantWS[j] = wantW[j] * scale[j]
						}
						gotV := vguard.AtEnd(m)
						copy(gotV, v0)
						gotW, gotWS := append([]float32(nil), w0...), append([]float32(nil), ws0...)
						v.row(gotV, gotW, gotWS, tot, scale, m, -0.75, c2, l2, mu)
						same(fmt.Sprintf("SGDRowU8 l2=%d v", l2), gotV, wantV)
						same(fmt.Sprintf("SGDRowU8 l2=%d w", l2), gotW, wantW)
						same(fmt.Sprintf("SGDRowU8 l2=%d ws", l2), gotWS, wantWS)
						same(fmt.Sprintf("SGDRowU8 l2=%d tot (unchanged)", l2), tot, tot0)
					}
				}
			}
		}
	}
}
