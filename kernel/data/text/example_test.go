package text_test

import (
	"fmt"
	"slices"

	"github.com/seed7bc074a2/maxent/kernel/data/text"
)

// Rows as scikit-learn's HashingVectorizer(n_features=2**8) stores them
// (the same columns and values): columns in increasing order, signed
// counts divided by the l2 norm ("the" twice; "a" is too short a token).
func Example() {
	s := text.DefaultSettings()
	s.Bits = 8
	f, err := text.New(s)
	if err != nil {
		panic(err)
	}
	var idx []int32
	var val []float32
	for _, doc := range []string{"The cat sat on the mat.", "A dog! A cat?"} {
		idx, val = f.AppendRow(idx[:0], val[:0], doc)
		fmt.Println(idx, val)
	}
	// Output:
	// [39 55 139 158 180] [0.35355338 -0.35355338 -0.35355338 -0.70710677 0.35355338]
	// [37 39] [-0.70710677 0.70710677]
}

// TF-IDF fitted on training documents, saved with the settings and loaded
// back, as scikit-learn's HashingVectorizer(n_features=2**10,
// ngram_range=(1, 2), alternate_sign=False, norm=None) followed by
// TfidfTransformer() fitted on the same documents.
func ExampleFit() {
	s := text.DefaultSettings()
	s.Bits, s.NgramMax, s.AlternateSign = 10, 2, false
	train := []string{"the cat sat", "the dog sat", "the cat ran"}
	s, err := text.Fit(s, slices.Values(train))
	if err != nil {
		panic(err)
	}
	b, err := s.MarshalBinary()
	if err != nil {
		panic(err)
	}
	var loaded text.Settings
	if err := loaded.UnmarshalBinary(b); err != nil {
		panic(err)
	}
	f, err := text.New(loaded)
	if err != nil {
		panic(err)
	}
	idx, val := f.AppendRow(nil, nil, "The cat sat.")
	fmt.Println(loaded.IDF.Docs(), idx)
	fmt.Printf("%.4f\n", val)
	// Output:
	// 3 [158 322 807 948 1006]
	// [0.3363 0.4331 0.4331 0.4331 0.5694]
}
