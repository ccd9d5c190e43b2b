package onnx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/seed7bc074a2/maxent/kernel"
)

// maxFileBytes is the largest file Read accepts: protobuf messages are
// limited to 2 GiB.
const maxFileBytes = 2 << 30

// Metadata keys that Write sets so that Read gives back the model exactly.
const (
	metaLabels       = "maxent.labels"        // "none": the model had no labels
	metaFeatureNames = "maxent.feature_names" // a JSON array of strings
)

// Read reads an ONNX model of a linear classifier and returns it as a
// maxent model that predicts what ONNX Runtime computes from the file: the
// same labels, and in PredictProba the graph's probability (or score)
// tensor, all classes in the order of the class labels.
//
// The graph must be one input tensor of features → optional Cast,
// Identity and Scaler nodes → one LinearClassifier (domain ai.onnx.ml) →
// optionally a Normalizer with norm L1, then any of ZipMap, Cast, Identity
// and ArrayFeatureExtractor on the outputs, which select or re-shape them
// and do not change the model. That is what skl2onnx writes for
// LogisticRegression, LinearSVC, SGDClassifier and RidgeClassifier, alone
// or after StandardScaler, MinMaxScaler, MaxAbsScaler or RobustScaler. The
// Scaler steps are folded into W and B in float64 (as Model.AbsorbScaling
// does), then rounded once to float32. The LinearClassifier's
// post_transform gives the link:
//
//   - SOFTMAX: kernel.LinkSoftmax (an L1 Normalizer after it changes nothing);
//   - LOGISTIC with an L1 Normalizer: kernel.LinkOneVsRest, except for two
//     classes whose coefficient rows are [−w; w] (skl2onnx's binary
//     models) or one row w: kernel.LinkLogistic with W = [0; w], B = [0; b];
//   - NONE: kernel.LinkRaw, the scores (a LinearSVC's decision function);
//   - SOFTMAX_ZERO: kernel.LinkSoftmaxZero.
//
// Anything else is an error that names the node and its op type: other
// ops, a LOGISTIC output without the normalisation (per-class
// probabilities that do not sum to 1), PROBIT, a Normalizer other than L1,
// or one coefficient row with a post_transform other than LOGISTIC (where
// ONNX Runtime outputs [1−z, z]).
//
// Integer class labels become decimal strings, string labels are kept.
// Files written by Write also restore a model without labels and the
// feature names (from the file's metadata), so that Write then Read gives
// back the model bit for bit.
//
// Read never panics: a truncated, corrupted or hostile file gets an error,
// and the memory it allocates is a small multiple of the file's size.
func Read(r io.Reader) (*kernel.Model, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("onnx: reading: %w", err)
	}
	if int64(len(data)) > maxFileBytes {
		return nil, errors.New("onnx: file larger than 2 GiB, the limit of a protobuf message")
	}
	return Decode(data)
}

// Decode is Read on the bytes of an ONNX file.
func Decode(data []byte) (*kernel.Model, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: the file is empty", errProto)
	}
	mp, err := parseModel(data)
	if err != nil {
		return nil, err
	}
	if mp.graph == nil {
		return nil, fmt.Errorf("%w: no graph", errProto)
	}
	return convert(mp)
}

// nodeErr is an error about node n.
func nodeErr(n *nodeProto, format string, args ...any) error {
	return fmt.Errorf("onnx: node %q (op %s): %s", n.name, opName(n), fmt.Sprintf(format, args...))
}

func opName(n *nodeProto) string {
	if n.domain != "" && n.domain != "ai.onnx" {
		return n.domain + "." + n.op
	}
	return n.op
}

// graphInfo indexes a graph: the producer of each value, the consumers,
// the initializers.
type graphInfo struct {
	g         *graphProto
	producer  map[string]int
	consumers map[string][]int
	init      map[string]*tensorProto
}

func index(g *graphProto) (*graphInfo, error) {
	gi := &graphInfo{g: g, producer: map[string]int{}, consumers: map[string][]int{}, init: map[string]*tensorProto{}}
	for i := range g.inits {
		gi.init[g.inits[i].name] = &g.inits[i]
	}
	for i := range g.nodes {
		n := &g.nodes[i]
		for _, o := range n.outputs {
			if o == "" {
				continue
			}
			if _, dup := gi.producer[o]; dup {
				return nil, nodeErr(n, "value %q is produced twice", o)
			}
			gi.producer[o] = i
		}
		for _, in := range n.inputs {
			gi.consumers[in] = append(gi.consumers[in], i)
		}
	}
	return gi, nil
}

// classifier is what the LinearClassifier node says.
type classifier struct {
	coef, intercepts []float32
	labels           []string
	intLabels        []int64
	post             string
}

func convert(mp *modelProto) (*kernel.Model, error) {
	g := mp.graph
	if mp.functions > 0 {
		return nil, errors.New("onnx: the model defines functions; maxent imports plain LinearClassifier graphs")
	}
	if g.sparseInits > 0 {
		return nil, errors.New("onnx: the graph has sparse initializers; maxent imports plain LinearClassifier graphs")
	}
	gi, err := index(g)
	if err != nil {
		return nil, err
	}
	// The feature input: the graph's one input that is not an initializer
	// (before IR version 4 initializers were listed as inputs too).
	var input *valueInfo
	for i := range g.inputs {
		if _, ok := gi.init[g.inputs[i].name]; ok {
			continue
		}
		if input != nil {
			return nil, fmt.Errorf("onnx: the graph has inputs %q and %q; maxent imports models of one feature tensor", input.name, g.inputs[i].name)
		}
		input = &g.inputs[i]
	}
	if input == nil {
		return nil, errors.New("onnx: the graph has no input")
	}
	if err := checkInput(input); err != nil {
		return nil, err
	}
	lc := -1
	for i := range g.nodes {
		if g.nodes[i].op == "LinearClassifier" && g.nodes[i].domain == "ai.onnx.ml" {
			if lc >= 0 {
				return nil, nodeErr(&g.nodes[i], "a second LinearClassifier; maxent imports one")
			}
			lc = i
		}
	}
	if lc < 0 {
		for i := range g.nodes {
			return nil, nodeErr(&g.nodes[i], "not supported: maxent imports graphs of one LinearClassifier (domain ai.onnx.ml), with Scaler steps before it")
		}
		return nil, errors.New("onnx: the graph has no nodes")
	}
	lcNode := &g.nodes[lc]
	if len(lcNode.inputs) != 1 || len(lcNode.outputs) != 2 {
		return nil, nodeErr(lcNode, "%d inputs and %d outputs, want 1 and 2", len(lcNode.inputs), len(lcNode.outputs))
	}
	cl, err := readClassifier(lcNode)
	if err != nil {
		return nil, err
	}
	scalers, used, err := upstream(gi, lcNode.inputs[0], input.name)
	if err != nil {
		return nil, err
	}
	used[lc] = true
	norm, err := downstream(gi, lc, used)
	if err != nil {
		return nil, err
	}
	md, err := build(lcNode, cl, norm, scalers, input)
	if err != nil {
		return nil, err
	}
	if err := restoreMeta(md, mp.metadata, cl); err != nil {
		return nil, err
	}
	if err := md.Validate(); err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	return md, nil
}

// checkInput checks the feature input: a tensor of numbers, rank 2 (rows ×
// features) or 1 if the shape is known.
func checkInput(v *valueInfo) error {
	if !v.isTensor {
		return fmt.Errorf("onnx: graph input %q is not a tensor", v.name)
	}
	switch v.elemType {
	case dtFloat, dtDouble, dtInt32, dtInt64:
	default:
		return fmt.Errorf("onnx: graph input %q has element type %d, want float, double, int32 or int64", v.name, v.elemType)
	}
	if v.hasShape && len(v.dims) != 2 && len(v.dims) != 1 {
		return fmt.Errorf("onnx: graph input %q has rank %d, want 2 (rows × features)", v.name, len(v.dims))
	}
	return nil
}

// inputWidth is the number of features the input's shape gives, or −1.
func inputWidth(v *valueInfo) int64 {
	if !v.hasShape || len(v.dims) == 0 {
		return -1
	}
	d := v.dims[len(v.dims)-1]
	if !d.known || d.value <= 0 {
		return -1
	}
	return d.value
}

func readClassifier(n *nodeProto) (*classifier, error) {
	cl := &classifier{post: "NONE"}
	for i := range n.attrs {
		a := &n.attrs[i]
		if a.ref != "" {
			return nil, nodeErr(n, "attribute %q refers to a function attribute", a.name)
		}
		switch a.name {
		case "coefficients":
			if a.typ != attrFloats && a.typ != 0 {
				return nil, nodeErr(n, "attribute coefficients has type %d, want FLOATS", a.typ)
			}
			cl.coef = a.floats
		case "intercepts":
			if a.typ != attrFloats && a.typ != 0 {
				return nil, nodeErr(n, "attribute intercepts has type %d, want FLOATS", a.typ)
			}
			cl.intercepts = a.floats
		case "classlabels_ints":
			cl.intLabels = a.ints
		case "classlabels_strings":
			for _, s := range a.strings {
				cl.labels = append(cl.labels, string(s))
			}
		case "post_transform":
			cl.post = string(a.s)
		case "multi_class":
			// ONNX Runtime ignores it, and so does maxent: the
			// post_transform says how the scores become probabilities.
		default:
			return nil, nodeErr(n, "unknown attribute %q", a.name)
		}
	}
	switch {
	case len(cl.intLabels) > 0 && len(cl.labels) > 0:
		return nil, nodeErr(n, "both classlabels_ints and classlabels_strings")
	case len(cl.intLabels) > 0:
		for _, v := range cl.intLabels {
			cl.labels = append(cl.labels, strconv.FormatInt(v, 10))
		}
	case len(cl.labels) == 0:
		return nil, nodeErr(n, "no class labels (classlabels_ints or classlabels_strings)")
	}
	for i, l := range cl.labels {
		if !utf8.ValidString(l) || len(l) > 4096 {
			return nil, nodeErr(n, "class label %d is not UTF-8 of at most 4096 bytes", i)
		}
	}
	if len(cl.coef) == 0 {
		return nil, nodeErr(n, "no coefficients")
	}
	return cl, nil
}

// scaler is an affine step x' = (x − offset)·scale, each of length 1
// (every feature) or the number of features.
type scaler struct {
	node          *nodeProto
	offset, scale []float32
}

// upstream follows the classifier's input back to the graph input through
// Cast, Identity and Scaler nodes. It returns the scalers from the input
// to the classifier and the nodes it used.
func upstream(gi *graphInfo, v, input string) ([]scaler, map[int]bool, error) {
	used := map[int]bool{}
	var rev []scaler
	for v != input {
		i, ok := gi.producer[v]
		if !ok {
			if _, isInit := gi.init[v]; isInit {
				return nil, nil, fmt.Errorf("onnx: the classifier's input %q is a constant", v)
			}
			return nil, nil, fmt.Errorf("onnx: value %q before the classifier is not computed by any node", v)
		}
		if used[i] {
			return nil, nil, fmt.Errorf("onnx: the graph has a cycle through %q", v)
		}
		used[i] = true
		n := &gi.g.nodes[i]
		switch {
		case n.op == "Scaler" && n.domain == "ai.onnx.ml":
			s := scaler{node: n}
			for _, a := range n.attrs {
				switch a.name {
				case "offset":
					s.offset = a.floats
				case "scale":
					s.scale = a.floats
				default:
					return nil, nil, nodeErr(n, "unknown attribute %q", a.name)
				}
			}
			rev = append(rev, s)
		case (n.op == "Cast" || n.op == "Identity") && (n.domain == "" || n.domain == "ai.onnx"):
			if n.op == "Cast" {
				if err := checkCast(n); err != nil {
					return nil, nil, err
				}
			}
		default:
			return nil, nil, nodeErr(n, "not supported before the classifier: maxent folds only affine steps (Scaler, Cast to float, Identity) into the model")
		}
		if len(n.inputs) != 1 || len(n.outputs) != 1 {
			return nil, nil, nodeErr(n, "%d inputs and %d outputs, want 1 and 1", len(n.inputs), len(n.outputs))
		}
		v = n.inputs[0]
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev, used, nil
}

// checkCast accepts a Cast to float or double before the classifier.
func checkCast(n *nodeProto) error {
	for _, a := range n.attrs {
		if a.name == "to" && a.i != dtFloat && a.i != dtDouble {
			return nodeErr(n, "casts to type %d before the classifier, want float or double", a.i)
		}
	}
	return nil
}

// downstream checks every node not yet used: each must read the
// classifier's outputs (or values computed from them) and be ZipMap, Cast,
// Identity, ArrayFeatureExtractor, or one Normalizer on the scores. It
// returns the Normalizer's norm ("" if none).
func downstream(gi *graphInfo, lc int, used map[int]bool) (string, error) {
	g := gi.g
	lcNode := &g.nodes[lc]
	scores := map[string]bool{lcNode.outputs[1]: true} // the scores, as they pass Identity nodes
	derived := map[string]bool{lcNode.outputs[0]: true, lcNode.outputs[1]: true}
	norm := ""
	// Nodes are topologically sorted in a valid graph; a few passes
	// accept any order.
	for pass := 0; pass <= len(g.nodes); pass++ {
		progress := false
		for i := range g.nodes {
			if used[i] {
				continue
			}
			n := &g.nodes[i]
			fromLC := false
			for _, in := range n.inputs {
				fromLC = fromLC || derived[in]
			}
			if !fromLC {
				continue
			}
			used[i], progress = true, true
			onScores := len(n.inputs) > 0 && scores[n.inputs[0]]
			switch {
			case n.op == "Normalizer" && n.domain == "ai.onnx.ml":
				if !onScores || norm != "" {
					return "", nodeErr(n, "a Normalizer is supported once, directly on the classifier's scores")
				}
				for _, a := range n.attrs {
					if a.name == "norm" {
						norm = string(a.s)
					}
				}
				if norm != "L1" {
					return "", nodeErr(n, "norm %q: maxent supports the L1 normalisation of one-vs-rest probabilities", norm)
				}
				for _, o := range n.outputs {
					scores[o] = true
				}
			case n.op == "ZipMap" && n.domain == "ai.onnx.ml",
				n.op == "ArrayFeatureExtractor" && n.domain == "ai.onnx.ml",
				(n.op == "Cast" || n.op == "Identity") && (n.domain == "" || n.domain == "ai.onnx"):
				if n.op == "ArrayFeatureExtractor" {
					if len(n.inputs) != 2 || gi.init[n.inputs[1]] == nil {
						return "", nodeErr(n, "selects columns that are not a constant")
					}
				}
				if n.op == "Identity" && onScores {
					for _, o := range n.outputs {
						scores[o] = true
					}
				}
			default:
				return "", nodeErr(n, "not supported after the classifier: maxent's model ends with the class scores or probabilities (ZipMap, Cast, Identity, ArrayFeatureExtractor and an L1 Normalizer are understood)")
			}
			for _, in := range n.inputs {
				if !derived[in] && gi.init[in] == nil {
					return "", nodeErr(n, "also reads %q, which the classifier does not compute", in)
				}
			}
			for _, o := range n.outputs {
				derived[o] = true
			}
		}
		if !progress {
			break
		}
	}
	for i := range g.nodes {
		if !used[i] {
			return "", nodeErr(&g.nodes[i], "not part of the classifier's pipeline; maxent imports one feature tensor → Scaler steps → LinearClassifier")
		}
	}
	return norm, nil
}

// build makes the model: W and B from the classifier, the scalers folded
// in, the link.
func build(n *nodeProto, cl *classifier, norm string, scalers []scaler, input *valueInfo) (*kernel.Model, error) {
	k := len(cl.labels)
	rows := len(cl.intercepts)
	if rows == 0 {
		// ONNX Runtime counts the score rows by the intercepts; without
		// them the coefficients' shape would be a guess.
		return nil, nodeErr(n, "no intercepts: the number of coefficient rows is unknown")
	}
	if rows != k && !(rows == 1 && k == 2) {
		return nil, nodeErr(n, "%d intercepts for %d class labels, want one per class (or 1 for 2 classes)", rows, k)
	}
	if len(cl.coef)%rows != 0 {
		return nil, nodeErr(n, "%d coefficients for %d classes: not a whole number of features", len(cl.coef), rows)
	}
	m := len(cl.coef) / rows
	if w := inputWidth(input); w >= 0 && int64(m) != w {
		return nil, nodeErr(n, "%d features per class, the input %q has %d", m, input.name, w)
	}
	b := cl.intercepts
	link, err := chooseLink(n, cl, norm, rows, m)
	if err != nil {
		return nil, err
	}
	// W in float64, with the scalers folded in from the classifier back.
	w := make([]float64, k*m)
	bias := make([]float64, k)
	switch {
	case link == kernel.LinkLogistic: // [0; w]: row 1 is the positive class's
		src := rows - 1
		for j := 0; j < m; j++ {
			w[m+j] = float64(cl.coef[src*m+j])
		}
		bias[1] = float64(b[src])
	default:
		for i := range w {
			w[i] = float64(cl.coef[i])
		}
		for i := range bias {
			bias[i] = float64(b[i])
		}
	}
	for s := len(scalers) - 1; s >= 0; s-- {
		if err := fold(scalers[s], w, bias, k, m); err != nil {
			return nil, err
		}
	}
	md := kernel.NewModel(k, m)
	for i := 0; i < k; i++ {
		row := md.W.Row(i)
		for j := range row {
			row[j] = float32(w[i*m+j])
		}
		md.B[i] = float32(bias[i])
	}
	md.Labels = cl.labels
	md.Link = link
	return md, nil
}

func chooseLink(n *nodeProto, cl *classifier, norm string, rows, m int) (kernel.Link, error) {
	k := len(cl.labels)
	if k < 2 {
		return 0, nodeErr(n, "%d class label; maxent imports classifiers of at least 2 classes", k)
	}
	if rows == 1 {
		if cl.post != "LOGISTIC" {
			return 0, nodeErr(n, "one coefficient row with post_transform %s: ONNX Runtime outputs [1−s, s] of the transformed score s, which is no probability model; only LOGISTIC is supported for one row", cl.post)
		}
		return kernel.LinkLogistic, nil
	}
	switch cl.post {
	case "SOFTMAX":
		return kernel.LinkSoftmax, nil
	case "SOFTMAX_ZERO":
		return kernel.LinkSoftmaxZero, nil
	case "NONE":
		if norm != "" {
			return 0, nodeErr(n, "post_transform NONE followed by a Normalizer: normalised raw scores are not supported")
		}
		return kernel.LinkRaw, nil
	case "LOGISTIC":
		if k == 2 && antisymmetric(cl, m) {
			return kernel.LinkLogistic, nil
		}
		if norm == "" {
			return 0, nodeErr(n, "post_transform LOGISTIC without an L1 Normalizer: per-class probabilities that do not sum to 1 are not supported")
		}
		return kernel.LinkOneVsRest, nil
	}
	return 0, nodeErr(n, "post_transform %q is not supported (want NONE, SOFTMAX, LOGISTIC or SOFTMAX_ZERO)", cl.post)
}

// antisymmetric reports whether the two rows and intercepts are w and −w,
// exactly: skl2onnx's binary classifiers.
func antisymmetric(cl *classifier, m int) bool {
	neg := func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(-b) }
	for j := 0; j < m; j++ {
		if !neg(cl.coef[j], cl.coef[m+j]) {
			return false
		}
	}
	return neg(cl.intercepts[0], cl.intercepts[1])
}

// fold rewrites the k×m weights w and biases b on x' = (x − offset)·scale
// into weights on x: W'[i,j] = W[i,j]·scale[j], B'[i] = B[i] − Σj
// W'[i,j]·offset[j].
func fold(s scaler, w, b []float64, k, m int) error {
	at := func(v []float32, j int, def float64) float64 {
		switch len(v) {
		case 0:
			return def
		case 1:
			return float64(v[0])
		}
		return float64(v[j])
	}
	for _, v := range [][]float32{s.offset, s.scale} {
		if len(v) > 1 && len(v) != m {
			return nodeErr(s.node, "%d offsets and %d scales for %d features, want 1 or %d", len(s.offset), len(s.scale), m, m)
		}
	}
	for i := 0; i < k; i++ {
		var shift float64
		for j := 0; j < m; j++ {
			w[i*m+j] *= at(s.scale, j, 1)
			shift += w[i*m+j] * at(s.offset, j, 0)
		}
		b[i] -= shift
	}
	return nil
}

// restoreMeta applies the metadata Write sets: no labels, feature names.
func restoreMeta(md *kernel.Model, meta map[string]string, cl *classifier) error {
	if meta[metaLabels] == "none" && len(cl.intLabels) == md.Classes {
		plain := true
		for i, v := range cl.intLabels {
			plain = plain && v == int64(i)
		}
		if plain {
			md.Labels = nil
		}
	}
	if s, ok := meta[metaFeatureNames]; ok {
		var names []string
		if err := json.Unmarshal([]byte(s), &names); err != nil {
			return fmt.Errorf("onnx: metadata %s: %v", metaFeatureNames, err)
		}
		if len(names) != md.Features {
			return fmt.Errorf("onnx: metadata %s holds %d names for %d features", metaFeatureNames, len(names), md.Features)
		}
		for i, s := range names {
			if len(s) > 4096 {
				return fmt.Errorf("onnx: metadata %s: name %d is longer than 4096 bytes", metaFeatureNames, i)
			}
		}
		md.FeatureNames = names
	}
	return nil
}
