//go:build !linux

package kernel

// adviseHuge does nothing outside Linux (see hugepage_linux.go).
func adviseHuge([]float32) {}

func adviseHugeBytes([]byte) {}
