package main

import "fmt"

// MatMulT and AddMatMulTN: the batched (register-blocked) forms of MatVec
// and AddOuter.
//
// MatMulTNEON computes a block of mmRows rows of x against a pass of up to
// 4 rows of w at once: per 4-column step it loads mmRows x-vectors and C
// w-vectors and issues mmRows·C FMLAs into float32 accumulators, which are
// widened into float64 (exactly, with FCVTL/FCVTL2) before any lane has
// summed more than 128 products, exactly as MatVec does.
//
// AddMatMulTNNEON holds a block of C classes × V vectors of 4 columns of g's
// update in float32 accumulators, loops over the samples (one load of V
// x-vectors and one of C d values, C·V FMLAs by element per sample), then
// applies g = fma(alpha, acc, g) once.

const (
	mmRows  = 4   // rows of x per block (MatMulTRowsNEON)
	mmChunk = 127 // 4-column steps per flush: 1 product per lane each, +1 from the tail
)

// MatMulT register plan: x rows V0–V3, w rows V4–V7, float32 accumulator of
// x row r and w row c V8+4r+c, float64 sums of x row r V24+2r (w rows 0,1
// of the pass; for a pass of 1 row: the two partial lanes) and V25+2r (w
// rows 2,3).
func mmX(r int) V         { return V(r) }
func mmW(c int) V         { return V(4 + c) }
func mmAcc(r, c int) V    { return V(8 + 4*r + c) }
func mmH(r, half int) V   { return V(24 + 2*r + half) }
func mmOut(r int) V       { return V(4 + r) }
func mmXPtr(r int) R      { return R(12 + r) }
func mmWPtr(c int) R      { return []R{16, 17, 20, 21}[c] }
func log2Small(c int) int { return map[int]int{1: 0, 2: 1, 4: 2}[c] }

// matMulTKernel emits MatMulTNEON.
//
// R0 = z (first row of the block), R1 = zstride in bytes, R2 = x (first row
// of the block), R3 = xstride in bytes, R4 = w, R5 = wstride in bytes, R6 =
// b, R7 = len(b), R8 = blocks of rows left, R9 = first w row of the pass,
// R10 = 4-column steps per row, R11 = m & 3, R12–R15 = x row pointers,
// R16, R17, R20, R21 = w row pointers, R19 = passes of 4 w rows left, R22 =
// steps left (k between passes), R23 = steps of the chunk, R24 = z column of
// the pass, R25 = b column of the pass.
func matMulTKernel() *Func {
	f := NewFunc("MatMulTNEON", "$0-144",
		"func MatMulTNEON(z []float32, zstride int, x []float32, xstride int, w []float32, wstride int, b []float32, n, k, m int)")
	f.I("MOVD", "z_base+0(FP)", "R0")
	f.I("MOVD", "zstride+24(FP)", "R1")
	f.I("LSL", "$2", "R1", "R1")
	f.I("MOVD", "x_base+32(FP)", "R2")
	f.I("MOVD", "xstride+56(FP)", "R3")
	f.I("LSL", "$2", "R3", "R3")
	f.I("MOVD", "w_base+64(FP)", "R4")
	f.I("MOVD", "wstride+88(FP)", "R5")
	f.I("LSL", "$2", "R5", "R5")
	f.I("MOVD", "b_base+96(FP)", "R6")
	f.I("MOVD", "b_len+104(FP)", "R7")
	f.I("MOVD", "n+120(FP)", "R8")
	f.I("LSR", "$2", "R8", "R8")
	f.I("MOVD", "m+136(FP)", "R10")
	f.I("AND", "$3", "R10", "R11")
	f.I("LSR", "$2", "R10", "R10")
	f.I("CBZ", "R8", "done")
	f.Label("block")
	f.I("MOVD", "R4", "R9")
	f.I("MOVD", "R0", "R24")
	f.I("MOVD", "R6", "R25")
	f.I("MOVD", "k+128(FP)", "R22")
	f.I("LSR", "$2", "R22", "R19")
	f.I("CBZ", "R19", "pass2")
	f.Label("pass4")
	matMulTPass(f, 4)
	f.I("SUBS", "$1", "R19", "R19")
	f.I("BNE", "pass4")
	f.Label("pass2")
	f.I("MOVD", "k+128(FP)", "R22")
	f.I("TBZ", "$1", "R22", "pass1")
	matMulTPass(f, 2)
	f.Label("pass1")
	f.I("MOVD", "k+128(FP)", "R22")
	f.I("TBZ", "$0", "R22", "next")
	matMulTPass(f, 1)
	f.Label("next")
	f.I("ADD", fmt.Sprintf("R1<<%d", log2Small(mmRows)), "R0", "R0")
	f.I("ADD", fmt.Sprintf("R3<<%d", log2Small(mmRows)), "R2", "R2")
	f.I("SUBS", "$1", "R8", "R8")
	f.I("BNE", "block")
	f.Label("done")
	f.I("RET")
	return f
}

// matMulTPass emits one pass of nc ∈ {1, 2, 4} rows of w over the block of
// mmRows rows of x: sums, bias, rounding, stores of z[r][c..c+nc).
func matMulTPass(f *Func, nc int) {
	sfx := fmt.Sprint(nc)
	iters, cnt, tail := R(22), R(23), R(11)
	f.Comment("%d rows of x × %d row(s) of w", mmRows, nc)
	f.I("MOVD", "R2", mmXPtr(0).String())
	for r := 1; r < mmRows; r++ {
		f.I("ADD", "R3", mmXPtr(r-1).String(), mmXPtr(r).String())
	}
	f.I("MOVD", "R9", mmWPtr(0).String())
	for c := 1; c < nc; c++ {
		f.I("ADD", "R5", mmWPtr(c-1).String(), mmWPtr(c).String())
	}
	f.I("MOVD", "R10", iters.String())
	var accs, hs []V
	for r := 0; r < mmRows; r++ {
		for c := 0; c < nc; c++ {
			accs = append(accs, mmAcc(r, c))
		}
		hs = append(hs, mmH(r, 0))
		if nc == 4 {
			hs = append(hs, mmH(r, 1))
		}
	}
	f.zero(hs...)
	chunk, tailL, fin := "mm"+sfx+"chunk", "mm"+sfx+"tail", "mm"+sfx+"fin"
	f.Label(chunk)
	f.zero(accs...)
	f.I("CBZ", iters.String(), tailL)
	f.takeChunk(iters, cnt, mmChunk)
	loop := "mm" + sfx + "loop"
	f.LoopBegin(loop, fmt.Sprintf("MatMulT (%dx%d)", mmRows, nc), 4*mmRows*nc)
	mmStep(f, nc)
	f.I("SUBS", "$1", cnt.String(), cnt.String())
	f.I("BNE", loop)
	f.LoopEnd()
	f.I("CBZ", iters.String(), tailL)
	mmFlush(f, nc)
	f.I("B", chunk)

	// The last m & 3 columns, one lane at a time (the other lanes are 0).
	f.Label(tailL)
	f.I("CBZ", tail.String(), fin)
	var ls []lane
	for r := 0; r < mmRows; r++ {
		ls = append(ls, lane{mmXPtr(r), mmX(r)})
	}
	for c := 0; c < nc; c++ {
		ls = append(ls, lane{mmWPtr(c), mmW(c)})
	}
	f.loadLanes(tail, true, ls...)
	mmFMLAs(f, nc)
	f.Label(fin)
	mmFlush(f, nc)

	// Row sums in float64, bias in float64, one rounding, store.
	nobias := "mm" + sfx + "nobias"
	if nc == 1 {
		for r := 0; r < mmRows; r++ {
			f.W(FADDPD(mmH(r, 0).n(), mmH(r, 0).n()))
		}
	}
	f.I("CBZ", "R7", nobias)
	switch nc {
	case 4:
		f.I("VLD1", R(25).Mem(), vlist("S4", 0, 1))
		f.W(FCVTL(1, 0))
		f.W(FCVTL2(2, 0))
		for r := 0; r < mmRows; r++ {
			f.W(FADD(Arr2D, mmH(r, 0).n(), mmH(r, 0).n(), 1))
			f.W(FADD(Arr2D, mmH(r, 1).n(), mmH(r, 1).n(), 2))
		}
	case 2:
		f.I("VLD1", R(25).Mem(), vlist("S2", 0, 1))
		f.W(FCVTL(1, 0))
		for r := 0; r < mmRows; r++ {
			f.W(FADD(Arr2D, mmH(r, 0).n(), mmH(r, 0).n(), 1))
		}
	case 1:
		// FMOVS clears lanes 1–3, so the upper float64 lane adds +0.
		f.I("FMOVS", R(25).Mem(), "F0")
		f.W(FCVTL(1, 0))
		for r := 0; r < mmRows; r++ {
			f.W(FADD(Arr2D, mmH(r, 0).n(), mmH(r, 0).n(), 1))
		}
	}
	f.Label(nobias)
	f.I("MOVD", "R24", mmXPtr(0).String())
	for r := 1; r < mmRows; r++ {
		f.I("ADD", "R1", mmXPtr(r-1).String(), mmXPtr(r).String())
	}
	for r := 0; r < mmRows; r++ {
		f.W(FCVTN(mmOut(r).n(), mmH(r, 0).n()))
		if nc == 4 {
			f.W(FCVTN2(mmOut(r).n(), mmH(r, 1).n()))
		}
	}
	for r := 0; r < mmRows; r++ {
		switch nc {
		case 4:
			f.I("VST1", vlist("S4", mmOut(r), 1), mmXPtr(r).Mem())
		case 2:
			f.I("VST1", vlist("S2", mmOut(r), 1), mmXPtr(r).Mem())
		case 1:
			f.I("FMOVS", mmOut(r).F(), mmXPtr(r).Mem())
		}
	}
	f.I("ADD", fmt.Sprintf("$%d", 4*nc), "R24", "R24")
	f.I("ADD", fmt.Sprintf("$%d", 4*nc), "R25", "R25")
	if nc == 1 {
		f.I("ADD", "R5", "R9", "R9")
	} else {
		f.I("ADD", fmt.Sprintf("R5<<%d", log2Small(nc)), "R9", "R9")
	}
}

// mmStep loads 4 columns of the mmRows x rows and nc w rows and multiplies.
func mmStep(f *Func, nc int) {
	for r := 0; r < mmRows; r++ {
		f.I("VLD1.P", mmXPtr(r).Post(16), vlist("S4", mmX(r), 1))
	}
	for c := 0; c < nc; c++ {
		f.I("VLD1.P", mmWPtr(c).Post(16), vlist("S4", mmW(c), 1))
	}
	mmFMLAs(f, nc)
}

func mmFMLAs(f *Func, nc int) {
	for c := 0; c < nc; c++ {
		for r := 0; r < mmRows; r++ {
			f.fmla(mmAcc(r, c), mmX(r), mmW(c))
		}
	}
}

// mmFlush adds the float32 accumulators, widened exactly, into the float64
// sums (temporaries V0–V7 are free outside the column loop). For nc ≥ 2
// each pair of w rows (c, c+1) of x row r becomes [Σ_c, Σ_c+1] with FADDP;
// for nc = 1 the two partial lanes are kept (reduced at the end).
func mmFlush(f *Func, nc int) {
	type job struct {
		a, b V // accumulators (b < 0: single)
		h    V
	}
	var jobs []job
	for r := 0; r < mmRows; r++ {
		for c := 0; c < nc; c += 2 {
			if nc == 1 {
				jobs = append(jobs, job{mmAcc(r, 0), -1, mmH(r, 0)})
			} else {
				jobs = append(jobs, job{mmAcc(r, c), mmAcc(r, c+1), mmH(r, c/2)})
			}
		}
	}
	per := 4 // temporaries per job
	if nc == 1 {
		per = 2
	}
	streams := 8 / per
	for i := 0; i < len(jobs); i += streams {
		var cs []Code
		for s := 0; s < streams && i+s < len(jobs); s++ {
			j := jobs[i+s]
			t := V(s * per)
			var c Code
			c.W(FCVTL(t.n(), j.a.n()))
			c.W(FCVTL2(t.plus(1).n(), j.a.n()))
			if j.b >= 0 {
				c.W(FCVTL(t.plus(2).n(), j.b.n()))
				c.W(FCVTL2(t.plus(3).n(), j.b.n()))
			}
			c.W(FADD(Arr2D, t.n(), t.n(), t.plus(1).n()))
			if j.b >= 0 {
				c.W(FADD(Arr2D, t.plus(2).n(), t.plus(2).n(), t.plus(3).n()))
				c.W(FADDP(Arr2D, t.n(), t.n(), t.plus(2).n()))
			}
			c.W(FADD(Arr2D, j.h.n(), j.h.n(), t.n()))
			cs = append(cs, c)
		}
		f.Append(Interleave(cs...))
	}
}

// AddMatMulTN register plan: x vectors V0–V3, d[i][c..c+C) in V4,
// accumulator of class c and column vector v V8+4c+v, g temporaries V0–V7
// after the sample loop, alpha broadcast in V31.
func tnAcc(c, v int) V { return V(8 + 4*c + v) }
func tnGPtr(c int) R   { return R(10 + c) }

// addMatMulTNKernel emits AddMatMulTNNEON.
//
// R0 = g (first row of the class pass), R1 = gstride in bytes, R2 = d
// (column of the class pass), R3 = dstride in bytes, R4 = x, R5 = xstride
// in bytes, R6 = n, R7 = k, R8 = 16-column blocks, R9 = m & 15, R10–R13 =
// g row pointers, R14 = x column, R15 = x row pointer, R16 = d row pointer,
// R17 = samples left, R19 = passes of 4 classes left, R20–R23 = g row
// pointers of the tail loads, R24 = 16-column blocks left, R25 = m & 3.
func addMatMulTNKernel() *Func {
	f := NewFunc("AddMatMulTNNEON", "$0-128",
		"func AddMatMulTNNEON(g []float32, gstride int, alpha float32, d []float32, dstride int, x []float32, xstride int, n, k, m int)")
	f.I("MOVD", "g_base+0(FP)", "R0")
	f.I("MOVD", "gstride+24(FP)", "R1")
	f.I("LSL", "$2", "R1", "R1")
	f.I("FMOVS", "alpha+32(FP)", "F31")
	f.dup(31, 31, 0)
	f.I("MOVD", "d_base+40(FP)", "R2")
	f.I("MOVD", "dstride+64(FP)", "R3")
	f.I("LSL", "$2", "R3", "R3")
	f.I("MOVD", "x_base+72(FP)", "R4")
	f.I("MOVD", "xstride+96(FP)", "R5")
	f.I("LSL", "$2", "R5", "R5")
	f.I("MOVD", "n+104(FP)", "R6")
	f.I("MOVD", "k+112(FP)", "R7")
	f.I("MOVD", "m+120(FP)", "R8")
	f.I("AND", "$15", "R8", "R9")
	f.I("AND", "$3", "R8", "R25")
	f.I("LSR", "$4", "R8", "R8")
	f.I("LSR", "$2", "R7", "R19")
	f.I("CBZ", "R19", "cls2")
	f.Label("cls4")
	tnPass(f, 4)
	f.I("SUBS", "$1", "R19", "R19")
	f.I("BNE", "cls4")
	f.Label("cls2")
	f.I("TBZ", "$1", "R7", "cls1")
	tnPass(f, 2)
	f.Label("cls1")
	f.I("TBZ", "$0", "R7", "done")
	tnPass(f, 1)
	f.Label("done")
	f.I("RET")
	return f
}

// tnPass emits the update of nc ∈ {1, 2, 4} rows (classes) of g over all
// columns: blocks of 16 columns, then 8, 4 and the last m & 3 lane by lane.
func tnPass(f *Func, nc int) {
	sfx := fmt.Sprint(nc)
	f.Comment("%d class(es)", nc)
	f.I("MOVD", "R0", tnGPtr(0).String())
	for c := 1; c < nc; c++ {
		f.I("ADD", "R1", tnGPtr(c-1).String(), tnGPtr(c).String())
	}
	f.I("MOVD", "R4", "R14")
	rem8, rem4, tailL, fin := "tn"+sfx+"rem8", "tn"+sfx+"rem4", "tn"+sfx+"tail", "tn"+sfx+"fin"
	f.I("CBZ", "R8", rem8)
	f.I("MOVD", "R8", "R24")
	blk := "tn" + sfx + "blk"
	f.Label(blk)
	tnBlock(f, nc, 4, true)
	f.I("SUBS", "$1", "R24", "R24")
	f.I("BNE", blk)
	f.Label(rem8)
	f.I("TBZ", "$3", "R9", rem4)
	tnBlock(f, nc, 2, false)
	f.Label(rem4)
	f.I("TBZ", "$2", "R9", tailL)
	tnBlock(f, nc, 1, false)
	f.Label(tailL)
	f.I("CBZ", "R25", fin)
	tnTail(f, nc)
	f.Label(fin)
	if nc == 1 {
		f.I("ADD", "R1", "R0", "R0")
	} else {
		f.I("ADD", fmt.Sprintf("R1<<%d", log2Small(nc)), "R0", "R0")
	}
	f.I("ADD", fmt.Sprintf("$%d", 4*nc), "R2", "R2")
}

// tnLoadD loads d[i][c..c+nc) into V4 and advances the d row pointer R16.
func tnLoadD(f *Func, nc int) {
	switch nc {
	case 4:
		f.I("VLD1.P", "(R16)(R3)", vlist("S4", 4, 1))
	case 2:
		f.I("VLD1.P", "(R16)(R3)", vlist("S2", 4, 1))
	case 1:
		f.I("VLD1.P", "(R16)(R3)", V(4).Lane(0))
	}
}

// tnBlock emits nv vectors (4·nv columns) of nc classes: the sum over the
// samples in float32 FMA chains, then g = fma(alpha, sum, g).
func tnBlock(f *Func, nc, nv int, main bool) {
	var accs []V
	for c := 0; c < nc; c++ {
		for v := 0; v < nv; v++ {
			accs = append(accs, tnAcc(c, v))
		}
	}
	f.zero(accs...)
	apply := f.newLabel(fmt.Sprintf("tn%dx%dapply", nc, nv))
	f.I("MOVD", "R14", "R15")
	f.I("MOVD", "R2", "R16")
	f.I("CBZ", "R6", apply)
	f.I("MOVD", "R6", "R17")
	loop := f.newLabel(fmt.Sprintf("tn%dx%dloop", nc, nv))
	if main {
		f.LoopBegin(loop, fmt.Sprintf("AddMatMulTN (%dx%d)", nc, 4*nv), 4*nc*nv)
	} else {
		f.Label(loop)
	}
	f.I("VLD1.P", "(R15)(R5)", vlist("S4", 0, nv))
	tnLoadD(f, nc)
	for c := 0; c < nc; c++ {
		for v := 0; v < nv; v++ {
			f.W(FMLAElem(Arr4S, tnAcc(c, v).n(), v, 4, c))
		}
	}
	f.I("SUBS", "$1", "R17", "R17")
	f.I("BNE", loop)
	if main {
		f.LoopEnd()
	}
	f.Label(apply)
	// g rows in pairs: row c in V0.. (c even) or V4.. (c odd).
	for c0 := 0; c0 < nc; c0 += 2 {
		var streams []Code
		for c := c0; c < nc && c < c0+2; c++ {
			t := V(4 * (c % 2))
			var s Code
			s.I("VLD1", tnGPtr(c).Mem(), vlist("S4", t, nv))
			for v := 0; v < nv; v++ {
				s.fmla(t.plus(v), tnAcc(c, v), 31)
			}
			s.I("VST1.P", vlist("S4", t, nv), tnGPtr(c).Post(16*nv))
			streams = append(streams, s)
		}
		f.Append(Interleave(streams...))
	}
	f.I("ADD", fmt.Sprintf("$%d", 16*nv), "R14", "R14")
}

// tnTail emits the last m & 3 columns (R25 ∈ {1, 2, 3}) one lane at a time.
func tnTail(f *Func, nc int) {
	var accs []V
	for c := 0; c < nc; c++ {
		accs = append(accs, tnAcc(c, 0))
	}
	f.zero(accs...)
	apply, loop := "tn"+fmt.Sprint(nc)+"tapply", "tn"+fmt.Sprint(nc)+"tloop"
	f.I("MOVD", "R14", "R15")
	f.I("MOVD", "R2", "R16")
	f.I("CBZ", "R6", apply)
	f.I("MOVD", "R6", "R17")
	f.Label(loop)
	f.I("MOVD", "R15", "R20")
	f.loadLanes(R(25), true, lane{R(20), V(0)})
	f.I("ADD", "R5", "R15", "R15")
	tnLoadD(f, nc)
	for c := 0; c < nc; c++ {
		f.W(FMLAElem(Arr4S, tnAcc(c, 0).n(), 0, 4, c))
	}
	f.I("SUBS", "$1", "R17", "R17")
	f.I("BNE", loop)
	f.Label(apply)
	var ld, st []lane
	for c := 0; c < nc; c++ {
		f.I("MOVD", tnGPtr(c).String(), R(20+c).String())
		ld = append(ld, lane{R(20 + c), V(c)})
		st = append(st, lane{tnGPtr(c), V(c)})
	}
	f.loadLanes(R(25), false, ld...)
	for c := 0; c < nc; c++ {
		f.fmla(V(c), tnAcc(c, 0), 31)
	}
	f.storeLanes(R(25), st...)
}
