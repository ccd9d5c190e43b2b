package onnx

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/seed7bc074a2/maxent/kernel"
	"github.com/seed7bc074a2/maxent/kernel/data"
)

func randomModel(rng *rand.Rand, k, m int, link kernel.Link) *kernel.Model {
	md := kernel.NewModel(k, m)
	for i := 0; i < k; i++ {
		for j := range md.W.Row(i) {
			md.W.Row(i)[j] = rng.Float32()*2 - 1
		}
		md.B[i] = rng.Float32()*2 - 1
	}
	md.Link = link
	if link == kernel.LinkLogistic {
		clear(md.W.Row(0))
		md.B[0] = 0
	}
	return md
}

// sameModel reports whether a and b are the same model, bit for bit.
func sameModel(a, b *kernel.Model) bool {
	if a.Classes != b.Classes || a.Features != b.Features || a.Link != b.Link ||
		(a.Labels == nil) != (b.Labels == nil) || (a.FeatureNames == nil) != (b.FeatureNames == nil) ||
		strings.Join(a.Labels, "\x00") != strings.Join(b.Labels, "\x00") ||
		strings.Join(a.FeatureNames, "\x00") != strings.Join(b.FeatureNames, "\x00") {
		return false
	}
	for i := 0; i < a.Classes; i++ {
		if math.Float32bits(a.B[i]) != math.Float32bits(b.B[i]) {
			return false
		}
		for j, v := range a.W.Row(i) {
			if math.Float32bits(v) != math.Float32bits(b.W.At(i, j)) {
				return false
			}
		}
	}
	return true
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	links := []kernel.Link{kernel.LinkSoftmax, kernel.LinkOneVsRest, kernel.LinkLogistic, kernel.LinkRaw, kernel.LinkSoftmaxZero}
	for _, link := range links {
		for _, k := range []int{2, 3, 11} {
			if link == kernel.LinkLogistic && k != 2 {
				continue
			}
			for _, labels := range [][]string{nil, {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}, {"-7", "12", "3", "40", "5", "6", "7", "8", "9", "10", "11"}, {"a", "b,c", "1.5", "d", "e", "f", "g", "h", "i", "j", "k"}} {
				md := randomModel(rng, k, 5, link)
				if labels != nil {
					md.Labels = labels[:k]
				}
				md.FeatureNames = nil
				if k == 3 {
					md.FeatureNames = []string{"a", "b\"", "ç", "", "e"}
				}
				b, err := Encode(md)
				if err != nil {
					t.Fatal(err)
				}
				got, err := Decode(b)
				if err != nil {
					t.Fatalf("%v k=%d: %v", link, k, err)
				}
				if !sameModel(got, md) {
					t.Fatalf("%v k=%d labels %q: read back %+v, want %+v", link, k, md.Labels, got, md)
				}
			}
		}
	}
}

// TestTrainedRoundTrip trains on the digits, writes ONNX, reads it back:
// the same model, bit for bit, and the same model file.
func TestTrainedRoundTrip(t *testing.T) {
	d := data.Digits()
	md := kernel.NewModel(len(d.Labels), d.Features())
	md.Labels = d.Labels
	tr := kernel.Trainer{Epochs: 2, BatchSize: 32, LearningRate: 0.01, Seed: 1}
	if _, err := tr.Fit(md, d.X, d.Y, kernel.Matrix{}, nil); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, md); err != nil {
		t.Fatal(err)
	}
	got, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !sameModel(got, md) {
		t.Fatal("the model read back differs")
	}
	var f1, f2 bytes.Buffer
	md.WriteTo(&f1)
	got.WriteTo(&f2)
	if !bytes.Equal(f1.Bytes(), f2.Bytes()) {
		t.Fatal("the model files differ")
	}
}

func TestWriteRejects(t *testing.T) {
	if _, err := Encode(kernel.NewModel(1, 3)); err == nil || !strings.Contains(err.Error(), "1 class") {
		t.Errorf("1 class: %v", err)
	}
	md := kernel.NewModel(2, 3)
	md.Labels = []string{"a"}
	if _, err := Encode(md); err == nil {
		t.Error("invalid model written")
	}
}

// Graph builder for the reader's tests.

type attr = []byte

func fattrs(name string, v ...float32) attr { return floatsAttr(name, v) }

func sattr(name, v string) attr {
	var a []byte
	a = appendStringField(a, fAttrName, name)
	a = appendVarintField(a, fAttrType, attrString)
	return appendStringField(a, fAttrS, v)
}

func iattrs(name string, v ...int64) attr {
	var a []byte
	a = appendStringField(a, fAttrName, name)
	a = appendVarintField(a, fAttrType, attrInts)
	for _, x := range v {
		a = appendVarintField(a, fAttrInts, uint64(x)) // unpacked, as proto2 writes
	}
	return a
}

func node(op, domain string, in, out []string, attrs ...attr) []byte {
	var n []byte
	for _, s := range in {
		n = appendStringField(n, fNodeInput, s)
	}
	for _, s := range out {
		n = appendStringField(n, fNodeOutput, s)
	}
	n = appendStringField(n, fNodeName, op+"_0")
	n = appendStringField(n, fNodeOp, op)
	n = appendStringField(n, fNodeDomain, domain)
	for _, a := range attrs {
		n = appendMessage(n, fNodeAttr, a)
	}
	return n
}

func model(inputs []string, width int64, nodes ...[]byte) []byte {
	var g []byte
	for _, n := range nodes {
		g = appendMessage(g, fGraphNode, n)
	}
	for _, in := range inputs {
		g = appendMessage(g, fGraphInput, tensorValue(in, dtFloat, -1, width))
	}
	var b []byte
	b = appendVarintField(b, fModelIRVersion, 3)
	return appendMessage(b, fModelGraph, g)
}

func lc(in, scores, post string, coef, icpt []float32, labels ...int64) []byte {
	return node("LinearClassifier", "ai.onnx.ml", []string{in}, []string{"label", scores},
		fattrs("coefficients", coef...), fattrs("intercepts", icpt...), iattrs("classlabels_ints", labels...), sattr("post_transform", post))
}

func TestReadGraphs(t *testing.T) {
	w3 := []float32{1, 2, 3, 4, 5, 6} // 3 classes × 2 features
	b3 := []float32{0.5, -1, 2}
	ml := "ai.onnx.ml"
	norm := func(in, out, kind string) []byte {
		return node("Normalizer", ml, []string{in}, []string{out}, sattr("norm", kind))
	}
	zip := node("ZipMap", ml, []string{"probs"}, []string{"out"}, iattrs("classlabels_int64s", 0, 1, 2))
	for _, tc := range []struct {
		name string
		file []byte
		want string // error, or "" for success
		link kernel.Link
	}{
		{"softmax + zipmap", model([]string{"X"}, 2, lc("X", "probs", "SOFTMAX", w3, b3, 0, 1, 2), zip), "", kernel.LinkSoftmax},
		{"ovr", model([]string{"X"}, 2, lc("X", "p", "LOGISTIC", w3, b3, 0, 1, 2), norm("p", "probs", "L1"), zip), "", kernel.LinkOneVsRest},
		{"raw", model([]string{"X"}, 2, lc("X", "probs", "NONE", w3, b3, 0, 1, 2)), "", kernel.LinkRaw},
		{"softmax zero", model([]string{"X"}, 2, lc("X", "probs", "SOFTMAX_ZERO", w3, b3, 0, 1, 2)), "", kernel.LinkSoftmaxZero},
		{"one row logistic", model([]string{"X"}, 2, lc("X", "probs", "LOGISTIC", w3[:2], b3[:1], 4, 7)), "", kernel.LinkLogistic},
		{"logistic alone", model([]string{"X"}, 2, lc("X", "probs", "LOGISTIC", w3, b3, 0, 1, 2)), `node "LinearClassifier_0" (op ai.onnx.ml.LinearClassifier): post_transform LOGISTIC without an L1 Normalizer`, 0},
		{"probit", model([]string{"X"}, 2, lc("X", "probs", "PROBIT", w3, b3, 0, 1, 2)), `post_transform "PROBIT" is not supported`, 0},
		{"L2", model([]string{"X"}, 2, lc("X", "p", "LOGISTIC", w3, b3, 0, 1, 2), norm("p", "probs", "L2")), `node "Normalizer_0" (op ai.onnx.ml.Normalizer): norm "L2"`, 0},
		{"normalizer before", model([]string{"X"}, 2, norm("X", "Xn", "L2"), lc("Xn", "probs", "SOFTMAX", w3, b3, 0, 1, 2)), `node "Normalizer_0" (op ai.onnx.ml.Normalizer): not supported before the classifier`, 0},
		{"one row none", model([]string{"X"}, 2, lc("X", "probs", "NONE", w3[:2], b3[:1], 0, 1)), "one coefficient row with post_transform NONE", 0},
		{"two inputs", model([]string{"X", "Y"}, 2, lc("X", "probs", "SOFTMAX", w3, b3, 0, 1, 2)), `inputs "X" and "Y"`, 0},
		{"width", model([]string{"X"}, 3, lc("X", "probs", "SOFTMAX", w3, b3, 0, 1, 2)), "2 features per class, the input \"X\" has 3", 0},
		{"coef count", model([]string{"X"}, 2, lc("X", "probs", "SOFTMAX", w3[:5], b3, 0, 1, 2)), "5 coefficients for 3 classes", 0},
		{"labels", model([]string{"X"}, 2, lc("X", "probs", "SOFTMAX", w3, b3, 0, 1)), "3 intercepts for 2 class labels", 0},
		{"dup labels", model([]string{"X"}, 2, lc("X", "probs", "SOFTMAX", w3, b3, 0, 1, 1)), `labels 1 and 2 are both "1"`, 0},
		{"extra op after", model([]string{"X"}, 2, lc("X", "probs", "SOFTMAX", w3, b3, 0, 1, 2), node("Log", "", []string{"probs"}, []string{"lp"})), `node "Log_0" (op Log): not supported after the classifier`, 0},
		{"unrelated node", model([]string{"X"}, 2, lc("X", "probs", "SOFTMAX", w3, b3, 0, 1, 2), node("Abs", "", []string{"X"}, []string{"ax"})), `node "Abs_0" (op Abs): not part of the classifier's pipeline`, 0},
		{"no classifier", model([]string{"X"}, 2, node("MatMul", "", []string{"X", "W"}, []string{"z"})), `node "MatMul_0" (op MatMul): not supported`, 0},
		{"no intercepts", model([]string{"X"}, 2, node("LinearClassifier", ml, []string{"X"}, []string{"l", "p"}, fattrs("coefficients", 1, 2, 3, 4), iattrs("classlabels_ints", 0, 1), sattr("post_transform", "LOGISTIC"))), "no intercepts", 0},
		{"unknown attribute", model([]string{"X"}, 2, node("LinearClassifier", ml, []string{"X"}, []string{"l", "p"}, fattrs("coefficients", 1, 2), iattrs("classlabels_ints", 0, 1), sattr("kernel", "RBF"))), `unknown attribute "kernel"`, 0},
		{"empty", nil, "the file is empty", 0},
		{"not protobuf", []byte("hello, world"), "not a valid ONNX", 0},
	} {
		md, err := Decode(tc.file)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want == "" && md.Link != tc.link:
			t.Errorf("%s: link %v, want %v", tc.name, md.Link, tc.link)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestReadScalers folds a chain of two Scalers (one broadcasting a single
// offset) into the model and compares with the chain evaluated step by step.
func TestReadScalers(t *testing.T) {
	ml := "ai.onnx.ml"
	w := []float32{1, -2, 0.5, 3, 0.25, -1}
	b := []float32{0.1, 0.2, -0.3}
	file := model([]string{"X"}, 2,
		node("Cast", "", []string{"X"}, []string{"Xf"}),
		node("Scaler", ml, []string{"Xf"}, []string{"S1"}, fattrs("offset", 1.5, -2), fattrs("scale", 2, 0.5)),
		node("Scaler", ml, []string{"S1"}, []string{"S2"}, fattrs("offset", 0.25), fattrs("scale", 3, 4)),
		lc("S2", "probs", "NONE", w, b, 0, 1, 2))
	md, err := Decode(file)
	if err != nil {
		t.Fatal(err)
	}
	x := []float32{0.7, -1.3}
	s1 := []float64{(0.7 - 1.5) * 2, (-1.3 + 2) * 0.5}
	s2 := []float64{(s1[0] - 0.25) * 3, (s1[1] - 0.25) * 4}
	p := make([]float32, 3)
	md.PredictProba(p, x)
	for c := range p {
		want := float64(b[c]) + float64(w[2*c])*s2[0] + float64(w[2*c+1])*s2[1]
		if math.Abs(float64(p[c])-want) > 1e-6 {
			t.Fatalf("scores %v, class %d want %v", p, c, want)
		}
	}
}

// TestDecodeHostile: every truncation and many corruptions of valid files
// are errors or valid models, never panics, and memory stays a small
// multiple of the file size.
func TestDecodeHostile(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var files [][]byte
	for _, link := range []kernel.Link{kernel.LinkOneVsRest, kernel.LinkLogistic} {
		b, _ := Encode(randomModel(rng, 2, 40, link))
		files = append(files, b)
	}
	real, _ := filepath.Glob(filepath.Join(realDir, "*.onnx"))
	for _, f := range real {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	check := func(b []byte) {
		var m1, m2 runtime.MemStats
		runtime.ReadMemStats(&m1)
		md, err := Decode(b)
		runtime.ReadMemStats(&m2)
		if err == nil {
			if verr := md.Validate(); verr != nil {
				t.Fatalf("invalid model: %v", verr)
			}
		}
		if d := m2.TotalAlloc - m1.TotalAlloc; d > 40*uint64(len(b))+64<<10 {
			t.Fatalf("decoding %d bytes allocated %d", len(b), d)
		}
	}
	for _, f := range files {
		for n := range len(f) {
			check(f[:n])
		}
		for range 300 {
			c := append([]byte(nil), f...)
			for range 1 + rng.IntN(4) {
				c[rng.IntN(len(c))] = byte(rng.Uint32())
			}
			check(c)
		}
	}
	// A length prefix claiming 2 GiB, and a huge packed count, hold nothing.
	huge := protowire.AppendTag(nil, fModelGraph, protowire.BytesType)
	huge = protowire.AppendVarint(huge, 1<<31)
	if _, err := Decode(huge); err == nil {
		t.Fatal("no error for a truncated 2 GiB graph")
	}
}

func FuzzDecode(f *testing.F) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, link := range []kernel.Link{kernel.LinkSoftmax, kernel.LinkOneVsRest, kernel.LinkLogistic, kernel.LinkRaw} {
		md := randomModel(rng, 2, 3, link)
		md.FeatureNames = []string{"a", "b", "c"}
		b, _ := Encode(md)
		f.Add(b)
	}
	real, _ := filepath.Glob(filepath.Join(realDir, "*.onnx"))
	for _, p := range real {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		md, err := Decode(b)
		if err != nil {
			return
		}
		if err := md.Validate(); err != nil {
			t.Fatalf("Decode returned an invalid model: %v", err)
		}
		if md.Classes >= 2 {
			out, err := Encode(md)
			if err != nil {
				t.Fatalf("a model read cannot be written: %v", err)
			}
			again, err := Decode(out)
			if err != nil || !sameModel(again, md) {
				t.Fatalf("a model read does not round-trip: %v", err)
			}
		}
	})
}
