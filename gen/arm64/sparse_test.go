package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSparseGenerated checks asm/sparse_arm64.s: it is what the generator
// produces now (deterministically), every WORD decodes to the instruction
// its comment names, and both kernels record their main loops.
func TestSparseGenerated(t *testing.T) {
	path := filepath.Join("..", "..", "asm", "sparse_arm64.s")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate it with: cd gen && go run ./arm64 -sparse-out ../asm/sparse_arm64.s)", err)
	}
	want := SparseSource()
	if SparseSource() != want {
		t.Fatal("two runs of the generator differ")
	}
	if string(b) != want {
		t.Fatalf("%s is stale: run cd gen && go run ./arm64 -sparse-out ../asm/sparse_arm64.s", path)
	}
	n := 0
	for i, l := range strings.Split(want, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "WORD") {
			continue
		}
		m := wordLine.FindStringSubmatch(l)
		if m == nil || m[2] == "" {
			t.Fatalf("line %d: WORD without a comment naming the instruction: %q", i+1, l)
		}
		w, err := strconv.ParseUint(m[1], 16, 32)
		if err != nil {
			t.Fatal(err)
		}
		if got := decode(t, uint32(w)); normAsm(got) != normAsm(m[2]) {
			t.Errorf("line %d: WORD $0x%s decodes as %q, comment says %q", i+1, m[1], got, m[2])
		}
		n++
	}
	if n == 0 {
		t.Fatal("no WORD lines")
	}
	f := BuildSparse()
	for _, fn := range f.Funcs {
		if len(fn.stats) == 0 {
			t.Errorf("%s: no main loop recorded", fn.Name)
		}
	}
	var sb strings.Builder
	if err := writeStats(&sb, f.Stats()); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d WORDs decoded; main loops:\n%s", n, sb.String())
}
