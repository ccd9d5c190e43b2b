package text

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Analyzer selects how a document is cut into the strings that are hashed:
// scikit-learn's analyzer parameter.
type Analyzer uint8

const (
	// Word (scikit-learn's "word", the default) hashes word n-grams: the
	// tokens of the pattern (?u)\b\w\w+\b (runs of two or more word
	// characters), n consecutive tokens joined by one space.
	Word Analyzer = iota
	// Char ("char") hashes the character n-grams of the whole document,
	// after each run of two or more white-space characters has been
	// replaced by one space.
	Char
	// CharWB ("char_wb") hashes the character n-grams of each
	// white-space-separated word padded with one space on either side.
	CharWB
)

var analyzerNames = [...]string{Word: "word", Char: "char", CharWB: "char_wb"}

// String returns scikit-learn's name of a: "word", "char" or "char_wb".
func (a Analyzer) String() string {
	if int(a) < len(analyzerNames) {
		return analyzerNames[a]
	}
	return fmt.Sprintf("Analyzer(%d)", a)
}

// MarshalText returns scikit-learn's name of a.
func (a Analyzer) MarshalText() ([]byte, error) {
	if int(a) >= len(analyzerNames) {
		return nil, fmt.Errorf("text: unknown analyzer %d", a)
	}
	return []byte(analyzerNames[a]), nil
}

// UnmarshalText sets a from scikit-learn's name: "word", "char" or
// "char_wb" (so an Analyzer can be a flag.TextVar).
func (a *Analyzer) UnmarshalText(b []byte) error {
	for i, n := range analyzerNames {
		if string(b) == n {
			*a = Analyzer(i)
			return nil
		}
	}
	return fmt.Errorf("text: unknown analyzer %q (want word, char or char_wb)", b)
}

// Norm selects the normalisation of each row: scikit-learn's norm
// parameter.
type Norm uint8

const (
	// L2 ("l2", the default) divides a row by its Euclidean norm.
	L2 Norm = iota
	// L1 ("l1") divides a row by the sum of its absolute values.
	L1
	// NoNorm (None in scikit-learn) leaves rows as they are.
	NoNorm
)

var normNames = [...]string{L2: "l2", L1: "l1", NoNorm: "none"}

// String returns "l2", "l1" or "none".
func (n Norm) String() string {
	if int(n) < len(normNames) {
		return normNames[n]
	}
	return fmt.Sprintf("Norm(%d)", n)
}

// MarshalText returns "l2", "l1" or "none".
func (n Norm) MarshalText() ([]byte, error) {
	if int(n) >= len(normNames) {
		return nil, fmt.Errorf("text: unknown norm %d", n)
	}
	return []byte(normNames[n]), nil
}

// UnmarshalText sets n from "l2", "l1" or "none".
func (n *Norm) UnmarshalText(b []byte) error {
	for i, s := range normNames {
		if string(b) == s {
			*n = Norm(i)
			return nil
		}
	}
	return fmt.Errorf("text: unknown norm %q (want l2, l1 or none)", b)
}

// Limits on Settings.
const (
	// MaxBits is the largest Bits: 2^30 columns, which int32 column
	// indices and a 32-bit int both hold.
	MaxBits = 30
	// MaxNgram is the largest NgramMax.
	MaxNgram = 32
)

// Settings are a featurizer's parameters: those of scikit-learn's
// HashingVectorizer (analyzer, ngram_range, n_features = 2^Bits,
// alternate_sign, binary, norm, lowercase; the other parameters keep their
// defaults) and, when SublinearTF is set or IDF is not nil, of a
// TfidfTransformer (smooth_idf=True, use_idf=IDF != nil, sublinear_tf,
// norm) applied to the HashingVectorizer's rows taken with norm=None.
//
// The zero Settings are not valid (Bits is 0); start from
// [DefaultSettings].
type Settings struct {
	Analyzer Analyzer
	// NgramMin and NgramMax are ngram_range: n-grams of NgramMin to
	// NgramMax tokens (Word) or characters (Char, CharWB) are hashed,
	// 1 ≤ NgramMin ≤ NgramMax ≤ MaxNgram.
	NgramMin, NgramMax int
	// Bits sets the number of columns, 2^Bits (1 ≤ Bits ≤ MaxBits).
	Bits int
	// AlternateSign adds a feature with the sign of its hash, so that
	// collisions tend to cancel (scikit-learn's default).
	AlternateSign bool
	// Binary sets every stored value to 1 before weighting and norm, the
	// sign included (scikit-learn's X.data.fill(1)).
	Binary bool
	Norm   Norm
	// Lowercase lower-cases the text first, as Python's str.lower.
	Lowercase bool
	// SublinearTF replaces each value v by 1 + ln(v) before the IDF
	// weight; it needs AlternateSign off (scikit-learn would take the
	// logarithm of negative values).
	SublinearTF bool
	// IDF is the fitted inverse document frequency ([DocFreq], [Fit]), or
	// nil for no weighting.
	IDF *IDF
}

// DefaultSettings returns scikit-learn's defaults: HashingVectorizer() is
// word unigrams, 2^20 columns, alternating signs, counts, l2 norm,
// lower-casing; no TF-IDF.
func DefaultSettings() Settings {
	return Settings{Analyzer: Word, NgramMin: 1, NgramMax: 1, Bits: 20, AlternateSign: true, Norm: L2, Lowercase: true}
}

// Columns returns the number of columns, 2^Bits.
func (s Settings) Columns() int { return 1 << s.Bits }

// Validate reports whether s is usable, and why not.
func (s Settings) Validate() error {
	switch {
	case int(s.Analyzer) >= len(analyzerNames):
		return fmt.Errorf("text: unknown analyzer %d", s.Analyzer)
	case s.NgramMin < 1 || s.NgramMin > s.NgramMax || s.NgramMax > MaxNgram:
		return fmt.Errorf("text: n-gram range %d..%d, want 1 ≤ min ≤ max ≤ %d", s.NgramMin, s.NgramMax, MaxNgram)
	case s.Bits < 1 || s.Bits > MaxBits:
		return fmt.Errorf("text: %d bits, want 1 to %d", s.Bits, MaxBits)
	case int(s.Norm) >= len(normNames):
		return fmt.Errorf("text: unknown norm %d", s.Norm)
	case s.SublinearTF && s.AlternateSign:
		return errors.New("text: sublinear TF needs AlternateSign off (the logarithm of a negative or zero count)")
	case s.IDF != nil && s.IDF.Len() != s.Columns():
		return fmt.Errorf("text: IDF of %d columns for %d bits", s.IDF.Len(), s.Bits)
	}
	return nil
}

// String describes s as the scikit-learn objects it reproduces.
func (s Settings) String() string {
	var b strings.Builder
	py := func(v bool) string {
		if v {
			return "True"
		}
		return "False"
	}
	norm := "'" + s.Norm.String() + "'"
	if s.Norm == NoNorm {
		norm = "None"
	}
	tfidf := s.SublinearTF || s.IDF != nil
	hnorm := norm
	if tfidf {
		hnorm = "None"
	}
	fmt.Fprintf(&b, "HashingVectorizer(analyzer='%s', ngram_range=(%d, %d), n_features=2**%d, alternate_sign=%s, binary=%s, norm=%s, lowercase=%s)",
		s.Analyzer, s.NgramMin, s.NgramMax, s.Bits, py(s.AlternateSign), py(s.Binary), hnorm, py(s.Lowercase))
	if tfidf {
		fmt.Fprintf(&b, " + TfidfTransformer(norm=%s, use_idf=%s, smooth_idf=True, sublinear_tf=%s)", norm, py(s.IDF != nil), py(s.SublinearTF))
		if s.IDF != nil {
			fmt.Fprintf(&b, " fitted on %d documents", s.IDF.Docs())
		}
	}
	return b.String()
}

// sameFeatures reports whether s and t hash text into the same counts.
func (s Settings) sameFeatures(t Settings) bool {
	s.IDF, t.IDF = nil, nil
	return s == t
}

// The binary encoding, version 1 (integers little-endian):
//
//	"MXTX" 0x01 analyzer ngram_min ngram_max bits norm flags
//
// with flags bit 0 AlternateSign, 1 Binary, 2 Lowercase, 3 SublinearTF,
// 4 IDF present; then, with an IDF: the number of documents (uvarint), the
// number k of distinct document frequencies (uvarint), k pairs of a
// document frequency (uvarint, increasing) and its weight (float64 bits),
// and each column's document frequency (2^bits uvarints, each one of the k,
// each of the k used).
// Weights are stored, not recomputed, so that every platform applies the
// same ones.
const (
	magic   = "MXTX"
	version = 1
)

const (
	flagSign = 1 << iota
	flagBinary
	flagLower
	flagSublinear
	flagIDF
	flagAll = flagSign | flagBinary | flagLower | flagSublinear | flagIDF
)

// MarshalBinary encodes s, IDF included, in a versioned binary form that
// UnmarshalBinary reads back.
func (s Settings) MarshalBinary() ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	var flags byte
	for _, f := range [...]struct {
		on  bool
		bit byte
	}{{s.AlternateSign, flagSign}, {s.Binary, flagBinary}, {s.Lowercase, flagLower}, {s.SublinearTF, flagSublinear}, {s.IDF != nil, flagIDF}} {
		if f.on {
			flags |= f.bit
		}
	}
	b := append([]byte(magic), version, byte(s.Analyzer), byte(s.NgramMin), byte(s.NgramMax), byte(s.Bits), byte(s.Norm), flags)
	if s.IDF != nil {
		b = s.IDF.appendBinary(b)
	}
	return b, nil
}

// UnmarshalBinary decodes what MarshalBinary encoded. Malformed or hostile
// input is an error (never a panic), and what it allocates is proportional
// to len(data).
func (s *Settings) UnmarshalBinary(data []byte) error {
	const head = len(magic) + 7
	if len(data) < head || string(data[:len(magic)]) != magic {
		return errors.New("text: not encoded settings (bad magic)")
	}
	h := data[len(magic):head]
	if h[0] != version {
		return fmt.Errorf("text: settings encoding version %d, want %d", h[0], version)
	}
	flags := h[6]
	if flags&^flagAll != 0 {
		return fmt.Errorf("text: unknown settings flags %#x", flags)
	}
	t := Settings{
		Analyzer: Analyzer(h[1]), NgramMin: int(h[2]), NgramMax: int(h[3]), Bits: int(h[4]), Norm: Norm(h[5]),
		AlternateSign: flags&flagSign != 0, Binary: flags&flagBinary != 0, Lowercase: flags&flagLower != 0, SublinearTF: flags&flagSublinear != 0,
	}
	rest := data[head:]
	if err := t.Validate(); err != nil {
		return err
	}
	if flags&flagIDF != 0 {
		idf, err := readIDF(rest, t.Bits)
		if err != nil {
			return err
		}
		t.IDF, rest = idf, nil
	}
	if len(rest) != 0 {
		return fmt.Errorf("text: %d bytes after the settings", len(rest))
	}
	*s = t
	return nil
}

// readIDF decodes an IDF of 2^bits columns from all of b.
func readIDF(b []byte, bits int) (*IDF, error) {
	bad := func(what string) error { return fmt.Errorf("text: IDF: %s", what) }
	docs, n := uvarint(b)
	if n <= 0 || docs < 1 || docs > math.MaxUint32 {
		return nil, bad("bad document count")
	}
	b = b[n:]
	k, n := uvarint(b)
	// Each pair takes at least 9 bytes and each column 1.
	if n <= 0 || k < 1 || k > docs+1 || k > uint64(len(b)-n)/9 {
		return nil, bad("bad number of document frequencies")
	}
	b = b[n:]
	type pair struct {
		df uint32
		w  float64
	}
	table := make([]pair, k)
	for i := range table {
		df, n := uvarint(b)
		if n <= 0 || df > docs || (i > 0 && df <= uint64(table[i-1].df)) || len(b)-n < 8 {
			return nil, bad("document frequencies not increasing within the document count")
		}
		w := math.Float64frombits(binary.LittleEndian.Uint64(b[n:]))
		if want := idfWeight(docs, df); !(math.Abs(w-want) <= 1e-12*want) {
			return nil, bad(fmt.Sprintf("weight %v for document frequency %d of %d, want %v", w, df, docs, want))
		}
		table[i] = pair{uint32(df), w}
		b = b[n+8:]
	}
	cols := 1 << bits
	if len(b) < cols {
		return nil, bad(fmt.Sprintf("%d bytes for %d columns", len(b), cols))
	}
	d := &IDF{docs: uint32(docs), df: make([]uint32, cols), w: make([]float64, cols)}
	used := make([]bool, len(table))
	j := 0
	for c := range cols {
		df, n := uvarint(b)
		if n <= 0 {
			return nil, bad(fmt.Sprintf("column %d truncated", c))
		}
		b = b[n:]
		if uint64(table[j].df) != df { // usually the previous column's
			lo, hi := 0, len(table)
			for lo < hi {
				m := int(uint(lo+hi) >> 1)
				if uint64(table[m].df) < df {
					lo = m + 1
				} else {
					hi = m
				}
			}
			if lo == len(table) || uint64(table[lo].df) != df {
				return nil, bad(fmt.Sprintf("column %d: document frequency %d not in the table", c, df))
			}
			j = lo
		}
		d.df[c], d.w[c] = table[j].df, table[j].w
		used[j] = true
	}
	if i := slices.Index(used, false); i >= 0 {
		return nil, bad(fmt.Sprintf("document frequency %d in the table but of no column", table[i].df))
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("text: %d bytes after the IDF", len(b))
	}
	return d, nil
}

// uvarint is binary.Uvarint refusing non-minimal encodings (a last byte of
// 0 after others), so that an encoding is canonical: n ≤ 0 on error.
func uvarint(b []byte) (uint64, int) {
	v, n := binary.Uvarint(b)
	if n > 1 && b[n-1] == 0 {
		return 0, -1
	}
	return v, n
}
