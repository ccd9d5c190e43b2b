package asm

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// An AVX2 kernel must run on CPUs without AVX-512: it may not name
// X16–X31, Y16–Y31 (EVEX-only encodings), any ZMM or any opmask register.
var rcOperand = regexp.MustCompile(`\b(?:[XY](?:1[6-9]|2[0-9]|3[01])|Z(?:[0-9]|[12][0-9]|3[01])|K[0-7])\b`)

// Nor use an instruction that exists only in AVX-512 (EVEX) form, whatever
// its registers: masking/broadcast/rounding suffixes and the AVX-512-only
// mnemonics an amd64 kernel is likely to reach for.
var rcMnemonic = regexp.MustCompile(`\.(?:Z|BCST|SAE|RN_SAE|RD_SAE|RU_SAE|RZ_SAE)\b|^(?:K[A-Z]+[BWDQ]|VP(?:AND|ANDN|OR|XOR)[DQ]|VMOVDQ[AU](?:8|16|32|64)|VEXTRACT[FI](?:32|64)X|VINSERT[FI](?:32|64)X|VBROADCAST[FI](?:32|64)X|VSHUF[FI](?:32|64)X|VPERM[IT]2|VPTERNLOG|VSCALEF|VRNDSCALE|VGETEXP|VGETMANT|VRCP14|VRSQRT14|VFIXUPIMM|VRANGE|VREDUCE|VPCMP[UDQB]|VPBLENDM|VBLENDM|VCOMPRESS|VEXPAND|VPCONFLICT|VPLZCNT|VPRO[LR]|VALIGN[DQ]|VPMULLQ|VPABSQ|VPM(?:AX|IN)[SU]Q|VPSRAQ|VCVTU|VCVT[A-Z0-9]*2U|VPMOV[A-Z0-9]*2M|VPMOVM2)`)

// rcFunc is one TEXT function of an assembly file.
type rcFunc struct {
	file, name string
	lines      []rcLine
}

type rcLine struct {
	no       int
	mnemonic string
	operands string
}

var rcTextName = regexp.MustCompile(`^TEXT\s+[^·]*·([A-Za-z0-9_]+)\(SB\)`)
var rcLabel = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*:$`)

// rcParse splits Go assembly source into TEXT functions, with comments
// removed and each instruction split into mnemonic and operands.
func rcParse(file, src string) []rcFunc {
	var fns []rcFunc
	var cur *rcFunc
	inBlock := false
	for i, line := range strings.Split(src, "\n") {
		// Strip /* */ and // comments.
		var b strings.Builder
		for j := 0; j < len(line); j++ {
			switch {
			case inBlock:
				if strings.HasPrefix(line[j:], "*/") {
					inBlock = false
					j++
				}
			case strings.HasPrefix(line[j:], "/*"):
				inBlock = true
				j++
			case strings.HasPrefix(line[j:], "//"):
				j = len(line)
			default:
				b.WriteByte(line[j])
			}
		}
		l := strings.TrimSpace(b.String())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if m := rcTextName.FindStringSubmatch(l); m != nil {
			fns = append(fns, rcFunc{file: file, name: m[1]})
			cur = &fns[len(fns)-1]
			continue
		}
		if strings.HasPrefix(l, "DATA") || strings.HasPrefix(l, "GLOBL") {
			cur = nil
			continue
		}
		if cur == nil || rcLabel.MatchString(l) {
			continue
		}
		for _, stmt := range strings.Split(l, ";") {
			stmt = strings.TrimSpace(stmt)
			if stmt == "" {
				continue
			}
			mn, ops := stmt, ""
			if k := strings.IndexAny(stmt, " \t"); k >= 0 {
				mn, ops = stmt[:k], stmt[k+1:]
			}
			cur.lines = append(cur.lines, rcLine{no: i + 1, mnemonic: strings.TrimSpace(mn), operands: strings.TrimSpace(ops)})
		}
	}
	return fns
}

// rcAVX512Uses lists the AVX-512-only registers and instructions of fn.
func rcAVX512Uses(fn rcFunc) []string {
	var bad []string
	for _, l := range fn.lines {
		if regs := rcOperand.FindAllString(l.operands, -1); regs != nil {
			bad = append(bad, rcFmtUse(fn, l, "register "+strings.Join(regs, ",")))
		}
		if rcMnemonic.MatchString(l.mnemonic) {
			bad = append(bad, rcFmtUse(fn, l, "AVX-512-only instruction"))
		}
	}
	return bad
}

func rcFmtUse(fn rcFunc, l rcLine, what string) string {
	return filepath.Base(fn.file) + ":" + rcItoa(l.no) + ": " + fn.name + ": " + what + " in `" + l.mnemonic + " " + l.operands + "`"
}

func rcItoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for ; n > 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}

// rcDir returns the directory holding this package's sources (also when
// the test binary runs elsewhere, e.g. under qemu).
func rcDir() string {
	if _, file, _, ok := runtime.Caller(0); ok {
		dir := filepath.Dir(file)
		if _, err := os.Stat(filepath.Join(dir, "regcheck_test.go")); err == nil {
			return dir
		}
	}
	return "."
}

// TestRegCheck fails if a function whose name contains "AVX2", in any
// asm/*_amd64.s, uses a register or instruction that needs AVX-512.
func TestRegCheck(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(rcDir(), "*_amd64.s"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no *_amd64.s files found")
	}
	checked := map[string]bool{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, fn := range rcParse(f, string(src)) {
			if !strings.Contains(fn.name, "AVX2") {
				continue
			}
			if len(fn.lines) == 0 {
				t.Errorf("%s: %s: no instructions parsed", f, fn.name)
			}
			checked[fn.name] = true
			for _, u := range rcAVX512Uses(fn) {
				t.Error(u)
			}
		}
	}
	// The linear-algebra kernels must have been seen (not a vacuous pass).
	for _, name := range []string{"DotAVX2", "MatVecAVX2", "AddOuterAVX2", "MatMulTAVX2", "MatMulTPfAVX2", "AddMatMulTNAVX2", "StreamReadAVX2", "StreamRMWAVX2", "FMAPeakAVX2"} {
		if !checked[name] {
			t.Errorf("%s not found in %v", name, files)
		}
	}
	t.Logf("checked %d AVX2 functions in %d files", len(checked), len(files))
}

// TestRegCheckSelf checks the checker on synthetic input.
func TestRegCheckSelf(t *testing.T) {
	src := `#include "textflag.h"
// func BadAVX2()
TEXT ·BadAVX2(SB), NOSPLIT, $0
	VADDPS Y16, Y1, Y1
	VMOVUPS (AX), K1, Y2
	VADDPS Z1, Z2, Z3
	VPXORD Y1, Y1, Y1
	VMOVUPS.Z (AX), K1, Y2
	VEXTRACTF64X2 $1, Y1, X2
	VADDPD X31, X1, X1
	RET

TEXT ·GoodAVX2(SB), NOSPLIT, $0
	// comment mentioning Z1, Y17 and K1
	VADDPS Y15, Y1, Y1 // Z2 K3
	VMASKMOVPS (AX), Y15, Y14
	VEXTRACTF128 $1, Y1, X1
	VPXOR Y1, Y1, Y1
	VMOVDQU tbl<>+32(SB), Y3
	VCVTPS2PD X1, Y2
	VPCMPEQD Y1, Y2, Y3
	VPERMILPD $1, X1, X2
	KEEPGOING_loop:
	RET

TEXT ·FineAVX512(SB), NOSPLIT, $0
	VADDPS Z16, Z1, K1, Z1
	RET
`
	fns := rcParse("synthetic_amd64.s", src)
	if len(fns) != 3 {
		t.Fatalf("parsed %d functions, want 3", len(fns))
	}
	if bad := rcAVX512Uses(fns[0]); len(bad) != 8 {
		t.Errorf("BadAVX2: %d findings, want 8:\n%s", len(bad), strings.Join(bad, "\n"))
	}
	if bad := rcAVX512Uses(fns[1]); len(bad) != 0 {
		t.Errorf("GoodAVX2: unexpected findings:\n%s", strings.Join(bad, "\n"))
	}
}
