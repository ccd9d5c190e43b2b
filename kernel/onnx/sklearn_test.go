package onnx

import (
	"math"
	"strings"
	"testing"

	"github.com/seed7bc074a2/maxent/kernel"
)

func sk(body string) string {
	return `{"format": "maxent-sklearn", "version": 1, "estimator": "X", ` + body + `}`
}

func TestReadSklearn(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      string // error, or "" for success
		link      kernel.Link
		labels    string
	}{
		{"binary ovr", sk(`"classes": [0.0, 1.0], "coef": [[1, 2]], "intercept": [3], "multi_class": "ovr"`), "", kernel.LinkLogistic, "0,1"},
		{"binary multinomial", sk(`"classes": [false, true], "coef": [[1, 2]], "intercept": [3], "multi_class": "multinomial"`), "", kernel.LinkSoftmax, "False,True"},
		{"binary none", sk(`"classes": ["no", "yes"], "coef": [[1, 2]], "intercept": [3], "multi_class": "none"`), "", kernel.LinkRaw, "no,yes"},
		{"floats", sk(`"classes": [0.5, 2, -1e30], "coef": [[1], [2], [3]], "intercept": [0, 0, 0], "multi_class": "ovr"`), "", kernel.LinkOneVsRest, "0.5,2,-1e+30"},
		{"format", `{"format": "x", "version": 1}`, `format "x" version 1`, 0, ""},
		{"unknown field", sk(`"clases": [0, 1]`), `unknown field "clases"`, 0, ""},
		{"mode", sk(`"classes": [0, 1], "coef": [[1]], "intercept": [0], "multi_class": "softmax"`), `multi_class "softmax"`, 0, ""},
		{"rows", sk(`"classes": [0, 1, 2], "coef": [[1]], "intercept": [0], "multi_class": "ovr"`), "coef has 1 rows for 3 classes", 0, ""},
		{"ragged", sk(`"classes": [0, 1], "coef": [[1, 2], [3]], "intercept": [0, 0], "multi_class": "ovr"`), "coef row 1 has 1 values", 0, ""},
		{"intercepts", sk(`"classes": [0, 1], "coef": [[1]], "intercept": [0, 1], "multi_class": "ovr"`), "2 intercepts for 1 coef rows", 0, ""},
		{"names", sk(`"classes": [0, 1], "coef": [[1]], "intercept": [0], "multi_class": "ovr", "feature_names": ["a", "b"]`), "2 feature names for 1 features", 0, ""},
		{"dup classes", sk(`"classes": [1, 1.0], "coef": [[1]], "intercept": [0], "multi_class": "ovr"`), `labels 0 and 1 are both "1"`, 0, ""},
		{"scaler", sk(`"classes": [0, 1], "coef": [[1]], "intercept": [0], "multi_class": "ovr", "preprocessing": [{"type": "Normalizer"}]`), `preprocessing step 0: "Normalizer" is not a scaler`, 0, ""},
		{"zero scale", sk(`"classes": [0, 1], "coef": [[1]], "intercept": [0], "multi_class": "ovr", "preprocessing": [{"type": "StandardScaler", "scale": [0]}]`), "scale[0] = 0", 0, ""},
		{"overflow", sk(`"classes": [0, 1], "coef": [[1e300]], "intercept": [0], "multi_class": "ovr"`), "not finite", 0, ""},
		{"one class", sk(`"classes": [0], "coef": [[1]], "intercept": [0], "multi_class": "ovr"`), "1 classes", 0, ""},
	} {
		md, err := ReadSklearn(strings.NewReader(tc.doc))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want == "" && (md.Link != tc.link || strings.Join(md.Labels, ",") != tc.labels):
			t.Errorf("%s: link %v labels %q, want %v %q", tc.name, md.Link, md.Labels, tc.link, tc.labels)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestReadSklearnScalers: a StandardScaler then a MinMaxScaler then a
// binary multinomial model, against the pipeline computed step by step.
func TestReadSklearnScalers(t *testing.T) {
	md, err := ReadSklearn(strings.NewReader(sk(`"classes": [0, 1], "coef": [[0.5, -2]], "intercept": [0.25],
	  "multi_class": "multinomial", "preprocessing": [
	    {"type": "StandardScaler", "mean": [1, 2], "scale": [2, 4]},
	    {"type": "MinMaxScaler", "min": [0.1, -0.2], "scale": [3, 0.5]},
	    {"type": "MaxAbsScaler", "scale": [2, 8]},
	    {"type": "RobustScaler", "center": [0.5, 0], "scale": [1, 0.25]}]`)))
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{3, -1}
	for j := range x {
		x[j] = (x[j] - []float64{1, 2}[j]) / []float64{2, 4}[j]
		x[j] = x[j]*[]float64{3, 0.5}[j] + []float64{0.1, -0.2}[j]
		x[j] /= []float64{2, 8}[j]
		x[j] = (x[j] - []float64{0.5, 0}[j]) / []float64{1, 0.25}[j]
	}
	z := 0.5*x[0] - 2*x[1] + 0.25
	want := 1 / (1 + math.Exp(-2*z)) // softmax([−z, z])[1]
	p := make([]float32, 2)
	md.PredictProba(p, []float32{3, -1})
	if math.Abs(float64(p[1])-want) > 1e-6 {
		t.Fatalf("p = %v, want [%v %v]", p, 1-want, want)
	}
}
