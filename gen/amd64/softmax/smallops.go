package main

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The softmax family of a row of at most 16 elements in one call,
// SmallOps<ISA> (asm/smallops_amd64.s, written with -predict): Softmax,
// LogSoftmax, LogSumExp and SoftmaxCrossEntropy, the special values
// included, and the log of the exponentials' sum computed in the kernel
// (smallLog) instead of by fallback.LogSum in Go. The softmax steps are
// SoftmaxSmall's (the maximum, exp on the whole vector, the float64 sum,
// the scaling by float32(1/sum)), so the probabilities are its bits.

// Modes of SmallOps<ISA> (asm's SmallSoftmax, SmallLogSoftmax,
// SmallLogSumExp, SmallXent).
const (
	smallSoftmax = iota
	smallLogSoftmax
	smallLogSumExp
	smallXent
)

// smallLogTerms is the number of terms of smallLog's series: 2·Σ_{j<n}
// t^(2j+1)/(2j+1) for log f = 2·atanh(t), t = (f−1)/(f+1) ∈ [0, 1/3) for
// f ∈ [1, 2); the first term left out bounds the truncation: 2·t^17/17 /
// (1 − t²) < 1.1e-9.
const smallLogTerms = 8

// smallTab is smallopsconst<>: float64 1, ln2, then 1/(2j+1) for
// j = 1 .. smallLogTerms−1 (8 bytes each), then the float32 NaN that Go's
// float32(math.NaN()) is (the NaN the other paths fill with).
var smallTab operand.Mem

const (
	smallOne   = 0
	smallLn2   = 8
	smallCoefs = 16 // + 8·(j−1)
	smallNaN   = smallCoefs + 8*(smallLogTerms-1)
)

func declareSmallData() {
	smallTab = GLOBL("smallopsconst", RODATA|NOPTR)
	DATA(smallOne, operand.U64(math.Float64bits(1)))
	DATA(smallLn2, operand.U64(math.Float64bits(math.Ln2)))
	for j := 1; j < smallLogTerms; j++ {
		DATA(smallCoefs+8*(j-1), operand.U64(math.Float64bits(1/float64(2*j+1))))
	}
	DATA(smallNaN, operand.U32(math.Float32bits(float32(math.NaN()))))
}

// smallLog returns log s for the float64 s ≥ 1 in lane 0 of an XMM
// register: s = 2^e·f with f ∈ [1, 2) from its bits, log s = e·ln2 +
// 2·atanh((f−1)/(f+1)) by smallLogTerms terms of the series, in float64:
// within 1.2e-9 of log s (the truncation and a few float64 roundings).
func smallLog(s reg.Register) reg.Register {
	bits, e := GP64(), GP64()
	VMOVQ(s, bits)
	MOVQ(bits, e)
	SHRQ(operand.U8(52), e)
	SUBQ(operand.U32(1023), e)
	m := GP64()
	MOVQ(operand.U64(1<<52-1), m)
	ANDQ(m, bits)
	MOVQ(operand.U64(1023<<52), m)
	ORQ(m, bits)
	f, one := XMM(), XMM()
	VMOVQ(bits, f)
	VMOVSD(smallTab.Offset(smallOne), one)
	num, den := XMM(), XMM()
	VSUBSD(one, f, num)
	VADDSD(one, f, den)
	t := XMM()
	VDIVSD(den, num, t) // t = (f−1)/(f+1)
	t2 := XMM()
	VMULSD(t, t, t2)
	p := XMM()
	VMOVSD(smallTab.Offset(smallCoefs+8*(smallLogTerms-2)), p)
	for j := smallLogTerms - 2; j >= 0; j-- {
		var c operand.Op = one
		if j > 0 {
			c = smallTab.Offset(smallCoefs + 8*(j-1))
		}
		VFMADD213SD(c, t2, p) // p = p·t² + 1/(2j+1)
	}
	VADDSD(t, t, t) // 2t
	VMULSD(t, p, p) // log f
	ef := XMM()
	VXORPS(ef, ef, ef)
	VCVTSI2SDQ(e, ef, ef)
	VFMADD231SD(smallTab.Offset(smallLn2), ef, p) // + e·ln2
	return p
}

// genSmallOps emits SmallOps<ISA>(dst, src []float32, label, mode int)
// (lse, loss float32), AVX-512 only.
func genSmallOps(a *isa) {
	if !a.evex {
		panic("SmallOps needs K masks")
	}
	name := "SmallOps" + a.name
	text(name, "func(dst, src []float32, label, mode int) (lse, loss float32)")
	Doc(name+" is Softmax (mode 0), LogSoftmax (1), LogSumExp (2) or SoftmaxCrossEntropy (3) of",
		"1 ≤ len(src) ≤ 16 elements in one call, special values included.")
	dst := GP64()
	Load(Param("dst").Base(), dst)
	src, n := slice("src")
	kk := a.laneMask(n)
	x := a.vec()
	exactLoadAs("so_ld", src, n, x)

	// The maximum (NaNs ignored) in every lane: SoftmaxSmall's value.
	acc, t := a.vec(), a.vec()
	a.splat(cNegInf, acc)
	a.maxInto(acc, x, kk)
	VSHUFF32X4(operand.U8(0x4E), acc, acc, t)
	VMAXPS(t, acc, acc)
	VSHUFF32X4(operand.U8(0xB1), acc, acc, t)
	VMAXPS(t, acc, acc)
	VPERMILPS(operand.U8(0x4E), acc, t)
	VMAXPS(t, acc, acc)
	VPERMILPS(operand.U8(0xB1), acc, t)
	VMAXPS(t, acc, acc)
	mb, mx := acc, acc.AsX()
	jumpIfInf(mx, "so_inf")

	// exp(x − m) on the whole vector (its fix-up skipped when every lane
	// is in range; lanes ≥ n hold −m), the lanes ≥ n zeroed, the float64
	// sum.
	y := a.exp(1, span{}, func(_ int, v reg.VecVirtual) { VSUBPS(mb, x, v) })[0]
	VMOVAPS_Z(y, kk, y)
	sacc := a.vec()
	VXORPS(sacc, sacc, sacc)
	a.accumulate(sacc, y)
	sum := a.reduceSum([]reg.VecVirtual{sacc})
	VUCOMISD(sum, sum)
	JP(operand.LabelRef("so_nan")) // a NaN element

	logs := smallLog(sum)
	m64 := XMM()
	VCVTSS2SD(mx, mx, m64)
	lse := XMM()
	VADDSD(logs, m64, lse)
	VCVTSD2SS(lse, lse, lse) // float32(m + log sum)
	mode := addr(Param("mode"))
	CMPQ(mode, operand.U8(smallLogSumExp))
	JE(operand.LabelRef("so_ret"))
	CMPQ(mode, operand.U8(smallLogSoftmax))
	JNE(operand.LabelRef("so_probs"))
	// LogSoftmax: (x − m) − float32(log sum), ShiftSub's two roundings.
	l := XMM()
	VCVTSD2SS(logs, logs, l)
	lb := a.vec()
	VBROADCASTSS(l, lb)
	VSUBPS(mb, x, x)
	VSUBPS(lb, x, x)
	exactStoreAs("so_ls", dst, n, x)
	Label("so_ret")
	smallReturn(lse, nil)

	// Softmax and the cross-entropy: SoftmaxSmall's scaling.
	Label("so_probs")
	VMULPS(a.invSum(sum), y, y)
	CMPQ(mode, operand.U8(smallXent))
	JE(operand.LabelRef("so_xent"))
	exactStoreAs("so_p", dst, n, y)
	smallReturn(lse, nil)

	// The gradient p − onehot(label) and the loss log sum − (z_label − m)
	// in float64.
	Label("so_xent")
	lab := GP64()
	Load(Param("label"), lab)
	bit := GP64()
	XORL(bit.As32(), bit.As32())
	BTSQ(lab, bit)
	kl := K()
	KMOVW(bit.As32(), kl)
	VSUBPS_BCST(a.k(cOne), y, kl, y)
	exactStoreAs("so_g", dst, n, y)
	zy := XMM()
	VMOVQ(lab, zy)
	VPERMPS(x, zy.AsZ(), zy.AsZ())
	VCVTSS2SD(zy, zy, zy)
	VSUBSD(m64, zy, zy) // z_label − m
	VSUBSD(zy, logs, logs)
	VCVTSD2SS(logs, logs, logs)
	smallReturn(lse, logs)

	// Special rows: NaN everywhere (every output, the loss), lse NaN but
	// −Inf when every element is −Inf.
	Label("so_nan")
	nanv := a.vec()
	VBROADCASTSS(smallTab.Offset(smallNaN), nanv)
	lseN := XMM()
	VMOVAPS(nanv.AsX(), lseN)
	JMP(operand.LabelRef("so_fill"))
	Label("so_inf")
	nanv2 := a.vec()
	VBROADCASTSS(smallTab.Offset(smallNaN), nanv2)
	lseI := XMM()
	VMOVAPS(nanv2.AsX(), lseI)
	// m = −Inf and no NaN element: lse = −Inf.
	VUCOMISS(a.k(cNegInf), mx)
	JNE(operand.LabelRef("so_inf_nan"))
	kn := K()
	VCMPPS(operand.U8(3), x, x, kk, kn) // unordered: NaN lanes
	KORTESTW(kn, kn)
	JNZ(operand.LabelRef("so_inf_nan"))
	VMOVSS(a.k(cNegInf), lseI)
	Label("so_inf_nan")
	CMPQ(addr(Param("mode")), operand.U8(smallLogSumExp))
	JE(operand.LabelRef("so_inf_ret"))
	dp := GP64()
	Load(Param("dst").Base(), dp)
	exactStoreAs("so_fi", dp, n, nanv2)
	Label("so_inf_ret")
	smallReturn(lseI, nanv2.AsX())
	Label("so_fill")
	CMPQ(addr(Param("mode")), operand.U8(smallLogSumExp))
	JE(operand.LabelRef("so_nan_ret"))
	dp2 := GP64()
	Load(Param("dst").Base(), dp2)
	exactStoreAs("so_fn", dp2, n, nanv)
	Label("so_nan_ret")
	smallReturn(lseN, nanv.AsX())
}

// smallReturn stores lse and loss (lane 0 of XMM registers; loss 0 if
// nil) and returns.
func smallReturn(lse, loss reg.Register) {
	storeRet(0, lse, false)
	if loss == nil {
		z := XMM()
		VXORPS(z, z, z)
		loss = z
	}
	storeRet(1, loss, false)
	VZEROUPPER()
	RET()
}
