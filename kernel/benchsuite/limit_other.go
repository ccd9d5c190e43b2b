//go:build !amd64 || purego

package benchsuite

// No streaming kernels in this build: the limit rows are left out.

// HaveLimit reports whether this build and CPU have the streaming and
// FMA-peak kernels behind the "limit" rows: never in this build.
func HaveLimit() bool { return false }

func streamRead(p []float32) float32   { panic("benchsuite: no limit kernels") }
func streamRMW(p []float32, a float32) { panic("benchsuite: no limit kernels") }
func fmaPeak(n int) (float32, int)     { panic("benchsuite: no limit kernels") }
