// Command asmsize prints the size of every TEXT symbol of the generated
// assembly (asm/*.s): its source lines and the bytes of machine code the Go
// assembler makes of it, per file and in total; with -budget it fails when
// the total lines or bytes grow more than -slack (10 %) over the committed
// budget file.
//
//	cd gen && go run ./cmd/asmsize -dir ../asm -budget ../asm/budget.txt
//	cd gen && go run ./cmd/asmsize -dir ../asm -write ../asm/budget.txt   # the current sizes as the budget
//
// A symbol's lines run from its TEXT line to the last line of its body
// (the comments above the next symbol excluded); a file's lines are all of
// its lines, DATA tables and headers included, and the totals are the sums
// over the files. The bytes come from `go tool asm -S` (GOARCH from the
// file name's suffix), the symbol's size=, alignment padding between
// functions excluded. Raising the budget is a reviewed change: rewrite it
// with -write and commit it with the change that needs it.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

func main() {
	dir := flag.String("dir", "../asm", "directory of the generated .s files")
	budget := flag.String("budget", "", "budget file to check the totals against (none: only print)")
	write := flag.String("write", "", "write the current sizes to this budget file")
	slack := flag.Float64("slack", 0.10, "allowed growth over the budget (fraction)")
	goCmd := flag.String("go", "go", "the go command (for go tool asm)")
	quiet := flag.Bool("q", false, "print only the per-file and total lines, not every symbol")
	flag.Parse()

	r, err := Measure(*dir, *goCmd)
	if err != nil {
		fmt.Fprintln(os.Stderr, "asmsize:", err)
		os.Exit(2)
	}
	var b *Budget
	if *budget != "" {
		if b, err = ReadBudget(*budget); err != nil {
			fmt.Fprintln(os.Stderr, "asmsize:", err)
			os.Exit(2)
		}
	}
	r.Print(os.Stdout, b, !*quiet)
	if *write != "" {
		if err := os.WriteFile(*write, []byte(r.Budget()), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "asmsize:", err)
			os.Exit(2)
		}
	}
	if b != nil {
		if err := b.Check(r, *slack); err != nil {
			fmt.Fprintln(os.Stderr, "asmsize:", err)
			os.Exit(1)
		}
		fmt.Printf("within the budget of %s (+%.0f %%)\n", *budget, 100**slack)
	}
}

// Symbol is one TEXT symbol.
type Symbol struct {
	Name  string
	Lines int // source lines, TEXT line to the end of the body
	Bytes int // machine code (-1: not known)
}

// File is one assembly file.
type File struct {
	Name    string
	Lines   int // every line of the file
	Bytes   int // the sum of its symbols' bytes
	Symbols []Symbol
}

// Report is the sizes of a directory of assembly files.
type Report struct {
	Files        []File
	Lines, Bytes int
}

// Measure reads every .s file of dir and assembles it with goCmd's
// assembler for the symbols' machine-code sizes.
func Measure(dir, goCmd string) (*Report, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.s"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no .s files in %s", dir)
	}
	sort.Strings(paths)
	r := &Report{}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		f := File{Name: filepath.Base(p), Lines: CountLines(src), Symbols: ParseSymbols(src)}
		sizes, err := assembledSizes(goCmd, p)
		if err != nil {
			return nil, err
		}
		for i := range f.Symbols {
			s := &f.Symbols[i]
			n, ok := sizes[s.Name]
			if !ok {
				return nil, fmt.Errorf("%s: the assembler reported no size for %s", p, s.Name)
			}
			s.Bytes = n
			f.Bytes += n
		}
		if len(sizes) != len(f.Symbols) {
			return nil, fmt.Errorf("%s: %d TEXT symbols in the source, %d assembled", p, len(f.Symbols), len(sizes))
		}
		r.Files = append(r.Files, f)
		r.Lines += f.Lines
		r.Bytes += f.Bytes
	}
	return r, nil
}

// CountLines counts src's lines (a last line without a newline counts).
func CountLines(src []byte) int {
	n := bytes.Count(src, []byte{'\n'})
	if len(src) > 0 && src[len(src)-1] != '\n' {
		n++
	}
	return n
}

// ParseSymbols lists the TEXT symbols of Go assembly source in order, each
// with its lines: from the TEXT line up to the next TEXT, DATA or GLOBL
// line, less the blank lines and column-0 comments that end the span (the
// next symbol's header).
func ParseSymbols(src []byte) []Symbol {
	lines := strings.Split(string(src), "\n")
	var syms []Symbol
	start := -1
	end := func(stop int) {
		if start < 0 {
			return
		}
		e := stop
		for e > start+1 {
			l := lines[e-1]
			if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "//") || strings.HasPrefix(l, "#") {
				e--
				continue
			}
			break
		}
		syms[len(syms)-1].Lines = e - start
		start = -1
	}
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "TEXT"):
			end(i)
			syms = append(syms, Symbol{Name: textName(l), Bytes: -1})
			start = i
		case strings.HasPrefix(l, "DATA"), strings.HasPrefix(l, "GLOBL"):
			end(i)
		}
	}
	end(len(lines))
	return syms
}

// textName returns the symbol of a TEXT line: "TEXT ·DotAVX2(SB), …" →
// "DotAVX2".
func textName(l string) string {
	f := strings.Fields(strings.TrimPrefix(l, "TEXT"))
	if len(f) == 0 {
		return ""
	}
	s := strings.TrimSuffix(f[0], ",")
	if i := strings.Index(s, "("); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndex(s, "·"); i >= 0 {
		s = s[i+len("·"):]
	}
	return s
}

// goarch returns the GOARCH of an assembly file from its name's suffix.
func goarch(path string) (string, error) {
	base := strings.TrimSuffix(filepath.Base(path), ".s")
	i := strings.LastIndex(base, "_")
	if i < 0 {
		return "", fmt.Errorf("%s: no _GOARCH suffix", path)
	}
	return base[i+1:], nil
}

// assembledSizes assembles path with `go tool asm -S` and returns the size
// of each TEXT symbol.
func assembledSizes(goCmd, path string) (map[string]int, error) {
	arch, err := goarch(path)
	if err != nil {
		return nil, err
	}
	goroot, err := exec.Command(goCmd, "env", "GOROOT").Output()
	if err != nil {
		return nil, fmt.Errorf("%s env GOROOT: %v", goCmd, err)
	}
	tmp, err := os.MkdirTemp("", "asmsize")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	inc := filepath.Join(strings.TrimSpace(string(goroot)), "pkg", "include")
	cmd := exec.Command(goCmd, "tool", "asm", "-p", "asm", "-I", inc, "-S", "-o", filepath.Join(tmp, "x.o"), path)
	cmd.Env = append(os.Environ(), "GOARCH="+arch, "GOOS=linux")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go tool asm %s: %v\n%s", path, err, stderr.Bytes())
	}
	return ParseAsmListing(out)
}

// ParseAsmListing reads the sizes of the TEXT symbols from `go tool asm -S`
// output: lines "asm.Name STEXT … size=N …".
func ParseAsmListing(out []byte) (map[string]int, error) {
	sizes := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 || f[1] != "STEXT" {
			continue
		}
		name := f[0]
		if i := strings.LastIndex(name, "."); i >= 0 {
			name = name[i+1:]
		}
		size := -1
		for _, a := range f[2:] {
			if v, ok := strings.CutPrefix(a, "size="); ok {
				n, err := strconv.Atoi(v)
				if err != nil {
					return nil, fmt.Errorf("bad size in %q", sc.Text())
				}
				size = n
			}
		}
		if size < 0 {
			return nil, fmt.Errorf("no size in %q", sc.Text())
		}
		sizes[name] = size
	}
	return sizes, sc.Err()
}

// Print writes the report, every symbol if symbols, with the differences
// from budget b (nil: none).
func (r *Report) Print(w io.Writer, b *Budget, symbols bool) {
	fmt.Fprintf(w, "%-28s %-34s %7s %8s\n", "file", "symbol", "lines", "bytes")
	for _, f := range r.Files {
		if symbols {
			for _, s := range f.Symbols {
				fmt.Fprintf(w, "%-28s %-34s %7d %8d\n", f.Name, s.Name, s.Lines, s.Bytes)
			}
		}
		note := ""
		if b != nil {
			if old, ok := b.Files[f.Name]; ok {
				note = fmt.Sprintf("  (budget file: %+d lines, %+d bytes)", f.Lines-old.Lines, f.Bytes-old.Bytes)
			} else {
				note = "  (new file)"
			}
		}
		fmt.Fprintf(w, "%-28s %-34s %7d %8d%s\n", f.Name, fmt.Sprintf("(file, %d symbols)", len(f.Symbols)), f.Lines, f.Bytes, note)
	}
	note := ""
	if b != nil {
		note = fmt.Sprintf("  (budget: %d lines, %d bytes)", b.Lines, b.Bytes)
	}
	fmt.Fprintf(w, "%-28s %-34s %7d %8d%s\n", "total", fmt.Sprintf("(%d files)", len(r.Files)), r.Lines, r.Bytes, note)
}

// Budget is the committed size budget: totals and, for the reviewer, the
// sizes of each file when it was written.
type Budget struct {
	Lines, Bytes int
	Files        map[string]File
}

// Budget returns r as the text of a budget file.
func (r *Report) Budget() string {
	var b strings.Builder
	b.WriteString("# Size budget of the generated assembly (asm/*.s), written by gen/cmd/asmsize.\n")
	b.WriteString("# make check-generated fails when the total lines or bytes of machine code\n")
	b.WriteString("# grow more than 10 % over these totals. Raising them is a reviewed change:\n")
	b.WriteString("#   cd gen && go run ./cmd/asmsize -dir ../asm -write ../asm/budget.txt\n")
	b.WriteString("# The file lines are the sizes when it was written (not checked).\n")
	fmt.Fprintf(&b, "total lines %d bytes %d\n", r.Lines, r.Bytes)
	for _, f := range r.Files {
		fmt.Fprintf(&b, "file %s lines %d bytes %d\n", f.Name, f.Lines, f.Bytes)
	}
	return b.String()
}

// ReadBudget reads a budget file.
func ReadBudget(path string) (*Budget, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, err := ParseBudget(string(src))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return b, nil
}

// ParseBudget parses the text of a budget file.
func ParseBudget(src string) (*Budget, error) {
	b := &Budget{Files: map[string]File{}}
	total := false
	for i, l := range strings.Split(src, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Fields(l)
		var name string
		switch {
		case len(f) == 5 && f[0] == "total":
		case len(f) == 6 && f[0] == "file":
			name, f = f[1], append(f[:1:1], f[2:]...)
		default:
			return nil, fmt.Errorf("line %d: want \"total lines N bytes N\" or \"file NAME lines N bytes N\": %q", i+1, l)
		}
		if f[1] != "lines" || f[3] != "bytes" {
			return nil, fmt.Errorf("line %d: %q", i+1, l)
		}
		lines, err1 := strconv.Atoi(f[2])
		nb, err2 := strconv.Atoi(f[4])
		if err := errors.Join(err1, err2); err != nil || lines < 0 || nb < 0 {
			return nil, fmt.Errorf("line %d: %q", i+1, l)
		}
		if name == "" {
			if total {
				return nil, fmt.Errorf("line %d: a second total", i+1)
			}
			b.Lines, b.Bytes, total = lines, nb, true
		} else {
			b.Files[name] = File{Name: name, Lines: lines, Bytes: nb}
		}
	}
	if !total {
		return nil, errors.New("no total line")
	}
	return b, nil
}

// Check fails when r's total lines or bytes exceed b's by more than the
// fraction slack.
func (b *Budget) Check(r *Report, slack float64) error {
	var errs []error
	over := func(what string, got, budget int) {
		limit := int(float64(budget) * (1 + slack))
		if got > limit {
			errs = append(errs, fmt.Errorf("the generated assembly has %d %s, more than %d (the budget's %d + %.0f %%): shrink it, or raise the budget in a reviewed change", got, what, limit, budget, 100*slack))
		}
	}
	over("lines", r.Lines, b.Lines)
	over("bytes of machine code", r.Bytes, b.Bytes)
	return errors.Join(errs...)
}
