package main

import "fmt"

// This file encodes the AArch64 Advanced SIMD (NEON) instructions that Go's
// arm64 assembler has no mnemonic for. Each function encodes one instruction
// form from register numbers and returns the 32-bit word together with its
// ARM-syntax spelling, which the emitter writes as `WORD $0x… // spelling`.
// The spelling is exactly what golang.org/x/arch/arm64/arm64asm prints for
// the word (checked by the tests for every form and every emitted word).
//
// Encodings follow the Arm Architecture Reference Manual (DDI 0487),
// section C4.1.96 "Advanced SIMD three same", "two-register miscellaneous"
// and "scalar pairwise".

// Word is one encoded instruction.
type Word struct {
	Bits uint32
	Asm  string // ARM syntax, e.g. "FADD V0.4S, V1.4S, V2.4S"
}

// Arr is a vector arrangement of the float instructions below.
type Arr int

const (
	Arr2S Arr = iota // two float32 lanes (64-bit register)
	Arr4S            // four float32 lanes
	Arr2D            // two float64 lanes
)

func (a Arr) String() string {
	switch a {
	case Arr2S:
		return "2S"
	case Arr4S:
		return "4S"
	case Arr2D:
		return "2D"
	}
	panic("bad arrangement")
}

// qsz returns the Q (128-bit) and sz (float64) bits of a.
func (a Arr) qsz() (q, sz uint32) {
	switch a {
	case Arr2S:
		return 0, 0
	case Arr4S:
		return 1, 0
	case Arr2D:
		return 1, 1
	}
	panic("bad arrangement")
}

func checkReg(regs ...int) {
	for _, r := range regs {
		if r < 0 || r > 31 {
			panic(fmt.Sprintf("vector register V%d out of range", r))
		}
	}
}

// floatThreeSame encodes the "three same" floating-point group:
// 0 Q U 01110 a sz 1 Rm opcode 1 Rn Rd.
func floatThreeSame(name string, u, a, opcode uint32, arr Arr, d, n, m int) Word {
	checkReg(d, n, m)
	q, sz := arr.qsz()
	bits := q<<30 | u<<29 | 0b01110<<24 | a<<23 | sz<<22 | 1<<21 |
		uint32(m)<<16 | opcode<<11 | 1<<10 | uint32(n)<<5 | uint32(d)
	s := arr.String()
	return Word{bits, fmt.Sprintf("%s V%d.%s, V%d.%s, V%d.%s", name, d, s, n, s, m, s)}
}

// FADD Vd, Vn, Vm: Vd = Vn + Vm (floating point, per lane).
func FADD(arr Arr, d, n, m int) Word { return floatThreeSame("FADD", 0, 0, 0b11010, arr, d, n, m) }

// FSUB Vd, Vn, Vm: Vd = Vn − Vm.
func FSUB(arr Arr, d, n, m int) Word { return floatThreeSame("FSUB", 0, 1, 0b11010, arr, d, n, m) }

// FMUL Vd, Vn, Vm: Vd = Vn · Vm.
func FMUL(arr Arr, d, n, m int) Word { return floatThreeSame("FMUL", 1, 0, 0b11011, arr, d, n, m) }

// FADDP Vd, Vn, Vm (vector pairwise add): the low half of Vd gets the sums
// of adjacent lane pairs of Vn, the high half those of Vm.
func FADDP(arr Arr, d, n, m int) Word { return floatThreeSame("FADDP", 1, 0, 0b11010, arr, d, n, m) }

// FCMEQ Vd, Vn, Vm: all ones where Vn == Vm (false for NaN), else zero.
func FCMEQ(arr Arr, d, n, m int) Word { return floatThreeSame("FCMEQ", 0, 0, 0b11100, arr, d, n, m) }

// FCMGE Vd, Vn, Vm: all ones where Vn ≥ Vm (false for NaN).
func FCMGE(arr Arr, d, n, m int) Word { return floatThreeSame("FCMGE", 1, 0, 0b11100, arr, d, n, m) }

// FCMGT Vd, Vn, Vm: all ones where Vn > Vm (false for NaN).
func FCMGT(arr Arr, d, n, m int) Word { return floatThreeSame("FCMGT", 1, 1, 0b11100, arr, d, n, m) }

// twoRegMisc encodes the "two-register miscellaneous" group:
// 0 Q U 01110 a sz 10000 opcode 10 Rn Rd.
func twoRegMisc(q, u, a, sz, opcode uint32, d, n int) uint32 {
	checkReg(d, n)
	return q<<30 | u<<29 | 0b01110<<24 | a<<23 | sz<<22 | 0b10000<<17 |
		opcode<<12 | 0b10<<10 | uint32(n)<<5 | uint32(d)
}

// FCVTL Vd.2D, Vn.2S widens float32 lanes 0 and 1 of Vn to float64 (exact).
func FCVTL(d, n int) Word {
	return Word{twoRegMisc(0, 0, 0, 1, 0b10111, d, n), fmt.Sprintf("FCVTL V%d.2D, V%d.2S", d, n)}
}

// FCVTL2 Vd.2D, Vn.4S widens float32 lanes 2 and 3 of Vn to float64.
func FCVTL2(d, n int) Word {
	return Word{twoRegMisc(1, 0, 0, 1, 0b10111, d, n), fmt.Sprintf("FCVTL2 V%d.2D, V%d.4S", d, n)}
}

// FCVTN Vd.2S, Vn.2D narrows the two float64 lanes of Vn to float32
// (rounded to nearest) into lanes 0 and 1 of Vd and zeroes lanes 2 and 3.
func FCVTN(d, n int) Word {
	return Word{twoRegMisc(0, 0, 0, 1, 0b10110, d, n), fmt.Sprintf("FCVTN V%d.2S, V%d.2D", d, n)}
}

// FCVTN2 Vd.4S, Vn.2D narrows the two float64 lanes of Vn into lanes 2 and
// 3 of Vd, keeping lanes 0 and 1.
func FCVTN2(d, n int) Word {
	return Word{twoRegMisc(1, 0, 0, 1, 0b10110, d, n), fmt.Sprintf("FCVTN2 V%d.4S, V%d.2D", d, n)}
}

// FADDPD encodes the scalar pairwise add FADDP Dd, Vn.2D: Dd = Vn[0] + Vn[1]
// (the upper 64 bits of Vd are zeroed).
// 01 1 11110 0 sz 11000 01101 10 Rn Rd with sz = 1.
func FADDPD(d, n int) Word {
	checkReg(d, n)
	bits := uint32(0b01)<<30 | 1<<29 | 0b11110<<24 | 1<<22 | 0b11000<<17 |
		0b01101<<12 | 0b10<<10 | uint32(n)<<5 | uint32(d)
	return Word{bits, fmt.Sprintf("FADDP D%d, V%d.2D", d, n)}
}

// FMLAElem encodes FMLA (by element) Vd, Vn, Vm.S[idx]: every float32 lane
// of Vd += Vn lane · lane idx of Vm (fused, one rounding). arr is Arr2S or
// Arr4S; any of V0–V31 may be Vm for single precision.
// 0 Q 0 01111 1 sz L M Rm 0001 H 0 Rn Rd with sz = 0 and idx = H:L.
func FMLAElem(arr Arr, d, n, m, idx int) Word {
	checkReg(d, n, m)
	if arr == Arr2D || idx < 0 || idx > 3 {
		panic(fmt.Sprintf("FMLAElem: bad arrangement %v or lane %d", arr, idx))
	}
	q, _ := arr.qsz()
	h, l := uint32(idx>>1), uint32(idx&1)
	bits := q<<30 | 0b01111<<24 | 1<<23 | l<<21 | uint32(m)<<16 |
		0b0001<<12 | h<<11 | uint32(n)<<5 | uint32(d)
	s := arr.String()
	return Word{bits, fmt.Sprintf("FMLA V%d.%s, V%d.%s, V%d.S[%d]", d, s, n, s, m, idx)}
}
