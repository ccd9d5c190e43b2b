package onnx_test

import (
	"bytes"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/seed7bc074a2/maxent/kernel"
	"github.com/seed7bc074a2/maxent/kernel/onnx"
)

// Import a model that skl2onnx wrote for scikit-learn's one-vs-rest
// LogisticRegression on three iris features, and predict one row.
func ExampleRead() {
	f, err := os.Open("../../testdata/onnx/SklearnLogitisticRegressionMulti.onnx")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	m, err := onnx.Read(f)
	if err != nil {
		log.Fatal(err)
	}
	x := []float32{5.1, 3.5, 1.4}
	p := make([]float32, m.Classes)
	m.PredictProba(p, x)
	fmt.Println(m.Link, m.Label(m.Predict(x)))
	fmt.Printf("%.4f\n", p)
	// Output:
	// one-vs-rest 0
	// [0.8830 0.1170 0.0000]
}

// Export a maxent model as an ONNX LinearClassifier graph, and read it back.
func ExampleWrite() {
	m := kernel.NewModel(2, 3)
	copy(m.W.Row(1), []float32{0.5, -1, 2})
	m.B[1] = 0.25
	m.Link = kernel.LinkLogistic // P(class 1) = σ(W[1]·x + B[1]), W[0] = 0
	m.Labels = []string{"ham", "spam"}
	var buf bytes.Buffer
	if err := onnx.Write(&buf, m); err != nil {
		log.Fatal(err)
	}
	back, err := onnx.Read(&buf)
	if err != nil {
		log.Fatal(err)
	}
	p := make([]float32, 2)
	back.PredictProba(p, []float32{1, 0, 0})
	fmt.Println(back.Link, back.Labels)
	fmt.Printf("%.6f\n", p)
	// Output:
	// logistic [ham spam]
	// [0.320821 0.679179]
}

// Import a scikit-learn Pipeline(StandardScaler, LogisticRegression) from
// the JSON that docs/interop.md's Python snippet writes.
func ExampleReadSklearn() {
	doc := `{"format": "maxent-sklearn", "version": 1, "estimator": "LogisticRegression",
	  "classes": ["no", "yes"], "coef": [[1.5, -0.5]], "intercept": [0.25],
	  "multi_class": "ovr", "feature_names": ["age", "income"],
	  "preprocessing": [{"type": "StandardScaler", "mean": [40, 3], "scale": [10, 2]}]}`
	m, err := onnx.ReadSklearn(strings.NewReader(doc))
	if err != nil {
		log.Fatal(err)
	}
	x := []float32{50, 3} // raw features: the scaler is folded into W and B
	p := make([]float32, 2)
	m.PredictProba(p, x)
	fmt.Println(m.Link, m.FeatureNames, m.Label(m.Predict(x)))
	fmt.Printf("%.6f\n", p)
	// Output:
	// logistic [age income] yes
	// [0.148047 0.851953]
}
