package onnx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/seed7bc074a2/maxent/kernel"
	"github.com/seed7bc074a2/maxent/kernel/data"
)

// The tests against scikit-learn and the ONNX checker: they run
// testdata/sklearn_check.py with a python3 that has Debian's
// python3-sklearn and python3-onnx, and skip with a message without one.

// python returns a python3 that imports sklearn, onnx and numpy.
func python(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs python3: not with -short")
	}
	var tried []string
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(p)
		if err != nil {
			continue
		}
		tried = append(tried, path)
		if exec.Command(path, "-c", "import sklearn, onnx, numpy").Run() == nil {
			return path
		}
	}
	t.Skipf("no python3 with scikit-learn and onnx (tried %q): apt-get install python3-sklearn python3-onnx", tried)
	return ""
}

type pyCase struct {
	Inputs  [][]float64 `json:"inputs"`
	Outputs [][]float64 `json:"outputs"`
	Labels  []string    `json:"labels"`
}

// TestSklearnDigits fits scikit-learn models on the digits and checks that
// maxent, reading them through docs/interop.md's JSON snippet and through
// the ONNX graph skl2onnx builds, gives predict_proba within 1e-6 on every
// test row (decision_function for LinearSVC) and the same labels.
func TestSklearnDigits(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	out, err := exec.Command(py, "testdata/sklearn_check.py", "fit", "../data/digits.csv.gz", "../../docs/interop.md", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("sklearn_check.py fit: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases map[string]pyCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(cases))
	for n := range cases {
		names = append(names, n)
	}
	sort.Strings(names)
	wantLink := map[string]kernel.Link{
		"multinomial": kernel.LinkSoftmax, "ovr": kernel.LinkOneVsRest, "binary": kernel.LinkLogistic,
		"binary-multinomial": kernel.LinkSoftmax, "standard-multinomial": kernel.LinkSoftmax,
		"minmax-ovr": kernel.LinkOneVsRest, "linearsvc": kernel.LinkRaw,
	}
	for _, name := range names {
		c := cases[name]
		for _, src := range []string{"json", "onnx"} {
			f, err := os.Open(filepath.Join(dir, name+"."+src))
			if err != nil {
				t.Fatal(err)
			}
			var md *kernel.Model
			if src == "json" {
				md, err = ReadSklearn(f)
			} else {
				md, err = Read(f)
			}
			f.Close()
			if err != nil {
				t.Fatalf("%s.%s: %v", name, src, err)
			}
			if md.Link != wantLink[name] {
				t.Errorf("%s.%s: link %v, want %v", name, src, md.Link, wantLink[name])
			}
			e := &expected{Inputs: c.Inputs, Labels: c.Labels}
			for _, row := range c.Outputs {
				r := make([]any, len(row))
				for i, v := range row {
					r[i] = v
				}
				e.Outputs = append(e.Outputs, r)
			}
			res := compareRows(t, md, e)
			d, tol := res.maxAbs, 1e-6
			if md.Link == kernel.LinkRaw {
				d, tol = res.maxRel, 1e-5
			}
			if d > tol {
				t.Errorf("%s.%s: max |Δ| %.3g (relative %.3g), want ≤ %g", name, src, res.maxAbs, res.maxRel, tol)
			}
			t.Logf("| %s (sklearn %s) | %v | %.2g | %v | %d rows |", name, src, md.Link, res.maxAbs, res.labelsEqual, len(c.Inputs))
		}
	}
}

// TestExportChecked writes models of every exportable link (one trained on
// the digits) with Write, and has testdata/sklearn_check.py check each file
// with onnx.checker.check_model(full_check=True) and evaluate it with numpy
// from the file's own attributes: the labels and outputs must be maxent's.
func TestExportChecked(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 8))
	d := data.Digits()
	trained := kernel.NewModel(len(d.Labels), d.Features())
	trained.Labels = d.Labels
	tr := kernel.Trainer{Epochs: 3, BatchSize: 32, LearningRate: 0.01, Seed: 1}
	if _, err := tr.Fit(trained, d.X, d.Y, kernel.Matrix{}, nil); err != nil {
		t.Fatal(err)
	}
	models := map[string]*kernel.Model{"trained-digits": trained}
	for _, link := range []kernel.Link{kernel.LinkSoftmax, kernel.LinkOneVsRest, kernel.LinkLogistic, kernel.LinkRaw} {
		k := 4
		if link == kernel.LinkLogistic {
			k = 2
		}
		md := randomModel(rng, k, 64, link)
		md.Labels = []string{"alpha", "beta", "gamma", "delta"}[:k]
		models[link.String()] = md
	}
	for name, md := range models {
		var x [][]float64
		var outs [][]float64
		var labels []string
		p := make([]float32, md.Classes)
		for i := 0; i < 100; i++ {
			row := d.X.Row(i)
			md.PredictProba(p, row)
			xr, pr := make([]float64, len(row)), make([]float64, len(p))
			for j, v := range row {
				xr[j] = float64(v)
			}
			for j, v := range p {
				pr[j] = float64(v)
			}
			x, outs, labels = append(x, xr), append(outs, pr), append(labels, md.Label(md.Predict(row)))
		}
		js, _ := json.Marshal(map[string]any{"inputs": x, "outputs": outs, "labels": labels})
		if err := os.WriteFile(filepath.Join(dir, name+".json"), js, 0o644); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := Write(&b, md); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".onnx"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(py, "testdata/sklearn_check.py", "export", dir).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("sklearn_check.py export: %v\n%s%s", err, out, stderr)
	}
	var rep map[string]struct {
		MaxAbs      float64  `json:"max_abs"`
		MaxRel      float64  `json:"max_rel"`
		LabelsEqual bool     `json:"labels_equal"`
		Outputs     []string `json:"output_names"`
		Ops         []string `json:"ops"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(rep) != len(models) {
		t.Fatalf("checked %d files, wrote %d", len(rep), len(models))
	}
	for name, r := range rep {
		// Probabilities within 1e-6; raw scores (float32 against numpy's
		// float64 sums of 64 products) within 1e-5 of the sum of their
		// terms' magnitudes, the kernels' error bound.
		d, tol := r.MaxAbs, 1e-6
		if models[name].Link == kernel.LinkRaw {
			d, tol = r.MaxRel, 1e-5
		}
		if d > tol || !r.LabelsEqual || fmt.Sprint(r.Outputs) != "[label probabilities]" {
			t.Errorf("%s: %+v", name, r)
		}
		t.Logf("| %s (maxent export, numpy) | %v | %.2g | %v | %v |", name, models[name].Link, r.MaxAbs, r.LabelsEqual, r.Ops)
	}
}
