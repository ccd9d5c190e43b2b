// Package gen holds the generators of maxent's assembly kernels. It is its
// own module (with a replace directive pointing at ../) so that the
// generators' dependencies, avo and golang.org/x/arch, never enter the
// dependency graph of maxent's users.
//
// There are three generators, each a command writing one file of package
// asm:
//
//   - amd64/linalg (avo) writes asm/linalg_amd64.s: Dot, MatVec and
//     AddOuter, the batched kernels of the trainer and of batched
//     prediction (MatMulT and AddMatMulTN with their prefetching, gather,
//     fused-SGD-update and 8-bit-code variants, SGDRowU8), PrefetchL2 and
//     the benchmarks' ceiling kernels, for AVX2+FMA and for AVX-512;
//   - amd64/softmax (avo) writes asm/softmax_amd64.s: Exp, the softmax
//     primitives (Max, ExpShiftSum, Scale, ShiftSub), the fused Softmax and
//     MaxExpSum, and on AVX-512 SoftmaxSmall and the loss-phase kernels
//     SoftmaxXentRows*;
//   - arm64 (its own Plan 9 emitter: avo has no arm64 back end, and Go's
//     arm64 assembler lacks the NEON floating-point mnemonics, which it
//     emits as WORD directives, its tests decoding every encoding with
//     golang.org/x/arch's arm64asm) writes asm/neon_arm64.s: Dot, MatVec,
//     AddOuter, MatMulT, AddMatMulTN, Exp, the softmax primitives, Softmax
//     and MaxExpSum.
//
// Constants shared with the Go code (the exp polynomial, the bound of the
// loss kernels' running product) are read from package fallback, never
// retyped. `make generate` runs the three generators; `make
// check-generated` runs them and fails if any file in asm/ changed, so the
// committed assembly is always what gen/ produces. Never edit asm/*.s by
// hand. `make gen-module` vets and tests this module (the arm64 encoders
// and the emitted programs).
package gen
