package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func trainJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	code, out, errs := runCLI(t, append([]string{"train", "-json"}, args...)...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errs)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(lastLine(out)), &rep); err != nil {
		t.Fatalf("%v: %q: %v", args, lastLine(out), err)
	}
	return rep
}

// TestTrainWarmStart: one epoch from a trained model keeps its quality
// (the scaling folded into the saved model is undone exactly), while one
// epoch from zero does not reach it.
func TestTrainWarmStart(t *testing.T) {
	dir := t.TempDir()
	m1 := filepath.Join(dir, "m1.mxt")
	full := trainJSON(t, "-o", m1)
	warm := trainJSON(t, "-init", m1, "-epochs", "1", "-lr", "0.001")
	cold := trainJSON(t, "-epochs", "1", "-lr", "0.001")
	fl, wl, cl := full["train_log_loss"].(float64), warm["train_log_loss"].(float64), cold["train_log_loss"].(float64)
	if !(wl < fl*1.05 && cl > 2*fl) {
		t.Fatalf("train log-loss: trained %.4f, 1 epoch warm %.4f, 1 epoch cold %.4f", fl, wl, cl)
	}
	if warm["init"] != m1 {
		t.Errorf("init = %v", warm["init"])
	}
	// lbfgs warm-started from the trained model converges at once.
	lb := trainJSON(t, "-solver", "lbfgs", "-l2", "1e-3", "-iters", "500", "-o", m1)
	again := trainJSON(t, "-solver", "lbfgs", "-l2", "1e-3", "-iters", "500", "-init", m1)
	if it := again["iterations"].(float64); it > lb["iterations"].(float64)/4 {
		t.Fatalf("warm-started lbfgs took %v iterations (cold %v)", it, lb["iterations"])
	}
}

func TestTrainSolverOptions(t *testing.T) {
	for _, solver := range []string{"sgd", "lbfgs"} {
		rep := trainJSON(t, "-solver", solver, "-l1", "1e-3", "-class-weight", "balanced", "-workers", "2")
		if rep["workers"].(float64) != 2 || rep["l1"].(float64) != 1e-3 || rep["class_weight"] != "balanced" {
			t.Fatalf("%s: report %v", solver, rep)
		}
		if acc := rep["test_accuracy"].(float64); acc < 0.9 {
			t.Fatalf("%s with L1 and balanced weights: accuracy %.3f", solver, acc)
		}
	}
	dir := t.TempDir()
	other := filepath.Join(dir, "other.csv")
	os.WriteFile(other, []byte("1,2,a\n3,4,b\n5,6,a\n7,8,b\n"), 0o644)
	otherModel := filepath.Join(dir, "other.mxt")
	if code, _, errs := runCLI(t, "train", "-data", other, "-test", "0.5", "-o", otherModel); code != 0 {
		t.Fatal(errs)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-workers", "-1"}, "-workers -1: want an integer ≥ 0"},
		{[]string{"-l1", "-1"}, "-l1 -1: want a finite value ≥ 0"},
		{[]string{"-class-weight", "inverse"}, `-class-weight: unknown value "inverse"`},
		{[]string{"-init", filepath.Join(dir, "missing.mxt")}, "missing.mxt"},
		{[]string{"-init", otherModel}, "model has 2 classes × 2 features, the data 10 × 64"},
	} {
		code, _, errs := runCLI(t, append([]string{"train"}, c.args...)...)
		if code != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, errs, c.want)
		}
	}
}
