package kernel

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// randomModel returns a model with weights and biases uniform in [−1, 1].
func randomModel(rng *rand.Rand, k, m int, labels bool) *Model {
	md := NewModel(k, m)
	for i := 0; i < k; i++ {
		for j := range md.W.Row(i) {
			md.W.Row(i)[j] = rng.Float32()*2 - 1
		}
		md.B[i] = rng.Float32()*2 - 1
	}
	if labels {
		md.Labels = make([]string, k)
		for i := range md.Labels {
			md.Labels[i] = "class-" + string(rune('a'+i%26)) + strings.Repeat("é", i/26)
		}
	}
	return md
}

func randVec(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = rng.Float32()*2 - 1
	}
	return x
}

func TestPredictMatchesOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	forEachBackendModel(t, func(t *testing.T) {
		for _, k := range []int{1, 2, 3, 10, 63, 64, 65, 130} {
			for _, m := range []int{0, 1, 7, 64, 784} {
				md := randomModel(rng, k, m, false)
				x := randVec(rng, m)
				p := make([]float32, k)
				md.PredictProba(p, x)
				// float64 oracle
				z := make([]float64, k)
				zmax := math.Inf(-1)
				for i := range z {
					z[i] = float64(md.B[i])
					for j, v := range md.W.Row(i) {
						z[i] += float64(v) * float64(x[j])
					}
					zmax = math.Max(zmax, z[i])
				}
				var s float64
				for i := range z {
					s += math.Exp(z[i] - zmax)
				}
				for i := range z {
					want := math.Exp(z[i]-zmax) / s
					// The logits carry MatVec's rounding (up to ~1e-6 at
					// |z| ≈ 10), so the end-to-end tolerance is wider than
					// Softmax's own 1e-6.
					if d := math.Abs(float64(p[i]) - want); d > 1e-5 {
						t.Fatalf("k=%d m=%d: p[%d] = %v, want %v", k, m, i, p[i], want)
					}
				}
				c := md.Predict(x)
				if c < 0 || c >= k {
					t.Fatalf("k=%d m=%d: Predict = %d", k, m, c)
				}
				// The predicted class has the largest logit up to rounding.
				if z[c] < zmax-1e-4*(1+math.Abs(zmax)) {
					t.Fatalf("k=%d m=%d: Predict = %d with logit %v, max logit %v", k, m, c, z[c], zmax)
				}
			}
		}
	})
}

// forEachBackendModel runs f once per available backend.
func forEachBackendModel(t *testing.T, f func(t *testing.T)) {
	orig := Backend()
	t.Cleanup(func() { Use(orig) })
	for _, b := range Available() {
		if err := Use(b); err != nil {
			t.Fatal(err)
		}
		t.Run("isa="+b, f)
	}
}

func TestPredictSpecial(t *testing.T) {
	md := NewModel(3, 2)
	if c := md.Predict([]float32{1, 2}); c != 0 {
		t.Errorf("all-zero model: Predict = %d, want 0 (lowest index on ties)", c)
	}
	nan := float32(math.NaN())
	if c := md.Predict([]float32{nan, 1}); c != -1 {
		t.Errorf("NaN input: Predict = %d, want -1", c)
	}
	p := make([]float32, 3)
	md.PredictProba(p, []float32{nan, 1})
	for i, v := range p {
		if v == v {
			t.Errorf("NaN input: p[%d] = %v, want NaN", i, v)
		}
	}
	expectPanic(t, "kernel.Model.Predict: len(x) = 1, want Features = 2", func() { md.Predict([]float32{1}) })
	expectPanic(t, "kernel.Model.PredictProba: len(dst) = 2, want Classes = 3", func() { md.PredictProba(p[:2], []float32{1, 2}) })
	expectPanic(t, "kernel.Model.PredictProba: len(x) = 3, want Features = 2", func() { md.PredictProba(p, []float32{1, 2, 3}) })
}

func expectPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want %q", want)
		}
		if s, _ := r.(string); s != want {
			t.Fatalf("panic %q, want %q", r, want)
		}
	}()
	f()
}

func TestPredictAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	forEachBackendModel(t, func(t *testing.T) {
		for _, k := range []int{10, 200} {
			md := randomModel(rng, k, 784, true)
			x := randVec(rng, 784)
			p := make([]float32, k)
			if a := testing.AllocsPerRun(100, func() { md.Predict(x) }); a != 0 {
				t.Errorf("k=%d: Predict allocates %v times per call", k, a)
			}
			if a := testing.AllocsPerRun(100, func() { md.PredictProba(p, x) }); a != 0 {
				t.Errorf("k=%d: PredictProba allocates %v times per call", k, a)
			}
		}
	})
}

// TestPredictConcurrent runs many goroutines on one model; under -race it
// proves that prediction neither writes shared state nor races.
func TestPredictConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	md := randomModel(rng, 10, 100, true)
	xs := make([][]float32, 16)
	want := make([]int, len(xs))
	wantP := make([][]float32, len(xs))
	for i := range xs {
		xs[i] = randVec(rng, 100)
		want[i] = md.Predict(xs[i])
		wantP[i] = make([]float32, 10)
		md.PredictProba(wantP[i], xs[i])
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			p := make([]float32, 10)
			for it := 0; it < 200; it++ {
				i := (g + it) % len(xs)
				if c := md.Predict(xs[i]); c != want[i] {
					errs <- "Predict differs under concurrency"
					return
				}
				md.PredictProba(p, xs[i])
				for c := range p {
					if p[c] != wantP[i][c] {
						errs <- "PredictProba differs under concurrency"
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

func TestModelRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tc := range []struct {
		k, m   int
		labels bool
	}{{1, 0, false}, {2, 1, true}, {10, 64, true}, {3, 1000, false}, {40, 17, true}} {
		md := randomModel(rng, tc.k, tc.m, tc.labels)
		var buf bytes.Buffer
		n, err := md.WriteTo(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if n != int64(buf.Len()) {
			t.Fatalf("WriteTo returned %d, wrote %d bytes", n, buf.Len())
		}
		got, err := ReadModel(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("%d×%d: %v", tc.k, tc.m, err)
		}
		if got.Classes != md.Classes || got.Features != md.Features || len(got.Labels) != len(md.Labels) {
			t.Fatalf("shape %d×%d labels %d, want %d×%d labels %d", got.Classes, got.Features, len(got.Labels), md.Classes, md.Features, len(md.Labels))
		}
		for i := 0; i < md.Classes; i++ {
			for j, v := range md.W.Row(i) {
				if got.W.At(i, j) != v {
					t.Fatalf("W[%d,%d] = %v, want %v", i, j, got.W.At(i, j), v)
				}
			}
			if got.B[i] != md.B[i] {
				t.Fatalf("B[%d] = %v, want %v", i, got.B[i], md.B[i])
			}
			if md.Labels != nil && got.Labels[i] != md.Labels[i] {
				t.Fatalf("label %d = %q, want %q", i, got.Labels[i], md.Labels[i])
			}
		}
		if got.W.Stride%16 != 0 {
			t.Fatalf("read model has Stride %d", got.W.Stride)
		}
	}
}

// encodeModel builds a model file from raw parts with a correct checksum, to
// forge headers that WriteTo would never write.
func encodeModel(version uint32, k, m uint64, labels []string, nlabels uint32, floats int) []byte {
	var b bytes.Buffer
	b.WriteString(modelMagic)
	binary.Write(&b, binary.LittleEndian, version)
	binary.Write(&b, binary.LittleEndian, k)
	binary.Write(&b, binary.LittleEndian, m)
	binary.Write(&b, binary.LittleEndian, nlabels)
	for _, l := range labels {
		binary.Write(&b, binary.LittleEndian, uint32(len(l)))
		b.WriteString(l)
	}
	for i := 0; i < floats; i++ {
		binary.Write(&b, binary.LittleEndian, float32(i)/8)
	}
	binary.Write(&b, binary.LittleEndian, crc32.Checksum(b.Bytes(), castagnoli))
	return b.Bytes()
}

func TestReadModelRejects(t *testing.T) {
	good := encodeModel(1, 2, 3, []string{"a", "b"}, 2, 8)
	if _, err := ReadModel(bytes.NewReader(good)); err != nil {
		t.Fatalf("forged good file: %v", err)
	}
	flip := append([]byte(nil), good...)
	flip[len(flip)-10] ^= 1 // inside the biases
	trailing := append(append([]byte(nil), good...), 0)
	badCRC := append([]byte(nil), good...)
	badCRC[len(badCRC)-1] ^= 0x80
	nanFile := encodeModel(1, 1, 1, nil, 0, 0)
	nanFile = nanFile[:len(nanFile)-4]
	nanFile = binary.LittleEndian.AppendUint32(nanFile, math.Float32bits(float32(math.NaN())))
	nanFile = binary.LittleEndian.AppendUint32(nanFile, 0)
	nanFile = binary.LittleEndian.AppendUint32(nanFile, crc32.Checksum(nanFile, castagnoli))
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "truncated in header"},
		{"magic", []byte("NOTMODEL0000000000000000000000000000"), "not a maxent model file"},
		{"version 4", encodeModel(4, 2, 3, nil, 0, 8), "version 4"},
		{"version 0", encodeModel(0, 2, 3, nil, 0, 8), "version 0"},
		{"2^40 classes", encodeModel(1, 1<<40, 3, nil, 0, 0), "claims 1099511627776 classes"},
		{"0 classes", encodeModel(1, 0, 3, nil, 0, 0), "claims 0 classes"},
		{"2^40 features", encodeModel(1, 2, 1<<40, nil, 0, 0), "features"},
		{"weights", encodeModel(1, 1<<24, 1<<31, nil, 0, 0), "weights"},
		{"label count", encodeModel(1, 2, 3, []string{"a"}, 1, 8), "1 labels for 2 classes"},
		{"duplicate labels", encodeModel(1, 2, 3, []string{"a", "a"}, 2, 8), "appears twice"},
		{"bad utf8", encodeModel(1, 2, 3, []string{"a", "\xff"}, 2, 8), "UTF-8"},
		{"huge label", append(encodeModel(1, 2, 3, nil, 2, 0)[:32], 0xff, 0xff, 0xff, 0x7f), "bytes long"},
		{"flipped bit", flip, "checksum mismatch"},
		{"bad checksum", badCRC, "checksum mismatch"},
		{"trailing", trailing, "trailing bytes"},
		{"NaN weight", nanFile, "non-finite"},
		// A header claiming 2^16 × 2^10 weights with no data behind it must
		// fail fast, without reserving 256 MiB (TestReadModelMemoryFollowsData
		// measures it).
		{"claims much, holds little", encodeModel(1, 1<<16, 1<<10, nil, 0, 4), "truncated in weights"},
	}
	for _, tc := range cases {
		_, err := ReadModel(bytes.NewReader(tc.file))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	// Every truncation of a good file is an error.
	for n := 0; n < len(good); n++ {
		if _, err := ReadModel(bytes.NewReader(good[:n])); err == nil {
			t.Fatalf("file truncated to %d of %d bytes read without error", n, len(good))
		}
	}
}

func TestReadModelMemoryFollowsData(t *testing.T) {
	file := encodeModel(1, 1<<20, 1<<11, nil, 0, 1000)
	var ms1, ms2 runtimeMem
	ms1.read()
	if _, err := ReadModel(bytes.NewReader(file)); err == nil {
		t.Fatal("no error")
	}
	ms2.read()
	if d := ms2.total - ms1.total; d > 64<<20 {
		t.Fatalf("reading a forged 8 GiB header allocated %d MiB", d>>20)
	}
}

func TestWriteToRejectsInvalid(t *testing.T) {
	md := NewModel(2, 2)
	md.W.Data[0] = float32(math.Inf(1))
	if _, err := md.WriteTo(&bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "W[0,0]") {
		t.Fatalf("err = %v, want non-finite W[0,0]", err)
	}
	md = NewModel(2, 2)
	md.Labels = []string{"x"}
	if _, err := md.WriteTo(&bytes.Buffer{}); err == nil {
		t.Fatal("a model with 1 label for 2 classes was written")
	}
}

func FuzzReadModel(f *testing.F) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, md := range []*Model{randomModel(rng, 2, 3, true), randomModel(rng, 3, 0, false), randomModel(rng, 1, 5, true)} {
		var b bytes.Buffer
		md.WriteTo(&b)
		f.Add(b.Bytes())
	}
	f.Add(encodeModel(1, 1<<40, 3, nil, 0, 0))
	for _, link := range []Link{LinkOneVsRest, LinkLogistic, LinkRaw} {
		md := randomModel(rng, 2, 3, true)
		md.Link = link
		md.FeatureNames = []string{"f", "g", "h"}
		var b bytes.Buffer
		md.WriteTo(&b)
		f.Add(b.Bytes())
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		md, err := ReadModel(bytes.NewReader(file))
		if err != nil {
			return
		}
		if err := md.Validate(); err != nil {
			t.Fatalf("ReadModel returned an invalid model: %v", err)
		}
		var b bytes.Buffer
		if _, err := md.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		// WriteTo writes version 1 when it can: a version 2 file of a
		// softmax model without feature names comes back as version 1.
		if file[8] == b.Bytes()[8] && !bytes.Equal(b.Bytes(), file) {
			t.Fatal("a file that reads without error does not write back identically")
		}
		again, err := ReadModel(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		var b2 bytes.Buffer
		again.WriteTo(&b2)
		if !bytes.Equal(b.Bytes(), b2.Bytes()) {
			t.Fatal("writing the model read back changes the file")
		}
	})
}

func TestAbsorbScaling(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	md := randomModel(rng, 4, 6, false)
	off := []float32{0, 1, -2, 3, 0.5, 10}
	sc := []float32{1, 0.5, 2, 1.0 / 255, 1, 0}
	x := randVec(rng, 6)
	xs := make([]float32, 6)
	for j := range x {
		xs[j] = (x[j] - off[j]) * sc[j]
	}
	want := make([]float32, 4)
	md.PredictProba(want, xs)
	folded := md.Clone()
	if err := folded.AbsorbScaling(off, sc); err != nil {
		t.Fatal(err)
	}
	got := make([]float32, 4)
	folded.PredictProba(got, x)
	for i := range got {
		if math.Abs(float64(got[i]-want[i])) > 1e-5 {
			t.Fatalf("p[%d] = %v after absorbing, want %v", i, got[i], want[i])
		}
	}
	if err := folded.AbsorbScaling(off[:2], sc); err == nil {
		t.Fatal("mismatched scaling accepted")
	}
}

type runtimeMem struct{ total uint64 }

func (m *runtimeMem) read() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.total = ms.TotalAlloc
}
