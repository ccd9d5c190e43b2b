package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// dot emits Dot<ISA>(x, y []float32) float64.
//
// Main loop: DotAcc vectors per iteration, one float32 FMA accumulator each
// (x loaded into a register, y as the FMA's memory operand). Every
// blockIters iterations the accumulators are flushed into one float64
// vector accumulator. Remaining whole vectors go to accumulator 0, the last
// len%Lanes elements through a masked FMA (AVX-512) or, after the one
// float64 horizontal reduction, a scalar float64 loop (AVX2).
func dot(s *ISA) {
	TEXT("Dot"+s.Name, NOSPLIT, "func(x, y []float32) float64")
	Doc("Dot"+s.Name+" returns Σ x[i]·y[i] for i < len(x) in float64. len(y) >= len(x).",
		"Products are accumulated in float32 FMA accumulators flushed to float64 at",
		"least every 64 products per lane.")
	p := s.pool()
	U, L, VB := s.DotAcc, s.Lanes, s.VB()
	acc := p.GetN(U)
	d, t1, t2 := p.Get(), p.Get(), p.Get()

	xp := loadGP(Param("x").Base())
	yp := loadGP(Param("y").Base())
	n := loadGP(Param("x").Len())
	x, y := Mem{Base: xp}, Mem{Base: yp}
	s.zero(d)

	Label("block")
	CMPQ(n, U32(U*L))
	JB(LabelRef("tail"))
	blk := GP64()
	blockCount(n, blk, U*L, "blockok")
	for _, a := range acc {
		s.zero(a)
	}
	Label("inner")
	tmp := []VecPhysical{t1, t2}
	for u, a := range acc {
		t := tmp[u%2]
		VMOVUPS(x.Offset(u*VB), t)
		VFMADD231PS(y.Offset(u*VB), t, a)
	}
	ADDQ(U32(U*VB), xp)
	ADDQ(U32(U*VB), yp)
	SUBQ(U32(U*L), n)
	DECQ(blk)
	JNZ(LabelRef("inner"))
	for _, a := range acc {
		s.flush(a, d, t1, t2)
	}
	JMP(LabelRef("block"))

	// Fewer than U·L elements left: at most U-1 whole vectors and a masked
	// remainder, all into acc[0] (at most U products per lane).
	Label("tail")
	s.zero(acc[0])
	Label("single")
	CMPQ(n, U32(L))
	JB(LabelRef("masked"))
	VMOVUPS(x, t1)
	VFMADD231PS(y, t1, acc[0])
	ADDQ(U32(VB), xp)
	ADDQ(U32(VB), yp)
	SUBQ(U32(L), n)
	JMP(LabelRef("single"))

	Label("masked")
	if s.AVX512 {
		// One masked x load and a merge-masked FMA reading y: masked-off
		// lanes are neither read nor changed.
		TESTQ(n, n)
		JZ(LabelRef("reduce"))
		s.setMask(n)
		VMOVUPS_Z(x, K1, t1)
		VFMADD231PS(y, t1, K1, acc[0])
		Label("reduce")
		s.flush(acc[0], d, t1, t2)
		s.hsum64(d, t1)
	} else {
		// Reduce, then add the last products in float64 (scalar loads).
		s.flush(acc[0], d, t1, t2)
		s.hsum64(d, t1)
		TESTQ(n, n)
		JZ(LabelRef("done"))
		Label("scalar")
		VMOVSS(x, t1.AsX())
		VCVTSS2SD(t1.AsX(), t1.AsX(), t1.AsX())
		VMOVSS(y, t2.AsX())
		VCVTSS2SD(t2.AsX(), t2.AsX(), t2.AsX())
		VFMADD231SD(t2.AsX(), t1.AsX(), d.AsX())
		ADDQ(U8(4), xp)
		ADDQ(U8(4), yp)
		DECQ(n)
		JNZ(LabelRef("scalar"))
		Label("done")
	}
	VZEROUPPER()
	VMOVSD(d.AsX(), addr(ReturnIndex(0)))
	RET()
}
