package data

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// IDX magic numbers: two zero bytes, the element type (0x08: uint8) and the
// number of dimensions.
const (
	idxImagesMagic = 0x00000803
	idxLabelsMagic = 0x00000801
	// maxImagePixels bounds rows×cols of an IDX image.
	maxImagePixels = 1 << 24
	// idxChunk is how many bytes are read at a time.
	idxChunk = 1 << 20
)

// ReadIDX reads an MNIST-style pair of IDX files: images (magic 0x00000803:
// uint8 pixels, n×rows×cols, big-endian header) and labels (magic
// 0x00000801: n uint8 labels). Either may be gzip-compressed (detected by
// its magic bytes). Each image becomes a row of rows·cols float32 pixel
// values 0..255 (unscaled); labels become decimal strings ("0".."9" for
// MNIST, only the values that occur). name prefixes error messages, which
// say "images" or "labels".
//
// Memory grows with the bytes actually read (from at most 64 MiB), never
// with the counts claimed by the headers, so a corrupt or hostile header
// yields an error, not a huge allocation; a header that claims a matrix
// larger than the memory budget (see MemoryBudget) is an error before any
// data is read. Data after the last image or label is an error.
func ReadIDX(images, labels io.Reader, name string) (*Dataset, error) {
	imgName, lblName := "images", "labels"
	if name != "" {
		imgName, lblName = name+": images", name+": labels"
	}
	return readIDX(images, imgName, labels, lblName, name)
}

// readIDX implements ReadIDX with a name for each file (used in their
// errors) and the Dataset's Source. If labels is nil, only the images are
// read, and the Dataset has no labels.
func readIDX(images io.Reader, imgName string, labels io.Reader, lblName, source string) (*Dataset, error) {
	var lr *bufio.Reader
	var lh []uint32
	if labels != nil {
		var err error
		if lr, err = openStream(labels, lblName); err != nil {
			return nil, err
		}
	}
	ir, err := openStream(images, imgName)
	if err != nil {
		return nil, err
	}
	if lr != nil {
		if lh, err = readIDXHeader(lr, lblName, idxLabelsMagic, 1); err != nil {
			return nil, err
		}
	}
	ih, err := readIDXHeader(ir, imgName, idxImagesMagic, 3)
	if err != nil {
		return nil, err
	}
	if uint64(ih[0]) > uint64(^uint(0)>>1) {
		return nil, errorf(imgName, 0, 0, "%d images: too many for this platform", ih[0])
	}
	n, rows, cols := int(ih[0]), int(ih[1]), int(ih[2])
	if lr != nil && int(lh[0]) != n {
		return nil, errorf(source, 0, 0, "%d labels for %d images", lh[0], n)
	}
	if n == 0 {
		return nil, &ParseError{File: source, Err: ErrNoData}
	}
	// Both dimensions are below 2^32, so their product fits in uint64 (not
	// always in int: the fuzzer found 0xf6303030² overflowing to < 0).
	if p := uint64(ih[1]) * uint64(ih[2]); p == 0 || p > maxImagePixels {
		return nil, errorf(imgName, 0, 0, "bad image size %d×%d", ih[1], ih[2])
	}
	pixels := rows * cols
	// A header that claims more than fits is wrong or too big: either way
	// nothing is read.
	hint := fmt.Sprintf("the header claims %s images of %d×%d pixels", groupDigits(int64(n)), rows, cols)
	if err := checkMemory(DenseBytes(n, pixels), denseWhat(n, pixels, (pixels+15)&^15, false), hint); err != nil {
		return nil, &ParseError{File: imgName, Err: err}
	}

	// Labels, in chunks so that a false count fails at the end of the data.
	var lab []byte
	if lr != nil {
		lab = make([]byte, 0, min(n, idxChunk))
	}
	for lr != nil && len(lab) < n {
		k := min(n-len(lab), idxChunk)
		lab = slices.Grow(lab, k)
		got, err := io.ReadFull(lr, lab[len(lab):len(lab)+k])
		lab = lab[:len(lab)+got]
		if err != nil {
			return nil, idxReadError(lblName, err, "label", len(lab), n)
		}
	}
	if lr != nil {
		if err := idxCheckEnd(lr, lblName, "labels", n); err != nil {
			return nil, err
		}
	}

	// Images, into a matrix grown as rows arrive.
	b := newMatrixBuilder(pixels, n, hint)
	pix := make([]byte, pixels)
	for i := range n {
		if _, err := io.ReadFull(ir, pix); err != nil {
			return nil, idxReadError(imgName, err, "image", i, n)
		}
		row, err := b.next()
		if err == errTooLarge {
			return nil, errorf(imgName, 0, 0, "%v: %d images of %d×%d", err, n, rows, cols)
		} else if err != nil {
			return nil, &ParseError{File: imgName, Err: err}
		}
		for j, p := range pix {
			row[j] = float32(p)
		}
	}
	if err := idxCheckEnd(ir, imgName, "images", n); err != nil {
		return nil, err
	}

	d := &Dataset{X: b.finish(), Source: source, Format: "idx"}
	if lr == nil {
		return d, nil
	}
	var ls labelSet
	var num []byte
	for _, l := range lab {
		num = strconv.AppendUint(num[:0], uint64(l), 10)
		ls.add(num)
	}
	d.Y, d.Labels = ls.finish()
	return d, nil
}

// readIDXHeader reads and checks the magic number and the ndim big-endian
// uint32 dimensions of an IDX file.
func readIDXHeader(r io.Reader, name string, magic uint32, ndim int) ([]uint32, error) {
	buf := make([]byte, 4*(1+ndim))
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, errorf(name, 0, 0, "truncated header: %v", err)
		}
		return nil, &ParseError{File: name, Err: err}
	}
	if got := binary.BigEndian.Uint32(buf); got != magic {
		return nil, errorf(name, 0, 0, "bad magic 0x%08x, want 0x%08x", got, magic)
	}
	dims := make([]uint32, ndim)
	for i := range dims {
		dims[i] = binary.BigEndian.Uint32(buf[4*(i+1):])
	}
	return dims, nil
}

// idxReadError describes a failure to read item i (0-based) of n.
func idxReadError(name string, err error, item string, i, n int) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errorf(name, 0, 0, "truncated: %s %d of %d: %v", item, i+1, n, io.ErrUnexpectedEOF)
	}
	return errorf(name, 0, 0, "%s %d of %d: %w", item, i+1, n, err)
}

// idxCheckEnd checks that r is at its end after n items (reading to the end
// also makes a gzip reader verify its checksum).
func idxCheckEnd(r *bufio.Reader, name, items string, n int) error {
	_, err := r.ReadByte()
	switch {
	case err == nil:
		return errorf(name, 0, 0, "trailing data after %d %s", n, items)
	case errors.Is(err, io.EOF):
		return nil
	default:
		return &ParseError{File: name, Err: fmt.Errorf("after %d %s: %w", n, items, err)}
	}
}
