//go:build amd64 && !purego

package benchsuite

import (
	"github.com/klauspost/cpuid/v2"
	"github.com/seed7bc074a2/maxent/asm"
)

// The "isa=limit" rows stream the same bytes as an op with the widest loads
// this CPU has (512-bit with AVX-512 and BMI2, else 256-bit with AVX2 and
// FMA): the time no kernel that must read (and write) those bytes can beat.

var (
	wide512 = cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512DQ, cpuid.AVX512BW, cpuid.AVX512VL, cpuid.BMI2)
	wide256 = cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3)
)

// HaveLimit reports whether this build and CPU have the streaming and
// FMA-peak kernels behind the "limit" rows.
func HaveLimit() bool { return wide512 || wide256 }

func streamRead(p []float32) float32 {
	if wide512 {
		return asm.StreamReadAVX512(p)
	}
	return asm.StreamReadAVX2(p)
}

func streamRMW(p []float32, a float32) {
	if wide512 {
		asm.StreamRMWAVX512(p, a)
		return
	}
	asm.StreamRMWAVX2(p, a)
}

// fmaPeak runs n iterations of the FMA-throughput kernel and returns the
// flops per iteration.
func fmaPeak(n int) (float32, int) {
	if wide512 {
		return asm.FMAPeakAVX512(n), asm.FMAPeakFlopsPerIterAVX512
	}
	return asm.FMAPeakAVX2(n), asm.FMAPeakFlopsPerIterAVX2
}
