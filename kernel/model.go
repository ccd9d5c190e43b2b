package kernel

import (
	"fmt"
	"math"
)

// Model is a multinomial logistic regression (maximum-entropy) classifier:
// P(class | x) = softmax(W·x + B). W has one row per class and one column per
// feature. Labels, if not nil, names the classes (len(Labels) == Classes).
//
// Predict and PredictProba do not modify the model, allocate nothing and are
// safe for concurrent use by many goroutines, as long as nothing writes to
// the model at the same time.
type Model struct {
	Classes, Features int
	W                 Matrix
	B                 []float32
	Labels            []string
}

// NewModel returns a model with zero weights (every class equally likely).
// It panics if classes < 1 or features < 0.
func NewModel(classes, features int) *Model {
	if classes < 1 || features < 0 {
		panic(fmt.Sprintf("kernel.NewModel: %d classes × %d features, want ≥ 1 class and ≥ 0 features", classes, features))
	}
	return &Model{
		Classes:  classes,
		Features: features,
		W:        NewMatrix(classes, features),
		B:        make([]float32, classes),
	}
}

// Validate reports whether m is consistent: dimensions agree, Labels is nil
// or holds Classes distinct names, and every weight is finite.
func (m *Model) Validate() error {
	if m.Classes < 1 || m.Features < 0 {
		return fmt.Errorf("maxent: model has %d classes × %d features", m.Classes, m.Features)
	}
	if m.W.Rows != m.Classes || m.W.Cols != m.Features {
		return fmt.Errorf("maxent: model W is %d×%d, want Classes×Features = %d×%d", m.W.Rows, m.W.Cols, m.Classes, m.Features)
	}
	if m.W.Stride < m.W.Cols || len(m.W.Data) < (m.W.Rows-1)*m.W.Stride+m.W.Cols {
		return fmt.Errorf("maxent: model W has Stride %d and %d elements, too few for %d×%d", m.W.Stride, len(m.W.Data), m.W.Rows, m.W.Cols)
	}
	if len(m.B) != m.Classes {
		return fmt.Errorf("maxent: model has len(B) = %d, want Classes = %d", len(m.B), m.Classes)
	}
	if m.Labels != nil {
		if len(m.Labels) != m.Classes {
			return fmt.Errorf("maxent: model has %d labels, want Classes = %d", len(m.Labels), m.Classes)
		}
		seen := make(map[string]int, len(m.Labels))
		for i, l := range m.Labels {
			if j, dup := seen[l]; dup {
				return fmt.Errorf("maxent: model labels %d and %d are both %q", j, i, l)
			}
			seen[l] = i
		}
	}
	for i := 0; i < m.Classes; i++ {
		for j, v := range m.W.Row(i) {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("maxent: model weight W[%d,%d] = %v is not finite", i, j, v)
			}
		}
		if v := m.B[i]; math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("maxent: model bias B[%d] = %v is not finite", i, v)
		}
	}
	return nil
}

// Label returns the name of class c: Labels[c], or c in decimal when the
// model has no labels.
func (m *Model) Label(c int) string {
	if m.Labels != nil {
		return m.Labels[c]
	}
	return fmt.Sprint(c)
}

// predictChunk is the number of logits Predict computes per MatVec call into
// a stack buffer, so that prediction never allocates whatever Classes is.
const predictChunk = 64

// Predict returns the most probable class for x: the index of the largest
// logit W·x + B (the lowest index on ties). It returns −1 if no logit is a
// number, which happens when x holds a NaN. It panics if len(x) != Features.
func (m *Model) Predict(x []float32) int {
	if len(x) != m.Features {
		panicLen("Model.Predict", "len(x)", len(x), "Features", m.Features)
	}
	var buf [predictChunk]float32
	best, bestZ := -1, float32(math.Inf(-1))
	for c := 0; c < m.Classes; c += predictChunk {
		n := min(predictChunk, m.Classes-c)
		z := buf[:n]
		MatVec(z, m.W.Slice(c, c+n), x, m.B[c:c+n])
		// Strictly greater: on ties across chunks the lower index stays.
		if i := argmax(z); i >= 0 && (best < 0 || z[i] > bestZ) {
			best, bestZ = c+i, z[i]
		}
	}
	return best
}

// PredictProba sets dst[c] = P(class c | x) = softmax(W·x + B)[c]. It panics
// if len(dst) != Classes or len(x) != Features.
func (m *Model) PredictProba(dst, x []float32) {
	if len(x) != m.Features {
		panicLen("Model.PredictProba", "len(x)", len(x), "Features", m.Features)
	}
	if len(dst) != m.Classes {
		panicLen("Model.PredictProba", "len(dst)", len(dst), "Classes", m.Classes)
	}
	MatVec(dst, m.W, x, m.B)
	softmaxProbs(dst, dst) // Softmax without its log-sum-exp
}

// Clone returns a deep copy of m.
func (m *Model) Clone() *Model {
	c := &Model{Classes: m.Classes, Features: m.Features, W: m.W.Clone(), B: append([]float32(nil), m.B...)}
	if m.Labels != nil {
		c.Labels = append([]string(nil), m.Labels...)
	}
	return c
}

// AbsorbScaling rewrites m, trained on inputs scaled as x'[j] = (x[j] −
// offset[j])·scale[j], into the equivalent model on unscaled inputs:
// W'[i,j] = W[i,j]·scale[j] and B'[i] = B[i] − Σj W'[i,j]·offset[j]. A model
// saved after this needs no preprocessing step at prediction time.
func (m *Model) AbsorbScaling(offset, scale []float32) error {
	if len(offset) != m.Features || len(scale) != m.Features {
		return fmt.Errorf("maxent: scaling has %d offsets and %d scales, want Features = %d", len(offset), len(scale), m.Features)
	}
	for i := 0; i < m.Classes; i++ {
		row := m.W.Row(i)
		var shift float64
		for j := range row {
			row[j] *= scale[j]
			shift += float64(row[j]) * float64(offset[j])
		}
		m.B[i] = float32(float64(m.B[i]) - shift)
	}
	return m.Validate()
}
