package main

import (
	"strings"
	"testing"
)

// loopBody returns the instruction lines of fn from the label loop up to and
// including its backward branch, with the label name replaced by "L".
func loopBody(t *testing.T, fn *Func, loop string) []string {
	t.Helper()
	start := -1
	for i, l := range fn.lines {
		if l.label && l.text == loop+":" {
			start = i + 1
		}
	}
	if start < 0 {
		t.Fatalf("%s: no label %s", fn.Name, loop)
	}
	var body []string
	for _, l := range fn.lines[start:] {
		if l.label {
			t.Fatalf("%s: label inside loop %s", fn.Name, loop)
		}
		if l.instr {
			body = append(body, strings.ReplaceAll(l.text, loop, "L"))
		}
		if l.text == "BNE\t"+loop {
			return body
		}
	}
	t.Fatalf("%s: loop %s has no backward branch", fn.Name, loop)
	return nil
}

// TestFusedSharesLoops requires the main loops of SoftmaxNEON and
// MaxExpSumNEON to be those of MaxNEON, ExpShiftSumNEON and ScaleNEON,
// instruction for instruction (the fused kernels are bit for bit the
// composition because they run the same loops).
func TestFusedSharesLoops(t *testing.T) {
	funcs := map[string]*Func{}
	for _, fn := range Build().Funcs {
		funcs[fn.Name] = fn
	}
	for _, c := range []struct {
		fused, fusedLoop, orig, origLoop string
	}{
		{"SoftmaxNEON", "mxloop16", "MaxNEON", "loop16"},
		{"SoftmaxNEON", "esloop8s", "ExpShiftSumNEON", "loop8s"},
		{"SoftmaxNEON", "scloop16", "ScaleNEON", "loop16"},
		{"MaxExpSumNEON", "mxloop16", "MaxNEON", "loop16"},
		{"MaxExpSumNEON", "esloop8n", "ExpShiftSumNEON", "loop8n"},
	} {
		got := loopBody(t, funcs[c.fused], c.fusedLoop)
		want := loopBody(t, funcs[c.orig], c.origLoop)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s %s differs from %s %s:\n%s\nwant\n%s", c.fused, c.fusedLoop, c.orig, c.origLoop,
				strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}
