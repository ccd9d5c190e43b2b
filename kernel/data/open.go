package data

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Open loads the data set at path. format is "csv", "libsvm" (or "svm"),
// "idx", or "" to detect it from the path:
//
//   - a directory is IDX: its train-images-idx3-ubyte[.gz] and
//     train-labels-idx1-ubyte[.gz] are read (see OpenIDXDir for the test set);
//   - a name ending in ".csv" is CSV;
//   - a name ending in ".svm", ".libsvm" or ".txt" is LIBSVM;
//   - a name containing "images-idx3-ubyte" is an IDX images file, whose
//     labels file is the one beside it with "labels-idx1-ubyte" instead
//     (with or without ".gz"; naming the labels file works too).
//
// A ".gz" suffix is ignored for detection: every format is decompressed
// transparently. csv configures CSV files; for LIBSVM files only its NoLabel
// is used, and IDX files ignore it. The Dataset's Source is path.
func Open(path, format string, csv CSVOptions) (*Dataset, error) {
	if format == "" {
		var err error
		if format, err = detectFormat(path); err != nil {
			return nil, err
		}
	}
	switch strings.ToLower(format) {
	case "csv":
		return readFile(path, func(f *os.File) (*Dataset, error) { return ReadCSV(f, path, csv) })
	case "libsvm", "svm", "svmlight":
		opt := LIBSVMOptions{NoLabel: csv.NoLabel}
		return readFile(path, func(f *os.File) (*Dataset, error) { return ReadLIBSVM(f, path, opt) })
	case "idx":
		if fi, err := os.Stat(path); err == nil && fi.IsDir() {
			return openIDXPair(path, "train")
		}
		images, labels, err := idxPairOf(path)
		if err != nil {
			return nil, err
		}
		return openIDXFiles(images, labels)
	}
	return nil, fmt.Errorf("%s: unknown data format %q (want csv, libsvm or idx)", path, format)
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
// either of them.
func idxPairOf(path string) (images, labels string, err error) {
	dir, base := filepath.Split(path)
	for _, sep := range []string{"-", "."} {
		img, lbl := "images"+sep+"idx3-ubyte", "labels"+sep+"idx1-ubyte"
		var other string
		switch {
		case strings.Contains(base, img):
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

// openIDXFiles reads the IDX images and labels files at the given paths.
func openIDXFiles(images, labels string) (*Dataset, error) {
	fi, err := os.Open(images)
	if err != nil {
		return nil, err
	}
	defer fi.Close()
	fl, err := os.Open(labels)
	if err != nil {
		return nil, err
	}
	defer fl.Close()
	return readIDX(fi, images, fl, labels, images)
}
