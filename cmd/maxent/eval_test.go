package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed7bc074a2/maxent/kernel"
)

// TestEvalCertificate checks the certificate of eval on a case worked by
// hand: the zero model predicts P = 1/2 for both classes on every row.
func TestEvalCertificate(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "zero.mxt")
	m := kernel.NewModel(2, 2)
	m.Labels = []string{"a", "b"}
	if err := writeModel(model, m); err != nil {
		t.Fatal(err)
	}
	csv := filepath.Join(dir, "d.csv")
	// Rows of class a: (1,0), (1,2), (0,0); class b: (0,4).
	if err := os.WriteFile(csv, []byte("1,0,a\n1,2,a\n0,0,a\n0,4,b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "eval", "-model", model, "-data", csv, "-json", "-l2", "0.5")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep evalReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	c := rep.Certificate
	if len(c.Classes) != 2 || c.Classes[0].Label != "a" || c.Classes[0].Observed != 3 || c.Classes[1].Observed != 1 ||
		math.Abs(c.Classes[0].Predicted-2) > 1e-12 || math.Abs(c.Classes[1].Predicted-2) > 1e-12 {
		t.Fatalf("classes %+v", c.Classes)
	}
	// ∇_W: (1/n)Σ(P − Y)x with W = 0: class a: ((1/2)(2,6) − (2,2))/4 = (−1/4, 1/4),
	// class b: ((1/2)(2,6) − (0,4))/4 = (1/4, −1/4). ∇_B = ±1/4.
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	near("max_residual", c.MaxResidual, math.Sqrt2/4)
	near("bias_residual", c.BiasResidual, 0.25)
	near("grad_norm", c.GradNorm, math.Sqrt(6)/4)
	near("log_loss", c.LogLoss, math.Ln2)
	near("mean_entropy", c.Entropy, math.Ln2)
	near("gap", c.Gap, (4.0/16)/(2*0.5)) // ‖∇_W J‖²/(2λ), B = 0
	near("l2", c.L2, 0.5)

	code, out, errs = runCLI(t, "eval", "-model", model, "-data", csv)
	if code != 0 || !strings.Contains(out, "optimality certificate") || !strings.Contains(out, "duality gap") ||
		strings.Index(out, "confusion matrix") > strings.Index(out, "optimality certificate") {
		t.Fatalf("table: exit %d: %s\n%s", code, errs, out)
	}
	for _, bad := range []string{"-1", "NaN", "+Inf"} {
		code, _, errs = runCLI(t, "eval", "-model", model, "-data", csv, "-l2", bad)
		if code != 1 || !strings.Contains(errs, "-l2") {
			t.Errorf("-l2 %s: exit %d: %s", bad, code, errs)
		}
	}
}
