package data

import (
	"bytes"
	"fmt"
	"io"
	"math"

	"github.com/seed7bc074a2/maxent/kernel"
)

// LIBSVMOptions configures ReadLIBSVM. The zero value reads labelled data
// with as many features as the largest index.
type LIBSVMOptions struct {
	// Features, if positive, is the number of feature columns, and an
	// index above it is an error; use it to read a test file with the
	// training set's width. If 0, the data set has as many columns as the
	// largest index in the file, and a file without any index:value pair
	// is an error.
	Features int
	// NoLabel says lines have no label token, only index:value pairs (data
	// to predict); the Dataset's Y and Labels are nil.
	NoLabel bool
	// Sparse chooses dense rows (Dataset.X) or sparse ones
	// (Dataset.Sparse).
	Sparse SparseMode
}

// SparseMode says how LIBSVM rows are stored.
type SparseMode int

const (
	// SparseAuto stores the rows sparse when the dense matrix would take
	// more than sparseFactor times the sparse form's memory, or would not
	// fit the memory budget, and dense otherwise: narrow data gets the
	// dense kernels, wide data (text, hashed or one-hot features) never
	// allocates rows × columns.
	SparseAuto SparseMode = iota
	// SparseAlways stores the rows in compressed-sparse-row form.
	SparseAlways
	// SparseNever stores them dense.
	SparseNever
)

// sparseFactor: SparseAuto makes the rows sparse when dense ones would
// take more than this many times the memory (8 bytes per non-zero and per
// row against 4 per element): below about 1/8 of the elements non-zero.
const sparseFactor = 4

// ParseSparseMode returns the mode named "auto", "on" (or "sparse") or
// "off" (or "dense").
func ParseSparseMode(name string) (SparseMode, error) {
	switch name {
	case "auto", "":
		return SparseAuto, nil
	case "on", "sparse":
		return SparseAlways, nil
	case "off", "dense":
		return SparseNever, nil
	}
	return 0, fmt.Errorf("sparse mode %q: want auto, on or off", name)
}

// SparseBytes returns the memory of a CSR matrix of rows rows and nnz
// non-zeros: 8 bytes per non-zero (index and value) and per row.
func SparseBytes(rows, nnz int) int64 { return 8*int64(nnz) + 8*int64(rows+1) }

// ReadLIBSVM reads the sparse LIBSVM / SVMlight text format:
//
//	label index:value index:value ... # comment
//
// Indices are 1-based and strictly increasing within a line; missing
// features are 0. Blank lines and lines starting with '#' are skipped, text
// after '#' is a comment, and "qid:N" tokens are ignored. Numeric labels are
// written canonically ("+1" and "1.0" both become "1", "1.50" becomes
// "1.5", "1000000" stays as it is), other labels are kept as they are.
// Gzip-compressed input is detected and decompressed. name is used in error
// messages. A file in which no line has a feature is an error ("no feature
// columns") unless opt.Features gives the width: its rows are then rows of
// zeros.
func ReadLIBSVM(r io.Reader, name string, opt LIBSVMOptions) (*Dataset, error) {
	if opt.Features < 0 {
		return nil, errorf(name, 0, 0, "negative Features %d", opt.Features)
	}
	lr, err := newLineReader(r, name)
	if err != nil {
		return nil, err
	}
	var (
		cols    []int32   // feature index (0-based) of each stored value
		vals    []float32 // the values
		rowEnd  []int     // end of each row in cols/vals
		maxIdx  int
		ls      labelSet
		scratch []byte
	)
	for {
		line, ok := lr.next()
		if !ok {
			break
		}
		if i := bytes.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		field, prev, labelled := 0, 0, opt.NoLabel
		for len(line) > 0 {
			var tok []byte
			tok, line = nextToken(line)
			if len(tok) == 0 {
				break
			}
			field++
			colon := bytes.IndexByte(tok, ':')
			if !labelled {
				if colon >= 0 {
					return nil, errorf(name, lr.line, field, "missing label: %q is a feature (use NoLabel for unlabelled data)", tok)
				}
				scratch = canonicalLabel(scratch[:0], tok)
				ls.add(scratch)
				labelled = true
				continue
			}
			if bytes.HasPrefix(tok, []byte("qid:")) {
				continue
			}
			if colon < 0 {
				return nil, errorf(name, lr.line, field, "%q is not index:value", tok)
			}
			idx, ok := parseIndex(tok[:colon])
			if !ok {
				return nil, errorf(name, lr.line, field, "bad index %q", tok[:colon])
			}
			if idx == 0 {
				return nil, errorf(name, lr.line, field, "index 0: indices are 1-based")
			}
			if idx <= prev {
				return nil, errorf(name, lr.line, 0, "index %d after %d: indices must increase", idx, prev)
			}
			if opt.Features > 0 && idx > opt.Features {
				return nil, errorf(name, lr.line, field, "index %d exceeds Features = %d", idx, opt.Features)
			}
			v, err := parseValue(tok[colon+1:])
			if err != nil {
				return nil, &ParseError{File: name, Line: lr.line, Field: field, Err: err}
			}
			prev = idx
			cols = append(cols, int32(idx-1))
			vals = append(vals, v)
		}
		if field == 0 {
			continue // blank or comment line
		}
		maxIdx = max(maxIdx, prev)
		rowEnd = append(rowEnd, len(cols))
	}
	if lr.err != nil {
		return nil, lr.err
	}
	n := len(rowEnd)
	if n == 0 {
		return nil, &ParseError{File: name, Err: ErrNoData}
	}
	m := max(maxIdx, opt.Features)
	if m == 0 {
		return nil, errorf(name, 0, 0, "no feature columns: no line has an index:value pair (set Features to read such a file)")
	}
	if chooseSparse(opt.Sparse, n, m, len(cols)) {
		if err := checkMemory(SparseBytes(n, len(cols)), fmt.Sprintf("the sparse rows (%d rows, %d non-zeros)", n, len(cols)), "use fewer rows, or fewer features per row"); err != nil {
			return nil, &ParseError{File: name, Err: err}
		}
		ptr := make([]int, n+1)
		copy(ptr[1:], rowEnd)
		x, err := kernel.NewCSR(n, m, ptr, cols, vals)
		if err != nil { // cannot happen: the parser checked the indices
			return nil, &ParseError{File: name, Err: err}
		}
		d := &Dataset{X: kernel.Matrix{Rows: n, Cols: m}, Sparse: &x, Source: name, Format: "libsvm"}
		if !opt.NoLabel {
			d.Y, d.Labels = ls.finish()
		}
		return d, nil
	}
	// The rows were read into a compact form; the dense matrix is checked
	// against the budget before it is allocated.
	const hint = "LIBSVM rows are made dense, as wide as the largest feature index: read them sparse, check the indices, or number the features from 1 without gaps"
	if err := checkMemory(DenseBytes(n, m), denseWhat(n, m, (m+15)&^15, false), hint); err != nil {
		return nil, &ParseError{File: name, Err: err}
	}
	if stride := (m + 15) &^ 15; stride > maxElems/n {
		return nil, errorf(name, 0, 0, "%v: %d rows × %d features", errTooLarge, n, m)
	}
	x := kernel.NewMatrix(n, m)
	start := 0
	for i, end := range rowEnd {
		row := x.Row(i)
		for k := start; k < end; k++ {
			row[cols[k]] = vals[k]
		}
		start = end
	}
	d := &Dataset{X: x, Source: name, Format: "libsvm"}
	if !opt.NoLabel {
		d.Y, d.Labels = ls.finish()
	}
	return d, nil
}

// chooseSparse reports whether rows x m with nnz non-zeros are stored
// sparse in mode.
func chooseSparse(mode SparseMode, n, m, nnz int) bool {
	switch mode {
	case SparseAlways:
		return true
	case SparseNever:
		return false
	}
	dense, sparse := DenseBytes(n, m), SparseBytes(n, nnz)
	if dense > sparseFactor*sparse {
		return true
	}
	budget, _, ok := MemoryBudget()
	return ok && dense > budget && sparse <= budget
}

// nextToken returns the first blank-separated token of s and the rest.
func nextToken(s []byte) (tok, rest []byte) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	j := i
	for j < len(s) && s[j] != ' ' && s[j] != '\t' {
		j++
	}
	return s[i:j], s[j:]
}

// parseIndex parses a decimal feature index no larger than math.MaxInt32.
func parseIndex(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 10 {
		return 0, false
	}
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, v <= math.MaxInt32
}
