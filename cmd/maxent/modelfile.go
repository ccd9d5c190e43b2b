package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/seed7bc074a2/maxent/kernel"
	"github.com/seed7bc074a2/maxent/kernel/onnx"
)

// readModel loads a model for eval and predict: a maxent model file, an
// ONNX model of a linear classifier (by its .onnx extension, or a file that
// starts as ONNX files do), or the scikit-learn JSON of "maxent import
// -sklearn" (.json).
func readModel(path string) (*kernel.Model, error) {
	if path == "" {
		return nil, errors.New("-model is required")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	head, _ := r.Peek(8)
	ext := strings.ToLower(filepath.Ext(path))
	var m *kernel.Model
	switch {
	case string(head) == "MAXENTMD":
		m, err = kernel.ReadModel(r)
	case ext == ".onnx" || (len(head) > 0 && head[0] == 0x08): // ONNX: field 1 (ir_version), a varint
		m, err = onnx.Read(r)
	case ext == ".json":
		m, err = onnx.ReadSklearn(r)
	default:
		m, err = kernel.ReadModel(r)
		if err != nil {
			err = fmt.Errorf("%w (ONNX models need the extension .onnx, scikit-learn JSON .json)", err)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// writeFileDurably writes what write produces to path atomically and
// durably: to a temporary file in the same directory (mode from the
// umask), synced, renamed over path only when complete, the directory
// synced, so that a crash or an error leaves either the old file or the
// whole new one. what names the file in errors ("writing what: ...").
func writeFileDurably(path, what string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	removeStaleTemps(dir)
	f, err := createTemp(dir)
	if err != nil {
		return fmt.Errorf("writing %s: %w", what, err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", what, err)
	}
	return syncDir(dir)
}
