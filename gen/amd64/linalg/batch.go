package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The batched kernels of the minibatch trainer: MatMulT (z = x·wᵀ + b) and
// AddMatMulTN (g += alpha·dᵀ·x). Both are register-blocked so that every
// vector loaded from W or x (MatMulT) or x (AddMatMulTN) feeds several FMAs
// and W or G streams through the registers once per block of samples, not
// once per sample.

// sampleRow addresses row s (< 4) of a block of samples: base points at
// row 0, sb is the row stride in bytes and s3 three strides (S == 4 only).
func sampleRow(base, sb, s3 GPVirtual, s, disp int) Mem {
	var m Mem
	switch s {
	case 0:
		m = Mem{Base: base}
	case 1:
		m = Mem{Base: base, Index: sb, Scale: 1}
	case 2:
		m = Mem{Base: base, Index: sb, Scale: 2}
	case 3:
		m = Mem{Base: base, Index: s3, Scale: 1}
	default:
		panic(fmt.Sprintf("sample %d: at most 4 samples per block", s))
	}
	return m.Offset(disp)
}

// nextBlock sets xn = xp + S rows of sb bytes.
func nextBlock(xp, sb, xn GPVirtual, S int) {
	switch S {
	case 1, 2, 4:
		LEAQ(Mem{Base: xp, Index: sb, Scale: uint8(S)}, xn)
	default:
		panic("nextBlock: 1, 2 or 4 samples")
	}
}

// nextRows advances p by R rows of sb bytes; tmp is scratch.
func nextRows(p, sb, tmp GPVirtual, R int) {
	switch R {
	case 1, 2, 4, 8:
		LEAQ(Mem{Base: p, Index: sb, Scale: uint8(R)}, p)
	default:
		IMUL3Q(U32(R), sb, tmp)
		ADDQ(tmp, p)
	}
}

// matMulT emits MatMulT<ISA>(z []float32, zstride int, x []float32,
// xstride int, w []float32, wstride int, b []float32, n, k, m int).
//
// Samples (rows of x) are taken in blocks of S = MatMulTSamples; n must be
// a multiple of S (the caller does the rest with MatVec). Within a block,
// the rows of w are processed in passes of R rows (MatMulTPasses, largest
// first; each shape loops while at least R rows remain). A pass keeps S·R
// float32 accumulators, one per (sample, row); each iteration loads one
// vector of each of the S samples and one vector of each of the R rows
// once, and does S·R FMAs. Accumulators are flushed exactly into float64
// (in the frame) every blockIters iterations of long rows, as in MatVec;
// the end of a pass reduces each (sample, row) horizontally in float64,
// adds the bias in float64 and rounds once (storeSums).
//
// Column tails: AVX-512 loads the last m%16 columns with K1-masked loads
// after the main loop; AVX2 does the last m%8 columns first, with scalar
// FMAs into the freshly zeroed accumulators (a VEX scalar op clears the
// upper lanes of its destination, which are still zero then).
func matMulT(s *ISA) { matMulTGen(s, false, false, false) }

// matMulTPf emits MatMulTPf<ISA>: MatMulT<ISA> with one more argument, pf
// []uintptr of at least n addresses, whose main loop prefetches the rows
// at pf[i] (i in the current block) instead of the next block of x: the
// minibatch trainer passes the rows of its next minibatch, scattered over
// the data, so that their cache lines arrive during this block's FMAs
// instead of in one burst that stalls the core. The results are those of
// MatMulT<ISA>, bit for bit.
func matMulTPf(s *ISA) { matMulTGen(s, true, false, false) }

// matMulTGather emits MatMulTGather<ISA>: MatMulTPf<ISA> whose samples are
// rows anywhere in memory, row i at the address xp[i] (n entries), instead
// of rows of one matrix: the minibatch trainer computes the logits of its
// shuffled rows where they lie, without copying them into a block first.
// The results are those of MatMulT<ISA> on the same rows, bit for bit.
func matMulTGather(s *ISA) { matMulTGen(s, true, true, false) }

// matMulTGatherU8 emits MatMulTGatherU8<ISA>: MatMulTGather<ISA> whose
// rows are m bytes each, codes standing for the float32 values
// float32(code): each vector of a row is widened and converted as it is
// loaded (exactly), so the results are those of MatMulTGather<ISA> on rows
// of those values, bit for bit, from a quarter of the bytes. The SGD
// trainer passes its weights times the columns' scales as w (see
// addMatMulTNGatherSGDU8), which is how the codes' scales enter.
func matMulTGatherU8(s *ISA) { matMulTGen(s, true, true, true) }

// decode emits the load of a vector (masked: K1) of byte codes at xm into
// v as float32 values (exact).
func (s *ISA) decode(xm Mem, v VecPhysical, masked bool) {
	if masked {
		VPMOVZXBD_Z(xm, K1, v)
	} else {
		VPMOVZXBD(xm, v)
	}
	VCVTDQ2PS(v, v)
}

// decodeScalar is decode on one element (lane 0 of the XMM register v; t
// is a scratch general register).
func decodeScalar(xm Mem, v Register, t GPVirtual) {
	MOVBLZX(xm, t.As32())
	VCVTSI2SSL(t.As32(), v, v)
}

func matMulTGen(s *ISA, pf, gather, u8 bool) {
	name := "MatMulT" + s.Name
	sig := "func(z []float32, zstride int, x []float32, xstride int, w []float32, wstride int, b []float32, n, k, m int)"
	if u8 {
		name = "MatMulTGatherU8" + s.Name
		sig = "func(z []float32, zstride int, xp []uintptr, w []float32, wstride int, b []float32, n, k, m int, pf []uintptr)"
	} else if gather {
		name = "MatMulTGather" + s.Name
		sig = "func(z []float32, zstride int, xp []uintptr, w []float32, wstride int, b []float32, n, k, m int, pf []uintptr)"
	} else if pf {
		name = "MatMulTPf" + s.Name
		sig = "func(z []float32, zstride int, x []float32, xstride int, w []float32, wstride int, b []float32, n, k, m int, pf []uintptr)"
	}
	TEXT(name, 0, sig)
	if u8 {
		Doc(name+" is MatMulTGather"+s.Name+" on rows of m bytes at the addresses xp[i], standing for the",
			"float32 values of the bytes.")
	} else if gather {
		Doc(name+" is MatMulTPf"+s.Name+" on the rows at the addresses xp[i] (m float32 each)",
			"instead of the rows of x; len(xp) >= n, len(pf) >= n.")
	} else if pf {
		Doc(name+" is MatMulT"+s.Name+" prefetching (PREFETCHT1) the rows at pf[i] for the samples i of each block",
			"instead of the next block of x; len(pf) >= n.")
	} else {
		Doc(name+" sets z[i*zstride+c] = float32(Σ_{j<m} x[i*xstride+j]·w[c*wstride+j] + b[c])",
			"for i < n, c < k; no bias when len(b) == 0. n must be a multiple of the block size.")
	}
	L, VB, S := s.Lanes, s.VB(), s.MatMulTSamples
	maxR := s.MatMulTPasses[0]
	slots := 4 // flag, zstride, samples left, z block
	if pf {
		slots = 7 // and pf cursor, krem, bp
	}
	if gather {
		slots = 8 // and the cursor in xp
	}
	frame := AllocLocal(S*maxR*VB + 8*slots)
	slot := func(i int) Mem { return frame.Offset(S*maxR*VB + 8*i) }
	flagMem, zsbMem, nremMem, zblkMem, pfMem := slot(0), slot(1), slot(2), slot(3), slot(4)
	kremMem, bpMem := slot(5), slot(6) // with pf: krem and bp live in the frame
	xtMem := slot(7)                   // with gather: the block's entries of xp
	// cb is the bytes of x per column (xn counts bytes of x).
	cb := 4
	if u8 {
		cb = 1
	}
	if pf {
		t := loadGP(Param("pf").Base())
		MOVQ(t, pfMem)
	}
	dmem := func(i int) Mem { return frame.Offset(i * VB) }

	t := loadGP(Param("zstride"))
	SHLQ(U8(2), t)
	MOVQ(t, zsbMem)
	t = loadGP(Param("n"))
	MOVQ(t, nremMem)
	t = loadGP(Param("z").Base())
	MOVQ(t, zblkMem)
	var xblk, xsb, xs3 GPVirtual
	if gather {
		t := loadGP(Param("xp").Base())
		MOVQ(t, xtMem)
	} else {
		xblk = loadGP(Param("x").Base())
		xsb = loadGP(Param("xstride"))
		SHLQ(U8(2), xsb)
	}
	if S == 4 && !gather {
		xs3 = GP64()
		LEAQ(Mem{Base: xsb, Index: xsb, Scale: 2}, xs3)
	} else if S != 4 && S != 2 && S != 1 {
		panic("MatMulT: 1, 2 or 4 samples per block")
	}
	sb := loadGP(Param("wstride"))
	SHLQ(U8(2), sb)
	s3 := GP64()
	LEAQ(Mem{Base: sb, Index: sb, Scale: 2}, s3)
	if s.AVX512 {
		tn := loadGP(Param("m"))
		ANDQ(U32(L-1), tn)
		s.setMask(tn)
	}
	zp, wrow := GP64(), GP64()
	var bp, krem GPVirtual
	if !pf {
		bp, krem = GP64(), GP64()
	}

	Label("block")
	CMPQ(nremMem, U32(S))
	JB(LabelRef("done"))
	MOVQ(zblkMem, zp)
	Load(Param("w").Base(), wrow)
	if pf {
		// Two registers fewer in the loops for the prefetch cursor.
		t := GP64()
		Load(Param("b").Base(), t)
		MOVQ(t, bpMem)
		Load(Param("k"), t)
		MOVQ(t, kremMem)
	} else {
		Load(Param("b").Base(), bp)
		Load(Param("k"), krem)
	}

	for pi, R := range s.MatMulTPasses {
		lbl, next := passLabels(R, s.MatMulTPasses[pi+1:], "next_block")
		if R > 5 {
			panic("MatMulT: at most 5 rows per pass")
		}
		p := s.pool()
		acc := make([][]VecPhysical, S)
		for i := range acc {
			acc[i] = p.GetN(R)
		}
		xv := p.GetN(S)
		wv := p.Get()
		t1, t2 := xv[0], wv // scratch once the loads are dead
		if S == 1 {
			t1 = p.Get()
		}
		zeroAcc := func() {
			for i := range acc {
				for _, a := range acc[i] {
					s.zero(a)
				}
			}
		}

		Commentf("Passes of %d rows of w over %d samples.", R, S)
		Label(lbl("rows"))
		if pf {
			CMPQ(kremMem, U32(R))
		} else {
			CMPQ(krem, U32(R))
		}
		JB(LabelRef(next))
		ra := rowAddr{b0: GP64(), sb: sb, s3: s3}
		var xp GPVirtual
		var rowp []GPVirtual // with gather: the block's rows
		if gather {
			xt := GP64()
			MOVQ(xtMem, xt)
			for i := 0; i < S; i++ {
				rowp = append(rowp, GP64())
				MOVQ(Mem{Base: xt, Disp: 8 * i}, rowp[i])
			}
		} else {
			xp = GP64()
		}
		n := GP64()
		// Prefetch cursor: xp + S rows (the same columns of the next
		// block), or with pf the byte offset of xp's columns into the rows.
		xn := GP64()
		var pft GPVirtual // with pf: the block's entries of pf
		if pf {
			pft = GP64()
		}
		xrow := func(i, disp int) Mem {
			if gather { // xn is the byte offset of the current columns
				return Mem{Base: rowp[i], Index: xn, Scale: 1, Disp: disp}
			}
			return sampleRow(xp, xsb, xs3, i, disp)
		}
		advance := func(bytes int) { // bytes of w
			if !gather {
				ADDQ(U32(bytes), xp)
			}
			ADDQ(U32(bytes/4*cb), xn)
			ADDQ(U32(bytes), ra.b0)
		}
		// body: one vector of every sample, then each row's vector feeds
		// S FMAs. The main loop also prefetches (into L2: PREFETCHT1
		// measured faster than T0) the same columns of the next
		// block's samples: when x streams from memory (a full-batch pass
		// over a large data set) the next rows then arrive while this block
		// computes (a prefetch never faults, also past x's end).
		body := func(masked bool) {
			if !masked {
				for i := 0; i < S; i++ {
					if pf {
						t := GP64()
						MOVQ(Mem{Base: pft, Disp: 8 * i}, t)
						PREFETCHT1(Mem{Base: t, Index: xn, Scale: 1})
					} else {
						PREFETCHT1(sampleRow(xn, xsb, xs3, i, 0))
					}
				}
			}
			for i := 0; i < S; i++ {
				switch {
				case u8:
					s.decode(xrow(i, 0), xv[i], masked)
				case masked:
					VMOVUPS_Z(xrow(i, 0), K1, xv[i])
				default:
					VMOVUPS(xrow(i, 0), xv[i])
				}
			}
			for r := 0; r < R; r++ {
				if masked {
					VMOVUPS_Z(ra.row(r, 0), K1, wv)
				} else {
					VMOVUPS(ra.row(r, 0), wv)
				}
				for i := 0; i < S; i++ {
					VFMADD231PS(wv, xv[i], acc[i][r])
				}
			}
		}
		zeroAcc()
		MOVQ(U32(0), flagMem)
		if !s.AVX512 {
			// The last m%8 columns first, into the zeroed accumulators.
			Load(Param("m"), n)
			ANDQ(U32(L-1), n)
			JZ(LabelRef(lbl("main")))
			if gather {
				Load(Param("m"), xn)
				ANDQ(U32(^uint32(L-1)), xn)
				if u8 {
					LEAQ(Mem{Base: wrow, Index: xn, Scale: 4}, ra.b0)
				} else {
					SHLQ(U8(2), xn)
					LEAQ(Mem{Base: wrow, Index: xn, Scale: 1}, ra.b0)
				}
			} else {
				Load(Param("m"), xp)
				ANDQ(U32(^uint32(L-1)), xp)
				SHLQ(U8(2), xp)
				LEAQ(Mem{Base: wrow, Index: xp, Scale: 1}, ra.b0)
				ADDQ(xblk, xp)
				MOVQ(xp, xn)
			}
			Label(lbl("tail"))
			for i := 0; i < S; i++ {
				if u8 {
					decodeScalar(xrow(i, 0), xv[i].AsX(), GP64())
				} else {
					VMOVSS(xrow(i, 0), xv[i].AsX())
				}
			}
			for r := 0; r < R; r++ {
				VMOVSS(ra.row(r, 0), wv.AsX())
				for i := 0; i < S; i++ {
					VFMADD231SS(wv.AsX(), xv[i].AsX(), acc[i][r].AsX())
				}
			}
			advance(4)
			DECQ(n)
			JNZ(LabelRef(lbl("tail")))
			Label(lbl("main"))
		}
		if !gather {
			MOVQ(xblk, xp)
		}
		MOVQ(wrow, ra.b0)
		Load(Param("m"), n)
		if pf {
			XORL(xn.As32(), xn.As32())
			MOVQ(pfMem, pft)
		} else {
			nextBlock(xp, xsb, xn, S)
		}

		long := blockIters * L
		CMPQ(n, U32(long))
		JB(LabelRef(lbl("short")))
		MOVQ(U32(1), flagMem)
		s.zero(t1)
		for i := 0; i < S*R; i++ {
			VMOVUPD(t1, dmem(i))
		}
		Label(lbl("block"))
		blk := GP64()
		MOVL(U32(blockIters), blk.As32())
		Label(lbl("blockloop"))
		body(false)
		advance(VB)
		DECQ(blk)
		JNZ(LabelRef(lbl("blockloop")))
		SUBQ(U32(long), n)
		for i := range acc {
			for r, a := range acc[i] {
				s.rowTotal([]VecPhysical{a}, a, t1, t2)
				VADDPD(dmem(i*R+r), a, a)
				VMOVUPD(a, dmem(i*R+r))
			}
		}
		zeroAcc()
		CMPQ(n, U32(long))
		JAE(LabelRef(lbl("block")))

		Label(lbl("short"))
		CMPQ(n, U32(L))
		JB(LabelRef(lbl("cols")))
		Label(lbl("loop"))
		body(false)
		advance(VB)
		SUBQ(U32(L), n)
		CMPQ(n, U32(L))
		JAE(LabelRef(lbl("loop")))

		Label(lbl("cols")) // n == m % L
		if s.AVX512 {
			TESTQ(n, n)
			JZ(LabelRef(lbl("total")))
			body(true)
			Label(lbl("total"))
		}
		zrow := GP64()
		f32 := (s.AVX512 && S == 4) || (!s.AVX512 && S == 2)
		if f32 {
			// Rows that never took the float64 flush path (m < 1024):
			// the float32 transposing reduction.
			CMPQ(flagMem, U8(0))
			JNE(LabelRef(lbl("f64")))
			bpr := bp
			if pf {
				bpr = GP64()
				MOVQ(bpMem, bpr)
			}
			s.sums(acc, R, zp, zrow, zsbMem, bpr, t1, t2, lbl("nob"))
			JMP(LabelRef(lbl("stored")))
			Label(lbl("f64"))
		}
		for i := range acc {
			for _, a := range acc[i] {
				s.rowTotal([]VecPhysical{a}, a, t1, t2)
			}
		}
		CMPQ(flagMem, U8(0))
		JEQ(LabelRef(lbl("sums")))
		for i := range acc {
			for r, a := range acc[i] {
				VADDPD(dmem(i*R+r), a, a)
			}
		}
		Label(lbl("sums"))
		MOVQ(zp, zrow)
		for i := 0; i < S; i++ {
			if i > 0 {
				ADDQ(zsbMem, zrow)
			}
			bpr := bp
			if pf {
				bpr = GP64()
				MOVQ(bpMem, bpr)
			}
			s.storeSums(acc[i], Mem{Base: zrow}, bpr, t1, t2, lbl(fmt.Sprintf("store%d", i)))
		}
		if f32 {
			Label(lbl("stored"))
		}
		// Next R rows of w.
		nextRows(wrow, sb, zrow, R)
		ADDQ(U32(4*R), zp)
		if pf {
			ADDQ(U32(4*R), bpMem)
			SUBQ(U32(R), kremMem)
		} else {
			ADDQ(U32(4*R), bp)
			SUBQ(U32(R), krem)
		}
		JMP(LabelRef(lbl("rows")))
	}

	Label("next_block")
	switch {
	case gather:
		ADDQ(U32(8*S), xtMem)
	case S == 1:
		ADDQ(xsb, xblk)
	case S == 2:
		LEAQ(Mem{Base: xblk, Index: xsb, Scale: 2}, xblk)
	case S == 4:
		LEAQ(Mem{Base: xblk, Index: xsb, Scale: 4}, xblk)
	}
	MOVQ(zsbMem, zp)
	IMUL3Q(U32(S), zp, zp)
	ADDQ(zp, zblkMem)
	SUBQ(U32(S), nremMem)
	if pf {
		ADDQ(U32(8*S), pfMem)
	}
	JMP(LabelRef("block"))

	Label("done")
	VZEROUPPER()
	RET()
}

// addMatMulTN emits AddMatMulTN<ISA>(g []float32, gstride int, alpha
// float32, d []float32, dstride int, x []float32, xstride int, n, k, m int).
//
// The k rows of g are processed in passes of R rows (AddMatMulTNPasses,
// largest first, each looping while at least R rows remain). Within a
// pass, a block of R rows × C vectors of g (AddMatMulTNCols) is held in
// float32 accumulators while the n samples stream by: per sample, C
// vectors of x are loaded once and each of the R coefficients d[i, c] is
// broadcast once (an embedded broadcast on AVX-512), for R·C FMAs. Then
// g = fma(alpha, acc, g) is applied to the block. Remaining whole vectors
// go one at a time; the last m%Lanes columns use K1-masked loads and
// stores on AVX-512 and a scalar loop on AVX2. For every element the sum
// over the samples is the same float32 FMA chain, in the order i = 0..n−1,
// on every path and ISA, so the results are bit-identical to the reference
// (s = fma(d, x, s) over i, then g = fma(alpha, s, g)).
func addMatMulTN(s *ISA) { addMatMulTNGen(s, false, false, false) }

// addMatMulTNGather emits AddMatMulTNGather<ISA>: AddMatMulTN<ISA> whose
// samples are rows anywhere in memory, row i at the address xp[i] (n
// entries), as MatMulTGather<ISA> takes them. The results are those of
// AddMatMulTN<ISA> on the same rows, bit for bit.
func addMatMulTNGather(s *ISA) { addMatMulTNGen(s, true, false, false) }

// addMatMulTNGatherSGDU8 emits AddMatMulTNGatherSGDU8<ISA>:
// AddMatMulTNGatherSGD<ISA> on rows of m byte codes, as
// MatMulTGatherU8<ISA> takes them, with a scale per column: the sums are
// of d·float32(code), and each is multiplied by its column's scale (so it
// is the sum over the values code·scale, to rounding) just before g =
// fma(alpha, sum·scale, g); after the step, ws = w·scale is stored too
// (laid out as g), the weights times the scales that the next
// MatMulTGatherU8<ISA> takes. Scaling once per element of g instead of
// once per loaded vector of codes keeps the multiplies off the kernels'
// FMA ports.
//
// The codes' kernels take their own pass shapes (AddMatMulTNU8Passes,
// AddMatMulTNU8Cols): on AVX-512 the 9 rows that the SGD trainer sums
// with 10 classes go in one pass, so each vector of codes is decoded once
// per block instead of once per pass of 5 and of 4 rows (the decoding is
// what the second pass repeated). A block's totals stay
// in registers during its update: tot is loaded and stored once per pass,
// the rows added in order as before.
func addMatMulTNGatherSGDU8(s *ISA) { addMatMulTNGen(s, true, true, true) }

// addMatMulTNGatherU8 emits AddMatMulTNGatherU8<ISA>: the sums of
// AddMatMulTNGatherSGDU8<ISA>, each times its column's scale, added as
// g = fma(alpha, sum·scale, g), without the step: the SGD trainer's
// earlier blocks of a minibatch of more than 64 rows.
func addMatMulTNGatherU8(s *ISA) { addMatMulTNGen(s, true, false, true) }

// addMatMulTNGatherSGD emits AddMatMulTNGatherSGD<ISA>: AddMatMulTNGather
// followed, for every element of g (a block of the SGD trainer's
// velocities V) as soon as its sum is added, by the rest of the momentum
// step on the weights w (same layout as g): v = fma(c2, w, v) if l2 ≠ 0,
// w = w + v, v = μ·v. These are the trainer's separate passes (axpy with
// AddOuter's FMA, the add, Scale's multiply) element by element, so the
// results are the same bit for bit, without three more passes over W and
// V.
func addMatMulTNGatherSGD(s *ISA) { addMatMulTNGen(s, true, true, false) }

func addMatMulTNGen(s *ISA, gather, sgd, u8 bool) {
	name := "AddMatMulTN" + s.Name
	sig := "func(g []float32, gstride int, alpha float32, d []float32, dstride int, x []float32, xstride int, n, k, m int)"
	if gather {
		name = "AddMatMulTNGather" + s.Name
		sig = "func(g []float32, gstride int, alpha float32, d []float32, dstride int, xp []uintptr, n, k, m int)"
	}
	if sgd {
		name = "AddMatMulTNGatherSGD" + s.Name
		sig = "func(g []float32, gstride int, alpha float32, d []float32, dstride int, xp []uintptr, n, k, m int, w []float32, c2 float32, l2 int, mu float32, pf []uintptr)"
	}
	if u8 && sgd {
		name = "AddMatMulTNGatherSGDU8" + s.Name
		sig = "func(g []float32, gstride int, alpha float32, d []float32, dstride int, xp []uintptr, scale, tot []float32, n, k, m int, w, ws []float32, c2 float32, l2 int, mu float32, pf []uintptr)"
	} else if u8 {
		name = "AddMatMulTNGatherU8" + s.Name
		sig = "func(g []float32, gstride int, alpha float32, d []float32, dstride int, xp []uintptr, scale, tot []float32, n, k, m int)"
	}
	TEXT(name, NOSPLIT, sig)
	if u8 && sgd {
		Doc(name+" is AddMatMulTNGatherSGD"+s.Name+" on rows of m bytes at the addresses xp[i], each sum",
			"added to tot[j], then multiplied by scale[j] before it is added to g, and ws = w·scale[j] stored",
			"after the step.")
	} else if u8 {
		Doc(name+" is AddMatMulTNGather"+s.Name+" on rows of m bytes at the addresses xp[i], each sum",
			"added to tot[j], then multiplied by scale[j] before it is added to g.")
	} else if sgd {
		Doc(name+" is AddMatMulTNGather"+s.Name+" finishing the SGD step on every element of g once its",
			"sum is added: g = fma(c2, w, g) if l2 != 0, then w = w + g, then g = mu·g, with w[c*gstride+j]",
			"the weight of g[c*gstride+j].")
	} else if gather {
		Doc(name+" is AddMatMulTN"+s.Name+" on the rows at the addresses xp[i] (m float32 each)",
			"instead of the rows of x; len(xp) >= n.")
	} else {
		Doc(name+" adds alpha·Σ_{i<n} d[i*dstride+c]·x[i*xstride+j] to g[c*gstride+j] for c < k, j < m:",
			"s = fma(d, x, s) over i = 0..n-1 in float32, then g = fma(alpha, s, g).")
	}
	L, VB, C := s.Lanes, s.VB(), s.AddMatMulTNCols
	passes := s.AddMatMulTNPasses
	if u8 {
		passes, C = s.AddMatMulTNU8Passes, s.AddMatMulTNU8Cols
	}
	slots := 2
	if sgd {
		slots = 4
	}
	if u8 {
		slots = 8
	}
	frame := AllocLocal(8 * slots)
	scMem := frame.Offset(32)  // with u8: scale
	wsdMem := frame.Offset(40) // with u8 and sgd: ws − g in bytes
	totMem := frame.Offset(48) // with u8: tot
	gaMem := frame.Offset(56)  // with u8: a block's row 0 of g while rows 5.. are updated
	if u8 {
		t := loadGP(Param("scale").Base())
		MOVQ(t, scMem)
		t = loadGP(Param("tot").Base())
		MOVQ(t, totMem)
	}
	if u8 && sgd {
		t := loadGP(Param("ws").Base())
		u := loadGP(Param("g").Base())
		SUBQ(u, t)
		MOVQ(t, wsdMem)
	}
	cb := 4 // bytes of x per column (xcol counts bytes of x)
	if u8 {
		cb = 1
	}
	xsbMem, dsbMem := frame.Offset(0), frame.Offset(8)
	wdMem := frame.Offset(16) // with sgd: w − g in bytes
	// With sgd: pf − xp in bytes while the first pass over g's rows
	// prefetches, else 0 (none: no pf, or a later pass).
	pfdMem := frame.Offset(24)
	var t GPVirtual
	if sgd {
		t = loadGP(Param("w").Base())
		u := loadGP(Param("g").Base())
		SUBQ(u, t)
		MOVQ(t, wdMem)
		MOVQ(U32(0), pfdMem)
		t = loadGP(Param("pf").Len())
		TESTQ(t, t)
		JZ(LabelRef("nopf"))
		t = loadGP(Param("pf").Base())
		u = loadGP(Param("xp").Base())
		SUBQ(u, t)
		MOVQ(t, pfdMem)
		Label("nopf")
	}
	if !gather {
		t = loadGP(Param("xstride"))
		SHLQ(U8(2), t)
		MOVQ(t, xsbMem)
	}
	t = loadGP(Param("dstride"))
	SHLQ(U8(2), t)
	MOVQ(t, dsbMem)
	gpass := loadGP(Param("g").Base())
	gsb := loadGP(Param("gstride"))
	SHLQ(U8(2), gsb)
	gs3 := GP64()
	LEAQ(Mem{Base: gsb, Index: gsb, Scale: 2}, gs3)
	dp := loadGP(Param("d").Base())
	krem := loadGP(Param("k"))
	if s.AVX512 {
		tn := loadGP(Param("m"))
		ANDQ(U32(L-1), tn)
		s.setMask(tn)
	}

	for pi, R := range passes {
		lbl, next := passLabels(R, passes[pi+1:], "done")
		if R > 5 && !(u8 && R <= 9) {
			panic("AddMatMulTN: at most 5 rows per pass (9 on codes)")
		}
		p := s.pool()
		alpha := p.Get()
		acc := make([][]VecPhysical, R)
		for r := range acc {
			acc[r] = p.GetN(C)
		}
		xv := p.GetN(C)
		var bv VecPhysical
		if !s.AVX512 || sgd {
			bv = p.Get()
		}
		if sgd && C < 2 {
			panic("AddMatMulTNGatherSGD: the update needs two vectors of x's registers")
		}
		// On codes, each block's totals stay in registers during its
		// update (one load and one store per vector of tot, not R).
		var tr []VecPhysical
		if u8 {
			tr = p.GetN(C)
		}
		// With registers to spare, c2 and mu are broadcast once per pass
		// instead of once per updated vector.
		var consts *stepConsts
		if sgd && p.Free() >= 2 {
			consts = &stepConsts{c2: p.Get(), mu: p.Get()}
		}

		Commentf("Passes of %d rows of g, %d vectors per row per block.", R, C)
		Label(lbl("rows"))
		CMPQ(krem, U32(R))
		JB(LabelRef(next))
		VBROADCASTSS(addr(Param("alpha")), alpha)
		if consts != nil {
			VBROADCASTSS(addr(Param("c2")), consts.c2)
			VBROADCASTSS(addr(Param("mu")), consts.mu)
		}
		ga := rowAddr{b0: GP64(), sb: gsb, s3: gs3}
		// xcol: the current columns' address in row 0 of x, or with
		// gather their byte offset into every row.
		xcol, ncol := GP64(), GP64()
		MOVQ(gpass, ga.b0)
		if gather {
			XORL(xcol.As32(), xcol.As32())
		} else {
			Load(Param("x").Base(), xcol)
		}
		Load(Param("m"), ncol)
		// xrow addresses the columns of the sample at xi (with gather, xi
		// walks xp and xr holds the row's address), advanced by nextSample.
		startSamples := func(xi GPVirtual) {
			if gather {
				Load(Param("xp").Base(), xi)
			} else {
				MOVQ(xcol, xi)
			}
		}
		var xr GPVirtual
		loadRow := func(xi GPVirtual) {
			if gather {
				xr = GP64()
				MOVQ(Mem{Base: xi}, xr)
			}
		}
		xrow := func(xi GPVirtual, disp int) Mem { // disp: bytes of x
			if gather {
				return Mem{Base: xr, Index: xcol, Scale: 1, Disp: disp}
			}
			return Mem{Base: xi, Disp: disp}
		}
		// sm and tm: the scales and the totals of the current columns
		// plus disp bytes (u8).
		var sp, tp GPVirtual
		sm := func(disp int) Mem { return Mem{Base: sp, Index: xcol, Scale: 4, Disp: disp} }
		tm := func(disp int) Mem { return Mem{Base: tp, Index: xcol, Scale: 4, Disp: disp} }
		// updateAddrs emits the set-up of a block's update: the rows of w
		// (sgd) and of ws (u8 and sgd) at the block of g, and sp (u8).
		updateAddrs := func() (wa, wsa rowAddr) {
			rel := func(dMem Mem) rowAddr {
				a := rowAddr{b0: GP64(), sb: gsb, s3: gs3}
				MOVQ(dMem, a.b0)
				ADDQ(ga.b0, a.b0)
				return a
			}
			if sgd {
				wa = rel(wdMem)
			}
			if u8 {
				sp, tp = GP64(), GP64()
				MOVQ(scMem, sp)
				MOVQ(totMem, tp)
			}
			if u8 && sgd {
				wsa = rel(wsdMem)
			}
			return wa, wsa
		}
		nextSample := func(xi GPVirtual) {
			if gather {
				ADDQ(U32(8), xi)
			} else {
				ADDQ(xsbMem, xi)
			}
		}

		// block emits one column block of cv vectors (masked: the K1 tail,
		// cv == 1) over all samples, then the update of g.
		block := func(cv int, masked bool, tag string) {
			for r := 0; r < R; r++ {
				for c := 0; c < cv; c++ {
					s.zero(acc[r][c])
				}
			}
			xi, di, cnt := GP64(), GP64(), GP64()
			startSamples(xi)
			MOVQ(dp, di)
			Load(Param("n"), cnt)
			TESTQ(cnt, cnt)
			JZ(LabelRef(lbl(tag + "_update")))
			Label(lbl(tag + "_samples"))
			loadRow(xi)
			if sgd && !masked {
				// The same columns of the row at pf[i], for a later call
				// (the trainer's next batch): its memory traffic spread
				// over this kernel too, not only MatMulT's.
				pr := GP64()
				MOVQ(pfdMem, pr)
				TESTQ(pr, pr)
				JZ(LabelRef(lbl(tag + "_nopf")))
				MOVQ(Mem{Base: xi, Index: pr, Scale: 1}, pr)
				for c := 0; c < cv; c++ {
					if u8 && c*L%64 != 0 {
						continue // one line of codes per 64 columns
					}
					PREFETCHT1(Mem{Base: pr, Index: xcol, Scale: 1, Disp: c * L * cb})
				}
				Label(lbl(tag + "_nopf"))
			}
			for c := 0; c < cv; c++ {
				switch {
				case u8:
					s.decode(xrow(xi, c*L), xv[c], masked)
				case masked:
					VMOVUPS_Z(xrow(xi, 0), K1, xv[c])
				default:
					VMOVUPS(xrow(xi, c*VB), xv[c])
				}
			}
			for r := 0; r < R; r++ {
				dm := Mem{Base: di, Disp: 4 * r}
				if s.AVX512 {
					for c := 0; c < cv; c++ {
						VFMADD231PS_BCST(dm, xv[c], acc[r][c])
					}
				} else {
					VMOVSS(dm, bv.AsX()) // scalar loads only via VMOVSS (see isa.go)
					VBROADCASTSS(bv.AsX(), bv)
					for c := 0; c < cv; c++ {
						VFMADD231PS(bv, xv[c], acc[r][c])
					}
				}
			}
			nextSample(xi)
			ADDQ(dsbMem, di)
			DECQ(cnt)
			JNZ(LabelRef(lbl(tag + "_samples")))
			Label(lbl(tag + "_update"))
			tv := xv[0]
			wa, wsa := updateAddrs()
			if u8 {
				for c := 0; c < cv; c++ {
					if masked {
						VMOVUPS_Z(tm(c*VB), K1, tr[c])
					} else {
						VMOVUPS(tm(c*VB), tr[c])
					}
				}
			}
			// Rows 5.. are addressed from bases moved by 5 rows (g's
			// restored after the block).
			if R > 5 {
				MOVQ(ga.b0, gaMem)
			}
			for r5 := 0; r5 < R; r5++ {
				r := r5 % 5
				if r5 == 5 {
					for _, a := range []rowAddr{ga, wa, wsa} {
						if a.b0 != nil {
							LEAQ(Mem{Base: a.b0, Index: gsb, Scale: 4}, a.b0)
							ADDQ(gsb, a.b0)
						}
					}
				}
				acc := acc[r5]
				for c := 0; c < cv; c++ {
					gm := ga.row(r, c*VB)
					if u8 { // the totals += the sums, rows in order
						VADDPS(acc[c], tr[c], tr[c])
					}
					if masked {
						VMOVUPS_Z(gm, K1, tv)
					} else {
						VMOVUPS(gm, tv)
					}
					var ws *scaled
					if u8 {
						ws = &scaled{sm: sm(c * VB)}
						if sgd {
							ws.m = wsa.row(r, c*VB)
						}
						if masked {
							VMULPS_Z(ws.sm, acc[c], K1, acc[c])
						} else {
							VMULPS(ws.sm, acc[c], acc[c])
						}
					}
					VFMADD231PS(acc[c], alpha, tv)
					if sgd {
						s.sgdStep(tv, xv[1], bv, wa.row(r, c*VB), masked, lbl(fmt.Sprintf("%s_l2_%d_%d", tag, r5, c)), ws, consts)
					}
					if masked {
						VMOVUPS(tv, K1, gm)
					} else {
						VMOVUPS(tv, gm)
					}
				}
			}
			if u8 {
				for c := 0; c < cv; c++ {
					if masked {
						VMOVUPS(tr[c], K1, tm(c*VB))
					} else {
						VMOVUPS(tr[c], tm(c*VB))
					}
				}
			}
			if R > 5 {
				MOVQ(gaMem, ga.b0)
			}
		}

		CMPQ(ncol, U32(C*L))
		JB(LabelRef(lbl("single")))
		Label(lbl("wide"))
		block(C, false, "wide")
		ADDQ(U32(C*VB), ga.b0)
		ADDQ(U32(C*L*cb), xcol)
		SUBQ(U32(C*L), ncol)
		CMPQ(ncol, U32(C*L))
		JAE(LabelRef(lbl("wide")))

		Label(lbl("single"))
		CMPQ(ncol, U32(L))
		JB(LabelRef(lbl("cols")))
		block(1, false, "one")
		ADDQ(U32(VB), ga.b0)
		ADDQ(U32(L*cb), xcol)
		SUBQ(U32(L), ncol)
		JMP(LabelRef(lbl("single")))

		Label(lbl("cols")) // ncol == m % L
		TESTQ(ncol, ncol)
		JZ(LabelRef(lbl("next")))
		if s.AVX512 {
			block(1, true, "tail")
		} else {
			// One column at a time: R scalar chains over the samples.
			Label(lbl("scol"))
			for r := 0; r < R; r++ {
				s.zero(acc[r][0])
			}
			xi, di, cnt := GP64(), GP64(), GP64()
			startSamples(xi)
			MOVQ(dp, di)
			Load(Param("n"), cnt)
			TESTQ(cnt, cnt)
			JZ(LabelRef(lbl("supdate")))
			Label(lbl("ssamples"))
			loadRow(xi)
			if u8 {
				decodeScalar(xrow(xi, 0), xv[0].AsX(), GP64())
			} else {
				VMOVSS(xrow(xi, 0), xv[0].AsX())
			}
			for r := 0; r < R; r++ {
				VMOVSS(Mem{Base: di, Disp: 4 * r}, bv.AsX())
				VFMADD231SS(bv.AsX(), xv[0].AsX(), acc[r][0].AsX())
			}
			nextSample(xi)
			ADDQ(dsbMem, di)
			DECQ(cnt)
			JNZ(LabelRef(lbl("ssamples")))
			Label(lbl("supdate"))
			wa, wsa := updateAddrs()
			for r := 0; r < R; r++ {
				gm := ga.row(r, 0)
				if u8 { // tot += the sum
					VMOVSS(tm(0), xv[0].AsX())
					VADDSS(acc[r][0].AsX(), xv[0].AsX(), xv[0].AsX())
					VMOVSS(xv[0].AsX(), tm(0))
				}
				VMOVSS(gm, xv[0].AsX())
				var ws *scaled
				if u8 {
					ws = &scaled{sm: sm(0)}
					if sgd {
						ws.m = wsa.row(r, 0)
					}
					VMOVSS(ws.sm, bv.AsX()) // a register operand: see isa.go on qemu
					VMULSS(bv.AsX(), acc[r][0].AsX(), acc[r][0].AsX())
				}
				VFMADD231SS(acc[r][0].AsX(), alpha.AsX(), xv[0].AsX())
				if sgd {
					sgdStepScalar(xv[0].AsX(), xv[1].AsX(), bv.AsX(), wa.row(r, 0), lbl(fmt.Sprintf("s_l2_%d", r)), ws)
				}
				VMOVSS(xv[0].AsX(), gm)
			}
			ADDQ(U32(4), ga.b0)
			ADDQ(U32(cb), xcol)
			DECQ(ncol)
			JNZ(LabelRef(lbl("scol")))
		}

		Label(lbl("next"))
		if sgd {
			MOVQ(U32(0), pfdMem) // later passes: no prefetch
		}
		nextRows(gpass, gsb, ncol, R)
		ADDQ(U32(4*R), dp)
		SUBQ(U32(R), krem)
		JMP(LabelRef(lbl("rows")))
	}

	Label("done")
	VZEROUPPER()
	RET()
}

// sgdRowU8 emits SGDRowU8<ISA>(v, w, ws, tot, scale []float32, m int,
// alpha, c2 float32, l2 int, mu float32): for j < m, v[j] =
// fma(alpha, tot[j]·scale[j], v[j]), then the momentum step of
// sgdStep on v[j] and w[j], and ws[j] = w[j]·scale[j]. The SGD trainer on
// codes with more than 16 classes (at most 16: the row is derived)
// updates with it the last class's row of V and W, whose gradient
// it does not sum (the rows of p − onehot add up to zero, so that row's
// sum is minus the other rows' total, tot, summed by
// AddMatMulTNGather(SGD)U8<ISA>): one class's share of the gradient
// kernel's FMAs saved.
func sgdRowU8(s *ISA) {
	name := "SGDRowU8" + s.Name
	TEXT(name, NOSPLIT, "func(v, w, ws, tot, scale []float32, m int, alpha, c2 float32, l2 int, mu float32)")
	Doc(name+" sets v[j] = fma(alpha, tot[j]·scale[j], v[j]) for j < m, then v[j] = fma(c2, w[j], v[j]) if l2 != 0,",
		"w[j] += v[j], ws[j] = w[j]·scale[j], v[j] = mu·v[j].")
	L, VB := s.Lanes, s.VB()
	vp, wp, wsp := loadGP(Param("v").Base()), loadGP(Param("w").Base()), loadGP(Param("ws").Base())
	tp, sp := loadGP(Param("tot").Base()), loadGP(Param("scale").Base())
	n := loadGP(Param("m"))
	j := GP64()
	XORL(j.As32(), j.As32())
	p := s.pool()
	alpha, a, tv, tw, tb := p.Get(), p.Get(), p.Get(), p.Get(), p.Get()
	VBROADCASTSS(addr(Param("alpha")), alpha)
	at := func(b GPVirtual) Mem { return Mem{Base: b, Index: j, Scale: 1} }
	step := func(masked bool, tag string) {
		if masked {
			VMOVUPS_Z(at(tp), K1, a)
			VMULPS_Z(at(sp), a, K1, a)
			VMOVUPS_Z(at(vp), K1, tv)
		} else {
			VMOVUPS(at(tp), a)
			VMULPS(at(sp), a, a)
			VMOVUPS(at(vp), tv)
		}
		VFMADD231PS(a, alpha, tv)
		s.sgdStep(tv, tw, tb, at(wp), masked, "row_l2_"+tag, &scaled{m: at(wsp), sm: at(sp)}, nil)
		if masked {
			VMOVUPS(tv, K1, at(vp))
		} else {
			VMOVUPS(tv, at(vp))
		}
	}
	if s.AVX512 {
		t := GP64()
		MOVQ(n, t)
		ANDQ(U32(L-1), t)
		s.setMask(t)
	}
	CMPQ(n, U32(L))
	JB(LabelRef("row_tail"))
	Label("row_loop")
	step(false, "v")
	ADDQ(U32(VB), j)
	SUBQ(U32(L), n)
	CMPQ(n, U32(L))
	JAE(LabelRef("row_loop"))
	Label("row_tail")
	TESTQ(n, n)
	JZ(LabelRef("row_done"))
	if s.AVX512 {
		step(true, "m")
	} else {
		// One element at a time; scalar loads only via VMOVSS (see isa.go).
		Label("row_scalar")
		VMOVSS(at(tp), a.AsX())
		VMOVSS(at(sp), tb.AsX())
		VMULSS(tb.AsX(), a.AsX(), a.AsX())
		VMOVSS(at(vp), tv.AsX())
		VFMADD231SS(a.AsX(), alpha.AsX(), tv.AsX())
		sgdStepScalar(tv.AsX(), tw.AsX(), tb.AsX(), at(wp), "row_l2_s", &scaled{m: at(wsp), sm: at(sp)})
		VMOVSS(tv.AsX(), at(vp))
		ADDQ(U32(4), j)
		DECQ(n)
		JNZ(LabelRef("row_scalar"))
	}
	Label("row_done")
	VZEROUPPER()
	RET()
}

// prefetch emits PrefetchL2(p []float32) and PrefetchL2Bytes(p []byte):
// one PREFETCHT1 per 64-byte line of p. The SGD trainer prefetches with
// them the rows of its next minibatch that MatMulT's kernel did not (those
// past its last whole sample block).
func prefetch() {
	for _, v := range []struct {
		name, typ string
		size      uint8
	}{{"PrefetchL2", "float32", 4}, {"PrefetchL2Bytes", "byte", 1}} {
		TEXT(v.name, NOSPLIT, "func(p []"+v.typ+")")
		Doc(v.name + " asks the CPU to bring the cache lines of p's elements into L2 (PREFETCHT1); it never faults and changes nothing.")
		ptr := loadGP(Param("p").Base())
		n := loadGP(Param("p").Len())
		TESTQ(n, n)
		JZ(LabelRef("pf_done"))
		end := GP64()
		LEAQ(Mem{Base: ptr, Index: n, Scale: v.size}, end)
		ANDQ(U32(^uint32(63)), ptr) // first line
		Label("pf_loop")
		PREFETCHT1(Mem{Base: ptr})
		ADDQ(U8(64), ptr)
		CMPQ(ptr, end)
		JB(LabelRef("pf_loop"))
		Label("pf_done")
		RET()
	}
}

// sgdStep emits the momentum step on one vector of velocities v (in a
// register) and the weights at wm (K1-masked when masked), with tw and tb
// as scratch: v = fma(c2, w, v) unless the l2 argument is 0 (a branch to
// skip), w = w + v (stored), v = mu·v.
// With ws (AddMatMulTNGatherSGDU8) it also stores w·scale (the scales at
// ws.sm) to ws.m.
func (s *ISA) sgdStep(v, tw, tb VecPhysical, wm Mem, masked bool, skip string, ws *scaled, consts *stepConsts) {
	if masked {
		VMOVUPS_Z(wm, K1, tw)
	} else {
		VMOVUPS(wm, tw)
	}
	CMPQ(addr(Param("l2")), U8(0))
	JE(LabelRef(skip))
	c2 := tb
	if consts != nil {
		c2 = consts.c2
	} else {
		VBROADCASTSS(addr(Param("c2")), tb)
	}
	VFMADD231PS(tw, c2, v)
	Label(skip)
	VADDPS(v, tw, tw)
	if masked {
		VMOVUPS(tw, K1, wm)
	} else {
		VMOVUPS(tw, wm)
	}
	if ws != nil {
		if masked {
			VMULPS_Z(ws.sm, tw, K1, tw)
			VMOVUPS(tw, K1, ws.m)
		} else {
			VMULPS(ws.sm, tw, tw)
			VMOVUPS(tw, ws.m)
		}
	}
	if consts != nil {
		VMULPS(consts.mu, v, v)
		return
	}
	VBROADCASTSS(addr(Param("mu")), tb)
	VMULPS(tb, v, v)
}

// scaled is where sgdStep stores w·scale and where the scales are.
type scaled struct{ m, sm Mem }

// stepConsts holds c2 and mu broadcast for sgdStep (nil: it broadcasts
// them from the arguments itself).
type stepConsts struct{ c2, mu VecPhysical }

// sgdStepScalar is sgdStep on one element (XMM registers, lane 0).
func sgdStepScalar(v, tw, tb Register, wm Mem, skip string, ws *scaled) {
	VMOVSS(wm, tw)
	CMPQ(addr(Param("l2")), U8(0))
	JE(LabelRef(skip))
	VMOVSS(addr(Param("c2")), tb)
	VFMADD231SS(tw, tb, v)
	Label(skip)
	VADDSS(v, tw, tw)
	VMOVSS(tw, wm)
	if ws != nil {
		VMOVSS(ws.sm, tb)
		VMULSS(tb, tw, tw)
		VMOVSS(tw, ws.m)
	}
	VMOVSS(addr(Param("mu")), tb)
	VMULSS(tb, v, v)
}

// sums finishes a block of S samples × R rows of w whose float32
// accumulators acc[i][r] never went through the float64 flush (m < 1024:
// at most 64 products per lane): their horizontal sums by a transposing
// reduction in float32 (pairs of vectors interleaved and added at 32-bit,
// 64-bit, then 128-bit and, on AVX-512, 256-bit granularity: 45
// instructions for 16 sums on AVX-512, against about 10 per sum widening
// each accumulator to float64), plus the bias (in float32) unless b is
// empty (nob: the label that skips it), stored to z's rows at zp (zsbMem
// apart; zrow is scratch). Rows 0–3 go in one network over all S samples
// (4 on AVX-512, 2 on AVX2) whose 128-bit chunk i holds sample i's 4
// sums; any other row in a network over its S accumulators whose lane i
// is sample i's sum. Each sum is then a float32 tree over the
// accumulator's lanes, within the accuracy contract.
func (s *ISA) sums(acc [][]VecPhysical, R int, zp, zrow GPVirtual, zsbMem Mem, bp GPVirtual, t1, t2 VecPhysical, nob string) {
	S := len(acc)
	if s.AVX512 != (S == 4) || (!s.AVX512 && S != 2) {
		panic("sums: 4 samples per block on AVX-512, 2 on AVX2")
	}
	// pair adds the interleaves (lo and hi, at 32 or 64 bits) of a and b
	// into a.
	pair := func(a, b VecPhysical, wide bool) {
		if wide {
			VUNPCKLPD(b, a, t1)
			VUNPCKHPD(b, a, t2)
		} else {
			VUNPCKLPS(b, a, t1)
			VUNPCKHPS(b, a, t2)
		}
		VADDPS(t2, t1, a)
	}
	// quad reduces 4 vectors to v[0], whose 128-bit chunk k holds the
	// chunk-k partial sums of v[0..3] in its lanes 0..3.
	quad := func(v []VecPhysical) VecPhysical {
		pair(v[0], v[1], false)
		pair(v[2], v[3], false)
		pair(v[0], v[2], true)
		return v[0]
	}
	var full VecPhysical // rows 0–3: chunk i = sample i's sums
	first := 0
	if R >= 4 {
		var q []VecPhysical
		for i := 0; i < S; i++ {
			q = append(q, quad([]VecPhysical{acc[i][0], acc[i][1], acc[i][2], acc[i][3]}))
		}
		if s.AVX512 {
			// chunks(a, b): a = [a.c0+a.c1, a.c2+a.c3, b.c0+b.c1, b.c2+b.c3].
			chunks := func(a, b VecPhysical) {
				VSHUFF32X4(U8(0x88), b, a, t1)
				VSHUFF32X4(U8(0xDD), b, a, t2)
				VADDPS(t2, t1, a)
			}
			chunks(q[0], q[1])
			chunks(q[2], q[3])
			chunks(q[0], q[2])
		} else {
			VPERM2F128(U8(0x20), q[1], q[0], t1) // [q0.lo, q1.lo]
			VPERM2F128(U8(0x31), q[1], q[0], t2) // [q0.hi, q1.hi]
			VADDPS(t2, t1, q[0])
		}
		full, first = q[0], 4
	}
	var rest []VecPhysical // rows first..R−1: lane i = sample i's sum
	for r := first; r < R; r++ {
		var v VecPhysical
		if s.AVX512 {
			v = quad([]VecPhysical{acc[0][r], acc[1][r], acc[2][r], acc[3][r]})
			VEXTRACTF64X4(U8(1), v, t1.AsY())
			VADDPS(t1.AsY(), v.AsY(), v.AsY())
			VEXTRACTF32X4(U8(1), v.AsY(), t1.AsX())
			VADDPS(t1.AsX(), v.AsX(), v.AsX())
		} else {
			v = acc[0][r]
			pair(v, acc[1][r], false) // per half: [a0+a2, b0+b2, a1+a3, b1+b3]
			VEXTRACTF128(U8(1), v, t1.AsX())
			VADDPS(t1.AsX(), v.AsX(), v.AsX())
			VMOVHLPS(v.AsX(), v.AsX(), t1.AsX())
			VADDPS(t1.AsX(), v.AsX(), v.AsX()) // lanes 0, 1: the two sums
		}
		rest = append(rest, v)
	}
	CMPQ(addr(Param("b").Len()), U8(0))
	JEQ(LabelRef(nob))
	if full != nil {
		if s.AVX512 {
			VBROADCASTF32X4(Mem{Base: bp}, t1)
		} else {
			VBROADCASTF128(Mem{Base: bp}, t1)
		}
		VADDPS(t1, full, full)
	}
	for j, v := range rest {
		VBROADCASTSS(Mem{Base: bp, Disp: 4 * (first + j)}, t1.AsX())
		VADDPS(t1.AsX(), v.AsX(), v.AsX())
	}
	Label(nob)
	MOVQ(zp, zrow)
	for i := 0; i < S; i++ {
		if i > 0 {
			ADDQ(zsbMem, zrow)
		}
		if full != nil {
			c := full.AsX()
			if i > 0 {
				if s.AVX512 {
					VEXTRACTF32X4(U8(i), full, t1.AsX())
				} else {
					VEXTRACTF128(U8(i), full, t1.AsX())
				}
				c = t1.AsX()
			}
			VMOVUPS(c, Mem{Base: zrow})
		}
		for j, v := range rest {
			VEXTRACTPS(U8(i), v.AsX(), Mem{Base: zrow, Disp: 4 * (first + j)})
		}
	}
}
