// Command softmax generates asm/softmax_amd64.s: the AVX2+FMA and AVX-512
// kernels of exp and of the softmax primitives (max, exp-shift-sum, scale,
// shift-sub), each described once and emitted for both ISAs.
//
//	cd gen && go run ./amd64/softmax -out ../asm/softmax_amd64.s
//
// The exp kernels implement exactly the algorithm documented on
// fallback.Exp32, in the all-FMA evaluation order, with the constants of
// fallback/expconst.go read from the fallback package (never retyped), so
// that every in-range result is bit-identical to the FMA-order reference and
// every special value is bit-identical to fallback.Exp32.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"

	. "github.com/mmcloughlin/avo/build"
)

// isas lists the variants emitted for every kernel.
var isas = []*isa{avx2, avx512}

// predictOnly selects the fused prediction kernels of predict.go, written
// to a file of their own: go run ./amd64/softmax -predict -dir ../asm.
var predictOnly = flag.Bool("predict", false, "emit only the fused prediction kernels (predict_amd64.s, with -dir)")

func main() {
	ConstraintExpr("!purego")
	flag.Parse()
	declareData()
	if *predictOnly {
		generatePredict()
		return
	}
	for _, a := range isas {
		genExp(a)
		genMax(a)
		genExpShiftSum(a)
		genScale(a)
		genShiftSub(a)
		genSoftmax(a)
		genMaxExpSum(a)
	}
	genSoftmaxSmall(avx512)
	genXentRows(avx512, false, false)
	genXentRows(avx512, true, false)
	genXentRows(avx512, true, true)
	genXentRows16(avx512)
	Generate()

	if out := flag.Lookup("out"); out != nil && out.Value.String() != "" && out.Value.String() != "-" {
		if err := checkVEX(out.Value.String()); err != nil {
			fmt.Fprintln(os.Stderr, "softmax generator:", err)
			os.Exit(1)
		}
	}
}

// evexOnly matches operands that only an EVEX (AVX-512) encoding can express:
// X/Y16–31, any Z or K register, and the EVEX instruction suffixes.
var evexOnly = regexp.MustCompile(`\b([XY](1[6-9]|2[0-9]|3[01])|Z[0-9]+|K[0-7])\b|\.(BCST|Z|SAE)\b`)

// checkVEX verifies that no AVX2 function of the generated file uses an
// EVEX-only register or form: avo's allocator silently hands out Y16–Y31
// when more than 16 vectors are live, which would need AVX-512VL.
func checkVEX(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	fn, line := "", 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if strings.HasPrefix(s, "TEXT ") {
			fn = strings.TrimPrefix(strings.Fields(s)[1], "·")
			fn = fn[:strings.IndexByte(fn, '(')]
			continue
		}
		if strings.HasSuffix(fn, "AVX2") && !strings.HasPrefix(strings.TrimSpace(s), "//") && evexOnly.MatchString(s) {
			return fmt.Errorf("%s:%d: %s uses an EVEX-only operand: %s", path, line, fn, strings.TrimSpace(s))
		}
	}
	return sc.Err()
}
