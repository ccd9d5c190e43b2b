package main

import "fmt"

// Dot, MatVec and AddOuter.
//
// Products are accumulated with FMLA in float32 accumulators and flushed
// (widened exactly with FCVTL/FCVTL2) into float64 accumulators before any
// float32 lane has summed more than 128 products; rows are reduced
// horizontally once, at the end, in float64.

const (
	dotChunk    = 127 // 16-element iterations per flush: 1 product per lane each, +1 from the remainder
	matVecChunk = 63  // 16-column iterations per flush: 2 products per lane each, +2 from the remainder
)

// dotKernel emits DotNEON.
//
// Registers: x V0–V3, y V4–V7, float32 accumulators V16–V19, float64
// accumulator V20. R0 = x, R1 = y, R2 = remainder (len & 15), R3 = 16-element
// iterations left, R4 = iterations of the current chunk.
func dotKernel() *Func {
	f := NewFunc("DotNEON", "$0-56",
		"func DotNEON(x, y []float32) float64")
	x, y, rem, iters, cnt := R(0), R(1), R(2), R(3), R(4)
	acc := []V{16, 17, 18, 19}
	acc64 := V(20)
	f.I("MOVD", "x_base+0(FP)", x.String())
	f.I("MOVD", "x_len+8(FP)", rem.String())
	f.I("MOVD", "y_base+24(FP)", y.String())
	f.I("LSR", "$4", rem.String(), iters.String())
	f.I("AND", "$15", rem.String(), rem.String())
	f.zero(acc64)
	f.Label("chunk")
	f.zero(acc...)
	f.I("CBZ", iters.String(), "rem8")
	f.takeChunk(iters, cnt, dotChunk)
	f.LoopBegin("loop16", "Dot", 16)
	f.I("VLD1.P", x.Post(64), vlist("S4", 0, 4))
	f.I("VLD1.P", y.Post(64), vlist("S4", 4, 4))
	for j := 0; j < 4; j++ {
		f.fmla(acc[j], V(j), V(4+j))
	}
	f.I("SUBS", "$1", cnt.String(), cnt.String())
	f.I("BNE", "loop16")
	f.LoopEnd()
	f.I("CBZ", iters.String(), "rem8")
	f.flush32to64(acc64, acc, []V{0, 1, 2, 3, 4, 5, 6, 7})
	f.I("B", "chunk")

	// Fewer than 16 elements: each accumulator gets at most one more product.
	f.Label("rem8")
	f.I("TBZ", "$3", rem.String(), "rem4")
	f.I("VLD1.P", x.Post(32), vlist("S4", 0, 2))
	f.I("VLD1.P", y.Post(32), vlist("S4", 4, 2))
	f.fmla(acc[0], 0, 4)
	f.fmla(acc[1], 1, 5)
	f.Label("rem4")
	f.I("TBZ", "$2", rem.String(), "tail")
	f.I("VLD1.P", x.Post(16), vlist("S4", 0, 1))
	f.I("VLD1.P", y.Post(16), vlist("S4", 4, 1))
	f.fmla(acc[2], 0, 4)
	f.Label("tail")
	f.I("ANDS", "$3", rem.String(), rem.String())
	f.I("BEQ", "done")
	f.loadLanes(rem, true, lane{x, 0}, lane{y, 4})
	f.fmla(acc[3], 0, 4)
	f.Label("done")
	f.flush32to64(acc64, acc, []V{0, 1, 2, 3, 4, 5, 6, 7})
	f.W(FADDPD(0, acc64.n()))
	f.I("FMOVD", "F0", "ret+48(FP)")
	f.I("RET")
	return f
}

// MatVec register plan for a group of nr ≤ 4 rows: x V0–V3, row k's
// columns V4+4k…V7+4k, row k's float32 accumulators V20+2k (even columns
// of each 4-vector group) and V21+2k (odd), row k's float64 accumulator
// V28+k.
func mvW(k int) V      { return V(4 + 4*k) }
func mvAcc(k, j int) V { return V(20 + 2*k + j%2) }
func mvAcc64(k int) V  { return V(28 + k) }

// matVecKernel emits MatVecNEON.
//
// R0 = y, R1 = rows, R2 = w (first row of the group), R3 = stride in bytes,
// R4 = x, R6 = b, R7 = len(b), R8 = 16-column iterations per row, R9 =
// cols & 15, R17 = cols & 3, R10–R13 = row pointers, R14 = x pointer, R15 =
// iterations left, R16 = iterations of the chunk, R19 = groups of 4 left.
func matVecKernel() *Func {
	f := NewFunc("MatVecNEON", "$0-104",
		"func MatVecNEON(y, w []float32, stride int, x, b []float32)")
	f.I("MOVD", "y_base+0(FP)", "R0")
	f.I("MOVD", "y_len+8(FP)", "R1")
	f.I("MOVD", "w_base+24(FP)", "R2")
	f.I("MOVD", "stride+48(FP)", "R3")
	f.I("LSL", "$2", "R3", "R3")
	f.I("MOVD", "x_base+56(FP)", "R4")
	f.I("MOVD", "x_len+64(FP)", "R5")
	f.I("MOVD", "b_base+80(FP)", "R6")
	f.I("MOVD", "b_len+88(FP)", "R7")
	rowGroups(f, "R1", matVecGroup)
	return f
}

func matVecGroup(f *Func, nr int) {
	sfx := fmt.Sprint(nr)
	rowPtr := func(k int) R { return R(10 + k) }
	xp, iters, cnt, rem, tail := R(14), R(15), R(16), R(9), R(17)
	f.Comment("%d row(s)", nr)
	f.I("MOVD", "R2", rowPtr(0).String())
	for k := 1; k < nr; k++ {
		f.I("ADD", "R3", rowPtr(k-1).String(), rowPtr(k).String())
	}
	f.I("MOVD", "R4", xp.String())
	f.I("MOVD", "R8", iters.String())
	var accs, acc64s []V
	for k := 0; k < nr; k++ {
		accs = append(accs, mvAcc(k, 0), mvAcc(k, 1))
		acc64s = append(acc64s, mvAcc64(k))
	}
	f.zero(acc64s...)
	chunk, remL := "r"+sfx+"chunk", "r"+sfx+"rem8"
	f.Label(chunk)
	f.zero(accs...)
	f.I("CBZ", iters.String(), remL)
	f.takeChunk(iters, cnt, matVecChunk)
	loop := "r" + sfx + "loop"
	name := fmt.Sprintf("MatVec (%d rows)", nr)
	if nr == 1 {
		name = "MatVec (1 row)"
	}
	f.LoopBegin(loop, name, 16*nr)
	mvStep(f, nr, 4, 64)
	f.I("SUBS", "$1", cnt.String(), cnt.String())
	f.I("BNE", loop)
	f.LoopEnd()
	f.I("CBZ", iters.String(), remL)
	mvFlush(f, nr)
	f.I("B", chunk)

	// Remainder columns: at most 2 more products per accumulator lane.
	rem4, rem1, fin := "r"+sfx+"rem4", "r"+sfx+"tail", "r"+sfx+"fin"
	f.Label(remL)
	f.I("TBZ", "$3", rem.String(), rem4)
	mvStep(f, nr, 2, 32)
	f.Label(rem4)
	f.I("TBZ", "$2", rem.String(), rem1)
	mvStep(f, nr, 1, 16)
	f.Label(rem1)
	f.I("CBZ", tail.String(), fin)
	ls := []lane{{xp, 0}}
	for k := 0; k < nr; k++ {
		ls = append(ls, lane{rowPtr(k), mvW(k)})
	}
	f.loadLanes(tail, true, ls...)
	for k := 0; k < nr; k++ {
		f.fmla(mvAcc(k, 1), 0, mvW(k))
	}
	f.Label(fin)
	mvFlush(f, nr)

	// Row sums in float64 lanes, bias, round once to float32, store.
	nobias := "r" + sfx + "nobias"
	switch nr {
	case 4:
		f.W(FADDP(Arr2D, 0, mvAcc64(0).n(), mvAcc64(1).n()))
		f.W(FADDP(Arr2D, 1, mvAcc64(2).n(), mvAcc64(3).n()))
		f.I("CBZ", "R7", nobias)
		f.I("VLD1.P", R(6).Post(16), vlist("S4", 2, 1))
		f.W(FCVTL(3, 2))
		f.W(FCVTL2(4, 2))
		f.W(FADD(Arr2D, 0, 0, 3))
		f.W(FADD(Arr2D, 1, 1, 4))
		f.Label(nobias)
		f.W(FCVTN(5, 0))
		f.W(FCVTN2(5, 1))
		f.I("VST1.P", vlist("S4", 5, 1), R(0).Post(16))
		f.I("ADD", "R3<<2", "R2", "R2")
	case 2:
		f.W(FADDP(Arr2D, 0, mvAcc64(0).n(), mvAcc64(1).n()))
		f.I("CBZ", "R7", nobias)
		f.I("VLD1.P", R(6).Post(8), vlist("S2", 2, 1))
		f.W(FCVTL(3, 2))
		f.W(FADD(Arr2D, 0, 0, 3))
		f.Label(nobias)
		f.W(FCVTN(5, 0))
		f.I("VST1.P", vlist("S2", 5, 1), R(0).Post(8))
		f.I("ADD", "R3<<1", "R2", "R2")
	case 1:
		f.W(FADDPD(0, mvAcc64(0).n()))
		f.I("CBZ", "R7", nobias)
		f.I("FMOVS.P", R(6).Post(4), "F2")
		f.W(FCVTL(3, 2))
		f.W(FADD(Arr2D, 0, 0, 3))
		f.Label(nobias)
		f.W(FCVTN(5, 0))
		f.I("FMOVS.P", "F5", R(0).Post(4))
		f.I("ADD", "R3", "R2", "R2")
	default:
		panic("bad row count")
	}
}

// mvStep multiplies nv vectors (4·nv columns) of nr rows by x.
func mvStep(f *Func, nr, nv, bytes int) {
	f.I("VLD1.P", R(14).Post(bytes), vlist("S4", 0, nv))
	for k := 0; k < nr; k++ {
		f.I("VLD1.P", R(10+k).Post(bytes), vlist("S4", mvW(k), nv))
	}
	for j := 0; j < nv; j++ {
		for k := 0; k < nr; k++ {
			f.fmla(mvAcc(k, j), V(j), mvW(k).plus(j))
		}
	}
}

// mvFlush moves the float32 accumulators of nr rows into their float64
// accumulators (temporaries V0–V15 are free outside the column loop).
func mvFlush(f *Func, nr int) {
	var streams []Code
	for k := 0; k < nr; k++ {
		var c Code
		tmp := []V{V(4 * k), V(4*k + 1), V(4*k + 2), V(4*k + 3)}
		c.flush32to64(mvAcc64(k), []V{mvAcc(k, 0), mvAcc(k, 1)}, tmp)
		streams = append(streams, c)
	}
	f.Append(Interleave(streams...))
}

// AddOuter register plan: x V0–V3, row k's g columns V4+4k…V7+4k, row k's
// multiplier a_k broadcast in V20+k, alpha in V24, d[i:i+nr] in V25.
func aoG(k int) V { return V(4 + 4*k) }
func aoA(k int) V { return V(20 + k) }

// addOuterKernel emits AddOuterNEON.
//
// R0 = g (first row of the group), R1 = stride in bytes, R2 = d, R3 = rows,
// R4 = x, R8 = 16-column iterations, R9 = cols & 15, R17 = cols & 3,
// R10–R13 = row pointers, R14 = x pointer, R16 = iteration counter, R19 =
// groups of 4 left, R20–R23 = row pointers for the tail loads.
func addOuterKernel() *Func {
	f := NewFunc("AddOuterNEON", "$0-88",
		"func AddOuterNEON(g []float32, stride int, alpha float32, d, x []float32)")
	f.I("MOVD", "g_base+0(FP)", "R0")
	f.I("MOVD", "stride+24(FP)", "R1")
	f.I("LSL", "$2", "R1", "R1")
	f.I("FMOVS", "alpha+32(FP)", "F24")
	f.dup(24, 24, 0)
	f.I("MOVD", "d_base+40(FP)", "R2")
	f.I("MOVD", "d_len+48(FP)", "R3")
	f.I("MOVD", "x_base+64(FP)", "R4")
	f.I("MOVD", "x_len+72(FP)", "R5")
	rowGroups(f, "R3", addOuterGroup)
	return f
}

func addOuterGroup(f *Func, nr int) {
	sfx := fmt.Sprint(nr)
	rowPtr := func(k int) R { return R(10 + k) }
	xp, cnt, rem, tail := R(14), R(16), R(9), R(17)
	f.Comment("%d row(s): a = float32(alpha·d[i]), then g += a·x (fused)", nr)
	switch nr {
	case 4:
		f.I("VLD1.P", R(2).Post(16), vlist("S4", 25, 1))
	case 2:
		f.I("VLD1.P", R(2).Post(8), vlist("S2", 25, 1))
	case 1:
		f.I("FMOVS.P", R(2).Post(4), "F25")
	}
	f.W(FMUL(Arr4S, 25, 25, 24))
	for k := 0; k < nr; k++ {
		f.dup(aoA(k), 25, k)
	}
	f.I("MOVD", "R0", rowPtr(0).String())
	for k := 1; k < nr; k++ {
		f.I("ADD", "R1", rowPtr(k-1).String(), rowPtr(k).String())
	}
	f.I("MOVD", "R4", xp.String())
	remL := "r" + sfx + "rem8"
	f.I("CBZ", "R8", remL)
	f.I("MOVD", "R8", cnt.String())
	loop := "r" + sfx + "loop"
	name := fmt.Sprintf("AddOuter (%d rows)", nr)
	if nr == 1 {
		name = "AddOuter (1 row)"
	}
	f.LoopBegin(loop, name, 16*nr)
	aoStep(f, nr, 4, 64)
	f.I("SUBS", "$1", cnt.String(), cnt.String())
	f.I("BNE", loop)
	f.LoopEnd()

	rem4, rem1, fin := "r"+sfx+"rem4", "r"+sfx+"tail", "r"+sfx+"fin"
	f.Label(remL)
	f.I("TBZ", "$3", rem.String(), rem4)
	aoStep(f, nr, 2, 32)
	f.Label(rem4)
	f.I("TBZ", "$2", rem.String(), rem1)
	aoStep(f, nr, 1, 16)
	f.Label(rem1)
	f.I("CBZ", tail.String(), fin)
	ls := []lane{{xp, 0}}
	var st []lane
	for k := 0; k < nr; k++ {
		f.I("MOVD", rowPtr(k).String(), R(20+k).String())
		ls = append(ls, lane{R(20 + k), aoG(k)})
		st = append(st, lane{rowPtr(k), aoG(k)})
	}
	f.loadLanes(tail, false, ls...)
	for k := 0; k < nr; k++ {
		f.fmla(aoG(k), 0, aoA(k))
	}
	f.storeLanes(tail, st...)
	f.Label(fin)
	switch nr {
	case 4:
		f.I("ADD", "R1<<2", "R0", "R0")
	case 2:
		f.I("ADD", "R1<<1", "R0", "R0")
	case 1:
		f.I("ADD", "R1", "R0", "R0")
	}
}

// aoStep updates nv vectors (4·nv columns) of nr rows: loads, FMAs, stores.
func aoStep(f *Func, nr, nv, bytes int) {
	f.I("VLD1.P", R(14).Post(bytes), vlist("S4", 0, nv))
	for k := 0; k < nr; k++ {
		f.I("VLD1", R(10+k).Mem(), vlist("S4", aoG(k), nv))
	}
	for k := 0; k < nr; k++ {
		for j := 0; j < nv; j++ {
			f.fmla(aoG(k).plus(j), V(j), aoA(k))
		}
	}
	for k := 0; k < nr; k++ {
		f.I("VST1.P", vlist("S4", aoG(k), nv), R(10+k).Post(bytes))
	}
}

// rowGroups emits the column counts every group needs (R8 = blocks of 16,
// R9 = columns mod 16, R17 = columns mod 4, from x's length in R5) and the
// passes over the rows, whose count is in register rows: groups of 4 while
// they last, then one of 2 and one of 1 as the low bits say; then RET.
func rowGroups(f *Func, rows string, group func(f *Func, nr int)) {
	f.I("LSR", "$4", "R5", "R8")
	f.I("AND", "$15", "R5", "R9")
	f.I("AND", "$3", "R5", "R17")
	f.I("LSR", "$2", rows, "R19")
	f.I("CBZ", "R19", "rows2")
	f.Label("rows4")
	group(f, 4)
	f.I("SUBS", "$1", "R19", "R19")
	f.I("BNE", "rows4")
	f.Label("rows2")
	f.I("TBZ", "$1", rows, "rows1")
	group(f, 2)
	f.Label("rows1")
	f.I("TBZ", "$0", rows, "done")
	group(f, 1)
	f.Label("done")
	f.I("RET")
}
