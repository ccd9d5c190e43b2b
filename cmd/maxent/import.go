package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/seed7bc074a2/maxent/kernel"
	"github.com/seed7bc074a2/maxent/kernel/onnx"
)

// import and export are registered here, not in main.go's list, so that
// they live in their own files.
func init() {
	commands = append(commands,
		command{"import", "convert an ONNX or scikit-learn (JSON) linear classifier to a maxent model file", runImport})
}

func runImport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", "(-onnx F | -sklearn F) -o model.mxt", stderr)
	onnxPath := fs.String("onnx", "", "ONNX model of a linear classifier (LinearClassifier after optional Scaler steps, as skl2onnx writes\n"+
		"LogisticRegression, LinearSVC, SGDClassifier and scaler pipelines)")
	skPath := fs.String("sklearn", "", "JSON of a fitted scikit-learn linear classifier, as written by the Python snippet of docs/interop.md")
	out := fs.String("o", "", "model file to write (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if (*onnxPath == "") == (*skPath == "") {
		fmt.Fprintln(stderr, "maxent import: give one of -onnx and -sklearn")
		fs.Usage()
		return errUsage
	}
	if *out == "" {
		return errors.New("-o is required")
	}
	if err := checkOutput(*out); err != nil {
		return err
	}
	path, read := *onnxPath, onnx.Read
	if *skPath != "" {
		path, read = *skPath, onnx.ReadSklearn
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	m, err := read(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := writeModel(*out, m); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d classes × %d features, link %s, labels %s\n", *out, m.Classes, m.Features, m.Link, labelSummary(m))
	return nil
}

// labelSummary is the first labels of m, for a one-line report.
func labelSummary(m *kernel.Model) string {
	l := modelLabels(m)
	if len(l) > 6 {
		return fmt.Sprintf("%q ... (%d)", l[:5], len(l))
	}
	return fmt.Sprintf("%q", l)
}
