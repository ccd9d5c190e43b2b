package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed7bc074a2/maxent/kernel"
)

// wideSVM is a LIBSVM file of n rows of two classes whose features are
// spread over 200,000 columns (dense rows would take 80 MB).
func wideSVM(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		c := i % 2
		fmt.Fprintf(&b, "%d %d:1 %d:0.5 %d:1\n", c+1, 1+c*100000+i%7, 150000+i%13, 199990+c)
	}
	return b.String()
}

func TestCLISparseTrainEvalPredict(t *testing.T) {
	dir := t.TempDir()
	train := writeFile(t, dir, "train.svm", wideSVM(200))
	test := writeFile(t, dir, "test.svm", "1 3:1 199990:1\n2 100002:1 199991:1\n")
	model := filepath.Join(dir, "m.mxt")
	r := runBin(t, dir, "", "", "train", "-data", train, "-test-data", test, "-o", model, "-json", "-max-memory", "200M")
	r.want(t, 0, "sparse rows (600 non-zeros): -l2 0.005 (1/rows), -momentum 0, -scale none, -epochs 10, -workers 1, -lr ")
	var rep trainReport
	if err := json.Unmarshal([]byte(lastLine(r.stdout)), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Rows != "sparse" || rep.Features != 199991 || *rep.TestAccuracy != 1 || rep.DualityGap > 0.1 {
		t.Errorf("%+v", rep)
	}
	r = runBin(t, dir, "", "", "predict", "-model", model, "-data", test, "-proba")
	r.want(t, 0)
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "1,") || !strings.HasPrefix(lines[1], "2,") {
		t.Errorf("predict: %q", r.stdout)
	}
	r = runBin(t, dir, "", "", "eval", "-model", model, "-data", test, "-json")
	r.want(t, 0)
	var ev evalReport
	if err := json.Unmarshal([]byte(r.stdout), &ev); err != nil || ev.Accuracy != 1 || ev.Rows != 2 {
		t.Errorf("eval: %v %+v", err, ev)
	}
	// L-BFGS and maxabs scaling on the same rows.
	r = runBin(t, dir, "", "", "train", "-data", train, "-test-data", test, "-solver", "lbfgs", "-scale", "maxabs", "-json")
	r.want(t, 0)
	json.Unmarshal([]byte(lastLine(r.stdout)), &rep)
	if *rep.TestAccuracy != 1 || rep.Scale != "maxabs" {
		t.Errorf("lbfgs: %+v", rep)
	}
	// Scalings that would make the rows dense, and momentum, are refused.
	runBin(t, dir, "", "", "train", "-data", train, "-scale", "minmax").want(t, 1, "-scale: scaling minmax would make sparse rows dense")
	runBin(t, dir, "", "", "train", "-data", train, "-momentum", "0.9").want(t, 1, "sparse rows train without momentum")
	// -sparse off reads the same file dense.
	r = runBin(t, dir, "", "", "train", "-data", train, "-test-data", test, "-sparse", "off", "-epochs", "3", "-json")
	r.want(t, 0)
	json.Unmarshal([]byte(lastLine(r.stdout)), &rep)
	if rep.Rows == "sparse" {
		t.Errorf("-sparse off trained on %s rows", rep.Rows)
	}
}

// TestCLIMemoryEstimates: data or a model that cannot fit is an error
// before anything large is allocated, under an address-space limit too.
func TestCLIMemoryEstimates(t *testing.T) {
	dir := t.TempDir()
	big := writeFile(t, dir, "big.svm", "1 1000000000:1\n2 1:1\n")
	// Sparse rows fit; a model of 2 × 10⁹ weights does not.
	r := runBin(t, dir, "ulimit -v 8000000;", "", "train", "-data", big, "-test", "0")
	r.want(t, 1, "training 2 classes × 1000000000 features on 2 rows (the model is 7.5 GiB; SGD) needs", "this process may use")
	r = runBin(t, dir, "", "", "train", "-data", big, "-test", "0", "-sparse", "off", "-max-memory", "1G")
	r.want(t, 1, "the dense matrix (2 rows × 1,000,000,000 columns × 4 bytes) needs 7.5 GiB, more than the 1.0 GiB")
	r = runBin(t, dir, "", "", "train", "-max-memory", "100K")
	r.want(t, 1, "needs", "more than the 100.0 KiB")
	r = runBin(t, dir, "", "", "train", "-max-memory", "lots")
	r.want(t, 1, `-max-memory "lots": want a size such as 512M or 8G`)
	r = runBin(t, dir, "", "", "train", "-solver", "lbfgs", "-memory", "1000", "-max-memory", "5M")
	r.want(t, 1, "L-BFGS keeps 2·memory+4 float64 copies", "-solver sgd or a smaller -memory")
}

func TestParseBytes(t *testing.T) {
	for s, want := range map[string]int64{"512": 512, "1k": 1024, "8G": 8 << 30, "1.5GiB": 3 << 29, "2MB": 2 << 20} {
		if got, err := parseBytes(s); err != nil || got != want {
			t.Errorf("%q: %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "-1G", "G", "1X", "0"} {
		if _, err := parseBytes(s); err == nil {
			t.Errorf("%q: no error", s)
		}
	}
}

// TestCLIEvalOtherLinks: eval of a model whose link is not softmax (an
// imported one) reports its log-loss from its own probabilities, none for
// raw scores, and no certificate.
func TestCLIEvalOtherLinks(t *testing.T) {
	dir := t.TempDir()
	data := writeFile(t, dir, "d.csv", twoBlobs())
	model := filepath.Join(dir, "m.mxt")
	runBin(t, dir, "", "", "train", "-data", data, "-epochs", "5", "-o", model).want(t, 0)
	m, err := readModel(model)
	if err != nil {
		t.Fatal(err)
	}
	for _, link := range []kernel.Link{kernel.LinkOneVsRest, kernel.LinkRaw} {
		m.Link = link
		p := filepath.Join(dir, link.String()+".mxt")
		if err := writeModel(p, m); err != nil {
			t.Fatal(err)
		}
		r := runBin(t, dir, "", "", "eval", "-model", p, "-data", data, "-json")
		r.want(t, 0)
		var ev evalReport
		if err := json.Unmarshal([]byte(r.stdout), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Certificate != nil || (ev.LogLoss == nil) != (link == kernel.LinkRaw) || ev.Accuracy < 0.9 {
			t.Errorf("%v: %+v", link, ev)
		}
		r = runBin(t, dir, "", "", "eval", "-model", p, "-data", data)
		if !strings.Contains(r.stdout, "no optimality certificate: the model's link is "+link.String()) {
			t.Errorf("%v: %s", link, r.stdout)
		}
	}
}

// TestCLIBackendEnv: a bad MAXENT_BACKEND is reported once by the command
// (the library itself writes nothing), which goes on with the best backend.
func TestCLIBackendEnv(t *testing.T) {
	r := runBin(t, t.TempDir(), "export MAXENT_BACKEND=quantum;", "", "info")
	r.want(t, 0, `maxent: MAXENT_BACKEND="quantum": kernel.Use: unknown backend "quantum"`)
	if strings.Count(r.stderr, "MAXENT_BACKEND") != 1 {
		t.Errorf("stderr %q: want one message", r.stderr)
	}
}

// TestCLIStdin: -data - reads standard input, the format given or
// detected from the content.
func TestCLIStdin(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.mxt")
	r := runBin(t, dir, "", twoBlobs(), "train", "-data", "-", "-epochs", "3", "-o", model, "-json")
	r.want(t, 0)
	var rep trainReport
	if err := json.Unmarshal([]byte(lastLine(r.stdout)), &rep); err != nil || rep.Data != "<stdin>" || rep.TrainRows+rep.TestRows != 40 {
		t.Errorf("%v %+v", err, rep)
	}
	r = runBin(t, dir, "", "0.1,0.9,a\n0.9,0.1,b\n", "predict", "-model", model, "-data", "-", "-format", "csv", "-header", "no")
	if r.want(t, 0); r.stdout != "a\nb\n" {
		t.Errorf("predict from stdin: %q", r.stdout)
	}
	r = runBin(t, dir, "", wideSVM(40), "train", "-data", "-", "-json")
	r.want(t, 0, "sparse rows")
	json.Unmarshal([]byte(lastLine(r.stdout)), &rep)
	if rep.Rows != "sparse" {
		t.Errorf("LIBSVM from stdin: rows %q", rep.Rows)
	}
}
