package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// slice loads the base pointer and the length of slice parameter name.
func slice(name string) (base, n reg.GPVirtual) {
	base, n = GP64(), GP64()
	Load(Param(name).Base(), base)
	Load(Param(name).Len(), n)
	return base, n
}

// storeRet stores lane 0 of x to result i (VMOVSS/VMOVSD, which unlike
// MOVSS also encode X16–X31).
func storeRet(i int, x reg.Register, double bool) {
	b, err := ReturnIndex(i).Resolve()
	if err != nil {
		panic(err)
	}
	if double {
		VMOVSD(x, b.Addr)
	} else {
		VMOVSS(x, b.Addr)
	}
}

// extract128 sets x to the upper 128 bits of the 256-bit y (VEX on AVX2, an
// EVEX form on AVX-512 where y may be Y16–Y31).
func (a *isa) extract128(y, x reg.Register) {
	if a.evex {
		VEXTRACTF32X4(operand.U8(1), y, x)
	} else {
		VEXTRACTF128(operand.U8(1), y, x)
	}
}

// maxInto sets acc = max(acc, v) lane-wise as fallback.Max does: v replaces
// acc only if v > acc, so a NaN v leaves acc unchanged (VMAXPS returns its
// second source, here acc, when either is NaN). With a K mask only its
// lanes take part.
func (a *isa) maxInto(acc, v reg.VecVirtual, k reg.Register) {
	if k != nil {
		VMAXPS(acc, v, k, acc)
	} else {
		VMAXPS(acc, v, acc)
	}
}

// reduceMax folds the accumulators (which never hold NaN) into lane 0 of the
// returned XMM register.
func (a *isa) reduceMax(acc []reg.VecVirtual) reg.Register {
	for w := 1; w < len(acc); w *= 2 {
		for i := 0; i+w < len(acc); i += 2 * w {
			VMAXPS(acc[i+w], acc[i], acc[i])
		}
	}
	y := acc[0].AsY()
	if a.evex {
		h := YMM()
		VEXTRACTF64X4(operand.U8(1), acc[0], h)
		VMAXPS(h, y, h)
		y = h
	}
	x, t := XMM(), XMM()
	a.extract128(y, x)
	VMAXPS(x, y.(reg.VecVirtual).AsX(), x)
	VPERMILPS(operand.U8(0x4E), x, t)
	VMAXPS(t, x, x)
	VPERMILPS(operand.U8(0xB1), x, t)
	VMAXPS(t, x, x)
	return x
}

// accumulate adds the float32 lanes of y, widened to float64, to acc:
// acc = (acc + lo(y)) + hi(y).
func (a *isa) accumulate(acc, y reg.VecVirtual) {
	lo, hi := a.vec(), a.vec()
	if a.evex {
		VCVTPS2PD(y.AsY(), lo)
		VEXTRACTF64X4(operand.U8(1), y, hi.AsY())
		VCVTPS2PD(hi.AsY(), hi)
	} else {
		VCVTPS2PD(y.AsX(), lo)
		VEXTRACTF128(operand.U8(1), y, hi.AsX())
		VCVTPS2PD(hi.AsX(), hi)
	}
	VADDPD(lo, acc, acc)
	VADDPD(hi, acc, acc)
}

// reduceSum adds the float64 accumulators ((a0+a1)+(a2+a3)), then their
// lanes, into lane 0 of the returned XMM register.
func (a *isa) reduceSum(acc []reg.VecVirtual) reg.Register {
	for w := 1; w < len(acc); w *= 2 {
		for i := 0; i+w < len(acc); i += 2 * w {
			VADDPD(acc[i+w], acc[i], acc[i])
		}
	}
	y := acc[0].AsY()
	if a.evex {
		h := YMM()
		VEXTRACTF64X4(operand.U8(1), acc[0], h)
		VADDPD(h, y, h)
		y = h
	}
	x, t := XMM(), XMM()
	a.extract128(y, x)
	VADDPD(x, y.(reg.VecVirtual).AsX(), x)
	VUNPCKHPD(x, x, t)
	VADDSD(t, x, x)
	return x
}

// genMax emits Max<ISA>(x []float32) float32.
func genMax(a *isa) {
	text("Max"+a.name, "func(x []float32) float32")
	Doc("Max" + a.name + " returns the largest element of x ignoring NaNs, −Inf if x is empty or holds only NaNs/−Infs.")
	p, n := slice("x")
	storeRet(0, a.maxLoop("", p, n), false)
	VZEROUPPER()
	RET()
}

// maxLoop emits Max's loops over the n elements at p (both clobbered) and
// returns the XMM register whose lane 0 holds the maximum.
func (a *isa) maxLoop(prefix string, p, n reg.GPVirtual) reg.Register {
	acc := make([]reg.VecVirtual, a.strUnroll)
	for j := range acc {
		acc[j] = a.vec()
		a.splat(cNegInf, acc[j])
	}
	// AVX2 slices shorter than a vector are padded with −Inf, which never
	// wins; longer ones end with an overlapping full vector.
	a.stream(loop{prefix: prefix, n: n, src: p, unroll: a.strUnroll, fill: cNegInf}, func(nv int, s span) {
		for j := 0; j < nv; j++ {
			v := a.vec()
			a.load(s, j, v)
			a.maxInto(acc[j], v, s.k)
		}
	})
	return a.reduceMax(acc)
}

// genExpShiftSum emits ExpShiftSum<ISA>(dst, src []float32, m float32) float64.
func genExpShiftSum(a *isa) {
	text("ExpShiftSum"+a.name, "func(dst, src []float32, m float32) float64")
	Doc("ExpShiftSum"+a.name+" returns Σ exp(src[i] − m) accumulated in float64 lanes, storing the",
		"float32 exponentials in dst when len(dst) > 0 (then len(dst) == len(src)).")
	dst, dn := slice("dst")
	src, n := slice("src")
	acc, emit := a.expSum(a.bcastArg("m"))
	TESTQ(dn, dn)
	JZ(operand.LabelRef("nostore"))
	a.stream(loop{prefix: "st", n: n, src: src, dst: dst, unroll: a.sumUnroll, fill: -1}, emit)
	JMP(operand.LabelRef("sum"))
	Label("nostore")
	a.stream(loop{prefix: "ns", n: n, src: src, unroll: a.sumUnroll, fill: -1}, emit)
	Label("sum")
	storeRet(0, a.reduceSum(acc), true)
	VZEROUPPER()
	RET()
}

// expSum sets up ExpShiftSum's loop for the broadcast maximum mb: it holds
// the exp constants, zeroes the float64 accumulators and returns them with
// the loop body (exp(x − m), stored when the span has an output, summed).
// Reduce the accumulators with reduceSum after the stream.
func (a *isa) expSum(mb reg.VecVirtual) ([]reg.VecVirtual, body) {
	a.hold(a.sumHold...)
	acc := make([]reg.VecVirtual, a.sumAcc)
	for j := range acc {
		acc[j] = a.vec()
		VXORPS(acc[j], acc[j], acc[j])
	}
	return acc, func(nv int, s span) {
		ys := a.exp(nv, s, func(j int, x reg.VecVirtual) {
			a.load(s, j, x)
			VSUBPS(mb, x, x) // x − m
		})
		for j, y := range ys {
			if s.hasOut() {
				a.store(s, j, y)
			}
			if s.partial() && !a.evex {
				VANDPS(s.valid(), y, y) // lanes outside the slice's tail add nothing
			}
		}
		// sumPair vectors are added lane-wise in float32 (a tree: each
		// term goes through log2(sumPair) ≤ 2 roundings, a relative error
		// below 2^-23 of the sum) before one widening to float64: widening
		// every vector, the conversions cost about as much as the exp
		// itself (measurements in docs/performance.md).
		for w := 1; w < a.sumPair && w < len(ys); w *= 2 {
			for i := 0; i+w < len(ys); i += 2 * w {
				VADDPS(ys[i+w], ys[i], ys[i])
			}
		}
		step := min(a.sumPair, len(ys))
		for j := 0; j < len(ys); j += step {
			a.accumulate(acc[(j/step)%len(acc)], ys[j])
		}
	}
}

// genScale emits Scale<ISA>(x []float32, s float32).
func genScale(a *isa) {
	text("Scale"+a.name, "func(x []float32, s float32)")
	Doc("Scale" + a.name + " multiplies every element of x by s.")
	p, n := slice("x")
	a.scaleLoop("", p, n, a.bcastArg("s"))
	VZEROUPPER()
	RET()
}

// scaleLoop emits Scale's loops: the n elements at p (both clobbered) are
// multiplied by the broadcast sb.
func (a *isa) scaleLoop(prefix string, p, n reg.GPVirtual, sb reg.VecVirtual) {
	a.stream(loop{prefix: prefix, n: n, src: p, dst: p, unroll: a.strUnroll, fill: -1}, func(nv int, s span) {
		for j := 0; j < nv; j++ {
			v := a.vec()
			switch {
			case s.vin != nil:
				VMULPS(s.vin, sb, v)
			case s.k == nil:
				VMULPS(s.src(j), sb, v)
			default:
				VMULPS_Z(s.src(j), sb, s.k, v)
			}
			a.store(s, j, v)
		}
	})
}

// genShiftSub emits ShiftSub<ISA>(dst, src []float32, m, l float32).
func genShiftSub(a *isa) {
	text("ShiftSub"+a.name, "func(dst, src []float32, m, l float32)")
	Doc("ShiftSub" + a.name + " sets dst[i] = (src[i] − m) − l (two rounded subtractions); dst may alias src exactly.")
	dst := GP64()
	Load(Param("dst").Base(), dst)
	src, n := slice("src")
	mb, lb := a.bcastArg("m"), a.bcastArg("l")
	a.stream(loop{n: n, src: src, dst: dst, unroll: a.strUnroll, fill: -1}, func(nv int, s span) {
		for j := 0; j < nv; j++ {
			v := a.vec()
			a.load(s, j, v)
			VSUBPS(mb, v, v)
			VSUBPS(lb, v, v)
			a.store(s, j, v)
		}
	})
	VZEROUPPER()
	RET()
}

// genSoftmaxSmall emits SoftmaxSmall<ISA>(dst, src []float32) (m float32,
// sum float64), AVX-512 only: the whole softmax of up to 16 elements in one
// masked vector, with the very instruction sequences of Max, ExpShiftSum
// (partial-vector path) and Scale, so that its results are bit-identical to
// that composition. If the maximum is ±Inf it returns (m, 0) without writing
// dst, leaving the special-value rules to the caller.
func genSoftmaxSmall(a *isa) {
	if !a.evex {
		panic("SoftmaxSmall needs K masks")
	}
	text("SoftmaxSmall"+a.name, "func(dst, src []float32) (m float32, sum float64)")
	Doc("SoftmaxSmall"+a.name+" is Max, ExpShiftSum and Scale(dst, float32(1/sum)) fused for len(src) ≤ 16",
		"(only the first 16 elements are used otherwise).")
	dst := GP64()
	Load(Param("dst").Base(), dst)
	src, n := slice("src")
	c16 := GP64()
	MOVQ(operand.U32(16), c16)
	CMPQ(n, c16)
	CMOVQGT(c16, n)
	s := span{
		src: func(int) operand.Mem { return operand.Mem{Base: src} },
		dst: func(int) operand.Mem { return operand.Mem{Base: dst} },
		k:   a.laneMask(n),
	}
	s.valid = func() reg.Register { return s.k }

	// An empty row: the maximum is −Inf (special input, dst untouched).
	TESTQ(n, n)
	JZ(operand.LabelRef("small_empty"))
	x := a.vec()
	exactLoad(src, n, x)
	acc := a.vec()
	a.splat(cNegInf, acc)
	a.maxInto(acc, x, s.k)
	mx := a.reduceMax([]reg.VecVirtual{acc})
	storeRet(0, mx, false)
	jumpIfInf(mx, "small_special")

	mb := a.vec()
	VBROADCASTSS(mx, mb)
	y := a.exp(1, s, func(_ int, v reg.VecVirtual) { VSUBPS(mb, x, v) })[0]
	sacc := a.vec()
	VXORPS(sacc, sacc, sacc)
	a.accumulate(sacc, y)
	sum := a.reduceSum([]reg.VecVirtual{sacc})
	storeRet(1, sum, true)

	VMULPS(a.invSum(sum), y, y)
	exactStore(dst, n, y)
	VZEROUPPER()
	RET()

	Label("small_empty")
	ninf := XMM()
	VMOVSS(a.k(cNegInf), ninf)
	storeRet(0, ninf, false)

	specialExit("small_special")
}

// invSum returns float32(1/sum) in every lane, sum being the float64 in
// lane 0 of an XMM register: the factor of Scale in the softmax kernels.
func (a *isa) invSum(sum reg.Register) reg.VecVirtual {
	r := XMM()
	VMOVSD(a.k(cF64One), r)
	VDIVSD(sum, r, r)  // 1/sum
	VCVTSD2SS(r, r, r) // float32(1/sum)
	v := a.vec()
	VBROADCASTSS(r, v)
	return v
}

// jumpIfInf jumps to label when lane 0 of mx, the row's maximum, is ±Inf:
// special input (all −Inf or NaN, or a +Inf), for which the fused kernels
// return at once with sum = 0 and dst untouched (specialExit), so that the
// caller's special-value rules still see src when dst is src.
func jumpIfInf(mx reg.Register, label string) {
	bits := GP32()
	VMOVD(mx, bits)
	ANDL(operand.U32(0x7fffffff), bits)
	CMPL(bits, operand.U32(0x7f800000))
	JE(operand.LabelRef(label))
}

// specialExit emits label: result 1 (the sum) = 0, return.
func specialExit(label string) {
	Label(label)
	zero := XMM()
	VXORPS(zero, zero, zero)
	storeRet(1, zero, true)
	VZEROUPPER()
	RET()
}

// The row of SoftmaxSmall is read and written with loads and stores of
// exactly its bytes, not with one K-masked 64-byte access: on Zen 4 a masked
// access is checked against earlier stores over its whole 64 bytes, so a
// row whose 64-byte window reached into the output of the previous call
// (adjacent small buffers, the usual case) waited for that store to
// complete: BenchmarkSoftmaxSmallAVX512 (asm) shows it with dst right after
// or right before src, against them apart; with exact pieces the three
// layouts take about the same time (docs/performance.md). Exact loads
// alone fix the "after" layout, exact stores the "before" one. The piece
// masks come from a table (softmaxpiece<>): computing them (two mask loads
// and a KXORW per piece) made SoftmaxCrossEntropyRows of 64×10 rows
// measurably slower than with the masked accesses; with the table it is
// within noise of them.
//
// A row of n < 16 elements is split as n's binary digits: 8 elements at
// offset 0 if n ≥ 8, then 4, 2 and 1 at the following offsets. These are
// the pieces in which MatVec stores its outputs (one store per group of 8,
// 4, 2, 1 rows), so a softmax of MatVec's fresh output (Model.PredictProba)
// loads each piece from exactly one earlier store of the same bytes (the
// case store forwarding handles best; no speed-up of PredictProba was
// measurable here), and the pieces it stores are the ones the next call
// loads when it works in place. A row of 16 is one full-vector load or
// store.

// pieceMask returns the K mask of piece w (4, 2 or 1, present when n&w ≠ 0,
// n < 16), lanes [n &^ (2w−1), n &^ (w−1)), from softmaxpiece<>, and the
// piece's first element.
func pieceMask(n reg.GPVirtual, w int) (reg.Register, reg.GPVirtual) {
	lo := GP64()
	MOVQ(n, lo)
	ANDQ(operand.U32(15&^(2*w-1)), lo)
	t := GP64()
	LEAQ(pieceTab.Offset(32*pieceIndex(w)), t)
	k := K()
	KMOVW(operand.Mem{Base: t, Index: n, Scale: 2}, k)
	return k, lo
}

// pieceIndex is the row of softmaxpiece<> for piece width w.
func pieceIndex(w int) int {
	switch w {
	case 4:
		return 0
	case 2:
		return 1
	case 1:
		return 2
	}
	panic("piece width 4, 2 or 1")
}

// pieces emits SoftmaxSmall's row access for 1 ≤ n ≤ 16: full(), or
// half() when n&8 ≠ 0 and part(w, k, first) for each further piece
// (skipped by a branch when absent).
func pieces(prefix string, n reg.GPVirtual, full, half func(), part func(w int, k reg.Register, first reg.GPVirtual)) {
	lbl := func(s string) string { return prefix + "_" + s }
	CMPQ(n, operand.U8(16))
	JNE(operand.LabelRef(lbl("part")))
	full()
	JMP(operand.LabelRef(lbl("done")))
	Label(lbl("part"))
	TESTQ(operand.U32(8), n)
	JZ(operand.LabelRef(lbl("p4")))
	half()
	for _, w := range []int{4, 2, 1} {
		Label(lbl(fmt.Sprintf("p%d", w)))
		next := "done"
		if w > 1 {
			next = fmt.Sprintf("p%d", w/2)
		}
		TESTQ(operand.U32(w), n)
		JZ(operand.LabelRef(lbl(next)))
		k, first := pieceMask(n, w)
		part(w, k, first)
	}
	Label(lbl("done"))
}

// exactLoad sets x to the n elements at p (1 ≤ n ≤ 16), lanes ≥ n zero,
// reading exactly those 4n bytes: each piece is broadcast from memory into
// its lanes with a merge mask.
func exactLoad(p, n reg.GPVirtual, x reg.VecVirtual) { exactLoadAs("ld", p, n, x) }

// exactLoadAs is exactLoad with its own label prefix (for a second load in
// one function).
func exactLoadAs(prefix string, p, n reg.GPVirtual, x reg.VecVirtual) {
	VXORPS(x, x, x)
	pieces(prefix, n, func() {
		VMOVUPS(operand.Mem{Base: p}, x)
	}, func() {
		VMOVUPS(operand.Mem{Base: p}, x.AsY()) // lanes 8–15 stay zero
	}, func(w int, k reg.Register, first reg.GPVirtual) {
		m := operand.Mem{Base: p, Index: first, Scale: 4}
		switch w {
		case 4:
			VBROADCASTF32X4(m, k, x)
		case 2:
			VBROADCASTF32X2(m, k, x)
		default:
			VBROADCASTSS(m, k, x)
		}
	})
}

// exactStore stores lanes 0..n−1 of y at p (1 ≤ n ≤ 16), writing exactly
// those 4n bytes: each piece is compressed into the low lanes of a scratch
// register and stored with a plain store of its size.
func exactStore(p, n reg.GPVirtual, y reg.VecVirtual) { exactStoreAs("st", p, n, y) }

// exactStoreAs is exactStore with its own label prefix.
func exactStoreAs(prefix string, p, n reg.GPVirtual, y reg.VecVirtual) {
	pieces(prefix, n, func() {
		VMOVUPS(y, operand.Mem{Base: p})
	}, func() {
		VMOVUPS(y.AsY(), operand.Mem{Base: p})
	}, func(w int, k reg.Register, first reg.GPVirtual) {
		t := ZMM()
		VCOMPRESSPS_Z(y, k, t)
		m := operand.Mem{Base: p, Index: first, Scale: 4}
		switch w {
		case 4:
			VMOVUPS(t.AsX(), m)
		case 2:
			VMOVSD(t.AsX(), m)
		default:
			VMOVSS(t.AsX(), m)
		}
	})
}

// genSoftmax emits Softmax<ISA>(dst, src []float32) (m float32, sum
// float64): Max, ExpShiftSum (storing into dst) and Scale(dst,
// float32(1/sum)) fused into one call, with the very loops of those
// kernels (their instruction sequences, so the results are bit-identical to
// the composition). If the maximum is ±Inf it returns (m, 0) without
// writing dst, leaving the special-value rules to the caller, as
// SoftmaxSmall does. dst may alias src exactly.
func genSoftmax(a *isa) { genFused(a, true) }

// genMaxExpSum emits MaxExpSum<ISA>(src []float32) (m float32, sum
// float64): Max and ExpShiftSum(nil, src, m) fused in one call (the
// log-sum-exp and log-softmax of a row), with genSoftmax's rules for ±Inf.
func genMaxExpSum(a *isa) { genFused(a, false) }

// genFused emits Softmax (store: exponentials stored and scaled) or
// MaxExpSum (no output).
func genFused(a *isa, store bool) {
	var dst0 reg.GPVirtual
	if store {
		text("Softmax"+a.name, "func(dst, src []float32) (m float32, sum float64)")
		Doc("Softmax"+a.name+" is Max, ExpShiftSum and Scale(dst, float32(1/sum)) fused in one call:",
			"dst = softmax(src), m = max(src), sum = Σ exp(src[i] − m) in float64.")
		dst0 = GP64()
		Load(Param("dst").Base(), dst0)
	} else {
		text("MaxExpSum"+a.name, "func(src []float32) (m float32, sum float64)")
		Doc("MaxExpSum"+a.name+" is Max and ExpShiftSum(nil, src, m) fused in one call:",
			"m = max(src), sum = Σ exp(src[i] − m) in float64.")
	}
	src0, n0 := slice("src")

	// Max.
	p, n := GP64(), GP64()
	MOVQ(src0, p)
	MOVQ(n0, n)
	mx := a.maxLoop("mx", p, n)
	storeRet(0, mx, false)
	jumpIfInf(mx, "sm_special")

	// ExpShiftSum (into dst with store).
	mb := a.vec()
	VBROADCASTSS(mx, mb)
	acc, emit := a.expSum(mb)
	ps, n2 := GP64(), GP64()
	MOVQ(src0, ps)
	MOVQ(n0, n2)
	var pd reg.GPVirtual
	if store {
		pd = GP64()
		MOVQ(dst0, pd)
	}
	a.stream(loop{prefix: "es", n: n2, src: ps, dst: pd, unroll: a.sumUnroll, fill: -1}, emit)
	sum := a.reduceSum(acc)
	storeRet(1, sum, true)

	if store {
		// Scale(dst, float32(1/sum)).
		sb := a.invSum(sum)
		p3, n3 := GP64(), GP64()
		MOVQ(dst0, p3)
		MOVQ(n0, n3)
		a.scaleLoop("sc", p3, n3, sb)
	}
	VZEROUPPER()
	RET()

	specialExit("sm_special")
}
