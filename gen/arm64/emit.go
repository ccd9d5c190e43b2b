package main

import (
	"fmt"
	"strings"
)

// V is a vector register V0–V31 (its low 32/64 bits are F/D registers).
type V int

func (v V) S4() string          { return fmt.Sprintf("V%d.S4", int(v)) }
func (v V) S2() string          { return fmt.Sprintf("V%d.S2", int(v)) }
func (v V) B16() string         { return fmt.Sprintf("V%d.B16", int(v)) }
func (v V) F() string           { return fmt.Sprintf("F%d", int(v)) }
func (v V) Lane(i int) string   { return fmt.Sprintf("V%d.S[%d]", int(v), i) }
func (v V) plus(k int) V        { return V((int(v) + k) % 32) }
func (v V) n() int              { return int(v) }
func (r R) String() string      { return fmt.Sprintf("R%d", int(r)) }
func (r R) Shl(k int) string    { return fmt.Sprintf("R%d<<%d", int(r), k) }
func (r R) Mem() string         { return fmt.Sprintf("(R%d)", int(r)) }
func (r R) Post(off int) string { return fmt.Sprintf("%d(R%d)", off, int(r)) }

// R is a general-purpose register. Kernels use R0–R17 and R19–R25 only
// (R18 is the platform register, R26–R30 belong to the Go toolchain).
type R int

// vlist is a register list [Vb.S4, Vb+1.S4, …] of count consecutive
// registers, for VLD1/VST1 (arr is "S4" or "S2").
func vlist(arr string, base V, count int) string {
	parts := make([]string, count)
	for i := range parts {
		parts[i] = fmt.Sprintf("V%d.%s", int(base.plus(i)), arr)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// line is one line of a TEXT body.
type line struct {
	text  string // without leading tab for instructions
	instr bool   // one machine instruction
	label bool
}

// Code is a sequence of lines. Kernels build their bodies in Code values
// (interleaving independent ones) and append them to a Func.
type Code struct {
	lines []line
}

// I appends one instruction with Go assembler syntax.
func (c *Code) I(mnemonic string, operands ...string) {
	t := mnemonic
	if len(operands) > 0 {
		t += "\t" + strings.Join(operands, ", ")
	}
	c.lines = append(c.lines, line{text: t, instr: true})
}

// W appends an encoded instruction as WORD with its ARM spelling.
func (c *Code) W(w Word) {
	c.lines = append(c.lines, line{text: fmt.Sprintf("WORD\t$0x%08x // %s", w.Bits, w.Asm), instr: true})
}

// Comment appends a comment line.
func (c *Code) Comment(format string, args ...any) {
	c.lines = append(c.lines, line{text: "// " + fmt.Sprintf(format, args...)})
}

// Append appends the lines of other.
func (c *Code) Append(other Code) { c.lines = append(c.lines, other.lines...) }

// Len is the number of instructions in c.
func (c *Code) Len() int {
	n := 0
	for _, l := range c.lines {
		if l.instr {
			n++
		}
	}
	return n
}

// Interleave merges independent instruction streams round-robin, so that
// an in-order core can overlap their latencies. The streams must not share
// written registers.
func Interleave(streams ...Code) Code {
	var out Code
	idx := make([]int, len(streams))
	for {
		done := true
		for s := range streams {
			if idx[s] < len(streams[s].lines) {
				out.lines = append(out.lines, streams[s].lines[idx[s]])
				idx[s]++
				done = false
			}
		}
		if done {
			return out
		}
	}
}

// Stat describes the main loop of a kernel for the -stats table.
type Stat struct {
	Kernel string
	Elems  int // elements per iteration
	Instrs int // instructions per iteration (incl. loop control)
}

// Func is one TEXT symbol.
type Func struct {
	Code
	Name  string
	Frame string // e.g. "$0-56"
	Doc   []string
	stats []Stat

	labels    map[string]bool
	loopStart int
	loopName  string
	loopElems int
}

func NewFunc(name, frame string, doc ...string) *Func {
	return &Func{Name: name, Frame: frame, Doc: doc, labels: map[string]bool{}, loopStart: -1}
}

// Label places a label; names must be unique within the function.
func (f *Func) Label(name string) {
	if f.labels[name] {
		panic("duplicate label " + name + " in " + f.Name)
	}
	f.labels[name] = true
	f.lines = append(f.lines, line{text: name + ":", label: true})
}

// LoopBegin places the label of a main loop whose instructions are counted
// until LoopEnd (call LoopEnd after emitting the backward branch).
func (f *Func) LoopBegin(label, statName string, elems int) {
	f.Label(label)
	f.loopStart = len(f.lines)
	f.loopName = statName
	f.loopElems = elems
}

func (f *Func) LoopEnd() {
	if f.loopStart < 0 {
		panic("LoopEnd without LoopBegin")
	}
	n := 0
	for _, l := range f.lines[f.loopStart:] {
		if l.label {
			panic("label inside a counted loop of " + f.Name)
		}
		if l.instr {
			n++
		}
	}
	f.stats = append(f.stats, Stat{Kernel: f.loopName, Elems: f.loopElems, Instrs: n})
	f.loopStart = -1
}

func (f *Func) render(b *strings.Builder) {
	for _, d := range f.Doc {
		fmt.Fprintf(b, "// %s\n", d)
	}
	fmt.Fprintf(b, "TEXT ·%s(SB), NOSPLIT, %s\n", f.Name, f.Frame)
	for _, l := range f.lines {
		switch {
		case l.label:
			fmt.Fprintf(b, "%s\n", l.text)
		default:
			fmt.Fprintf(b, "\t%s\n", l.text)
		}
	}
	b.WriteString("\n")
}

// Data is a read-only table of 32-bit words.
type Data struct {
	Name  string
	Doc   string
	Words []uint32
}

func (d *Data) render(b *strings.Builder) {
	fmt.Fprintf(b, "// %s\n", d.Doc)
	for i := 0; i < len(d.Words); i += 2 {
		v := uint64(d.Words[i])
		if i+1 < len(d.Words) {
			v |= uint64(d.Words[i+1]) << 32
			fmt.Fprintf(b, "DATA %s<>+%d(SB)/8, $0x%016x\n", d.Name, 4*i, v)
		} else {
			fmt.Fprintf(b, "DATA %s<>+%d(SB)/4, $0x%08x\n", d.Name, 4*i, v)
		}
	}
	fmt.Fprintf(b, "GLOBL %s<>(SB), RODATA|NOPTR, $%d\n\n", d.Name, 4*len(d.Words))
}

// File is the generated assembly file.
type File struct {
	Data  []*Data
	Funcs []*Func
}

const header = `// Code generated by gen/arm64 (cd gen && go run ./arm64 -out ../asm/neon_arm64.s). DO NOT EDIT.

//go:build !purego

// arm64 NEON (ASIMD) kernels; see neon_arm64.go for their contracts.
// Go's assembler has no vector floating-point arithmetic, compare or
// convert mnemonics: those are emitted as WORD with the ARM spelling of the
// instruction in the comment (decoded and checked by gen/arm64's tests).

#include "textflag.h"

`

func (f *File) String() string {
	var b strings.Builder
	b.WriteString(header)
	for _, d := range f.Data {
		d.render(&b)
	}
	for _, fn := range f.Funcs {
		fn.render(&b)
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// Stats returns the main-loop statistics of every function, in order.
func (f *File) Stats() []Stat {
	var s []Stat
	for _, fn := range f.Funcs {
		s = append(s, fn.stats...)
	}
	return s
}
