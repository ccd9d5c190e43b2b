//go:build purego || !amd64

package bench

// No streaming kernels in this build: the limit rows are left out.

func haveLimit() bool                  { return false }
func streamRead(p []float32) float32   { panic("no limit kernels") }
func streamRMW(p []float32, a float32) { panic("no limit kernels") }
func fmaPeak(n int) (float32, int)     { panic("no limit kernels") }
