// Package gen holds the generators of maxent's assembly kernels. It is its
// own module so that the generator's dependencies (avo) never enter the
// dependency graph of maxent's users.
//
// The amd64 generator (avo) and the arm64 NEON emitter land with the SIMD
// backends; `make generate` will then write asm/*.s from here.
package gen
