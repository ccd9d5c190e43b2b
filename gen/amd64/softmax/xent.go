package main

import (
	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// xentFlush bounds the running product of row sums in SoftmaxXentRows: the
// kernel returns as soon as the product exceeds it, and the caller folds
// its logarithm into the loss (package kernel's SoftmaxCrossEntropyRows
// uses the same bound).
const xentFlush = 1e250

// genXentRows emits SoftmaxXentRows<ISA>(grad []float32, gstride int, z,
// z2 []float32, zstride int, labels []int, k int, st []float64) (done,
// correct int), AVX-512 only: the loss phase of a minibatch for k ≤ 16
// classes in one call. For each row i = 0, 1, … of z (len(labels) rows of
// k elements, zstride apart; plus the same row of z2 in float32 unless z2
// is empty) it runs SoftmaxSmall's very instruction sequence (so the
// softmax is bit for bit SoftmaxSmall's), and then, in the row order and
// in the same floating-point operations as package kernel's loop over
// SoftmaxSmall:
//
//   - grad row i = softmax − onehot(labels[i]) (the label's lane minus 1 in
//     float32);
//   - st[0] += float64(m) − float64(z[i, label]) (m the row's maximum);
//   - st[1] *= sum (the row's Σ exp(z − m), in float64);
//   - st[2+c] += float64(grad[i, c]) for c < 16 (lanes ≥ k add zero);
//   - correct counts the rows whose first maximum is at the label.
//
// It stops before a row whose maximum is ±Inf or whose sum is not > 0 (a
// NaN element), writing nothing for it, and after a row that takes st[1]
// above xentFlush, and returns the number of rows done; the caller deals
// with the special row or the flush and calls again for the rest.
func genXentRows(a *isa) {
	if !a.evex {
		panic("SoftmaxXentRows needs K masks")
	}
	text("SoftmaxXentRows"+a.name, "func(grad []float32, gstride int, z, z2 []float32, zstride int, labels []int, k int, st []float64) (done, correct int)")
	Doc("SoftmaxXentRows"+a.name+" is SoftmaxSmall"+a.name+", the one-hot gradient, the loss terms, the argmax test",
		"and the bias gradient of len(labels) rows of k ≤ 16 logits (see package kernel's sceRows).")
	gp, zp := GP64(), GP64()
	Load(Param("grad").Base(), gp)
	Load(Param("z").Base(), zp)
	// z2: a second addend of the logits (the partial logits of another
	// SGD worker), added to z's rows as they are loaded; none if its base
	// pointer is nil (tested in the argument frame for every row). d2 is
	// its offset from z.
	z2arg, err := Param("z2").Base().Resolve()
	if err != nil {
		panic(err)
	}
	d2 := GP64()
	MOVQ(z2arg.Addr, d2)
	SUBQ(zp, d2)
	gsb, zsb := GP64(), GP64()
	Load(Param("gstride"), gsb)
	SHLQ(operand.U8(2), gsb)
	Load(Param("zstride"), zsb)
	SHLQ(operand.U8(2), zsb)
	lab, rows := slice("labels")
	n := GP64()
	Load(Param("k"), n)
	stp := GP64()
	Load(Param("st").Base(), stp)
	i, cnt := GP64(), GP64()
	XORL(i.As32(), i.As32())
	XORL(cnt.As32(), cnt.As32())
	s := span{
		src: func(int) operand.Mem { return operand.Mem{Base: zp} },
		dst: func(int) operand.Mem { return operand.Mem{Base: gp} },
		k:   a.laneMask(n),
	}
	s.valid = func() reg.Register { return s.k }

	lin, prod := XMM(), XMM()
	VMOVSD(operand.Mem{Base: stp}, lin)
	VMOVSD(operand.Mem{Base: stp, Disp: 8}, prod)
	gbLo, gbHi := ZMM(), ZMM()
	VMOVUPD(operand.Mem{Base: stp, Disp: 16}, gbLo)
	VMOVUPD(operand.Mem{Base: stp, Disp: 80}, gbHi)

	Label("xr_row")
	CMPQ(i, rows)
	JAE(operand.LabelRef("xr_done"))
	label := GP64()
	MOVQ(operand.Mem{Base: lab, Index: i, Scale: 8}, label)

	// SoftmaxSmall: the maximum.
	x := a.vec()
	exactLoad(zp, n, x)
	CMPQ(z2arg.Addr, operand.U8(0))
	JE(operand.LabelRef("xr_one"))
	z2p := GP64()
	LEAQ(operand.Mem{Base: zp, Index: d2, Scale: 1}, z2p)
	x2 := a.vec()
	exactLoadAs("ld2", z2p, n, x2)
	VADDPS(x2, x, x) // z + z2, as the Go loop's zi[c] += z2[c]
	Label("xr_one")
	acc := a.vec()
	a.splat(cNegInf, acc)
	a.maxInto(acc, x, s.k)
	mx := a.reduceMax([]reg.VecVirtual{acc})
	jumpIfInf(mx, "xr_done")
	mb := a.vec()
	VBROADCASTSS(mx, mb)

	// The argmax test: the first lane equal to the maximum (no lane is NaN
	// in a row that completes, see the sum test below), counted once the
	// row is known to complete.
	ke := K()
	VCMPPS(operand.U8(0), mb, x, s.k, ke) // EQ_OQ
	first := GP32()
	KMOVW(ke, first)
	BSFL(first, first)
	hit := GP32()
	XORL(hit, hit)
	CMPQ(first.As64(), label)
	SETEQ(hit.As8())

	// z[i, label] (with z2's), lane label of x.
	zy := XMM()
	VMOVQ(label, zy)
	VPERMPS(x, zy.AsZ(), zy.AsZ())

	// SoftmaxSmall: the exponentials and their sum.
	y := a.exp(1, s, func(_ int, v reg.VecVirtual) { VSUBPS(mb, x, v) })[0]
	sacc := a.vec()
	VXORPS(sacc, sacc, sacc)
	a.accumulate(sacc, y)
	sum := a.reduceSum([]reg.VecVirtual{sacc})
	zero := XMM()
	VXORPD(zero, zero, zero)
	VUCOMISD(zero, sum)
	JLS(operand.LabelRef("xr_done")) // sum ≤ 0 or NaN
	ADDQ(hit.As64(), cnt)

	// The loss terms, in float64.
	m64 := XMM()
	VCVTSS2SD(mx, mx, m64) // upper lanes from mx: no dependence on m64's last value
	VCVTSS2SD(zy, zy, zy)
	VSUBSD(zy, m64, m64)
	VADDSD(m64, lin, lin)
	VMULSD(sum, prod, prod)

	// SoftmaxSmall: the scaling; then the label's lane minus 1.
	VMULPS(a.invSum(sum), y, y)
	bit := GP64()
	XORL(bit.As32(), bit.As32())
	BTSQ(label, bit)
	kl := K()
	KMOVW(bit.As32(), kl)
	VSUBPS_BCST(a.k(cOne), y, kl, y)
	exactStore(gp, n, y)

	// The bias gradient.
	lo, hi := a.vec(), a.vec()
	VCVTPS2PD(y.AsY(), lo)
	VEXTRACTF64X4(operand.U8(1), y, hi.AsY())
	VCVTPS2PD(hi.AsY(), hi)
	VADDPD(lo, gbLo, gbLo)
	VADDPD(hi, gbHi, gbHi)

	INCQ(i)
	ADDQ(zsb, zp)
	ADDQ(gsb, gp)
	VUCOMISD(a.k(cF64Flush), prod)
	JHI(operand.LabelRef("xr_done")) // prod > xentFlush: the caller folds it
	JMP(operand.LabelRef("xr_row"))

	Label("xr_done")
	sto := GP64() // st's address again: not kept in a register through the loop
	Load(Param("st").Base(), sto)
	VMOVSD(lin, operand.Mem{Base: sto})
	VMOVSD(prod, operand.Mem{Base: sto, Disp: 8})
	VMOVUPD(gbLo, operand.Mem{Base: sto, Disp: 16})
	VMOVUPD(gbHi, operand.Mem{Base: sto, Disp: 80})
	Store(i, ReturnIndex(0))
	Store(cnt, ReturnIndex(1))
	VZEROUPPER()
	RET()
}
