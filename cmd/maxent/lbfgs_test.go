package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestTrainLBFGSDigits(t *testing.T) {
	code, out, errs := runCLI(t, "train", "-solver", "lbfgs", "-json", "-l2", "1e-3", "-iters", "300")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(lastLine(out)), &rep); err != nil {
		t.Fatalf("last line of stdout is not JSON: %q: %v", lastLine(out), err)
	}
	if rep["solver"] != "lbfgs" {
		t.Errorf("solver = %v, want lbfgs", rep["solver"])
	}
	iters, _ := rep["iterations"].(float64)
	if iters < 1 || iters > 300 {
		t.Errorf("iterations = %v", rep["iterations"])
	}
	if rep["epochs"].(float64) != 0 {
		t.Errorf("epochs = %v with lbfgs, want 0", rep["epochs"])
	}
	if rep["converged"] != true {
		t.Errorf("not converged: %v", rep)
	}
	if acc := rep["test_accuracy"].(float64); acc < 0.95 {
		t.Fatalf("held-out accuracy %.4f < 0.95", acc)
	}
	if n := strings.Count(errs, "\niter "); n != int(iters) {
		t.Errorf("%d progress lines on stderr for %v iterations", n, iters)
	}
	if !strings.Contains(errs, "iter    1/300  loss ") || !strings.Contains(errs, "|grad| ") {
		t.Errorf("no per-iteration progress on stderr: %q", errs)
	}

	// Default settings (-l2 1e-4, -iters 100) also reach the target.
	code, out, errs = runCLI(t, "train", "-solver", "lbfgs", "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if err := json.Unmarshal([]byte(lastLine(out)), &rep); err != nil {
		t.Fatal(err)
	}
	if acc := rep["test_accuracy"].(float64); acc < 0.95 {
		t.Fatalf("default lbfgs: held-out accuracy %.4f < 0.95", acc)
	}
}

func TestTrainSolverFlag(t *testing.T) {
	code, _, errs := runCLI(t, "train", "-solver", "newton")
	if code == 0 || !strings.Contains(errs, `unknown solver "newton"`) {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	for _, args := range [][]string{{"-iters", "0"}, {"-tol", "-1"}, {"-memory", "0"}} {
		code, _, errs := runCLI(t, append([]string{"train", "-solver", "lbfgs"}, args...)...)
		if code == 0 {
			t.Errorf("%v: exit 0, stderr %q", args, errs)
		}
	}
	code, out, errs := runCLI(t, "train", "-json", "-epochs", "2")
	if code != 0 {
		t.Fatalf("sgd: exit %d: %s", code, errs)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(lastLine(out)), &rep); err != nil {
		t.Fatal(err)
	}
	if rep["solver"] != "sgd" || rep["epochs"].(float64) != 2 || rep["iterations"].(float64) != 0 {
		t.Errorf("sgd report: %v", rep)
	}
	_, _, errs = runCLI(t, "train", "-h")
	for _, want := range []string{"-solver", "-iters", "-tol", "sgd only"} {
		if !strings.Contains(errs, want) {
			t.Errorf("train -h lacks %q", want)
		}
	}
}
