//go:build !purego

package kernel

import "github.com/klauspost/cpuid/v2"

// detect returns the SIMD backends that are both compiled into this build
// (see compiled) and supported by the CPU and operating system, best first.
func detect() []backendID {
	var out []backendID
	for _, b := range compiled {
		if cpuSupports(b) {
			out = append(out, b)
		}
	}
	return out
}

// cpuSupports reports whether the CPU (and the OS, for the vector register
// state) can run backend b. cpuid/v2 only reports AVX and AVX-512 features
// when the OS saves the YMM/ZMM state (XGETBV), so no separate check is needed.
func cpuSupports(b backendID) bool {
	c := &cpuid.CPU
	switch b {
	case avx512:
		// BMI2: the AVX-512 kernels build their tail masks with BZHI.
		return c.Supports(cpuid.AVX512F, cpuid.AVX512DQ, cpuid.AVX512BW, cpuid.AVX512VL, cpuid.AVX2, cpuid.FMA3, cpuid.BMI2)
	case avx2:
		return c.Supports(cpuid.AVX2, cpuid.FMA3)
	case neon:
		return c.Supports(cpuid.ASIMD)
	}
	return false
}
