package main

import (
	"fmt"
	"os"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/seed7bc074a2/maxent/gen/internal/asmfile"
)

// The fused prediction kernels, Predict<ISA> (asm/predict_amd64.s, written
// by this command with -predict): the logits z = W·x + b of a model of at
// most 16 classes, kept in registers, and then in the same call their
// argmax, the logits themselves or the softmax probabilities: one call per
// row, each output element written once.
//
// The rows of W are taken in passes of R rows (predictRows: 8, 4, 2, 1 on
// AVX-512, the 8-row pass twice for 16 classes; 4, 2, 1 on AVX2), each a
// loop over the features with predictAccs float32 accumulators per row,
// one x vector load feeding R fused multiply-adds whose W operand comes
// from memory; the last len(x) mod
// lanes features are a masked load (AVX-512) or a scalar loop (AVX2). At
// the end of a pass its rows are reduced together (the C accumulators of a
// row added, then a transposing reduction of the R rows: shuffles, blends
// and adds, predReduce) and shifted into the vector of logits from the top
// (predMerge), so after the passes the k logits are the top k lanes of a
// 16-lane vector (two YMM on AVX2), which one permutation moves down to
// lanes 0..k−1. Rows longer than predictBlock vectors are done in blocks
// of that many vectors, all passes per block, and the blocks' logit
// vectors added in float64 (in the frame); so no float32 accumulator lane
// sums more than predictBlock+1 products. The bias is added in float32
// after the rounding of the sums.
//
// The rest is SoftmaxSmall's code on the logit vector: the maximum (NaNs
// ignored), then the first lane equal to it (the argmax), or the
// exponentials, their float64 sum and the scaling by float32(1/sum).

// Modes of Predict<ISA> (the asm package's PredictArgmax, PredictLogits,
// PredictProba).
const (
	modeArgmax = 0
	modeLogits = 1
	modeProba  = 2
)

// predictBlock is the number of vectors of a row summed in float32 before
// the block's sums are added in float64 (as blockIters in gen/amd64/linalg).
const predictBlock = 64

// predictAccs is the number of float32 accumulators per row: vector j of
// a row goes to accumulator j mod predictAccs (a row's last odd vector and
// its tail to accumulator 0), and they are added before the lanes. Every
// pass shape uses the same number, so every row is summed in the same
// order whatever its pass (rows with the same elements give the same
// logit, and ties go to the lowest class). Two keep enough independent
// multiply-add chains in flight at 2 rows and more.
const predictAccs = 2

// predictRows are the pass shapes (rows of W per pass), largest first. A
// shape runs while at least that many rows remain (only the largest can
// run more than once). AVX2 has 16 vector registers: 4 rows of 2
// accumulators at most.
func predictRows(a *isa) []int {
	if a.evex {
		return []int{8, 4, 2, 1}
	}
	return []int{4, 2, 1}
}

// predRowIndex is the index of the table entries of an R-row pass.
func predRowIndex(R int) int { return 3 - log2(R) }

// predPos returns, for an R-row reduction of ISA a (predReduce), the lane
// of the reduced vector that holds row r's sum.
func predPos(a *isa, R int) []int {
	switch {
	case R == 1:
		return []int{0}
	case a.evex && R == 2:
		return []int{0, 8}
	case a.evex && R == 4:
		return []int{0, 4, 8, 12}
	case a.evex && R == 8:
		return []int{0, 4, 8, 12, 2, 6, 10, 14}
	case R == 2:
		return []int{0, 4}
	case R == 4:
		return []int{0, 4, 2, 6}
	case R == 8:
		return []int{0, 4, 2, 6, 1, 5, 3, 7}
	}
	panic(fmt.Sprintf("no %d-row reduction", R))
}

// predTab is the kernels' table (predictconst<>): the int32 lanes 0..15
// (iota), then for R = 8, 4, 2, 1 rows the AVX-512 merge indices of
// predMerge (64 bytes each), for R = 8, 4, 2, 1 the AVX2 order indices of
// predMerge (32 bytes each), and 8 × int32 7.
var predTab operand.Mem

const (
	predIota   = 0
	predMerge  = 64               // + 64·predRowIndex(R)
	predOrder  = predMerge + 64*4 // + 32·i
	predSevens = predOrder + 32*4 // 8 × int32 7
	predTabLen = predSevens + 32  // bytes
	predFrame  = 16*8 + 16*4      // the float64 block sums, a 16-float buffer (AVX2)
)

// declarePredictData emits predictconst<>.
func declarePredictData() {
	predTab = GLOBL("predictconst", RODATA|NOPTR)
	for l := 0; l < 16; l++ {
		DATA(predIota+4*l, operand.U32(uint32(l)))
	}
	// In increasing offsets (the assembler's rule).
	for _, R := range []int{8, 4, 2, 1} {
		pos := predPos(avx512, R)
		for l := 0; l < 16; l++ {
			v := l + R // from the logits so far, shifted down by R
			if l >= 16-R {
				v = 16 + pos[l-(16-R)] // from the pass's reduced vector
			}
			DATA(predMerge+64*predRowIndex(R)+4*l, operand.U32(uint32(v)))
		}
	}
	for _, R := range []int{8, 4, 2, 1} {
		pos := predPos(avx2, R)
		for l := 0; l < 8; l++ {
			v := 0
			if l < R {
				v = pos[l]
			}
			DATA(predOrder+32*predRowIndex(R)+4*l, operand.U32(uint32(v)))
		}
	}
	for l := 0; l < 8; l++ {
		DATA(predSevens+4*l, operand.U32(7))
	}
}

// predState is what the passes share.
type predState struct {
	zb             []reg.VecVirtual // the logits so far (AVX2: lanes 0–7, 8–15)
	sb, s3         reg.GPVirtual    // W's stride in bytes, three strides
	rp             reg.GPVirtual    // the first row of the pass at the block's first column
	colb           reg.GPVirtual    // the block's first column, in bytes
	cnt            reg.GPVirtual    // the block's whole vectors
	tb             reg.GPVirtual    // the tail's elements in this block (0 but in the last)
	ktail          reg.Register     // AVX-512: the tail's lanes
	kHi, kOdd64    reg.Register     // AVX-512 blend masks: lanes 8–15; odd float64 elements
	frameT, frameB operand.Mem      // the float64 block sums; the AVX2 buffer
}

// genPredict emits Predict<ISA>(dst, w []float32, stride int, x, b
// []float32, k, mode int) (best int, m float32, sum float64).
func genPredict(a *isa) {
	name := "Predict" + a.name
	text(name, "func(dst, w []float32, stride int, x, b []float32, k, mode int) (best int, m float32, sum float64)")
	Doc(name+" computes the k ≤ 16 logits z[i] = Σ_j w[i*stride+j]·x[j] + b[i] in registers and, by mode,",
		"returns their argmax (0), stores them in dst (1) or stores softmax(z) in dst (2).")
	L, VB := a.lanes, a.bytes()
	frame := AllocLocal(predFrame)
	st := &predState{frameT: frame.Offset(0), frameB: frame.Offset(16 * 8)}

	// Whole vectors of a row (the tail, len(x) mod lanes, is read from
	// the arguments where needed).
	nvec := GP64()
	Load(Param("x").Len(), nvec)
	SHRQ(operand.U8(log2(L)), nvec)
	zero := a.vec()
	VXORPS(zero, zero, zero)
	// Rows of more than one block: the float64 block sums start at zero.
	CMPQ(nvec, operand.U32(predictBlock))
	JBE(operand.LabelRef("pr_oneblock"))
	for off := 0; off < 16*8; off += VB {
		VMOVUPS(zero, st.frameT.Offset(off))
	}
	Label("pr_oneblock")
	if a.evex {
		tn := GP64()
		Load(Param("x").Len(), tn)
		ANDQ(operand.U32(L-1), tn)
		st.ktail = a.laneMask(tn)
		t := GP32()
		MOVL(operand.U32(0xFF00), t)
		st.kHi = K()
		KMOVW(t, st.kHi)
		MOVL(operand.U32(0xAA), t)
		st.kOdd64 = K()
		KMOVW(t, st.kOdd64)
		st.zb = []reg.VecVirtual{zero}
	} else {
		z1 := a.vec()
		VXORPS(z1, z1, z1)
		st.zb = []reg.VecVirtual{zero, z1}
	}
	st.sb, st.s3 = GP64(), GP64()
	Load(Param("stride"), st.sb)
	SHLQ(operand.U8(2), st.sb)
	LEAQ(operand.Mem{Base: st.sb, Index: st.sb, Scale: 2}, st.s3)
	st.colb = GP64()
	XORL(st.colb.As32(), st.colb.As32())

	// One block: every pass over its columns.
	Label("pr_block")
	st.cnt = GP64()
	MOVQ(operand.U32(predictBlock), st.cnt)
	CMPQ(nvec, st.cnt)
	CMOVQLT(nvec, st.cnt)
	SUBQ(st.cnt, nvec)
	st.tb = GP64()
	tailn := GP64()
	Load(Param("x").Len(), tailn)
	ANDQ(operand.U32(L-1), tailn)
	XORL(st.tb.As32(), st.tb.As32())
	TESTQ(nvec, nvec)
	CMOVQEQ(tailn, st.tb)
	st.rp = GP64()
	Load(Param("w").Base(), st.rp)
	ADDQ(st.colb, st.rp)
	rem := GP64()
	Load(Param("k"), rem)
	rows := predictRows(a)
	for i, R := range rows {
		next := "pr_blockdone"
		if i+1 < len(rows) {
			next = fmt.Sprintf("pr_r%d", rows[i+1])
		}
		Label(fmt.Sprintf("pr_r%d", R))
		CMPQ(rem, operand.U8(R))
		JB(operand.LabelRef(next))
		a.predPass(st, R)
		LEAQ(operand.Mem{Base: st.rp, Index: st.sb, Scale: uint8(R)}, st.rp) // next R rows
		SUBQ(operand.U8(R), rem)
		JMP(operand.LabelRef(fmt.Sprintf("pr_r%d", R)))
	}
	Label("pr_blockdone")
	t := GP64()
	MOVQ(st.cnt, t)
	SHLQ(operand.U8(log2(VB)), t)
	ADDQ(t, st.colb)
	TESTQ(nvec, nvec)
	JZ(operand.LabelRef("pr_lastblock"))
	a.predFlush(st)
	for _, z := range st.zb {
		VXORPS(z, z, z)
	}
	JMP(operand.LabelRef("pr_block"))

	// After the last block: the float64 sums of every block rounded once,
	// when there was more than one.
	Label("pr_lastblock")
	CMPQ(addr(Param("x").Len()), operand.U32((predictBlock+1)*L))
	JB(operand.LabelRef("pr_sums"))
	a.predFlush(st)
	a.predNarrow(st)
	Label("pr_sums")

	kreg := GP64()
	Load(Param("k"), kreg)
	z := a.predAlign(st, kreg)
	a.predBias(st, z, kreg)
	a.predFinish(st, z, kreg)
}

// predPass emits the pass of R rows over the block's columns: the R rows
// at st.rp, their sums shifted into st.zb.
func (a *isa) predPass(st *predState, R int) {
	C, VB := predictAccs, a.bytes()
	lbl := func(s string) string { return fmt.Sprintf("pr_r%d_%s", R, s) }
	acc := make([][]reg.VecVirtual, R)
	for r := range acc {
		acc[r] = make([]reg.VecVirtual, C)
		for c := range acc[r] {
			acc[r][c] = a.vec()
			VXORPS(acc[r][c], acc[r][c], acc[r][c])
		}
	}
	b0 := GP64()
	MOVQ(st.rp, b0)
	var b5 reg.GPVirtual
	if R > 5 {
		b5 = GP64()
		LEAQ(operand.Mem{Base: b0, Index: st.sb, Scale: 4}, b5)
		ADDQ(st.sb, b5)
	}
	// row(r, disp): element disp/4 of row r from the current column.
	row := func(r, disp int) operand.Mem {
		var m operand.Mem
		switch r {
		case 0:
			m = operand.Mem{Base: b0}
		case 1:
			m = operand.Mem{Base: b0, Index: st.sb, Scale: 1}
		case 2:
			m = operand.Mem{Base: b0, Index: st.sb, Scale: 2}
		case 3:
			m = operand.Mem{Base: b0, Index: st.s3, Scale: 1}
		case 4:
			m = operand.Mem{Base: b0, Index: st.sb, Scale: 4}
		case 5:
			m = operand.Mem{Base: b5}
		case 6:
			m = operand.Mem{Base: b5, Index: st.sb, Scale: 1}
		case 7:
			m = operand.Mem{Base: b5, Index: st.sb, Scale: 2}
		}
		return m.Offset(disp)
	}
	xp := GP64()
	Load(Param("x").Base(), xp)
	ADDQ(st.colb, xp)
	n := GP64()
	MOVQ(st.cnt, n)
	advance := func(bytes int) {
		ADDQ(operand.U32(bytes), b0)
		if R > 5 {
			ADDQ(operand.U32(bytes), b5)
		}
		ADDQ(operand.U32(bytes), xp)
	}
	body := func(nv int) {
		for c := 0; c < nv; c++ {
			xv := a.vec()
			VMOVUPS(operand.Mem{Base: xp, Disp: c * VB}, xv)
			for r := 0; r < R; r++ {
				VFMADD231PS(row(r, c*VB), xv, acc[r][c])
			}
		}
	}
	if C > 1 {
		CMPQ(n, operand.U8(C))
		JB(operand.LabelRef(lbl("ones")))
		Label(lbl("loop"))
		body(C)
		advance(C * VB)
		SUBQ(operand.U8(C), n)
		CMPQ(n, operand.U8(C))
		JAE(operand.LabelRef(lbl("loop")))
		Label(lbl("ones"))
	}
	TESTQ(n, n)
	JZ(operand.LabelRef(lbl("tail")))
	Label(lbl("one"))
	body(1)
	advance(VB)
	DECQ(n)
	JNZ(operand.LabelRef(lbl("one")))

	// The row's last len(x) mod lanes elements (in the last block only).
	Label(lbl("tail"))
	TESTQ(st.tb, st.tb)
	JZ(operand.LabelRef(lbl("reduce")))
	if a.evex {
		xv := a.vec()
		VMOVUPS_Z(operand.Mem{Base: xp}, st.ktail, xv)
		for r := 0; r < R; r++ {
			VFMADD231PS(row(r, 0), xv, st.ktail, acc[r][0])
		}
	} else {
		// One element at a time into lane 0 (the other lanes add 0·0):
		// scalar loads only, exactly the row's elements.
		j := GP64()
		MOVQ(st.tb, j)
		Label(lbl("scalar"))
		xs := a.vec()
		VMOVSS(operand.Mem{Base: xp}, xs.AsX())
		for r := 0; r < R; r++ {
			ws := a.vec()
			VMOVSS(row(r, 0), ws.AsX())
			VFMADD231PS(ws, xs, acc[r][0])
		}
		advance(4)
		DECQ(j)
		JNZ(operand.LabelRef(lbl("scalar")))
	}

	Label(lbl("reduce"))
	rows := make([]reg.VecVirtual, R)
	for r := range acc {
		for w := 1; w < C; w *= 2 {
			for c := 0; c+w < C; c += 2 * w {
				VADDPS(acc[r][c+w], acc[r][c], acc[r][c])
			}
		}
		rows[r] = acc[r][0]
	}
	a.predMerge(st, R, a.predReduce(st, rows))
}

// predReduce sums the lanes of each of the R vectors of rows (clobbered)
// and returns a vector holding row r's sum in lane predPos(a, R)[r].
func (a *isa) predReduce(st *predState, rows []reg.VecVirtual) reg.VecVirtual {
	R := len(rows)
	if a.evex {
		if R == 1 {
			v, t := rows[0], a.vec()
			VSHUFF32X4(operand.U8(0x4E), v, v, t) // swap the 256-bit halves
			VADDPS(t, v, v)
			VSHUFF32X4(operand.U8(0xB1), v, v, t) // swap 128-bit quarters pairwise
			VADDPS(t, v, v)
			a.foldLanes(v)
			return v
		}
		// Pairs of rows p, q: [p.lo + p.hi | q.lo + q.hi] (8 lanes each).
		var us []reg.VecVirtual
		for i := 0; i < R; i += 2 {
			p, q := rows[i], rows[i+1]
			s, t := a.vec(), a.vec()
			VSHUFF32X4(operand.U8(0x4E), q, p, s) // [p.hi | q.lo]
			VBLENDMPS(q, p, st.kHi, t)            // [p.lo | q.hi]
			VADDPS(t, s, s)
			us = append(us, s)
		}
		if R == 2 {
			u, t := us[0], a.vec()
			VSHUFF32X4(operand.U8(0xB1), u, u, t)
			VADDPS(t, u, u) // quarters 0, 1: row 0; 2, 3: row 1
			a.foldLanes(u)
			return u
		}
		// Pairs of pairs: one row per 128-bit quarter, 4 partial sums.
		var vs []reg.VecVirtual
		for i := 0; i < len(us); i += 2 {
			s, t := a.vec(), a.vec()
			VSHUFF32X4(operand.U8(0x88), us[i+1], us[i], s)
			VSHUFF32X4(operand.U8(0xDD), us[i+1], us[i], t)
			VADDPS(t, s, s)
			vs = append(vs, s)
		}
		if R == 4 {
			a.foldLanes(vs[0])
			return vs[0]
		}
		// Rows q and q+4 per quarter: pairs of partial sums, then one.
		s, t := a.vec(), a.vec()
		VSHUFPD(operand.U8(0x55), vs[1], vs[0], s) // per quarter: [v0.hi64, v1.lo64]
		VBLENDMPD(vs[1], vs[0], st.kOdd64, t)      // per quarter: [v0.lo64, v1.hi64]
		VADDPS(t, s, s)
		VPERMILPS(operand.U8(0xB1), s, t)
		VADDPS(t, s, s)
		return s
	}
	if R == 1 {
		v := rows[0]
		x := XMM()
		VEXTRACTF128(operand.U8(1), v, x)
		VADDPS(x, v.AsX(), x)
		t := XMM()
		VPERMILPS(operand.U8(0x4E), x, t)
		VADDPS(t, x, x)
		VPERMILPS(operand.U8(0xB1), x, t)
		VADDPS(t, x, x)
		return x.AsY().(reg.VecVirtual)
	}
	// Pairs of rows p, q: [p.lo + p.hi | q.lo + q.hi] (4 lanes each).
	var us []reg.VecVirtual
	for i := 0; i < R; i += 2 {
		p, q := rows[i], rows[i+1]
		s, t := a.vec(), a.vec()
		VPERM2F128(operand.U8(0x21), q, p, s) // [p.hi | q.lo]
		VBLENDPS(operand.U8(0xF0), q, p, t)   // [p.lo | q.hi]
		VADDPS(t, s, s)
		us = append(us, s)
	}
	if R == 2 {
		t := a.vec()
		VPERMILPS(operand.U8(0x4E), us[0], t)
		VADDPS(t, us[0], us[0])
		VPERMILPS(operand.U8(0xB1), us[0], t)
		VADDPS(t, us[0], us[0])
		return us[0]
	}
	// Pairs of pairs: per 128-bit half, two rows of 2 partial sums.
	var ws []reg.VecVirtual
	for i := 0; i < len(us); i += 2 {
		s, t := a.vec(), a.vec()
		VSHUFPD(operand.U8(0x5), us[i+1], us[i], s)  // per half: [u0.hi64, u1.lo64]
		VBLENDPD(operand.U8(0xA), us[i+1], us[i], t) // per half: [u0.lo64, u1.hi64]
		VADDPS(t, s, s)
		ws = append(ws, s)
	}
	if R == 4 {
		t := a.vec()
		VPERMILPS(operand.U8(0xB1), ws[0], t)
		VADDPS(t, ws[0], ws[0])
		return ws[0]
	}
	// Even lanes from the pairs of ws[0], odd lanes from those of ws[1].
	b, s, t := a.vec(), a.vec(), a.vec()
	VBLENDPS(operand.U8(0x55), ws[1], ws[0], b) // [w1[0], w0[1], w1[2], w0[3], …]
	VPERMILPS(operand.U8(0xB1), b, s)           // [w0[1], w1[0], w0[3], w1[2], …]
	VBLENDPS(operand.U8(0xAA), ws[1], ws[0], t) // [w0[0], w1[1], w0[2], w1[3], …]
	VADDPS(t, s, s)
	return s
}

// foldLanes adds the 4 lanes of every 128-bit quarter of v, so each lane
// holds its quarter's sum.
func (a *isa) foldLanes(v reg.VecVirtual) {
	t := a.vec()
	VPERMILPS(operand.U8(0x4E), v, t)
	VADDPS(t, v, v)
	VPERMILPS(operand.U8(0xB1), v, t)
	VADDPS(t, v, v)
}

// predMerge shifts the logits so far down by R lanes and puts the R sums
// of s (pass i's reduced vector) in the top R lanes.
func (a *isa) predMerge(st *predState, R int, s reg.VecVirtual) {
	if a.evex {
		idx := a.vec()
		VMOVUPS(predTab.Offset(predMerge+64*predRowIndex(R)), idx)
		VPERMT2PS(s, idx, st.zb[0])
		return
	}
	o := s
	if R > 1 {
		idx := a.vec()
		VMOVUPS(predTab.Offset(predOrder+32*predRowIndex(R)), idx)
		o = a.vec()
		VPERMPS(s, idx, o) // the sums in lanes 0..R−1, in order
	}
	z0, z1 := st.zb[0], st.zb[1]
	switch R {
	case 8:
		VMOVAPS(z1, z0)
		VMOVAPS(o, z1)
	case 4:
		VPERM2F128(operand.U8(0x21), z1, z0, z0) // [z0.hi | z1.lo]
		VPERM2F128(operand.U8(0x21), o, z1, z1)  // [z1.hi | o.lo]
	default: // 2 or 1 lanes: 8 or 4 bytes per 128-bit half
		x, y := a.vec(), a.vec()
		VPERM2F128(operand.U8(0x21), z1, z0, x)
		VPERM2F128(operand.U8(0x21), o, z1, y)
		VPALIGNR(operand.U8(4*R), z0, x, z0)
		VPALIGNR(operand.U8(4*R), z1, y, z1)
	}
}

// predFlush adds the block's logit vector to the float64 sums in the frame.
func (a *isa) predFlush(st *predState) {
	for h, z := range st.zb {
		lo, hi := a.vec(), a.vec()
		if a.evex {
			VCVTPS2PD(z.AsY(), lo)
			VEXTRACTF64X4(operand.U8(1), z, hi.AsY())
			VCVTPS2PD(hi.AsY(), hi)
		} else {
			VCVTPS2PD(z.AsX(), lo)
			VEXTRACTF128(operand.U8(1), z, hi.AsX())
			VCVTPS2PD(hi.AsX(), hi)
		}
		off := 2 * h * a.bytes()
		VADDPD(st.frameT.Offset(off), lo, lo)
		VADDPD(st.frameT.Offset(off+a.bytes()), hi, hi)
		VMOVUPD(lo, st.frameT.Offset(off))
		VMOVUPD(hi, st.frameT.Offset(off+a.bytes()))
	}
}

// predNarrow sets the logit vector to the frame's float64 sums, rounded.
func (a *isa) predNarrow(st *predState) {
	for h, z := range st.zb {
		off := 2 * h * a.bytes()
		if a.evex {
			lo, hi := a.vec(), a.vec()
			VMOVUPD(st.frameT.Offset(off), lo)
			VMOVUPD(st.frameT.Offset(off+a.bytes()), hi)
			VCVTPD2PS(lo, lo.AsY())
			VCVTPD2PS(hi, hi.AsY())
			VINSERTF64X4(operand.U8(1), hi.AsY(), lo, z)
			continue
		}
		lo, hi := XMM(), XMM()
		VCVTPD2PSY(st.frameT.Offset(off), lo)
		VCVTPD2PSY(st.frameT.Offset(off+a.bytes()), hi)
		VINSERTF128(operand.U8(1), hi, lo.AsY(), z)
	}
}

// predAlign returns the k logits, the top k lanes of the 16 of st.zb, in
// lanes 0..k−1 (AVX2: lanes 0–7 and 8–15 of two vectors).
func (a *isa) predAlign(st *predState, kreg reg.GPVirtual) []reg.VecVirtual {
	s := GP64()
	MOVQ(operand.U32(16), s)
	SUBQ(kreg, s)
	idx := a.vec()
	if a.evex {
		VPBROADCASTD(s.As32(), idx)
		VPADDD(predTab.Offset(predIota), idx, idx)
		z := a.vec()
		VPERMPS(st.zb[0], idx, z) // lane l: lane l + 16 − k
		return []reg.VecVirtual{z}
	}
	xs := XMM()
	VMOVD(s.As32(), xs)
	VPBROADCASTD(xs, idx)
	VPADDD(predTab.Offset(predIota), idx, idx)
	p0, p1 := a.vec(), a.vec()
	VPERMPS(st.zb[0], idx, p0) // lane l: lane (l + 16 − k) mod 8
	VPERMPS(st.zb[1], idx, p1)
	hi := a.vec()
	VPCMPGTD(predTab.Offset(predSevens), idx, hi) // lane l + 16 − k in the upper vector
	z0 := a.vec()
	VBLENDVPS(hi, p1, p0, z0)
	return []reg.VecVirtual{z0, p1}
}

// predBias adds b (unless len(b) == 0) to the logits z.
func (a *isa) predBias(st *predState, z []reg.VecVirtual, kreg reg.GPVirtual) {
	CMPQ(addr(Param("b").Len()), operand.U8(0))
	JE(operand.LabelRef("pr_nobias"))
	bp := GP64()
	Load(Param("b").Base(), bp)
	if a.evex {
		bv := a.vec()
		exactLoadAs("pr_b", bp, kreg, bv)
		VADDPS(bv, z[0], z[0])
	} else {
		// Through the frame buffer: zeroed, the k elements copied one by
		// one (exactly b's bytes), read back as two vectors.
		zr := a.vec()
		VXORPS(zr, zr, zr)
		VMOVUPS(zr, st.frameB)
		VMOVUPS(zr, st.frameB.Offset(32))
		a.copyElems(bp, st.frameB, kreg, false, "pr_bcopy")
		for h, v := range z {
			VADDPS(st.frameB.Offset(32*h), v, v)
		}
	}
	Label("pr_nobias")
}

// copyElems copies n (≥ 1) float32s from p to the frame buffer buf, or
// from buf to p with toP, one 4-byte move at a time.
func (a *isa) copyElems(p reg.GPVirtual, buf operand.Mem, n reg.GPVirtual, toP bool, prefix string) {
	i, t := GP64(), GP32()
	XORL(i.As32(), i.As32())
	Label(prefix)
	pm := operand.Mem{Base: p, Index: i, Scale: 4}
	bm := buf
	bm.Index, bm.Scale = i, 4
	if toP {
		MOVL(bm, t)
		MOVL(t, pm)
	} else {
		MOVL(pm, t)
		MOVL(t, bm)
	}
	INCQ(i)
	CMPQ(i, n)
	JB(operand.LabelRef(prefix))
}

// predFinish emits the mode's work on the logits z and the returns.
func (a *isa) predFinish(st *predState, z []reg.VecVirtual, kreg reg.GPVirtual) {
	// The lanes < k, and the maximum over them (NaNs ignored).
	var valid []reg.Register
	acc := a.vec()
	a.splat(cNegInf, acc)
	if a.evex {
		kk := a.laneMask(kreg)
		valid = []reg.Register{kk}
		a.maxInto(acc, z[0], kk)
	} else {
		n0, n1 := GP64(), GP64()
		MOVQ(operand.U32(8), n0)
		CMPQ(kreg, n0)
		CMOVQLT(kreg, n0)
		MOVQ(kreg, n1)
		SUBQ(n0, n1)
		valid = []reg.Register{a.laneMask(n0), a.laneMask(n1)}
		for h, v := range z {
			t := a.vec()
			VBLENDVPS(valid[h], v, acc, t) // lanes ≥ k: −Inf
			a.maxInto(acc, t, nil)
		}
	}
	mx := a.reduceMax([]reg.VecVirtual{acc})
	mb := a.vec()
	VBROADCASTSS(mx, mb)
	best := GP64()
	MOVQ(operand.U32(0), best)
	CMPQ(addr(Param("mode")), operand.U8(modeProba))
	JE(operand.LabelRef("pr_proba"))

	// Argmax: the first lane equal to the maximum (none when every logit
	// is NaN: −1).
	bits := GP64()
	if a.evex {
		ke := K()
		VCMPPS(operand.U8(0), mb, z[0], valid[0], ke) // EQ_OQ
		KMOVW(ke, bits.As32())
	} else {
		var g []reg.GPVirtual
		for h, v := range z {
			e := a.vec()
			VCMPPS(operand.U8(0), mb, v, e)
			VANDPS(valid[h].(reg.VecVirtual), e, e)
			gh := GP64()
			VMOVMSKPS(e, gh.As32())
			g = append(g, gh)
		}
		SHLL(operand.U8(8), g[1].As32())
		ORL(g[1].As32(), g[0].As32())
		MOVQ(g[0], bits)
	}
	MOVQ(operand.I32(-1), best)
	BSFQ(bits, bits)
	CMOVQNE(bits, best)
	CMPQ(addr(Param("mode")), operand.U8(modeLogits))
	JNE(operand.LabelRef("pr_ret"))
	a.predStore(st, z, kreg, "pr_zst")
	Label("pr_ret")
	zs := XMM()
	VXORPS(zs, zs, zs)
	a.predReturn(best, mx, zs)

	// Softmax: SoftmaxSmall's steps on the logits.
	Label("pr_proba")
	jumpIfInf(mx, "pr_special")
	var s span
	if a.evex {
		s = span{k: valid[0]}
		s.valid = func() reg.Register { return valid[0] }
	} else {
		s = span{valid: func() reg.Register { return nil }}
	}
	ys := a.exp(len(z), s, func(j int, v reg.VecVirtual) { VSUBPS(mb, z[j], v) })
	sacc := a.vec()
	VXORPS(sacc, sacc, sacc)
	for j, y := range ys {
		if !a.evex {
			VANDPS(valid[j].(reg.VecVirtual), y, y) // lanes ≥ k add nothing
		}
		a.accumulate(sacc, y)
	}
	sum := a.reduceSum([]reg.VecVirtual{sacc})
	// A NaN sum (a NaN logit): nothing stored, the caller fills NaN.
	VUCOMISD(sum, sum)
	JP(operand.LabelRef("pr_nan"))
	inv := a.invSum(sum)
	for _, y := range ys {
		VMULPS(inv, y, y)
	}
	a.predStore(st, ys, kreg, "pr_pst")
	Label("pr_nan")
	a.predReturn(best, mx, sum)

	// The maximum is ±Inf: nothing stored, sum 0.
	Label("pr_special")
	zs2 := XMM()
	VXORPS(zs2, zs2, zs2)
	a.predReturn(best, mx, zs2)
}

// predStore stores the first k lanes of v at dst, writing exactly those
// 4k bytes.
func (a *isa) predStore(st *predState, v []reg.VecVirtual, kreg reg.GPVirtual, prefix string) {
	dp := GP64()
	Load(Param("dst").Base(), dp)
	if a.evex {
		exactStoreAs(prefix, dp, kreg, v[0])
		return
	}
	for h, y := range v {
		VMOVUPS(y, st.frameB.Offset(32*h))
	}
	a.copyElems(dp, st.frameB, kreg, true, prefix)
}

// predReturn stores the results (best, lane 0 of the XMM registers mx and
// sum) and returns.
func (a *isa) predReturn(best reg.GPVirtual, mx, sum reg.Register) {
	Store(best, ReturnIndex(0))
	storeRet(1, mx, false)
	storeRet(2, sum, true)
	VZEROUPPER()
	RET()
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

// generatePredict emits the fused prediction kernels and writes them, with
// the tables they use, to predict_amd64.s in the -dir directory.
func generatePredict() {
	declarePredictData()
	for _, a := range isas {
		genPredict(a)
	}
	asmfile.Generate(asmfile.Config{
		Header:   "// Code generated by gen/amd64/softmax (cd gen && go run ./amd64/softmax -predict -dir ../asm). DO NOT EDIT.",
		Families: []asmfile.Family{asmfile.F("predict_amd64.s", "Predict")},
		Check: func(src []byte) error {
			f, err := os.CreateTemp("", "predict-*.s")
			if err != nil {
				return err
			}
			defer os.Remove(f.Name())
			_, err = f.Write(src)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			return checkVEX(f.Name())
		},
	})
}
