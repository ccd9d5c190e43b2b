package text

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// unicodePieces are what the random documents are made of: ASCII, the code
// points Python treats specially (final sigma and case-ignorables, 'İ',
// marks, digits and numbers of other scripts, Python's extra white space),
// scripts with marks, and ill-formed UTF-8.
var unicodePieces = []string{
	"a", "Z", "q", "0", "7", "_", " ", "  ", "\t", "\n", "\r\n", "\x1c", "\x1f", "\v", "-", ".", "'", ":", "^", "`", ",", "!",
	"word", "Text", "GO", "x1",
	"Σ", "σ", "ς", "ΟΔΟΣ", "ΑΣ", "Ά", "Ω", "İ", "ı", "I", "ß", "ẞ", "é", "É", "e\u0301", "\u0301", "\u0345", "ʰ", "\u00b7",
	"\u2019", "\u00ad", "\u200d", "\u00a0", "\u3000", "\u2028", "\u0085", "\u1680", "\u2000", "\u205f", "\u180e",
	"日本語", "中文", "한국어", "कि", "क्ष", "٣", "²", "½", "Ⅻ", "ǅ", "ǈ", "K", "Å", "ﬁ", "😀", "\ufffd", "ᾼ", "𝐀",
	"Ꭰ", "ꭰ", "Ⓐ", "ⓐ", "ǲ", "Ǳ", "ﾟ", "ー",
	"\xff", "\xe2\x82", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80", "\xf0\x9f\x98", "\x80", "\xe0\x80", "\xf0\x90",
}

// randomUnicodeDocs returns n documents of 1 to 30 random pieces.
func randomUnicodeDocs(n int, seed uint64) [][]byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	docs := make([][]byte, n)
	for i := range docs {
		var d []byte
		for k := 1 + rng.IntN(30); k > 0; k-- {
			d = append(d, unicodePieces[rng.IntN(len(unicodePieces))]...)
		}
		docs[i] = d
	}
	return docs
}

// TestUnicodeVsSklearn compares rows of random documents of non-ASCII text
// and ill-formed UTF-8 with HashingVectorizer(decode_error="replace") on
// their bytes: Python's lower-casing, \w, white space and decoding.
func TestUnicodeVsSklearn(t *testing.T) {
	py := needSklearn(t)
	logVersions(t, py)
	n := 2000
	if testing.Short() {
		n = 300
	}
	checkAgainstSklearn(t, py, randomUnicodeDocs(n, 1))
}

// grams returns the n-grams f hashes for text, in order.
func grams(f *Featurizer, text string) []string {
	var g []string
	sc := &Scratch{trace: func(b []byte) { g = append(g, string(b)) }}
	f.hash(sc, text)
	return g
}

// TestUnicodePinned pins the documented behaviour on non-ASCII text and
// ill-formed UTF-8 (Python 3.12's, and 3.11's but for the Kawi letters).
func TestUnicodePinned(t *testing.T) {
	mk := func(a Analyzer, lo, hi int, lower bool) *Featurizer {
		s := DefaultSettings()
		s.Analyzer, s.NgramMin, s.NgramMax, s.Lowercase = a, lo, hi, lower
		f, err := New(s)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	word, words2 := mk(Word, 1, 1, true), mk(Word, 1, 2, true)
	char1, char2, wb := mk(Char, 1, 1, true), mk(Char, 2, 2, false), mk(CharWB, 2, 4, true)
	for _, c := range []struct {
		f    *Featurizer
		text string
		want []string
	}{
		// 'İ' lowers to "i\u0307"; U+0307 is a mark, not \w, so "i" is a
		// one-letter run, not a token.
		{word, "İstanbul İZMİR", []string{"stanbul", "zmi"}},
		{char1, "İ", []string{"i", "\u0307"}},
		// Final sigma: after a cased letter, not before one, skipping case-ignorables.
		{word, "ΟΔΟΣ ΣΑΣ ΑΣ'Β ΑΣ'. Σ Σ-Α", []string{"οδος", "σας", "ασ", "ας"}},
		{char1, "ΑΣ'Β", []string{"α", "σ", "'", "β"}},
		{char1, "Α\u00adΣ", []string{"α", "\u00ad", "ς"}},
		{char1, "ʰΣ", []string{"ʰ", "σ"}}, // U+02B0 is cased and case-ignorable: skipped
		// Marks (Mn, Mc) end a token; numbers of every kind are word characters.
		{word, "cafe\u0301 naïve x² ½½ Ⅻx ٣٣ क्षत्रिय", []string{"cafe", "naïve", "x²", "½½", "ⅻx", "٣٣", "षत"}},
		{words2, "Ǆemal ǅ ǈubljana", []string{"ǆemal", "ǉubljana", "ǆemal ǉubljana"}},
		// Python's white space includes U+001C..U+001F; U+180E is not white space.
		{wb, "a\x1cb", []string{" a", "a ", " a ", " b", "b ", " b "}},
		{char2, "a\u180eb", []string{"a\u180e", "\u180eb"}},
		// Two or more white-space code points become one space, one stays.
		{char2, "a\t\u3000b\tc", []string{"a ", " b", "b\t", "\tc"}},
		// Ill-formed UTF-8: one U+FFFD per maximal subpart, as Python's errors="replace".
		{char1, "a\xe2\x82b\xff\xfe\xed\xa0\x80\xf0\x9f\x98", []string{"a", "\ufffd", "b", "\ufffd", "\ufffd", "\ufffd", "\ufffd", "\ufffd", "\ufffd"}},
		// Unicode 15.0's Kawi letters are word characters (not for Python 3.11).
		{word, "\U00011F04\U00011F05", []string{"\U00011F04\U00011F05"}},
		// Kelvin and Angstrom signs lower to ASCII k and å.
		{word, "\u212a\u212b", []string{"kå"}},
	} {
		if got := grams(c.f, c.text); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %d-%d %q: %q, want %q", c.f.s.Analyzer, c.f.s.NgramMin, c.f.s.NgramMax, c.text, got, c.want)
		}
	}
}

// TestDecodeRuneVsGo checks decodeRune on well-formed text is Go's decoder.
func TestDecodeRuneVsGo(t *testing.T) {
	for _, s := range []string{"a", "é", "€", "😀", "\ufffd"} {
		r, n := decodeRune(s)
		if string(r) != s || n != len(s) {
			t.Errorf("decodeRune(%q) = %q, %d", s, r, n)
		}
	}
	for _, c := range []struct {
		s string
		n int
	}{{"\xff", 1}, {"\x80", 1}, {"\xc0\xaf", 1}, {"\xc2", 1}, {"\xe2\x82", 2}, {"\xe0\x80", 1}, {"\xe0\xa0", 2},
		{"\xed\xa0\x80", 1}, {"\xed\x9f", 2}, {"\xf0\x9f\x98", 3}, {"\xf0\x80", 1}, {"\xf4\x90", 1}, {"\xf4\x8f\xbf", 3}, {"\xf5", 1}} {
		if r, n := decodeRune(c.s); r != '\ufffd' || n != c.n {
			t.Errorf("decodeRune(%q) = %q, %d, want U+FFFD, %d", c.s, r, n, c.n)
		}
	}
}
