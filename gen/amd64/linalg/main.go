// Command linalg generates asm/linalg_amd64.s, maxent's amd64
// linear-algebra kernels, for AVX2+FMA and AVX-512:
//
//	cd gen && go run ./amd64/linalg -out ../asm/linalg_amd64.s
//
// It emits 16 kernel families, each for both ISAs (main's list, in this
// order):
//
//   - the single-sample ops: Dot, MatVec, AddOuter (dot.go, matvec.go,
//     addouter.go);
//   - the logits of a block of samples (batch.go): MatMulT; MatMulTPf,
//     which also prefetches the rows at given addresses (the trainer's next
//     minibatch); MatMulTGather, whose samples are rows at given addresses
//     rather than rows of one matrix; MatMulTGatherU8, on rows of 8-bit
//     codes;
//   - the weight gradient of a block (batch.go): AddMatMulTN;
//     AddMatMulTNGather (rows at given addresses); AddMatMulTNGatherSGD,
//     with the SGD update (L2 term, W += V, V *= μ) fused into it;
//     AddMatMulTNGatherSGDU8 and AddMatMulTNGatherU8, on codes; SGDRowU8,
//     the update of the one class whose gradient the code kernels do not
//     sum;
//   - the benchmarks' ceilings (stream.go): StreamRead, StreamRMW, FMAPeak;
//
// and, once, PrefetchL2 and PrefetchL2Bytes.
//
// Each kernel is written once against an ISA descriptor (isa.go) and emitted
// for YMM (8 lanes, scalar-loop tails, at most 16 vector registers) and ZMM
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
