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
// The rows of W are taken in passes of p rows: all k rows in one pass
// when they fit the row groups (predGroups: 8, 4, 2, 1 on AVX-512, up to
// 15 rows; 4, 2, 1 on AVX2, up to 7), else the largest group's (16 = 8 +
// 8 on AVX-512). A pass is one loop over the features where every x vector
// load feeds, through fused multiply-adds whose W operand comes from
// memory, the rows of each group of p's binary digits (a branch skips an
// absent group), into predictAccs float32 accumulators per row (physical
// registers: all 30 + 2 x vectors of AVX-512 are live); a pass of one
// group, or of small groups only, runs a branch-free loop per group
// instead. The last len(x) mod lanes features are a masked load
// (AVX-512) or a scalar loop (AVX2). After the loop each group's rows are
// reduced together (a row's accumulators added, then a transposing
// reduction of the group's rows: shuffles, blends and adds, predReduce)
// and shifted into the vector of logits from the top (predMerge), so after
// the passes the k logits are the top k lanes of a 16-lane vector (two
// YMM on AVX2), which one permutation moves down to lanes 0..k−1. Rows
// longer than predictBlock vectors are done in blocks of that many
// vectors, all passes per block, and the blocks' logit vectors added in
// float64 (in the frame); so no float32 accumulator lane sums more than
// predictBlock+1 products. The bias is added in float32 after the
// rounding of the sums. Every row, whatever its group, is summed in the
// same order.
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
	predMerge  = 64                       // + 64·predRowIndex(R)
	predOrder  = predMerge + 64*4         // + 32·i
	predSevens = predOrder + 32*4         // 8 × int32 7
	predTabLen = predSevens + 32          // bytes
	predFrame  = 16*8 + 16*4 + 16*4 + 6*8 // see predState
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

// predState is what the passes share. The block's counters live in the
// frame during a pass, whose loop needs the general registers for its
// row pointers, and so does the logit vector, whose register the pass's
// accumulators need.
type predState struct {
	sb, s3      reg.GPVirtual // W's stride in bytes, three strides
	ktail       reg.Register  // AVX-512: the tail's lanes
	kHi, kOdd64 reg.Register  // AVX-512 blend masks: lanes 8–15; odd float64 elements
	frameT      operand.Mem   // the float64 block sums (16 float64)
	frameB      operand.Mem   // AVX2: a 16-float buffer for the bias and dst
	frameZ      operand.Mem   // the logits so far (16 floats)
	// In the frame: the whole vectors after this block, the block's first
	// column in bytes, its whole vectors, its tail's elements (0 but in
	// the last block), the rows left, the pass's first row at the block's
	// first column.
	nvec, colb, cnt, tb, rem, rp operand.Mem
}

// predGroups are the row groups of a pass, largest first: a pass of p
// rows takes the groups of p's binary digits (p ≤ the sum of the groups),
// the rows of each group at consecutive offsets, all fed by the same x
// vector loads. AVX2 has 16 vector registers: 7 rows of 2 accumulators
// and two x vectors.
func predGroups(a *isa) []int {
	if a.evex {
		return []int{8, 4, 2, 1}
	}
	return []int{4, 2, 1}
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
	st := &predState{frameT: frame.Offset(0), frameB: frame.Offset(128), frameZ: frame.Offset(192)}
	st.nvec, st.colb, st.cnt, st.tb, st.rem, st.rp = frame.Offset(256), frame.Offset(264), frame.Offset(272), frame.Offset(280), frame.Offset(288), frame.Offset(296)
	groups := predGroups(a)
	maxPass := 0
	for _, g := range groups {
		maxPass += g
	}

	// Whole vectors of a row (the tail, len(x) mod lanes, is read from
	// the arguments where needed).
	nvec := GP64()
	Load(Param("x").Len(), nvec)
	SHRQ(operand.U8(log2(L)), nvec)
	MOVQ(nvec, st.nvec)
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
	}
	st.sb, st.s3 = GP64(), GP64()
	Load(Param("stride"), st.sb)
	SHLQ(operand.U8(2), st.sb)
	LEAQ(operand.Mem{Base: st.sb, Index: st.sb, Scale: 2}, st.s3)
	MOVQ(operand.U32(0), st.colb)

	// One block: every pass over its columns.
	Label("pr_block")
	zb0 := a.vec() // not zero's register: that would stay live through the passes
	VXORPS(zb0, zb0, zb0)
	for off := 0; off < 64; off += VB {
		VMOVUPS(zb0, st.frameZ.Offset(off))
	}
	cnt, nv := GP64(), GP64()
	MOVQ(st.nvec, nv)
	MOVQ(operand.U32(predictBlock), cnt)
	CMPQ(nv, cnt)
	CMOVQLT(nv, cnt)
	SUBQ(cnt, nv)
	MOVQ(nv, st.nvec)
	MOVQ(cnt, st.cnt)
	tb, tailn := GP64(), GP64()
	Load(Param("x").Len(), tailn)
	ANDQ(operand.U32(L-1), tailn)
	XORL(tb.As32(), tb.As32())
	TESTQ(nv, nv)
	CMOVQEQ(tailn, tb)
	MOVQ(tb, st.tb)
	rp := GP64()
	Load(Param("w").Base(), rp)
	ADDQ(st.colb, rp)
	MOVQ(rp, st.rp)
	rem := GP64()
	Load(Param("k"), rem)
	MOVQ(rem, st.rem)

	// Passes of p rows: all that are left if the groups hold them, else
	// the largest group's.
	Label("pr_pass")
	p := GP64()
	MOVQ(st.rem, p)
	big := GP64()
	MOVQ(operand.U32(groups[0]), big)
	CMPQ(p, operand.U8(maxPass))
	CMOVQGT(big, p)
	a.predPass(st, groups, p)
	t := GP64()
	MOVQ(st.sb, t)
	IMULQ(p, t)
	ADDQ(t, st.rp) // the next p rows
	SUBQ(p, st.rem)
	JNZ(operand.LabelRef("pr_pass"))

	t2 := GP64()
	MOVQ(st.cnt, t2)
	SHLQ(operand.U8(log2(VB)), t2)
	ADDQ(t2, st.colb)
	CMPQ(st.nvec, operand.U8(0))
	JE(operand.LabelRef("pr_lastblock"))
	a.predFlush(st)
	JMP(operand.LabelRef("pr_block"))

	// After the last block: the float64 sums of every block rounded once,
	// when there was more than one.
	Label("pr_lastblock")
	CMPQ(addr(Param("x").Len()), operand.U32((predictBlock+1)*L))
	JB(operand.LabelRef("pr_sums"))
	a.predFlush(st)
	a.predNarrow(st)
	Label("pr_sums")

	zb := make([]reg.VecVirtual, 64/VB)
	for h := range zb {
		zb[h] = a.vec()
		VMOVUPS(st.frameZ.Offset(h*VB), zb[h])
	}
	kreg := GP64()
	Load(Param("k"), kreg)
	z := a.predAlign(zb, kreg)
	valid := a.predValid(kreg)
	a.predBias(st, z, kreg, valid)
	a.predFinish(st, z, kreg, valid)
}

// predPass emits the pass over the block's columns of the p rows from the
// row at st.rp (p in a register): one loop over the columns whose every x
// vector feeds the rows of each group of p's binary digits, then each
// group's sums shifted into the logits in the frame, largest group (first
// rows) first.
func (a *isa) predPass(st *predState, groups []int, p reg.GPVirtual) {
	C, VB := predictAccs, a.bytes()
	// acc[g][r][c]: accumulator c of row r of group g, and the x vectors:
	// physical registers, numbered in order (avo's greedy allocator does
	// not find a coloring for all the vector registers live in the loop).
	phys := 0
	vreg := func() reg.VecPhysical {
		phys++
		if a.evex {
			return zmmPhys[phys-1]
		}
		return ymmPhys[phys-1]
	}
	acc := make([][][]reg.Register, len(groups))
	for gi, g := range groups {
		acc[gi] = make([][]reg.Register, g)
		for r := range acc[gi] {
			acc[gi][r] = make([]reg.Register, C)
			for c := range acc[gi][r] {
				acc[gi][r][c] = vreg()
			}
		}
	}
	// Only the groups present are zeroed (and used).
	for gi, g := range groups {
		skip := fmt.Sprintf("pr_zero_no%d", g)
		TESTQ(operand.U32(g), p)
		JZ(operand.LabelRef(skip))
		for r := range acc[gi] {
			for _, v := range acc[gi][r] {
				VXORPS(v, v, v)
			}
		}
		Label(skip)
	}
	// Group g's first row: p's digits above g rows further.
	rp := GP64()
	MOVQ(st.rp, rp)
	base := make([]reg.GPVirtual, len(groups))
	var b85 reg.GPVirtual // rows 5–7 of the 8-row group
	for gi, g := range groups {
		base[gi] = GP64()
		if gi == 0 {
			MOVQ(rp, base[gi])
		} else {
			MOVQ(p, base[gi])
			ANDQ(operand.U8(15&^(2*g-1)), base[gi])
			IMULQ(st.sb, base[gi])
			ADDQ(rp, base[gi])
		}
		if g == 8 {
			b85 = GP64()
			LEAQ(operand.Mem{Base: base[gi], Index: st.sb, Scale: 4}, b85)
			ADDQ(st.sb, b85)
		}
	}
	// row(gi, r, disp): element disp/4 from the current column of row r of
	// group gi.
	row := func(gi, r, disp int) operand.Mem {
		b := base[gi]
		var m operand.Mem
		switch r {
		case 0:
			m = operand.Mem{Base: b}
		case 1:
			m = operand.Mem{Base: b, Index: st.sb, Scale: 1}
		case 2:
			m = operand.Mem{Base: b, Index: st.sb, Scale: 2}
		case 3:
			m = operand.Mem{Base: b, Index: st.s3, Scale: 1}
		case 4:
			m = operand.Mem{Base: b, Index: st.sb, Scale: 4}
		case 5:
			m = operand.Mem{Base: b85}
		case 6:
			m = operand.Mem{Base: b85, Index: st.sb, Scale: 1}
		case 7:
			m = operand.Mem{Base: b85, Index: st.sb, Scale: 2}
		}
		return m.Offset(disp)
	}
	xp, n := GP64(), GP64()
	xs := make([]reg.Register, C)
	for c := range xs {
		xs[c] = vreg()
	}
	// (One branch skips all the smaller groups when none is present, as
	// in the passes of a multiple of the largest.)
	small := 0
	for _, g := range groups[1:] {
		small |= g
	}
	// columns emits a loop over the block's columns: with single < 0, for
	// every group present (each skipped by a branch when absent), else for
	// group single alone.
	columns := func(tag string, single int) {
		lbl := func(s string) string { return "pr_" + tag + "_" + s }
		Load(Param("x").Base(), xp)
		ADDQ(st.colb, xp)
		MOVQ(st.cnt, n)
		advance := func(bytes int) {
			for gi, b := range base {
				if single < 0 || gi == single {
					ADDQ(operand.U32(bytes), b)
				}
			}
			if b85 != nil && (single < 0 || groups[single] == 8) {
				ADDQ(operand.U32(bytes), b85)
			}
			ADDQ(operand.U32(bytes), xp)
		}
		// eachGroup emits body(gi) for every group of the loop.
		eachGroup := func(tag string, body func(gi int)) {
			if single >= 0 {
				body(single)
				return
			}
			for gi, g := range groups {
				if gi == 1 {
					TESTQ(operand.U32(small), p)
					JZ(operand.LabelRef(lbl(tag + "_end")))
				}
				skip := lbl(fmt.Sprintf("%s_no%d", tag, g))
				TESTQ(operand.U32(g), p)
				JZ(operand.LabelRef(skip))
				body(gi)
				Label(skip)
			}
			Label(lbl(tag + "_end"))
		}
		// The columns in pairs of vectors (accumulators 0 and 1), then one.
		CMPQ(n, operand.U8(C))
		JB(operand.LabelRef(lbl("ones")))
		Label(lbl("loop"))
		for c := range xs {
			VMOVUPS(operand.Mem{Base: xp, Disp: c * VB}, xs[c])
		}
		eachGroup("loop", func(gi int) {
			for r := range acc[gi] {
				for c := range xs {
					VFMADD231PS(row(gi, r, c*VB), xs[c], acc[gi][r][c])
				}
			}
		})
		advance(C * VB)
		SUBQ(operand.U8(C), n)
		CMPQ(n, operand.U8(C))
		JAE(operand.LabelRef(lbl("loop")))
		Label(lbl("ones"))
		TESTQ(n, n)
		JZ(operand.LabelRef(lbl("tail")))
		x1 := xs[0]
		VMOVUPS(operand.Mem{Base: xp}, x1)
		eachGroup("one", func(gi int) {
			for r := range acc[gi] {
				VFMADD231PS(row(gi, r, 0), x1, acc[gi][r][0])
			}
		})
		advance(VB)

		// The row's last len(x) mod lanes elements (in the last block only).
		Label(lbl("tail"))
		tb := GP64()
		MOVQ(st.tb, tb)
		TESTQ(tb, tb)
		JZ(operand.LabelRef(lbl("done")))
		if a.evex {
			xv := xs[0]
			VMOVUPS_Z(operand.Mem{Base: xp}, st.ktail, xv)
			eachGroup("tail", func(gi int) {
				for r := range acc[gi] {
					VFMADD231PS(row(gi, r, 0), xv, st.ktail, acc[gi][r][0])
				}
			})
		} else {
			// One element at a time into lane 0 (the other lanes add 0·0):
			// scalar loads only, exactly the rows' elements.
			Label(lbl("scalar"))
			// (Zeroed first although VMOVSS clears the other lanes: avo sees a
			// partial write and would keep the registers live throughout.)
			xe, we := xs[0].(reg.VecPhysical), xs[1].(reg.VecPhysical)
			VXORPS(xe, xe, xe)
			VMOVSS(operand.Mem{Base: xp}, xe.AsX())
			eachGroup("scalar", func(gi int) {
				for r := range acc[gi] {
					VXORPS(we, we, we)
					VMOVSS(row(gi, r, 0), we.AsX())
					VFMADD231PS(we, xe, acc[gi][r][0])
				}
			})
			advance(4)
			DECQ(tb)
			JNZ(operand.LabelRef(lbl("scalar")))
		}
		Label(lbl("done"))
	}
	// With the largest group and others, one loop for all the groups
	// (each x vector loaded once); otherwise a loop per group (no
	// branches in the loops, which for one or two groups of few rows cost
	// more than the loads).
	TESTQ(operand.U32(groups[0]), p)
	JZ(operand.LabelRef("pr_small"))
	TESTQ(operand.U32(small), p)
	JZ(operand.LabelRef("pr_big"))
	columns("all", -1)
	JMP(operand.LabelRef("pr_reduce"))
	Label("pr_big")
	columns(fmt.Sprintf("g%d", groups[0]), 0)
	JMP(operand.LabelRef("pr_reduce"))
	Label("pr_small")
	for gi := 1; gi < len(groups); gi++ {
		g := groups[gi]
		skip := fmt.Sprintf("pr_small_no%d", g)
		TESTQ(operand.U32(g), p)
		JZ(operand.LabelRef(skip))
		columns(fmt.Sprintf("g%d", g), gi)
		Label(skip)
	}

	// The accumulators of each row added, then each group's rows reduced
	// and shifted into the logits.
	Label("pr_reduce")
	rows := make([][]reg.Register, len(groups))
	for gi := range acc {
		for r := range acc[gi] {
			rows[gi] = append(rows[gi], acc[gi][r][0])
		}
	}
	combine := func(gi int) {
		for r := range acc[gi] {
			for w := 1; w < C; w *= 2 {
				for c := 0; c+w < C; c += 2 * w {
					VADDPS(acc[gi][r][c+w], acc[gi][r][c], acc[gi][r][c])
				}
			}
		}
	}
	// Physical registers (see above): the logits in the x vectors'
	// registers, the scratch in the first group's second accumulators.
	zb := xs[:64/VB]
	for h := range zb {
		VMOVUPS(st.frameZ.Offset(h*VB), zb[h])
	}
	t0, t1, t2 := acc[0][0][1], acc[0][1][1], acc[0][2][1]
	for gi, g := range groups {
		skip := fmt.Sprintf("pr_merge_no%d", g)
		TESTQ(operand.U32(g), p)
		JZ(operand.LabelRef(skip))
		combine(gi)
		a.predMerge(zb, g, a.predReduce(st, rows[gi], t0), t1, t2)
		Label(skip)
	}
	for h := range zb {
		VMOVUPS(zb[h], st.frameZ.Offset(h*VB))
	}
}

// predReduce sums the lanes of each of the R vectors of rows, in place
// (clobbered; t is scratch), and returns the register holding row r's sum
// in lane predPos(a, R)[r].
func (a *isa) predReduce(st *predState, rows []reg.Register, t reg.Register) reg.Register {
	R := len(rows)
	if R == 1 {
		v := rows[0]
		if a.evex {
			VSHUFF32X4(operand.U8(0x4E), v, v, t) // swap the 256-bit halves
			VADDPS(t, v, v)
			VSHUFF32X4(operand.U8(0xB1), v, v, t) // swap 128-bit quarters pairwise
			VADDPS(t, v, v)
		} else {
			VPERM2F128(operand.U8(0x01), v, v, t)
			VADDPS(t, v, v)
		}
		a.foldLanes(v, t)
		return v
	}
	// Pairs of rows p, q: [p.lo + p.hi | q.lo + q.hi] (lanes in halves).
	var us []reg.Register
	for i := 0; i < R; i += 2 {
		p, q := rows[i], rows[i+1]
		if a.evex {
			VSHUFF32X4(operand.U8(0x4E), q, p, t) // [p.hi | q.lo]
			VBLENDMPS(q, p, st.kHi, q)            // [p.lo | q.hi]
		} else {
			VPERM2F128(operand.U8(0x21), q, p, t)
			VBLENDPS(operand.U8(0xF0), q, p, q)
		}
		VADDPS(q, t, p)
		us = append(us, p)
	}
	if R == 2 {
		if a.evex {
			VSHUFF32X4(operand.U8(0xB1), us[0], us[0], t)
			VADDPS(t, us[0], us[0]) // quarters 0, 1: row 0; 2, 3: row 1
		}
		a.foldLanes(us[0], t)
		return us[0]
	}
	// Pairs of pairs: AVX-512: one row per 128-bit quarter, 4 partial
	// sums; AVX2: per 128-bit half two rows of 2.
	var vs []reg.Register
	for i := 0; i < len(us); i += 2 {
		u0, u1 := us[i], us[i+1]
		if a.evex {
			VSHUFF32X4(operand.U8(0x88), u1, u0, t)
			VSHUFF32X4(operand.U8(0xDD), u1, u0, u1)
		} else {
			VSHUFPD(operand.U8(0x5), u1, u0, t)   // per half: [u0.hi64, u1.lo64]
			VBLENDPD(operand.U8(0xA), u1, u0, u1) // per half: [u0.lo64, u1.hi64]
		}
		VADDPS(u1, t, u0)
		vs = append(vs, u0)
	}
	if R == 4 {
		if a.evex {
			a.foldLanes(vs[0], t)
		} else {
			VPERMILPS(operand.U8(0xB1), vs[0], t)
			VADDPS(t, vs[0], vs[0])
		}
		return vs[0]
	}
	if !a.evex {
		panic("AVX2 passes have at most 4 rows per group")
	}
	// Rows q and q+4 per quarter: pairs of partial sums, then one.
	v0, v1 := vs[0], vs[1]
	VSHUFPD(operand.U8(0x55), v1, v0, t) // per quarter: [v0.hi64, v1.lo64]
	VBLENDMPD(v1, v0, st.kOdd64, v1)     // per quarter: [v0.lo64, v1.hi64]
	VADDPS(v1, t, v0)
	VPERMILPS(operand.U8(0xB1), v0, t)
	VADDPS(t, v0, v0)
	return v0
}

// foldLanes adds the 4 lanes of every 128-bit quarter of v, so each lane
// holds its quarter's sum (t is scratch).
func (a *isa) foldLanes(v, t reg.Register) {
	VPERMILPS(operand.U8(0x4E), v, t)
	VADDPS(t, v, v)
	VPERMILPS(operand.U8(0xB1), v, t)
	VADDPS(t, v, v)
}

// predMerge shifts the logits so far (zb) down by R lanes and puts the R
// sums of s (an R-row reduced vector, clobbered) in the top R lanes; t1
// and t2 are scratch.
func (a *isa) predMerge(zb []reg.Register, R int, s, t1, t2 reg.Register) {
	if a.evex {
		VMOVUPS(predTab.Offset(predMerge+64*predRowIndex(R)), t1)
		VPERMT2PS(s, t1, zb[0])
		return
	}
	o := s
	if R > 1 {
		VMOVUPS(predTab.Offset(predOrder+32*predRowIndex(R)), t1)
		VPERMPS(s, t1, s) // the sums in lanes 0..R−1, in order
	}
	z0, z1 := zb[0], zb[1]
	switch R {
	case 8:
		VMOVAPS(z1, z0)
		VMOVAPS(o, z1)
	case 4:
		VPERM2F128(operand.U8(0x21), z1, z0, z0) // [z0.hi | z1.lo]
		VPERM2F128(operand.U8(0x21), o, z1, z1)  // [z1.hi | o.lo]
	default: // 2 or 1 lanes: 8 or 4 bytes per 128-bit half
		VPERM2F128(operand.U8(0x21), z1, z0, t1)
		VPALIGNR(operand.U8(4*R), z0, t1, z0)
		VPERM2F128(operand.U8(0x21), o, z1, t2)
		VPALIGNR(operand.U8(4*R), z1, t2, z1)
	}
}

// predFlush adds the block's logit vector (in the frame) to the float64
// sums in the frame.
func (a *isa) predFlush(st *predState) {
	for h := 0; h < 64/a.bytes(); h++ {
		z := a.vec()
		VMOVUPS(st.frameZ.Offset(h*a.bytes()), z)
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

// predNarrow sets the logit vector in the frame to the frame's float64
// sums, rounded.
func (a *isa) predNarrow(st *predState) {
	for h := 0; h < 64/a.bytes(); h++ {
		z := a.vec()
		off := 2 * h * a.bytes()
		// (lo is zeroed as a whole first: its wide register is read after
		// a narrow write, which avo would otherwise keep live throughout.)
		if a.evex {
			lo, hi, t := a.vec(), a.vec(), a.vec()
			VMOVUPD(st.frameT.Offset(off), lo)
			VMOVUPD(st.frameT.Offset(off+a.bytes()), hi)
			VXORPS(t, t, t)
			VCVTPD2PS(lo, t.AsY())
			VCVTPD2PS(hi, hi.AsY())
			VINSERTF64X4(operand.U8(1), hi.AsY(), t, z)
		} else {
			lo, hi := XMM(), XMM()
			VXORPS(lo.AsY(), lo.AsY(), lo.AsY())
			VCVTPD2PSY(st.frameT.Offset(off), lo)
			VCVTPD2PSY(st.frameT.Offset(off+a.bytes()), hi)
			VINSERTF128(operand.U8(1), hi, lo.AsY(), z)
		}
		VMOVUPS(z, st.frameZ.Offset(h*a.bytes()))
	}
}

// predAlign returns the k logits, the top k lanes of the 16 of zb, in
// lanes 0..k−1 (AVX2: lanes 0–7 and 8–15 of two vectors).
func (a *isa) predAlign(zb []reg.VecVirtual, kreg reg.GPVirtual) []reg.VecVirtual {
	s := GP64()
	MOVQ(operand.U32(16), s)
	SUBQ(kreg, s)
	idx := a.vec()
	if a.evex {
		VPBROADCASTD(s.As32(), idx)
		VPADDD(predTab.Offset(predIota), idx, idx)
		z := a.vec()
		VPERMPS(zb[0], idx, z) // lane l: lane l + 16 − k
		return []reg.VecVirtual{z}
	}
	xs := XMM()
	VMOVD(s.As32(), xs)
	VPBROADCASTD(xs, idx)
	VPADDD(predTab.Offset(predIota), idx, idx)
	p0, p1 := a.vec(), a.vec()
	VPERMPS(zb[0], idx, p0) // lane l: lane (l + 16 − k) mod 8
	VPERMPS(zb[1], idx, p1)
	hi := a.vec()
	VPCMPGTD(predTab.Offset(predSevens), idx, hi) // lane l + 16 − k in the upper vector
	z0 := a.vec()
	VBLENDVPS(hi, p1, p0, z0)
	return []reg.VecVirtual{z0, p1}
}

// predBias adds b (unless len(b) == 0) to the logits z (AVX-512: and sets
// the lanes ≥ k to zero, as they are without bias).
func (a *isa) predBias(st *predState, z []reg.VecVirtual, kreg reg.GPVirtual, valid []reg.Register) {
	CMPQ(addr(Param("b").Len()), operand.U8(0))
	JE(operand.LabelRef("pr_nobias"))
	bp := GP64()
	Load(Param("b").Base(), bp)
	if a.evex {
		// One masked load (lanes ≥ k neither read nor set): b is the
		// model's, not a buffer written just before (whose exact-piece
		// stores a masked load would wait for).
		VADDPS_Z(operand.Mem{Base: bp}, z[0], valid[0], z[0])
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

// predValid returns the masks of the lanes < k: a K register (AVX-512),
// two YMM lane masks (AVX2).
func (a *isa) predValid(kreg reg.GPVirtual) []reg.Register {
	if a.evex {
		return []reg.Register{a.laneMask(kreg)}
	}
	n0, n1 := GP64(), GP64()
	MOVQ(operand.U32(8), n0)
	CMPQ(kreg, n0)
	CMOVQLT(kreg, n0)
	MOVQ(kreg, n1)
	SUBQ(n0, n1)
	return []reg.Register{a.laneMask(n0), a.laneMask(n1)}
}

// predFinish emits the mode's work on the logits z and the returns.
func (a *isa) predFinish(st *predState, z []reg.VecVirtual, kreg reg.GPVirtual, valid []reg.Register) {
	// The maximum over the lanes < k (NaNs ignored), in every lane: the
	// lanes cleaned (−Inf for NaN and lanes ≥ k), then a butterfly.
	acc := a.vec()
	a.splat(cNegInf, acc)
	if a.evex {
		a.maxInto(acc, z[0], valid[0])
	} else {
		for h, v := range z {
			t := a.vec()
			VBLENDVPS(valid[h], v, acc, t) // lanes ≥ k: −Inf
			a.maxInto(acc, t, nil)
		}
	}
	t := a.vec()
	if a.evex {
		VSHUFF32X4(operand.U8(0x4E), acc, acc, t) // swap the 256-bit halves
		VMAXPS(t, acc, acc)
		VSHUFF32X4(operand.U8(0xB1), acc, acc, t) // swap 128-bit quarters pairwise
	} else {
		VPERM2F128(operand.U8(0x01), acc, acc, t)
	}
	VMAXPS(t, acc, acc)
	VPERMILPS(operand.U8(0x4E), acc, t)
	VMAXPS(t, acc, acc)
	VPERMILPS(operand.U8(0xB1), acc, t)
	VMAXPS(t, acc, acc)
	mb, mx := acc, acc.AsX()
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
	// exp(z − m) on whole vectors, whose fix-up of special lanes is
	// skipped when every lane is in range (lanes ≥ k hold −m), then the
	// lanes ≥ k zeroed: exp's results bit for bit as SoftmaxSmall's.
	ys := a.exp(len(z), span{}, func(j int, v reg.VecVirtual) { VSUBPS(mb, z[j], v) })
	sacc := a.vec()
	VXORPS(sacc, sacc, sacc)
	for j, y := range ys {
		if a.evex {
			VMOVAPS_Z(y, valid[0], y)
		} else {
			VANDPS(valid[j].(reg.VecVirtual), y, y)
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

// zmmPhys and ymmPhys are the vector registers in order, for the pass's
// accumulators.
var (
	zmmPhys = []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7, reg.Z8, reg.Z9, reg.Z10,
		reg.Z11, reg.Z12, reg.Z13, reg.Z14, reg.Z15, reg.Z16, reg.Z17, reg.Z18, reg.Z19, reg.Z20, reg.Z21, reg.Z22,
		reg.Z23, reg.Z24, reg.Z25, reg.Z26, reg.Z27, reg.Z28, reg.Z29, reg.Z30, reg.Z31}
	ymmPhys = []reg.VecPhysical{reg.Y0, reg.Y1, reg.Y2, reg.Y3, reg.Y4, reg.Y5, reg.Y6, reg.Y7, reg.Y8, reg.Y9, reg.Y10,
		reg.Y11, reg.Y12, reg.Y13, reg.Y14, reg.Y15}
)

// log2 returns log₂ n for a power of two n.
func log2(n int) int {
	for k := 0; k < 31; k++ {
		if 1<<k == n {
			return k
		}
	}
	panic(fmt.Sprintf("%d is not a power of two", n))
}

// generatePredict emits the fused prediction kernels and the small softmax
// ops (smallops.go) and writes them, with the tables they use, to
// predict_amd64.s and smallops_amd64.s in the -dir directory.
func generatePredict() {
	declarePredictData()
	declareSmallData()
	for _, a := range isas {
		genPredict(a)
	}
	genSmallOps(avx512)
	asmfile.Generate(asmfile.Config{
		Header:   "// Code generated by gen/amd64/softmax (cd gen && go run ./amd64/softmax -predict -dir ../asm). DO NOT EDIT.",
		Families: []asmfile.Family{asmfile.F("predict_amd64.s", "Predict"), asmfile.F("smallops_amd64.s", "SmallOps")},
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
