package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the command line in-process and returns the exit status and
// the output streams.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestTrainDefaultDigits(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "digits.mxt")
	code, out, errs := runCLI(t, "train", "-json", "-o", model)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(lastLine(out)), &rep); err != nil {
		t.Fatalf("last line of stdout is not JSON: %q: %v", lastLine(out), err)
	}
	for _, k := range []string{"train_accuracy", "test_accuracy", "test_log_loss", "epochs", "seconds", "backend"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("JSON lacks %q: %v", k, rep)
		}
	}
	if acc := rep["test_accuracy"].(float64); acc < 0.95 {
		t.Fatalf("held-out accuracy %.4f < 0.95", acc)
	}
	if rep["test_rows"].(float64) != 359 || rep["train_rows"].(float64) != 1438 {
		t.Errorf("split %v/%v, want 1438/359", rep["train_rows"], rep["test_rows"])
	}
	if !strings.Contains(errs, "epoch   1/30") {
		t.Errorf("no per-epoch progress on stderr with -json: %q", errs)
	}

	// The saved model applies to raw features: eval on the whole embedded
	// file (train + test rows) agrees with the training report.
	digits := filepath.Join("..", "..", "kernel", "data", "digits.csv.gz")
	code, out, errs = runCLI(t, "eval", "-model", model, "-data", digits, "-json")
	if code != 0 {
		t.Fatalf("eval exit %d: %s", code, errs)
	}
	var ev evalReport
	if err := json.Unmarshal([]byte(out), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Rows != 1797 || ev.Accuracy < 0.95 || len(ev.Confusion) != 10 {
		t.Fatalf("eval: %+v", ev)
	}
	code, out, _ = runCLI(t, "eval", "-model", model, "-data", digits)
	if code != 0 || !strings.Contains(out, "confusion matrix") || !strings.Contains(out, "accuracy:") {
		t.Fatalf("eval table: exit %d\n%s", code, out)
	}

	code, out, errs = runCLI(t, "predict", "-model", model, "-data", digits, "-proba")
	if code != 0 {
		t.Fatalf("predict exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1797 {
		t.Fatalf("predict printed %d lines, want 1797", len(lines))
	}
	if f := strings.Split(lines[0], ","); len(f) != 11 {
		t.Fatalf("predict -proba line %q has %d fields, want 11", lines[0], len(f))
	}
}

func TestTrainCSVWithTestFile(t *testing.T) {
	dir := t.TempDir()
	csv := "a,b,label\n"
	for i := 0; i < 60; i++ {
		if i%2 == 0 {
			csv += "0.1,0.9,yes\n"
		} else {
			csv += "0.9,0.1,no\n"
		}
	}
	trainPath := filepath.Join(dir, "train.csv")
	testPath := filepath.Join(dir, "test.csv")
	os.WriteFile(trainPath, []byte(csv), 0o644)
	os.WriteFile(testPath, []byte("a,b,label\n0.2,0.8,yes\n0.8,0.3,no\n"), 0o644)
	code, out, errs := runCLI(t, "train", "-data", trainPath, "-test-data", testPath, "-epochs", "10", "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep trainReport
	json.Unmarshal([]byte(lastLine(out)), &rep)
	if *rep.TestAccuracy != 1 || rep.TestRows != 2 || rep.Classes != 2 {
		t.Fatalf("%+v", rep)
	}
}

func TestTrainLIBSVMNarrowTestFile(t *testing.T) {
	dir := t.TempDir()
	var svm strings.Builder
	for i := 0; i < 40; i++ {
		if i%2 == 0 {
			svm.WriteString("1 1:1 3:0.5\n")
		} else {
			svm.WriteString("2 2:1 3:0.5\n")
		}
	}
	trainPath := filepath.Join(dir, "train.svm")
	testPath := filepath.Join(dir, "test.svm")
	os.WriteFile(trainPath, []byte(svm.String()), 0o644)
	os.WriteFile(testPath, []byte("1 1:1\n2 2:1\n"), 0o644) // only 2 columns
	model := filepath.Join(dir, "m.mxt")
	code, out, errs := runCLI(t, "train", "-data", trainPath, "-test-data", testPath, "-epochs", "10", "-o", model, "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep trainReport
	json.Unmarshal([]byte(lastLine(out)), &rep)
	if *rep.TestAccuracy != 1 || rep.Features != 3 {
		t.Fatalf("%+v", rep)
	}
	code, out, _ = runCLI(t, "predict", "-model", model, "-data", testPath)
	if code != 0 || out != "1\n2\n" {
		t.Fatalf("predict: exit %d, %q", code, out)
	}
}

func TestInfo(t *testing.T) {
	code, out, _ := runCLI(t, "info")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"cpu:", "AVX2=", "FMA3=", "AVX512F=", "AVX512DQ=", "AVX512BW=", "AVX512VL=", "ASIMD=", "available:", "generic", "active:"} {
		if !strings.Contains(out, want) {
			t.Errorf("info lacks %q:\n%s", want, out)
		}
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("1,2,a\n3,x,b\n"), 0o644)
	garbage := filepath.Join(dir, "garbage.mxt")
	os.WriteFile(garbage, []byte("not a model"), 0o644)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Usage: maxent COMMAND"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"train", "-epochs", "x"}, 2, "invalid value"},
		{[]string{"train", "stray"}, 2, `unexpected argument "stray"`},
		{[]string{"train", "-data", filepath.Join(dir, "missing.csv")}, 1, "missing.csv"},
		{[]string{"train", "-data", bad}, 1, "bad.csv:2: field 2"},
		{[]string{"train", "-scale", "log"}, 1, "log"},
		{[]string{"train", "-schedule", "linear"}, 1, "linear"},
		{[]string{"train", "-lr", "-1"}, 1, "-lr -1: want a finite value > 0"},
		{[]string{"train", "-header", "maybe"}, 1, "-header"},
		{[]string{"eval", "-data", bad}, 1, "-model is required"},
		{[]string{"eval", "-model", garbage, "-data", bad}, 1, "not a maxent model file"},
		{[]string{"predict", "-model", filepath.Join(dir, "nope.mxt"), "-data", bad}, 1, "nope.mxt"},
	}
	for _, tc := range cases {
		code, _, errs := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
}

func TestEvalRejectsMismatchedData(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.mxt")
	if code, _, errs := runCLI(t, "train", "-epochs", "1", "-o", model); code != 0 {
		t.Fatal(errs)
	}
	narrow := filepath.Join(dir, "narrow.csv")
	os.WriteFile(narrow, []byte("1,2,3\n4,5,6\n"), 0o644)
	code, _, errs := runCLI(t, "eval", "-model", model, "-data", narrow)
	if code != 1 || !strings.Contains(errs, "has 2 features, the model has 64") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	unknown := filepath.Join(dir, "unknown.csv")
	os.WriteFile(unknown, []byte(strings.Repeat("0,", 64)+"11\n"), 0o644)
	code, _, errs = runCLI(t, "eval", "-model", model, "-data", unknown)
	if code != 1 || !strings.Contains(errs, "11") {
		t.Fatalf("unknown label: exit %d: %s", code, errs)
	}
}

func TestHelpDocumentsEveryFlag(t *testing.T) {
	for _, cmd := range []string{"train", "eval", "predict", "info"} {
		code, _, errs := runCLI(t, cmd, "-h")
		if code != 0 {
			t.Errorf("%s -h: exit %d", cmd, code)
		}
		if !strings.Contains(errs, "Usage: maxent "+cmd) {
			t.Errorf("%s -h: %q", cmd, errs)
		}
	}
	_, _, errs := runCLI(t, "train", "-h")
	for _, f := range []string{"-data", "-format", "-o", "-epochs", "-l2", "-json", "-scale", "-test", "-val", "-seed"} {
		if !strings.Contains(errs, "\n  "+f+" ") && !strings.Contains(errs, "\n  "+f+"\n") {
			t.Errorf("train -h does not document %s", f)
		}
	}
}
