package main

import (
	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/gotypes"
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/seed7bc074a2/maxent/fallback"
)

// xentFlush bounds the running product of row sums in SoftmaxXentRows: the
// kernel returns as soon as the product exceeds it, and the caller folds
// its logarithm into the loss (package kernel's sceRows, with the same
// constant from package fallback).
const xentFlush = fallback.ProdBound

// xentGroup is the rows SoftmaxXentRows interleaves: 3 measured faster
// than 2 (more independent chains in flight; see docs/performance.md), and
// 4 run out of general registers.
const xentGroup = 3

// xentArgs loads the loss kernels' arguments: grad's and z's addresses
// (returned), the strides in bytes and z2's offset from z (to the frame
// slots given), z2's base and the rows (len(labels)) as argument operands.
// z2 is a second addend of the logits (the partial logits of another SGD
// worker), added to z's rows as they are loaded; none if its base pointer
// is nil (tested in the argument frame for every row).
func xentArgs(gsbMem, zsbMem, d2Mem operand.Mem) (gp, zp reg.GPVirtual, z2, rows operand.Mem) {
	gp, zp = GP64(), GP64()
	Load(Param("grad").Base(), gp)
	Load(Param("z").Base(), zp)
	t := GP64()
	Load(Param("gstride"), t)
	SHLQ(operand.U8(2), t)
	MOVQ(t, gsbMem)
	Load(Param("zstride"), t)
	SHLQ(operand.U8(2), t)
	MOVQ(t, zsbMem)
	MOVQ(addr(Param("z2").Base()), t)
	SUBQ(zp, t)
	MOVQ(t, d2Mem)
	return gp, zp, addr(Param("z2").Base()), addr(Param("labels").Len())
}

// addr returns an argument's operand.
func addr(c gotypes.Component) operand.Mem {
	b, err := c.Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// rowAt returns the address of row r of a block of rows at base, stride
// bytes apart (the stride in the frame at strideMem; row 0 is base
// itself).
func rowAt(base reg.GPVirtual, strideMem operand.Mem, r int) reg.GPVirtual {
	if r == 0 {
		return base
	}
	p := GP64()
	MOVQ(strideMem, p)
	if r > 1 {
		IMUL3Q(operand.U8(r), p, p)
	}
	ADDQ(base, p)
	return p
}

// tree8 returns the sum of the 8 + 8 terms v(0) … v(15) in the order of
// the kernels' lane reductions: h_l = v(l) + v(l+8), q_l = h_l + h_{l+4},
// then (q_0 + q_2) + (q_1 + q_3), with add doing one addition.
func tree8(v func(l int) reg.VecVirtual, add func(p, q reg.VecVirtual) reg.VecVirtual) reg.VecVirtual {
	var h [8]reg.VecVirtual
	for l := range h {
		h[l] = add(v(l), v(l+8))
	}
	var q [4]reg.VecVirtual
	for l := range q {
		q[l] = add(h[l], h[l+4])
	}
	return add(add(q[0], q[2]), add(q[1], q[3]))
}

// derivedSum sets x's lanes c < k−1 (kFirst) to x_c + b_c and lane k−1
// (kLast) to b_{k−1} − s, s the float32 sum of x's first k−1 lanes:
// h_l = x_l + x_{l+8}, q_l = h_l + h_{l+4}, then (q_0 + q_2) + (q_1 + q_3)
// (a zero for every lane from k−1): fallback.DeriveLast.
func derivedSum(x, bias reg.VecVirtual, kFirst, kLast reg.Register) {
	t := ZMM()
	VMOVAPS_Z(x, kFirst, t)
	h := YMM()
	VEXTRACTF64X4(operand.U8(1), t, h)
	VADDPS(h, t.AsY(), h)
	q := XMM()
	VEXTRACTF32X4(operand.U8(1), h, q)
	VADDPS(q, h.AsX(), q)
	r := XMM()
	VPERMILPS(operand.U8(0x4e), q, r)
	VADDPS(r, q, q)
	VPERMILPS(operand.U8(0xb1), q, r)
	VADDPS(r, q, q)
	sv := ZMM()
	VBROADCASTSS(q, sv)
	VADDPS(bias, x, x)
	VSUBPS(sv, bias, kLast, x) // lane k−1: b − s
}

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
//
// With wide, SoftmaxXentRowsWide<ISA> reads and writes every row with one
// K-masked 64-byte access instead of SoftmaxSmall's exact pieces, for rows
// at least 16 elements apart (gstride, zstride ≥ 16): the 64-byte windows
// of different rows are then disjoint, so a row's masked load never waits
// for the store of the row before it (the Zen 4 stall the pieces avoid, see
// exactLoad), and one access per row measured faster than the pieces.
//
// With derive (wide only), SoftmaxXentRowsDerived<ISA> takes the logits
// of rows whose last class is derived (the SGD trainer on codes, which
// keeps Σ_c W_c = 0 and so computes k−1 logits): each row's logits are
// first replaced by x_c + b[c] for c < k−1 and b[k−1] − s for the last,
// where x is the row (plus z2's) and s the float32 sum of x_0 … x_{k−2}
// (lanes l + l+8, then + l+4, then + l+2, then the two: derivedSum).
// Lane k−1 of z and z2 is not read.
func genXentRows(a *isa, wide, derive bool) {
	if !a.evex {
		panic("SoftmaxXentRows needs K masks")
	}
	if derive && !wide {
		panic("SoftmaxXentRowsDerived: the wide variant only")
	}
	name := "SoftmaxXentRows" + a.name
	if wide {
		name = "SoftmaxXentRowsWide" + a.name
	}
	sig := "func(grad []float32, gstride int, z, z2 []float32, zstride int, labels []int, k int, st []float64) (done, correct int)"
	if derive {
		name = "SoftmaxXentRowsDerived" + a.name
		sig = "func(grad []float32, gstride int, z, z2 []float32, zstride int, labels []int, k int, st []float64, b []float32) (done, correct int)"
	}
	text(name, sig)
	if derive {
		Doc(name + " is SoftmaxXentRowsWide" + a.name + " on rows whose last logit is derived: b[k−1] minus the sum of the others, which get b added.")
	} else if wide {
		Doc(name + " is SoftmaxXentRows" + a.name + " for gstride, zstride ≥ 16, with one masked access per row.")
	} else {
		Doc(name+" is SoftmaxSmall"+a.name+", the one-hot gradient, the loss terms, the argmax test",
			"and the bias gradient of len(labels) rows of k ≤ 16 logits (see package kernel's sceRows).")
	}

	// In the frame: the strides in bytes and z2's offset from z, to leave
	// registers to the group path.
	frame := AllocLocal(24)
	gsbMem, zsbMem, d2Mem := frame.Offset(0), frame.Offset(8), frame.Offset(16)
	gp, zp, z2arg, rowsArg := xentArgs(gsbMem, zsbMem, d2Mem)
	lab := GP64()
	Load(Param("labels").Base(), lab)
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
	// With derive: the bias, the first k−1 lanes and the last lane.
	var bias reg.VecVirtual
	var kFirst, kLast reg.Register
	if derive {
		bias = a.vec()
		bp := GP64()
		Load(Param("b").Base(), bp)
		VMOVUPS_Z(operand.Mem{Base: bp}, s.k, bias)
		n1 := GP64()
		LEAQ(operand.Mem{Base: n, Disp: -1}, n1)
		kFirst = a.laneMask(n1)
		kLast = K()
		KANDNW(s.k, kFirst, kLast) // lanes < k and not < k−1
	}
	// A row's k elements at p: loaded (other lanes zero) or stored.
	loadRow := func(prefix string, p reg.GPVirtual, x reg.VecVirtual) {
		if wide {
			VMOVUPS_Z(operand.Mem{Base: p}, s.k, x)
		} else {
			exactLoadAs(prefix, p, n, x)
		}
	}
	storeRow := func(prefix string, p reg.GPVirtual, y reg.VecVirtual) {
		if wide {
			VMOVUPS(y, s.k, operand.Mem{Base: p})
		} else {
			exactStoreAs(prefix, p, n, y)
		}
	}

	st := loadXentState(stp)
	lin, prod, gbLo, gbHi := st.lin, st.prod, st.gbLo, st.gbHi

	// row is the state of one row between the steps below.
	type row struct {
		x, mb, y reg.VecVirtual
		mx, zy   reg.Register  // XMM: the maximum, z[i, label]
		sum      reg.Register  // XMM: the float64 sum of the exponentials
		r        int           // the row's place in its group (its label: labels[i+r])
		hits     reg.GPVirtual // the group's count of rows whose first maximum is at the label
	}
	// load: row r's logits (z + z2), its maximum and its label (the
	// maximum ±Inf: to special, nothing written).
	load := func(tag string, zr reg.GPVirtual, r int, hits reg.GPVirtual, special string) *row {
		w := &row{r: r, hits: hits}
		label := GP64()
		MOVQ(operand.Mem{Base: lab, Index: i, Scale: 8, Disp: 8 * r}, label)
		w.x = a.vec()
		loadRow("ld"+tag, zr, w.x)
		CMPQ(z2arg, operand.U8(0))
		JE(operand.LabelRef("xr_one" + tag))
		z2p := GP64()
		MOVQ(d2Mem, z2p)
		ADDQ(zr, z2p)
		x2 := a.vec()
		loadRow("ld2"+tag, z2p, x2)
		VADDPS(x2, w.x, w.x) // z + z2, as the Go loop's zi[c] += z2[c]
		Label("xr_one" + tag)
		if derive {
			derivedSum(w.x, bias, kFirst, kLast)
		}
		// SoftmaxSmall: the maximum.
		acc := a.vec()
		a.splat(cNegInf, acc)
		a.maxInto(acc, w.x, s.k)
		w.mx = a.reduceMax([]reg.VecVirtual{acc})
		jumpIfInf(w.mx, special)
		w.mb = a.vec()
		VBROADCASTSS(w.mx, w.mb)
		// The argmax test: the first lane equal to the maximum (no lane
		// is NaN in a row that completes, see the sum test), counted
		// when the row is done.
		ke := K()
		VCMPPS(operand.U8(0), w.mb, w.x, s.k, ke) // EQ_OQ
		first := GP32()
		KMOVW(ke, first)
		BSFL(first, first)
		hit := GP64()
		XORL(hit.As32(), hit.As32())
		CMPQ(first.As64(), label)
		SETEQ(hit.As8())
		ADDQ(hit, hits)
		// z[i, label] (with z2's): lane label of x.
		w.zy = XMM()
		VMOVQ(label, w.zy)
		VPERMPS(w.x, w.zy.(reg.VecVirtual).AsZ(), w.zy.(reg.VecVirtual).AsZ())
		return w
	}
	// exps: SoftmaxSmall's exponentials of the rows (interleaved) and
	// their sums; a sum ≤ 0 or NaN (a NaN element): to special.
	exps := func(ws []*row, special string) {
		ys := a.exp(len(ws), s, func(j int, v reg.VecVirtual) { VSUBPS(ws[j].mb, ws[j].x, v) })
		for j, w := range ws {
			w.y = ys[j]
			sacc := a.vec()
			VXORPS(sacc, sacc, sacc)
			a.accumulate(sacc, w.y)
			w.sum = a.reduceSum([]reg.VecVirtual{sacc})
		}
		zero := XMM()
		VXORPD(zero, zero, zero)
		for _, w := range ws {
			VUCOMISD(zero, w.sum)
			JLS(operand.LabelRef(special))
		}
	}
	// done: the row's results, in the order of the row-at-a-time loop: the
	// count, the loss terms in float64 (prod already multiplied when
	// newProd is set), the gradient row at gr and the bias gradient.
	done := func(tag string, w *row, gr reg.GPVirtual, newProd reg.Register) {
		if w.r == 0 { // the group's count, once
			ADDQ(w.hits, cnt)
		}
		m64 := XMM()
		VCVTSS2SD(w.mx, w.mx, m64) // upper lanes from mx: no dependence on m64's last value
		VCVTSS2SD(w.zy, w.zy, w.zy)
		VSUBSD(w.zy, m64, m64)
		VADDSD(m64, lin, lin)
		if newProd != nil {
			VMOVSD(newProd, prod, prod)
		} else {
			VMULSD(w.sum, prod, prod)
		}
		// SoftmaxSmall: the scaling; then the label's lane minus 1.
		y := w.y
		VMULPS(a.invSum(w.sum), y, y)
		bit, label := GP64(), GP64()
		MOVQ(operand.Mem{Base: lab, Index: i, Scale: 8, Disp: 8 * w.r}, label)
		XORL(bit.As32(), bit.As32())
		BTSQ(label, bit)
		kl := K()
		KMOVW(bit.As32(), kl)
		VSUBPS_BCST(a.k(cOne), y, kl, y)
		storeRow("st"+tag, gr, y)
		// The bias gradient.
		lo, hi := a.vec(), a.vec()
		VCVTPS2PD(y.AsY(), lo)
		VEXTRACTF64X4(operand.U8(1), y, hi.AsY())
		VCVTPS2PD(hi.AsY(), hi)
		VADDPD(lo, gbLo, gbLo)
		VADDPD(hi, gbHi, gbHi)
	}

	// xentGroup rows at a time while that many remain: their dependency
	// chains (reductions, exp) interleaved, which one row at a time leaves
	// the core waiting on. The results are committed in row order only
	// when every row is ordinary and none but the last takes prod past
	// the flush bound; otherwise the first row goes alone (xr_single).
	G := xentGroup
	Label("xr_row")
	t2 := GP64()
	LEAQ(operand.Mem{Base: i, Disp: G}, t2)
	CMPQ(t2, rowsArg)
	JA(operand.LabelRef("xr_single"))
	var ws []*row
	hits := GP64()
	XORL(hits.As32(), hits.As32())
	for r := 0; r < G; r++ {
		zr := rowAt(zp, zsbMem, r)
		ws = append(ws, load(string(rune('A'+r)), zr, r, hits, "xr_single"))
	}
	exps(ws, "xr_single")
	// ps[r]: prod after rows 0..r (r < G−1), each within the bound.
	var ps []reg.Register
	for r := 0; r < G-1; r++ {
		p := XMM()
		var from reg.Register = prod
		if r > 0 {
			from = ps[r-1]
		}
		VMULSD(ws[r].sum, from, p)
		VUCOMISD(a.k(cF64Flush), p)
		JHI(operand.LabelRef("xr_single")) // the first row alone, then a stop
		ps = append(ps, p)
	}
	for r, w := range ws {
		gr := rowAt(gp, gsbMem, r)
		var np reg.Register
		if r < G-1 {
			np = ps[r]
		}
		done(string(rune('A'+r)), w, gr, np)
	}
	ADDQ(operand.U8(G), i)
	MOVQ(zsbMem, t2)
	IMUL3Q(operand.U8(G), t2, t2)
	ADDQ(t2, zp)
	MOVQ(gsbMem, t2)
	IMUL3Q(operand.U8(G), t2, t2)
	ADDQ(t2, gp)
	VUCOMISD(a.k(cF64Flush), prod)
	JHI(operand.LabelRef("xr_done")) // prod > xentFlush: the caller folds it
	JMP(operand.LabelRef("xr_row"))

	// One row: the last, or the first of a group that could not go
	// together; a special row stops the kernel before it.
	Label("xr_single")
	CMPQ(i, rowsArg)
	JAE(operand.LabelRef("xr_done"))
	hits1 := GP64()
	XORL(hits1.As32(), hits1.As32())
	w := load("S", zp, 0, hits1, "xr_done")
	exps([]*row{w}, "xr_done")
	done("S", w, gp, nil)
	INCQ(i)
	ADDQ(zsbMem, zp)
	ADDQ(gsbMem, gp)
	VUCOMISD(a.k(cF64Flush), prod)
	JHI(operand.LabelRef("xr_done")) // prod > xentFlush: the caller folds it
	JMP(operand.LabelRef("xr_row"))

	Label("xr_done")
	st.storeAndReturn(i, cnt)
}

// xentState is the loss kernels' running state (their st argument): the
// sum of the loss terms, the product of the row sums and the bias
// gradient sums of 16 lanes.
type xentState struct {
	lin, prod  reg.Register // XMM
	gbLo, gbHi reg.VecVirtual
}

// loadXentState loads the state from st (at stp).
func loadXentState(stp reg.GPVirtual) xentState {
	st := xentState{lin: XMM(), prod: XMM(), gbLo: ZMM(), gbHi: ZMM()}
	VMOVSD(operand.Mem{Base: stp}, st.lin)
	VMOVSD(operand.Mem{Base: stp, Disp: 8}, st.prod)
	VMOVUPD(operand.Mem{Base: stp, Disp: 16}, st.gbLo)
	VMOVUPD(operand.Mem{Base: stp, Disp: 80}, st.gbHi)
	return st
}

// storeAndReturn stores the state back to st (its address loaded again:
// not kept in a register through the loop) and returns the rows done and
// the count.
func (st xentState) storeAndReturn(done, correct reg.GPVirtual) {
	sto := GP64()
	Load(Param("st").Base(), sto)
	VMOVSD(st.lin, operand.Mem{Base: sto})
	VMOVSD(st.prod, operand.Mem{Base: sto, Disp: 8})
	VMOVUPD(st.gbLo, operand.Mem{Base: sto, Disp: 16})
	VMOVUPD(st.gbHi, operand.Mem{Base: sto, Disp: 80})
	Store(done, ReturnIndex(0))
	Store(correct, ReturnIndex(1))
	VZEROUPPER()
	RET()
}

// foldNil returns the two-operand vector op (Go operand order: op(q, p,
// dst) computes p op q) as a function into a new ZMM register, where a nil
// operand stands for a term that folds away exactly (the other is
// returned).
func foldNil(op func(...operand.Op)) func(p, q reg.VecVirtual) reg.VecVirtual {
	return func(p, q reg.VecVirtual) reg.VecVirtual {
		switch {
		case q == nil:
			return p
		case p == nil:
			return q
		}
		d := ZMM()
		op(q, p, d)
		return d
	}
}
