package text

import (
	"bytes"
	"encoding/binary"
	"math"
	"os/exec"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fitted returns s with an IDF fitted on a few documents.
func fitted(t testing.TB, s Settings) Settings {
	t.Helper()
	s, err := Fit(s, slices.Values([]string{"the cat sat", "the dog sat on the mat", "a cat and a dog", "", "Cats"}))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSettingsRoundTrip(t *testing.T) {
	base := DefaultSettings()
	alt := Settings{Analyzer: CharWB, NgramMin: 2, NgramMax: 5, Bits: 12, Binary: true, Norm: L1, SublinearTF: true}
	for _, s := range []Settings{base, alt, fitted(t, alt), fitted(t, Settings{Analyzer: Char, NgramMin: 1, NgramMax: 3, Bits: 1, Norm: NoNorm, AlternateSign: true})} {
		b, err := s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var got Settings
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatalf("%v: %v", s, err)
		}
		if !reflect.DeepEqual(got, s) {
			t.Errorf("round trip of %v: %v", s, got)
		}
		b2, _ := got.MarshalBinary()
		if !bytes.Equal(b, b2) {
			t.Errorf("%v: encoding not stable", s)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	ok := DefaultSettings()
	for _, c := range []struct {
		mod  func(*Settings)
		want string
	}{
		{func(s *Settings) { s.Bits = 0 }, "bits"},
		{func(s *Settings) { s.Bits = MaxBits + 1 }, "bits"},
		{func(s *Settings) { s.NgramMin = 0 }, "n-gram"},
		{func(s *Settings) { s.NgramMin, s.NgramMax = 3, 2 }, "n-gram"},
		{func(s *Settings) { s.NgramMax = MaxNgram + 1 }, "n-gram"},
		{func(s *Settings) { s.Analyzer = 3 }, "analyzer"},
		{func(s *Settings) { s.Norm = 3 }, "norm"},
		{func(s *Settings) { s.SublinearTF = true }, "sublinear"},
		{func(s *Settings) { *s = fitted(t, *s); s.Bits = 10 }, "IDF of"},
	} {
		s := ok
		c.mod(&s)
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error about %s", s, err, c.want)
		}
		if _, err := New(s); err == nil {
			t.Errorf("New(%+v) accepted", s)
		}
		if _, err := s.MarshalBinary(); err == nil {
			t.Errorf("MarshalBinary(%+v) accepted", s)
		}
	}
	if (Settings{}).Validate() == nil {
		t.Error("the zero Settings are valid")
	}
}

func TestAnalyzerNormText(t *testing.T) {
	for _, a := range []Analyzer{Word, Char, CharWB} {
		b, _ := a.MarshalText()
		var got Analyzer
		if err := got.UnmarshalText(b); err != nil || got != a || a.String() != string(b) {
			t.Errorf("%v: %q %v %v", a, b, got, err)
		}
	}
	for _, n := range []Norm{L2, L1, NoNorm} {
		b, _ := n.MarshalText()
		var got Norm
		if err := got.UnmarshalText(b); err != nil || got != n || n.String() != string(b) {
			t.Errorf("%v: %q %v %v", n, b, got, err)
		}
	}
	var a Analyzer
	var n Norm
	if a.UnmarshalText([]byte("words")) == nil || n.UnmarshalText([]byte("L2")) == nil {
		t.Error("bad names accepted")
	}
	if Analyzer(7).String() != "Analyzer(7)" || Norm(7).String() != "Norm(7)" {
		t.Error("String of unknown values")
	}
	if _, err := Analyzer(7).MarshalText(); err == nil {
		t.Error("MarshalText of an unknown analyzer")
	}
}

// TestUnmarshalHostile feeds truncated, corrupted and lying encodings.
func TestUnmarshalHostile(t *testing.T) {
	good, err := fitted(t, DefaultSettings()).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	small := fitted(t, Settings{Analyzer: Word, NgramMin: 1, NgramMax: 2, Bits: 4, Norm: L2})
	sb, _ := small.MarshalBinary()
	var s Settings
	for n := range len(sb) {
		if s.UnmarshalBinary(sb[:n]) == nil {
			t.Errorf("truncated to %d of %d bytes: accepted", n, len(sb))
		}
	}
	if s.UnmarshalBinary(append(slices.Clone(sb), 0)) == nil {
		t.Error("a trailing byte accepted")
	}
	for i := range sb { // every single-byte corruption is an error or a valid settings
		for _, x := range []byte{0x01, 0x80, 0xff} {
			c := slices.Clone(sb)
			c[i] ^= x
			var got Settings
			if got.UnmarshalBinary(c) == nil {
				if err := got.Validate(); err != nil {
					t.Errorf("byte %d ^ %#x: accepted invalid settings: %v", i, x, err)
				}
			}
		}
	}
	// A header that claims 2^30 columns with an IDF, in a few bytes: an
	// error without allocating for 2^30 columns.
	head := slices.Clone(good[:11])
	head[8] = MaxBits
	lie := binary.AppendUvarint(head, 3)
	lie = binary.AppendUvarint(lie, 1)
	lie = binary.AppendUvarint(lie, 0)
	lie = binary.LittleEndian.AppendUint64(lie, math.Float64bits(idfWeight(3, 0)))
	lie = append(lie, 0, 0, 0)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err = s.UnmarshalBinary(lie)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("2^30 columns from 3 bytes accepted")
	}
	if a := after.TotalAlloc - before.TotalAlloc; a > 1<<16 {
		t.Errorf("%d bytes allocated to reject %d bytes", a, len(lie))
	}
	// A weight that is not the document frequency's.
	w := slices.Clone(sb)
	i := bytes.Index(w, binary.LittleEndian.AppendUint64(nil, math.Float64bits(small.IDF.Weight(0))))
	binary.LittleEndian.PutUint64(w[i:], math.Float64bits(7))
	if err := s.UnmarshalBinary(w); err == nil || !strings.Contains(err.Error(), "weight") {
		t.Errorf("a wrong weight: %v", err)
	}
	if sb[11] != 5 {
		t.Fatalf("document count byte %d", sb[11])
	}
	overlong := append(append(slices.Clone(sb[:11]), 0x85, 0x00), sb[12:]...) // 5 in two bytes
	for _, bad := range [][]byte{overlong, nil, []byte("MXTX"), []byte("XXXX\x01\x00\x01\x01\x0a\x00\x05"), []byte("MXTX\x02\x00\x01\x01\x0a\x00\x05"), []byte("MXTX\x01\x00\x01\x01\x0a\x00\x45")} {
		if s.UnmarshalBinary(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzUnmarshalBinary: any bytes are an error or settings that encode back
// to the same bytes.
func FuzzUnmarshalBinary(f *testing.F) {
	for _, s := range []Settings{DefaultSettings(), fitted(f, Settings{Analyzer: Word, NgramMin: 1, NgramMax: 2, Bits: 3, Norm: L1})} {
		b, _ := s.MarshalBinary()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Settings
		if s.UnmarshalBinary(b) != nil {
			return
		}
		b2, err := s.MarshalBinary()
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("%x decodes to %v, which encodes to %x, %v", b, s, b2, err)
		}
	})
}

func TestDocFreq(t *testing.T) {
	s := Settings{Analyzer: Word, NgramMin: 1, NgramMax: 1, Bits: 4, AlternateSign: true, Norm: L2, Lowercase: true}
	docs := []string{"ab ab cd", "AB", "", "ef gh ij kl mn op qr st uv wx yz"}
	d, err := NewDocFreq(s)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := New(Settings{Analyzer: Word, NgramMin: 1, NgramMax: 1, Bits: 4, AlternateSign: true, Norm: NoNorm, Lowercase: true})
	want := make([]int, 16)
	for _, doc := range docs {
		d.Add(doc)
		idx, _ := f.AppendRow(nil, nil, doc)
		for _, c := range idx {
			want[c]++
		}
	}
	idf, err := d.IDF()
	if err != nil {
		t.Fatal(err)
	}
	if idf.Docs() != 4 || idf.Len() != 16 {
		t.Fatalf("Docs %d Len %d", idf.Docs(), idf.Len())
	}
	for c := range 16 {
		if idf.DF(c) != want[c] || idf.Weight(c) != math.Log(5/float64(want[c]+1))+1 {
			t.Errorf("column %d: df %d weight %v, want %d", c, idf.DF(c), idf.Weight(c), want[c])
		}
	}
	// Counting in two halves and merging is the same.
	a, _ := NewDocFreq(s)
	b, _ := NewDocFreq(s)
	a.Add(docs[0])
	a.Add(docs[1])
	b.Add(docs[2])
	b.Add(docs[3])
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	if merged, _ := a.IDF(); !reflect.DeepEqual(merged, idf) || a.Docs() != 4 {
		t.Error("merged counts differ")
	}
	s2 := s
	s2.Bits = 5
	c, _ := NewDocFreq(s2)
	if a.Merge(c) == nil {
		t.Error("merged different features")
	}
	if _, err := c.IDF(); err == nil {
		t.Error("IDF of no documents")
	}
	if _, err := NewDocFreq(Settings{}); err == nil {
		t.Error("NewDocFreq of invalid settings")
	}
	if _, err := Fit(s, slices.Values([]string(nil))); err == nil {
		t.Error("Fit on no documents")
	}
}

// TestIDFWeightVsNumpy compares idfWeight with TfidfTransformer's formula
// evaluated by numpy for every document frequency of n documents: they
// differ in the last bits of some weights (numpy's np.log is not correctly
// rounded on every CPU, nor is Go's math.Log), by at most 2 ulps.
func TestIDFWeightVsNumpy(t *testing.T) {
	py, _, why := findPython()
	if py == "" {
		t.Skip("skipping the comparison with numpy: " + why)
	}
	if exec.Command(py, "-c", "import numpy").Run() != nil {
		t.Skip("skipping the comparison with numpy: " + py + " has no numpy (apt-get install python3-numpy)")
	}
	ns := []int{1, 10, 1000, 100000}
	var args []string
	for _, n := range ns {
		args = append(args, strconv.Itoa(n))
	}
	out := oracle(t, py, nil, append([]string{"idf"}, args...)...)
	for _, n := range ns {
		differ, maxULP := 0, int64(0)
		for df := range n + 1 {
			w := math.Float64frombits(binary.LittleEndian.Uint64(out))
			out = out[8:]
			g := idfWeight(uint64(n), uint64(df))
			if d := int64(math.Float64bits(g)) - int64(math.Float64bits(w)); d != 0 {
				differ++
				maxULP = max(maxULP, d, -d)
			}
		}
		t.Logf("%d documents: %d of %d weights differ from numpy's, by at most %d ulp", n, differ, n+1, maxULP)
		if maxULP > 2 {
			t.Errorf("%d documents: a weight %d ulps from numpy's", n, maxULP)
		}
	}
}
