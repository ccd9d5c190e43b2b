package text

import (
	"math"
	"slices"
	"sync"
	"unicode/utf8"
)

// Featurizer turns documents into sparse rows as its Settings say. It is
// immutable and safe for concurrent use.
type Featurizer struct {
	s    Settings
	mask uint32
	idf  []float64
	pool sync.Pool // of *Scratch
}

// New returns a Featurizer for s, or the error s.Validate reports.
func New(s Settings) (*Featurizer, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	f := &Featurizer{s: s, mask: uint32(1)<<s.Bits - 1}
	if s.IDF != nil {
		f.idf = s.IDF.w
	}
	f.pool.New = func() any { return new(Scratch) }
	return f, nil
}

// Settings returns the featurizer's settings.
func (f *Featurizer) Settings() Settings { return f.s }

// Columns returns the number of columns of the rows, 2^Bits.
func (f *Featurizer) Columns() int { return f.s.Columns() }

// Scratch holds the buffers a row is computed in. Its zero value is ready;
// it is for one goroutine at a time, and once grown to a document's size
// it makes rows of that size without allocating.
type Scratch struct {
	low   []byte    // the text, decoded and lower-cased
	buf   []byte    // Char: normalised text; CharWB: a padded word; Word: an n-gram
	pos   []int     // code-point offsets into buf when it is not ASCII
	tok   []int     // Word: start and end offsets of the tokens in low
	ent   []uint64  // hashed features, column<<1 | negative, sorted
	tmp   []uint64  // radix sort's other buffer
	val   []float64 // the row's values before rounding
	trace func([]byte)
}

// maxPooled is the size above which AppendRow lets a Scratch go rather
// than keep it for later rows.
const maxPooled = 4 << 20

func (sc *Scratch) size() int {
	return cap(sc.low) + cap(sc.buf) + 8*(cap(sc.pos)+cap(sc.tok)+cap(sc.ent)+cap(sc.tmp)+cap(sc.val))
}

// AppendRow appends the row of text to idx and val, which it returns: the
// columns of its non-zeros in increasing order and their values, as
// scikit-learn's HashingVectorizer (and TfidfTransformer) would store them
// in a CSR matrix, rounded to float32. A row of the HashingVectorizer alone
// keeps a column whose signed count sums to 0 (with the value 0, or 1 with
// Binary) as scikit-learn does; a row with IDF drops it, as scipy's sparse
// product does. text is not retained (a caller holding a []byte may pass
// unsafe.String(unsafe.SliceData(b), len(b))).
//
// AppendRow takes its buffers from a pool: it does not allocate once the
// pool holds buffers for the documents' size and idx and val have room.
func (f *Featurizer) AppendRow(idx []int32, val []float32, text string) ([]int32, []float32) {
	sc := f.pool.Get().(*Scratch)
	idx, val = f.AppendRowScratch(sc, idx, val, text)
	if sc.size() <= maxPooled {
		f.pool.Put(sc)
	}
	return idx, val
}

// AppendRowScratch is AppendRow with the caller's buffers: sc must not be
// in use by another goroutine.
func (f *Featurizer) AppendRowScratch(sc *Scratch, idx []int32, val []float32, text string) ([]int32, []float32) {
	f.hash(sc, text)
	vals := sc.val[:0]
	ent := sc.ent
	for i := 0; i < len(ent); {
		c := ent[i] >> 1
		n := 0
		for ; i < len(ent) && ent[i]>>1 == c; i++ {
			if f.s.AlternateSign && ent[i]&1 != 0 {
				n--
			} else {
				n++
			}
		}
		v := float64(n)
		if f.s.Binary {
			v = 1
		}
		if f.s.SublinearTF {
			v = math.Log(v) + 1
		}
		if f.idf != nil {
			if v *= f.idf[c]; v == 0 {
				continue
			}
		}
		idx = append(idx, int32(c))
		vals = append(vals, v)
	}
	normalize(vals, f.s.Norm, f.idf != nil)
	for _, v := range vals {
		val = append(val, float32(v))
	}
	sc.val = vals
	return idx, val
}

// normalize divides v by its norm as scikit-learn's normalize does (a zero
// norm leaves v alone), summing in reverse order if reverse is set: the
// order a row has after scipy's product with the IDF diagonal.
func normalize(v []float64, norm Norm, reverse bool) {
	var s float64
	switch norm {
	case L2:
		for i := range v {
			if reverse {
				i = len(v) - 1 - i
			}
			s += float64(v[i] * v[i])
		}
		s = math.Sqrt(s)
	case L1:
		for i := range v {
			if reverse {
				i = len(v) - 1 - i
			}
			s += math.Abs(v[i])
		}
	}
	if s == 0 {
		return
	}
	for i := range v {
		v[i] /= s
	}
}

// hash fills sc.ent with the sorted hashed features of text.
func (f *Featurizer) hash(sc *Scratch, text string) {
	sc.ent = sc.ent[:0]
	var ascii bool
	sc.low, ascii = appendLower(sc.low[:0], text, f.s.Lowercase)
	switch f.s.Analyzer {
	case Word:
		f.words(sc, ascii)
	case Char:
		f.chars(sc, ascii)
	case CharWB:
		f.charsWB(sc, ascii)
	}
	sc.sort(f.s.Bits + 1)
}

// radixMin is the number of entries from which sort uses a radix sort
// rather than pdqsort.
const radixMin = 128

// sort sorts sc.ent, whose values have keyBits bits: an LSD radix sort on
// bytes for long rows, pdqsort for short ones.
func (sc *Scratch) sort(keyBits int) {
	a := sc.ent
	if len(a) < radixMin {
		slices.Sort(a)
		return
	}
	tmp := slices.Grow(sc.tmp[:0], len(a))[:len(a)]
	for shift := 0; shift < keyBits; shift += 8 {
		var count [256]int
		for _, v := range a {
			count[byte(v>>shift)]++
		}
		if count[byte(a[0]>>shift)] == len(a) {
			continue // all share this byte
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, v := range a {
			d := byte(v >> shift)
			tmp[count[d]] = v
			count[d]++
		}
		a, tmp = tmp, a
	}
	sc.ent, sc.tmp = a, tmp
}

// add hashes one n-gram: column |h| mod 2^Bits, negative if h < 0. For
// h = -2^31 that is column 0, as scikit-learn defines it.
func (f *Featurizer) add(sc *Scratch, g []byte) {
	if sc.trace != nil {
		sc.trace(g)
	}
	h := Murmur3(g, 0)
	u, neg := uint32(h), uint64(0)
	if h < 0 {
		u, neg = -u, 1
	}
	sc.ent = append(sc.ent, uint64(u&f.mask)<<1|neg)
}

// asciiWord tells the bytes of ASCII word characters.
var asciiWord = func() (t [256]bool) {
	for c := range 128 {
		t[c] = asciiClass[c]&clWord != 0
	}
	return t
}()

// words hashes the word n-grams of sc.low: tokens are maximal runs of at
// least two word characters, n-grams n consecutive tokens joined by a space.
func (f *Featurizer) words(sc *Scratch, ascii bool) {
	low, tok := sc.low, sc.tok[:0]
	if ascii {
		for i := 0; i < len(low); {
			if !asciiWord[low[i]] {
				i++
				continue
			}
			j := i + 1
			for j < len(low) && asciiWord[low[j]] {
				j++
			}
			if j-i >= 2 {
				tok = append(tok, i, j)
			}
			i = j
		}
	}
	for i := 0; !ascii && i < len(low); {
		r, n := utf8.DecodeRune(low[i:])
		if !isWord(r) {
			i += n
			continue
		}
		j, runes := i+n, 1
		for j < len(low) {
			if r, n = utf8.DecodeRune(low[j:]); !isWord(r) {
				break
			}
			j += n
			runes++
		}
		if runes >= 2 {
			tok = append(tok, i, j)
		}
		i = j
	}
	sc.tok = tok
	ntok := len(tok) / 2
	for n := f.s.NgramMin; n <= min(f.s.NgramMax, ntok); n++ {
		for t := 0; t+n <= ntok; t++ {
			if n == 1 {
				f.add(sc, low[tok[2*t]:tok[2*t+1]])
				continue
			}
			g := append(sc.buf[:0], low[tok[2*t]:tok[2*t+1]]...)
			for k := t + 1; k < t+n; k++ {
				g = append(g, ' ')
				g = append(g, low[tok[2*k]:tok[2*k+1]]...)
			}
			sc.buf = g
			f.add(sc, g)
		}
	}
}

// chars hashes the character n-grams of sc.low after replacing each run of
// two or more white-space characters with one space (a single white-space
// character stays as it is).
func (f *Featurizer) chars(sc *Scratch, ascii bool) {
	low, buf, pos := sc.low, sc.buf[:0], sc.pos[:0]
	for i := 0; i < len(low); {
		r, n := rune(low[i]), 1
		if !ascii && r >= utf8.RuneSelf {
			r, n = utf8.DecodeRune(low[i:])
		}
		if !ascii {
			pos = append(pos, len(buf))
		}
		if !isSpace(r) {
			buf = append(buf, low[i:i+n]...)
			i += n
			continue
		}
		j, runes := i+n, 1
		for j < len(low) {
			r, n = rune(low[j]), 1
			if !ascii && r >= utf8.RuneSelf {
				r, n = utf8.DecodeRune(low[j:])
			}
			if !isSpace(r) {
				break
			}
			j += n
			runes++
		}
		if runes >= 2 {
			buf = append(buf, ' ')
		} else {
			buf = append(buf, low[i:j]...)
		}
		i = j
	}
	length := len(buf)
	if !ascii {
		length = len(pos)
		pos = append(pos, len(buf))
	}
	sc.buf, sc.pos = buf, pos
	for n := f.s.NgramMin; n <= min(f.s.NgramMax, length); n++ {
		for i := 0; i+n <= length; i++ {
			if ascii {
				f.add(sc, buf[i:i+n])
			} else {
				f.add(sc, buf[pos[i]:pos[i+n]])
			}
		}
	}
}

// charsWB hashes the character n-grams of each white-space-separated word
// of sc.low padded with a space on both sides, as scikit-learn's
// _char_wb_ngrams: n-grams shorter than the padded word, or the padded word
// itself (once) when it is no longer than n.
func (f *Featurizer) charsWB(sc *Scratch, ascii bool) {
	low := sc.low
	for i := 0; i < len(low); {
		r, n := rune(low[i]), 1
		if !ascii && r >= utf8.RuneSelf {
			r, n = utf8.DecodeRune(low[i:])
		}
		if isSpace(r) {
			i += n
			continue
		}
		j := i + n
		for j < len(low) {
			r, n = rune(low[j]), 1
			if !ascii && r >= utf8.RuneSelf {
				r, n = utf8.DecodeRune(low[j:])
			}
			if isSpace(r) {
				break
			}
			j += n
		}
		f.paddedWord(sc, low[i:j], ascii)
		i = j
	}
}

// paddedWord hashes the n-grams of " "+w+" ".
func (f *Featurizer) paddedWord(sc *Scratch, w []byte, ascii bool) {
	buf := append(sc.buf[:0], ' ')
	buf = append(buf, w...)
	buf = append(buf, ' ')
	sc.buf = buf
	length := len(buf)
	if !ascii {
		pos := sc.pos[:0]
		for k := range string(buf) {
			pos = append(pos, k)
		}
		length = len(pos)
		sc.pos = append(pos, len(buf))
	}
	cut := func(i, j int) []byte {
		if ascii {
			return buf[i:j]
		}
		return buf[sc.pos[i]:sc.pos[j]]
	}
	for n := f.s.NgramMin; n <= f.s.NgramMax; n++ {
		f.add(sc, cut(0, min(n, length)))
		off := 0
		for off+n < length {
			off++
			f.add(sc, cut(off, off+n))
		}
		if off == 0 {
			break
		}
	}
}
