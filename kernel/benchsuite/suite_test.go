package benchsuite

import (
	"flag"
	"strings"
	"testing"

	"github.com/seed7bc074a2/maxent/kernel"
)

func TestCasesUniqueAndComplete(t *testing.T) {
	seen := map[string]bool{}
	ops := map[string]bool{}
	for _, c := range Cases(nil) {
		if seen[c.Name()] {
			t.Errorf("duplicate case %s", c.Name())
		}
		seen[c.Name()] = true
		ops[c.Op] = true
		if c.Run == nil || c.Op == "" || c.ISA == "" || strings.Contains(c.Op, "/") {
			t.Errorf("malformed case %+v", c)
		}
		if c.ISA != "limit" && (c.Bytes <= 0 || c.Elems <= 0 || c.Flops <= 0) {
			t.Errorf("%s: Bytes, Elems, Flops = %d, %d, %d", c.Name(), c.Bytes, c.Elems, c.Flops)
		}
	}
	for _, op := range []string{"Dot", "MatVec", "AddOuter", "MatMulT", "AddMatMulTN", "Exp", "Softmax", "LogSoftmax", "LogSumExp", "SoftmaxCrossEntropy", "Predict", "PredictProba", "PredictLatency", "PredictProbaLatency", "PredictParallel", "PredictProbaParallel", "TrainEpoch", "TrainEpochCodes"} {
		if !ops[op] {
			t.Errorf("no %s cases", op)
		}
	}
	if HaveLimit() && !ops["FMAPeak"] {
		t.Error("no FMAPeak case")
	}
	if n := len(Cases([]string{"plain"})); n == 0 {
		t.Error("no plain cases")
	}
	if err := CheckISAs([]string{"nosuch"}); err == nil {
		t.Error("CheckISAs accepted an unknown isa")
	}
}

// TestCasesRun runs every case once (-benchtime 1x) and checks that it
// reports elem/ns and restores the backend.
func TestCasesRun(t *testing.T) {
	bt := flag.Lookup("test.benchtime")
	old := bt.Value.String()
	if err := bt.Value.Set("1x"); err != nil {
		t.Fatal(err)
	}
	defer bt.Value.Set(old)
	orig := kernel.Backend()
	for _, c := range Cases(nil) {
		r := testing.Benchmark(c.Run)
		if r.N != 1 {
			t.Errorf("%s: ran %d times, want 1 (did it fail?)", c.Name(), r.N)
		}
		if _, ok := r.Extra["elem/ns"]; !ok {
			t.Errorf("%s: no elem/ns metric", c.Name())
		}
		if kernel.Backend() != orig {
			t.Fatalf("%s left backend %s, want %s", c.Name(), kernel.Backend(), orig)
		}
	}
}
