package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/seed7bc074a2/maxent/kernel/textclass"
)

// textCorpus returns n documents of three classes (fruit, code, sport),
// each a few words of its class's vocabulary and of a shared one, and
// their labels.
func textCorpus(n int, seed uint64) (docs, labels []string) {
	vocab := map[string][]string{
		"fruit": strings.Fields("apple banana cherry pear plum mango grape lemon peach melon"),
		"code":  strings.Fields("func return err nil struct interface package import go defer"),
		"sport": strings.Fields("goal match team score ball referee league player coach cup"),
	}
	shared := strings.Fields("the a of and with for on in to it is")
	names := []string{"code", "fruit", "sport"}
	rng := rand.New(rand.NewPCG(seed, 7))
	for i := range n {
		l := names[i%3]
		var w []string
		for range 4 + rng.IntN(8) {
			if rng.IntN(3) == 0 {
				w = append(w, shared[rng.IntN(len(shared))])
			} else {
				w = append(w, vocab[l][rng.IntN(len(vocab[l]))])
			}
		}
		docs = append(docs, strings.Join(w, " "))
		labels = append(labels, l)
	}
	return docs, labels
}

// writeCorpus writes docs in format "txt" (label<TAB>text), "ft"
// (__label__) or "docs" (one document per line, no label).
func writeCorpus(t *testing.T, dir, name, format string, docs, labels []string) string {
	var b strings.Builder
	for i, d := range docs {
		switch format {
		case "txt":
			fmt.Fprintf(&b, "%s\t%s\n", labels[i], d)
		case "ft":
			fmt.Fprintf(&b, "__label__%s %s\n", labels[i], d)
		default:
			fmt.Fprintf(&b, "%s\n", d)
		}
	}
	return writeFile(t, dir, name, b.String())
}

// trainText runs maxent train with args and -json and returns its report.
func trainText(t *testing.T, dir, stdin string, args ...string) trainReport {
	t.Helper()
	r := runBin(t, dir, "", stdin, append([]string{"train", "-json"}, args...)...)
	r.want(t, 0)
	var rep trainReport
	if err := json.Unmarshal([]byte(lastLine(r.stdout)), &rep); err != nil {
		t.Fatalf("%v: %s\n%s", err, r.stdout, r.stderr)
	}
	return rep
}

func TestCLITextTrainEvalPredict(t *testing.T) {
	dir := t.TempDir()
	docs, labels := textCorpus(300, 1)
	tdocs, tlabels := textCorpus(60, 2)
	trainTxt := writeCorpus(t, dir, "train.txt", "txt", docs, labels)
	testTxt := writeCorpus(t, dir, "test.txt", "txt", tdocs, tlabels)
	trainFt := writeCorpus(t, dir, "train.ft", "ft", docs, labels)
	testFt := writeCorpus(t, dir, "test.ft", "ft", tdocs, tlabels)
	plain := writeCorpus(t, dir, "docs.txt", "docs", tdocs, nil)
	mTxt, mFt := filepath.Join(dir, "txt.mxt"), filepath.Join(dir, "ft.mxt")

	rep := trainText(t, dir, "", "-data", trainTxt, "-test-data", testTxt, "-o", mTxt)
	if rep.Rows != "sparse" || rep.Features != 1<<18 || rep.Classes != 3 || *rep.TestAccuracy < 0.95 ||
		!strings.Contains(rep.Featurizer, "ngram_range=(1, 2), n_features=2**18, alternate_sign=False") || rep.FeaturizeSeconds <= 0 {
		t.Errorf("text: %+v", rep)
	}
	// The same documents in fastText's format give the same model, byte
	// for byte.
	rep2 := trainText(t, dir, "", "-data", trainFt, "-test-data", testFt, "-o", mFt)
	a, _ := os.ReadFile(mTxt)
	b, _ := os.ReadFile(mFt)
	if !bytes.Equal(a, b) || *rep2.TestAccuracy != *rep.TestAccuracy {
		t.Errorf("fastText files gave another model (accuracy %v, want %v)", *rep2.TestAccuracy, *rep.TestAccuracy)
	}

	// eval on both formats: train's test accuracy, from the model's own
	// featurizer.
	for _, f := range []string{testTxt, testFt} {
		r := runBin(t, dir, "", "", "eval", "-model", mTxt, "-data", f, "-json")
		r.want(t, 0)
		var ev evalReport
		if err := json.Unmarshal([]byte(r.stdout), &ev); err != nil || ev.Accuracy != *rep.TestAccuracy || ev.Rows != 60 || len(ev.Report.Classes) != 3 {
			t.Errorf("eval %s: %v %+v", f, err, ev)
		}
	}
	r := runBin(t, dir, "", "", "eval", "-model", mTxt, "-data", testTxt)
	r.want(t, 0)
	if !strings.Contains(r.stdout, "precision") || !strings.Contains(r.stdout, "fruit") {
		t.Errorf("eval report:\n%s", r.stdout)
	}

	// predict -proba: the probabilities of the model read back by
	// textclass, in this process, for labelled files, documents alone
	// (-nolabel) and standard input.
	f, err := os.Open(mTxt)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := textclass.Read(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	p := make([]float32, cl.Classes())
	for _, d := range tdocs {
		cl.PredictProbaText(p, d)
		want.WriteString(cl.Label(cl.PredictText(d)))
		for _, v := range p {
			want.WriteString("," + strconv.FormatFloat(float64(v), 'g', -1, 32))
		}
		want.WriteString("\n")
	}
	plainText, _ := os.ReadFile(plain)
	ftText, _ := os.ReadFile(testFt)
	for _, tc := range []struct {
		stdin string
		args  []string
	}{
		{"", []string{"-data", testTxt}},
		{"", []string{"-data", testFt}},
		{"", []string{"-data", plain, "-nolabel"}},
		{string(plainText), []string{"-data", "-", "-nolabel"}},
		{string(ftText), []string{"-data", "-"}},
		{string(plainText), []string{"-data", "-", "-format", "text", "-nolabel"}},
	} {
		r := runBin(t, dir, "", tc.stdin, append([]string{"predict", "-model", mTxt, "-proba"}, tc.args...)...)
		r.want(t, 0)
		if r.stdout != want.String() {
			t.Errorf("predict %v:\n%.300s\nwant\n%.300s", tc.args, r.stdout, want.String())
		}
	}
	// Documents without labels need -nolabel.
	runBin(t, dir, "", "", "predict", "-model", mTxt, "-data", plain).want(t, 1, "docs.txt:1: want label<TAB>text", "-nolabel")
}

// TestCLITextFlags trains with every featurizer flag and checks the model
// records them: eval on the test file gives train's test accuracy, which
// needs the same rows (the IDF weights too).
func TestCLITextFlags(t *testing.T) {
	dir := t.TempDir()
	docs, labels := textCorpus(240, 3)
	tdocs, tlabels := textCorpus(60, 4)
	train := writeCorpus(t, dir, "train.txt", "txt", docs, labels)
	test := writeCorpus(t, dir, "test.txt", "txt", tdocs, tlabels)
	model := filepath.Join(dir, "m.mxt")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-bits", "12", "-ngrams", "1"}, "ngram_range=(1, 1), n_features=2**12"},
		{[]string{"-analyzer", "char_wb", "-ngrams", "2,4", "-bits", "14"}, "analyzer='char_wb', ngram_range=(2, 4), n_features=2**14"},
		{[]string{"-analyzer", "char", "-ngrams", "3", "-bits", "14", "-binary", "-norm", "l1"}, "analyzer='char', ngram_range=(3, 3), n_features=2**14, alternate_sign=False, binary=True, norm='l1'"},
		{[]string{"-alternate-sign", "-norm", "none", "-lowercase=false"}, "alternate_sign=True, binary=False, norm=None, lowercase=False"},
		{[]string{"-tfidf", "-bits", "16"}, "+ TfidfTransformer(norm='l2', use_idf=True, smooth_idf=True, sublinear_tf=False) fitted on 240 documents"},
		{[]string{"-tfidf", "-sublinear-tf", "-bits", "16", "-solver", "lbfgs", "-iters", "30"}, "sublinear_tf=True) fitted on 240 documents"},
	} {
		args := append([]string{"-data", train, "-test-data", test, "-o", model}, tc.args...)
		rep := trainText(t, dir, "", args...)
		if !strings.Contains(rep.Featurizer, tc.want) {
			t.Errorf("%v: featurizer %s, want %s", tc.args, rep.Featurizer, tc.want)
		}
		r := runBin(t, dir, "", "", "eval", "-model", model, "-data", test, "-json")
		r.want(t, 0)
		var ev evalReport
		if err := json.Unmarshal([]byte(r.stdout), &ev); err != nil || ev.Accuracy != *rep.TestAccuracy {
			t.Errorf("%v: eval accuracy %v, train's test accuracy %v (%v)", tc.args, ev.Accuracy, *rep.TestAccuracy, err)
		}
	}
	// A split of the text (no -test-data), from standard input, with a
	// validation split too.
	in, _ := os.ReadFile(train)
	rep := trainText(t, dir, string(in), "-data", "-", "-test", "0.25", "-val", "0.1", "-epochs", "3")
	if rep.TrainRows+rep.TestRows != 240-18 || rep.TestRows != 60 || rep.Featurizer == "" {
		t.Errorf("split: %+v", rep)
	}
	// Errors.
	csv := writeFile(t, dir, "d.csv", twoBlobs())
	svmTxt := writeFile(t, dir, "rows.txt", "1 3:1 7:0.5\n2 4:1\n1 3:1\n2 4:1 7:1\n")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-data", csv, "-bits", "10"}, 1, "-bits: a text flag, for text data only"},
		{[]string{"-data", svmTxt, "-tfidf"}, 1, "-tfidf: a text flag"}, // a .txt of LIBSVM rows is LIBSVM
		{[]string{"-data", train, "-ngrams", "2,1"}, 1, "n-gram range 2..1"},
		{[]string{"-data", train, "-ngrams", "x"}, 1, `-ngrams "x": want MIN,MAX`},
		{[]string{"-data", train, "-bits", "31"}, 1, "31 bits"},
		{[]string{"-data", train, "-sublinear-tf", "-alternate-sign"}, 1, "sublinear TF needs AlternateSign off"},
		{[]string{"-data", train, "-test-data", csv}, 1, "is not text"},
		{[]string{"-data", train, "-analyzer", "sentence"}, 2, "unknown analyzer"},
	} {
		runBin(t, dir, "", "", append([]string{"train"}, tc.args...)...).want(t, tc.code, tc.want)
	}
	// A .txt file of LIBSVM rows still trains as LIBSVM.
	rep = trainText(t, dir, "", "-data", svmTxt, "-test", "0", "-epochs", "2")
	if rep.Featurizer != "" || rep.Features != 7 {
		t.Errorf("LIBSVM .txt: %+v", rep)
	}
	// Text for a model trained on feature rows is an error.
	rowsModel := filepath.Join(dir, "rows.mxt")
	runBin(t, dir, "", "", "train", "-data", svmTxt, "-test", "0", "-epochs", "2", "-o", rowsModel).want(t, 0)
	runBin(t, dir, "", "", "eval", "-model", rowsModel, "-data", test).want(t, 1, "the model records no text featurizer")
}

// TestCLIFastTextLabels: several __label__ tokens on a line: the first is
// the class, and a warning counts the lines; a line without one is an
// error.
func TestCLIFastTextLabels(t *testing.T) {
	dir := t.TempDir()
	docs, labels := textCorpus(90, 5)
	var b strings.Builder
	for i, d := range docs {
		if i%10 == 0 {
			fmt.Fprintf(&b, "__label__%s __label__other %s\n", labels[i], d)
		} else {
			fmt.Fprintf(&b, "__label__%s %s\n", labels[i], d)
		}
	}
	multi := writeFile(t, dir, "multi.ft", b.String())
	r := runBin(t, dir, "", "", "train", "-data", multi, "-test", "0.2")
	r.want(t, 0)
	if !strings.Contains(r.stdout, "warning: "+multi+": 9 lines have several __label__ tokens (the first at line 1): each is classified by its first label") ||
		!strings.Contains(r.stdout, "3 classes") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	bad := writeFile(t, dir, "bad.dat", "__label__a x y\nno label here\n")
	runBin(t, dir, "", "", "train", "-data", bad, "-format", "fasttext").want(t, 1, "bad.dat:2: no __label__ token")
}
