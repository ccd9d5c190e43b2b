package data

import (
	"os"
	"path/filepath"
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
