package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed7bc074a2/maxent/kernel"
	"github.com/seed7bc074a2/maxent/kernel/benchsuite"
	"golang.org/x/perf/benchfmt"
)

func TestBench(t *testing.T) {
	dir := t.TempDir()
	raw, svg := filepath.Join(dir, "bench.txt"), filepath.Join(dir, "roofline.svg")
	code, out, errs := runCLI(t, "bench", "-bench", `^Benchmark(MatVec/isa=.*/k=10/m=784|Softmax/isa=.*/n=10$|FMAPeak|Dot/isa=.*/n=16$)`,
		"-benchtime", "5x", "-count", "2", "-o", raw, "-svg", svg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	isas := benchsuite.DefaultISAs()
	// One progress line per run on stderr.
	if n := strings.Count(errs, "BenchmarkMatVec/isa="); n != 2*len(isas) {
		t.Errorf("%d MatVec progress lines, want %d: %s", n, 2*len(isas), errs)
	}
	// The table: a header naming every backend, a row per op/shape.
	for _, isa := range isas {
		if !strings.Contains(lines(out)[0], isa) {
			t.Errorf("table header lacks %s: %q", isa, lines(out)[0])
		}
	}
	for _, row := range []string{"MatVec/k=10/m=784 ", "Softmax/n=10 ", "Dot/n=16 "} {
		if !strings.Contains(out, row) {
			t.Errorf("table lacks row %q:\n%s", row, out)
		}
	}
	if strings.Contains(out, "MatVec/k=100/") || strings.Contains(out, "Exp/") {
		t.Errorf("-bench filter ignored:\n%s", out)
	}
	if len(kernel.Available()) > 1 && !strings.Contains(out, "×") {
		t.Errorf("no ratio to generic:\n%s", out)
	}

	// -o: standard benchmark format that benchfmt (and so benchstat) reads.
	f, err := os.Open(raw)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := benchfmt.NewReader(f, raw)
	n, units := 0, map[string]bool{}
	var goarch string
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatal(rec)
		case *benchfmt.Result:
			n++
			goarch = rec.GetConfig("goarch")
			for _, v := range rec.Values {
				units[v.Unit] = true
			}
			if !strings.Contains(string(rec.Name), "/isa=") {
				t.Errorf("name %q lacks /isa=", rec.Name)
			}
		}
	}
	if want := 2 * (3*len(isas) - 1); n < want {
		t.Errorf("%d results in -o file, want at least %d", n, want)
	}
	if goarch == "" || !units["sec/op"] || !units["B/s"] || !units["elem/ns"] {
		t.Errorf("goarch %q, units %v", goarch, units)
	}

	// -svg: well-formed XML with axes, ceilings (where measured) and points.
	data, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			counts[se.Name.Local]++
			for _, a := range se.Attr {
				if a.Name.Local == "class" || a.Name.Local == "id" {
					counts[a.Name.Local+"="+a.Value]++
				}
			}
		}
	}
	if counts["svg"] != 1 || counts["id=legend"] != 1 || counts["id=axes"] != 1 || counts["class=point"] < 3*len(isas) {
		t.Errorf("SVG elements: %v", counts)
	}
	if benchsuite.HaveLimit() && counts["class=ceiling"] < 2 {
		t.Errorf("SVG has %d ceilings, want the bandwidth and the FMA peak", counts["class=ceiling"])
	}
	for _, s := range []string{"arithmetic intensity", "GFLOP/s"} {
		if !bytes.Contains(data, []byte(s)) {
			t.Errorf("SVG lacks %q", s)
		}
	}
}

func lines(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") }

func TestBenchErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-isa", "avx9000"}, 2, `unknown or unavailable isa "avx9000"`},
		{[]string{"-bench", "Mat(Vec"}, 2, "-bench: bad regular expression"},
		{[]string{"-benchtime", "fast"}, 2, "-benchtime"},
		{[]string{"-count", "0"}, 2, "-count must be at least 1"},
		{[]string{"-nosuchflag"}, 2, "flag provided but not defined"},
		{[]string{"-bench", "NoSuchOp"}, 1, "no benchmark case matches"},
	} {
		code, out, errs := runCLI(t, append([]string{"bench"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errs, tc.msg) || out != "" {
			t.Errorf("bench %v: exit %d, stderr %q, stdout %q; want exit %d and %q", tc.args, code, errs, out, tc.code, tc.msg)
		}
	}
	code, _, errs := runCLI(t, "bench", "-h")
	if code != 0 || !strings.Contains(errs, "Usage: maxent bench") || !strings.Contains(errs, "-svg") {
		t.Errorf("bench -h: exit %d: %q", code, errs)
	}
}
