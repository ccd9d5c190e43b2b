package onnx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/seed7bc074a2/maxent/kernel"
)

// SklearnFormat is the value of the "format" field of the JSON that
// ReadSklearn reads.
const SklearnFormat = "maxent-sklearn"

// sklearnDoc is the JSON document of a fitted scikit-learn linear
// classifier (docs/interop.md has the Python that writes it).
type sklearnDoc struct {
	Format    string `json:"format"`
	Version   int    `json:"version"`
	Estimator string `json:"estimator"`
	// Classes is classes_: numbers, strings or booleans.
	Classes []json.RawMessage `json:"classes"`
	// Coef is coef_: one row per class, or one row for 2 classes.
	Coef      [][]float64 `json:"coef"`
	Intercept []float64   `json:"intercept"`
	// MultiClass is how predict_proba turns the scores into probabilities:
	// "multinomial" (softmax), "ovr" (per-class sigmoids normalised; for 2
	// classes the binary logistic model) or "none" (no predict_proba: the
	// decision function's scores).
	MultiClass    string          `json:"multi_class"`
	FeatureNames  []string        `json:"feature_names"`
	Preprocessing []sklearnScaler `json:"preprocessing"`
}

// sklearnScaler is one fitted scaler of a Pipeline, applied in order before
// the classifier.
type sklearnScaler struct {
	Type string `json:"type"`
	// StandardScaler: mean_ and scale_ (either null when disabled);
	// RobustScaler: center_ and scale_; MinMaxScaler: min_ and scale_;
	// MaxAbsScaler: scale_.
	Mean   []float64 `json:"mean"`
	Center []float64 `json:"center"`
	Min    []float64 `json:"min"`
	Scale  []float64 `json:"scale"`
}

// maxSklearnBytes bounds the JSON document ReadSklearn reads.
const maxSklearnBytes = 1 << 30

// ReadSklearn reads a fitted scikit-learn linear classifier from the JSON
// document that docs/interop.md's Python snippet writes: classes_, coef_,
// intercept_, the multi-class mode of predict_proba and the parameters of
// the StandardScaler, MinMaxScaler, MaxAbsScaler or RobustScaler steps of a
// Pipeline before it, which are folded into W and B (in float64, rounded
// once to float32). The model's link follows scikit-learn's predict_proba:
//
//   - "multinomial": kernel.LinkSoftmax; a binary coef_ w becomes the rows
//     [−w; w], as scikit-learn computes softmax([−z, z]);
//   - "ovr": kernel.LinkOneVsRest, or for a binary coef_ w
//     kernel.LinkLogistic with W = [0; w], B = [0; b];
//   - "none" (LinearSVC, RidgeClassifier, SGDClassifier with the hinge
//     loss): kernel.LinkRaw, the decision function; a binary w becomes
//     [−w; w], so that PredictProba's second column is decision_function.
//
// Numeric class labels are written as integers when they are whole
// ("1.0" becomes "1"), booleans as "False" and "True".
func ReadSklearn(r io.Reader) (*kernel.Model, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSklearnBytes+1))
	if err != nil {
		return nil, fmt.Errorf("sklearn: reading: %w", err)
	}
	if len(data) > maxSklearnBytes {
		return nil, errors.New("sklearn: JSON document larger than 1 GiB")
	}
	var doc sklearnDoc
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("sklearn: %w", err)
	}
	if doc.Format != SklearnFormat || doc.Version != 1 {
		return nil, fmt.Errorf("sklearn: format %q version %d, want %q version 1", doc.Format, doc.Version, SklearnFormat)
	}
	return doc.model()
}

func (doc *sklearnDoc) model() (*kernel.Model, error) {
	k := len(doc.Classes)
	if k < 2 {
		return nil, fmt.Errorf("sklearn: %d classes, want at least 2", k)
	}
	labels := make([]string, k)
	for i, c := range doc.Classes {
		l, err := classLabel(c)
		if err != nil {
			return nil, fmt.Errorf("sklearn: class %d: %w", i, err)
		}
		labels[i] = l
	}
	rows := len(doc.Coef)
	if rows != k && !(rows == 1 && k == 2) {
		return nil, fmt.Errorf("sklearn: coef has %d rows for %d classes, want %d (or 1 for 2 classes)", rows, k, k)
	}
	m := len(doc.Coef[0])
	for i, row := range doc.Coef {
		if len(row) != m {
			return nil, fmt.Errorf("sklearn: coef row %d has %d values, row 0 has %d", i, len(row), m)
		}
	}
	if len(doc.Intercept) != rows {
		return nil, fmt.Errorf("sklearn: %d intercepts for %d coef rows", len(doc.Intercept), rows)
	}
	if doc.FeatureNames != nil && len(doc.FeatureNames) != m {
		return nil, fmt.Errorf("sklearn: %d feature names for %d features", len(doc.FeatureNames), m)
	}
	w := make([]float64, k*m)
	b := make([]float64, k)
	var link kernel.Link
	switch doc.MultiClass {
	case "multinomial":
		link = kernel.LinkSoftmax
	case "ovr":
		link = kernel.LinkOneVsRest
		if rows == 1 {
			link = kernel.LinkLogistic
		}
	case "none":
		link = kernel.LinkRaw
	default:
		return nil, fmt.Errorf("sklearn: multi_class %q, want \"multinomial\", \"ovr\" or \"none\"", doc.MultiClass)
	}
	if rows == k {
		for i, row := range doc.Coef {
			copy(w[i*m:], row)
		}
		copy(b, doc.Intercept)
	} else { // one row w for 2 classes: [0; w] (logistic) or [−w; w]
		for j, v := range doc.Coef[0] {
			w[m+j] = v
			if link != kernel.LinkLogistic {
				w[j] = -v
			}
		}
		b[1] = doc.Intercept[0]
		if link != kernel.LinkLogistic {
			b[0] = -b[1]
		}
	}
	for s := len(doc.Preprocessing) - 1; s >= 0; s-- {
		if err := doc.Preprocessing[s].fold(w, b, k, m); err != nil {
			return nil, fmt.Errorf("sklearn: preprocessing step %d: %w", s, err)
		}
	}
	md := kernel.NewModel(k, m)
	for i := 0; i < k; i++ {
		row := md.W.Row(i)
		for j := range row {
			row[j] = float32(w[i*m+j])
		}
		md.B[i] = float32(b[i])
	}
	md.Labels = labels
	md.FeatureNames = doc.FeatureNames
	md.Link = link
	if err := md.Validate(); err != nil {
		return nil, fmt.Errorf("sklearn: %w", err)
	}
	return md, nil
}

// fold rewrites the weights on the scaler's output into weights on its
// input.
func (s *sklearnScaler) fold(w, b []float64, k, m int) error {
	var offset, scale []float64 // x' = (x − offset) / scale
	mul := false                // MinMaxScaler: x' = x·scale + min
	switch s.Type {
	case "StandardScaler":
		offset, scale = s.Mean, s.Scale
	case "RobustScaler":
		offset, scale = s.Center, s.Scale
	case "MaxAbsScaler":
		scale = s.Scale
	case "MinMaxScaler":
		if s.Min == nil || s.Scale == nil {
			return errors.New("MinMaxScaler needs min and scale")
		}
		offset, scale, mul = s.Min, s.Scale, true
	default:
		return fmt.Errorf("%q is not a scaler maxent folds (StandardScaler, MinMaxScaler, MaxAbsScaler, RobustScaler)", s.Type)
	}
	for _, v := range [][]float64{offset, scale} {
		if v != nil && len(v) != m {
			return fmt.Errorf("%s has %d values for %d features", s.Type, len(v), m)
		}
	}
	for j, v := range scale {
		if !(v != 0) || math.IsInf(v, 0) {
			return fmt.Errorf("%s scale[%d] = %v", s.Type, j, v)
		}
	}
	for i := 0; i < k; i++ {
		var shift float64
		for j := 0; j < m; j++ {
			wij := w[i*m+j]
			switch {
			case mul:
				shift -= wij * offset[j] // W·(x·s + min): the bias gains W·min
				wij *= scale[j]
			default:
				if scale != nil {
					wij /= scale[j]
				}
				if offset != nil {
					shift += wij * offset[j]
				}
			}
			w[i*m+j] = wij
		}
		b[i] -= shift
	}
	return nil
}

// classLabel returns a class of classes_ as a label.
func classLabel(raw json.RawMessage) (string, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		if v {
			return "True", nil
		}
		return "False", nil
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return strconv.FormatInt(i, 10), nil
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return "", err
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return strconv.FormatInt(int64(f), 10), nil
		}
		if a := math.Abs(f); a >= 1e-6 && a < 1e21 {
			return strconv.FormatFloat(f, 'f', -1, 64), nil
		}
		return strconv.FormatFloat(f, 'g', -1, 64), nil
	}
	return "", fmt.Errorf("%s is not a number, string or boolean", raw)
}
