// Package vregs hands out physical vector registers to the avo generators.
// Vector registers are allocated explicitly, never by avo's allocator,
// which silently uses Y16–Y31 under pressure (AVX2 CPUs have 16);
// exceeding a pool's size aborts the generator.
package vregs

import (
	"fmt"

	"github.com/mmcloughlin/avo/reg"
)

var ymm = []reg.VecPhysical{
	reg.Y0, reg.Y1, reg.Y2, reg.Y3, reg.Y4, reg.Y5, reg.Y6, reg.Y7,
	reg.Y8, reg.Y9, reg.Y10, reg.Y11, reg.Y12, reg.Y13, reg.Y14, reg.Y15,
}

var zmm = []reg.VecPhysical{
	reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7,
	reg.Z8, reg.Z9, reg.Z10, reg.Z11, reg.Z12, reg.Z13, reg.Z14, reg.Z15,
	reg.Z16, reg.Z17, reg.Z18, reg.Z19, reg.Z20, reg.Z21, reg.Z22, reg.Z23,
	reg.Z24, reg.Z25, reg.Z26, reg.Z27, reg.Z28, reg.Z29, reg.Z30, reg.Z31,
}

// Pool hands out the registers Y0… (ZMM with AVX512) in order, at most
// Regs of them; Name names the ISA in the panic.
type Pool struct {
	Name   string
	Regs   int
	AVX512 bool
	next   int
}

// Get returns the next free vector register.
func (p *Pool) Get() reg.VecPhysical {
	if p.next >= p.Regs {
		panic(fmt.Sprintf("%s: more than %d vector registers", p.Name, p.Regs))
	}
	r := ymm[min(p.next, len(ymm)-1)]
	if p.AVX512 {
		r = zmm[p.next]
	}
	p.next++
	return r
}

// Free returns how many vector registers are left.
func (p *Pool) Free() int { return p.Regs - p.next }

// GetN returns n fresh vector registers.
func (p *Pool) GetN(n int) []reg.VecPhysical {
	rs := make([]reg.VecPhysical, n)
	for i := range rs {
		rs[i] = p.Get()
	}
	return rs
}
