package main

import (
	"math"

	"github.com/seed7bc074a2/maxent/fallback"
)

// Exp, Max, ExpShiftSum, Scale and ShiftSub.

// expConst lists the broadcast constants of the exp algorithm in the order
// of the table neonExpConst<> and of the registers V19–V31 they are loaded
// into.
var expConst = []struct {
	name string
	bits uint32
}{
	{"log2e", math.Float32bits(fallback.ExpLog2e)},
	{"magic", math.Float32bits(fallback.ExpMagic)},
	{"ln2hi", math.Float32bits(fallback.ExpLn2Hi)},
	{"-ln2lo", math.Float32bits(-fallback.ExpLn2Lo)},
	{"c6", math.Float32bits(fallback.ExpC6)},
	{"c5", math.Float32bits(fallback.ExpC5)},
	{"c4", math.Float32bits(fallback.ExpC4)},
	{"c3", math.Float32bits(fallback.ExpC3)},
	{"c2", math.Float32bits(fallback.ExpC2)},
	{"one", math.Float32bits(1)},
	{"min", math.Float32bits(fallback.ExpMinInput)},
	{"max", math.Float32bits(fallback.ExpMaxInput)},
	{"inf", math.Float32bits(float32(math.Inf(1)))},
}

const expConstBase = V(19)

// expK holds the registers of the constants.
type expK struct {
	log2e, magic, ln2hi, negLn2lo, c6, c5, c4, c3, c2, one, min, max, inf V
}

func expConsts() expK {
	b := expConstBase
	return expK{b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11, b + 12}
}

func expTable() *Data {
	d := &Data{Name: "neonExpConst", Doc: "exp constants (fallback/expconst.go), each broadcast to 4 lanes: " +
		"log2e, magic, ln2hi, −ln2lo, c6, c5, c4, c3, c2, 1, min input, max input, +Inf"}
	for _, c := range expConst {
		d.Words = append(d.Words, c.bits, c.bits, c.bits, c.bits)
	}
	return d
}

func tailMaskTable() *Data {
	d := &Data{Name: "neonTailMask", Doc: "row c (16 bytes): lanes 0..c-1 all ones, the others zero"}
	for c := 0; c < 4; c++ {
		for l := 0; l < 4; l++ {
			if l < c {
				d.Words = append(d.Words, 0xffffffff)
			} else {
				d.Words = append(d.Words, 0)
			}
		}
	}
	return d
}

// loadExpConsts loads V19–V31 from neonExpConst<> (clobbers R9).
func loadExpConsts(f *Func) {
	f.I("MOVD", "$neonExpConst<>(SB)", "R9")
	n := len(expConst)
	for i := 0; i < n; i += 4 {
		k := min(4, n-i)
		if i+k < n {
			f.I("VLD1.P", R(9).Post(16*k), vlist("S4", expConstBase.plus(i), k))
		} else {
			f.I("VLD1", R(9).Mem(), vlist("S4", expConstBase.plus(i), k))
		}
	}
}

// expRegs are the registers of one exp evaluation: the input x in a (kept),
// the result in t1; n, t2–t5 are scratch.
type expRegs struct{ a, n, t1, t2, t3, t4, t5 V }

// The two register sets of the 2-vector loops (set A alone elsewhere):
// inputs V0, V1 (one VLD1), results V2, V3 (one VST1).
var (
	expA = expRegs{a: 0, n: 4, t1: 2, t2: 6, t3: 8, t4: 10, t5: 12}
	expB = expRegs{a: 1, n: 5, t1: 3, t2: 7, t3: 9, t4: 11, t5: 13}
)

// expBody emits t1 = exp(a) for four lanes: fallback.Exp32's algorithm
// with every a·b+c step one fused multiply-add (the order of expFusedRef
// in fallback/exp_test.go).
func expBody(k expK, r expRegs) Code {
	var c Code
	// nf = fma(x, log2e, magic) = magic + round(x·log2e)
	c.mov(r.n, k.magic)
	c.fmla(r.n, r.a, k.log2e)
	// n = nf − magic (exact)
	c.W(FSUB(Arr4S, r.t1.n(), r.n.n(), k.magic.n()))
	// The bits of nf are 0x4B400000 + n: shifted left by 23 they are n<<23
	// (two's complement), the exponent increment of 2^n.
	c.I("VSHL", "$23", r.n.S4(), r.n.S4())
	// rh = fma(n, −ln2hi, x) = x − n·ln2hi (exact)
	c.mov(r.t2, r.a)
	c.I("VFMLS", k.ln2hi.S4(), r.t1.S4(), r.t2.S4())
	// mt = n·(−ln2lo) = −t exactly (rounding is symmetric)
	c.W(FMUL(Arr4S, r.t1.n(), r.t1.n(), k.negLn2lo.n()))
	// r = rh + mt = rh − t
	c.W(FADD(Arr4S, r.t3.n(), r.t2.n(), r.t1.n()))
	// q = fma(c6, r, c5); q = fma(q, r, c4); fma(q, r, c3); fma(q, r, c2)
	c.mov(r.t4, k.c5)
	c.fmla(r.t4, k.c6, r.t3)
	c.mov(r.t5, k.c4)
	c.fmla(r.t5, r.t4, r.t3)
	c.mov(r.t4, k.c3)
	c.fmla(r.t4, r.t5, r.t3)
	c.mov(r.t5, k.c2)
	c.fmla(r.t5, r.t4, r.t3)
	// r2 = r·r
	c.W(FMUL(Arr4S, r.t3.n(), r.t3.n(), r.t3.n()))
	// w = fma(r2, q, −t)
	c.fmla(r.t1, r.t3, r.t5)
	// u = rh + w; p = u + 1
	c.W(FADD(Arr4S, r.t1.n(), r.t2.n(), r.t1.n()))
	c.W(FADD(Arr4S, r.t1.n(), r.t1.n(), k.one.n()))
	// y = p·2^n by adding n to the exponent field: p ∈ (0.7, 1.42) and the
	// result is a normal float32 for every in-range x, so this is exactly
	// the documented (p·2^n1)·2^n2.
	c.I("VADD", r.n.S4(), r.t1.S4(), r.t1.S4())
	// Special inputs: x < min → +0, x > max → +Inf, NaN → x.
	c.W(FCMEQ(Arr4S, r.t2.n(), r.a.n(), r.a.n()))
	c.W(FCMGT(Arr4S, r.t3.n(), r.a.n(), k.max.n()))
	c.W(FCMGE(Arr4S, r.t4.n(), r.a.n(), k.min.n()))
	c.I("VAND", r.t4.B16(), r.t1.B16(), r.t1.B16())
	c.I("VBIT", r.t3.B16(), k.inf.B16(), r.t1.B16())
	c.I("VBIF", r.t2.B16(), r.a.B16(), r.t1.B16())
	return c
}

// expKernel emits ExpNEON. R0 = dst, R1 = src, R2 = len(src) (then its
// remainder), R3 = 8-element iterations.
func expKernel() *Func {
	f := NewFunc("ExpNEON", "$0-48",
		"func ExpNEON(dst, src []float32)")
	k := expConsts()
	f.I("MOVD", "dst_base+0(FP)", "R0")
	f.I("MOVD", "src_base+24(FP)", "R1")
	f.I("MOVD", "src_len+32(FP)", "R2")
	loadExpConsts(f)
	f.I("LSR", "$3", "R2", "R3")
	f.I("CBZ", "R3", "rem4")
	f.LoopBegin("loop8", "Exp", 8)
	f.I("VLD1.P", R(1).Post(32), vlist("S4", 0, 2))
	f.Append(Interleave(expBody(k, expA), expBody(k, expB)))
	f.I("VST1.P", vlist("S4", 2, 2), R(0).Post(32))
	f.I("SUBS", "$1", "R3", "R3")
	f.I("BNE", "loop8")
	f.LoopEnd()
	f.Label("rem4")
	f.I("TBZ", "$2", "R2", "tail")
	f.I("VLD1.P", R(1).Post(16), vlist("S4", 0, 1))
	f.Append(expBody(k, expA))
	f.I("VST1.P", vlist("S4", 2, 1), R(0).Post(16))
	f.Label("tail")
	f.I("ANDS", "$3", "R2", "R2")
	f.I("BEQ", "done")
	f.loadLanes(R(2), false, lane{R(1), 0})
	f.Append(expBody(k, expA))
	f.storeLanes(R(2), lane{R(0), 2})
	f.Label("done")
	f.I("RET")
	return f
}

// expShiftSumKernel emits ExpShiftSumNEON. R0 = dst, R1 = src, R2 =
// len(src) (then its remainder), R3 = len(dst), R4 = 8-element iterations;
// V14 = m, V15/V16 = float64 sums of lanes 0–1 / 2–3.
func expShiftSumKernel() *Func {
	f := NewFunc("ExpShiftSumNEON", "$0-64",
		"func ExpShiftSumNEON(dst, src []float32, m float32) float64")
	f.I("MOVD", "dst_base+0(FP)", "R0")
	f.I("MOVD", "dst_len+8(FP)", "R3")
	f.I("MOVD", "src_base+24(FP)", "R1")
	f.I("MOVD", "src_len+32(FP)", "R2")
	f.I("FMOVS", "m+48(FP)", "F14")
	k := expShiftSumSetup(f, 14)
	f.I("CBZ", "R3", "nostore")
	expShiftSumPath(f, k, true, "", "ExpShiftSum (store)", "sum")
	f.I("B", "sum")
	f.Label("nostore")
	expShiftSumPath(f, k, false, "", "ExpShiftSum (no store)", "sum")
	f.Label("sum")
	expShiftSumReduce(f)
	f.I("FMOVD", "F0", "ret+56(FP)")
	f.I("RET")
	return f
}

// expShiftSumSetup prepares the exp-sum loops of expShiftSumPath with m in
// lane 0 of mv and R2 = the number of elements: V14 = m broadcast, V19–V31
// = the exp constants (clobbers R9), V15 = V16 = 0, R4 = R2/8.
func expShiftSumSetup(f *Func, mv V) expK {
	f.dup(14, mv, 0)
	loadExpConsts(f)
	f.zero(15, 16)
	f.I("LSR", "$3", "R2", "R4")
	return expConsts()
}

// expShiftSumReduce adds the float64 sums V15 and V16 of expShiftSumPath
// horizontally into F0 (the sum of lanes 0, 1 of V15 + V16).
func expShiftSumReduce(f *Func) {
	f.W(FADD(Arr2D, 15, 15, 16))
	f.W(FADDPD(0, 15))
}

// expShiftSumPath emits the loops of ExpShiftSum after expShiftSumSetup:
// R1 = src, R2 = len(src) (then its remainder), R4 = 8-element iterations,
// R0 = dst when store. The exponentials of src[i] − m are stored (when
// store) and added to V15/V16; the path ends with a branch to (or falls
// through to) the label end, which the caller places. Labels are prefixed
// with pfx; stat names the main loop. Clobbers R5, V0–V13.
func expShiftSumPath(f *Func, k expK, store bool, pfx, stat, end string) {
	sfx := "n"
	if store {
		sfx = "s"
	}
	shifted := func(r expRegs) Code {
		var c Code
		c.W(FSUB(Arr4S, r.a.n(), r.a.n(), 14))
		c.Append(expBody(k, r))
		return c
	}
	// accumulate adds the widened lanes of r.t1 to V15 (lanes 0–1) and
	// V16 (lanes 2–3), using r.t2 and r.t3 as scratch.
	accumulate := func(r expRegs) Code {
		var c Code
		c.W(FCVTL(r.t2.n(), r.t1.n()))
		c.W(FCVTL2(r.t3.n(), r.t1.n()))
		c.W(FADD(Arr2D, 15, 15, r.t2.n()))
		c.W(FADD(Arr2D, 16, 16, r.t3.n()))
		return c
	}
	rem, tail := pfx+"rem4"+sfx, pfx+"tail"+sfx
	f.I("CBZ", "R4", rem)
	loop := pfx + "loop8" + sfx
	f.LoopBegin(loop, stat, 8)
	f.I("VLD1.P", R(1).Post(32), vlist("S4", 0, 2))
	f.Append(Interleave(shifted(expA), shifted(expB)))
	if store {
		f.I("VST1.P", vlist("S4", 2, 2), R(0).Post(32))
	}
	f.Append(Interleave(accumulate(expA), accumulate(expB)))
	f.I("SUBS", "$1", "R4", "R4")
	f.I("BNE", loop)
	f.LoopEnd()
	f.Label(rem)
	f.I("TBZ", "$2", "R2", tail)
	f.I("VLD1.P", R(1).Post(16), vlist("S4", 0, 1))
	f.Append(shifted(expA))
	if store {
		f.I("VST1.P", vlist("S4", 2, 1), R(0).Post(16))
	}
	f.Append(accumulate(expA))
	f.Label(tail)
	f.I("ANDS", "$3", "R2", "R2")
	f.I("BEQ", end)
	f.loadLanes(R(2), false, lane{R(1), 0})
	f.Append(shifted(expA))
	if store {
		f.storeLanes(R(2), lane{R(0), 2})
	}
	// Only lanes 0..cnt-1 are summed: the others hold exp of garbage.
	f.I("MOVD", "$neonTailMask<>(SB)", "R5")
	f.I("ADD", "R2<<4", "R5", "R5")
	f.I("VLD1", R(5).Mem(), vlist("S4", 6, 1))
	f.I("VAND", V(6).B16(), V(2).B16(), V(2).B16())
	f.Append(accumulate(expA))
}

// maxKernel emits MaxNEON (see maxLoop).
func maxKernel() *Func {
	f := NewFunc("MaxNEON", "$0-28",
		"func MaxNEON(x []float32) float32")
	f.I("MOVD", "x_base+0(FP)", "R0")
	f.I("MOVD", "x_len+8(FP)", "R1")
	m := maxLoop(f, "", "Max")
	f.I("FMOVS", m.F(), "ret+24(FP)")
	f.I("RET")
	return f
}

// maxLoop emits the maximum of the R1 float32s at R0: per lane, m = x > m
// ? x : m (FCMGT + BIT), so a NaN (quiet or signaling) never replaces m, as
// in fallback.Max. It returns the vector whose lane 0 holds the maximum
// (−Inf for no element). Labels are prefixed with pfx; stat names the main
// loop. R0, R1 (its remainder) are consumed; R2 = 16-element iterations,
// R3 scratch; V16–V19 running maxima, V20 = −Inf, V0–V7 scratch.
func maxLoop(f *Func, pfx, stat string) V {
	acc := []V{16, 17, 18, 19}
	ninf := V(20)
	f.I("MOVW", "$0xff800000", "R3")
	f.I("VDUP", "R3", ninf.S4())
	for _, a := range acc {
		f.mov(a, ninf)
	}
	upd := func(m, x, tmp V) {
		f.W(FCMGT(Arr4S, tmp.n(), x.n(), m.n()))
		f.I("VBIT", tmp.B16(), x.B16(), m.B16())
	}
	loop, rem8, rem4, tail, reduce := pfx+"loop16", pfx+"rem8", pfx+"rem4", pfx+"tail", pfx+"reduce"
	f.I("LSR", "$4", "R1", "R2")
	f.I("CBZ", "R2", rem8)
	f.LoopBegin(loop, stat, 16)
	f.I("VLD1.P", R(0).Post(64), vlist("S4", 0, 4))
	for j := 0; j < 4; j++ {
		f.W(FCMGT(Arr4S, 4+j, j, acc[j].n()))
	}
	for j := 0; j < 4; j++ {
		f.I("VBIT", V(4+j).B16(), V(j).B16(), acc[j].B16())
	}
	f.I("SUBS", "$1", "R2", "R2")
	f.I("BNE", loop)
	f.LoopEnd()
	f.Label(rem8)
	f.I("TBZ", "$3", "R1", rem4)
	f.I("VLD1.P", R(0).Post(32), vlist("S4", 0, 2))
	upd(acc[0], 0, 4)
	upd(acc[1], 1, 5)
	f.Label(rem4)
	f.I("TBZ", "$2", "R1", tail)
	f.I("VLD1.P", R(0).Post(16), vlist("S4", 0, 1))
	upd(acc[2], 0, 4)
	f.Label(tail)
	f.I("ANDS", "$3", "R1", "R1")
	f.I("BEQ", reduce)
	f.mov(0, ninf)
	f.loadLanes(R(1), false, lane{R(0), 0})
	upd(acc[3], 0, 4)
	f.Label(reduce)
	upd(acc[0], acc[1], 4)
	upd(acc[2], acc[3], 5)
	upd(acc[0], acc[2], 4)
	f.I("VEXT", "$8", acc[0].B16(), acc[0].B16(), V(1).B16())
	upd(acc[0], 1, 4)
	f.I("VEXT", "$4", acc[0].B16(), acc[0].B16(), V(1).B16())
	upd(acc[0], 1, 4)
	return acc[0]
}

// mapKernel emits an element-wise kernel dst[i] = op(src[i]) with 16
// elements per iteration (see mapLoop): it loads R0 = dst, R1 = src, R2 =
// len from the operands dst, src, n.
func mapKernel(f *Func, stat string, dst, src, n string, op func(c *Code, in, out V)) {
	f.I("MOVD", dst, "R0")
	f.I("MOVD", src, "R1")
	f.I("MOVD", n, "R2")
	mapLoop(f, "", stat, op)
	f.I("RET")
}

// mapLoop emits the loops of dst[i] = op(src[i]) for R2 elements, R0 = dst,
// R1 = src (dst may be src): op maps input vector in to output vector out.
// R2 becomes the remainder, R3 = 16-element iterations; V0–V7 scratch.
// Labels are prefixed with pfx; the last one, pfx+"done", ends the loops.
func mapLoop(f *Func, pfx, stat string, op func(c *Code, in, out V)) {
	loop, rem8, rem4, tail, done := pfx+"loop16", pfx+"rem8", pfx+"rem4", pfx+"tail", pfx+"done"
	f.I("LSR", "$4", "R2", "R3")
	f.I("CBZ", "R3", rem8)
	step := func(nv, bytes int) {
		f.I("VLD1.P", R(1).Post(bytes), vlist("S4", 0, nv))
		for j := 0; j < nv; j++ {
			op(&f.Code, V(j), V(4+j))
		}
		f.I("VST1.P", vlist("S4", 4, nv), R(0).Post(bytes))
	}
	f.LoopBegin(loop, stat, 16)
	step(4, 64)
	f.I("SUBS", "$1", "R3", "R3")
	f.I("BNE", loop)
	f.LoopEnd()
	f.Label(rem8)
	f.I("TBZ", "$3", "R2", rem4)
	step(2, 32)
	f.Label(rem4)
	f.I("TBZ", "$2", "R2", tail)
	step(1, 16)
	f.Label(tail)
	f.I("ANDS", "$3", "R2", "R2")
	f.I("BEQ", done)
	f.loadLanes(R(2), false, lane{R(1), 0})
	op(&f.Code, 0, 4)
	f.storeLanes(R(2), lane{R(0), 4})
	f.Label(done)
}

// scaleOp is the operation of Scale: out = in·s (one rounded product).
func scaleOp(s V) func(c *Code, in, out V) {
	return func(c *Code, in, out V) { c.W(FMUL(Arr4S, out.n(), in.n(), s.n())) }
}

// scaleKernel emits ScaleNEON (V31 = s).
func scaleKernel() *Func {
	f := NewFunc("ScaleNEON", "$0-28",
		"func ScaleNEON(x []float32, s float32)")
	f.I("FMOVS", "s+24(FP)", "F31")
	f.dup(31, 31, 0)
	mapKernel(f, "Scale", "x_base+0(FP)", "x_base+0(FP)", "x_len+8(FP)", scaleOp(31))
	return f
}

// shiftSubKernel emits ShiftSubNEON (V30 = m, V31 = l).
func shiftSubKernel() *Func {
	f := NewFunc("ShiftSubNEON", "$0-56",
		"func ShiftSubNEON(dst, src []float32, m, l float32)")
	f.I("FMOVS", "m+48(FP)", "F30")
	f.dup(30, 30, 0)
	f.I("FMOVS", "l+52(FP)", "F31")
	f.dup(31, 31, 0)
	mapKernel(f, "ShiftSub", "dst_base+0(FP)", "src_base+24(FP)", "src_len+32(FP)", func(c *Code, in, out V) {
		c.W(FSUB(Arr4S, out.n(), in.n(), 30))
		c.W(FSUB(Arr4S, out.n(), out.n(), 31))
	})
	return f
}
