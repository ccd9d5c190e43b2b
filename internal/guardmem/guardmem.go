//go:build linux || darwin

// Package guardmem allocates float32 memory between two inaccessible
// (PROT_NONE) pages, so that a test crashes if a kernel reads or writes even
// one element before or after its slices. It is shared by the tests of
// package kernel and package asm.
package guardmem

import (
	"syscall"
	"testing"
	"unsafe"
)

// Region is a read-write run of whole pages between two PROT_NONE pages.
type Region struct {
	// F is the whole usable region.
	F []float32
}

// New maps pages usable pages between two guard pages; the mapping is
// released when the test ends. It skips the test if the OS refuses.
func New(tb testing.TB, pages int) *Region {
	tb.Helper()
	ps := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, (pages+2)*ps, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		tb.Skipf("mmap: %v", err)
	}
	tb.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[:ps], syscall.PROT_NONE); err != nil {
		tb.Skipf("mprotect: %v", err)
	}
	if err := syscall.Mprotect(mem[(pages+1)*ps:], syscall.PROT_NONE); err != nil {
		tb.Skipf("mprotect: %v", err)
	}
	usable := mem[ps : (pages+1)*ps]
	return &Region{F: unsafe.Slice((*float32)(unsafe.Pointer(&usable[0])), len(usable)/4)}
}

// AtEnd returns n floats that end exactly at the last usable byte.
func (r *Region) AtEnd(n int) []float32 { return r.F[len(r.F)-n : len(r.F) : len(r.F)] }

// AtStart returns n floats that start exactly at the first usable byte.
func (r *Region) AtStart(n int) []float32 { return r.F[:n:n] }

// BytesAtEnd returns n bytes that end exactly at the last usable byte.
func (r *Region) BytesAtEnd(n int) []byte {
	b := unsafe.Slice((*byte)(unsafe.Pointer(&r.F[0])), 4*len(r.F))
	return b[len(b)-n : len(b) : len(b)]
}
