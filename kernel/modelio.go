package kernel

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"unicode/utf8"
)

// Model file format, versions 1, 2 and 3. All integers and floats are
// little-endian.
//
//	offset  size  field
//	0       8     magic "MAXENTMD"
//	8       4     version (uint32): 1, 2 or 3
//	12      8     classes k (uint64), 1 ≤ k ≤ 2^24
//	20      8     features m (uint64), m ≤ 2^31, k·m ≤ 2^32
//	28      4     number of labels (uint32): 0 or k
//	                  versions 2 and 3:
//	32      4     link (uint32): 0 softmax, 1 one-vs-rest, 2 logistic (k = 2),
//	              3 raw, 4 softmax-zero (the values of Link)
//	36      4     number of feature names (uint32): 0 or m
//	                  every version:
//	…       …     labels: each a uint32 byte length (≤ 4096) then UTF-8 bytes
//	…       …     versions 2 and 3: feature names, encoded as the labels
//	                  version 3 only: the featurizer (Model.Featurizer)
//	…       …     its kind, encoded as a label (1 to 4096 bytes)
//	…       8     its data's byte length n (uint64, ≤ 2^40)
//	…       n     its data
//	                  every version:
//	…       4·k·m W, row-major without padding (float32)
//	…       4·k   B (float32)
//	…       4     CRC-32C (Castagnoli) of every preceding byte
//
// A version 1 file is a softmax model without feature names, a version 2
// file a model without a featurizer. WriteTo writes the lowest version
// that holds the model (1 for a softmax model without feature names or
// featurizer, 2 for one with another link or feature names, 3 for one
// with a featurizer), so that its file stays readable by builds that know
// only the older versions.
//
// ReadModel rejects anything else: a wrong magic or version, absurd
// dimensions, an unknown link, invalid or duplicate labels or feature
// names, an invalid featurizer kind, non-finite weights, a CRC mismatch, a
// truncated file or trailing bytes.
const (
	modelMagic               = "MAXENTMD"
	modelVersion             = 3 // the newest version ReadModel reads
	maxFeaturizerData        = 1 << 40
	maxModelClasses   uint64 = 1 << 24
	maxModelFeature   uint64 = 1 << 31
	maxModelWeights   uint64 = 1 << 32
	maxLabelBytes            = 4096
	// maxInt is the largest int: on 32-bit platforms it, not the format,
	// limits the model size.
	maxInt = uint64(^uint(0) >> 1)
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteTo writes m in the versioned binary model format (see ReadModel). It
// returns the number of bytes written and the first error encountered, and
// refuses to write a model that fails Validate or has a label or feature
// name that is not valid UTF-8 or longer than 4096 bytes, or featurizer
// data longer than 2^40 bytes.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	if err := m.Validate(); err != nil {
		return 0, err
	}
	if err := checkNames(m.Labels, "label"); err != nil {
		return 0, err
	}
	if err := checkNames(m.FeatureNames, "feature name"); err != nil {
		return 0, err
	}
	if m.Featurizer != nil && uint64(len(m.Featurizer.Data)) > maxFeaturizerData {
		return 0, fmt.Errorf("maxent: model featurizer data is %d bytes long, want ≤ %d", len(m.Featurizer.Data), uint64(maxFeaturizerData))
	}
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, 64<<10)
	crc := crc32.New(castagnoli)
	out := io.MultiWriter(bw, crc)

	var hdr [40]byte
	n := 32
	version := uint32(1)
	if m.Link != LinkSoftmax || m.FeatureNames != nil || m.Featurizer != nil {
		version, n = 2, 40
		if m.Featurizer != nil {
			version = 3
		}
		binary.LittleEndian.PutUint32(hdr[32:], uint32(m.Link))
		binary.LittleEndian.PutUint32(hdr[36:], uint32(len(m.FeatureNames)))
	}
	copy(hdr[:8], modelMagic)
	binary.LittleEndian.PutUint32(hdr[8:], version)
	binary.LittleEndian.PutUint64(hdr[12:], uint64(m.Classes))
	binary.LittleEndian.PutUint64(hdr[20:], uint64(m.Features))
	binary.LittleEndian.PutUint32(hdr[28:], uint32(len(m.Labels)))
	out.Write(hdr[:n])
	var b4 [4]byte
	for _, l := range append(m.Labels[:len(m.Labels):len(m.Labels)], m.FeatureNames...) {
		binary.LittleEndian.PutUint32(b4[:], uint32(len(l)))
		out.Write(b4[:])
		io.WriteString(out, l)
	}
	if f := m.Featurizer; f != nil {
		binary.LittleEndian.PutUint32(b4[:], uint32(len(f.Kind)))
		out.Write(b4[:])
		io.WriteString(out, f.Kind)
		var b8 [8]byte
		binary.LittleEndian.PutUint64(b8[:], uint64(len(f.Data)))
		out.Write(b8[:])
		out.Write(f.Data)
	}
	row := make([]byte, 4*max(m.Features, m.Classes))
	for i := 0; i < m.Classes; i++ {
		putFloats(row, m.W.Row(i))
		out.Write(row[:4*m.Features])
	}
	putFloats(row, m.B)
	out.Write(row[:4*m.Classes])
	binary.LittleEndian.PutUint32(b4[:], crc.Sum32())
	bw.Write(b4[:])
	err := bw.Flush()
	return cw.n, err
}

// checkNames reports a name that ReadModel would refuse.
func checkNames(names []string, what string) error {
	for i, l := range names {
		if len(l) > maxLabelBytes {
			return fmt.Errorf("maxent: model %s %d is %d bytes long, want ≤ %d", what, i, len(l), maxLabelBytes)
		}
		if !utf8.ValidString(l) {
			return fmt.Errorf("maxent: model %s %d is not valid UTF-8", what, i)
		}
	}
	return nil
}

func putFloats(dst []byte, x []float32) {
	for i, v := range x {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
	}
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// modelReader reads the model format while hashing every byte it returns.
type modelReader struct {
	r   io.Reader
	crc hash.Hash32
	buf [8]byte
}

func (r *modelReader) full(p []byte, what string) error {
	if _, err := io.ReadFull(r.r, p); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return fmt.Errorf("maxent: model file truncated in %s", what)
		}
		return fmt.Errorf("maxent: reading model %s: %w", what, err)
	}
	r.crc.Write(p)
	return nil
}

// floats reads n float32 values into dst, in chunks, so that a file that
// claims more data than it holds fails before much memory is committed by
// the caller's reading.
func (r *modelReader) floats(dst []float32, what string) error {
	var chunk [4096]byte
	for len(dst) > 0 {
		n := min(len(dst), len(chunk)/4)
		if err := r.full(chunk[:4*n], what); err != nil {
			return err
		}
		for i := range n {
			v := math.Float32frombits(binary.LittleEndian.Uint32(chunk[4*i:]))
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("maxent: model %s holds a non-finite value %v", what, v)
			}
			dst[i] = v
		}
		dst = dst[n:]
	}
	return nil
}

// ReadModel reads a model written by WriteTo. It returns an error, never
// panics, for a truncated, corrupted or implausible file, and it allocates
// memory for the weights only as their bytes actually arrive, so a forged
// header cannot make it reserve gigabytes.
func ReadModel(r io.Reader) (*Model, error) {
	mr := &modelReader{r: bufio.NewReaderSize(r, 64<<10), crc: crc32.New(castagnoli)}
	h, err := mr.header()
	if err != nil {
		return nil, err
	}
	k, m := h.k, h.m
	labels, err := mr.labels(h.nl, "label")
	if err != nil {
		return nil, err
	}
	names, err := mr.labels(h.nf, "feature name")
	if err != nil {
		return nil, err
	}
	var feat *FeaturizerSpec
	if h.version >= 3 {
		if feat, err = mr.featurizer(); err != nil {
			return nil, err
		}
	}
	// Read W row by row into a growing buffer: memory follows the bytes
	// that really arrive, not the header's claim.
	var w []float32
	row := make([]float32, min(max(int(m), int(k)), 1<<16))
	for i := uint64(0); i < k; i++ {
		if w, err = mr.appendFloats(w, row, int(m), "weights"); err != nil {
			return nil, err
		}
	}
	b, err := mr.appendFloats(make([]float32, 0, min(int(k), 1<<16)), row, int(k), "biases")
	if err != nil {
		return nil, err
	}
	if err := mr.checksum(); err != nil {
		return nil, err
	}
	model := NewModel(int(k), int(m))
	for i := 0; i < int(k); i++ {
		copy(model.W.Row(i), w[i*int(m):(i+1)*int(m)])
	}
	copy(model.B, b)
	model.Labels = labels
	model.FeatureNames = names
	model.Link = h.link
	model.Featurizer = feat
	return model, nil
}

// fileHeader is what the header of a model file says.
type fileHeader struct {
	version uint32
	k, m    uint64 // classes, features
	nl, nf  uint32 // labels, feature names
	link    Link
}

// header reads and checks the header: the classes k, the features m, the
// number of labels and of feature names, the link.
func (mr *modelReader) header() (h fileHeader, err error) {
	var hdr [40]byte
	if err := mr.full(hdr[:8], "header"); err != nil {
		return h, err
	}
	if string(hdr[:8]) != modelMagic {
		return h, fmt.Errorf("maxent: not a maxent model file (magic %q, want %q)", hdr[:8], modelMagic)
	}
	if err := mr.full(hdr[8:12], "header"); err != nil {
		return h, err
	}
	v := binary.LittleEndian.Uint32(hdr[8:])
	if v < 1 || v > modelVersion {
		return h, fmt.Errorf("maxent: model file version %d, this build reads versions 1 to %d", v, modelVersion)
	}
	n := 32
	if v >= 2 {
		n = 40
	}
	if err := mr.full(hdr[12:n], "header"); err != nil {
		return h, err
	}
	k := binary.LittleEndian.Uint64(hdr[12:])
	m := binary.LittleEndian.Uint64(hdr[20:])
	nl := binary.LittleEndian.Uint32(hdr[28:])
	link := binary.LittleEndian.Uint32(hdr[32:])
	nf := binary.LittleEndian.Uint32(hdr[36:])
	h = fileHeader{version: v, k: k, m: m, nl: nl, nf: nf, link: Link(min(link, uint32(numLinks)))}
	switch {
	case k < 1 || k > maxModelClasses:
		err = fmt.Errorf("maxent: model file claims %d classes, want 1..%d", k, maxModelClasses)
	case m > maxModelFeature:
		err = fmt.Errorf("maxent: model file claims %d features, want ≤ %d", m, maxModelFeature)
	case k*m > maxModelWeights:
		err = fmt.Errorf("maxent: model file claims %d×%d weights, want ≤ %d", k, m, maxModelWeights)
	case (k*m+k)*4 > maxInt:
		err = fmt.Errorf("maxent: model file claims %d×%d weights, too many for this platform", k, m)
	case nl != 0 && uint64(nl) != k:
		err = fmt.Errorf("maxent: model file has %d labels for %d classes", nl, k)
	case nf != 0 && uint64(nf) != m:
		err = fmt.Errorf("maxent: model file has %d feature names for %d features", nf, m)
	case link >= uint32(numLinks):
		err = fmt.Errorf("maxent: model file has link %d, this build knows 0 to %d", link, numLinks-1)
	case h.link == LinkLogistic && k != 2:
		err = fmt.Errorf("maxent: model file has the logistic link and %d classes, want 2", k)
	}
	return h, err
}

// labels reads n names (what: "label" or "feature name"): distinct, valid
// UTF-8, each at most maxLabelBytes long.
func (mr *modelReader) labels(n uint32, what string) ([]string, error) {
	var labels []string
	seen := map[string]bool{}
	for i := 0; i < int(n); i++ {
		l, err := mr.name(what, i)
		if err != nil {
			return nil, err
		}
		if seen[l] {
			return nil, fmt.Errorf("maxent: model %s %q appears twice", what, l)
		}
		seen[l] = true
		labels = append(labels, l)
	}
	return labels, nil
}

// name reads one name (what i): a uint32 byte length (≤ maxLabelBytes),
// then that many bytes of valid UTF-8.
func (mr *modelReader) name(what string, i int) (string, error) {
	if err := mr.full(mr.buf[:4], what+"s"); err != nil {
		return "", err
	}
	n := binary.LittleEndian.Uint32(mr.buf[:4])
	if n > maxLabelBytes {
		return "", fmt.Errorf("maxent: model %s %d is %d bytes long, want ≤ %d", what, i, n, maxLabelBytes)
	}
	lb := make([]byte, n)
	if err := mr.full(lb, what+"s"); err != nil {
		return "", err
	}
	if !utf8.Valid(lb) {
		return "", fmt.Errorf("maxent: model %s %d is not valid UTF-8", what, i)
	}
	return string(lb), nil
}

// featurizer reads the featurizer of a version 3 file: its kind, encoded
// as a label, then its data's length and bytes, read in chunks so that
// memory follows the bytes that really arrive.
func (mr *modelReader) featurizer() (*FeaturizerSpec, error) {
	kind, err := mr.name("featurizer kind", 0)
	if err != nil {
		return nil, err
	}
	if kind == "" {
		return nil, errors.New("maxent: model featurizer kind is empty")
	}
	if err := mr.full(mr.buf[:8], "featurizer"); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint64(mr.buf[:8])
	if n > maxFeaturizerData || n > maxInt {
		return nil, fmt.Errorf("maxent: model file claims %d bytes of featurizer data, want ≤ %d", n, uint64(maxFeaturizerData))
	}
	data := make([]byte, 0, min(n, 1<<16))
	for uint64(len(data)) < n {
		c := int(min(n-uint64(len(data)), 1<<20))
		data = append(data, make([]byte, c)...)
		if err := mr.full(data[len(data)-c:], "featurizer data"); err != nil {
			return nil, err
		}
	}
	return &FeaturizerSpec{Kind: kind, Data: data}, nil
}

// appendFloats reads n floats through the buffer row and appends them to
// dst.
func (mr *modelReader) appendFloats(dst, row []float32, n int, what string) ([]float32, error) {
	for n > 0 {
		c := min(n, len(row))
		if err := mr.floats(row[:c], what); err != nil {
			return nil, err
		}
		dst = append(dst, row[:c]...)
		n -= c
	}
	return dst, nil
}

// checksum reads the CRC-32C of everything before it and checks it, and
// that nothing follows.
func (mr *modelReader) checksum() error {
	want := mr.crc.Sum32()
	if _, err := io.ReadFull(mr.r, mr.buf[:4]); err != nil {
		return errors.New("maxent: model file truncated in checksum")
	}
	if got := binary.LittleEndian.Uint32(mr.buf[:4]); got != want {
		return fmt.Errorf("maxent: model file checksum mismatch (stored %08x, computed %08x): the file is corrupted", got, want)
	}
	if n, _ := mr.r.Read(mr.buf[:1]); n != 0 {
		return errors.New("maxent: model file has trailing bytes after the checksum")
	}
	return nil
}
