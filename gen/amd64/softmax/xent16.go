package main

import (
	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// genXentRows16 emits SoftmaxXentRows16Derived<ISA>, AVX-512 only:
// SoftmaxXentRowsDerived<ISA> (the SGD trainer's loss phase on codes) on
// whole groups of 16 rows with the classes across the rows instead. Each
// group's 16 rows of k ≤ 16 logits are loaded and transposed into one
// vector per class (lane r: row r), so the maximum, the argmax test, the
// logit at the label, the exponentials and their sum, the scaling and the
// one-hot subtraction are lane-wise operations over 16 rows, with none of
// the per-row horizontal reductions of the row kernel. The gradients are
// transposed back and stored, and the bias gradient sums, the loss terms
// and the product of the row sums are taken row by row as the row kernel
// takes them. The results are the row kernel's bit for bit: every
// lane-wise step repeats, per row, the operations and operand order of the
// row kernel's reductions (see maxTree and the sums below), the
// exponentials are the same instructions.
//
// It returns before the first group with a special row (a maximum ±Inf,
// a sum not > 0) or whose rows take st[1] above xentFlush, writing nothing
// for it, and after the last whole group: the rows done are a multiple of
// 16, and the caller runs the row kernel from there.
//
// One group body serves every k from 2 to 16 (k = 1 does no rows): the
// reduction trees always take 16 class vectors, the classes from k on
// standing in as terms that fold away exactly (a −Inf logit, a +0
// exponential, a +0 gradient), and the steps per class (the argmax, the
// exponentials, the gradients) are loops over the k classes, on the class
// vectors kept in the frame. (Unrolled per k, 15 bodies took 14,864
// lines; a second body for k ≤ 8 gained 1–2 % of the epoch at k = 2 for
// 900 more lines: docs/performance.md.) The variant without derived rows
// is not emitted (the trainer on float32 rows uses the row kernel).
func genXentRows16(a *isa) {
	if !a.evex {
		panic("SoftmaxXentRows16 needs AVX-512")
	}
	name := "SoftmaxXentRows16Derived" + a.name
	sig := "func(grad []float32, gstride int, z, z2 []float32, zstride int, labels []int, k int, st []float64, b []float32) (done, correct int)"
	textFlags(name, sig, 0) // not NOSPLIT: the group's vectors take 2.4 KiB of frame
	Doc(name + " is SoftmaxXentRowsDerived" + a.name + " on the whole groups of 16 rows up to the first special row or flush, with the classes across the rows.")

	const vb = 64
	const (
		xOff  = 0            // 16 class vectors x_c
		eOff  = xOff + 16*vb // 16 exponentials, then gradients (+0 from class k on)
		bOff  = eOff + 16*vb // the bias, −Inf from class k on
		blOff = bOff + vb    // b[k−1] in every lane
		dOff  = blOff + vb   // 16 loss terms m − z_y
		sOff  = dOff + 128   // 16 row sums
		gOff  = sOff + 128   // grad's stride in bytes, z's, z2 − z
		frame = gOff + 24
	)
	fr := AllocLocal(frame)
	xm := func(c int) operand.Mem { return fr.Offset(xOff + c*vb) }
	em := func(c int) operand.Mem { return fr.Offset(eOff + c*vb) }
	dm := func(r int) operand.Mem { return fr.Offset(dOff + 8*r) }
	sm := func(r int) operand.Mem { return fr.Offset(sOff + 8*r) }
	gsbMem, zsbMem, d2Mem := fr.Offset(gOff), fr.Offset(gOff+8), fr.Offset(gOff+16)

	gp, zp, z2arg, rowsArg := xentArgs(gsbMem, zsbMem, d2Mem)
	kArg := addr(Param("k"))
	i, cnt := GP64(), GP64()
	XORL(i.As32(), i.As32())
	XORL(cnt.As32(), cnt.As32())
	stp := GP64()
	Load(Param("st").Base(), stp)
	st := loadXentState(stp)
	CMPQ(kArg, operand.U8(2))
	JB(operand.LabelRef("x16_done"))
	n := GP64()
	Load(Param("k"), n)
	km := a.laneMask(n)
	DECQ(n)
	km1 := a.laneMask(n) // the first k−1 lanes

	// The bias, −Inf from class k on (so that x_c + b_c is −Inf there),
	// b[k−1] broadcast, and the exponentials from class k on (+0), once.
	bp := GP64()
	Load(Param("b").Base(), bp)
	bv := ZMM()
	VBROADCASTSS(a.k(cNegInf), bv)
	VMOVUPS(operand.Mem{Base: bp}, km, bv)
	VMOVUPS(bv, fr.Offset(bOff))
	VBROADCASTSS(operand.Mem{Base: bp, Index: n, Scale: 4}, bv)
	VMOVUPS(bv, fr.Offset(blOff))
	VXORPS(bv, bv, bv)
	for c := 0; c < 16; c++ {
		VMOVUPS(bv, em(c))
	}

	g := groupArgs{
		zp: zp, gp: gp, i: i, cnt: cnt, km: km, km1: km1, k: kArg,
		lin: st.lin, prod: st.prod, gbLo: st.gbLo, gbHi: st.gbHi,
		fr: fr, xm: xm, em: em, dm: dm, sm: sm, xOff: xOff, eOff: eOff, bOff: bOff, blOff: blOff,
		gsbMem: gsbMem, zsbMem: zsbMem, d2Mem: d2Mem, z2: z2arg,
	}
	Label("x16_group")
	t := GP64()
	LEAQ(operand.Mem{Base: i, Disp: 16}, t)
	CMPQ(t, rowsArg)
	JA(operand.LabelRef("x16_done"))
	xentGroup16(a, g)
	JMP(operand.LabelRef("x16_group"))

	Label("x16_done")
	st.storeAndReturn(i, cnt)
}

// groupArgs is the state a group body works on.
type groupArgs struct {
	zp, gp, i, cnt          reg.GPVirtual
	km, km1                 reg.Register // the first k lanes, the first k−1
	k                       operand.Mem
	lin, prod               reg.Register
	gbLo, gbHi              reg.VecVirtual
	fr                      operand.Mem // the frame
	xm, em, dm, sm          func(int) operand.Mem
	xOff, eOff, bOff, blOff int
	gsbMem, zsbMem, d2Mem   operand.Mem
	z2                      operand.Mem
}

// classLoop emits a loop over classes in steps of step: body(o), o the
// byte offset of the step's first class in the frame (64·c), while left,
// the classes left, is at least step; o and left are advanced.
func classLoop(step int, o, left reg.GPVirtual, body func(o reg.GPVirtual)) {
	top, end := label("x16_cl"), label("x16_cle")
	Label(top)
	CMPQ(left, operand.U8(step))
	JB(operand.LabelRef(end))
	body(o)
	ADDQ(operand.U32(64*step), o)
	SUBQ(operand.U8(step), left)
	JMP(operand.LabelRef(top))
	Label(end)
}

// at returns frame slot off + 64·c for the class offset o (64·c).
func at(g groupArgs, off int, o reg.GPVirtual) operand.Mem {
	return g.fr.Offset(off).Idx(o, 1)
}

// transpose16 transposes 16 vectors of 16 float32 lanes (v[r] lane c →
// result[c] lane r) in four rounds of 16 shuffles (32-bit and 64-bit
// interleaves, then 128-bit lanes twice). Only the results need[c] are
// formed (the last round's).
func transpose16(v []reg.VecVirtual, need func(c int) bool) []reg.VecVirtual {
	unpack := func(lo, hi func(...operand.Op), p, q reg.VecVirtual) (reg.VecVirtual, reg.VecVirtual) {
		a, b := ZMM(), ZMM()
		lo(q, p, a)
		hi(q, p, b)
		return a, b
	}
	// Round 1: a[i], b[i] from rows i, i+1 (i even).
	a1 := make([]reg.VecVirtual, 16)
	for i := 0; i < 16; i += 2 {
		a1[i], a1[i+1] = unpack(VUNPCKLPS, VUNPCKHPS, v[i], v[i+1])
	}
	// Round 2: c[g][j]: in 128-bit lane L, column 4L+j of rows 4g…4g+3.
	c := make([][4]reg.VecVirtual, 4)
	for g := 0; g < 4; g++ {
		i := 4 * g
		c[g][0], c[g][1] = unpack(VUNPCKLPD, VUNPCKHPD, a1[i], a1[i+2])
		c[g][2], c[g][3] = unpack(VUNPCKLPD, VUNPCKHPD, a1[i+1], a1[i+3])
	}
	shuf := func(imm uint8, p, q reg.VecVirtual) reg.VecVirtual {
		d := ZMM()
		VSHUFF32X4(operand.U8(imm), q, p, d) // lanes 0, 1 from p, 2, 3 from q
		return d
	}
	out := make([]reg.VecVirtual, 16)
	for j := 0; j < 4; j++ {
		x, y := shuf(0x88, c[0][j], c[1][j]), shuf(0xdd, c[0][j], c[1][j])
		x2, y2 := shuf(0x88, c[2][j], c[3][j]), shuf(0xdd, c[2][j], c[3][j])
		for L, src := range [][2]reg.VecVirtual{{x, x2}, {y, y2}, {x, x2}, {y, y2}} {
			col := 4*L + j
			if !need(col) {
				continue
			}
			imm := uint8(0x88)
			if L >= 2 {
				imm = 0xdd
			}
			out[col] = shuf(imm, src[0], src[1])
		}
	}
	return out
}

// xentGroup16 emits the group body (see genXentRows16): at its end, the
// group is committed and the row, z and grad cursors advanced; a group it
// cannot take jumps to x16_done.
func xentGroup16(a *isa, g groupArgs) {
	lbl := func(s string) string { return "x16_" + s }
	// The rows (plus z2's), masked to their first k−1 lanes: the classes
	// from k−1 on are +0.
	rows := make([]reg.VecVirtual, 16)
	rp := GP64()
	MOVQ(g.zp, rp)
	z2p := GP64()
	for r := 0; r < 16; r++ {
		rows[r] = ZMM()
		VMOVUPS_Z(operand.Mem{Base: rp}, g.km1, rows[r])
		CMPQ(g.z2, operand.U8(0))
		JE(operand.LabelRef(lbl("noz2_" + string(rune('a'+r)))))
		MOVQ(g.d2Mem, z2p)
		ADDQ(rp, z2p)
		x2 := ZMM()
		VMOVUPS_Z(operand.Mem{Base: z2p}, g.km1, x2)
		VADDPS(x2, rows[r], rows[r])
		Label(lbl("noz2_" + string(rune('a'+r))))
		if r < 15 {
			ADDQ(g.zsbMem, rp)
		}
	}
	x := transpose16(rows, func(int) bool { return true })

	// DeriveLast's sum of the first k−1 classes (zeros past them):
	// h_l = v_l + v_{l+8}, q_l = h_l + h_{l+4}, (q0 + q2) + (q1 + q3),
	// every addition done (a zero added turns −0 into +0, as in the
	// row kernel).
	s := tree8(func(l int) reg.VecVirtual { return x[l] }, func(p, q reg.VecVirtual) reg.VecVirtual {
		d := ZMM()
		VADDPS(q, p, d)
		return d
	})
	// x_c + b_c (−Inf from class k on), stored; class k−1 is b[k−1] − s.
	for c := 0; c < 16; c++ {
		VADDPS_BCST(g.fr.Offset(g.bOff+4*c), x[c], x[c])
		VMOVUPS(x[c], g.xm(c))
	}
	last := ZMM()
	VMOVUPS(g.fr.Offset(g.blOff), last)
	VSUBPS(s, last, last) // b − s
	o := GP64()
	MOVQ(g.k, o)
	SHLQ(operand.U8(6), o)
	VMOVUPS(last, at(g, g.xOff-64, o))

	// The maximum, as the row kernel's maxInto and reduceMax: A_l =
	// max(x_l, −Inf) (a NaN becomes −Inf), then max(A_l, A_{l+8}),
	// max(·_l, ·_{l+4}), max(·_l, ·_{l+2}), max(·_0, ·_1), VMAXPS's first
	// source first (it returns the second on equal zeros). −Inf lanes
	// (classes ≥ k) fold away exactly.
	negInf := ZMM()
	VBROADCASTSS(a.k(cNegInf), negInf)
	fmax := foldNil(VMAXPS) // max(p, q): q on ties
	A := make([]reg.VecVirtual, 16)
	for l := range A {
		v := ZMM()
		VMOVUPS(g.xm(l), v)
		A[l] = fmax(v, negInf)
	}
	var B [8]reg.VecVirtual
	for l := range B {
		B[l] = fmax(A[l], A[l+8])
	}
	var C [4]reg.VecVirtual
	for l := range C {
		C[l] = fmax(B[l], B[l+4])
	}
	M := fmax(fmax(C[0], C[2]), fmax(C[1], C[3]))
	// A maximum ±Inf in any row: the row kernel's special row. (Such a
	// row's sum is also NaN or +Inf, which the checks of the sums and of
	// the product below would catch; this one stops the group early.)
	ab := ZMM()
	VPANDD_BCST(a.k(cAbsMask), M, ab)
	kinf := K()
	VPCMPEQD_BCST(a.k(cInf), ab, kinf)
	KORTESTW(kinf, kinf)
	JNZ(operand.LabelRef("x16_done"))

	// The labels as 32-bit lanes, the argmax test and the logit at the
	// label: the classes from k−1 down to 0.
	lp := GP64()
	Load(Param("labels").Base(), lp)
	L := ZMM()
	l1 := YMM()
	q0, q1 := ZMM(), ZMM()
	VMOVDQU64(operand.Mem{Base: lp, Index: g.i, Scale: 8}, q0)
	VMOVDQU64(operand.Mem{Base: lp, Index: g.i, Scale: 8, Disp: 64}, q1)
	VPMOVQD(q0, L.AsY())
	VPMOVQD(q1, l1)
	VINSERTI64X4(operand.U8(1), l1, L, L)
	idx := ZMM()
	c := GP64()
	MOVL(operand.U32(16), c.As32())
	VPBROADCASTD(c.As32(), idx)
	zy := ZMM()
	VXORPS(zy, zy, zy)
	MOVQ(g.k, o) // o = 64·(c+1)
	SHLQ(operand.U8(6), o)
	MOVQ(g.k, c)
	Label(lbl("argmax"))
	DECQ(c)
	cv := ZMM()
	VPBROADCASTD(c.As32(), cv)
	eq := K()
	VCMPPS(operand.U8(0), at(g, g.xOff-64, o), M, eq) // EQ_OQ: x_c == m
	VMOVDQA32(cv, eq, idx)                            // the first class equal to the maximum
	lab := K()
	VPCMPEQD(cv, L, lab)
	VMOVUPS(at(g, g.xOff-64, o), lab, zy)
	SUBQ(operand.U8(64), o)
	TESTQ(c, c)
	JNZ(operand.LabelRef(lbl("argmax")))
	khit := K()
	VPCMPEQD(L, idx, khit)
	hits := GP32()
	KMOVW(khit, hits)
	POPCNTL(hits, hits)

	// The exponentials of x − m of the k classes, three at a time, then
	// two or one, stored (those from class k on stay +0).
	left := GP64()
	MOVQ(g.k, left)
	XORL(o.As32(), o.As32())
	for _, step := range []int{3, 2, 1} {
		classLoop(step, o, left, func(o reg.GPVirtual) {
			ys := a.exp(step, span{}, func(j int, dst reg.VecVirtual) {
				VMOVUPS(at(g, g.xOff+64*j, o), dst)
				VSUBPS(M, dst, dst)
			})
			for j, y := range ys {
				VMOVUPS(y, at(g, g.eOff+64*j, o))
			}
		})
	}

	// The row sums in float64, per half of the rows, as the row kernel's
	// accumulate and reduceSum: t_l = e_l + e_{l+8}, then + l+4, + l+2,
	// and the two (nonnegative terms: the absent ones, +0, fold away
	// exactly).
	var S [2]reg.VecVirtual
	for half := 0; half < 2; half++ {
		e := func(c int) reg.VecVirtual {
			d := ZMM()
			if half == 0 {
				VCVTPS2PD(g.em(c), d)
			} else {
				y := YMM()
				VMOVUPS(g.em(c).Offset(32), y)
				VCVTPS2PD(y, d)
			}
			return d
		}
		S[half] = tree8(e, foldNil(VADDPD))
	}
	// Every sum > 0 (else a NaN: the special row), stored.
	zpd := ZMM()
	VXORPD(zpd, zpd, zpd)
	kpos := K()
	VCMPPD(operand.U8(0x1e), zpd, S[0], kpos) // GT_OQ
	kpos2 := K()
	VCMPPD(operand.U8(0x1e), zpd, S[1], kpos2)
	KSHIFTLW(operand.U8(8), kpos2, kpos2)
	KORW(kpos2, kpos, kpos)
	for half := 0; half < 2; half++ {
		VMOVUPD(S[half], g.sm(8*half))
	}
	allpos := GP32()
	KMOVW(kpos, allpos)
	CMPL(allpos, operand.U32(0xffff))
	JNE(operand.LabelRef("x16_done"))
	// The product of the row sums in row order; beyond the flush bound
	// (it only grows: every sum is ≥ 1) the group is the row kernel's.
	p := XMM()
	VMOVAPD(g.prod, p)
	for r := 0; r < 16; r++ {
		VMULSD(g.sm(r), p, p)
	}
	VUCOMISD(a.k(cF64Flush), p)
	JHI(operand.LabelRef("x16_done"))

	// float32(1/sum) per row; the gradients e·inv − onehot of the k
	// classes, stored over their exponentials.
	one := ZMM()
	VBROADCASTSD(a.k(cF64One), one)
	inv := ZMM()
	for half := 0; half < 2; half++ {
		q := ZMM()
		VDIVPD(S[half], one, q)
		if half == 0 {
			VCVTPD2PS(q, inv.AsY())
		} else {
			y := YMM()
			VCVTPD2PS(q, y)
			VINSERTF32X8(operand.U8(1), y, inv, inv)
		}
	}
	XORL(o.As32(), o.As32())
	XORL(c.As32(), c.As32())
	Label(lbl("grad"))
	y := ZMM()
	VMULPS(at(g, g.eOff, o), inv, y)
	gv := ZMM()
	VPBROADCASTD(c.As32(), gv)
	glab := K()
	VPCMPEQD(gv, L, glab)
	VSUBPS_BCST(a.k(cOne), y, glab, y)
	VMOVUPS(y, at(g, g.eOff, o))
	ADDQ(operand.U8(64), o)
	INCQ(c)
	CMPQ(c, g.k)
	JB(operand.LabelRef(lbl("grad")))
	// The loss terms float64(m) − float64(z_y), per row.
	for half := 0; half < 2; half++ {
		mv, yv := ZMM(), ZMM()
		if half == 0 {
			VCVTPS2PD(M.AsY(), mv)
			VCVTPS2PD(zy.AsY(), yv)
		} else {
			h1, h2 := YMM(), YMM()
			VEXTRACTF64X4(operand.U8(1), M, h1)
			VEXTRACTF64X4(operand.U8(1), zy, h2)
			VCVTPS2PD(h1, mv)
			VCVTPS2PD(h2, yv)
		}
		VSUBPD(yv, mv, mv)
		VMOVUPD(mv, g.dm(8*half))
	}

	// Commit, row by row as the row kernel: the count, the loss terms,
	// the product, the gradient rows and the bias gradient sums.
	hq := GP64()
	MOVL(hits, hq.As32())
	ADDQ(hq, g.cnt)
	for r := 0; r < 16; r++ {
		VADDSD(g.dm(r), g.lin, g.lin)
	}
	VMOVAPD(p, g.prod)
	gr := make([]reg.VecVirtual, 16)
	for c := range gr {
		gr[c] = ZMM()
		VMOVUPS(g.em(c), gr[c])
	}
	out := transpose16(gr, func(int) bool { return true })
	wp := GP64()
	MOVQ(g.gp, wp)
	for r := 0; r < 16; r++ {
		VMOVUPS(out[r], g.km, operand.Mem{Base: wp})
		lo, hi := ZMM(), ZMM()
		VCVTPS2PD(out[r].AsY(), lo)
		VEXTRACTF64X4(operand.U8(1), out[r], hi.AsY())
		VCVTPS2PD(hi.AsY(), hi)
		VADDPD(lo, g.gbLo, g.gbLo)
		VADDPD(hi, g.gbHi, g.gbHi)
		if r < 15 {
			ADDQ(g.gsbMem, wp)
		}
	}
	// Next group.
	ADDQ(operand.U8(16), g.i)
	t := GP64()
	MOVQ(g.zsbMem, t)
	SHLQ(operand.U8(4), t)
	ADDQ(t, g.zp)
	MOVQ(g.gsbMem, t)
	SHLQ(operand.U8(4), t)
	ADDQ(t, g.gp)
}
