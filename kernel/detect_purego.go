//go:build purego

package kernel

// detect returns no SIMD backend: the purego build tag compiles the generic
// backend alone.
func detect() []backendID { return nil }
