package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Subprocess tests of import, export and predict/eval on ONNX and
// scikit-learn JSON models.

const onnxDir = "../../testdata/onnx"

// irisCSV writes the inputs of a testdata/onnx expected file as CSV with
// scikit-learn's label last, and returns its path and the labels.
func irisCSV(t *testing.T, dir, name string) (string, []string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(onnxDir, name+".expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Inputs [][]float64 `json:"inputs"`
		Labels []string    `json:"labels"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for i, row := range e.Inputs {
		for _, v := range row {
			fmt.Fprintf(&sb, "%v,", float32(v))
		}
		sb.WriteString(e.Labels[i] + "\n")
	}
	return writeFile(t, dir, name+".csv", sb.String()), e.Labels
}

func TestImportONNXAndPredict(t *testing.T) {
	dir := t.TempDir()
	const name = "SklearnLogitisticRegressionMulti"
	src, _ := filepath.Abs(filepath.Join(onnxDir, name+".onnx"))
	data, labels := irisCSV(t, dir, name)
	model := filepath.Join(dir, "lr.mxt")
	r := runBin(t, dir, "", "", "import", "-onnx", src, "-o", model)
	r.want(t, 0)
	if !strings.Contains(r.stdout, "3 classes × 3 features, link one-vs-rest") {
		t.Errorf("stdout: %s", r.stdout)
	}
	// predict on the imported file and on the .onnx directly: the same
	// lines, scikit-learn's labels.
	a := runBin(t, dir, "", "", "predict", "-model", model, "-data", data, "-proba")
	b := runBin(t, dir, "", "", "predict", "-model", src, "-data", data, "-proba")
	a.want(t, 0)
	b.want(t, 0)
	if a.stdout != b.stdout {
		t.Fatalf("predict on the imported model and on the ONNX file differ:\n%s\n%s", a.stdout, b.stdout)
	}
	lines := strings.Split(strings.TrimSpace(a.stdout), "\n")
	if len(lines) != len(labels) {
		t.Fatalf("%d lines for %d rows", len(lines), len(labels))
	}
	for i, l := range lines {
		if got := strings.Split(l, ",")[0]; got != labels[i] {
			t.Fatalf("row %d: %s, scikit-learn %s", i, got, labels[i])
		}
	}
	r = runBin(t, dir, "", "", "eval", "-model", src, "-data", data)
	r.want(t, 0)
	if !strings.Contains(r.stdout, "accuracy: 1.0000") {
		t.Errorf("eval on scikit-learn's own labels:\n%s", r.stdout)
	}
}

func TestImportSklearnJSON(t *testing.T) {
	dir := t.TempDir()
	js := writeFile(t, dir, "m.json", `{"format": "maxent-sklearn", "version": 1, "estimator": "LogisticRegression",
	  "classes": [0, 1, 2], "coef": [[1, 0], [0, 1], [-1, -1]], "intercept": [0, 0.5, 0],
	  "multi_class": "multinomial", "feature_names": ["x", "y"],
	  "preprocessing": [{"type": "MinMaxScaler", "min": [0, -1], "scale": [0.5, 0.5]}]}`)
	model := filepath.Join(dir, "m.mxt")
	runBin(t, dir, "", "", "import", "-sklearn", js, "-o", model).want(t, 0)
	data := writeFile(t, dir, "d.csv", "4,0\n0,4\n-4,0\n")
	a := runBin(t, dir, "", "", "predict", "-model", model, "-data", data, "-nolabel")
	b := runBin(t, dir, "", "", "predict", "-model", js, "-data", data, "-nolabel")
	a.want(t, 0)
	if a.stdout != "0\n1\n2\n" || b.stdout != a.stdout {
		t.Fatalf("predictions %q and %q, want 0 1 2", a.stdout, b.stdout)
	}
}

// TestExportRoundTrip: train, export ONNX, import it: the same model file,
// byte for byte.
func TestExportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.mxt")
	runBin(t, dir, "", "", "train", "-epochs", "1", "-o", model).want(t, 0)
	out := filepath.Join(dir, "m.onnx")
	r := runBin(t, dir, "", "", "export", "-model", model, "-onnx", out)
	r.want(t, 0)
	back := filepath.Join(dir, "back.mxt")
	runBin(t, dir, "", "", "import", "-onnx", out, "-o", back).want(t, 0)
	b1, _ := os.ReadFile(model)
	b2, _ := os.ReadFile(back)
	if len(b1) == 0 || !bytes.Equal(b1, b2) {
		t.Fatalf("model files differ after export and import (%d and %d bytes)", len(b1), len(b2))
	}
}

func TestImportExportErrors(t *testing.T) {
	dir := t.TempDir()
	sgd, _ := filepath.Abs(filepath.Join(onnxDir, "SklearnSGDMultiNoCl.onnx"))
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"import", "-o", "x.mxt"}, 2, "give one of -onnx and -sklearn"},
		{[]string{"import", "-onnx", "a", "-sklearn", "b", "-o", "x.mxt"}, 2, "give one of -onnx and -sklearn"},
		{[]string{"import", "-onnx", sgd}, 1, "maxent import: -o is required"},
		{[]string{"import", "-onnx", sgd, "-o", "x.mxt"}, 1, `node "MatMul" (op MatMul): not supported`},
		{[]string{"import", "-sklearn", writeFile(t, dir, "bad.json", `{"format": "other"}`), "-o", "x.mxt"}, 1, `format "other"`},
		{[]string{"export", "-onnx", "x.onnx"}, 1, "-model is required"},
		{[]string{"predict", "-model", writeFile(t, dir, "junk.bin", "hello, this is not a model file"), "-data", "x"}, 1, "not a maxent model file"},
	} {
		r := runBin(t, dir, "", "", tc.args...)
		r.want(t, tc.code, tc.msg)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.mxt")); err == nil {
		t.Error("a failed import left x.mxt")
	}
}
