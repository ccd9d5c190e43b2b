package onnx

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed7bc074a2/maxent/kernel"
)

// Files skl2onnx and onnxmltools wrote, with scikit-learn's own outputs on
// their test inputs (testdata/onnx/README.md has their provenance).

const realDir = "../../testdata/onnx"

type expected struct {
	Source  string      `json:"source"`
	Inputs  [][]float64 `json:"inputs"`
	Labels  []string    `json:"labels"`
	Outputs []any       `json:"outputs"` // rows of predict_proba, or decision_function values
}

func readExpected(t *testing.T, name string) *expected {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(realDir, name+".expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e expected
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return &e
}

func readONNX(t *testing.T, file string) (*kernel.Model, error) {
	t.Helper()
	f, err := os.Open(filepath.Join(realDir, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Read(f)
}

// realResult is one row of the table in the package's test log: the largest
// difference from scikit-learn's outputs (absolute, and relative to the sum
// of the magnitudes of a score's terms) and whether every label agrees.
type realResult struct {
	maxAbs, maxRel float64
	labelsEqual    bool
}

// compareRows runs md on e's inputs and compares with e's outputs: 2-D
// outputs are the whole PredictProba rows, 1-D ones its second column (a
// binary decision function).
func compareRows(t *testing.T, md *kernel.Model, e *expected) realResult {
	t.Helper()
	r := realResult{labelsEqual: true}
	p := make([]float32, md.Classes)
	x := make([]float32, md.Features)
	for i, in := range e.Inputs {
		for j, v := range in {
			x[j] = float32(v)
		}
		md.PredictProba(p, x)
		var want []float64
		switch o := e.Outputs[i].(type) {
		case []any:
			for _, v := range o {
				want = append(want, v.(float64))
			}
		case float64:
			want = []float64{-o, o}
		}
		if len(want) != md.Classes {
			t.Fatalf("row %d: %d expected outputs, model has %d classes", i, len(want), md.Classes)
		}
		for c, w := range want {
			d := math.Abs(float64(p[c]) - w)
			r.maxAbs = math.Max(r.maxAbs, d)
			// Relative to the score's sum of magnitudes, as the kernels'
			// error bound (1e-5·Σ|terms|): scores cancel.
			mag := math.Abs(float64(md.B[c]))
			for j, v := range md.W.Row(c) {
				mag += math.Abs(float64(v) * float64(x[j]))
			}
			r.maxRel = math.Max(r.maxRel, d/math.Max(1, mag))
		}
		if got := md.Label(md.Predict(x)); got != e.Labels[i] {
			r.labelsEqual = false
			t.Errorf("row %d: label %s, scikit-learn %s (outputs %v, want %v)", i, got, e.Labels[i], p, want)
		}
	}
	return r
}

func TestRealFiles(t *testing.T) {
	for _, tc := range []struct {
		name string
		link kernel.Link
		// tol bounds |Δ| for probabilities, |Δ|/max(1, Σ|terms|) for raw
		// scores.
		tol float64
	}{
		{"SklearnLogitisticRegressionBinary", kernel.LinkLogistic, 1e-5},
		{"SklearnLogitisticRegressionMulti", kernel.LinkOneVsRest, 1e-5},
		{"SklearnLinearSVCBinary-NoProb", kernel.LinkRaw, 1e-5},
		{"SklearnLinearSVCMulti", kernel.LinkRaw, 1e-5},
		{"SklearnSGDClassifierBinary-NoProb-Dec4", kernel.LinkRaw, 1e-5},
		{"SklearnSGDClassifierMulti-Dec3", kernel.LinkRaw, 1e-5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md, err := readONNX(t, tc.name+".onnx")
			if err != nil {
				t.Fatal(err)
			}
			if md.Link != tc.link {
				t.Errorf("link %v, want %v", md.Link, tc.link)
			}
			e := readExpected(t, tc.name)
			r := compareRows(t, md, e)
			d := r.maxAbs
			if tc.link == kernel.LinkRaw {
				d = r.maxRel
			}
			if d > tc.tol {
				t.Errorf("max |Δ| %.3g (relative %.3g), want ≤ %g", r.maxAbs, r.maxRel, tc.tol)
			}
			t.Logf("| %s | %v | %.2g (rel. %.2g) | %v | %d rows |", tc.name, md.Link, r.maxAbs, r.maxRel, r.labelsEqual, len(e.Inputs))
		})
	}
}

// TestRealIrisSoftmax reads skl2onnx 1.9's documentation example, a
// multinomial LogisticRegression on two iris features (SOFTMAX, then an L1
// Normalizer, Cast and ZipMap).
func TestRealIrisSoftmax(t *testing.T) {
	md, err := readONNX(t, "logreg_iris.onnx")
	if err != nil {
		t.Fatal(err)
	}
	if md.Link != kernel.LinkSoftmax || md.Classes != 3 || md.Features != 2 || strings.Join(md.Labels, ",") != "0,1,2" {
		t.Fatalf("read %v, %d classes, %d features, labels %q", md.Link, md.Classes, md.Features, md.Labels)
	}
	if md.W.At(1, 1) != -1.5705879926681519 || md.B[2] != -9.758268356323242 {
		t.Fatalf("W = %v, B = %v", md.W, md.B)
	}
}

// TestRealUnsupported: skl2onnx 1.11 writes SGDClassifier as MatMul, Add,
// Sigmoid, ...: a clear error that names the node and its op.
func TestRealUnsupported(t *testing.T) {
	_, err := readONNX(t, "SklearnSGDMultiNoCl.onnx")
	if err == nil || !strings.Contains(err.Error(), `node "MatMul" (op MatMul): not supported`) {
		t.Fatalf("err = %v", err)
	}
}
