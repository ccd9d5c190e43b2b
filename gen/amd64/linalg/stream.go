package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// streamRead emits StreamRead<ISA>(p []float32) float32: the float32 sum of
// p, StreamUnroll vector additions (memory operands) per iteration into as
// many accumulators, masked (AVX-512) or scalar (AVX2) tail. It is the
// load-bandwidth ceiling.
func streamRead(s *ISA) {
	name := "StreamRead" + s.Name
	TEXT(name, NOSPLIT, "func(p []float32) float32")
	Doc(name+" returns the float32 sum of p (any order): it reads every element once",
		"with full-width loads, the load-bandwidth ceiling for benchmarks.")
	U, L, VB := s.StreamUnroll, s.Lanes, s.VB()
	pl := s.pool()
	acc := pl.GetN(U)
	t := pl.Get()
	pp := loadGP(Param("p").Base())
	n := loadGP(Param("p").Len())
	mem := Mem{Base: pp}
	for _, a := range acc {
		s.zero(a)
	}
	CMPQ(n, U32(U*L))
	JB(LabelRef("single"))
	Label("inner")
	for u, a := range acc {
		VADDPS(mem.Offset(u*VB), a, a)
	}
	ADDQ(U32(U*VB), pp)
	SUBQ(U32(U*L), n)
	CMPQ(n, U32(U*L))
	JAE(LabelRef("inner"))

	Label("single")
	CMPQ(n, U32(L))
	JB(LabelRef("masked"))
	VADDPS(mem, acc[0], acc[0])
	ADDQ(U32(VB), pp)
	SUBQ(U32(L), n)
	JMP(LabelRef("single"))

	Label("masked")
	if s.AVX512 {
		TESTQ(n, n)
		JZ(LabelRef("done"))
		s.setMask(n)
		VMOVUPS_Z(mem, K1, t)
		VADDPS(t, acc[0], acc[0])
		Label("done")
		sumTree(acc)
		s.hsum32(acc[0], t)
	} else {
		sumTree(acc)
		s.hsum32(acc[0], t)
		TESTQ(n, n)
		JZ(LabelRef("done"))
		Label("scalar")
		VMOVSS(mem, t.AsX())
		VADDSS(t.AsX(), acc[0].AsX(), acc[0].AsX())
		ADDQ(U8(4), pp)
		DECQ(n)
		JNZ(LabelRef("scalar"))
		Label("done")
	}
	VZEROUPPER()
	VMOVSS(acc[0].AsX(), addr(ReturnIndex(0)))
	RET()
}

// sumTree adds the vectors pairwise into v[0] (float32).
func sumTree(v []VecPhysical) {
	for step := 1; step < len(v); step *= 2 {
		for i := 0; i+step < len(v); i += 2 * step {
			VADDPS(v[i+step], v[i], v[i])
		}
	}
}

// streamRMW emits StreamRMW<ISA>(p []float32, a float32): p[i] += a, with
// StreamUnroll loads+adds then as many stores per iteration, masked or
// scalar tail (tailRMW):
// the load+store bandwidth ceiling of AddOuter.
func streamRMW(s *ISA) {
	name := "StreamRMW" + s.Name
	TEXT(name, NOSPLIT, "func(p []float32, a float32)")
	Doc(name+" adds a to every element of p (read-modify-write with full-width",
		"loads and stores), the load+store bandwidth ceiling for benchmarks.")
	U, L, VB := s.StreamUnroll, s.Lanes, s.VB()
	pl := s.pool()
	av := pl.Get()
	t := pl.GetN(U)
	VBROADCASTSS(addr(Param("a")), av)
	pp := loadGP(Param("p").Base())
	n := loadGP(Param("p").Len())
	mem := Mem{Base: pp}
	CMPQ(n, U32(U*L))
	JB(LabelRef("single"))
	Label("inner")
	for u := 0; u < U; u++ {
		VADDPS(mem.Offset(u*VB), av, t[u])
	}
	for u := 0; u < U; u++ {
		VMOVUPS(t[u], mem.Offset(u*VB))
	}
	ADDQ(U32(U*VB), pp)
	SUBQ(U32(U*L), n)
	CMPQ(n, U32(U*L))
	JAE(LabelRef("inner"))

	Label("single")
	CMPQ(n, U32(L))
	JB(LabelRef("masked"))
	VADDPS(mem, av, t[0])
	VMOVUPS(t[0], mem)
	ADDQ(U32(VB), pp)
	SUBQ(U32(L), n)
	JMP(LabelRef("single"))

	Label("masked")
	if s.AVX512 {
		s.setMask(n)
	}
	s.tailRMW(n, 1, func(int) Mem { return mem }, nil, []VecPhysical{av}, t[0], t[1], func(b int) { ADDQ(U32(b), pp) }, func(l string) string { return "tail_" + l })
	VZEROUPPER()
	RET()
}

// peakStep is the addend of every FMA in FMAPeak: c·c with c = 2⁻¹⁰, so
// every accumulator lane holds exactly n·2⁻²⁰ after n iterations.
const peakC = 0x3a800000 // float32 bits of 2⁻¹⁰

// fmaPeak emits FMAPeak<ISA>(n int) float32: n iterations of PeakAcc
// independent register-only FMAs (acc += c·c), the FMA-throughput ceiling.
// Returns the float32 sum of all accumulator lanes, PeakAcc·Lanes·n·2⁻²⁰.
func fmaPeak(s *ISA) {
	name := "FMAPeak" + s.Name
	TEXT(name, NOSPLIT, "func(n int) float32")
	Doc(name+fmt.Sprintf(" runs n iterations of %d independent %d-lane FMAs on registers", s.PeakAcc, s.Lanes),
		fmt.Sprintf("(%d flops per iteration) and returns the sum of the accumulators,", 2*s.PeakAcc*s.Lanes),
		"n·flops·2⁻²¹.")
	pl := s.pool()
	acc := pl.GetN(s.PeakAcc)
	c := pl.Get()
	t := GP32()
	MOVL(U32(peakC), t)
	VMOVD(t, c.AsX())
	VBROADCASTSS(c.AsX(), c)
	for _, a := range acc {
		s.zero(a)
	}
	n := loadGP(Param("n"))
	TESTQ(n, n)
	JLE(LabelRef("done"))
	Label("loop")
	for _, a := range acc {
		VFMADD231PS(c, c, a)
	}
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("done")
	sumTree(acc)
	s.hsum32(acc[0], c)
	VZEROUPPER()
	VMOVSS(acc[0].AsX(), addr(ReturnIndex(0)))
	RET()
}
