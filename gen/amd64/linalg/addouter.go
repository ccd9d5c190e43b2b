package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
)

// addOuter emits AddOuter<ISA>(g []float32, stride int, alpha float32, d, x []float32).
//
// Rows are updated in passes of R rows (AddOuterPasses, largest first, as
// in MatVec). Per row a = float32(alpha·d[i]) is rounded to float32 like
// the fallback (never skipped when zero: 0·Inf gives NaN) and broadcast
// once per pass. Each iteration loads C vectors of x once and, for every
// row, loads C vectors of g, applies g = fma(a, x, g) and stores them, so
// x costs 1/R load per vector of g. Remaining whole vectors go one at a
// time; the last len(x)%Lanes columns use masked loads/stores on AVX-512
// and a scalar loop on AVX2 (tailRMW).
func addOuter(s *ISA) {
	name := "AddOuter" + s.Name
	TEXT(name, NOSPLIT, "func(g []float32, stride int, alpha float32, d, x []float32)")
	Doc(name+" adds alpha·d[i]·x[j] to g[i*stride+j] for i < len(d), j < len(x).",
		"a = float32(alpha·d[i]) is rounded first; then g = fma(a, x, g).")
	L, VB := s.Lanes, s.VB()

	grow := loadGP(Param("g").Base())
	sb := loadGP(Param("stride"))
	SHLQ(U8(2), sb)
	s3 := GP64()
	LEAQ(Mem{Base: sb, Index: sb, Scale: 2}, s3)
	dp := loadGP(Param("d").Base())
	m := loadGP(Param("d").Len())
	if s.AVX512 {
		tn := loadGP(Param("x").Len())
		ANDQ(U32(L-1), tn)
		s.setMask(tn)
	}

	for pi, ps := range s.AddOuterPasses {
		R, C := ps.Rows, ps.Cols
		if ps.Exact {
			panic("AddOuter: no exact passes")
		}
		if R != 1 && R != 2 && R != 4 && R != 8 {
			panic("AddOuter: 1, 2, 4 or 8 rows per pass")
		}
		lbl, next := passLabels(R, rowsOf(s.AddOuterPasses)[pi+1:], "done")
		p := s.pool()
		al := p.Get()
		av := p.GetN(R)
		xv := p.GetN(C)
		t := p.GetN(max(R*C, 2))
		t1, t2 := t[0], t[1]

		Commentf("Passes of %d rows, %d vectors per row per iteration.", R, C)
		Label(lbl("rows"))
		CMPQ(m, U32(R))
		JB(LabelRef(next))
		VMOVSS(addr(Param("alpha")), al.AsX())
		for r := 0; r < R; r++ {
			VMOVSS(Mem{Base: dp, Disp: 4 * r}, av[r].AsX()) // scalar loads only via VMOVSS (see isa.go)
			VMULSS(av[r].AsX(), al.AsX(), av[r].AsX())
			VBROADCASTSS(av[r].AsX(), av[r])
		}
		ra, x, n, advance := startRows(R, grow, sb, s3)

		CMPQ(n, U32(C*L))
		JB(LabelRef(lbl("single")))
		Label(lbl("inner"))
		// Every load of the iteration before any of its stores: with a
		// stride that is a multiple of 4 KiB, a load of row r+1 issued
		// after the store to row r at the same column would wait on it (4K
		// aliasing of the store-to-load dependence check).
		for c := 0; c < C; c++ {
			VMOVUPS(x.Offset(c*VB), xv[c])
		}
		for r := 0; r < R; r++ {
			for c := 0; c < C; c++ {
				VMOVUPS(ra.row(r, c*VB), t[r*C+c])
			}
		}
		for r := 0; r < R; r++ {
			for c := 0; c < C; c++ {
				VFMADD231PS(xv[c], av[r], t[r*C+c])
			}
		}
		for r := 0; r < R; r++ {
			for c := 0; c < C; c++ {
				VMOVUPS(t[r*C+c], ra.row(r, c*VB))
			}
		}
		advance(C * VB)
		SUBQ(U32(C*L), n)
		CMPQ(n, U32(C*L))
		JAE(LabelRef(lbl("inner")))

		Label(lbl("single"))
		CMPQ(n, U32(L))
		JB(LabelRef(lbl("cols")))
		VMOVUPS(x, xv[0])
		for r := 0; r < R; r++ {
			VMOVUPS(ra.row(r, 0), t[r*C])
		}
		for r := 0; r < R; r++ {
			VFMADD231PS(xv[0], av[r], t[r*C])
			VMOVUPS(t[r*C], ra.row(r, 0))
		}
		advance(VB)
		SUBQ(U32(L), n)
		JMP(LabelRef(lbl("single")))

		Label(lbl("cols")) // n == len(x) % L here
		s.tailRMW(n, R, func(r int) Mem { return ra.row(r, 0) }, &x, av, t1, t2, advance, lbl)

		// Next R rows.
		LEAQ(Mem{Base: grow, Index: sb, Scale: uint8(R)}, grow)
		ADDQ(U32(4*R), dp)
		SUBQ(U32(R), m)
		JMP(LabelRef(lbl("rows")))
	}

	Label("done")
	VZEROUPPER()
	RET()
}
