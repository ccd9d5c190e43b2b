//go:build !purego && !amd64 && !arm64

package kernel

// compiled lists the SIMD backends built into this binary for this GOARCH,
// best first: none here, so every call runs the generic backend.
var compiled = []backendID{}
