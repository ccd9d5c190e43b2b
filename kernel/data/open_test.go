package data

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOpenDetect(t *testing.T) {
	dir := t.TempDir()
	csv := []byte("f1,f2,label\n1,2,a\n3,4,b\n5,6,a\n")
	svm := []byte("1 1:1 2:2\n2 3:1\n3 1:4\n")
	p := func(name string) string { return filepath.Join(dir, name) }
	writeFile(t, p("a.csv"), csv)
	writeFile(t, p("a.CSV.gz"), gz(csv))
	writeFile(t, p("b.svm"), svm)
	writeFile(t, p("b.libsvm.gz"), gz(svm))
	writeFile(t, p("b.txt"), svm)
	writeFile(t, p("a.dat"), csv)
	writeFile(t, p("mnist/train-images-idx3-ubyte.gz"), gz(idxImages(3, 2, 2, testPix)))
	writeFile(t, p("mnist/train-labels-idx1-ubyte"), idxLabels(1, 2, 1))
	writeFile(t, p("mnist/t10k-images.idx3-ubyte"), idxImages(2, 2, 2, testPix))
	writeFile(t, p("mnist/t10k-labels.idx1-ubyte.gz"), gz(idxLabels(2, 2)))

	for _, tc := range []struct {
		path, format  string
		rows, feats   int
		labels        int
		source        string
		wantNilLabels bool
	}{
		{"a.csv", "", 3, 2, 2, "a.csv", false},
		{"a.CSV.gz", "", 3, 2, 2, "a.CSV.gz", false},
		{"b.svm", "", 3, 3, 3, "b.svm", false},
		{"b.libsvm.gz", "", 3, 3, 3, "b.libsvm.gz", false},
		{"b.txt", "", 3, 3, 3, "b.txt", false},
		{"a.dat", "csv", 3, 2, 2, "a.dat", false},
		{"a.dat", "CSV", 3, 2, 2, "a.dat", false},
		{"b.txt", "svm", 3, 3, 3, "b.txt", false},
		{"mnist", "", 3, 4, 2, "mnist/train-images-idx3-ubyte.gz", false},
		{"mnist", "idx", 3, 4, 2, "mnist/train-images-idx3-ubyte.gz", false},
		{"mnist/train-images-idx3-ubyte.gz", "", 3, 4, 2, "mnist/train-images-idx3-ubyte.gz", false},
		{"mnist/train-labels-idx1-ubyte", "", 3, 4, 2, "mnist/train-images-idx3-ubyte.gz", false},
		{"mnist/t10k-images.idx3-ubyte", "", 2, 4, 1, "mnist/t10k-images.idx3-ubyte", false},
	} {
		t.Run(tc.path+"/"+tc.format, func(t *testing.T) {
			d, err := Open(p(tc.path), tc.format, CSVOptions{})
			if err != nil {
				t.Fatal(err)
			}
			checkDataset(t, d)
			if d.Len() != tc.rows || d.Features() != tc.feats || len(d.Labels) != tc.labels || d.Source != p(tc.source) {
				t.Errorf("got %d×%d, %d labels, source %q; want %d×%d, %d, %q",
					d.Len(), d.Features(), len(d.Labels), d.Source, tc.rows, tc.feats, tc.labels, p(tc.source))
			}
		})
	}

	// NoLabel reaches LIBSVM files.
	writeFile(t, p("pred.svm"), []byte("1:1\n2:2\n"))
	d, err := Open(p("pred.svm"), "", CSVOptions{NoLabel: true})
	if err != nil || d.Y != nil || d.Features() != 2 {
		t.Errorf("pred.svm: %v, %+v", err, d)
	}

	// Errors name the file.
	_, err = Open(p("a.dat"), "", CSVOptions{})
	wantErr(t, err, p("a.dat"), "cannot detect the data format")
	_, err = Open(p("a.csv"), "parquet", CSVOptions{})
	wantErr(t, err, p("a.csv"), `unknown data format "parquet"`)
	_, err = Open(p("missing.csv"), "", CSVOptions{})
	wantErr(t, err, p("missing.csv"))
	writeFile(t, p("bad.csv"), []byte("1,2,a\n1,b,c\n"))
	_, err = Open(p("bad.csv"), "", CSVOptions{})
	wantErr(t, err, p("bad.csv")+`:2: field 2: parsing "b": invalid syntax`)
	writeFile(t, p("lone/x-images-idx3-ubyte"), idxImages(1, 1, 1, testPix))
	_, err = Open(p("lone/x-images-idx3-ubyte"), "", CSVOptions{})
	wantErr(t, err, "IDX partner file", "x-labels-idx1-ubyte not found")
	_, err = Open(p("lone"), "", CSVOptions{})
	wantErr(t, err, p("lone"), "no train-images-idx3-ubyte[.gz]")
	writeFile(t, p("badidx/train-images-idx3-ubyte"), idxImages(3, 2, 2, testPix))
	writeFile(t, p("badidx/train-labels-idx1-ubyte"), idxLabels(1, 2))
	_, err = Open(p("badidx"), "", CSVOptions{})
	wantErr(t, err, p("badidx/train-images-idx3-ubyte")+": 2 labels for 3 images")
}

func TestOpenIDXDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "train-images-idx3-ubyte.gz"), gz(idxImages(3, 2, 2, testPix)))
	writeFile(t, filepath.Join(dir, "train-labels-idx1-ubyte.gz"), gz(idxLabels(1, 2, 1)))
	_, _, err := OpenIDXDir(dir)
	wantErr(t, err, "no t10k-images-idx3-ubyte[.gz]")
	writeFile(t, filepath.Join(dir, "t10k-images-idx3-ubyte"), idxImages(2, 2, 2, testPix))
	writeFile(t, filepath.Join(dir, "t10k-labels-idx1-ubyte"), idxLabels(0, 2))
	train, test, err := OpenIDXDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkDataset(t, train)
	checkDataset(t, test)
	if train.Len() != 3 || test.Len() != 2 || train.Features() != 4 || test.Features() != 4 {
		t.Errorf("train %d×%d, test %d×%d", train.Len(), train.Features(), test.Len(), test.Features())
	}
}

func TestFashionMNIST(t *testing.T) {
	const dir = "/usr/share/datasets/fashion-mnist"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("%s not installed (apt-get install dataset-fashion-mnist)", dir)
	}
	if testing.Short() {
		t.Skip("short mode")
	}
	train, test, err := OpenIDXDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 60000 || train.Features() != 784 || test.Len() != 10000 || test.Features() != 784 {
		t.Fatalf("train %d×%d, test %d×%d", train.Len(), train.Features(), test.Len(), test.Features())
	}
	want := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	for _, d := range []*Dataset{train, test} {
		if len(d.Labels) != 10 || d.Labels[0] != want[0] || d.Labels[9] != want[9] {
			t.Errorf("%s: Labels = %q", d.Source, d.Labels)
		}
		if len(d.Y) != d.Len() {
			t.Errorf("%s: len(Y) = %d", d.Source, len(d.Y))
		}
	}
}

// TestOpenReader is issue 15's sixth case: a data set from a stream, its
// format given or detected from the content.
func TestOpenReader(t *testing.T) {
	csv := "f1,f2,label\n1,2,a\n3,4,b\n5,6,a\n"
	svm := "# made by hand\n\n3\n1 1:1 2:2 # c\n2 qid:1 3:1\n3 1:4\n"
	img := idxImages(3, 2, 2, testPix)
	for _, tc := range []struct {
		name, in, format string
		opt              CSVOptions
		wantFormat       string
		rows, feats      int
		labelled         bool
	}{
		{"csv", csv, "", CSVOptions{}, "csv", 3, 2, true},
		{"csv gzip", string(gz([]byte(csv))), "", CSVOptions{}, "csv", 3, 2, true},
		{"csv given", csv, "CSV", CSVOptions{}, "csv", 3, 2, true},
		{"csv semicolons", "1;2;a\n3;4;b\n", "", CSVOptions{Comma: ';'}, "csv", 2, 2, true},
		{"tsv", "1\t2\ta\n", "", CSVOptions{Comma: '\t'}, "csv", 1, 2, true},
		{"libsvm", svm, "", CSVOptions{}, "libsvm", 4, 3, true},
		{"libsvm gzip", string(gz([]byte(svm))), "", CSVOptions{}, "libsvm", 4, 3, true},
		{"libsvm given", svm, "svm", CSVOptions{}, "libsvm", 4, 3, true},
		{"libsvm no label", "1:1 3:3\n2:2\n", "", CSVOptions{NoLabel: true}, "libsvm", 2, 3, false},
		{"libsvm tabs", "1\t1:0.5\t2:1e3\n", "", CSVOptions{Comma: '\t'}, "libsvm", 1, 2, true},
		{"idx images", string(img), "", CSVOptions{NoLabel: true}, "idx", 3, 4, false},
		{"idx images gzip", string(gz(img)), "", CSVOptions{NoLabel: true}, "idx", 3, 4, false},
		{"idx given", string(img), "idx", CSVOptions{NoLabel: true}, "idx", 3, 4, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := OpenReader(strings.NewReader(tc.in), "in", tc.format, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			checkDataset(t, d)
			if d.Len() != tc.rows || d.Features() != tc.feats || d.Format != tc.wantFormat || d.Source != "in" || (d.Y != nil) != tc.labelled {
				t.Errorf("got %d×%d %s from %q, labelled %v", d.Len(), d.Features(), d.Format, d.Source, d.Y != nil)
			}
		})
	}
	for _, tc := range []struct {
		name, in, format string
		opt              CSVOptions
		want             string
	}{
		{"undecided", "5\n6\n\n7\n", "", CSVOptions{}, "in: cannot detect the data format from the content: give it (csv, libsvm or idx)"},
		{"comments only", "# a, b\n", "", CSVOptions{}, "in: cannot detect the data format"},
		{"empty", "", "", CSVOptions{}, "in: no data rows"},
		{"blank", "\n \n", "", CSVOptions{}, "in: no data rows"},
		{"idx with labels", string(img), "", CSVOptions{}, "in: IDX data on one stream has no labels"},
		{"idx labels file", string(idxLabels(1, 2)), "", CSVOptions{NoLabel: true}, "in: an IDX labels file (magic 0x00000801) has no features"},
		{"unknown format", "1,2\n", "parquet", CSVOptions{}, `in: unknown data format "parquet"`},
		{"bad separator", "1,2\n", "", CSVOptions{Comma: '"'}, "in: invalid field separator"},
		{"csv error", "1,2,a\n1,x,b\n", "", CSVOptions{}, `in:2: field 2: parsing "x"`},
		// Errors that show which format was detected.
		{"csv after lone numbers", "5\n6\n1,a\n", "", CSVOptions{NoLabel: true}, "in:3: 2 fields, want 1 as on line 1"},
		{"csv colon values", "1,2,a\n12:30,5,a\n", "", CSVOptions{}, `in:2: field 1: parsing "12:30"`},
		{"libsvm after lone numbers", "5\n6\n1 1:1 1:2\n", "", CSVOptions{}, "in:3: index 1 after 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := OpenReader(strings.NewReader(tc.in), "in", tc.format, tc.opt)
			wantErr(t, err, tc.want)
		})
	}
	_, err := OpenReader(strings.NewReader(""), "in", "", CSVOptions{})
	if !errors.Is(err, ErrNoData) {
		t.Errorf("empty input: %v is not ErrNoData", err)
	}
}

func TestSniffFormat(t *testing.T) {
	comma := []byte(",")
	for _, tc := range []struct {
		head     string
		complete bool
		want     string
	}{
		{"1 1:2", true, "libsvm"},
		{"1 1:2", false, ""}, // "1:2" may be cut short
		{"1 1:2 2:", false, "libsvm"},
		{"1,2,3\n", false, "csv"},
		{"1,2,3", false, "csv"},
		{"#a,b\n1 1:1\n", true, "libsvm"},
		{"  # x,y\n", true, ""},
		{"+1 1:1 2:1e-3 qid:7 # note, with a comma\n", true, "libsvm"},
		{"cat 1:x\n", true, ""},
		{"cat 1:x,2\n", true, "csv"},
		{"1 0x:1\n", true, ""},
		{"1 1:1 junk\n", true, ""},
		{"\x00\x00\x08\x03rest", false, "idx"},
		{"\x00\x00\x08\x01", true, "idx"},
		{"\x00\x00\x08", true, ""},
	} {
		if got := sniffFormat([]byte(tc.head), comma, tc.complete); got != tc.want {
			t.Errorf("sniffFormat(%q, %v) = %q, want %q", tc.head, tc.complete, got, tc.want)
		}
	}
}

func TestOpenStdin(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "in")
	writeFile(t, p, gz([]byte("2 1:1 5:2\n1 3:1\n")))
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	defer func(old *os.File) { os.Stdin = old }(os.Stdin)
	os.Stdin = f
	d, err := Open("-", "", CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkDataset(t, d)
	if d.Source != StdinName || d.Format != "libsvm" || d.Len() != 2 || d.Features() != 5 {
		t.Errorf("got %d×%d %s from %q", d.Len(), d.Features(), d.Format, d.Source)
	}
	writeFile(t, p, []byte("1,2\n3,x\n"))
	if os.Stdin, err = os.Open(p); err != nil {
		t.Fatal(err)
	}
	defer os.Stdin.Close()
	_, err = Open("-", "csv", CSVOptions{NoLabel: true})
	wantErr(t, err, `<stdin>:2: field 2: parsing "x"`)
}

func TestOpenIDXNoLabel(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x-images-idx3-ubyte.gz")
	writeFile(t, p, gz(idxImages(3, 2, 2, testPix)))
	d, err := Open(p, "", CSVOptions{NoLabel: true})
	if err != nil {
		t.Fatal(err)
	}
	checkDataset(t, d)
	if d.Len() != 3 || d.Features() != 4 || d.Y != nil || d.Labels != nil || d.Format != "idx" || d.Source != p {
		t.Errorf("got %d×%d, Y %v, %s from %q", d.Len(), d.Features(), d.Y, d.Format, d.Source)
	}
	_, err = Open(p, "", CSVOptions{})
	wantErr(t, err, "IDX partner file", "x-labels-idx1-ubyte.gz not found")
	// Naming the labels file: its images are read, alone.
	writeFile(t, filepath.Join(dir, "x-labels-idx1-ubyte"), idxLabels(1, 2, 1))
	d, err = Open(filepath.Join(dir, "x-labels-idx1-ubyte"), "", CSVOptions{NoLabel: true})
	if err != nil || d.Y != nil || d.Len() != 3 {
		t.Errorf("%v, %+v", err, d)
	}
}
