// Command arm64 generates asm/neon_arm64.s, the arm64 NEON (ASIMD) kernels
// of maxent, with its own small emitter: avo has no arm64 support, and Go's
// arm64 assembler lacks the vector floating-point arithmetic, compare and
// convert mnemonics, which are emitted as WORD directives by the tested
// encoders of enc.go, each followed by a comment with its ARM spelling.
//
//	cd gen && go run ./arm64 -out ../asm/neon_arm64.s
//	cd gen && go run ./arm64 -stats
//
// -stats prints, per kernel, the elements, instructions and instructions
// per element of one iteration of the main loop.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
)

// Build returns the whole generated file.
func Build() *File {
	return &File{
		Data: []*Data{expTable(), tailMaskTable()},
		Funcs: []*Func{
			dotKernel(),
			matVecKernel(),
			addOuterKernel(),
			matMulTKernel(),
			addMatMulTNKernel(),
			expKernel(),
			maxKernel(),
			expShiftSumKernel(),
			scaleKernel(),
			shiftSubKernel(),
			softmaxKernel(),
			maxExpSumKernel(),
		},
	}
}

func writeStats(w io.Writer, stats []Stat) error {
	width := len("kernel")
	for _, s := range stats {
		width = max(width, len(s.Kernel))
	}
	if _, err := fmt.Fprintf(w, "%-*s  %13s  %17s  %20s\n", width, "kernel", "elements/iter", "instructions/iter", "instructions/element"); err != nil {
		return err
	}
	for _, s := range stats {
		if _, err := fmt.Fprintf(w, "%-*s  %13d  %17d  %20.3f\n", width, s.Kernel, s.Elems, s.Instrs, float64(s.Instrs)/float64(s.Elems)); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("gen/arm64: ")
	out := flag.String("out", "", "write the assembly to this file (default: standard output unless -stats)")
	stats := flag.Bool("stats", false, "print the main-loop instruction counts of every kernel")
	sparseOut := flag.String("sparse-out", "", "write the sparse kernels (asm/sparse_arm64.s, sparse.go) to this file, and nothing else unless -out or -stats")
	flag.Parse()
	if *sparseOut != "" {
		if err := os.WriteFile(*sparseOut, []byte(SparseSource()), 0o644); err != nil {
			log.Fatal(err)
		}
		if *out == "" && !*stats {
			return
		}
	}
	f := Build()
	src := f.String()
	switch {
	case *out != "":
		if err := os.WriteFile(*out, []byte(src), 0o644); err != nil {
			log.Fatal(err)
		}
	case !*stats:
		if _, err := os.Stdout.WriteString(src); err != nil {
			log.Fatal(err)
		}
	}
	if *stats {
		if err := writeStats(os.Stdout, f.Stats()); err != nil {
			log.Fatal(err)
		}
	}
}
