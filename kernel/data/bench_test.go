package data

import (
	"bytes"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"testing"
)

// fashionLikeCSV returns n rows of 784 pixel values (half of them 0, the
// rest 1..255) and a label 0..9, like Fashion-MNIST written as CSV.
func fashionLikeCSV(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 1))
	var b []byte
	for range n {
		for range 784 {
			v := 0
			if rng.IntN(2) == 0 {
				v = 1 + rng.IntN(255)
			}
			b = strconv.AppendInt(b, int64(v), 10)
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(rng.IntN(10)), 10)
		b = append(b, '\n')
	}
	return b
}

func BenchmarkReadCSV(b *testing.B) {
	in := fashionLikeCSV(10000)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := ReadCSV(bytes.NewReader(in), "bench.csv", CSVOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadCSVQuoted reads fashionLikeCSV with every label quoted,
// which sends each row through the quote-aware path.
func BenchmarkReadCSVQuoted(b *testing.B) {
	in := bytes.ReplaceAll(fashionLikeCSV(10000), []byte("\n"), []byte("\"\n"))
	in = regexpLastComma.ReplaceAll(in, []byte(",\"$1"))
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := ReadCSV(bytes.NewReader(in), "bench.csv", CSVOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// regexpLastComma matches the last field of a line and its separator.
var regexpLastComma = regexp.MustCompile(`(?m),([^,\n]*"$)`)

func BenchmarkReadLIBSVM(b *testing.B) {
	d, err := ReadCSV(bytes.NewReader(fashionLikeCSV(10000)), "bench.csv", CSVOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var in []byte
	for i := range d.Len() {
		in = append(in, d.Labels[d.Y[i]]...)
		for j, v := range d.X.Row(i) {
			if v != 0 {
				in = append(in, ' ')
				in = strconv.AppendInt(in, int64(j+1), 10)
				in = append(in, ':')
				in = strconv.AppendFloat(in, float64(v), 'g', -1, 32)
			}
		}
		in = append(in, '\n')
	}
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := ReadLIBSVM(bytes.NewReader(in), "bench.svm", LIBSVMOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenFashionMNIST(b *testing.B) {
	const dir = "/usr/share/datasets/fashion-mnist"
	if _, err := os.Stat(dir); err != nil {
		b.Skip("fashion-mnist not installed")
	}
	for b.Loop() {
		if _, err := Open(dir, "", CSVOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
