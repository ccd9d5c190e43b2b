package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/seed7bc074a2/maxent/fallback"
)

// The vector operations of a pass, at its kind's width. AVX2 passes never
// touch an element outside the chunk: pairs and single elements go
// through VMOVSD/VMOVSS into a register, never as memory operands of
// arithmetic (qemu 7.2 reads 16 bytes for those, see gen/amd64/linalg).

// totKind is the kind whose register view holds the float64 totals of
// one vector of k (two registers for ZMM and YMM vectors, one otherwise).
func totKind(k kind) kind {
	switch k {
	case kZ:
		return kZ
	case kY, kX:
		return kY
	}
	return kX
}

// zero clears v at k's width.
func zero(k kind, v reg.VecPhysical) {
	if k == kZ {
		VPXORD(v.AsZ(), v.AsZ(), v.AsZ())
		return
	}
	VXORPS(k.view(v), k.view(v), k.view(v))
}

// fmaMem sets acc += bc·m (vector v of pass p). t is scratch.
func fmaMem(p pass, v int, m Mem, bc, acc, t reg.VecPhysical) {
	switch k := p.kind; {
	case p.last(v):
		VFMADD231PS(m, k.view(bc), reg.K1, k.view(acc))
	case k == kD:
		VMOVSD(m, t.AsX())
		VFMADD231PS(t.AsX(), bc.AsX(), acc.AsX())
	case k == kS:
		VMOVSS(m, t.AsX())
		VFMADD231PS(t.AsX(), bc.AsX(), acc.AsX())
	default:
		VFMADD231PS(m, k.view(bc), k.view(acc))
	}
}

// load sets dst to vector v of pass p at m (masked-off lanes zero).
func load(p pass, v int, m Mem, dst reg.VecPhysical) {
	switch k := p.kind; {
	case p.last(v):
		VMOVUPS_Z(m, reg.K1, k.view(dst))
	case k == kD:
		VMOVSD(m, dst.AsX())
	case k == kS:
		VMOVSS(m, dst.AsX())
	default:
		VMOVUPS(m, k.view(dst))
	}
}

// store writes vector v of pass p from src to m.
func store(p pass, v int, src reg.VecPhysical, m Mem) {
	switch k := p.kind; {
	case p.last(v):
		VMOVUPS(k.view(src), reg.K1, m)
	case k == kD:
		VMOVSD(src.AsX(), m)
	case k == kS:
		VMOVSS(src.AsX(), m)
	default:
		VMOVUPS(k.view(src), m)
	}
}

// widen adds the float32 lanes of src, converted exactly to float64, to
// the totals t0 (and t1 for wide kinds). src is clobbered; t is scratch.
func widen(k kind, src, t0, t1, t reg.VecPhysical) {
	switch k {
	case kZ:
		VCVTPS2PD(src.AsY(), t.AsZ())
		VADDPD(t.AsZ(), t0.AsZ(), t0.AsZ())
		VEXTRACTF64X4(U8(1), src.AsZ(), src.AsY())
		VCVTPS2PD(src.AsY(), src.AsZ())
		VADDPD(src.AsZ(), t1.AsZ(), t1.AsZ())
	case kY:
		VCVTPS2PD(src.AsX(), t.AsY())
		VADDPD(t.AsY(), t0.AsY(), t0.AsY())
		VEXTRACTF128(U8(1), src.AsY(), src.AsX())
		VCVTPS2PD(src.AsX(), src.AsY())
		VADDPD(src.AsY(), t1.AsY(), t1.AsY())
	case kX:
		VCVTPS2PD(src.AsX(), t.AsY())
		VADDPD(t.AsY(), t0.AsY(), t0.AsY())
	case kD:
		VCVTPS2PD(src.AsX(), t.AsX())
		VADDPD(t.AsX(), t0.AsX(), t0.AsX())
	case kS:
		VCVTSS2SD(src.AsX(), t.AsX(), t.AsX())
		VADDSD(t.AsX(), t0.AsX(), t0.AsX())
	}
}

// narrow rounds the totals t0 (and t1) to float32 into the lanes of t0.
func narrow(k kind, t0, t1 reg.VecPhysical) {
	switch k {
	case kZ:
		VCVTPD2PS(t0.AsZ(), t0.AsY())
		VCVTPD2PS(t1.AsZ(), t1.AsY())
		VINSERTF64X4(U8(1), t1.AsY(), t0.AsZ(), t0.AsZ())
	case kY:
		VCVTPD2PSY(t0.AsY(), t0.AsX())
		VCVTPD2PSY(t1.AsY(), t1.AsX())
		VINSERTF128(U8(1), t1.AsX(), t0.AsY(), t0.AsY())
	case kX:
		VCVTPD2PSY(t0.AsY(), t0.AsX())
	case kD:
		VCVTPD2PSX(t0.AsX(), t0.AsX())
	case kS:
		VCVTSD2SS(t0.AsX(), t0.AsX(), t0.AsX())
	}
}

// dispatch jumps to the pass for kl ≥ 1 classes left, the first pass
// whose chunk kl fills (AVX2), or on AVX-512 the narrowest pass holding
// min(64, kl) classes (an XMM for up to 4, a YMM for up to 8, else 1 to 4
// ZMM) with K1 set to the lanes of its last vector.
func (s *isa) dispatch(kl reg.GPVirtual) {
	if !s.AVX512 {
		for i, p := range s.passes {
			if i == len(s.passes)-1 {
				JMP(LabelRef(p.name()))
				break
			}
			CMPQ(kl, U32(p.classes()))
			JAE(LabelRef(p.name()))
		}
		return
	}
	m, t := GP32(), GP64()
	CMPQ(kl, U32(64))
	JAE(LabelRef("full"))
	LEAQ(Mem{Base: kl, Disp: -1}, t)
	ANDQ(U32(15), t)
	INCQ(t) // lanes of the last vector, 1..16
	MOVL(U32(0xffffffff), m)
	BZHIL(t.As32(), m, m)
	KMOVW(m, reg.K1)
	for i := len(s.passes) - 1; i > 0; i-- { // narrowest first: x1, y1, z1, z2, z3
		CMPQ(kl, U32(s.passes[i].classes()))
		JBE(LabelRef(s.passes[i].name()))
	}
	JMP(LabelRef(s.passes[0].name()))
	Label("full")
	MOVL(U32(0xffff), m)
	KMOVW(m, reg.K1)
	JMP(LabelRef(s.passes[0].name()))
}

// rows emits the loops shared by both kernels: rows r < n, and in each
// row the chunks of classes c0 < k, each run by body(p, r, c0) for the
// pass shape p chosen by dispatch.
func (s *isa) rows(body func(p pass, r, c0 reg.GPVirtual)) {
	r := GP64()
	XORQ(r, r)
	CMPQ(r, addr(Param("n")))
	JAE(LabelRef("done"))
	Label("row")
	c0 := GP64()
	XORQ(c0, c0)
	Label("chunk")
	kl := GP64()
	MOVQ(addr(Param("k")), kl)
	SUBQ(c0, kl)
	JLE(LabelRef("row_done"))
	s.dispatch(kl)
	for _, p := range s.passes {
		Label(p.name())
		body(p, r, c0)
		ADDQ(U32(p.classes()), c0)
		JMP(LabelRef("chunk"))
	}
	Label("row_done")
	INCQ(r)
	CMPQ(r, addr(Param("n")))
	JB(LabelRef("row"))
	Label("done")
	VZEROUPPER()
	RET()
}

// rowStart returns the pointers to rowPtr[r], to idx and val at row r's
// first non-zero and its number of non-zeros.
func rowStart(r reg.GPVirtual) (rp, ipp, vpp, nnz reg.GPVirtual) {
	rp, ipp, vpp, nnz = GP64(), GP64(), GP64(), GP64()
	MOVQ(addr(Param("rowPtr").Base()), rp)
	LEAQ(Mem{Base: rp, Index: r, Scale: 8}, rp)
	lo := GP64()
	MOVQ(Mem{Base: rp}, lo)
	MOVQ(Mem{Base: rp, Disp: 8}, nnz)
	SUBQ(lo, nnz)
	MOVQ(addr(Param("idx").Base()), ipp)
	LEAQ(Mem{Base: ipp, Index: lo, Scale: 4}, ipp)
	MOVQ(addr(Param("val").Base()), vpp)
	LEAQ(Mem{Base: vpp, Index: lo, Scale: 4}, vpp)
	return
}

// matrixChunk returns the address of chunk c0 of matrix m's first row
// and m's stride in bytes (stride argument st).
func matrixChunk(m, st string, c0 reg.GPVirtual) (base, sb reg.GPVirtual) {
	base, sb = GP64(), GP64()
	MOVQ(addr(Param(st)), sb)
	SHLQ(U8(2), sb)
	MOVQ(addr(Param(m).Base()), base)
	LEAQ(Mem{Base: base, Index: c0, Scale: 4}, base)
	return
}

// rowAddr returns the address of row r of matrix m (stride argument st).
func rowAddr(m, st string, r reg.GPVirtual) reg.GPVirtual {
	p, t := GP64(), GP64()
	MOVQ(addr(Param(st)), p)
	IMULQ(r, p)
	MOVQ(addr(Param(m).Base()), t)
	LEAQ(Mem{Base: t, Index: p, Scale: 4}, p)
	return p
}

// prefetchNext prefetches, when r < npf, the chunk of pass p (from wc, rows
// sb bytes apart) of every row the next CSR row's non-zeros index. AVX2
// passes prefetch only at 16-class boundaries (a new line of an aligned
// row), the later narrow passes of a row sharing the line.
func (s *isa) prefetchNext(p pass, r, c0, rp, wc, sb reg.GPVirtual) {
	skip := p.name() + "_nopf"
	CMPQ(r, addr(Param("npf")))
	JAE(LabelRef(skip))
	if !s.AVX512 {
		TESTQ(U32(15), c0)
		JNZ(LabelRef(skip))
	}
	pp, pc, t := GP64(), GP64(), GP64()
	MOVQ(Mem{Base: rp, Disp: 8}, pp)
	MOVQ(Mem{Base: rp, Disp: 16}, pc)
	SUBQ(pp, pc)
	JLE(LabelRef(skip))
	MOVQ(addr(Param("idx").Base()), t)
	LEAQ(Mem{Base: t, Index: pp, Scale: 4}, pp)
	Label(p.name() + "_pf")
	MOVLQSX(Mem{Base: pp}, t)
	IMULQ(sb, t)
	for l := 0; l < p.lines(); l++ {
		PREFETCHT0(Mem{Base: wc, Index: t, Scale: 1, Disp: 64 * l})
	}
	ADDQ(U8(4), pp)
	DECQ(pc)
	JNZ(LabelRef(p.name() + "_pf"))
	Label(skip)
}

// sparseMatMul emits SparseMatMul<ISA>.
func sparseMatMul(s *isa) {
	name := "SparseMatMul" + s.Name
	TEXT(name, NOSPLIT, "func(z []float32, zs int, rowPtr []int, idx []int32, val []float32, wt []float32, ws int, b []float32, n, k, npf int)")
	Doc(name+" sets z[r*zs+c] = b[c] + Σ val[i]·wt[idx[i]*ws+c] over the non-zeros",
		"i of row r (rowPtr[r] ≤ i < rowPtr[r+1]) for r < n, c < k; no bias when len(b) == 0.",
		"Per lane: blocks of 256 non-zeros, non-zero i into float32 FMA accumulator i mod 4,",
		"(a0+a1)+(a2+a3) per block, block sums and bias in float64, rounded once.",
		"Rows r < npf prefetch row r+1's chunks.")
	s.rows(func(p pass, r, c0 reg.GPVirtual) { s.matMulPass(p, r, c0) })
}

// matMulPass emits the logits of chunk c0 of row r with pass shape p.
func (s *isa) matMulPass(p pass, r, c0 reg.GPVirtual) {
	k, V := p.kind, p.V
	lbl := func(x string) string { return p.name() + "_" + x }
	wc, sb := matrixChunk("wt", "ws", c0)
	rp, ipp, vpp, i := rowStart(r)
	s.prefetchNext(p, r, c0, rp, wc, sb)

	pool := s.pool()
	var acc [4][]reg.VecPhysical
	for u := range acc {
		acc[u] = pool.GetN(V)
	}
	nt := 1
	if k.wide() {
		nt = 2
	}
	tot := pool.GetN(nt * V)
	tot0 := func(v int) reg.VecPhysical { return tot[nt*v] }
	tot1 := func(v int) reg.VecPhysical { return tot[nt*v+nt-1] }
	bc, t1 := pool.Get(), pool.Get()
	for _, t := range tot {
		zero(totKind(k), t)
	}
	TESTQ(i, i)
	JZ(LabelRef(lbl("finish")))

	Label(lbl("block"))
	blk, iters := GP64(), GP64()
	MOVQ(U32(fallback.SparseBlock), blk)
	CMPQ(i, blk)
	CMOVQLT(i, blk)
	SUBQ(blk, i)
	for u := range acc {
		for _, a := range acc[u] {
			zero(k, a)
		}
	}
	MOVQ(blk, iters)
	SHRQ(U8(2), iters)
	ANDQ(U8(3), blk)
	TESTQ(iters, iters)
	JZ(LabelRef(lbl("rem")))
	body := func(u int) {
		t := GP64()
		MOVLQSX(Mem{Base: ipp, Disp: 4 * u}, t)
		IMULQ(sb, t)
		VBROADCASTSS(Mem{Base: vpp, Disp: 4 * u}, k.view(bc))
		for v := 0; v < V; v++ {
			fmaMem(p, v, Mem{Base: wc, Index: t, Scale: 1, Disp: p.off(v)}, bc, acc[u][v], t1)
		}
	}
	Label(lbl("loop"))
	for u := range acc {
		body(u)
	}
	ADDQ(U8(16), ipp)
	ADDQ(U8(16), vpp)
	DECQ(iters)
	JNZ(LabelRef(lbl("loop")))
	Label(lbl("rem")) // the block's last blk ≤ 3 non-zeros, into accumulators 0, 1, 2
	for u := 0; u < 3; u++ {
		CMPQ(blk, U8(u))
		JE(LabelRef(lbl("sum")))
		body(u)
	}
	Label(lbl("sum"))
	LEAQ(Mem{Base: ipp, Index: blk, Scale: 4}, ipp)
	LEAQ(Mem{Base: vpp, Index: blk, Scale: 4}, vpp)
	for v := 0; v < V; v++ {
		a0, a1, a2, a3 := k.view(acc[0][v]), k.view(acc[1][v]), k.view(acc[2][v]), k.view(acc[3][v])
		VADDPS(a1, a0, a0)
		VADDPS(a3, a2, a2)
		VADDPS(a2, a0, a0)
		widen(k, acc[0][v], tot0(v), tot1(v), t1)
	}
	TESTQ(i, i)
	JNZ(LabelRef(lbl("block")))

	Label(lbl("finish"))
	CMPQ(addr(Param("b").Len()), U8(0))
	JE(LabelRef(lbl("store")))
	bp := GP64()
	MOVQ(addr(Param("b").Base()), bp)
	for v := 0; v < V; v++ {
		load(p, v, Mem{Base: bp, Index: c0, Scale: 4, Disp: p.off(v)}, bc)
		widen(k, bc, tot0(v), tot1(v), t1)
	}
	Label(lbl("store"))
	zp := rowAddr("z", "zs", r)
	for v := 0; v < V; v++ {
		narrow(k, tot0(v), tot1(v))
		store(p, v, tot0(v), Mem{Base: zp, Index: c0, Scale: 4, Disp: p.off(v)})
	}
}

// sparseAddMatMulTN emits SparseAddMatMulTN<ISA>.
func sparseAddMatMulTN(s *isa) {
	name := "SparseAddMatMulTN" + s.Name
	TEXT(name, NOSPLIT, "func(g []float32, gs int, alpha float32, rowPtr []int, idx []int32, val []float32, d []float32, ds int, n, k, npf int)")
	Doc(name+" adds a·d[r*ds+c] to g[idx[i]*gs+c], a = float32(alpha·val[i]), for the",
		"non-zeros i of row r (rowPtr[r] ≤ i < rowPtr[r+1]) in order, r < n, c < k: g = fma(a, d, g).",
		"Rows r < npf prefetch the rows of g that row r+1 updates.")
	s.rows(func(p pass, r, c0 reg.GPVirtual) { s.addPass(p, r, c0) })
}

// addPass emits the gradient of chunk c0 of row r with pass shape p.
func (s *isa) addPass(p pass, r, c0 reg.GPVirtual) {
	k, V := p.kind, p.V
	lbl := func(x string) string { return p.name() + "_" + x }
	gc, sb := matrixChunk("g", "gs", c0)
	rp, ipp, vpp, i := rowStart(r)
	s.prefetchNext(p, r, c0, rp, gc, sb)

	pool := s.pool()
	dv, gv := pool.GetN(V), pool.GetN(V)
	a, al := pool.Get(), pool.Get()
	TESTQ(i, i)
	JZ(LabelRef(lbl("done")))
	VBROADCASTSS(addr(Param("alpha")), k.view(al))
	dp := rowAddr("d", "ds", r)
	for v := 0; v < V; v++ {
		load(p, v, Mem{Base: dp, Index: c0, Scale: 4, Disp: p.off(v)}, dv[v])
	}
	Label(lbl("loop"))
	t := GP64()
	MOVLQSX(Mem{Base: ipp}, t)
	IMULQ(sb, t)
	VBROADCASTSS(Mem{Base: vpp}, k.view(a))
	VMULPS(k.view(al), k.view(a), k.view(a))
	for v := 0; v < V; v++ {
		m := Mem{Base: gc, Index: t, Scale: 1, Disp: p.off(v)}
		load(p, v, m, gv[v])
		VFMADD231PS(k.view(dv[v]), k.view(a), k.view(gv[v]))
		store(p, v, gv[v], m)
	}
	ADDQ(U8(4), ipp)
	ADDQ(U8(4), vpp)
	DECQ(i)
	JNZ(LabelRef(lbl("loop")))
	Label(lbl("done"))
}
