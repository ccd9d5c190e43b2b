package kernel_test

import (
	"fmt"

	"github.com/seed7bc074a2/maxent/kernel"
)

// The same scores through three links: the multinomial softmax (the
// default), one-vs-rest logistic models normalised to sum to 1, and the raw
// scores. Predict is the class of the largest score under every link.
func ExampleLink() {
	m := kernel.NewModel(3, 2)
	copy(m.W.Row(0), []float32{1, 0})
	copy(m.W.Row(1), []float32{0, 1})
	copy(m.B, []float32{0, 0, 0.5})
	x := []float32{2, 1} // scores 2, 1, 0.5
	p := make([]float32, 3)
	for _, link := range []kernel.Link{kernel.LinkSoftmax, kernel.LinkOneVsRest, kernel.LinkRaw} {
		m.Link = link
		m.PredictProba(p, x)
		fmt.Printf("%-11v %.4f class %d\n", link, p, m.Predict(x))
	}
	// Output:
	// softmax     [0.6285 0.2312 0.1402] class 0
	// one-vs-rest [0.3942 0.3272 0.2786] class 0
	// raw         [2.0000 1.0000 0.5000] class 0
}
