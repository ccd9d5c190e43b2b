// Package onnx moves linear classifiers between maxent and the Python
// world: Read imports an ONNX model of a linear classifier (what skl2onnx
// writes for scikit-learn's LogisticRegression, LinearSVC, SGDClassifier,
// with or without scaling steps) as a kernel.Model, Write exports a
// kernel.Model as an ONNX LinearClassifier graph that every ONNX runtime
// runs, and ReadSklearn imports a fitted scikit-learn model from a small
// JSON document, without ONNX.
//
// Everything is pure Go: the ONNX protobuf messages are decoded and encoded
// with google.golang.org/protobuf's protowire, field by field, for the few
// messages and fields a LinearClassifier graph uses. The package is
// separate from kernel so that the core stays free of the dependency.
//
// The imported model predicts what the source computes: the same labels
// (the class of the largest score) and, in PredictProba, the same
// probabilities, through the model's kernel.Link: softmax (multinomial),
// one-vs-rest logistic normalised to sum to 1, binary logistic, or raw
// scores. docs/interop.md describes the formats and shows the Python side.
package onnx
