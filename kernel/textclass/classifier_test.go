package textclass

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/seed7bc074a2/maxent/kernel"
	"github.com/seed7bc074a2/maxent/kernel/data/text"
)

// doc100 is a document of 100 word tokens (the document of the text
// package's BenchmarkAppendRow).
const doc100 = `Package maxent trains multinomial logistic regression models: a weight
matrix and a bias per class, fitted by stochastic gradient descent or by the
quasi-Newton method L-BFGS, with optional L1 and L2 penalties. Rows may be
dense float32 vectors or sparse rows of hashed text features; the softmax,
the loss and the gradient run in SIMD kernels generated for AVX-512, AVX2
and NEON, with a portable Go fallback used elsewhere. A trained model is
saved with its class names and settings, and a certificate reports how far
the weights are from the optimum of the objective on the training rows of
the data set.`

// wordSettings are uni- and bigrams in 2^bits columns, without signs.
func wordSettings(bits, ngramMax int) text.Settings {
	s := text.DefaultSettings()
	s.Bits, s.NgramMax, s.AlternateSign = bits, ngramMax, false
	return s
}

// randomClassifier is a classifier with random weights: k classes on the
// rows of s.
func randomClassifier(t testing.TB, k int, s text.Settings) *Classifier {
	rng := rand.New(rand.NewPCG(uint64(k), uint64(s.Bits)))
	m := kernel.NewModel(k, s.Columns())
	for i := 0; i < k; i++ {
		for j := range m.W.Row(i) {
			m.W.Row(i)[j] = rng.Float32()*2 - 1
		}
		m.B[i] = rng.Float32() - 0.5
	}
	m.Labels = make([]string, k)
	for i := range m.Labels {
		m.Labels[i] = fmt.Sprintf("class %d", i)
	}
	c, err := New(m, s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var someDocs = []string{doc100, "", "a", "Hello, World! hello world", "ΣΊΣΥΦΟΣ και η πέτρα", "\xff\xfe invalid \xc3", strings.Repeat("word ", 3000)}

// TestPredictText checks PredictProbaText and PredictText are the
// featurizer's row through PredictProbaSparse and PredictSparse, bit for
// bit.
func TestPredictText(t *testing.T) {
	s := wordSettings(12, 2)
	c := randomClassifier(t, 7, s)
	f, _ := text.New(s)
	p, q := make([]float32, 7), make([]float32, 7)
	for _, d := range someDocs {
		idx, val := f.AppendRow(nil, nil, d)
		c.Model().PredictProbaSparse(q, idx, val)
		c.PredictProbaText(p, d)
		if !slices.Equal(p, q) {
			t.Errorf("%.20q: %v, want %v", d, p, q)
		}
		if got, want := c.PredictText(d), c.Model().PredictSparse(idx, val); got != want {
			t.Errorf("%.20q: class %d, want %d", d, got, want)
		}
	}
}

// TestRoundTrip saves a classifier's model with Attach and reads it back
// with Read: the settings, IDF included, come back and every prediction is
// identical.
func TestRoundTrip(t *testing.T) {
	s := wordSettings(10, 3)
	s.SublinearTF = true
	s, err := FitIDF(s, someDocs, 2)
	if err != nil {
		t.Fatal(err)
	}
	c := randomClassifier(t, 5, s)
	m := c.Model()
	if err := Attach(m, s); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	c2, err := Read(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	s2 := c2.Featurizer().Settings()
	want, _ := s.MarshalBinary()
	got, _ := s2.MarshalBinary()
	if !bytes.Equal(got, want) || s2.IDF == nil || s2.IDF.Docs() != len(someDocs) {
		t.Fatalf("settings %v, want %v", s2, s)
	}
	p, q := make([]float32, 5), make([]float32, 5)
	for _, d := range someDocs {
		c.PredictProbaText(p, d)
		c2.PredictProbaText(q, d)
		if !slices.Equal(p, q) || c.PredictText(d) != c2.PredictText(d) {
			t.Errorf("%.20q: %v, read back %v", d, p, q)
		}
	}
	// Errors: no featurizer, another kind, the wrong width, bad bytes.
	m3 := m.Clone()
	m3.Featurizer = nil
	if _, err := FromModel(m3); !errors.Is(err, ErrNoFeaturizer) {
		t.Errorf("no featurizer: %v", err)
	}
	m3.Featurizer = &kernel.FeaturizerSpec{Kind: "image", Data: want}
	if _, err := FromModel(m3); !errors.Is(err, ErrNoFeaturizer) || !strings.Contains(err.Error(), `"image"`) {
		t.Errorf("other kind: %v", err)
	}
	m3.Featurizer = &kernel.FeaturizerSpec{Kind: Kind, Data: want[:len(want)-1]}
	if _, err := FromModel(m3); err == nil {
		t.Error("truncated settings accepted")
	}
	if err := Attach(kernel.NewModel(2, 100), s); err == nil {
		t.Error("Attach to a model of another width")
	}
	if _, err := New(kernel.NewModel(2, 100), s); err == nil {
		t.Error("New with a model of another width")
	}
}

// TestPredictTextAllocs: no allocation once the buffers have grown.
func TestPredictTextAllocs(t *testing.T) {
	if raceOn {
		t.Skip("sync.Pool drops items under the race detector")
	}
	c := randomClassifier(t, 20, wordSettings(18, 2))
	p := make([]float32, 20)
	c.PredictProbaText(p, doc100)
	if n := testing.AllocsPerRun(200, func() { c.PredictProbaText(p, doc100) }); n != 0 {
		t.Errorf("PredictProbaText: %v allocations", n)
	}
	if n := testing.AllocsPerRun(200, func() { c.PredictText(doc100) }); n != 0 {
		t.Errorf("PredictText: %v allocations", n)
	}
}

// TestConcurrent runs predictions on many goroutines (run with -race):
// each gives the serial result.
func TestConcurrent(t *testing.T) {
	c := randomClassifier(t, 9, wordSettings(14, 2))
	want := make([][]float32, len(someDocs))
	for i, d := range someDocs {
		want[i] = make([]float32, 9)
		c.PredictProbaText(want[i], d)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := make([]float32, 9)
			for r := range 50 {
				i := (g + r) % len(someDocs)
				c.PredictProbaText(p, someDocs[i])
				if !slices.Equal(p, want[i]) {
					errs <- fmt.Sprintf("goroutine %d, doc %d: %v, want %v", g, i, p, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestRows checks Rows gives AppendRow's rows in order for any number of
// workers, and FitIDF text.Fit's weights.
func TestRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	words := strings.Fields(doc100)
	docs := make([]string, 3*rowChunk+17)
	for i := range docs {
		n := rng.IntN(30)
		w := make([]string, n)
		for j := range w {
			w[j] = words[rng.IntN(len(words))]
		}
		docs[i] = strings.Join(w, " ")
	}
	s := wordSettings(16, 2)
	want, err := text.Fit(s, slices.Values(docs))
	if err != nil {
		t.Fatal(err)
	}
	wantB, _ := want.MarshalBinary()
	f, _ := text.New(want)
	for _, workers := range []int{0, 1, 2, 3, 8} {
		got, err := FitIDF(s, docs, workers)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := got.MarshalBinary(); !bytes.Equal(b, wantB) {
			t.Errorf("workers %d: FitIDF differs from text.Fit", workers)
		}
		x := Rows(f, docs, workers)
		if _, err := kernel.NewCSR(x.Rows, x.Cols, x.RowPtr, x.Index, x.Value); err != nil {
			t.Fatal(err)
		}
		if x.Rows != len(docs) || x.Cols != 1<<16 {
			t.Fatalf("%d×%d", x.Rows, x.Cols)
		}
		for i, d := range docs {
			idx, val := f.AppendRow(nil, nil, d)
			gi, gv := x.Row(i)
			if !slices.Equal(gi, idx) || !slices.Equal(gv, val) {
				t.Fatalf("workers %d, row %d differs", workers, i)
			}
		}
	}
	if _, err := FitIDF(s, nil, 0); err == nil {
		t.Error("IDF of no documents")
	}
	if x := Rows(f, nil, 2); x.Rows != 0 || len(x.RowPtr) != 1 {
		t.Errorf("no documents: %+v", x)
	}
}

// TestTrainText trains on a small corpus through the sparse trainer and
// checks the classifier of the saved model classifies held-out documents.
func TestTrainText(t *testing.T) {
	in := strings.Repeat("__label__fruit apple banana cherry apple pie\n__label__code func main return err nil\n__label__fruit banana split with cherry on top\n__label__code if err != nil { return err }\n", 20)
	c, err := ReadCorpus(strings.NewReader(in), "t.ft", FastText, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := wordSettings(12, 2)
	f, _ := text.New(s)
	x := Rows(f, c.Docs, 0)
	m := kernel.NewModel(len(c.Labels), x.Cols)
	m.Labels = c.Labels
	tr := kernel.Trainer{Epochs: 5, BatchSize: 4, LearningRate: 1, L2: 1e-4, Seed: 1, Workers: 1}
	if _, err := tr.FitSparse(m, x, c.Y, kernel.CSR{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := Attach(m, s); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	m.WriteTo(&b)
	cl, err := Read(&b)
	if err != nil {
		t.Fatal(err)
	}
	for doc, want := range map[string]string{"cherry and apple": "fruit", "return nil, err": "code"} {
		if got := cl.Label(cl.PredictText(doc)); got != want {
			t.Errorf("%q: %s, want %s", doc, got, want)
		}
	}
	p := make([]float32, 2)
	cl.PredictProbaText(p, "banana")
	if !(p[1] > 0.5) || math.Abs(float64(p[0]+p[1])-1) > 1e-6 {
		t.Errorf("banana: %v", p)
	}
}
