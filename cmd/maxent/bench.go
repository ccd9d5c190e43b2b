package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/klauspost/cpuid/v2"
	"github.com/seed7bc074a2/maxent/kernel/benchsuite"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchproc"
	"golang.org/x/perf/benchunit"
)

// benchPkg is the pkg: header of the raw output: where the cases live.
const benchPkg = "github.com/seed7bc074a2/maxent/kernel/benchsuite"

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", "[-bench REGEX] [-isa LIST] [-count N] [-benchtime D] [-o FILE] [-svg FILE]", stderr)
	pattern := fs.String("bench", ".", "run only the cases whose name (BenchmarkOp/isa=ISA/shape) matches this regular expression")
	isaList := fs.String("isa", "", "comma-separated backends to run (default: every kernel backend available here, then limit and plain)")
	count := fs.Int("count", 1, "run each case this many times (10 gives benchstat confidence intervals)")
	benchtime := fs.String("benchtime", "1s", "run each case for this long (a duration) or this many iterations (Nx), as go test -benchtime")
	out := fs.String("o", "", "also write the raw results in Go benchmark format, for benchstat, to this file")
	svg := fs.String("svg", "", "write a roofline chart (SVG) to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	bad := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "maxent bench: "+format+"\n", a...)
		return errUsage
	}
	re, err := regexp.Compile(*pattern)
	if err != nil {
		return bad("-bench: bad regular expression: %v", err)
	}
	var isas []string
	if *isaList != "" {
		for _, s := range strings.Split(*isaList, ",") {
			isas = append(isas, strings.TrimSpace(s))
		}
		if err := benchsuite.CheckISAs(isas); err != nil {
			return bad("-isa: %v", err)
		}
	}
	if *count < 1 {
		return bad("-count must be at least 1, not %d", *count)
	}
	// testing.Benchmark reads -test.benchtime; register the testing flags
	// (a no-op in a test binary) and set it for the duration of the run.
	testing.Init()
	bt := flag.Lookup("test.benchtime")
	oldBT := bt.Value.String()
	if err := bt.Value.Set(*benchtime); err != nil {
		return bad("-benchtime: %v", err)
	}
	defer bt.Value.Set(oldBT)

	var cases []benchsuite.Case
	for _, c := range benchsuite.Cases(isas) {
		if re.MatchString(c.Name()) {
			cases = append(cases, c)
		}
	}
	if len(cases) == 0 {
		return fmt.Errorf("no benchmark case matches -bench %q and -isa %q", *pattern, *isaList)
	}

	var raw bytes.Buffer
	fmt.Fprintf(&raw, "goos: %s\ngoarch: %s\npkg: %s\ncpu: %s\n", runtime.GOOS, runtime.GOARCH, benchPkg, cpuName())
	procs := ""
	if p := runtime.GOMAXPROCS(0); p > 1 {
		procs = fmt.Sprintf("-%d", p)
	}
	start := time.Now()
	for i, c := range cases {
		for n := 0; n < *count; n++ {
			r := testing.Benchmark(c.Run)
			if r.N == 0 {
				return fmt.Errorf("%s failed", c.Name())
			}
			line := fmt.Sprintf("%s%s\t%s", c.Name(), procs, r.String())
			fmt.Fprintln(&raw, line)
			fmt.Fprintf(stderr, "[%d/%d] %s\n", i+1, len(cases), line)
		}
	}
	fmt.Fprintf(stderr, "ran %d cases in %v\n", len(cases), time.Since(start).Round(time.Millisecond))

	if *out != "" {
		if err := os.WriteFile(*out, raw.Bytes(), 0o644); err != nil {
			return err
		}
	}
	tab, err := summarize(raw.Bytes(), cases, procs)
	if err != nil {
		return err
	}
	tab.print(stdout)
	if *svg != "" {
		var b bytes.Buffer
		writeRoofline(&b, tab)
		if err := os.WriteFile(*svg, b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func cpuName() string {
	if n := strings.TrimSpace(cpuid.CPU.BrandName); n != "" {
		return n
	}
	return runtime.GOARCH
}

// benchCell is the summary of one case's samples.
type benchCell struct {
	c       benchsuite.Case
	sec     benchmath.Summary // seconds per op
	bestSec float64           // the fastest sample
	flop    float64           // best flop/ns of the FMAPeak row, else 0
}

// benchTable is the results grouped as benchstat -col /isa would: one row
// per op/shape, one column per backend.
type benchTable struct {
	cpu   string
	rows  []string // "MatVec/k=10/m=784"
	cols  []string // backends, in -isa order
	cells map[[2]string]*benchCell
}

// summarize parses the raw results with benchfmt, groups them with
// benchproc (rows .fullname without /isa, columns /isa) and summarizes
// each group's sec/op with benchmath (median and 95% confidence interval,
// assuming nothing about the distribution, as benchstat does).
func summarize(raw []byte, cases []benchsuite.Case, procs string) (*benchTable, error) {
	var pp benchproc.ProjectionParser
	colBy, err := pp.Parse("/isa", nil)
	if err != nil {
		return nil, err
	}
	rowBy, err := pp.Parse(".fullname", nil)
	if err != nil {
		return nil, err
	}
	byName := map[[2]string]benchsuite.Case{}
	for _, c := range cases {
		byName[[2]string{c.Op + "/" + c.Shape, c.ISA}] = c
	}
	t := &benchTable{cpu: cpuName(), cells: map[[2]string]*benchCell{}}
	samples := map[[2]string][]float64{}
	flops := map[[2]string][]float64{}
	r := benchfmt.NewReader(bytes.NewReader(raw), "bench")
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, rec
		case *benchfmt.Result:
			row := strings.TrimSuffix(rowBy.Project(rec).StringValues(), procs)
			row = strings.TrimSuffix(row, "/") // FMAPeak has no shape
			col := colBy.Project(rec).StringValues()
			k := [2]string{row, col}
			if _, ok := byName[k]; !ok {
				row += "/"
				k = [2]string{row, col}
			}
			if !slices.Contains(t.rows, row) {
				t.rows = append(t.rows, row)
			}
			if !slices.Contains(t.cols, col) {
				t.cols = append(t.cols, col)
			}
			v, _ := rec.Value("sec/op")
			samples[k] = append(samples[k], v)
			if f, ok := rec.Value("flop/ns"); ok {
				flops[k] = append(flops[k], f)
			}
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	for k, vs := range samples {
		s := benchmath.NewSample(vs, &benchmath.DefaultThresholds)
		cell := &benchCell{c: byName[k], sec: benchmath.AssumeNothing.Summary(s, 0.95), bestSec: slices.Min(vs)}
		if f := flops[k]; len(f) > 0 {
			cell.flop = slices.Max(f)
		}
		t.cells[k] = cell
	}
	// Order the columns like DefaultISAs: best backend first, plain last.
	order := append(benchsuite.DefaultISAs(), "gonum")
	slices.SortStableFunc(t.cols, func(a, b string) int { return slices.Index(order, a) - slices.Index(order, b) })
	for i, row := range t.rows {
		t.rows[i] = strings.TrimSuffix(row, "/")
	}
	for k, c := range t.cells {
		if strings.HasSuffix(k[0], "/") {
			delete(t.cells, k)
			t.cells[[2]string{strings.TrimSuffix(k[0], "/"), k[1]}] = c
		}
	}
	return t, nil
}

// best returns the fastest kernel backend column (not generic, limit or
// plain) measured for row, or "".
func (t *benchTable) best(row string) string {
	var best string
	var bestSec float64
	for _, col := range t.cols {
		c := t.cells[[2]string{row, col}]
		if c == nil || col == "limit" || col == "plain" || col == "generic" {
			continue
		}
		if best == "" || c.sec.Center < bestSec {
			best, bestSec = col, c.sec.Center
		}
	}
	return best
}

// print writes the table: median sec/op ± the 95% confidence interval per
// backend, then the speed-up of the fastest SIMD backend over generic and
// how close it gets to the limit row (limit time ÷ its time).
func (t *benchTable) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	// Left-align the first column by padding it (tabwriter aligns all
	// columns the same way).
	width := len("cpu: " + t.cpu)
	for _, row := range t.rows {
		width = max(width, len(row))
	}
	left := func(s string) string { return s + strings.Repeat(" ", width-len(s)) }
	fmt.Fprintf(tw, "%s\t", left("cpu: "+t.cpu))
	for _, col := range t.cols {
		fmt.Fprintf(tw, "%s\t", col)
	}
	fmt.Fprint(tw, "best\tvs generic\tof limit\t\n")
	fmt.Fprintf(tw, "%s\t", left("sec/op"))
	for range t.cols {
		fmt.Fprint(tw, "median ± 95% CI\t")
	}
	fmt.Fprint(tw, "\t×\t%\t\n")
	for _, row := range t.rows {
		fmt.Fprintf(tw, "%s\t", left(row))
		for _, col := range t.cols {
			c := t.cells[[2]string{row, col}]
			if c == nil {
				fmt.Fprint(tw, "—\t")
				continue
			}
			fmt.Fprintf(tw, "%ss ± %s\t", benchunit.Scale(c.sec.Center, benchunit.Decimal), c.sec.PctRangeString())
		}
		best := t.best(row)
		bc := t.cells[[2]string{row, best}]
		g := t.cells[[2]string{row, "generic"}]
		l := t.cells[[2]string{row, "limit"}]
		fmt.Fprintf(tw, "%s\t", orDash(best))
		if bc != nil && g != nil {
			fmt.Fprintf(tw, "%.2f×\t", g.sec.Center/bc.sec.Center)
		} else {
			fmt.Fprint(tw, "—\t")
		}
		if bc != nil && l != nil {
			fmt.Fprintf(tw, "%.0f%%\t", 100*l.sec.Center/bc.sec.Center)
		} else {
			fmt.Fprint(tw, "—\t")
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	n := 0
	for _, c := range t.cells {
		n = max(n, len(c.sec.Warnings))
	}
	fmt.Fprintln(w, "\nbest: the fastest SIMD backend; vs generic: generic's time ÷ best's; of limit: the limit row's time ÷ best's")
	fmt.Fprintln(w, "(limit streams the same bytes with the widest loads). Raw results for benchstat: -o FILE.")
	if n > 0 {
		fmt.Fprintln(w, "Some confidence intervals need more samples: use -count 10 (or more).")
	}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
