package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/seed7bc074a2/maxent/kernel"
	"github.com/seed7bc074a2/maxent/kernel/data"
)

// inputFlags are the flags that say how to read a data file.
type inputFlags struct {
	path, format, header, sparse string
	maxMemory                    string
	label                        int
	noLabel                      bool
}

func (f *inputFlags) register(fs *flag.FlagSet, pathHelp string, predict bool) {
	fs.StringVar(&f.path, "data", "", pathHelp)
	fs.StringVar(&f.format, "format", "", "data format: csv, libsvm, idx, text (label<TAB>text lines) or fasttext (__label__name text lines) (default: detected from the path, and for .txt, .tsv, other names and standard input from the content; a directory is IDX: train reads its train files, eval and predict its t10k test files)")
	fs.IntVar(&f.label, "label", -1, "CSV label column, 1-based; negative counts from the end (-1 = last)")
	fs.StringVar(&f.header, "header", "auto", "CSV header line: auto, yes or no")
	fs.StringVar(&f.maxMemory, "max-memory", "", "memory budget such as 8G: data that would not fit (and, for train, a model and its copies that would not) is an error before anything is allocated (default: the memory this process may use: MemAvailable, ulimit -v, cgroup limits)")
	fs.StringVar(&f.sparse, "sparse", "auto", "LIBSVM rows: auto (sparse when dense rows would take over 4× the memory), on or off")
	if predict {
		fs.BoolVar(&f.noLabel, "nolabel", false, "the CSV or LIBSVM data has no label column; text: each line is a document (fastText lines may then lack __label__)")
	}
}

func (f *inputFlags) csvOptions() (data.CSVOptions, error) {
	opt := data.CSVOptions{LabelCol: f.label, NoLabel: f.noLabel}
	switch f.header {
	case "auto":
		opt.Header = data.HeaderAuto
	case "yes":
		opt.Header = data.HeaderYes
	case "no":
		opt.Header = data.HeaderNo
	default:
		return opt, fmt.Errorf("-header %q: want auto, yes or no", f.header)
	}
	if f.label == 0 {
		return opt, fmt.Errorf("-label 0: columns are numbered from 1 (or from -1 at the end)")
	}
	if err := setMaxMemory(f.maxMemory); err != nil {
		return opt, err
	}
	var err error
	if opt.Sparse, err = data.ParseSparseMode(f.sparse); err != nil {
		return opt, fmt.Errorf("-sparse: %w", err)
	}
	return opt, nil
}

// open loads f.path with f's options.
func (f *inputFlags) open() (*data.Dataset, error) {
	opt, err := f.csvOptions()
	if err != nil {
		return nil, err
	}
	if f.path == "-" { // through stdinReader: textFormat may have looked at its start
		return data.OpenReader(stdinReader(), data.StdinName, f.format, opt)
	}
	return data.Open(f.path, f.format, opt)
}

// openHeldOut loads f.path for eval and predict. An IDX directory holds a
// training and a test set: a model is evaluated on, or applied to, the test
// set (the t10k files), never silently to the rows it was trained on; a
// note on w names the files.
func (f *inputFlags) openHeldOut(w io.Writer) (*data.Dataset, error) {
	if isDir(f.path) && (f.format == "" || strings.EqualFold(f.format, "idx")) {
		for _, name := range []string{"t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte.gz", "t10k-images.idx3-ubyte"} {
			p := filepath.Join(f.path, name)
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				fmt.Fprintf(w, "%s is an IDX directory: using its test set %s (name a file to use another)\n", f.path, p)
				return data.Open(p, "idx", data.CSVOptions{})
			}
		}
		return nil, fmt.Errorf("%s: an IDX directory without t10k-images-idx3-ubyte[.gz]: name the images file to use", f.path)
	}
	return f.open()
}

// fitWidth makes d have exactly want feature columns. Sparse LIBSVM files
// only know their largest index, so a test file may be narrower than the
// model: it is padded with zero columns. Any other mismatch is an error.
func (f *inputFlags) fitWidth(d *data.Dataset, want int) error {
	have := d.Features()
	if d.Sparse != nil {
		return d.SetFeatures(want)
	}
	if have == want {
		return nil
	}
	if have > want || d.Format != "libsvm" {
		return fmt.Errorf("%s has %d features, the model has %d", d.Source, have, want)
	}
	x := kernel.NewMatrix(d.X.Rows, want)
	for i := 0; i < d.X.Rows; i++ {
		copy(x.Row(i), d.X.Row(i))
	}
	d.X = x
	return nil
}

// modelLabels returns the class names of m, "0".."k-1" when it has none.
func modelLabels(m *kernel.Model) []string {
	if m.Labels != nil {
		return m.Labels
	}
	l := make([]string, m.Classes)
	for i := range l {
		l[i] = m.Label(i)
	}
	return l
}
