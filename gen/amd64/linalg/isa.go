package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/gotypes"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
	"github.com/seed7bc074a2/maxent/gen/internal/vregs"
)

// rowPass describes one MatVec or AddOuter pass shape: Rows rows at once,
// Cols vectors of each row per loop iteration (for MatVec, Rows·Cols
// float32 accumulators). A pass loops while at least Rows rows remain; an
// Exact pass runs only when exactly Rows rows remain in total (AVX-512
// MatVec: k = 10 classes in one pass, while larger matrices use 8-row
// passes, which keep at most 9 lines per L1 set when the stride is a
// multiple of 4 KiB).
type rowPass struct {
	Rows, Cols int
	Exact      bool
}

// ISA describes one vector instruction set. Every kernel is written once
// against this descriptor and emitted for each ISA.
type ISA struct {
	Name   string // function name suffix: "AVX2" or "AVX512"
	Lanes  int    // float32 lanes per vector register
	Regs   int    // vector registers a kernel may use (16 for AVX2: Y16–Y31 need AVX-512VL)
	AVX512 bool   // ZMM registers and K-mask tails (else YMM and scalar tails)

	DotAcc         int       // Dot: float32 accumulators (= vectors per loop iteration)
	MatVecPasses   []rowPass // MatVec: pass shapes, largest Rows first, the last with Rows == 1 (Rows ≤ 10; AVX2 Cols ≥ 2)
	AddOuterPasses []rowPass // AddOuter: pass shapes, largest Rows first, the last with Rows == 1 (Rows 1, 2 or 4)
	StreamUnroll   int       // StreamRead/StreamRMW: vectors per loop iteration

	MatMulTSamples    int   // MatMulT: samples (rows of x) per block: 1, 2 or 4
	MatMulTPasses     []int // MatMulT: rows of w per pass, largest first, the last 1 (≤ 5)
	AddMatMulTNPasses []int // AddMatMulTN: rows of g per pass, largest first, the last 1 (≤ 5)
	AddMatMulTNCols   int   // AddMatMulTN: vectors per row of the register block of g
	// AddMatMulTNGather(SGD)U8: rows of g per pass (≤ 9) and vectors per
	// row of the register block.
	AddMatMulTNU8Passes []int
	AddMatMulTNU8Cols   int
	PeakAcc             int // FMAPeak: independent FMA chains
}

var avx2 = &ISA{
	Name: "AVX2", Lanes: 8, Regs: 16,
	DotAcc:         8,
	MatVecPasses:   []rowPass{{5, 2, false}, {4, 2, false}, {2, 4, false}, {1, 8, false}},
	AddOuterPasses: []rowPass{{4, 2, false}, {2, 2, false}, {1, 4, false}},
	StreamUnroll:   8,
	PeakAcc:        12,
	// 2×5 + 2 + 1 = 13 registers (MatMulT), 5×2 + 2 + 2 = 14 (AddMatMulTN).
	MatMulTSamples:    2,
	MatMulTPasses:     []int{5, 4, 3, 2, 1},
	AddMatMulTNPasses: []int{5, 4, 3, 2, 1},
	AddMatMulTNCols:   2,
	// The codes' kernels keep each pass's totals in 2 more registers.
	AddMatMulTNU8Passes: []int{5, 4, 3, 2, 1},
	AddMatMulTNU8Cols:   2,
}

var avx512 = &ISA{
	Name: "AVX512", Lanes: 16, Regs: 32, AVX512: true,
	DotAcc:       4,
	MatVecPasses: []rowPass{{10, 1, true}, {8, 1, false}, {4, 2, false}, {2, 4, false}, {1, 8, false}},
	// Not 8 rows per AddOuter pass: with a stride that is a multiple of
	// 4 KiB, 8 rows of g and x map to one set of the 8-way L1 and evict
	// each other (4-row passes, as on AVX2, measured much faster at
	// 100×1024: docs/performance.md).
	AddOuterPasses: []rowPass{{4, 2, false}, {2, 2, false}, {1, 4, false}},
	StreamUnroll:   8,
	PeakAcc:        12,
	// 4×5 + 4 + 1 = 25 registers (MatMulT), 5×4 + 4 + 1 = 25 (AddMatMulTN).
	MatMulTSamples:    4,
	MatMulTPasses:     []int{5, 4, 3, 2, 1},
	AddMatMulTNPasses: []int{5, 4, 3, 2, 1},
	AddMatMulTNCols:   4,
	// The 9 rows the SGD trainer on codes sums with 10 classes in one
	// pass: each vector of codes is decoded once, not twice (5 + 4 rows).
	// 9×2 + 2 + 1 + 1 + 2 (totals) + 2 (c2, mu) = 26 registers.
	AddMatMulTNU8Passes: []int{9, 5, 4, 3, 2, 1},
	AddMatMulTNU8Cols:   2,
}

// blockIters is the number of main-loop iterations between two flushes of
// the float32 accumulators into float64 (Dot, MatVec). Each accumulator
// lane then holds at most blockIters-1+unroll products (≤ 72), well under
// the 128 that the accuracy contract allows (relative error of the float32
// part ≲ n·2⁻²⁴ of Σ|terms|, ≈ 4.3e-6 for n = 72).
const blockIters = 64

// VB is the size of one vector register in bytes.
func (s *ISA) VB() int { return 4 * s.Lanes }

// pool returns the ISA's vector registers (see vregs.Pool).
func (s *ISA) pool() *vregs.Pool {
	return &vregs.Pool{Name: s.Name, Regs: s.Regs, AVX512: s.AVX512}
}

// half returns the lower half of v (XMM of a YMM, YMM of a ZMM).
func (s *ISA) half(v reg.VecPhysical) reg.Register {
	if s.AVX512 {
		return v.AsY()
	}
	return v.AsX()
}

// zero clears v.
func (s *ISA) zero(v reg.VecPhysical) {
	if s.AVX512 {
		VPXORD(v, v, v)
	} else {
		VXORPS(v, v, v)
	}
}

// extractHi stores the upper half of v in dst (a half-width register).
func (s *ISA) extractHi(v reg.VecPhysical, dst reg.Register) {
	if s.AVX512 {
		VEXTRACTF64X4(U8(1), v, dst)
	} else {
		VEXTRACTF128(U8(1), v, dst)
	}
}

// extract128 stores bits 128..255 of the YMM register y in the XMM register dst.
func (s *ISA) extract128(y, dst reg.Register) {
	if s.AVX512 {
		VEXTRACTF64X2(U8(1), y, dst) // EVEX: works on Y16–Y31
	} else {
		VEXTRACTF128(U8(1), y, dst)
	}
}

// flush adds the float32 lanes of acc, converted exactly to float64, to the
// float64 accumulator d. t1, t2 are scratch.
func (s *ISA) flush(acc, d, t1, t2 reg.VecPhysical) {
	VCVTPS2PD(s.half(acc), t1)
	s.extractHi(acc, s.half(t2))
	VCVTPS2PD(s.half(t2), t2)
	VADDPD(t2, t1, t1)
	VADDPD(t1, d, d)
}

// hsum64 sums the float64 lanes of d into the low lane of d.AsX(). t is scratch.
func (s *ISA) hsum64(d, t reg.VecPhysical) {
	if s.AVX512 {
		VEXTRACTF64X4(U8(1), d, t.AsY())
		VADDPD(t.AsY(), d.AsY(), d.AsY())
	}
	s.extract128(d.AsY(), t.AsX())
	VADDPD(t.AsX(), d.AsX(), d.AsX())
	VPERMILPD(U8(1), d.AsX(), t.AsX())
	VADDSD(t.AsX(), d.AsX(), d.AsX())
}

// hsum32 sums the float32 lanes of v into the low lane of v.AsX(). t is scratch.
func (s *ISA) hsum32(v, t reg.VecPhysical) {
	if s.AVX512 {
		VEXTRACTF64X4(U8(1), v, t.AsY())
		VADDPS(t.AsY(), v.AsY(), v.AsY())
	}
	s.extract128(v.AsY(), t.AsX())
	VADDPS(t.AsX(), v.AsX(), v.AsX())
	VPERMILPD(U8(1), v.AsX(), t.AsX())
	VADDPS(t.AsX(), v.AsX(), v.AsX())
	VMOVSHDUP(v.AsX(), t.AsX())
	VADDSS(t.AsX(), v.AsX(), v.AsX())
}

// setMask sets K1 to the first n lanes (n a GP64 holding 0..Lanes-1, not
// modified): K1 = (1<<n) - 1. AVX-512 only: masked EVEX loads, stores and
// memory operands suppress faults on masked-off lanes, so a masked tail
// never touches memory outside its n elements.
func (s *ISA) setMask(n reg.GPVirtual) {
	if !s.AVX512 {
		panic("setMask: AVX-512 only")
	}
	t := GP32()
	MOVL(U32(0xffffffff), t)
	BZHIL(n.As32(), t, t)
	KMOVW(t, reg.K1)
}

// AVX2 tails are scalar loops, not VMASKMOVPS: they touch exactly the
// remaining elements on every CPU and emulator (qemu 7.2's VMASKMOVPS
// faults on masked-off lanes past a page end, and masked stores are slow on
// AMD). Every scalar element is loaded with VMOVSS and then used from a
// register: qemu 7.2 also reads 16 bytes for scalar arithmetic memory
// operands (VFMADD231SS m32), which faults at a page end.

// rowTotal sets dst to the float64 sum of the float32 accumulators accs
// (each converted exactly, lane by lane; dst may be accs[0]). t1, t2 are
// scratch.
func (s *ISA) rowTotal(accs []reg.VecPhysical, dst, t1, t2 reg.VecPhysical) {
	for c, a := range accs {
		VCVTPS2PD(s.half(a), t1)
		s.extractHi(a, s.half(t2))
		VCVTPS2PD(s.half(t2), t2)
		if c == 0 {
			VADDPD(t2, t1, dst)
		} else {
			VADDPD(t2, t1, t1)
			VADDPD(t1, dst, dst)
		}
	}
}

// reduceGroup sums each of the g float64 vectors v[0..g-1] (g a power of
// two, at most Lanes/2) horizontally, in float64, with a transposing
// reduction: on return lanes 0..g-1 of v[0] hold the g sums. Pairs of rows
// are interleaved and added (VUNPCKLPD/VUNPCKHPD), then 128-bit chunks of
// pairs of vectors (VPERM2F128 on AVX2, VSHUFF64X2 on AVX-512), then the
// remaining chunks are folded. t1, t2 are scratch; v[1..] are clobbered.
func (s *ISA) reduceGroup(v []reg.VecPhysical, t1, t2 reg.VecPhysical) {
	g := len(v)
	if g == 1 {
		s.hsum64(v[0], t1)
		return
	}
	// u[j] = rows 2j, 2j+1 interleaved: chunk c holds their partial sums
	// over lanes 2c, 2c+1.
	var u []reg.VecPhysical
	for i := 0; i < g; i += 2 {
		a, b := v[i], v[i+1]
		VUNPCKLPD(b, a, t1)
		VUNPCKHPD(b, a, t2)
		VADDPD(t2, t1, a)
		u = append(u, a)
	}
	if g == 2 {
		if s.AVX512 {
			VEXTRACTF64X4(U8(1), u[0], t1.AsY())
			VADDPD(t1.AsY(), u[0].AsY(), u[0].AsY())
		}
		s.extract128(u[0].AsY(), t1.AsX())
		VADDPD(t1.AsX(), u[0].AsX(), u[0].AsX())
		return
	}
	if !s.AVX512 { // g == 4: chunk 0 of u0,u1 + chunk 1 of u0,u1
		VPERM2F128(U8(0x20), u[1], u[0], t1)
		VPERM2F128(U8(0x31), u[1], u[0], t2)
		VADDPD(t2, t1, u[0])
		return
	}
	// AVX-512: pairs of u → w[k] = [rows 4k,4k+1 over lanes 0-3, same over
	// lanes 4-7, rows 4k+2,4k+3 over lanes 0-3, same over 4-7].
	var w []reg.VecPhysical
	for j := 0; j < len(u); j += 2 {
		VSHUFF64X2(U8(0x88), u[j+1], u[j], t1)
		VSHUFF64X2(U8(0xdd), u[j+1], u[j], t2)
		VADDPD(t2, t1, u[j])
		w = append(w, u[j])
	}
	other := w[0] // g == 4: fold w0 onto itself
	if g == 8 {
		other = w[1]
	}
	VSHUFF64X2(U8(0x88), other, w[0], t1)
	VSHUFF64X2(U8(0xdd), other, w[0], t2)
	VADDPD(t2, t1, w[0])
}

// tailRMW updates the last n (< Lanes, n == 0 allowed) elements of R
// rows (row(r) addresses the current element of row r): g = fma(a[r], x, g)
// when x != nil, else g = g + a[r], with a[r] broadcast in av[r]. AVX-512:
// masked loads, one vector operation and a masked store per row (K1 must
// hold the mask for n). AVX2: a scalar loop. t1, t2 are scratch; n is
// consumed.
func (s *ISA) tailRMW(n reg.GPVirtual, R int, row func(r int) Mem, x *Mem, av []reg.VecPhysical, t1, t2 reg.VecPhysical, advance func(int), lbl func(string) string) {
	TESTQ(n, n)
	JZ(LabelRef(lbl("finished")))
	if s.AVX512 {
		if x != nil {
			VMOVUPS_Z(*x, reg.K1, t2)
		}
		for r := 0; r < R; r++ {
			VMOVUPS_Z(row(r), reg.K1, t1)
			if x != nil {
				VFMADD231PS(t2, av[r], t1)
			} else {
				VADDPS(av[r], t1, t1)
			}
			VMOVUPS(t1, reg.K1, row(r))
		}
	} else {
		Label(lbl("scalar"))
		if x != nil {
			VMOVSS(*x, t2.AsX())
		}
		for r := 0; r < R; r++ {
			VMOVSS(row(r), t1.AsX())
			if x != nil {
				VFMADD231SS(t2.AsX(), av[r].AsX(), t1.AsX())
			} else {
				VADDSS(av[r].AsX(), t1.AsX(), t1.AsX())
			}
			VMOVSS(t1.AsX(), row(r))
		}
		advance(4)
		DECQ(n)
		JNZ(LabelRef(lbl("scalar")))
	}
	Label(lbl("finished"))
}

// log2 returns log₂ n for a power of two n.
func log2(n int) int {
	for k := 0; k < 31; k++ {
		if 1<<k == n {
			return k
		}
	}
	panic(fmt.Sprintf("%d is not a power of two", n))
}

// addr returns the memory operand of a Go argument.
func addr(c gotypes.Component) Mem {
	b, err := c.Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// blockCount sets blk = min(n >> log2(per), blockIters): the number of
// main-loop iterations (of per elements each) in the next block. n ≥ per.
func blockCount(n, blk reg.GPVirtual, per int, label string) {
	MOVQ(n, blk)
	SHRQ(U8(log2(per)), blk)
	CMPQ(blk, U32(blockIters))
	JBE(LabelRef(label))
	MOVQ(U32(blockIters), blk)
	Label(label)
}

// loadGP loads an integer or pointer argument into a new GP64 register.
func loadGP(c gotypes.Component) reg.GPVirtual {
	r := GP64()
	Load(c, r)
	return r
}

// storeSums finishes R rows whose float64 totals are in tot[0..R-1]: one
// transposing reduction per group of rows (groups), the bias b[0..R-1]
// added in float64 unless len(b) == 0 (bp points at b[0]), and one
// rounding to float32 and one store per group at y[0..R-1] (y addresses
// y[0]). t1, t2 are scratch; tot is clobbered. storeLabel must be unique in
// the function.
func (s *ISA) storeSums(tot []reg.VecPhysical, y Mem, bp reg.GPVirtual, t1, t2 reg.VecPhysical, storeLabel string) {
	gs := s.groups(len(tot))
	var first []int
	for i, r0 := 0, 0; i < len(gs); r0, i = r0+gs[i], i+1 {
		s.reduceGroup(tot[r0:r0+gs[i]], t1, t2)
		first = append(first, r0)
	}
	CMPQ(addr(Param("b").Len()), U8(0))
	JEQ(LabelRef(storeLabel))
	for i, g := range gs {
		bm := Mem{Base: bp, Disp: 4 * first[i]}
		res := tot[first[i]]
		switch g {
		case 8:
			VMOVUPS(bm, t1.AsY())
			VCVTPS2PD(t1.AsY(), t1.AsZ())
			VADDPD(t1.AsZ(), res.AsZ(), res.AsZ())
		case 4:
			VMOVUPS(bm, t1.AsX())
			VCVTPS2PD(t1.AsX(), t1.AsY())
			VADDPD(t1.AsY(), res.AsY(), res.AsY())
		case 2:
			VMOVSD(bm, t1.AsX())
			VCVTPS2PD(t1.AsX(), t1.AsX())
			VADDPD(t1.AsX(), res.AsX(), res.AsX())
		case 1:
			VMOVSS(bm, t1.AsX())
			VCVTSS2SD(t1.AsX(), t1.AsX(), t1.AsX())
			VADDSD(t1.AsX(), res.AsX(), res.AsX())
		}
	}
	Label(storeLabel)
	for i, g := range gs {
		ym := y.Offset(4 * first[i])
		res := tot[first[i]]
		switch g {
		case 8:
			VCVTPD2PS(res.AsZ(), res.AsY())
			VMOVUPS(res.AsY(), ym)
		case 4:
			VCVTPD2PSY(res.AsY(), res.AsX())
			VMOVUPS(res.AsX(), ym)
		case 2:
			VCVTPD2PSX(res.AsX(), res.AsX())
			VMOVSD(res.AsX(), ym)
		case 1:
			VCVTSD2SS(res.AsX(), res.AsX(), res.AsX())
			VMOVSS(res.AsX(), ym)
		}
	}
}

// passLabels returns the label maker of a pass over R rows ("r<R>_…") and
// the label it falls through to when fewer than R rows remain: the next
// shape's "r<rows>_rows" in later, or end after the last shape.
func passLabels(R int, later []int, end string) (lbl func(string) string, next string) {
	lbl = func(x string) string { return fmt.Sprintf("r%d_%s", R, x) }
	if len(later) == 0 {
		return lbl, end
	}
	return lbl, fmt.Sprintf("r%d_rows", later[0])
}

// rowsOf returns the row counts of pass shapes.
func rowsOf(ps []rowPass) []int {
	rows := make([]int, len(ps))
	for i, p := range ps {
		rows[i] = p.Rows
	}
	return rows
}
