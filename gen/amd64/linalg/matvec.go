package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// rowAddr addresses row r (< 10) of a pass from few registers: b0 points at
// row 0, b5 at row 5 (only when Rows > 5), sb is the stride in bytes and s3
// three strides.
type rowAddr struct {
	b0, b5, sb, s3 GPVirtual
}

// startRows sets up a pass over R rows starting at row (R > 5 needs a
// second base register) and returns the row addresses, x's cursor, the
// column count n, and advance, which moves the rows and x by bytes.
func startRows(R int, row, sb, s3 GPVirtual) (ra rowAddr, x Mem, n GPVirtual, advance func(bytes int)) {
	ra = rowAddr{b0: GP64(), sb: sb, s3: s3}
	MOVQ(row, ra.b0)
	if R > 5 {
		ra.b5 = GP64()
		LEAQ(Mem{Base: ra.b0, Index: sb, Scale: 4}, ra.b5)
		ADDQ(sb, ra.b5)
	}
	xp := loadGP(Param("x").Base())
	n = loadGP(Param("x").Len())
	x = Mem{Base: xp}
	advance = func(bytes int) {
		ADDQ(U32(bytes), ra.b0)
		if R > 5 {
			ADDQ(U32(bytes), ra.b5)
		}
		ADDQ(U32(bytes), xp)
	}
	return ra, x, n, advance
}

func (ra rowAddr) row(r, disp int) Mem {
	var m Mem
	switch r {
	case 0:
		m = Mem{Base: ra.b0}
	case 1:
		m = Mem{Base: ra.b0, Index: ra.sb, Scale: 1}
	case 2:
		m = Mem{Base: ra.b0, Index: ra.sb, Scale: 2}
	case 3:
		m = Mem{Base: ra.b0, Index: ra.s3, Scale: 1}
	case 4:
		m = Mem{Base: ra.b0, Index: ra.sb, Scale: 4}
	case 5:
		m = Mem{Base: ra.b5}
	case 6:
		m = Mem{Base: ra.b5, Index: ra.sb, Scale: 1}
	case 7:
		m = Mem{Base: ra.b5, Index: ra.sb, Scale: 2}
	case 8:
		m = Mem{Base: ra.b0, Index: ra.sb, Scale: 8}
	case 9:
		m = Mem{Base: ra.b5, Index: ra.sb, Scale: 4}
	default:
		panic(fmt.Sprintf("row %d: at most 10 rows per pass", r))
	}
	return m.Offset(disp)
}

// groups splits r rows into reduction groups of power-of-two sizes, each
// at most Lanes/2 rows (one float64 vector of row sums per group), largest
// first.
func (s *ISA) groups(r int) []int {
	var gs []int
	for r > 0 {
		g := s.Lanes / 2
		for g > r {
			g /= 2
		}
		gs = append(gs, g)
		r -= g
	}
	return gs
}

// matVec emits MatVec<ISA>(y, w []float32, stride int, x, b []float32).
//
// Rows are processed in passes of R rows (MatVecPasses, largest first; each
// shape loops while at least R rows remain, so after the largest shape at
// most one pass of each smaller shape runs; k = 10 is one exact AVX-512
// pass).
// Within a pass every x vector is loaded once and feeds R FMAs whose W
// operand comes from memory; each row has C float32 accumulators (C vectors
// per iteration). Rows of fewer than blockIters·C·Lanes columns never touch
// memory other than W, x, b and y; longer rows are split into blocks of
// blockIters iterations whose sums are flushed into one float64 vector per
// row in the stack frame. The column tail (len(x) % Lanes) is one masked x
// load and R merge-masked FMAs on AVX-512, a scalar float64 loop on AVX2.
// At the end of the pass each row's accumulators are converted to float64
// and added, the rows are reduced together (reduceGroup: one vector of up to
// Lanes/2 row sums per group), the bias vector is added in float64, and the
// sums are rounded once to float32 and stored with one store per group.
func matVec(s *ISA) {
	name := "MatVec" + s.Name
	// Not NOSPLIT: the float64 row accumulators take a frame of up to
	// 640 bytes, so let the assembler insert the stack check.
	TEXT(name, 0, "func(y, w []float32, stride int, x, b []float32)")
	Doc(name+" sets y[i] = float32(Σ_{j<len(x)} w[i*stride+j]·x[j] + b[i]) for i < len(y);",
		"no bias when len(b) == 0. Products are accumulated in float32 FMA accumulators",
		"flushed to float64 at least every 64 products per lane.")
	L, VB := s.Lanes, s.VB()
	maxRows := s.MatVecPasses[0].Rows
	frame := AllocLocal(maxRows * VB) // float64 row accumulators

	yp := loadGP(Param("y").Base())
	m := loadGP(Param("y").Len())
	wrow := loadGP(Param("w").Base())
	sb := loadGP(Param("stride"))
	SHLQ(U8(2), sb)
	s3 := GP64()
	LEAQ(Mem{Base: sb, Index: sb, Scale: 2}, s3)
	bp := loadGP(Param("b").Base())
	if s.AVX512 {
		// The column tail is the same for every row: compute its mask once.
		tn := loadGP(Param("x").Len())
		ANDQ(U32(L-1), tn)
		s.setMask(tn)
	}

	for pi, ps := range s.MatVecPasses {
		R, C := ps.Rows, ps.Cols
		lbl, next := passLabels(R, rowsOf(s.MatVecPasses)[pi+1:], "done")
		p := s.pool()
		acc := make([][]VecPhysical, R)
		for r := range acc {
			acc[r] = p.GetN(C)
		}
		t1, t2 := p.Get(), p.Get()
		dmem := func(r int) Mem { return frame.Offset(r * VB) }

		Commentf("Passes of %d rows, %d vectors per row per iteration.", R, C)
		Label(lbl("rows"))
		CMPQ(m, U32(R))
		if ps.Exact {
			JNE(LabelRef(next))
		} else {
			JB(LabelRef(next))
		}
		ra, x, n, advance := startRows(R, wrow, sb, s3)
		// body is one iteration: C vectors of x, each feeding R FMAs.
		body := func() {
			// Columns in pairs: two x vectors, then each row's two loads
			// back to back (one cache line for AVX2).
			tmp := []VecPhysical{t1, t2}
			for c := 0; c < C; c += 2 {
				cs := []int{c}
				if c+1 < C {
					cs = append(cs, c+1)
				}
				for i, cc := range cs {
					VMOVUPS(x.Offset(cc*VB), tmp[i])
				}
				for r := 0; r < R; r++ {
					for i, cc := range cs {
						VFMADD231PS(ra.row(r, cc*VB), tmp[i], acc[r][cc])
					}
				}
			}
			advance(C * VB)
			SUBQ(U32(C*L), n)
		}
		zeroAcc := func() {
			for r := range acc {
				for _, a := range acc[r] {
					s.zero(a)
				}
			}
		}
		long := blockIters * C * L // columns per flush block

		// Rows of at least `long` columns: blocks of blockIters iterations,
		// each flushed into the float64 row accumulators in the frame
		// (flag = 1). Shorter rows, and the rest of long ones, take the
		// short path below with at most blockIters-1 iterations, so no
		// accumulator lane ever holds more than blockIters-1+C products.
		flag := GP64()
		XORL(flag.As32(), flag.As32())
		zeroAcc()
		CMPQ(n, U32(long))
		JB(LabelRef(lbl("short")))
		MOVL(U32(1), flag.As32())
		s.zero(t1)
		for r := 0; r < R; r++ {
			VMOVUPD(t1, dmem(r))
		}
		Label(lbl("block"))
		blk := GP64()
		MOVL(U32(blockIters), blk.As32())
		Label(lbl("blockloop"))
		body()
		DECQ(blk)
		JNZ(LabelRef(lbl("blockloop")))
		for r := range acc {
			s.rowTotal(acc[r], acc[r][0], t1, t2)
			VADDPD(dmem(r), acc[r][0], acc[r][0])
			VMOVUPD(acc[r][0], dmem(r))
		}
		zeroAcc()
		CMPQ(n, U32(long))
		JAE(LabelRef(lbl("block")))

		Label(lbl("short"))
		CMPQ(n, U32(C*L))
		JB(LabelRef(lbl("single")))
		Label(lbl("loop"))
		body()
		CMPQ(n, U32(C*L))
		JAE(LabelRef(lbl("loop")))

		// At most C-1 whole vectors, into acc[r][0].
		Label(lbl("single"))
		if C > 1 {
			CMPQ(n, U32(L))
			JB(LabelRef(lbl("cols")))
			VMOVUPS(x, t1)
			for r := 0; r < R; r++ {
				VFMADD231PS(ra.row(r, 0), t1, acc[r][0])
			}
			advance(VB)
			SUBQ(U32(L), n)
			JMP(LabelRef(lbl("single")))
		}

		// n == len(x) % L columns left; then the float64 total of each
		// row (plus the flushed blocks when flag == 1) into acc[r][0].
		Label(lbl("cols"))
		tot := make([]VecPhysical, R)
		for r := range acc {
			tot[r] = acc[r][0]
		}
		addFlushed := func() {
			TESTQ(flag, flag)
			JZ(LabelRef(lbl("reduce")))
			for r := 0; r < R; r++ {
				VADDPD(dmem(r), tot[r], tot[r])
			}
			Label(lbl("reduce"))
		}
		if s.AVX512 {
			// One masked x load and merge-masked FMAs reading W: masked-off
			// lanes are neither read nor changed.
			TESTQ(n, n)
			JZ(LabelRef(lbl("total")))
			VMOVUPS_Z(x, K1, t1)
			for r := 0; r < R; r++ {
				VFMADD231PS(ra.row(r, 0), t1, K1, acc[r][0])
			}
			Label(lbl("total"))
			for r := range acc {
				s.rowTotal(acc[r], tot[r], t1, t2)
			}
			addFlushed()
		} else {
			// Totals first; then the last columns as exact float64
			// products (scalar loads only, see isa.go) summed in
			// acc[r][1], free by now (a VEX scalar op zeroes the upper
			// lanes of its destination, so it cannot target tot[r]).
			if C < 2 {
				panic("AVX2 MatVec passes need Cols >= 2")
			}
			for r := range acc {
				s.rowTotal(acc[r], tot[r], t1, t2)
			}
			addFlushed()
			TESTQ(n, n)
			JZ(LabelRef(lbl("groups")))
			for r := 0; r < R; r++ {
				s.zero(acc[r][1])
			}
			Label(lbl("scalar"))
			VMOVSS(x, t1.AsX())
			VCVTSS2SD(t1.AsX(), t1.AsX(), t1.AsX())
			for r := 0; r < R; r++ {
				VMOVSS(ra.row(r, 0), t2.AsX())
				VCVTSS2SD(t2.AsX(), t2.AsX(), t2.AsX())
				VFMADD231SD(t2.AsX(), t1.AsX(), acc[r][1].AsX())
			}
			advance(4)
			DECQ(n)
			JNZ(LabelRef(lbl("scalar")))
			for r := 0; r < R; r++ {
				VADDPD(acc[r][1], tot[r], tot[r])
			}
			Label(lbl("groups"))
		}

		s.storeSums(tot, Mem{Base: yp}, bp, t1, t2, lbl("store"))
		// Next R rows.
		switch R {
		case 1, 2, 4, 8:
			LEAQ(Mem{Base: wrow, Index: sb, Scale: uint8(R)}, wrow)
		default:
			IMUL3Q(U32(R), sb, ra.b0) // b0 is dead here
			ADDQ(ra.b0, wrow)
		}
		ADDQ(U32(4*R), yp)
		ADDQ(U32(4*R), bp)
		SUBQ(U32(R), m)
		JMP(LabelRef(lbl("rows")))
	}
	Label("done")
	VZEROUPPER()
	RET()
}
