package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// sparseStream emits the benchmarks' ceilings of the sparse kernels:
// SparseStreamRead<ISA> reads, and SparseStreamRMW<ISA> reads and writes
// back unchanged, vecs whole vectors (the widest of the ISA) at the start
// of the row of w that every non-zero of the CSR rows r < n indexes, with
// no arithmetic; rows r < npf first prefetch the lines of row r+1's rows
// as the kernels do. The caller makes sure the vectors lie inside w (a
// matrix padded to whole vectors, as NewMatrix pads to 16 floats).
func sparseStream(s *isa, rmw bool) {
	name := "SparseStreamRead" + s.Name
	sig := "func(rowPtr []int, idx []int32, w []float32, ws, n, vecs, npf int) float32"
	doc := name + " reads vecs vectors at w[idx[i]*ws] for every non-zero i of the rows r < n and returns their bitwise OR (lane 0); rows r < npf prefetch row r+1's first."
	if rmw {
		name = "SparseStreamRMW" + s.Name
		sig = "func(rowPtr []int, idx []int32, w []float32, ws, n, vecs, npf int)"
		doc = name + " reads and writes back unchanged vecs vectors at w[idx[i]*ws] for every non-zero i of the rows r < n; rows r < npf prefetch row r+1's first."
	}
	TEXT(name, NOSPLIT, sig)
	Doc(doc)
	VB := 32
	if s.AVX512 {
		VB = 64
	}
	p := s.pool()
	acc := p.GetN(1)
	view := func(v reg.VecPhysical) reg.Register {
		if s.AVX512 {
			return v.AsZ()
		}
		return v.AsY()
	}
	for _, a := range acc {
		VPXOR(a.AsY(), a.AsY(), a.AsY())
	}
	sb := loadGP(Param("ws"))
	SHLQ(U8(2), sb)
	wp := loadGP(Param("w").Base())
	rp := loadGP(Param("rowPtr").Base())
	bytes := loadGP(Param("vecs"))
	SHLQ(U8(log2(VB)), bytes) // bytes per non-zero
	r := GP64()
	XORQ(r, r)
	CMPQ(r, addr(Param("n")))
	JAE(LabelRef("done"))

	Label("row")
	CMPQ(r, addr(Param("npf")))
	JAE(LabelRef("nopf"))
	pp, pc, t, o := GP64(), GP64(), GP64(), GP64()
	MOVQ(Mem{Base: rp, Disp: 8}, pp)
	MOVQ(Mem{Base: rp, Disp: 16}, pc)
	SUBQ(pp, pc)
	JLE(LabelRef("nopf"))
	MOVQ(addr(Param("idx").Base()), t)
	LEAQ(Mem{Base: t, Index: pp, Scale: 4}, pp)
	Label("pf")
	MOVLQSX(Mem{Base: pp}, t)
	IMULQ(sb, t)
	ADDQ(wp, t)
	XORQ(o, o)
	Label("pf_line")
	PREFETCHT0(Mem{Base: t, Index: o, Scale: 1})
	ADDQ(U8(64), o)
	CMPQ(o, bytes)
	JB(LabelRef("pf_line"))
	ADDQ(U8(4), pp)
	DECQ(pc)
	JNZ(LabelRef("pf"))
	Label("nopf")

	ip, cnt := GP64(), GP64()
	MOVQ(Mem{Base: rp}, ip)
	MOVQ(Mem{Base: rp, Disp: 8}, cnt)
	SUBQ(ip, cnt)
	JLE(LabelRef("next"))
	MOVQ(addr(Param("idx").Base()), t)
	LEAQ(Mem{Base: t, Index: ip, Scale: 4}, ip)
	Label("nz")
	a := GP64()
	MOVLQSX(Mem{Base: ip}, a)
	IMULQ(sb, a)
	ADDQ(wp, a)
	XORQ(o, o)
	Label("vec")
	m := Mem{Base: a, Index: o, Scale: 1}
	if rmw {
		VMOVUPS(m, view(acc[0]))
		VMOVUPS(view(acc[0]), m)
	} else if s.AVX512 {
		VPORD(m, acc[0].AsZ(), acc[0].AsZ())
	} else {
		VPOR(m, acc[0].AsY(), acc[0].AsY())
	}
	ADDQ(U8(VB), o)
	CMPQ(o, bytes)
	JB(LabelRef("vec"))
	ADDQ(U8(4), ip)
	DECQ(cnt)
	JNZ(LabelRef("nz"))
	Label("next")
	ADDQ(U8(8), rp)
	INCQ(r)
	CMPQ(r, addr(Param("n")))
	JB(LabelRef("row"))
	Label("done")
	if !rmw {
		Store(acc[0].AsX(), ReturnIndex(0))
	}
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
	panic("not a power of two")
}
