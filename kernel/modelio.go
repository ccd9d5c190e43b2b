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

// Model file format, version 1. All integers and floats are little-endian.
//
//	offset  size  field
//	0       8     magic "MAXENTMD"
//	8       4     version (uint32) = 1
//	12      8     classes k (uint64), 1 ≤ k ≤ 2^24
//	20      8     features m (uint64), m ≤ 2^31, k·m ≤ 2^32
//	28      4     number of labels (uint32): 0 or k
//	32      …     labels: each a uint32 byte length (≤ 4096) then UTF-8 bytes
//	…       4·k·m W, row-major without padding (float32)
//	…       4·k   B (float32)
//	…       4     CRC-32C (Castagnoli) of every preceding byte
//
// ReadModel rejects anything else: a wrong magic or version, absurd
// dimensions, invalid or duplicate labels, non-finite weights, a CRC
// mismatch, a truncated file or trailing bytes.
const (
	modelMagic             = "MAXENTMD"
	modelVersion           = 1
	maxModelClasses uint64 = 1 << 24
	maxModelFeature uint64 = 1 << 31
	maxModelWeights uint64 = 1 << 32
	maxLabelBytes          = 4096
	// maxInt is the largest int: on 32-bit platforms it, not the format,
	// limits the model size.
	maxInt = uint64(^uint(0) >> 1)
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteTo writes m in the versioned binary model format (see ReadModel). It
// returns the number of bytes written and the first error encountered, and
// refuses to write a model that fails Validate.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	if err := m.Validate(); err != nil {
		return 0, err
	}
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, 64<<10)
	crc := crc32.New(castagnoli)
	out := io.MultiWriter(bw, crc)

	var hdr [32]byte
	copy(hdr[:8], modelMagic)
	binary.LittleEndian.PutUint32(hdr[8:], modelVersion)
	binary.LittleEndian.PutUint64(hdr[12:], uint64(m.Classes))
	binary.LittleEndian.PutUint64(hdr[20:], uint64(m.Features))
	binary.LittleEndian.PutUint32(hdr[28:], uint32(len(m.Labels)))
	out.Write(hdr[:])
	var b4 [4]byte
	for _, l := range m.Labels {
		binary.LittleEndian.PutUint32(b4[:], uint32(len(l)))
		out.Write(b4[:])
		io.WriteString(out, l)
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
	k, m, nl, err := mr.header()
	if err != nil {
		return nil, err
	}
	labels, err := mr.labels(nl)
	if err != nil {
		return nil, err
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
	return model, nil
}

// header reads and checks the header: the classes k, the features m and
// the number of labels nl.
func (mr *modelReader) header() (k, m uint64, nl uint32, err error) {
	var hdr [32]byte
	if err := mr.full(hdr[:8], "header"); err != nil {
		return 0, 0, 0, err
	}
	if string(hdr[:8]) != modelMagic {
		return 0, 0, 0, fmt.Errorf("maxent: not a maxent model file (magic %q, want %q)", hdr[:8], modelMagic)
	}
	if err := mr.full(hdr[8:], "header"); err != nil {
		return 0, 0, 0, err
	}
	if v := binary.LittleEndian.Uint32(hdr[8:]); v != modelVersion {
		return 0, 0, 0, fmt.Errorf("maxent: model file version %d, this build reads version %d", v, modelVersion)
	}
	k = binary.LittleEndian.Uint64(hdr[12:])
	m = binary.LittleEndian.Uint64(hdr[20:])
	nl = binary.LittleEndian.Uint32(hdr[28:])
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
	}
	return k, m, nl, err
}

// labels reads nl class labels: distinct, valid UTF-8, each at most
// maxLabelBytes long.
func (mr *modelReader) labels(nl uint32) ([]string, error) {
	var labels []string
	seen := map[string]bool{}
	var lb []byte
	for i := 0; i < int(nl); i++ {
		if err := mr.full(mr.buf[:4], "labels"); err != nil {
			return nil, err
		}
		n := binary.LittleEndian.Uint32(mr.buf[:4])
		if n > maxLabelBytes {
			return nil, fmt.Errorf("maxent: model label %d is %d bytes long, want ≤ %d", i, n, maxLabelBytes)
		}
		lb = append(lb[:0], make([]byte, n)...)
		if err := mr.full(lb, "labels"); err != nil {
			return nil, err
		}
		if !utf8.Valid(lb) {
			return nil, fmt.Errorf("maxent: model label %d is not valid UTF-8", i)
		}
		l := string(lb)
		if seen[l] {
			return nil, fmt.Errorf("maxent: model label %q appears twice", l)
		}
		seen[l] = true
		labels = append(labels, l)
	}
	return labels, nil
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
