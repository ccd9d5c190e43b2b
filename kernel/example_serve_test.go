package kernel_test

import (
	"fmt"
	"sync"

	"github.com/seed7bc074a2/maxent/kernel"
)

// Serving one model from many goroutines: the model is shared (prediction
// only reads it) and every goroutine predicts into a row and an output of
// its own from kernel.NewVector, which no other goroutine's data shares a
// cache line with. Results go out by value (a channel here), not into
// adjacent slots of one shared slice.
func ExampleModel_serving() {
	m := kernel.NewModel(3, 2)
	m.Labels = []string{"cat", "dog", "fish"}
	copy(m.W.Row(0), []float32{2, 0})
	copy(m.W.Row(1), []float32{0, 2})
	copy(m.W.Row(2), []float32{-1, -1})

	type request struct {
		id       int
		features []float32
	}
	type answer struct {
		id    int
		label string
		p     float32
	}
	requests, answers := make(chan request), make(chan answer)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// This goroutine's buffers, each on cache lines of its own.
			x, p := kernel.NewVector(m.Features), kernel.NewVector(m.Classes)
			for r := range requests {
				copy(x, r.features) // e.g. decode the request into x
				m.PredictProba(p, x)
				c := m.Predict(x)
				answers <- answer{r.id, m.Label(c), p[c]}
			}
		}()
	}
	rows := [][]float32{{1, 0}, {0, 1}, {-1, -1}, {3, 1}}
	go func() {
		for i, x := range rows {
			requests <- request{i, x}
		}
		close(requests)
		wg.Wait()
		close(answers)
	}()
	out := make([]answer, len(rows))
	for a := range answers {
		out[a.id] = a
	}
	for _, a := range out {
		fmt.Printf("%s %.3f\n", a.label, a.p)
	}
	// Output:
	// cat 0.844
	// dog 0.844
	// fish 0.965
	// cat 0.982
}
