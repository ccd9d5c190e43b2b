package main

// Tests that run the built maxent binary as a subprocess, as a user does:
// exit status, stderr without Go stack traces, files left on disk.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// maxentBin builds cmd/maxent once per test run and returns its path. The
// subprocess tests need the go tool and a host that runs what it builds:
// they skip with -short (the emulated and cross legs) and without go.
func maxentBin(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the maxent binary: not with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build the binary")
	}
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "maxent-cli-test-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "maxent")
		out, err := exec.Command(goTool, "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// result is what a run of the binary left.
type result struct {
	code           int
	stdout, stderr string
}

// runBin runs the binary with args in dir, standard input stdin, and the
// shell prefix pre (e.g. "ulimit -v 8000000; umask 077;") if not empty.
func runBin(t *testing.T, dir, pre, stdin string, args ...string) result {
	t.Helper()
	bin := maxentBin(t)
	var cmd *exec.Cmd
	if pre != "" {
		cmd = exec.Command("sh", append([]string{"-c", pre + ` exec "$0" "$@"`, bin}, args...)...)
	} else {
		cmd = exec.Command(bin, args...)
	}
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), "MAXENT_DEBUG=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatal(err)
	}
	for _, bad := range []string{"goroutine ", "panic:", "fatal error", ".go:", "maxent: maxent", ": maxent: "} {
		if strings.Contains(r.stderr, bad) {
			t.Errorf("maxent %v: stderr shows %q:\n%s", args, bad, r.stderr)
		}
	}
	return r
}

// want fails t unless r exited with code and its stderr holds every one
// of msgs.
func (r result) want(t *testing.T, code int, msgs ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d; stderr:\n%s", r.code, code, r.stderr)
	}
	for _, m := range msgs {
		if !strings.Contains(r.stderr, m) {
			t.Errorf("stderr lacks %q:\n%s", m, r.stderr)
		}
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// twoBlobs is a CSV of 40 rows of two separable classes named a and b.
func twoBlobs() string {
	var b strings.Builder
	for i := 0; i < 40; i++ {
		if i%2 == 0 {
			fmt.Fprintf(&b, "0.%d,0.9,a\n", i%10)
		} else {
			fmt.Fprintf(&b, "0.9,0.%d,b\n", i%10)
		}
	}
	return b.String()
}

func TestCLIRejectsZeroAndOutOfRangeFlags(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ flag, val, want string }{
		{"-epochs", "0", "-epochs 0: want an integer ≥ 1"},
		{"-lr", "0", "-lr 0: want a finite value > 0"},
		{"-batch", "0", "-batch 0: want an integer ≥ 1"},
		{"-iters", "0", "-iters 0"},
		{"-patience", "0", "-patience 0"},
		{"-momentum", "1", "-momentum 1: want a value in [0, 1)"},
		{"-test", "1", "-test 1"},
		{"-l2", "-1", "-l2 -1"},
		{"-l2", "+Inf", "-l2 +Inf"},
		{"-workers", "-2", "-workers -2"},
	} {
		r := runBin(t, dir, "", "", "train", tc.flag, tc.val)
		r.want(t, 1, tc.want)
		if strings.Contains(r.stdout, "training on") {
			t.Errorf("%s %s: trained before refusing", tc.flag, tc.val)
		}
	}
}

func TestCLIPenaltyDivergence(t *testing.T) {
	r := runBin(t, t.TempDir(), "", "", "train", "-l2", "1e30")
	r.want(t, 1, "penalty's own steps diverge; lower L2 or the learning rate")
	if strings.Contains(r.stderr, "training diverged") {
		t.Errorf("blames the learning rate: %s", r.stderr)
	}
	// L-BFGS has no step size to blame: it converges to the penalty's
	// minimum, W = 0.
	r = runBin(t, t.TempDir(), "", "", "train", "-l2", "1e30", "-solver", "lbfgs", "-iters", "5")
	r.want(t, 0)
}

func TestCLIErrorPrefix(t *testing.T) {
	dir := t.TempDir()
	one := writeFile(t, dir, "one.csv", "1,2,a\n3,4,a\n")
	r := runBin(t, dir, "", "", "train", "-data", one)
	r.want(t, 1, "maxent train: ")
	if strings.Count(r.stderr, "maxent") != 1 {
		t.Errorf("stderr repeats the prefix: %q", r.stderr)
	}
}

func TestCLITestZeroKeepsTheModel(t *testing.T) {
	dir := t.TempDir()
	data := writeFile(t, dir, "d.csv", twoBlobs())
	model := filepath.Join(dir, "m.mxt")
	r := runBin(t, dir, "", "", "train", "-data", data, "-test", "0", "-epochs", "3", "-o", model, "-json")
	r.want(t, 0, "no test rows")
	var rep map[string]any
	if err := json.Unmarshal([]byte(lastLine(r.stdout)), &rep); err != nil {
		t.Fatal(err)
	}
	if rep["train_rows"].(float64) != 40 || rep["test_rows"].(float64) != 0 {
		t.Errorf("rows %v/%v, want 40/0", rep["train_rows"], rep["test_rows"])
	}
	if _, ok := rep["test_accuracy"]; ok {
		t.Errorf("test_accuracy without test rows: %v", rep)
	}
	if _, err := os.Stat(model); err != nil {
		t.Fatal(err)
	}
}

func TestCLIModelFileWriting(t *testing.T) {
	dir := t.TempDir()
	data := writeFile(t, dir, "d.csv", twoBlobs())
	// A temporary file left by a killed run, and one of a run going on
	// now (newer than this run's start): only the first goes.
	stale := writeFile(t, dir, ".maxent-model-0123456789abcdef", "")
	old := time.Now().Add(-time.Hour)
	os.Chtimes(stale, old, old)
	model := filepath.Join(dir, "m.mxt")
	for _, tc := range []struct {
		umask string
		mode  os.FileMode
	}{{"022", 0o644}, {"077", 0o600}, {"002", 0o664}} {
		os.Remove(model)
		r := runBin(t, dir, "umask "+tc.umask+";", "", "train", "-data", data, "-epochs", "1", "-o", model)
		r.want(t, 0)
		fi, err := os.Stat(model)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != tc.mode {
			t.Errorf("umask %s: model mode %v, want %v", tc.umask, fi.Mode().Perm(), tc.mode)
		}
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file not removed: %v", err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".maxent-model-") {
			t.Errorf("left behind: %s", e.Name())
		}
	}

	// An output that cannot be written is an error before training.
	for _, out := range []string{filepath.Join(dir, "no", "such", "dir", "m.mxt"), filepath.Join(data, "m.mxt"), dir} {
		r := runBin(t, dir, "", "", "train", "-data", data, "-o", out)
		r.want(t, 1, "-o "+out)
		if strings.Contains(r.stdout, "epoch") {
			t.Errorf("-o %s: trained before finding out:\n%s", out, r.stdout)
		}
	}
}

func TestCLIManyClassesWarning(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "%d,%d,id%d\n", i%7, i%5, i)
	}
	data := writeFile(t, dir, "ids.csv", b.String())
	r := runBin(t, dir, "", "", "train", "-data", data, "-epochs", "1", "-test", "0")
	if !strings.Contains(r.stdout, "warning: 300 classes for 300 training rows (1.00 rows per class, 300 classes with a single row): is the label column right (-label)?") {
		t.Errorf("no warning:\n%s", r.stdout)
	}
	r = runBin(t, dir, "", "", "train", "-data", writeFile(t, dir, "d.csv", twoBlobs()), "-epochs", "1")
	if strings.Contains(r.stdout, "warning") {
		t.Errorf("warning on ordinary data:\n%s", r.stdout)
	}
}

// writeIDX writes an IDX images file of n 2×2 images and its labels file.
func writeIDX(t *testing.T, dir, prefix string, labels ...byte) {
	t.Helper()
	n := len(labels)
	img := binary.BigEndian.AppendUint32(nil, 0x00000803)
	img = binary.BigEndian.AppendUint32(img, uint32(n))
	img = binary.BigEndian.AppendUint32(img, 2)
	img = binary.BigEndian.AppendUint32(img, 2)
	for _, l := range labels {
		img = append(img, 200*l, 0, 0, 200*(1-l))
	}
	lbl := binary.BigEndian.AppendUint32(nil, 0x00000801)
	lbl = binary.BigEndian.AppendUint32(lbl, uint32(n))
	lbl = append(lbl, labels...)
	writeFile(t, dir, prefix+"-images-idx3-ubyte", string(img))
	writeFile(t, dir, prefix+"-labels-idx1-ubyte", string(lbl))
}

func TestCLIPredictIDXDirectoryUsesTestSet(t *testing.T) {
	dir := t.TempDir()
	idx := filepath.Join(dir, "idx")
	os.Mkdir(idx, 0o755)
	writeIDX(t, idx, "train", 0, 1, 0, 1, 0, 1, 0, 1)
	writeIDX(t, idx, "t10k", 1, 0, 1)
	model := filepath.Join(dir, "m.mxt")
	runBin(t, dir, "", "", "train", "-data", idx, "-epochs", "20", "-batch", "2", "-o", model).want(t, 0)
	r := runBin(t, dir, "", "", "predict", "-model", model, "-data", idx)
	r.want(t, 0, "using its test set", "t10k-images-idx3-ubyte")
	if r.stdout != "1\n0\n1\n" {
		t.Errorf("predicted %q, want the 3 test rows 1 0 1", r.stdout)
	}
	r = runBin(t, dir, "", "", "eval", "-model", model, "-data", idx, "-json")
	r.want(t, 0, "using its test set")
	var ev evalReport
	if err := json.Unmarshal([]byte(r.stdout), &ev); err != nil || ev.Rows != 3 {
		t.Errorf("eval on %d rows (%v), want the 3 test rows", ev.Rows, err)
	}
}

func TestCLIPredictHeaderOut(t *testing.T) {
	dir := t.TempDir()
	data := writeFile(t, dir, "d.csv", twoBlobs())
	model := filepath.Join(dir, "m.mxt")
	runBin(t, dir, "", "", "train", "-data", data, "-epochs", "5", "-o", model).want(t, 0)
	r := runBin(t, dir, "", "", "predict", "-model", model, "-data", data, "-proba", "-header-out")
	r.want(t, 0)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if lines[0] != "predicted,a,b" || len(lines) != 41 {
		t.Errorf("header %q, %d lines; want predicted,a,b and 41 lines", lines[0], len(lines))
	}
	r = runBin(t, dir, "", "", "predict", "-model", model, "-data", data, "-header-out")
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); lines[0] != "predicted" || len(lines) != 41 {
		t.Errorf("header %q, %d lines; want predicted and 41 lines", lines[0], len(lines))
	}
}

func TestPanicIsOneLine(t *testing.T) {
	saved := commands
	defer func() { commands = saved }()
	commands = append(commands[:len(commands):len(commands)], command{"boom", "panics", func([]string, io.Writer, io.Writer) error {
		var s []int
		return fmt.Errorf("%d", s[len(os.Args)+4]) // a bug: an index out of range
	}})
	for _, debug := range []string{"", "1"} {
		t.Setenv("MAXENT_DEBUG", debug)
		var out, errb bytes.Buffer
		if code := runSafe([]string{"boom"}, &out, &errb); code != 1 {
			t.Errorf("MAXENT_DEBUG=%q: exit %d, want 1", debug, code)
		}
		first, rest, _ := strings.Cut(errb.String(), "\n")
		if !strings.HasPrefix(first, "maxent boom: internal error: runtime error: index out of range") {
			t.Errorf("MAXENT_DEBUG=%q: first line %q", debug, first)
		}
		if hasStack := strings.Contains(rest, "goroutine") || strings.Contains(rest, ".go:"); hasStack != (debug == "1") {
			t.Errorf("MAXENT_DEBUG=%q: stack shown %v:\n%s", debug, hasStack, rest)
		}
	}
}

func TestClassReport(t *testing.T) {
	// scikit-learn's classification_report example: y_true = [0, 1, 2, 2,
	// 2], y_pred = [0, 0, 2, 2, 1] gives precision 0.50 0.00 1.00, recall
	// 1.00 0.00 0.67, f1 0.67 0.00 0.80, macro avg 0.50 0.33 0.49 and
	// weighted avg 0.70 0.60 0.61.
	r := newClassReport([]string{"class 0", "class 1", "class 2"}, [][]int{{1, 0, 0}, {1, 0, 0}, {0, 1, 2}})
	near := func(got, want float64) bool { return math.Abs(got-want) < 0.005 }
	for i, w := range []classScores{{"class 0", 0.5, 1, 0.67, 1}, {"class 1", 0, 0, 0, 1}, {"class 2", 1, 0.67, 0.8, 3}} {
		g := r.Classes[i]
		if g.Label != w.Label || g.Support != w.Support || !near(g.Precision, w.Precision) || !near(g.Recall, w.Recall) || !near(g.F1, w.F1) {
			t.Errorf("class %d: %+v, want %+v", i, g, w)
		}
	}
	for _, c := range []struct{ got, want classScores }{
		{r.MacroAvg, classScores{"", 0.5, 0.56, 0.49, 5}},
		{r.WeightedAvg, classScores{"", 0.7, 0.6, 0.61, 5}},
	} {
		g, w := c.got, c.want
		if g.Support != w.Support || !near(g.Precision, w.Precision) || !near(g.Recall, w.Recall) || !near(g.F1, w.F1) {
			t.Errorf("%+v, want %+v", g, w)
		}
	}
	var b bytes.Buffer
	writeClassReport(&b, r, 0.6)
	for _, want := range []string{"precision    recall  f1-score   support", "class 2    1.0000    0.6667    0.8000         3", "accuracy                        0.6000         5", "weighted avg    0.7000    0.6000    0.6133         5"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}
