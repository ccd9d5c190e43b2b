package textclass_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/seed7bc074a2/maxent/kernel"
	"github.com/seed7bc074a2/maxent/kernel/data/text"
	"github.com/seed7bc074a2/maxent/kernel/textclass"
)

// Train on a few labelled documents, save the model with its featurizer,
// and classify raw text with the classifier read back, as a service does
// per request.
func Example() {
	corpus := strings.Repeat(
		"fruit\tapple banana cherry apple pie\n"+
			"code\tfunc main() { return err }\n"+
			"fruit\tbanana split with a cherry on top\n"+
			"code\tif err != nil { return nil, err }\n", 10)
	c, err := textclass.ReadCorpus(strings.NewReader(corpus), "docs.txt", textclass.Text, textclass.ReadOptions{})
	if err != nil {
		panic(err)
	}
	s := text.DefaultSettings() // scikit-learn's HashingVectorizer()
	s.Bits, s.NgramMax, s.AlternateSign = 12, 2, false
	f, err := text.New(s)
	if err != nil {
		panic(err)
	}
	x := textclass.Rows(f, c.Docs, 0) // a kernel.CSR
	m := kernel.NewModel(len(c.Labels), x.Cols)
	m.Labels = c.Labels
	tr := kernel.Trainer{Epochs: 5, BatchSize: 4, LearningRate: 1, L2: 1e-4, Seed: 1, Workers: 1}
	if _, err := tr.FitSparse(m, x, c.Y, kernel.CSR{}, nil); err != nil {
		panic(err)
	}
	if err := textclass.Attach(m, s); err != nil { // the model file keeps s
		panic(err)
	}
	var file bytes.Buffer
	if _, err := m.WriteTo(&file); err != nil {
		panic(err)
	}

	cl, err := textclass.Read(&file) // in the service, once
	if err != nil {
		panic(err)
	}
	p := make([]float32, cl.Classes())
	for _, doc := range []string{"An apple and a cherry", "return err"} {
		cl.PredictProbaText(p, doc) // per request: no allocation, concurrent
		fmt.Printf("%-24q %s (p = %.2f)\n", doc, cl.Label(cl.PredictText(doc)), max(p[0], p[1]))
	}
	// Output:
	// "An apple and a cherry"  fruit (p = 0.80)
	// "return err"             code (p = 0.95)
}
