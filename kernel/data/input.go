package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unsafe"
)

// ParseError reports malformed input. Its message has the form
//
//	File:Line: field Field: Err
//
// where the parts that do not apply are left out: Line and Field are 1-based,
// and 0 means the error has no line (binary formats) or no field.
type ParseError struct {
	File  string // name given to the reader, or the path given to Open
	Line  int    // 1-based line number; 0 if not applicable
	Field int    // 1-based field (column or token) number; 0 if not applicable
	Err   error  // what is wrong
}

// Error implements the error interface.
func (e *ParseError) Error() string {
	var b []byte
	name := e.File
	if name == "" {
		name = "<input>"
	}
	b = append(b, name...)
	if e.Line > 0 {
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(e.Line), 10)
	}
	b = append(b, ": "...)
	if e.Field > 0 {
		b = append(b, "field "...)
		b = strconv.AppendInt(b, int64(e.Field), 10)
		b = append(b, ": "...)
	}
	b = append(b, e.Err.Error()...)
	return string(b)
}

// Unwrap returns e.Err.
func (e *ParseError) Unwrap() error { return e.Err }

// ErrNoData is wrapped by the error of a reader given input without a
// single data row.
var ErrNoData = errors.New("no data rows")

// errorf returns a *ParseError for file at line and field.
func errorf(file string, line, field int, format string, args ...any) error {
	return &ParseError{File: file, Line: line, Field: field, Err: fmt.Errorf(format, args...)}
}

// bufSize is the read buffer of the text readers.
const bufSize = 1 << 16

// openStream buffers r and, if it starts with the gzip magic bytes 1f 8b,
// decompresses it. Errors (a corrupt gzip header) name file.
func openStream(r io.Reader, file string) (*bufio.Reader, error) {
	br := bufio.NewReaderSize(r, bufSize)
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, &ParseError{File: file, Err: err}
	}
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, &ParseError{File: file, Err: err}
	}
	return bufio.NewReaderSize(zr, bufSize), nil
}

// lineReader yields the lines of a text file without their "\n" or "\r\n"
// terminators (and without a byte order mark), counting them.
type lineReader struct {
	r    *bufio.Reader
	file string
	line int    // number of the line last returned
	long []byte // assembles lines longer than r's buffer
	err  error  // read error other than io.EOF, as a *ParseError
}

// newLineReader returns a lineReader over r, decompressed if gzipped.
func newLineReader(r io.Reader, file string) (*lineReader, error) {
	br, err := openStream(r, file)
	if err != nil {
		return nil, err
	}
	return &lineReader{r: br, file: file}, nil
}

// next returns the next line, valid until the following call, and false at
// the end of input or on a read error (then lr.err is set).
func (lr *lineReader) next() ([]byte, bool) {
	if lr.err != nil {
		return nil, false
	}
	line, err := lr.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		lr.long = append(lr.long[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = lr.r.ReadSlice('\n')
			lr.long = append(lr.long, line...)
		}
		line = lr.long
	}
	if err != nil && err != io.EOF {
		lr.err = &ParseError{File: lr.file, Line: lr.line + 1, Err: err}
		return nil, false
	}
	if len(line) == 0 && err == io.EOF {
		return nil, false
	}
	lr.line++
	if lr.line == 1 {
		line = bytes.TrimPrefix(line, []byte("\uFEFF")) // UTF-8 byte order mark
	}
	line = bytes.TrimSuffix(line, []byte{'\n'})
	line = bytes.TrimSuffix(line, []byte{'\r'})
	return line, true
}

// parseValue parses a feature value: a decimal or hexadecimal floating-point
// number that is finite as a float32. It does not allocate unless the text is
// malformed. The error does not name the file; the caller wraps it.
func parseValue(b []byte) (float32, error) {
	if v, ok := parseSmallInt(b); ok {
		return v, nil
	}
	if len(b) == 0 {
		return 0, fmt.Errorf(`parsing "": invalid syntax`)
	}
	// The string shares b's memory: ParseFloat does not retain its argument
	// on success, and the errors below copy the text.
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(b), len(b)), 32)
	if err != nil {
		reason := err
		if ne, ok := err.(*strconv.NumError); ok {
			reason = ne.Err
		}
		return 0, fmt.Errorf("parsing %q: %w", string(b), reason)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("value %q: NaN and Inf are not allowed", string(b))
	}
	return float32(f), nil
}

// parseSmallInt parses an optionally signed decimal integer of at most 8
// bytes, the common case of pixel and count data. Converting it to float32
// rounds exactly as ParseFloat(s, 32) does.
func parseSmallInt(b []byte) (float32, bool) {
	if len(b) == 0 || len(b) > 8 {
		return 0, false
	}
	i, neg := 0, false
	switch b[0] {
	case '-':
		i, neg = 1, true
	case '+':
		i = 1
	}
	if i == len(b) {
		return 0, false
	}
	v := 0
	for ; i < len(b); i++ {
		c := b[i] - '0'
		if c > 9 {
			return 0, false
		}
		v = v*10 + int(c)
	}
	f := float32(v)
	if neg {
		f = -f
	}
	return f, true
}

// trimBlanks removes surrounding blanks (spaces and tabs) from a field.
func trimBlanks(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}
