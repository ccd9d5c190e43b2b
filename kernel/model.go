package kernel

import (
	"fmt"
	"math"
	"unicode/utf8"
	"unsafe"
)

// Model is a linear classifier on the scores z = W·x + B: by default the
// multinomial logistic regression (maximum-entropy) model, P(class | x) =
// softmax(z); Link selects another output (one-vs-rest or binary logistic
// probabilities, raw scores) for models imported from elsewhere. W has one
// row per class and one column per feature. Labels, if not nil, names the
// classes (len(Labels) == Classes); FeatureNames, if not nil, the features
// (len(FeatureNames) == Features).
//
// Predict and PredictProba do not modify the model, allocate nothing and are
// safe for concurrent use by many goroutines, as long as nothing writes to
// the model at the same time. With at most 16 classes (and Classes ×
// Features at most 2¹⁸) on the avx512 and avx2 backends each is one kernel
// call that keeps the logits in registers and writes every output element
// once.
//
// To serve from many goroutines, share one Model and give each goroutine
// its own input row and output slice from NewVector (see the example),
// made once per goroutine and reused. NewVector's slices start on a cache
// line and own whole lines; slices made apart, such as two
// make([]float32, 10), can share a line, and then each write one goroutine
// makes to its output evicts the other goroutine's from its core (false
// sharing), which can make two goroutines slower than one
// (docs/performance.md, "Many goroutines").
type Model struct {
	Classes, Features int
	W                 Matrix
	B                 []float32
	Labels            []string
	FeatureNames      []string
	Link              Link
	// Featurizer, if not nil, records how raw input (text) becomes the
	// rows the model reads, so that a program that loads the model can
	// rebuild them exactly as at training time. The model file keeps it
	// (version 3).
	Featurizer *FeaturizerSpec

	// sparseW is W feature-major (*Matrix), made by the first *Sparse
	// prediction (see model_sparse.go); nil until then.
	sparseW unsafe.Pointer
}

// FeaturizerSpec is what a model records about the step that turns raw
// input into its feature rows: Kind names the featurizer and Data holds its
// settings in that featurizer's own encoding. Package kernel stores both
// as they are, without interpreting them. The kind "text" is package
// kernel/data/text's hashing featurizer, Data its Settings.MarshalBinary
// (IDF weights included); see package kernel/textclass.
type FeaturizerSpec struct {
	Kind string // 1 to 4096 bytes of UTF-8, e.g. "text"
	Data []byte
}

// Link is how a Model turns its scores z = W·x + B into what PredictProba
// returns. Under every link Predict returns the class of the largest score
// (the lowest index on ties), as ONNX runtimes label a LinearClassifier's
// output: the links below are increasing functions of each score, except
// LinkSoftmaxZero near zero, where ONNX too takes the label from the scores.
//
// The trainers (Trainer, LBFGS), Certify and Evaluate's log-loss are about
// the softmax model: for another link they treat the scores as softmax
// logits.
type Link uint8

const (
	// LinkSoftmax is the multinomial model P(c | x) = exp(z_c) / Σ_j exp(z_j),
	// computed by Softmax's kernels. It is the zero value.
	LinkSoftmax Link = iota
	// LinkOneVsRest is one binary logistic model per class, normalised to
	// sum to 1: P(c | x) = σ(z_c) / Σ_j σ(z_j) with σ(t) = 1/(1+e^−t), as
	// scikit-learn's LogisticRegression(multi_class="ovr") and ONNX's
	// LOGISTIC post-transform followed by an L1 Normalizer. Computed in
	// float64 from the float32 scores.
	LinkOneVsRest
	// LinkLogistic is the binary logistic model on the difference of the two
	// scores (Classes must be 2): P(1 | x) = σ(z_1 − z_0) and P(0 | x) =
	// σ(z_0 − z_1), in float64 from the float32 scores. A model with one
	// score row w (scikit-learn's binary coef_) has W = [0; w], B = [0; b].
	LinkLogistic
	// LinkRaw returns the scores z themselves: the decision function of a
	// linear SVM or of an SGD classifier without probabilities (ONNX's
	// post-transform NONE).
	LinkRaw
	// LinkSoftmaxZero is ONNX's SOFTMAX_ZERO post-transform, as ONNX Runtime
	// computes it: with M = max_j z_j, a score with |z_c| > 1e-7 gets
	// exp(z_c − M) and any other z_c·exp(−M), and all are divided by the sum
	// of the former (in float64; NaN when no score is away from zero).
	LinkSoftmaxZero
	numLinks
)

var linkNames = [numLinks]string{"softmax", "one-vs-rest", "logistic", "raw", "softmax-zero"}

// String returns the link's name: "softmax", "one-vs-rest", "logistic",
// "raw" or "softmax-zero".
func (l Link) String() string {
	if l < numLinks {
		return linkNames[l]
	}
	return fmt.Sprintf("Link(%d)", uint8(l))
}

// ParseLink returns the link named s, as Link.String writes it.
func ParseLink(s string) (Link, error) {
	for i, n := range linkNames {
		if n == s {
			return Link(i), nil
		}
	}
	return 0, fmt.Errorf("maxent: unknown link %q, want one of softmax, one-vs-rest, logistic, raw, softmax-zero", s)
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
// or holds Classes distinct names, FeatureNames is nil or holds Features
// distinct names, Link is one of the links (LinkLogistic with 2 classes),
// Featurizer is nil or has a Kind of 1 to 4096 bytes of UTF-8, and every
// weight is finite.
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
		if err := distinct(m.Labels, "labels"); err != nil {
			return err
		}
	}
	if m.FeatureNames != nil {
		if len(m.FeatureNames) != m.Features {
			return fmt.Errorf("maxent: model has %d feature names, want Features = %d", len(m.FeatureNames), m.Features)
		}
		if err := distinct(m.FeatureNames, "feature names"); err != nil {
			return err
		}
	}
	if f := m.Featurizer; f != nil && (f.Kind == "" || len(f.Kind) > maxLabelBytes || !utf8.ValidString(f.Kind)) {
		return fmt.Errorf("maxent: model featurizer kind %q: want 1 to %d bytes of UTF-8", f.Kind, maxLabelBytes)
	}
	if m.Link >= numLinks {
		return fmt.Errorf("maxent: model has unknown %v", m.Link)
	}
	if m.Link == LinkLogistic && m.Classes != 2 {
		return fmt.Errorf("maxent: model has the logistic link and %d classes, want 2", m.Classes)
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

// distinct reports the first repeated name of names.
func distinct(names []string, what string) error {
	seen := make(map[string]int, len(names))
	for i, l := range names {
		if j, dup := seen[l]; dup {
			return fmt.Errorf("maxent: model %s %d and %d are both %q", what, j, i, l)
		}
		seen[l] = i
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
// score W·x + B (the lowest index on ties), under every Link. It returns −1
// if no score is a number, which happens when x holds a NaN. It panics if
// len(x) != Features.
func (m *Model) Predict(x []float32) int {
	if len(x) != m.Features {
		panicLen("Model.Predict", "len(x)", len(x), "Features", m.Features)
	}
	if c, ok := m.predictFused(x); ok { // one kernel call (predict.go)
		return c
	}
	var buf [predictChunk]float32
	best, bestZ := -1, float32(math.Inf(-1))
	for c := 0; c < m.Classes; c += predictChunk {
		n := min(predictChunk, m.Classes-c)
		z := buf[:n]
		MatVec(z, m.W.Slice(c, c+n), x, m.B[c:c+n])
		best, bestZ = m.foldClass(z, c, best, bestZ)
	}
	return best
}

// foldClass is the prediction rule of every link, applied to the scores z
// of classes c0, c0+1, ...: it returns the class and score that beat best
// (score bestZ), or best itself. Start with best = −1 and bestZ = −Inf; the
// result is −1 while no score is a number. Chunks must come in increasing
// class order: on ties the lower index stays.
func (m *Model) foldClass(z []float32, c0, best int, bestZ float32) (int, float32) {
	// Strictly greater: on ties across chunks the lower index stays.
	if i := argmax(z); i >= 0 && (best < 0 || z[i] > bestZ) {
		return c0 + i, z[i]
	}
	return best, bestZ
}

// PredictProba sets dst to the model's output for x: with the default
// LinkSoftmax, dst[c] = P(class c | x) = softmax(W·x + B)[c]; see Link for
// the others. It panics if len(dst) != Classes or len(x) != Features.
func (m *Model) PredictProba(dst, x []float32) {
	if len(x) != m.Features {
		panicLen("Model.PredictProba", "len(x)", len(x), "Features", m.Features)
	}
	if len(dst) != m.Classes {
		panicLen("Model.PredictProba", "len(dst)", len(dst), "Classes", m.Classes)
	}
	if m.predictProbaFused(dst, x) { // one kernel call (predict.go)
		return
	}
	MatVec(dst, m.W, x, m.B)
	m.finishProba(dst)
}

// finishProba turns the scores W·x + B in dst (len(dst) == Classes) into
// PredictProba's output, in place, by the model's link.
func (m *Model) finishProba(dst []float32) {
	if m.Link == LinkSoftmax {
		softmaxProbs(dst, dst) // Softmax without its log-sum-exp
		return
	}
	m.finishLink(dst)
}

// finishLink is finishProba for the links other than softmax.
func (m *Model) finishLink(z []float32) {
	switch m.Link {
	case LinkOneVsRest:
		var s float64
		for _, v := range z {
			s += sigmoid(float64(v))
		}
		for i, v := range z {
			z[i] = float32(sigmoid(float64(v)) / s)
		}
	case LinkLogistic:
		d := float64(z[1]) - float64(z[0])
		z[0], z[1] = float32(sigmoid(-d)), float32(sigmoid(d))
	case LinkSoftmaxZero:
		zmax := math.Inf(-1)
		for _, v := range z {
			zmax = math.Max(zmax, float64(v))
		}
		var s float64
		for _, v := range z {
			if v > 1e-7 || v < -1e-7 {
				s += math.Exp(float64(v) - zmax)
			}
		}
		for i, v := range z {
			if v > 1e-7 || v < -1e-7 {
				z[i] = float32(math.Exp(float64(v)-zmax) / s)
			} else {
				z[i] = float32(float64(v) * math.Exp(-zmax) / s)
			}
		}
	}
}

// sigmoid is 1/(1+e^−t), accurate on both tails.
func sigmoid(t float64) float64 {
	if t >= 0 {
		return 1 / (1 + math.Exp(-t))
	}
	e := math.Exp(t)
	return e / (1 + e)
}

// Clone returns a deep copy of m.
func (m *Model) Clone() *Model {
	c := &Model{Classes: m.Classes, Features: m.Features, W: m.W.Clone(), B: append([]float32(nil), m.B...), Link: m.Link}
	if m.Labels != nil {
		c.Labels = append([]string(nil), m.Labels...)
	}
	if m.FeatureNames != nil {
		c.FeatureNames = append([]string(nil), m.FeatureNames...)
	}
	if m.Featurizer != nil {
		c.Featurizer = &FeaturizerSpec{Kind: m.Featurizer.Kind, Data: append([]byte(nil), m.Featurizer.Data...)}
	}
	return c
}

// AbsorbScaling rewrites m, trained on inputs scaled as x'[j] = (x[j] −
// offset[j])·scale[j], into the equivalent model on unscaled inputs:
// W'[i,j] = W[i,j]·scale[j] and B'[i] = B[i] − Σj W'[i,j]·offset[j]. A model
// saved after this needs no preprocessing step at prediction time.
func (m *Model) AbsorbScaling(offset, scale []float32) error {
	m.ResetSparse()
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
