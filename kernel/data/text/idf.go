package text

import (
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"maps"
	"math"
	"slices"
)

// IDF holds fitted inverse document frequencies: per column, the number of
// fitting documents that hashed to it (their document frequency df) and
// the weight scikit-learn's TfidfTransformer(smooth_idf=True) gives it,
// ln((n+1)/(df+1)) + 1 for n documents. An IDF is immutable and safe for
// concurrent use; it takes 12 bytes per column.
type IDF struct {
	docs uint32
	df   []uint32
	w    []float64
}

// idfWeight is TfidfTransformer's smoothed weight, computed as numpy does
// (one division, the logarithm, then + 1).
func idfWeight(docs, df uint64) float64 {
	return math.Log(float64(docs+1)/float64(df+1)) + 1
}

// Docs returns the number of documents the IDF was fitted on.
func (d *IDF) Docs() int { return int(d.docs) }

// Len returns the number of columns.
func (d *IDF) Len() int { return len(d.w) }

// DF returns the number of fitting documents with a feature in column col.
func (d *IDF) DF(col int) int { return int(d.df[col]) }

// Weight returns column col's weight, ln((Docs+1)/(DF(col)+1)) + 1.
func (d *IDF) Weight(col int) float64 { return d.w[col] }

// appendBinary appends the encoding Settings.MarshalBinary describes.
func (d *IDF) appendBinary(b []byte) []byte {
	b = binary.AppendUvarint(b, uint64(d.docs))
	weight := make(map[uint32]float64)
	for c, df := range d.df {
		if _, ok := weight[df]; !ok {
			weight[df] = d.w[c]
		}
	}
	dfs := slices.Sorted(maps.Keys(weight))
	b = binary.AppendUvarint(b, uint64(len(dfs)))
	for _, df := range dfs {
		b = binary.AppendUvarint(b, uint64(df))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(weight[df]))
	}
	for _, df := range d.df {
		b = binary.AppendUvarint(b, uint64(df))
	}
	return b
}

// DocFreq counts document frequencies, the statistics an IDF is made of:
// for each column, the number of documents with a feature in it (a stored
// entry, as numpy's bincount of the CSR indices counts: a column whose
// signed count sums to 0 counts too). A DocFreq is for one goroutine; to
// count in parallel, give each its own and Merge them. It takes 4 bytes per
// column.
type DocFreq struct {
	f    *Featurizer
	sc   Scratch
	docs uint64
	df   []uint32
}

// NewDocFreq returns an empty DocFreq for the features s describes (s.IDF,
// s.SublinearTF and s.Norm do not matter).
func NewDocFreq(s Settings) (*DocFreq, error) {
	s.IDF, s.SublinearTF, s.Norm = nil, false, NoNorm
	f, err := New(s)
	if err != nil {
		return nil, err
	}
	return &DocFreq{f: f, df: make([]uint32, s.Columns())}, nil
}

// Add counts one document.
func (d *DocFreq) Add(text string) {
	d.f.hash(&d.sc, text)
	ent := d.sc.ent
	for i, e := range ent {
		if i == 0 || e>>1 != ent[i-1]>>1 {
			d.df[e>>1]++
		}
	}
	d.docs++
}

// Docs returns the number of documents counted.
func (d *DocFreq) Docs() int { return int(d.docs) }

// Merge adds o's counts to d's; both must count the same features.
func (d *DocFreq) Merge(o *DocFreq) error {
	if !d.f.s.sameFeatures(o.f.s) {
		return errors.New("text: merging document frequencies of different features")
	}
	if d.docs+o.docs > math.MaxUint32 {
		return fmt.Errorf("text: more than %d documents", uint32(math.MaxUint32))
	}
	for i, n := range o.df {
		d.df[i] += n
	}
	d.docs += o.docs
	return nil
}

// IDF returns the weights of the documents counted so far. It is an error
// to have counted none, or more than 2^32-1.
func (d *DocFreq) IDF() (*IDF, error) {
	if d.docs == 0 {
		return nil, errors.New("text: IDF of no documents")
	}
	if d.docs > math.MaxUint32 {
		return nil, fmt.Errorf("text: IDF of %d documents, more than %d", d.docs, uint32(math.MaxUint32))
	}
	idf := &IDF{docs: uint32(d.docs), df: slices.Clone(d.df), w: make([]float64, len(d.df))}
	var last uint32
	w := idfWeight(d.docs, 0)
	for i, df := range idf.df {
		if df != last {
			last, w = df, idfWeight(d.docs, uint64(df))
		}
		idf.w[i] = w
	}
	return idf, nil
}

// Fit returns s with s.IDF fitted on docs: scikit-learn's
// TfidfTransformer().fit on the hashed counts of docs.
func Fit(s Settings, docs iter.Seq[string]) (Settings, error) {
	d, err := NewDocFreq(s)
	if err != nil {
		return s, err
	}
	for doc := range docs {
		d.Add(doc)
	}
	idf, err := d.IDF()
	if err != nil {
		return s, err
	}
	s.IDF = idf
	return s, s.Validate()
}
