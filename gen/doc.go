// Package gen holds the generators of maxent's assembly kernels. It is its
// own module (with a replace directive pointing at ../) so that the
// generators' dependencies, avo and golang.org/x/arch, never enter the
// dependency graph of maxent's users.
//
// The generators are commands writing files of package asm (the amd64 ones
// one file per kernel family, through internal/asmfile):
//
//   - amd64/linalg (avo) writes one file per kernel family (-dir ../asm:
//     dot, matvec, addouter, matmult, addmatmultn, gather, sgd, limit and
//     prefetch _amd64.s) and asm/shapes_amd64.go: Dot, MatVec and
//     AddOuter, the batched kernels of the trainer and of batched
//     prediction (MatMulT and AddMatMulTN with their prefetching, gather,
//     fused-SGD-update and 8-bit-code variants, SGDRowU8), PrefetchL2 and
//     the benchmarks' ceiling kernels, for AVX2+FMA and for AVX-512, and
//     the block shapes the Go code relies on as constants;
//   - amd64/softmax (avo) writes exp, softmaxparts, softmax and xent
//     _amd64.s (-dir ../asm): Exp, the softmax primitives (Max,
//     ExpShiftSum, Scale, ShiftSub), the fused Softmax and MaxExpSum, and
//     on AVX-512 SoftmaxSmall and the loss-phase kernels SoftmaxXentRows*;
//     with -predict, predict_amd64.s (the fused prediction kernels);
//   - arm64 (its own Plan 9 emitter: avo has no arm64 back end, and Go's
//     arm64 assembler lacks the NEON floating-point mnemonics, which it
//     emits as WORD directives, its tests decoding every encoding with
//     golang.org/x/arch's arm64asm) writes asm/neon_arm64.s: Dot, MatVec,
//     AddOuter, MatMulT, AddMatMulTN, Exp, the softmax primitives, Softmax
//     and MaxExpSum (and with -sparse-out asm/sparse_arm64.s);
//   - amd64/sparse (avo) writes asm/sparse_amd64.s: the kernels of sparse
//     rows.
//
// cmd/asmsize prints the size of every TEXT symbol of asm/*.s and fails
// when the total grows more than 10 % over asm/budget.txt.
//
// Constants shared with the Go code (the exp polynomial, the bound of the
// loss kernels' running product) are read from package fallback, never
// retyped; the block shapes the Go code needs are generated as Go constants
// (asm/shapes_amd64.go), never typed twice. `make generate` runs the
// generators; `make check-generated` runs them and fails if any file in
// asm/ changed or the assembly outgrew its budget, so the committed
// assembly is always what gen/ produces. Never edit asm/*.s by hand.
// `make gen-module` vets and tests this module (the arm64 encoders and the
// emitted programs).
package gen
