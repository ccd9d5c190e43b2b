package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// generatedPath is asm/neon_arm64.s relative to this package's directory.
var generatedPath = filepath.Join("..", "..", "asm", "neon_arm64.s")

func readGenerated(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(generatedPath)
	if err != nil {
		t.Fatalf("%v (generate it with: cd gen && go run ./arm64 -out ../asm/neon_arm64.s)", err)
	}
	return string(b)
}

// TestGeneratedIsFresh fails when asm/neon_arm64.s is not what the
// generator produces now (and checks that generation is deterministic).
func TestGeneratedIsFresh(t *testing.T) {
	want := Build().String()
	if again := Build().String(); again != want {
		t.Fatal("two runs of the generator differ")
	}
	if got := readGenerated(t); got != want {
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("%s is stale (line %d is %q, the generator gives %q): run cd gen && go run ./arm64 -out ../asm/neon_arm64.s", generatedPath, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s is stale (%d lines, the generator gives %d): regenerate it", generatedPath, len(gl), len(wl))
	}
	if !strings.Contains(want, "\n//go:build !purego\n") {
		t.Error("missing //go:build !purego")
	}
}

var wordLine = regexp.MustCompile(`^\s*WORD\s+\$0x([0-9a-fA-F]{8})\s*(?://\s*(.*))?$`)

// TestGeneratedWords decodes every WORD of asm/neon_arm64.s with arm64asm
// and requires the decoded instruction to match the comment.
func TestGeneratedWords(t *testing.T) {
	src := readGenerated(t)
	mnemonics := map[string]int{}
	n := 0
	for i, l := range strings.Split(src, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "WORD") {
			continue
		}
		m := wordLine.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("line %d: unparsable WORD line %q", i+1, l)
			continue
		}
		if m[2] == "" {
			t.Errorf("line %d: WORD without a comment naming the instruction", i+1)
			continue
		}
		w, err := strconv.ParseUint(m[1], 16, 32)
		if err != nil {
			t.Fatal(err)
		}
		got := decode(t, uint32(w))
		if normAsm(got) != normAsm(m[2]) {
			t.Errorf("line %d: WORD $0x%s decodes as %q, comment says %q", i+1, m[1], got, m[2])
		}
		mnemonics[strings.Fields(got)[0]]++
		n++
	}
	if n == 0 {
		t.Fatal("no WORD lines found")
	}
	t.Logf("%d WORDs decoded: %v", n, mnemonics)
}

// TestGeneratedKernels checks that every kernel of the Go declarations is
// generated, and that each reports its main loop.
func TestGeneratedKernels(t *testing.T) {
	f := Build()
	names := map[string]bool{}
	for _, fn := range f.Funcs {
		names[fn.Name] = true
		if len(fn.stats) == 0 {
			t.Errorf("%s: no main loop recorded", fn.Name)
		}
	}
	for _, want := range []string{"DotNEON", "MatVecNEON", "AddOuterNEON", "MatMulTNEON", "AddMatMulTNNEON", "ExpNEON", "MaxNEON", "ExpShiftSumNEON", "ScaleNEON", "ShiftSubNEON", "SoftmaxNEON", "MaxExpSumNEON"} {
		if !names[want] {
			t.Errorf("%s not generated", want)
		}
	}
	var sb strings.Builder
	if err := writeStats(&sb, f.Stats()); err != nil {
		t.Fatal(err)
	}
	t.Logf("main loops:\n%s", sb.String())
}

// TestInterleave checks the round-robin merge.
func TestInterleave(t *testing.T) {
	var a, b Code
	a.I("A1")
	a.I("A2")
	a.I("A3")
	b.I("B1")
	got := Interleave(a, b)
	var s []string
	for _, l := range got.lines {
		s = append(s, l.text)
	}
	if strings.Join(s, " ") != "A1 B1 A2 A3" {
		t.Errorf("Interleave = %v", s)
	}
}
