package textclass

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// BenchmarkPredictProbaText classifies a 100-token document (doc100) into
// 20 classes from raw text: featurize (tokens, hashing, sort, l2 norm),
// score and softmax, in 2^18 columns, with word unigrams and with uni- and
// bigrams (the default of maxent train on text).
func BenchmarkPredictProbaText(b *testing.B) {
	for _, bc := range []struct {
		name  string
		grams int
	}{{"unigrams", 1}, {"uni+bigrams", 2}} {
		c := randomClassifier(b, 20, wordSettings(18, bc.grams))
		p := make([]float32, 20)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.PredictProbaText(p, doc100)
			}
		})
		b.Run(bc.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				p := make([]float32, 20)
				for pb.Next() {
					c.PredictProbaText(p, doc100)
				}
			})
		})
	}
}

// BenchmarkPredictProbaSparse is the scoring alone: a row of 100 non-zeros
// (random columns of 2^18) into 20 classes.
func BenchmarkPredictProbaSparse(b *testing.B) {
	c := randomClassifier(b, 20, wordSettings(18, 1))
	rng := rand.New(rand.NewPCG(1, 2))
	idx := make([]int32, 0, 100)
	for len(idx) < 100 {
		j := int32(rng.IntN(1 << 18))
		if !slices.Contains(idx, j) {
			idx = append(idx, j)
		}
	}
	slices.Sort(idx)
	val := make([]float32, 100)
	for i := range val {
		val[i] = 0.1
	}
	p := make([]float32, 20)
	m := c.Model()
	b.ReportAllocs()
	for b.Loop() {
		m.PredictProbaSparse(p, idx, val)
	}
}
