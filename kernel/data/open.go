package data

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// StdinName is the Source of a data set read from standard input by Open,
// and the name in its errors.
const StdinName = "<stdin>"

// Open loads the data set at path. format is "csv", "libsvm" (or "svm",
// "svmlight"), "idx", or "" to detect it from the path:
//
//   - a directory is IDX: its train-images-idx3-ubyte[.gz] and
//     train-labels-idx1-ubyte[.gz] are read (see OpenIDXDir for the test set);
//   - a name ending in ".csv" is CSV;
//   - a name ending in ".svm", ".libsvm" or ".txt" is LIBSVM;
//   - a name containing "images-idx3-ubyte" is an IDX images file, whose
//     labels file is the one beside it with "labels-idx1-ubyte" instead
//     (with or without ".gz"; naming the labels file works too). With
//     csv.NoLabel the images file is read alone (data to predict), and
//     the labels file need not exist.
//
// The path "-" is standard input, read by OpenReader (the format, if not
// given, is detected from the content) with the name StdinName.
//
// A ".gz" suffix is ignored for detection: every format is decompressed
// transparently. csv configures CSV files; LIBSVM files and IDX files named
// by their path use only its NoLabel. The Dataset's Source is path (for IDX,
// the images file's), and its Format the format read.
func Open(path, format string, csv CSVOptions) (*Dataset, error) {
	if path == "-" {
		return OpenReader(os.Stdin, StdinName, format, csv)
	}
	if format == "" {
		var err error
		if format, err = detectFormat(path); err != nil {
			return nil, err
		}
	}
	switch normalFormat(format) {
	case "csv":
		return readFile(path, func(f *os.File) (*Dataset, error) { return ReadCSV(f, path, csv) })
	case "libsvm":
		opt := LIBSVMOptions{NoLabel: csv.NoLabel, Sparse: csv.Sparse}
		return readFile(path, func(f *os.File) (*Dataset, error) { return ReadLIBSVM(f, path, opt) })
	case "idx":
		if fi, err := os.Stat(path); err == nil && fi.IsDir() {
			return openIDXPair(path, "train")
		}
		images, labels, err := idxPairOf(path, csv.NoLabel)
		if err != nil {
			return nil, err
		}
		return openIDXFiles(images, labels)
	}
	return nil, fmt.Errorf("%s: unknown data format %q (want csv, libsvm or idx)", path, format)
}

// normalFormat returns the canonical name of a format name ("csv",
// "libsvm" or "idx"), or "" if it is none.
func normalFormat(format string) string {
	switch f := strings.ToLower(format); f {
	case "csv", "idx":
		return f
	case "libsvm", "svm", "svmlight":
		return "libsvm"
	}
	return ""
}

// OpenReader loads a data set from r, a stream such as standard input;
// name is its Source and the file name in errors. format is as for Open;
// if it is "", the format is detected from the content (after
// decompressing gzip data, recognised by its magic bytes):
//
//   - an IDX magic number (0x00000803) at the start is IDX images;
//   - otherwise the first line that is neither blank nor a '#' comment and
//     tells decides: LIBSVM if its blank-separated tokens, but for a first
//     one without ':' (the label), are index:value pairs with numeric
//     values ("qid:N" tokens allowed); CSV if it has the separator
//     (opt.Comma, ',' by default). Lines that tell neither (a lone number:
//     a LIBSVM row without features or a CSV row of one field) are passed
//     over; if no line in the first 64 KiB tells, it is an error asking for
//     the format.
//
// A single stream holds one IDX file, so IDX is read only with opt.NoLabel:
// the images alone, as data to predict. opt configures CSV; LIBSVM uses
// only its NoLabel.
func OpenReader(r io.Reader, name, format string, opt CSVOptions) (*Dataset, error) {
	f := normalFormat(format)
	if format != "" && f == "" {
		return nil, fmt.Errorf("%s: unknown data format %q (want csv, libsvm or idx)", name, format)
	}
	if f == "" {
		br, err := openStream(r, name)
		if err != nil {
			return nil, err
		}
		sep, err := separator(opt.Comma)
		if err != nil {
			return nil, &ParseError{File: name, Err: err}
		}
		head, err := br.Peek(bufSize)
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return nil, &ParseError{File: name, Err: err}
		}
		if f = sniffFormat(head, sep, len(head) < bufSize); f == "" {
			if len(bytes.TrimSpace(head)) == 0 {
				return nil, &ParseError{File: name, Err: ErrNoData}
			}
			return nil, errorf(name, 0, 0, "cannot detect the data format from the content: give it (csv, libsvm or idx)")
		}
		r = br
	}
	switch f {
	case "csv":
		return ReadCSV(r, name, opt)
	case "libsvm":
		return ReadLIBSVM(r, name, LIBSVMOptions{NoLabel: opt.NoLabel, Sparse: opt.Sparse})
	}
	if !opt.NoLabel {
		return nil, errorf(name, 0, 0, "IDX data on one stream has no labels (they are in a file of their own): read it as data to predict (NoLabel), or open the files by name")
	}
	if br, ok := r.(*bufio.Reader); ok {
		if magic, _ := br.Peek(4); len(magic) == 4 && binary.BigEndian.Uint32(magic) == idxLabelsMagic {
			return nil, errorf(name, 0, 0, "an IDX labels file (magic 0x%08x) has no features: give the images file", idxLabelsMagic)
		}
	}
	return readIDX(r, name, nil, "", name)
}

// sniffFormat returns the format that the start of a stream, head, shows
// (see OpenReader), or "" if it does not tell. complete says head is the
// whole stream; otherwise its last line may be cut short.
func sniffFormat(head, sep []byte, complete bool) string {
	if len(head) >= 4 {
		switch binary.BigEndian.Uint32(head) {
		case idxImagesMagic, idxLabelsMagic:
			return "idx"
		}
	}
	for len(head) > 0 {
		line, rest, found := bytes.Cut(head, []byte{'\n'})
		head = rest
		cut := !found && !complete // the line may go on
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if libsvmLine(line, cut) {
			return "libsvm"
		}
		if bytes.Contains(line, sep) && !bytes.HasPrefix(bytes.TrimLeft(line, " \t"), []byte{'#'}) {
			return "csv"
		}
	}
	return ""
}

// libsvmLine reports whether line looks like a LIBSVM line with at least
// one feature: an optional label token without ':', then index:value
// pairs ("qid:N" allowed), then maybe a '#' comment. If cut, its last token
// may be incomplete and is not looked at.
func libsvmLine(line []byte, cut bool) bool {
	if i := bytes.IndexByte(line, '#'); i >= 0 {
		line, cut = line[:i], false
	}
	toks := bytes.Fields(line)
	if cut && len(toks) > 0 {
		toks = toks[:len(toks)-1]
	}
	pairs := 0
	for k, tok := range toks {
		idx, val, ok := bytes.Cut(tok, []byte{':'})
		if !ok {
			if k == 0 {
				continue // the label
			}
			return false
		}
		if string(idx) == "qid" {
			continue
		}
		if _, ok := parseIndex(idx); !ok {
			return false
		}
		if _, err := parseValue(val); err != nil {
			return false
		}
		pairs++
	}
	return pairs > 0
}

// OpenIDXDir loads the MNIST / Fashion-MNIST layout of directory dir: the
// training set from train-images-idx3-ubyte and train-labels-idx1-ubyte, the
// test set from t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each
// possibly gzipped (".gz") and with '.' accepted instead of the '-' before
// "idx" ("train-images.idx3-ubyte").
func OpenIDXDir(dir string) (train, test *Dataset, err error) {
	if train, err = openIDXPair(dir, "train"); err != nil {
		return nil, nil, err
	}
	if test, err = openIDXPair(dir, "t10k"); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// detectFormat guesses the format of path from its name, or "idx" for a
// directory.
func detectFormat(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if fi.IsDir() {
		return "idx", nil
	}
	base := strings.ToLower(strings.TrimSuffix(filepath.Base(path), ".gz"))
	switch {
	case strings.HasSuffix(base, ".csv"):
		return "csv", nil
	case strings.HasSuffix(base, ".svm"), strings.HasSuffix(base, ".libsvm"), strings.HasSuffix(base, ".txt"):
		return "libsvm", nil
	case strings.Contains(base, "idx3-ubyte"), strings.Contains(base, "idx1-ubyte"):
		return "idx", nil
	}
	return "", fmt.Errorf("%s: cannot detect the data format from the name (want .csv, .svm, .libsvm, .txt, *-images-idx3-ubyte or a directory; or give the format)", path)
}

// readFile opens path and reads it with read.
func readFile(path string, read func(*os.File) (*Dataset, error)) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return read(f)
}

// idxPairOf returns the images and labels files of an IDX pair given
// either of them; with noLabel, the images file alone (labels is "").
func idxPairOf(path string, noLabel bool) (images, labels string, err error) {
	dir, base := filepath.Split(path)
	for _, sep := range []string{"-", "."} {
		img, lbl := "images"+sep+"idx3-ubyte", "labels"+sep+"idx1-ubyte"
		var other string
		switch {
		case strings.Contains(base, img):
			if noLabel {
				return path, "", nil
			}
			other = strings.Replace(base, img, lbl, 1)
			images = path
		case strings.Contains(base, lbl):
			other = strings.Replace(base, lbl, img, 1)
			labels = path
		default:
			continue
		}
		// The partner may differ in compression.
		cands := []string{other, other + ".gz"}
		if trimmed, ok := strings.CutSuffix(other, ".gz"); ok {
			cands = []string{other, trimmed}
		}
		found := findFile(dir, cands)
		if found == "" {
			return "", "", fmt.Errorf("%s: IDX partner file %s not found", path, filepath.Join(dir, other))
		}
		if images == "" {
			images = found
		} else {
			labels = found
		}
		if noLabel {
			labels = ""
		}
		return images, labels, nil
	}
	return "", "", fmt.Errorf("%s: IDX file name contains neither images-idx3-ubyte nor labels-idx1-ubyte", path)
}

// openIDXPair reads the prefix ("train" or "t10k") images and labels of
// IDX directory dir.
func openIDXPair(dir, prefix string) (*Dataset, error) {
	var paths [2]string
	for k, kind := range []string{"images-idx3-ubyte", "labels-idx1-ubyte"} {
		var cands []string
		for _, sep := range []string{"-", "."} {
			name := prefix + "-" + strings.Replace(kind, "-", sep, 1)
			cands = append(cands, name+".gz", name)
		}
		if paths[k] = findFile(dir, cands); paths[k] == "" {
			return nil, fmt.Errorf("%s: no %s-%s[.gz] in the directory", dir, prefix, kind)
		}
	}
	return openIDXFiles(paths[0], paths[1])
}

// findFile returns the path of the first of names that is a regular file in
// dir, or "".
func findFile(dir string, names []string) string {
	for _, name := range names {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// openIDXFiles reads the IDX images and labels files at the given paths,
// or the images alone if labels is "".
func openIDXFiles(images, labels string) (*Dataset, error) {
	fi, err := os.Open(images)
	if err != nil {
		return nil, err
	}
	defer fi.Close()
	if labels == "" {
		return readIDX(fi, images, nil, "", images)
	}
	fl, err := os.Open(labels)
	if err != nil {
		return nil, err
	}
	defer fl.Close()
	return readIDX(fi, images, fl, labels, images)
}
