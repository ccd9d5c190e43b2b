package main

import (
	"fmt"
	"math"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/seed7bc074a2/maxent/fallback"
)

// isa describes one vector instruction set. Every kernel is written once
// against this descriptor and emitted for each ISA.
type isa struct {
	name      string // function-name suffix
	lanes     int    // float32 lanes per vector
	evex      bool   // AVX-512: ZMM, K-mask partial vectors, embedded broadcasts
	expUnroll int    // vectors per main-loop iteration of Exp
	sumUnroll int    // vectors per main-loop iteration of ExpShiftSum
	sumAcc    int    // float64 accumulators of ExpShiftSum
	sumPair   int    // ExpShiftSum: vectors added lane-wise in float32 before one widening to float64 (1, 2 or 4)
	strUnroll int    // vectors per main-loop iteration of the streaming kernels
	scalef    bool   // AVX-512: scale by 2^n with VSCALEFPS instead of an integer add (see exp)
	expHold   []int  // constants Exp holds in registers
	sumHold   []int  // constants ExpShiftSum holds in registers
}

var (
	// avx2 is AVX2+FMA3 on YMM registers. Only 16 vector registers exist
	// (avo would silently hand out Y16–Y31, which need AVX-512VL;
	// checkVEX rejects that): the exp core keeps 5 live vectors per vector
	// in flight, so Exp runs 3 vectors per iteration with one constant in
	// a register and ExpShiftSum 2 vectors plus its sums and 2 constants;
	// every other constant is a 32-byte memory operand.
	avx2 = &isa{name: "AVX2", lanes: 8, strUnroll: 4,
		expUnroll: 3, expHold: []int{cMagic},
		sumUnroll: 2, sumAcc: 2, sumPair: 2, sumHold: []int{cMagic, cC6}}
	// avx512 is AVX-512 F+DQ+BW+VL on ZMM registers with 32 vector
	// registers. ExpShiftSum's constants are embedded {1to16} broadcasts,
	// except the two that initialise a register (VBROADCASTSS from memory
	// occupies a vector pipe on Zen 4; a register copy is free); more than
	// 4 vectors per iteration measured no faster. Exp holds every constant
	// in a register and runs 3 vectors per iteration, which measured
	// faster than 4 vectors with broadcasts, while ExpShiftSum measured
	// slower that way.
	avx512 = &isa{name: "AVX512", lanes: 16, evex: true, strUnroll: 4,
		expUnroll: 3, expHold: []int{cMagic, cC6, cLog2e, cLn2Hi, cLn2Lo, cC5, cC4, cC3, cC2, cOne},
		sumUnroll: 4, sumAcc: 4, sumPair: 4, sumHold: []int{cMagic, cC6}}
)

func (a *isa) bytes() int { return 4 * a.lanes }

// vec allocates a virtual vector register of the ISA's width.
func (a *isa) vec() reg.VecVirtual {
	if a.evex {
		return ZMM()
	}
	return YMM()
}

// Constants: one table of 32-byte entries, each holding 8 copies of a 32-bit
// value (or 4 of a 64-bit one), so AVX2 uses an entry as a full YMM memory
// operand and AVX-512 as a {1to16} broadcast source.
const (
	cLog2e = iota
	cMagic
	cLn2Hi
	cLn2Lo
	cC2
	cC3
	cC4
	cC5
	cC6
	cOne
	cMinInput
	cMaxInput
	cInf
	cNegInf
	cAbsMask   // 0x7FFFFFFF
	cFastLimit // Float32bits(−ExpMinInput): |x| ≤ −ExpMinInput needs no special case
	cF64One    // float64 1 (four copies)
	cF64Flush  // float64 1e250 (four copies): SoftmaxXentRows' bound on its product of row sums
	nConsts
)

const entryBytes = 32

// constBits returns the 32-bit pattern of every single-precision constant,
// taken from package fallback.
func constBits() [nConsts]uint32 {
	f := math.Float32bits
	var b [nConsts]uint32
	b[cLog2e] = f(fallback.ExpLog2e)
	b[cMagic] = f(fallback.ExpMagic)
	b[cLn2Hi] = f(fallback.ExpLn2Hi)
	b[cLn2Lo] = f(fallback.ExpLn2Lo)
	b[cC2] = f(fallback.ExpC2)
	b[cC3] = f(fallback.ExpC3)
	b[cC4] = f(fallback.ExpC4)
	b[cC5] = f(fallback.ExpC5)
	b[cC6] = f(fallback.ExpC6)
	b[cOne] = f(1)
	b[cMinInput] = f(fallback.ExpMinInput)
	b[cMaxInput] = f(fallback.ExpMaxInput)
	b[cInf] = f(float32(math.Inf(1)))
	b[cNegInf] = f(float32(math.Inf(-1)))
	b[cAbsMask] = 0x7FFFFFFF
	b[cFastLimit] = f(-fallback.ExpMinInput)
	if -fallback.ExpMinInput >= fallback.ExpMaxInput {
		panic("the fast-path test assumes −ExpMinInput < ExpMaxInput")
	}
	return b
}

var (
	constTab operand.Mem // softmaxconst<>: the constants above
	ymaskTab operand.Mem // softmaxymask<>: 8 × 0xFFFFFFFF, 8 × 0, 8 × 0xFFFFFFFF (AVX2 lane masks)
	kmaskTab operand.Mem // softmaxkmask<>: uint16 (1<<r)−1 for r = 0..16 (AVX-512 tails)
	pieceTab operand.Mem // softmaxpiece<>: for widths 4, 2, 1 (32 bytes each) and n < 16, the uint16 K mask of the piece (0 when n&w == 0)
)

// f64Consts are the float64 entries of the constant table.
var f64Consts = map[int]float64{cF64One: 1, cF64Flush: xentFlush}

// declareData emits the read-only tables.
func declareData() {
	checkScalingTrick()
	bits := constBits()
	constTab = GLOBL("softmaxconst", RODATA|NOPTR)
	for i := 0; i < nConsts; i++ {
		if f, ok := f64Consts[i]; ok {
			for k := 0; k < entryBytes/8; k++ {
				DATA(i*entryBytes+8*k, operand.U64(math.Float64bits(f)))
			}
			continue
		}
		for k := 0; k < entryBytes/4; k++ {
			DATA(i*entryBytes+4*k, operand.U32(bits[i]))
		}
	}
	ymaskTab = GLOBL("softmaxymask", RODATA|NOPTR)
	for i := 0; i < 24; i++ {
		v := uint32(0)
		if i < 8 || i >= 16 {
			v = 0xFFFFFFFF
		}
		DATA(4*i, operand.U32(v))
	}
	kmaskTab = GLOBL("softmaxkmask", RODATA|NOPTR)
	for r := 0; r <= 16; r++ {
		DATA(2*r, operand.U16(uint16(1<<r-1)))
	}
	pieceTab = GLOBL("softmaxpiece", RODATA|NOPTR)
	for wi, w := range []int{4, 2, 1} {
		for n := 0; n < 16; n++ {
			var m uint16
			if n&w != 0 {
				m = uint16(1<<w-1) << (n &^ (2*w - 1))
			}
			DATA(32*wi+2*n, operand.U16(m))
		}
	}
}

// checkScalingTrick verifies the property of ExpMagic that the 2^n scaling
// relies on (see exp): the low 9 bits of its pattern are zero, so
// Float32bits(nf) << 23 ≡ n << 23 (mod 2^32).
func checkScalingTrick() {
	mb := math.Float32bits(fallback.ExpMagic)
	if mb&0x1FF != 0 || fallback.ExpMagic != 1.5*(1<<23) {
		panic(fmt.Sprintf("ExpMagic = %g (%#08x): the 2^n scaling assumes 1.5·2^23", fallback.ExpMagic, mb))
	}
}

// k returns constant c as an operand: a 32-byte memory entry (AVX2) or its
// 4-byte broadcast source (AVX-512, used with the .BCST forms by the helpers
// below).
func (a *isa) k(c int) operand.Mem { return constTab.Offset(c * entryBytes) }

// c returns constant c as an operand: its register if the function holds
// it, otherwise its memory entry.
func (a *isa) c(c int) operand.Op {
	if r, ok := fnState.held[c]; ok {
		return r
	}
	return a.k(c)
}

type vop func(...operand.Op)

// bc emits plain(ops...), or on AVX-512 its embedded-broadcast form when an
// operand is memory (callers pass only constant entries as memory operands).
func (a *isa) bc(plain, bcst vop, ops ...operand.Op) {
	for _, op := range ops {
		if _, ok := op.(operand.Mem); ok && a.evex {
			bcst(ops...)
			return
		}
	}
	plain(ops...)
}

// Arithmetic with a constant (or register) c. Go operand order throughout:
// sources first, destination last.

func (a *isa) add(c, x, dst operand.Op) { a.bc(VADDPS, VADDPS_BCST, c, x, dst) } // dst = x + c
func (a *isa) sub(c, x, dst operand.Op) { a.bc(VSUBPS, VSUBPS_BCST, c, x, dst) } // dst = x − c
func (a *isa) mul(c, x, dst operand.Op) { a.bc(VMULPS, VMULPS_BCST, c, x, dst) } // dst = x · c

// fmadd231: acc = fma(x, c, acc).
func (a *isa) fmadd231(c, x, acc operand.Op) { a.bc(VFMADD231PS, VFMADD231PS_BCST, c, x, acc) }

// fmadd213: acc = fma(x, acc, c).
func (a *isa) fmadd213(c, x, acc operand.Op) { a.bc(VFMADD213PS, VFMADD213PS_BCST, c, x, acc) }

// fnmadd132: acc = fma(acc, −c, x) = x − acc·c rounded once.
func (a *isa) fnmadd132(c, x, acc operand.Op) { a.bc(VFNMADD132PS, VFNMADD132PS_BCST, c, x, acc) }

// Comparison predicates (VCMPPS immediates).
const (
	cmpNLEUQ = 0x06 // !(x <= c): x > c or unordered
	cmpGEOQ  = 0x1D // x >= c, false if unordered
)

// cmp sets dst (a K register on AVX-512, a lane mask on AVX2) to x PRED c.
// On AVX-512 the result is ANDed with mask if mask is not nil.
func (a *isa) cmp(pred uint8, c, x operand.Op, mask operand.Op, dst operand.Op) {
	if mask != nil {
		a.bc(VCMPPS, VCMPPS_BCST, operand.Imm(uint64(pred)), c, x, mask, dst)
		return
	}
	a.bc(VCMPPS, VCMPPS_BCST, operand.Imm(uint64(pred)), c, x, dst)
}

// splat sets dst to constant c in every lane: a register copy (eliminated at
// rename) if the function holds c in a register, otherwise a load. (On
// AVX-512 VBROADCASTSS from memory occupies a vector pipe on Zen 4, unlike
// the embedded {1to16} broadcasts.)
func (a *isa) splat(c int, dst reg.Register) {
	if r, ok := fnState.held[c]; ok {
		VMOVAPS(r, dst)
		return
	}
	if a.evex {
		VBROADCASTSS(a.k(c), dst)
	} else {
		VMOVUPS(a.k(c), dst)
	}
}

// bcastArg broadcasts a float32 argument (a memory operand) to every lane.
func (a *isa) bcastArg(arg string) reg.VecVirtual {
	b, err := Param(arg).Resolve()
	if err != nil {
		panic(err)
	}
	v := a.vec()
	VBROADCASTSS(b.Addr, v)
	return v
}

// laneMask returns the mask of the first n lanes (0 ≤ n ≤ lanes): a K
// register on AVX-512 (softmaxkmask<> entry n), a YMM of all-ones/zero
// lanes on AVX2 (softmaxymask<> entries 8−n … 15−n).
func (a *isa) laneMask(n reg.GPVirtual) reg.Register {
	t := GP64()
	if a.evex {
		LEAQ(kmaskTab, t)
		k := K()
		KMOVW(operand.Mem{Base: t, Index: n, Scale: 2}, k)
		return k
	}
	LEAQ(ymaskTab, t)
	i := GP64()
	MOVQ(n, i)
	NEGQ(i)
	m := YMM()
	VMOVUPS(operand.Mem{Base: t, Index: i, Scale: 4, Disp: 32}, m)
	return m
}

// lastLanesMask returns the AVX2 mask of the last n lanes (0 ≤ n ≤ 8):
// softmaxymask<> entries n+8 … n+15.
func (a *isa) lastLanesMask(n reg.GPVirtual) reg.Register {
	t := GP64()
	LEAQ(ymaskTab, t)
	m := YMM()
	VMOVUPS(operand.Mem{Base: t, Index: n, Scale: 4, Disp: 32}, m)
	return m
}

// span tells a loop body where its vectors are.
type span struct {
	src, dst func(j int) operand.Mem // vector j of the input and of the output
	// k is the K mask of a partial vector on AVX-512: loads, stores and
	// the exp special-case compares are masked with it. nil otherwise.
	k reg.Register
	// valid emits and returns the mask of the lanes of a partial vector
	// that belong to the slice (the others must not count in a sum); nil
	// for full vectors.
	valid func() reg.Register
	// vin and vout, when set, replace src and dst: the one vector of an
	// AVX2 slice shorter than a vector, assembled in and stored from
	// registers (see stream).
	vin, vout reg.VecVirtual
}

func (s span) partial() bool { return s.valid != nil }

// hasOut reports whether the loop writes an output.
func (s span) hasOut() bool { return s.dst != nil || s.vout != nil }

// load loads vector j of the input (zero in the masked-off lanes of an
// AVX-512 partial vector, which reads nothing outside the slice).
func (a *isa) load(s span, j int, dst reg.Register) {
	switch {
	case s.vin != nil:
		VMOVAPS(s.vin, dst)
	case s.k != nil:
		VMOVUPS_Z(s.src(j), s.k, dst)
	default:
		VMOVUPS(s.src(j), dst)
	}
}

// store stores vector j of the output (only the valid lanes of an AVX-512
// partial vector).
func (a *isa) store(s span, j int, v reg.Register) {
	switch {
	case s.vout != nil:
		VMOVAPS(v, s.vout)
	case s.k != nil:
		VMOVUPS(v, s.k, s.dst(j))
	default:
		VMOVUPS(v, s.dst(j))
	}
}

// body emits the work for nv consecutive vectors described by s.
type body func(nv int, s span)

// loop describes the operands of stream.
type loop struct {
	prefix   string        // label prefix
	n        reg.GPVirtual // element count, clobbered
	src, dst reg.GPVirtual // input and output pointers (dst nil: no output; may equal src), clobbered
	unroll   int           // vectors per main-loop iteration
	fill     int           // AVX2 slices shorter than a vector: constant in the lanes past the end (-1: zero)
}

// stream emits the loop structure shared by every kernel: an unrolled loop
// of unroll vectors, a loop of single vectors, then one partial vector for
// the last n mod lanes elements. The partial vector never touches memory
// outside the slices:
//
//   - AVX-512: K-masked loads and stores (fault-suppressing).
//   - AVX2, slice of at least one vector: the last full vector of the input,
//     copied to a 32-byte stack buffer before anything is stored (dst may
//     alias src), is processed at the end and stored over the last vector
//     of the output; the elements it shares with the previous vector get
//     the same values again. Its valid lanes, for sums, are the last ones.
//   - AVX2, shorter slice: the elements and the fill constant are
//     assembled in a register from loads of exactly the slice's bytes
//     (shortLoad), processed as a full vector and stored back in the same
//     pieces (shortStore).
//
// VMASKMOVPS would avoid the copy and the pieces, but its stores are slow
// on AMD CPUs and qemu's emulation touches the masked-off lanes (faulting
// next to a guard page), so the AVX2 kernels do not use it.
func (a *isa) stream(l loop, emit body) {
	ptrs := []reg.GPVirtual{l.src}
	if l.dst != nil && l.dst != l.src {
		ptrs = append(ptrs, l.dst)
	}
	at := func(p reg.GPVirtual) func(int) operand.Mem {
		return func(j int) operand.Mem { return operand.Mem{Base: p, Disp: j * a.bytes()} }
	}
	full := span{src: at(l.src)}
	if l.dst != nil {
		full.dst = at(l.dst)
	}
	step := func(nv int) {
		for _, p := range ptrs {
			ADDQ(operand.U32(nv*a.bytes()), p)
		}
		SUBQ(operand.U32(nv*a.lanes), l.n)
	}
	lbl := func(s string) operand.LabelRef { return operand.LabelRef(l.prefix + s) }

	var buf operand.Mem
	var total reg.GPVirtual
	if !a.evex {
		// Save the last full vector of the input before the loops.
		buf = a.tailBuffer()
		total = GP64()
		MOVQ(l.n, total)
		CMPQ(l.n, operand.U32(a.lanes))
		JB(lbl("loop"))
		v := YMM()
		VMOVUPS(operand.Mem{Base: l.src, Index: l.n, Scale: 4, Disp: -a.bytes()}, v)
		VMOVUPS(v, buf)
	}
	if l.unroll > 1 {
		Label(l.prefix + "loop")
		CMPQ(l.n, operand.U32(l.unroll*a.lanes))
		JB(lbl("single"))
		emit(l.unroll, full)
		step(l.unroll)
		JMP(lbl("loop"))
	}
	Label(l.prefix + "single")
	CMPQ(l.n, operand.U32(a.lanes))
	JB(lbl("tail"))
	emit(1, full)
	step(1)
	JMP(lbl("single"))

	Label(l.prefix + "tail")
	TESTQ(l.n, l.n)
	JZ(lbl("done"))
	if a.evex {
		part := full
		part.k = a.laneMask(l.n)
		part.valid = func() reg.Register { return part.k }
		emit(1, part)
		Label(l.prefix + "done")
		return
	}
	onBuf := func(int) operand.Mem { return buf }

	CMPQ(total, operand.U32(a.lanes))
	JB(lbl("short"))
	// The last full vector, from the saved copy, stored at the end.
	last := span{src: onBuf, valid: func() reg.Register { return a.lastLanesMask(l.n) }}
	if l.dst != nil {
		end := operand.Mem{Base: l.dst, Index: l.n, Scale: 4, Disp: -a.bytes()}
		last.dst = func(int) operand.Mem { return end }
	}
	emit(1, last)
	JMP(lbl("done"))

	// A slice shorter than a vector: its elements and the fill constant
	// are assembled in a register from exact pieces (shortLoad), the body
	// works on registers, and the result is stored in the same pieces
	// (shortStore). The pieces are what store forwarding needs: copying
	// the elements one by one into a stack buffer and loading it as a
	// vector made that load wait for the scalar stores to reach the cache
	// (forwarding cannot merge them), and Softmax of 2..7 elements was
	// several times slower than of 8 (docs/performance.md).
	Label(l.prefix + "short")
	f := YMM()
	if l.fill < 0 {
		VXORPS(f, f, f)
	} else {
		VMOVUPS(a.k(l.fill), f)
	}
	short := span{vin: shortLoad(l.prefix+"in", l.src, l.n, f), valid: func() reg.Register { return a.laneMask(l.n) }}
	if l.dst != nil {
		short.vout = YMM()
	}
	emit(1, short)
	if l.dst != nil {
		shortStore(l.prefix+"out", l.dst, l.n, short.vout)
	}
	Label(l.prefix + "done")
}

// shortCases emits a branch on n (1 ≤ n ≤ 7) to straight-line code for each
// n; every case but the last jumps to the end.
func shortCases(prefix string, n reg.GPVirtual, body func(n int)) {
	lbl := func(k int) string { return fmt.Sprintf("%s%d", prefix, k) }
	end := prefix + "end"
	CMPQ(n, operand.U32(4))
	JA(operand.LabelRef(lbl(5)))
	JE(operand.LabelRef(lbl(4)))
	CMPQ(n, operand.U32(2))
	JA(operand.LabelRef(lbl(3)))
	JE(operand.LabelRef(lbl(2)))
	JMP(operand.LabelRef(lbl(1)))
	Label(lbl(5))
	CMPQ(n, operand.U32(6))
	JA(operand.LabelRef(lbl(7)))
	JE(operand.LabelRef(lbl(6)))
	JMP(operand.LabelRef(lbl(5) + "go"))
	for k := 1; k <= 7; k++ {
		if k == 5 {
			Label(lbl(5) + "go")
		} else {
			Label(lbl(k))
		}
		body(k)
		if k < 7 {
			JMP(operand.LabelRef(end))
		}
	}
	Label(end)
}

// shortLoad returns a YMM register holding the n < 8 elements at p in its
// first n lanes and f's lanes in the others, reading exactly the 4n bytes
// in the pieces of n's binary digits (16, 8, 4 bytes), the same pieces
// shortStore writes, so a vector stored by one pass and loaded by the next
// is forwarded piece by piece.
func shortLoad(prefix string, p, n reg.GPVirtual, f reg.VecVirtual) reg.VecVirtual {
	y := YMM()
	shortCases(prefix, n, func(k int) {
		// t and u are zeroed first (free zero idioms) although the VEX
		// loads below clear their upper lanes anyway: without a full
		// definition the register allocator would keep them live through
		// the whole function.
		t := YMM()
		VXORPS(t, t, t)
		at := func(off int) operand.Mem { return operand.Mem{Base: p, Disp: off} }
		// rest loads the k mod 4 elements after the first k &^ 3 into
		// the low lanes of x.
		rest := func(x reg.VecVirtual, off, r int) {
			switch r {
			case 1:
				VMOVSS(at(off), x.AsX())
			case 2:
				VMOVSD(at(off), x.AsX())
			case 3:
				VMOVSD(at(off), x.AsX())
				VINSERTPS(operand.U8(0x20), at(off+8), x.AsX(), x.AsX()) // lane 2
			}
		}
		if k < 4 {
			rest(t, 0, k)
		} else {
			VMOVUPS(at(0), t.AsX())
			if k > 4 {
				u := XMM()
				VXORPS(u, u, u)
				rest(u, 16, k-4)
				VINSERTF128(operand.U8(1), u.AsX(), t, t)
			}
		}
		VBLENDPS(operand.U8(uint8(1<<k-1)), t, f, y)
	})
	return y
}

// shortStore stores the first n < 8 lanes of y at p, writing exactly the 4n
// bytes in shortLoad's pieces.
func shortStore(prefix string, p, n reg.GPVirtual, y reg.VecVirtual) {
	shortCases(prefix, n, func(k int) {
		at := func(off int) operand.Mem { return operand.Mem{Base: p, Disp: off} }
		rest := func(x reg.VecVirtual, off, r int) {
			switch r {
			case 1:
				VMOVSS(x.AsX(), at(off))
			case 2:
				VMOVSD(x.AsX(), at(off))
			case 3:
				VMOVSD(x.AsX(), at(off))
				VEXTRACTPS(operand.U8(2), x.AsX(), at(off+8))
			}
		}
		if k < 4 {
			rest(y, 0, k)
			return
		}
		VMOVUPS(y.AsX(), at(0))
		if k > 4 {
			u := XMM()
			VEXTRACTF128(operand.U8(1), y, u)
			rest(u, 16, k-4)
		}
	})
}

// hold loads constants into registers for the rest of the function.
func (a *isa) hold(cs ...int) {
	for _, c := range cs {
		r := a.vec()
		a.splat(c, r)
		fnState.held[c] = r
	}
}

// tailBuffer returns the current function's 32-byte stack buffer for AVX2
// partial vectors, allocating it on first use.
func (a *isa) tailBuffer() operand.Mem {
	if !fnState.bufOK {
		fnState.buf, fnState.bufOK = AllocLocal(32), true
	}
	return fnState.buf
}

// fnState is the state of the function being generated.
var fnState struct {
	buf    operand.Mem
	bufOK  bool
	held   map[int]reg.VecVirtual
	labels int
}

// text starts a new NOSPLIT function.
func text(name, signature string) { textFlags(name, signature, NOSPLIT) }

// textFlags starts a new function with the given TEXT flags.
func textFlags(name, signature string, flags attr.Attribute) {
	TEXT(name, flags, signature)
	fnState.bufOK = false
	fnState.held = map[int]reg.VecVirtual{}
	fnState.labels = 0
}

// label returns a new label name unique in the function.
func label(prefix string) string {
	fnState.labels++
	return fmt.Sprintf("%s%d", prefix, fnState.labels)
}
