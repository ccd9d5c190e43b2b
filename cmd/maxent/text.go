package main

// Raw text: the formats text (label<TAB>text) and fasttext (__label__
// lines), detected or named by -format, featurized by package
// kernel/data/text as the training flags (or a model's featurizer) say.

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seed7bc074a2/maxent/kernel"
	"github.com/seed7bc074a2/maxent/kernel/data"
	"github.com/seed7bc074a2/maxent/kernel/data/text"
	"github.com/seed7bc074a2/maxent/kernel/textclass"
)

// textFlags are train's featurizer flags.
type textFlags struct {
	bits                 int
	ngrams               string
	analyzer             text.Analyzer
	norm                 text.Norm
	tfidf, binary, sign  bool
	lowercase, sublinear bool
}

// textFlagNames are the flags of textFlags, refused for data that is not
// text.
var textFlagNames = []string{"bits", "ngrams", "analyzer", "norm", "tfidf", "binary", "alternate-sign", "lowercase", "sublinear-tf"}

func (t *textFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&t.bits, "bits", 18, "text: 2^bits hashed feature columns (scikit-learn's n_features = 2**bits)")
	fs.StringVar(&t.ngrams, "ngrams", "1,2", "text: ngram_range MIN,MAX (a single N is N,N): word n-grams, or character n-grams with -analyzer char or char_wb")
	t.analyzer = text.Word
	fs.TextVar(&t.analyzer, "analyzer", text.Word, "text: word (tokens of (?u)\\b\\w\\w+\\b), char or char_wb (character n-grams, within words for char_wb)")
	fs.TextVar(&t.norm, "norm", text.L2, "text: row normalisation: l2, l1 or none")
	fs.BoolVar(&t.tfidf, "tfidf", false, "text: weight the counts by TF-IDF (scikit-learn's TfidfTransformer, smooth IDF fitted on the training documents only, kept in the model file)")
	fs.BoolVar(&t.binary, "binary", false, "text: 1 for every n-gram present instead of its count")
	fs.BoolVar(&t.sign, "alternate-sign", false, "text: add each n-gram with the sign of its hash (scikit-learn's default alternate_sign=True)")
	fs.BoolVar(&t.lowercase, "lowercase", true, "text: lower-case the text first (as Python's str.lower)")
	fs.BoolVar(&t.sublinear, "sublinear-tf", false, "text: replace each count c by 1 + ln(c) (needs -alternate-sign=false)")
}

// settings returns the featurizer settings the flags give.
func (t *textFlags) settings() (text.Settings, error) {
	s := text.Settings{Analyzer: t.analyzer, Bits: t.bits, Norm: t.norm, AlternateSign: t.sign,
		Binary: t.binary, Lowercase: t.lowercase, SublinearTF: t.sublinear}
	lo, hi, ok := strings.Cut(t.ngrams, ",")
	if !ok {
		hi = lo
	}
	var err1, err2 error
	s.NgramMin, err1 = strconv.Atoi(strings.TrimSpace(lo))
	s.NgramMax, err2 = strconv.Atoi(strings.TrimSpace(hi))
	if err1 != nil || err2 != nil {
		return s, fmt.Errorf("-ngrams %q: want MIN,MAX such as 1,2", t.ngrams)
	}
	if err := s.Validate(); err != nil {
		return s, fmt.Errorf("text flags: %s", strings.TrimPrefix(err.Error(), "text: "))
	}
	return s, nil
}

// stdinReader is standard input, buffered once so that its start can be
// looked at before it is read.
var stdinReader = sync.OnceValue(func() *bufio.Reader { return bufio.NewReaderSize(os.Stdin, 64<<10) })

// textFormat returns the text format of in's data, or 0 if it is not text:
// -format text or fasttext names it; otherwise a name ending in .ft or
// .fasttext is fastText, and the content decides for .txt, .tsv, other
// names and standard input (see textclass.Sniff: a .txt file of LIBSVM rows
// stays LIBSVM). With preferText (a model trained on text), content that
// is neither fastText nor label<TAB>text nor LIBSVM is text too: lines of
// documents, which need -nolabel.
func (f *inputFlags) textFormat(preferText bool) (textclass.Format, error) {
	switch strings.ToLower(f.format) {
	case "":
	case "text", "txt", "tsv", "fasttext", "ft":
		return textclass.ParseFormat(f.format)
	default:
		return 0, nil
	}
	var head []byte
	switch {
	case f.path == "-":
		head, _ = stdinReader().Peek(64 << 10)
	case f.path == "" || isDir(f.path):
		return 0, nil
	default:
		base := strings.ToLower(strings.TrimSuffix(filepath.Base(f.path), ".gz"))
		switch filepath.Ext(base) {
		case ".ft", ".fasttext":
			return textclass.FastText, nil
		case ".csv", ".svm", ".libsvm":
			return 0, nil
		}
		if strings.Contains(base, "idx3-ubyte") || strings.Contains(base, "idx1-ubyte") {
			return 0, nil
		}
		fh, err := os.Open(f.path)
		if err != nil {
			return 0, err
		}
		defer fh.Close()
		head = make([]byte, 64<<10)
		n, _ := io.ReadFull(fh, head)
		head = head[:n]
	}
	if tf := textclass.Sniff(head); tf != 0 || !preferText {
		return tf, nil
	}
	if len(bytes.TrimSpace(head)) > 0 && !textclass.IsLIBSVM(head) && head[0] != 0x1f {
		return textclass.Text, nil
	}
	return 0, nil
}

// readCorpus reads in's data as text of format tf.
func (f *inputFlags) readCorpus(tf textclass.Format, noLabel bool) (*textclass.Corpus, error) {
	if err := setMaxMemory(f.maxMemory); err != nil {
		return nil, err
	}
	opt := textclass.ReadOptions{NoLabel: noLabel}
	if budget, _, ok := data.MemoryBudget(); ok {
		opt.MaxBytes = budget
	}
	if f.path == "-" {
		return textclass.ReadCorpus(stdinReader(), data.StdinName, tf, opt)
	}
	fh, err := os.Open(f.path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	if fi, err := fh.Stat(); err == nil {
		if err := data.CheckMemory(fi.Size(), fmt.Sprintf("the text of %s", f.path)); err != nil {
			return nil, err
		}
	}
	return textclass.ReadCorpus(fh, f.path, tf, opt)
}

// textDataset featurizes c's documents by fz into a sparse data set.
func textDataset(c *textclass.Corpus, fz *text.Featurizer, workers int) *data.Dataset {
	x := textclass.Rows(fz, c.Docs, workers)
	return &data.Dataset{X: kernel.Matrix{Rows: x.Rows, Cols: x.Cols}, Sparse: &x, Y: c.Y, Labels: c.Labels, Source: c.Source, Format: c.Format.String()}
}

// warnMultiLabel notes fastText lines with several labels.
func warnMultiLabel(w io.Writer, c *textclass.Corpus) {
	if c.MultiLabel > 0 {
		fmt.Fprintf(w, "warning: %s: %d lines have several __label__ tokens (the first at line %d): each is classified by its first label\n", c.Source, c.MultiLabel, c.FirstMultiLabel)
	}
}

// textTraining is what loadTextTrainTest made: the data sets and the
// featurizer settings (IDF included) to record in the model.
type textTraining struct {
	settings text.Settings
	seconds  float64 // reading, fitting the IDF and featurizing
}

// loadTextTrainTest reads the training text (and -test-data, or a split of
// the documents), fits the IDF on the training documents only if -tfidf,
// and featurizes both.
func loadTextTrainTest(in *inputFlags, tfmt textclass.Format, testPath string, testFrac float64, seed uint64, tf *textFlags, workers int, progress io.Writer) (train, test *data.Dataset, tt textTraining, err error) {
	start := time.Now()
	s, err := tf.settings()
	if err != nil {
		return nil, nil, tt, err
	}
	c, err := in.readCorpus(tfmt, false)
	if err != nil {
		return nil, nil, tt, err
	}
	warnMultiLabel(progress, c)
	var trainDocs, testDocs []string
	var testY []int
	testLabels := c.Labels
	testSource := c.Source
	testFormat := c.Format
	trainY := c.Y
	if testPath == "" {
		trIdx, teIdx, err := splitDocs(c, testFrac, seed)
		if err != nil {
			return nil, nil, tt, fmt.Errorf("-test: %w", err)
		}
		trainDocs, trainY = pick(c, trIdx)
		testDocs, testY = pick(c, teIdx)
	} else {
		trainDocs = c.Docs
		tin := *in
		tin.path = testPath
		tfmt2, err := tin.textFormat(false)
		if err != nil {
			return nil, nil, tt, err
		}
		if tfmt2 == 0 {
			return nil, nil, tt, fmt.Errorf("-test-data %s is not text (label<TAB>text or __label__ lines) like -data", testPath)
		}
		tc, err := tin.readCorpus(tfmt2, false)
		if err != nil {
			return nil, nil, tt, err
		}
		warnMultiLabel(progress, tc)
		testDocs, testY, testLabels, testSource, testFormat = tc.Docs, tc.Y, tc.Labels, tc.Source, tc.Format
	}
	if tf.tfidf {
		if s, err = textclass.FitIDF(s, trainDocs, workers); err != nil {
			return nil, nil, tt, err
		}
	}
	fz, err := text.New(s)
	if err != nil {
		return nil, nil, tt, err
	}
	train = textDataset(&textclass.Corpus{Docs: trainDocs, Y: trainY, Labels: c.Labels, Source: c.Source, Format: c.Format}, fz, workers)
	test = textDataset(&textclass.Corpus{Docs: testDocs, Y: testY, Labels: testLabels, Source: testSource, Format: testFormat}, fz, workers)
	if err := test.Remap(train.Labels); err != nil {
		return nil, nil, tt, fmt.Errorf("test data: %w", err)
	}
	tt = textTraining{settings: s, seconds: time.Since(start).Seconds()}
	fmt.Fprintf(progress, "featurized %d + %d documents (%s) into %d + %d non-zeros in %.3fs: %v\n",
		len(trainDocs), len(testDocs), data.FormatBytes(c.Bytes), train.Sparse.NNZ(), test.Sparse.NNZ(), tt.seconds, s)
	return train, test, tt, nil
}

// splitDocs returns the training and test documents of a stratified split
// of c as data.Split makes it for any data set (the same seed, the same
// rows): it splits a data set whose rows hold their document numbers
// (i>>12 and i&4095 in two columns, exact in float32).
func splitDocs(c *textclass.Corpus, testFrac float64, seed uint64) (trainIdx, testIdx []int, err error) {
	n := len(c.Docs)
	x := kernel.CSR{Rows: n, Cols: 2, RowPtr: make([]int, n+1), Index: make([]int32, 2*n), Value: make([]float32, 2*n)}
	for i := range n {
		x.RowPtr[i+1] = 2 * (i + 1)
		x.Index[2*i], x.Index[2*i+1] = 0, 1
		x.Value[2*i], x.Value[2*i+1] = float32(i>>12), float32(i&4095)
	}
	d := &data.Dataset{X: kernel.Matrix{Rows: n, Cols: 2}, Sparse: &x, Y: c.Y, Labels: c.Labels, Source: c.Source}
	tr, te, err := data.Split(d, testFrac, seed)
	if err != nil {
		return nil, nil, err
	}
	rows := func(d *data.Dataset) []int {
		idx := make([]int, d.Len())
		for k := range idx {
			_, v := d.Sparse.Row(k)
			idx[k] = int(v[0])<<12 | int(v[1])
		}
		return idx
	}
	return rows(tr), rows(te), nil
}

// pick returns the documents idx of c and their classes.
func pick(c *textclass.Corpus, idx []int) ([]string, []int) {
	docs, y := make([]string, len(idx)), make([]int, len(idx))
	for k, i := range idx {
		docs[k], y[k] = c.Docs[i], c.Y[i]
	}
	return docs, y
}

// openForModel loads in's data for eval and predict with the model m: text
// (see textFormat) featurized by the model's featurizer, or what
// openHeldOut reads.
func (f *inputFlags) openForModel(m *kernel.Model, noLabel bool, w io.Writer) (*data.Dataset, error) {
	_, err := textclass.SettingsOf(m)
	isText := err == nil
	tfmt, ferr := f.textFormat(isText)
	if ferr != nil {
		return nil, ferr
	}
	if tfmt == 0 {
		return f.openHeldOut(w)
	}
	if !isText {
		if errors.Is(err, textclass.ErrNoFeaturizer) {
			return nil, fmt.Errorf("%s is text (%v), but the model records no text featurizer: it was trained on feature rows or imported; give it feature rows (-format csv or libsvm), or use a model trained on text", f.path, tfmt)
		}
		return nil, err
	}
	cl, err := textclass.FromModel(m)
	if err != nil {
		return nil, err
	}
	c, err := f.readCorpus(tfmt, noLabel)
	if err != nil {
		return nil, err
	}
	warnMultiLabel(w, c)
	return textDataset(c, cl.Featurizer(), 0), nil
}
