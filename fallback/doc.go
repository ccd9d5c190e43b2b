// Package fallback is the pure-Go implementation of every maxent kernel op:
// the "generic" backend that runs on every platform, and the reference the
// SIMD backends are tested against.
//
// It is an implementation package with no compatibility promise: its
// exported names may change or go in any release. Use package kernel.
//
// The functions here do not validate their arguments: package kernel checks
// dimensions and aliasing and then calls them. They never allocate.
//
// Every product is wrapped in an explicit float32 conversion, which the Go
// specification defines as a rounding step that prevents the compiler from
// fusing a multiply and an add into an FMA. The generic backend therefore
// gives bit-identical results on every GOARCH (amd64, arm64, riscv64, wasm,
// ...). The SIMD backends use FMA and may differ in the last bits, within the
// tolerances documented in package kernel.
//
// The constants of the shared exp algorithm live in expconst.go; the
// assembly generators in gen/ import them so that every backend evaluates
// the same reduction and the same polynomial.
package fallback
