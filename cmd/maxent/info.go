package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/klauspost/cpuid/v2"
	"github.com/seed7bc074a2/maxent/kernel"
)

func runInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("info", "", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	c := &cpuid.CPU
	name := c.BrandName
	if name == "" {
		name = "unknown"
	}
	fmt.Fprintf(stdout, "cpu:       %s (%s/%s, %d logical cores)\n", name, runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	feats := []struct {
		name string
		id   cpuid.FeatureID
	}{
		{"AVX2", cpuid.AVX2}, {"FMA3", cpuid.FMA3},
		{"AVX512F", cpuid.AVX512F}, {"AVX512DQ", cpuid.AVX512DQ},
		{"AVX512BW", cpuid.AVX512BW}, {"AVX512VL", cpuid.AVX512VL},
		{"ASIMD", cpuid.ASIMD},
	}
	var parts []string
	for _, f := range feats {
		mark := "no"
		if c.Supports(f.id) {
			mark = "yes"
		}
		parts = append(parts, f.name+"="+mark)
	}
	fmt.Fprintf(stdout, "features:  %s\n", strings.Join(parts, " "))
	fmt.Fprintf(stdout, "available: %s\n", strings.Join(kernel.Available(), ", "))
	fmt.Fprintf(stdout, "active:    %s\n", kernel.Backend())
	return nil
}
