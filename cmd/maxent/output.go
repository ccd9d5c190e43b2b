package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/seed7bc074a2/maxent/kernel"
)

// tempPrefix starts the name of the temporary file a model is written to
// before it is renamed over its target.
const tempPrefix = ".maxent-model-"

// runStart is when this process started: temporary model files older than
// it were left by a run that was killed, and are removed.
var runStart = time.Now()

// createTemp creates a new temporary model file in dir. Unlike
// os.CreateTemp (mode 0600) it asks for mode 0666, so that the model ends
// up with the permissions the umask gives any other new file.
func createTemp(dir string) (*os.File, error) {
	for range 100 {
		name := filepath.Join(dir, fmt.Sprintf("%s%016x", tempPrefix, rand.Uint64()))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("%s: cannot create a temporary file", dir)
}

// removeStaleTemps removes the temporary model files in dir that a killed
// run left behind: only names with tempPrefix, only regular files last
// modified before this run started.
func removeStaleTemps(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), tempPrefix) || !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.ModTime().Before(runStart) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// checkOutput makes sure that a model can be written to path before any
// work is done: path is not a directory and its directory takes a new file.
func checkOutput(path string) error {
	if path == "" {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("-o %s: is a directory", path)
	}
	dir := filepath.Dir(path)
	removeStaleTemps(dir)
	f, err := createTemp(dir)
	if err != nil {
		return fmt.Errorf("-o %s: the model could not be written there: %w", path, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// writeModel writes m to path atomically and durably (writeFileDurably).
func writeModel(path string, m *kernel.Model) error {
	return writeFileDurably(path, "model", func(w io.Writer) error {
		_, err := m.WriteTo(w)
		return err
	})
}

// syncDir makes a rename in dir durable. File systems that cannot sync a
// directory (EINVAL) are left as they are.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("writing model: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("writing model: syncing %s: %w", dir, err)
	}
	return nil
}
