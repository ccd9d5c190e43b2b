// Package textclass classifies raw text with a maxent model: a
// [github.com/seed7bc074a2/maxent/kernel.Model] trained on the hashed rows
// of package [github.com/seed7bc074a2/maxent/kernel/data/text] (scikit-learn's
// HashingVectorizer, optionally with TF-IDF), whose model file records the
// featurizer's settings, IDF weights included, so that the rows are rebuilt
// exactly as at training time.
//
// A service loads a model once and calls [Classifier.PredictProbaText] or
// [Classifier.PredictText] per request: text in, probabilities (or a class)
// out, without allocating in steady state, from any number of goroutines.
//
//	c, err := textclass.Read(f)          // a model file written by maxent train on text
//	p := make([]float32, c.Classes())
//	c.PredictProbaText(p, "func main() { fmt.Println(os.Args) }")
//	label := c.Label(c.PredictText(doc))
//
// For training, [ReadCorpus] reads the two text formats of the maxent
// command (label<TAB>text lines and fastText's __label__ lines, see
// [Format]), [FitIDF] fits TF-IDF weights on training documents, [Rows]
// featurizes documents in parallel into a [kernel.CSR] for
// [kernel.Trainer.FitSparse] or [kernel.LBFGS.FitSparse], and [Attach]
// records the settings in the trained model. docs/text.md tells the
// whole path, from the command line too.
package textclass
