package data

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// HeaderMode says whether the first line of a CSV file is a header.
type HeaderMode int

const (
	// HeaderAuto (the zero value) treats the first non-blank line as a
	// header if any of its non-label fields is not a number.
	HeaderAuto HeaderMode = iota
	// HeaderYes always skips the first non-blank line.
	HeaderYes
	// HeaderNo treats every line as data.
	HeaderNo
)

// CSVOptions configures ReadCSV. The zero value reads comma-separated
// values with the label in the last column and an auto-detected header.
type CSVOptions struct {
	// LabelCol selects the label column by 1-based position, the same
	// numbering as the "field N" of error messages: 1 is the first column,
	// 2 the second, and so on; negative values count from the end (-1 is
	// the last column, -2 the one before). 0, the zero value, means the
	// last column. Ignored when NoLabel is set.
	LabelCol int
	// NoLabel says the file has no label column (data to predict); every
	// column is a feature and the Dataset's Y and Labels are nil.
	NoLabel bool
	// Header says whether the first non-blank line is a header.
	Header HeaderMode
	// Comma is the field separator; 0 means ','. It must not be '"', '\r',
	// '\n' or utf8.RuneError.
	Comma rune
}

// ReadCSV reads a data set of delimiter-separated values: one row per line,
// every field a number except the label, the same number of fields on every
// line. Fields are trimmed of blanks and of one pair of surrounding double
// quotes (quoted fields may not contain the separator). Blank lines are
// skipped; a trailing "\r" and a leading byte order mark are ignored.
// Numeric labels are written canonically, as by ReadLIBSVM ("1.50", "+1.5"
// and "15e-1" are the class "1.5"; "007" is "7"); other labels are kept as
// they are. Gzip-compressed input is detected and decompressed. name is used
// in error messages; a line whose number of fields differs from the first
// line's is reported as such ("t.csv:7: 2 fields, want 3 as on line 1"),
// never by one of its fields.
func ReadCSV(r io.Reader, name string, opt CSVOptions) (*Dataset, error) {
	sep, err := separator(opt.Comma)
	if err != nil {
		return nil, &ParseError{File: name, Err: err}
	}
	lr, err := newLineReader(r, name)
	if err != nil {
		return nil, err
	}
	var (
		nf        int // fields per line, set by the first line
		firstLine int // its number
		label     = -1
		b         *matrixBuilder
		ls        labelSet
		scratch   []byte
	)
	for {
		line, ok := lr.next()
		if !ok {
			break
		}
		if len(bytes.Trim(line, " \t")) == 0 {
			continue
		}
		if b == nil {
			fields := splitFields(nil, line, sep)
			nf, firstLine = len(fields), lr.line
			if !opt.NoLabel {
				label, err = labelIndex(opt.LabelCol, nf)
				if err != nil {
					return nil, &ParseError{File: name, Line: lr.line, Err: err}
				}
			}
			cols := nf
			if label >= 0 {
				cols--
			}
			b = newMatrixBuilder(cols, 0)
			if opt.Header == HeaderYes || opt.Header == HeaderAuto && isHeader(fields, label) {
				continue
			}
		}
		row, err := b.next()
		if err != nil {
			return nil, errorf(name, lr.line, 0, "%v: more than %d rows of %d features", err, b.n, b.cols)
		}
		// Split and parse in one pass; k counts fields, j features.
		j, k := 0, 0
		for rest := line; ; k++ {
			if k == nf {
				k = -1 // too many fields
				break
			}
			// Fast path: a plain unsigned integer of up to 8 digits
			// (exact in float32 after correct rounding, as ParseFloat).
			if k != label && len(sep) == 1 {
				v, i := 0, 0
				for ; i < len(rest) && i <= 8; i++ {
					c := rest[i] - '0'
					if c > 9 {
						break
					}
					v = v*10 + int(c)
				}
				if i > 0 && i <= 8 && (i == len(rest) || rest[i] == sep[0]) {
					row[j] = float32(v)
					j++
					if i == len(rest) {
						k++
						break
					}
					rest = rest[i+1:]
					continue
				}
			}
			i := indexSep(rest, sep)
			f := rest
			if i >= 0 {
				f = rest[:i]
			}
			f = trimField(f)
			if k == label {
				if len(f) == 0 {
					return nil, fieldError(name, lr.line, line, sep, nf, firstLine, k+1, errors.New("empty label"))
				}
				scratch = canonicalLabel(scratch[:0], f)
				ls.add(scratch)
			} else {
				v, err := parseValue(f)
				if err != nil {
					return nil, fieldError(name, lr.line, line, sep, nf, firstLine, k+1, err)
				}
				row[j] = v
				j++
			}
			if i < 0 {
				k++
				break
			}
			rest = rest[i+len(sep):]
		}
		if k != nf {
			return nil, countError(name, lr.line, len(splitFields(nil, line, sep)), nf, firstLine)
		}
	}
	if lr.err != nil {
		return nil, lr.err
	}
	if b == nil || b.n == 0 {
		return nil, &ParseError{File: name, Err: ErrNoData}
	}
	d := &Dataset{X: b.finish(), Source: name}
	if label >= 0 {
		d.Y, d.Labels = ls.finish()
	}
	return d, nil
}

// fieldError returns the error of field (1-based) of line lineNo, unless
// the line does not have nf fields: then, since the fields are out of place,
// the count is what is wrong.
func fieldError(name string, lineNo int, line, sep []byte, nf, firstLine, field int, err error) error {
	if got := len(splitFields(nil, line, sep)); got != nf {
		return countError(name, lineNo, got, nf, firstLine)
	}
	return &ParseError{File: name, Line: lineNo, Field: field, Err: err}
}

// countError reports a line of got fields where the first had nf.
func countError(name string, lineNo, got, nf, firstLine int) error {
	unit := "fields"
	if got == 1 {
		unit = "field"
	}
	return errorf(name, lineNo, 0, "%d %s, want %d as on line %d", got, unit, nf, firstLine)
}

// separator returns the UTF-8 encoding of the field separator comma.
func separator(comma rune) ([]byte, error) {
	if comma == 0 {
		comma = ','
	}
	if comma == '"' || comma == '\r' || comma == '\n' || !utf8.ValidRune(comma) || comma == utf8.RuneError {
		return nil, fmt.Errorf("invalid field separator %q", comma)
	}
	return utf8.AppendRune(nil, comma), nil
}

// indexSep returns the index of the first sep in s, or -1. Fields are
// short, so a plain loop beats bytes.IndexByte for a one-byte separator.
func indexSep(s, sep []byte) int {
	if len(sep) != 1 {
		return bytes.Index(s, sep)
	}
	c := sep[0]
	for i, x := range s {
		if x == c {
			return i
		}
	}
	return -1
}

// splitFields appends the sep-separated fields of line to dst.
func splitFields(dst [][]byte, line, sep []byte) [][]byte {
	for {
		i := indexSep(line, sep)
		if i < 0 {
			return append(dst, line)
		}
		dst = append(dst, line[:i])
		line = line[i+len(sep):]
	}
}

// labelIndex resolves CSVOptions.LabelCol for a line of nf fields to a
// 0-based field index.
func labelIndex(col, nf int) (int, error) {
	i := col - 1
	switch {
	case col == 0:
		i = nf - 1
	case col < 0:
		i = nf + col
	}
	if i < 0 || i >= nf {
		return 0, fmt.Errorf("label column %d out of range for %d fields", col, nf)
	}
	return i, nil
}

// isHeader reports whether some field other than the label is not a number
// (NaN and Inf count as numbers here, so that such a first row is rejected
// as data rather than skipped).
func isHeader(fields [][]byte, label int) bool {
	for k, f := range fields {
		if k == label {
			continue
		}
		f = trimField(f)
		if _, ok := parseSmallInt(f); ok {
			continue
		}
		_, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(f), len(f)), 32)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return true
		}
	}
	return false
}
