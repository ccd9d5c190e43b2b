package onnx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/seed7bc074a2/maxent/kernel"
)

// Versions Write declares: IR version 8 and opset 13 of the default domain
// (ONNX 1.10 and later read them), version 1 of ai.onnx.ml.
const (
	writeIRVersion = 8
	writeOpset     = 13
)

// Write writes m as an ONNX model: one float tensor input "X" of shape [N,
// Features], a LinearClassifier node (domain ai.onnx.ml) and two outputs,
// "label" (the predicted class label, int64 when every label is a decimal
// integer, else string; shape [N]) and "probabilities" (a plain [N,
// Classes] float tensor, without ZipMap): what Model.Predict and
// Model.PredictProba compute, by the model's link:
//
//   - kernel.LinkSoftmax: post_transform SOFTMAX;
//   - kernel.LinkOneVsRest: LOGISTIC, then a Normalizer node with norm L1;
//   - kernel.LinkLogistic: LOGISTIC on the rows [−d; d], d = W[1] − W[0]
//     (and likewise for B): skl2onnx's form of a binary model, exact when
//     row 0 is zero, as Read and the scikit-learn importer make it;
//   - kernel.LinkRaw: NONE; kernel.LinkSoftmaxZero: SOFTMAX_ZERO.
//
// A model without labels gets the integer labels 0, 1, ...; the file's
// metadata records that, and the feature names, so that Read gives back
// the same model. Write refuses a model that fails Validate or has fewer
// than 2 classes (ONNX runtimes treat one score row as a binary model).
func Write(w io.Writer, m *kernel.Model) error {
	b, err := Encode(m)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Encode is Write into a byte slice.
func Encode(m *kernel.Model) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	if m.Classes < 2 {
		return nil, errors.New("onnx: a model of 1 class cannot be written as a LinearClassifier")
	}
	var meta [][2]string
	if m.Labels == nil {
		meta = append(meta, [2]string{metaLabels, "none"})
	}
	if m.FeatureNames != nil {
		names, err := json.Marshal(m.FeatureNames)
		if err != nil {
			return nil, fmt.Errorf("onnx: feature names: %w", err)
		}
		meta = append(meta, [2]string{metaFeatureNames, string(names)})
	}
	var b []byte
	b = appendVarintField(b, fModelIRVersion, writeIRVersion)
	b = protowire.AppendTag(b, fModelProducer, protowire.BytesType)
	b = protowire.AppendString(b, "maxent")
	b = appendMessage(b, fModelGraph, graph(m))
	for _, op := range []struct {
		domain  string
		version uint64
	}{{"", writeOpset}, {"ai.onnx.ml", 1}} {
		var o []byte
		o = appendStringField(o, fOpsetDomain, op.domain)
		o = appendVarintField(o, fOpsetVersion, op.version)
		b = appendMessage(b, fModelOpset, o)
	}
	for _, kv := range meta {
		var e []byte
		e = appendStringField(e, fEntryKey, kv[0])
		e = appendStringField(e, fEntryValue, kv[1])
		b = appendMessage(b, fModelMetadata, e)
	}
	return b, nil
}

// graph encodes the GraphProto.
func graph(m *kernel.Model) []byte {
	k, f := m.Classes, m.Features
	coef := make([]float32, 0, k*f)
	icpt := make([]float32, 0, k)
	post := map[kernel.Link]string{
		kernel.LinkSoftmax: "SOFTMAX", kernel.LinkOneVsRest: "LOGISTIC", kernel.LinkLogistic: "LOGISTIC",
		kernel.LinkRaw: "NONE", kernel.LinkSoftmaxZero: "SOFTMAX_ZERO",
	}[m.Link]
	if m.Link == kernel.LinkLogistic {
		d := make([]float32, f)
		for j := range d {
			d[j] = m.W.At(1, j) - m.W.At(0, j)
		}
		db := m.B[1] - m.B[0]
		for _, v := range d {
			coef = append(coef, -v)
		}
		coef = append(coef, d...)
		icpt = append(icpt, -db, db)
	} else {
		for i := 0; i < k; i++ {
			coef = append(coef, m.W.Row(i)...)
		}
		icpt = append(icpt, m.B...)
	}
	ints, labels := exportLabels(m)
	scores := "probabilities"
	if m.Link == kernel.LinkOneVsRest {
		scores = "scores"
	}

	var node []byte
	node = appendStringField(node, fNodeInput, "X")
	node = appendStringField(node, fNodeOutput, "label")
	node = appendStringField(node, fNodeOutput, scores)
	node = appendStringField(node, fNodeName, "LinearClassifier")
	node = appendStringField(node, fNodeOp, "LinearClassifier")
	node = appendStringField(node, fNodeDomain, "ai.onnx.ml")
	node = appendMessage(node, fNodeAttr, floatsAttr("coefficients", coef))
	node = appendMessage(node, fNodeAttr, floatsAttr("intercepts", icpt))
	if ints != nil {
		var a []byte
		a = appendStringField(a, fAttrName, "classlabels_ints")
		a = appendVarintField(a, fAttrType, attrInts)
		var packed []byte
		for _, v := range ints {
			packed = protowire.AppendVarint(packed, uint64(v))
		}
		a = appendMessage(a, fAttrInts, packed)
		node = appendMessage(node, fNodeAttr, a)
	} else {
		var a []byte
		a = appendStringField(a, fAttrName, "classlabels_strings")
		a = appendVarintField(a, fAttrType, attrStrings)
		for _, l := range labels {
			a = appendStringField(a, fAttrStrings, l)
		}
		node = appendMessage(node, fNodeAttr, a)
	}
	multi := uint64(0)
	if m.Link == kernel.LinkSoftmax || m.Link == kernel.LinkSoftmaxZero {
		multi = 1
	}
	var a []byte
	a = appendStringField(a, fAttrName, "multi_class")
	a = appendVarintField(a, fAttrType, attrInt)
	a = appendVarintField(a, fAttrI, multi)
	node = appendMessage(node, fNodeAttr, a)
	a = nil
	a = appendStringField(a, fAttrName, "post_transform")
	a = appendVarintField(a, fAttrType, attrString)
	a = appendStringField(a, fAttrS, post)
	node = appendMessage(node, fNodeAttr, a)

	var g []byte
	g = appendMessage(g, fGraphNode, node)
	if m.Link == kernel.LinkOneVsRest {
		var n []byte
		n = appendStringField(n, fNodeInput, scores)
		n = appendStringField(n, fNodeOutput, "probabilities")
		n = appendStringField(n, fNodeName, "Normalizer")
		n = appendStringField(n, fNodeOp, "Normalizer")
		n = appendStringField(n, fNodeDomain, "ai.onnx.ml")
		var a []byte
		a = appendStringField(a, fAttrName, "norm")
		a = appendVarintField(a, fAttrType, attrString)
		a = appendStringField(a, fAttrS, "L1")
		n = appendMessage(n, fNodeAttr, a)
		g = appendMessage(g, fGraphNode, n)
	}
	g = appendStringField(g, fGraphName, "maxent")
	labelType := uint64(dtInt64)
	if ints == nil {
		labelType = dtString
	}
	g = appendMessage(g, fGraphInput, tensorValue("X", dtFloat, -1, int64(f)))
	g = appendMessage(g, fGraphOutput, tensorValue("label", labelType, -1))
	g = appendMessage(g, fGraphOutput, tensorValue("probabilities", dtFloat, -1, int64(k)))
	return g
}

// exportLabels returns the class labels as integers when every label is a
// decimal integer as strconv.FormatInt writes it (0, 1, ... without
// labels), else nil and the strings.
func exportLabels(m *kernel.Model) ([]int64, []string) {
	ints := make([]int64, m.Classes)
	for c := range ints {
		if m.Labels == nil {
			ints[c] = int64(c)
			continue
		}
		v, err := strconv.ParseInt(m.Labels[c], 10, 64)
		if err != nil || strconv.FormatInt(v, 10) != m.Labels[c] {
			return nil, m.Labels
		}
		ints[c] = v
	}
	return ints, nil
}

// tensorValue encodes a ValueInfoProto of a tensor; a dimension < 0 is the
// symbolic batch size "N".
func tensorValue(name string, elem uint64, dims ...int64) []byte {
	var shape []byte
	for _, d := range dims {
		var dm []byte
		if d < 0 {
			dm = appendStringField(dm, fDimParam, "N")
		} else {
			dm = appendVarintField(dm, fDimValue, uint64(d))
		}
		shape = appendMessage(shape, fShapeDim, dm)
	}
	var tt []byte
	tt = appendVarintField(tt, fTensorElemType, elem)
	tt = appendMessage(tt, fTensorShape, shape)
	var typ []byte
	typ = appendMessage(typ, fTypeTensor, tt)
	var v []byte
	v = appendStringField(v, fValueName, name)
	v = appendMessage(v, fValueType, typ)
	return v
}

func floatsAttr(name string, x []float32) []byte {
	var a []byte
	a = appendStringField(a, fAttrName, name)
	a = appendVarintField(a, fAttrType, attrFloats)
	packed := make([]byte, 0, 4*len(x))
	for _, v := range x {
		packed = protowire.AppendFixed32(packed, math.Float32bits(v))
	}
	return appendMessage(a, fAttrFloats, packed)
}

func appendVarintField(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func appendStringField(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendMessage(b []byte, num protowire.Number, msg []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, msg)
}
