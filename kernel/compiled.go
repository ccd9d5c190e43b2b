//go:build !purego

package kernel

// compiled lists the SIMD backends built into this binary for this GOARCH,
// best first. The assembly backends add themselves here as they land; until
// then every build runs the generic backend.
var compiled = []backendID{}
