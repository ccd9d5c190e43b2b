package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/seed7bc074a2/maxent/kernel/onnx"
)

func init() {
	commands = append(commands,
		command{"export", "write a maxent model as an ONNX LinearClassifier graph", runExport})
}

func runExport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", "-model F -onnx out.onnx", stderr)
	modelPath := fs.String("model", "", "model to export: a maxent model file (or an .onnx or scikit-learn .json model) (required)")
	out := fs.String("onnx", "", "ONNX file to write (required): a LinearClassifier graph with the outputs \"label\" and \"probabilities\"")
	if err := parse(fs, args); err != nil {
		return err
	}
	m, err := readModel(*modelPath)
	if err != nil {
		return err
	}
	if *out == "" {
		return errors.New("-onnx is required")
	}
	if fi, err := os.Stat(*out); err == nil && fi.IsDir() {
		return fmt.Errorf("-onnx %s: is a directory", *out)
	}
	if err := writeFileDurably(*out, *out, func(w io.Writer) error { return onnx.Write(w, m) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d classes × %d features, link %s\n", *out, m.Classes, m.Features, m.Link)
	return nil
}
