package text

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// doc100 is a document of exactly 100 word tokens (checked by
// TestDoc100Tokens).
const doc100 = `Package maxent trains multinomial logistic regression models: a weight
matrix and a bias per class, fitted by stochastic gradient descent or by the
quasi-Newton method L-BFGS, with optional L1 and L2 penalties. Rows may be
dense float32 vectors or sparse rows of hashed text features; the softmax,
the loss and the gradient run in SIMD kernels generated for AVX-512, AVX2
and NEON, with a portable Go fallback used elsewhere. A trained model is
saved with its class names and settings, and a certificate reports how far
the weights are from the optimum of the objective on the training rows of
the data set.`

func TestDoc100Tokens(t *testing.T) {
	f, _ := New(DefaultSettings())
	if n := len(grams(f, doc100)); n != 100 {
		t.Fatalf("doc100 has %d tokens", n)
	}
}

// TestAppendRowBuffers checks rows append to what idx and val hold, and the
// pool and a caller's Scratch give the same rows.
func TestAppendRowBuffers(t *testing.T) {
	f, _ := New(DefaultSettings())
	idx, val := f.AppendRow([]int32{-1}, []float32{-1}, doc100)
	if idx[0] != -1 || val[0] != -1 || len(idx) != len(val) || len(idx) < 50 {
		t.Fatalf("prefix lost or short row: %d values", len(idx))
	}
	var sc Scratch
	i2, v2 := f.AppendRowScratch(&sc, nil, nil, "something else entirely, longer than that")
	i2, v2 = f.AppendRowScratch(&sc, i2[:0], v2[:0], doc100)
	if !slices.Equal(i2, idx[1:]) || !slices.Equal(v2, val[1:]) {
		t.Error("Scratch and pool rows differ")
	}
	if idx, val := f.AppendRow(nil, nil, ""); len(idx) != 0 || len(val) != 0 {
		t.Errorf("empty document: %v %v", idx, val)
	}
}

// TestAppendRowAllocs checks a row allocates nothing once buffers have grown.
func TestAppendRowAllocs(t *testing.T) {
	for _, s := range benchSettings(t) {
		f, err := New(s.s)
		if err != nil {
			t.Fatal(err)
		}
		idx, val := make([]int32, 0, 4096), make([]float32, 0, 4096)
		var sc Scratch
		if a := testing.AllocsPerRun(50, func() { f.AppendRowScratch(&sc, idx, val, doc100) }); a != 0 {
			t.Errorf("%s: AppendRowScratch: %v allocations", s.name, a)
		}
		f.AppendRow(idx, val, doc100)
		if a := testing.AllocsPerRun(50, func() { f.AppendRow(idx, val, doc100) }); a > 0.1 {
			t.Errorf("%s: AppendRow: %v allocations", s.name, a)
		}
	}
}

type namedSettings struct {
	name string
	s    Settings
}

func benchSettings(t testing.TB) []namedSettings {
	word12 := Settings{Analyzer: Word, NgramMin: 1, NgramMax: 2, Bits: 18, AlternateSign: true, Norm: L2, Lowercase: true}
	tfidf := word12
	tfidf.AlternateSign, tfidf.SublinearTF = false, true
	return []namedSettings{
		{"word1-1", DefaultSettings()},
		{"word1-2", word12},
		{"char_wb2-4", Settings{Analyzer: CharWB, NgramMin: 2, NgramMax: 4, Bits: 18, AlternateSign: true, Norm: L2, Lowercase: true}},
		{"word1-2-tfidf", fitted(t, tfidf)},
	}
}

// BenchmarkAppendRow featurizes a 100-token document (doc100, 600 bytes).
func BenchmarkAppendRow(b *testing.B) {
	for _, s := range benchSettings(b) {
		f, _ := New(s.s)
		idx, val := make([]int32, 0, 4096), make([]float32, 0, 4096)
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(doc100)))
			for b.Loop() {
				idx, val = f.AppendRow(idx[:0], val[:0], doc100)
			}
		})
	}
	f, _ := New(DefaultSettings())
	greek := strings.Repeat("Η ΓΡΗΓΟΡΗ καφέ αλεπού πηδάει πάνω από τον τεμπέλη σκύλο. ", 10)
	b.Run("word1-1-greek", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(greek)))
		idx, val := make([]int32, 0, 4096), make([]float32, 0, 4096)
		for b.Loop() {
			idx, val = f.AppendRow(idx[:0], val[:0], greek)
		}
	})
	b.Run("word1-1-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(doc100)))
		b.RunParallel(func(pb *testing.PB) {
			idx, val := make([]int32, 0, 4096), make([]float32, 0, 4096)
			for pb.Next() {
				idx, val = f.AppendRow(idx[:0], val[:0], doc100)
			}
		})
	})
}

var fuzzSettings = func() []Settings {
	ss := []Settings{
		DefaultSettings(),
		{Analyzer: Word, NgramMin: 1, NgramMax: 3, Bits: 6, AlternateSign: true, Norm: L1, Lowercase: true},
		{Analyzer: Word, NgramMin: 2, NgramMax: 2, Bits: 12, Binary: true, Norm: NoNorm},
		{Analyzer: Char, NgramMin: 1, NgramMax: 4, Bits: 10, AlternateSign: true, Norm: L2, Lowercase: true},
		{Analyzer: CharWB, NgramMin: 2, NgramMax: 5, Bits: 8, AlternateSign: true, Binary: true, Norm: L2, Lowercase: true},
		{Analyzer: CharWB, NgramMin: 1, NgramMax: 1, Bits: 3, Norm: L1},
	}
	for _, s := range []Settings{
		{Analyzer: Word, NgramMin: 1, NgramMax: 2, Bits: 5, Norm: L2, Lowercase: true, SublinearTF: true},
		{Analyzer: CharWB, NgramMin: 2, NgramMax: 3, Bits: 7, AlternateSign: true, Norm: L1, Lowercase: true},
	} {
		s, err := Fit(s, slices.Values([]string{"the quick brown fox", "jumps over the lazy dog", "ΟΔΟΣ İstanbul"}))
		if err != nil {
			panic(err)
		}
		ss = append(ss, s)
	}
	return ss
}()

var fuzzFeaturizers = func() []*Featurizer {
	fs := make([]*Featurizer, len(fuzzSettings))
	for i, s := range fuzzSettings {
		var err error
		if fs[i], err = New(s); err != nil {
			panic(err)
		}
	}
	return fs
}()

// FuzzAppendRow: any bytes, under each of several settings, give a row
// without panicking, the same row every time, with strictly increasing
// in-range columns, finite values, and a unit norm when normalised.
func FuzzAppendRow(f *testing.F) {
	for _, s := range append([]string{"", " ", "a", "ab", "Hello, World!", doc100, "\xff\xfe", "ΟΔΟΣ ΣΑΣ", "İİ", "a\x1cb  c"}, unicodePieces...) {
		f.Add([]byte(s), uint8(len(s)))
	}
	var sc Scratch
	f.Fuzz(func(t *testing.T, data []byte, sel uint8) {
		fz := fuzzFeaturizers[int(sel)%len(fuzzFeaturizers)]
		s := fz.s
		idx, val := fz.AppendRow(nil, nil, string(data))
		i2, v2 := fz.AppendRowScratch(&sc, []int32{7}, []float32{7}, string(data))
		if len(i2) != len(idx)+1 || !slices.Equal(i2[1:], idx) || !slices.Equal(v2[1:], val) {
			t.Fatalf("%v: rows differ between calls", s)
		}
		if len(idx) != len(val) {
			t.Fatalf("%d indices, %d values", len(idx), len(val))
		}
		var l1, l2 float64
		nonzero := false
		for k, c := range idx {
			if c < 0 || int(c) >= s.Columns() || (k > 0 && c <= idx[k-1]) {
				t.Fatalf("%v: columns %v", s, idx)
			}
			v := float64(val[k])
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%v: value %v", s, v)
			}
			if s.IDF != nil && v == 0 {
				t.Fatalf("%v: a zero after the IDF", s)
			}
			if s.Binary && s.IDF == nil && s.Norm == NoNorm && v != 1 {
				t.Fatalf("%v: binary value %v", s, v)
			}
			nonzero = nonzero || v != 0
			l1 += math.Abs(v)
			l2 += v * v
		}
		switch {
		case !nonzero:
		case s.Norm == L2 && math.Abs(l2-1) > 1e-5:
			t.Fatalf("%v: squared l2 norm %v", s, l2)
		case s.Norm == L1 && math.Abs(l1-1) > 1e-5:
			t.Fatalf("%v: l1 norm %v", s, l1)
		}
	})
}

func TestRadixSort(t *testing.T) {
	var sc Scratch
	for _, n := range []int{0, 1, radixMin - 1, radixMin, 1000, 5000} {
		for _, bits := range []int{1, 9, 17, 31} {
			sc.ent = sc.ent[:0]
			x := uint64(n*bits) + 1
			for range n {
				x ^= x << 13
				x ^= x >> 7
				x ^= x << 17
				sc.ent = append(sc.ent, x&(1<<bits-1))
			}
			want := slices.Sorted(slices.Values(sc.ent))
			sc.sort(bits)
			if !slices.Equal(sc.ent, want) {
				t.Fatalf("n %d bits %d: not sorted", n, bits)
			}
		}
	}
}

// TestConcurrentRows featurizes from several goroutines at once (with the
// race detector, a check of the pool's use).
func TestConcurrentRows(t *testing.T) {
	f := fuzzFeaturizers[len(fuzzFeaturizers)-1]
	docs := randomUnicodeDocs(200, 3)
	want := make([][]int32, len(docs))
	for i, d := range docs {
		want[i], _ = f.AppendRow(nil, nil, string(d))
	}
	errs := make(chan string, 4)
	for g := range 4 {
		go func() {
			var idx []int32
			var val []float32
			for k := range docs {
				i := (k + 50*g) % len(docs)
				if idx, val = f.AppendRow(idx[:0], val[:0], string(docs[i])); !slices.Equal(idx, want[i]) {
					errs <- "rows differ"
					return
				}
			}
			errs <- ""
		}()
	}
	for range 4 {
		if e := <-errs; e != "" {
			t.Fatal(e)
		}
	}
}
