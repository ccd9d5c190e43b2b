// Command linalg generates maxent's amd64 linear-algebra kernels (Dot,
// MatVec, AddOuter) and the streaming/FMA ceiling kernels used by the
// benchmarks, for AVX2+FMA and AVX-512:
//
//	cd gen && go run ./amd64/linalg -out ../asm/linalg_amd64.s
//
// Each kernel is written once against an ISA descriptor (isa.go) and emitted
// for YMM (8 lanes, VMASKMOVPS tails, at most 16 vector registers) and ZMM
// (16 lanes, K-mask tails). Vector registers are assigned explicitly, so the
// AVX2 variants can never use X/Y16–31. The output is deterministic.
package main

import (
	. "github.com/mmcloughlin/avo/build"
)

func main() {
	ConstraintExpr("!purego")
	isas := []*ISA{avx2, avx512}
	for _, k := range []func(*ISA){dot, matVec, addOuter, matMulT, matMulTPf, matMulTGather, matMulTGatherU8, addMatMulTN, addMatMulTNGather, addMatMulTNGatherSGD, addMatMulTNGatherSGDU8, addMatMulTNGatherU8, sgdRowU8, streamRead, streamRMW, fmaPeak} {
		for _, s := range isas {
			k(s)
		}
	}
	prefetch()
	Generate()
}
