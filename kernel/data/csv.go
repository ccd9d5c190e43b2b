package data

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
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
	// Sparse chooses how Open and OpenReader store LIBSVM rows (see
	// SparseMode); CSV and IDX rows are always dense.
	Sparse SparseMode

	// noBudget reads without the memory budget (Digits: the data is in
	// the binary already).
	noBudget bool
}

// ReadCSV reads a data set of delimiter-separated values: one row per line,
// every field a number except the label, the same number of fields on every
// line. Fields are trimmed of blanks. Fields may be quoted as in RFC 4180: a
// field that starts with a double quote (after blanks) ends at the next
// single double quote (blanks may follow it), and may hold the separator, a
// doubled quote standing for one, and line breaks (the record then goes on
// over the following lines, which count as lines in error messages; a
// "\r\n" inside quotes is read as "\n"). The text between the quotes is
// taken as it is for a label and trimmed of blanks for a number; a quote
// inside an unquoted field is an error. Blank lines are skipped; a trailing
// "\r" and a leading byte order mark are ignored. Numeric labels are written
// canonically, as by ReadLIBSVM ("1.50", "+1.5" and "15e-1" are the class
// "1.5"; "007" is "7"); other labels are kept as they are. Gzip-compressed
// input is detected and decompressed. name is used in error messages; a
// line whose number of fields differs from the first line's is reported as
// such ("t.csv:7: 2 fields, want 3 as on line 1"), never by one of its
// fields. Input with a label column and no other is an error ("no feature
// columns").
func ReadCSV(r io.Reader, name string, opt CSVOptions) (*Dataset, error) {
	sep, err := separator(opt.Comma)
	if err != nil {
		return nil, &ParseError{File: name, Err: err}
	}
	lr, err := newLineReader(r, name)
	if err != nil {
		return nil, err
	}
	c := &csvReader{lr: lr, name: name, sep: sep, label: -1}
	// The fast path reads digits up to a one-byte separator, not a digit.
	fastInts := len(sep) == 1 && sep[0]-'0' > 9
	var (
		nf      int // fields per line, set by the first line
		label   = -1
		b       *matrixBuilder
		ls      labelSet
		scratch []byte
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
			// The first record sets the number of fields and may be a
			// header; it is split with quotes in mind from the start.
			c.firstLine = lr.line
			fields, err := c.record(line)
			if err != nil {
				return nil, err
			}
			nf = len(fields)
			if !opt.NoLabel {
				label, err = labelIndex(opt.LabelCol, nf)
				if err != nil {
					return nil, &ParseError{File: name, Line: c.firstLine, Err: err}
				}
			}
			c.nf, c.label = nf, label
			cols := nf
			if label >= 0 {
				cols--
			}
			if cols == 0 {
				return nil, errorf(name, c.firstLine, 0, "no feature columns: the lines have 1 field, the label (use NoLabel if it is a feature)")
			}
			b = newMatrixBuilder(cols, 0, "use fewer rows or columns")
			if opt.noBudget {
				b.hasBudget = false
			}
			if opt.Header == HeaderYes || opt.Header == HeaderAuto && isHeader(fields, label) {
				continue
			}
			row, err := b.next()
			if err != nil {
				return nil, b.wrap(err, name, c.firstLine)
			}
			if scratch, err = c.store(row, fields, c.firstLine, scratch[:0]); err != nil {
				return nil, err
			}
			if label >= 0 {
				ls.add(scratch)
			}
			continue
		}
		start := lr.line
		row, err := b.next()
		if err != nil {
			return nil, b.wrap(err, name, start)
		}
		// Split and parse in one pass; k counts fields, j features.
		// Simply quoted fields are parsed inline; other quoted ones (or,
		// when the line has a quote, an error) send the line to the
		// quote-aware path, c.record and c.store.
		j, k := 0, 0
		quoted := recordPathOnly
	fields:
		for rest := line; !quoted; k++ {
			if fastInts {
				var end bool
				if rest, k, j, end = scanInts(rest, row, sep[0], k, j, nf, label); end {
					break
				}
			}
			if k == nf {
				k = -1 // too many fields
				break
			}
			f, next, ok := nextField(rest, sep, k == label)
			if !ok {
				quoted = true
				break
			}
			if k == label {
				if len(f) == 0 {
					if bytes.IndexByte(line, '"') >= 0 {
						quoted = true
						break fields
					}
					return nil, c.fieldError(start, line, k+1, errors.New("empty label"))
				}
				scratch = canonicalLabel(scratch[:0], f)
			} else {
				v, err := parseValue(f)
				if err != nil {
					if bytes.IndexByte(line, '"') >= 0 {
						quoted = true
						break fields
					}
					return nil, c.fieldError(start, line, k+1, err)
				}
				row[j] = v
				j++
			}
			if next < 0 {
				k++
				break
			}
			rest = rest[next:]
		}
		if k != nf && !quoted {
			quoted = bytes.IndexByte(line, '"') >= 0 // for the count
		}
		if quoted {
			fields, err := c.record(line)
			if err != nil {
				return nil, err
			}
			if scratch, err = c.store(row, fields, start, scratch[:0]); err != nil {
				return nil, err
			}
		} else if k != nf {
			return nil, countError(name, start, len(splitFields(nil, line, sep)), nf, c.firstLine)
		}
		if label >= 0 {
			ls.add(scratch)
		}
	}
	if lr.err != nil {
		return nil, lr.err
	}
	if b == nil || b.n == 0 {
		return nil, &ParseError{File: name, Err: ErrNoData}
	}
	d := &Dataset{X: b.finish(), Source: name, Format: "csv"}
	if label >= 0 {
		d.Y, d.Labels = ls.finish()
	}
	return d, nil
}

// recordPathOnly makes ReadCSV read every line but the first with the
// quote-aware path, as if it had a quote (tests compare the two paths).
var recordPathOnly = false

// csvReader holds what ReadCSV's quote-aware path needs: it splits records
// that may be quoted and span lines, and stores their fields in a row.
type csvReader struct {
	lr        *lineReader
	name      string
	sep       []byte
	nf        int      // fields per record (0 until the first record is read)
	label     int      // index of the label field, or -1
	firstLine int      // line of the first record
	rec       []byte   // a record spanning lines, joined
	buf       []byte   // the text of quoted fields
	fields    [][]byte // the fields of the last record
}

// record returns the fields of the record that starts with line, reading
// the lines that follow while a quoted field is open (line is not used
// after the first of them is read). The fields are valid until the next
// call.
func (c *csvReader) record(line []byte) ([][]byte, error) {
	start := c.lr.line
	if st := scanRecord(line, c.sep, stField); st == stQuoted {
		c.rec = append(c.rec[:0], line...)
		for st == stQuoted {
			next, ok := c.lr.next()
			if !ok {
				if c.lr.err != nil {
					return nil, c.lr.err
				}
				break // reported by splitRecord
			}
			c.rec = append(c.rec, '\n')
			c.rec = append(c.rec, next...)
			st = scanRecord(next, c.sep, stQuoted)
		}
		line = c.rec
	}
	fields, buf, field, err := splitRecord(c.fields[:0], c.buf, line, c.sep)
	c.fields, c.buf = fields, buf
	if err != nil {
		return nil, &ParseError{File: c.name, Line: start, Field: field, Err: err}
	}
	return fields, nil
}

// store parses the fields of the record at line start into row, and
// appends the canonical label (if any) to lab.
func (c *csvReader) store(row []float32, fields [][]byte, start int, lab []byte) ([]byte, error) {
	if len(fields) != c.nf {
		return lab, countError(c.name, start, len(fields), c.nf, c.firstLine)
	}
	j := 0
	for k, f := range fields {
		if k == c.label {
			if len(f) == 0 {
				return lab, errorf(c.name, start, k+1, "empty label")
			}
			lab = canonicalLabel(lab, f)
			continue
		}
		v, err := parseValue(trimBlanks(f))
		if err != nil {
			return lab, &ParseError{File: c.name, Line: start, Field: k + 1, Err: err}
		}
		row[j] = v
		j++
	}
	return lab, nil
}

// fieldError returns the error of field (1-based) of the unquoted line at
// lineNo, unless the line does not have c.nf fields: then, since the fields
// are out of place, the count is what is wrong.
func (c *csvReader) fieldError(lineNo int, line []byte, field int, err error) error {
	if got := len(splitFields(nil, line, c.sep)); got != c.nf {
		return countError(c.name, lineNo, got, c.nf, c.firstLine)
	}
	return &ParseError{File: c.name, Line: lineNo, Field: field, Err: err}
}

// recordState is the state of scanRecord and splitRecord.
type recordState uint8

const (
	stField  recordState = iota // at the start of a field, maybe after blanks
	stBare                      // in an unquoted field
	stQuoted                    // in a quoted field
	stQuote                     // after a quote in a quoted field: its end, or the first of two
	stAfter                     // after a quoted field's closing quote and maybe blanks
	stBad                       // malformed: the record ends here (splitRecord reports it)
)

// scanRecord returns the state after text s of a record, starting in st.
// The record goes on over the next line if it is stQuoted.
func scanRecord(s, sep []byte, st recordState) recordState {
	for i := 0; i < len(s); {
		if st != stQuoted && hasSep(s[i:], sep) {
			st, i = stField, i+len(sep)
			continue
		}
		c := s[i]
		i++
		switch st {
		case stField:
			switch c {
			case '"':
				st = stQuoted
			case ' ', '\t':
			default:
				st = stBare
			}
		case stBare:
			if c == '"' {
				return stBad
			}
		case stQuoted:
			if c == '"' {
				st = stQuote
			} else if q := bytes.IndexByte(s[i:], '"'); q < 0 {
				return stQuoted
			} else {
				i += q
			}
		case stQuote:
			switch c {
			case '"':
				st = stQuoted
			case ' ', '\t':
				st = stAfter
			default:
				return stBad
			}
		case stAfter:
			if c != ' ' && c != '\t' {
				return stBad
			}
		}
	}
	return st
}

// splitRecord appends the fields of record rec to fields: unquoted fields
// trimmed of blanks (slices of rec), quoted ones without their quotes and
// with doubled quotes undoubled (slices of buf, which is returned). On a
// malformed record it returns the 1-based number of the field at fault and
// the error.
func splitRecord(fields [][]byte, buf, rec, sep []byte) (_ [][]byte, _ []byte, field int, err error) {
	buf = slices.Grow(buf[:0], len(rec)) // never reallocated below
	st := stField
	start, qstart := 0, 0 // of the current field in rec, of its text in buf
	for i := 0; i < len(rec); {
		if st != stQuoted && hasSep(rec[i:], sep) {
			if st != stAfter {
				fields = append(fields, trimBlanks(rec[start:i]))
			}
			i += len(sep)
			st, start = stField, i
			continue
		}
		c := rec[i]
		i++
		switch st {
		case stField:
			switch c {
			case '"':
				st, qstart = stQuoted, len(buf)
			case ' ', '\t':
			default:
				st = stBare
			}
		case stBare:
			if c == '"' {
				return fields, buf, len(fields) + 1, errors.New(`bare " in an unquoted field (quote the whole field and double the " inside it)`)
			}
		case stQuoted:
			if c != '"' {
				q := bytes.IndexByte(rec[i:], '"')
				if q < 0 {
					q = len(rec) - i
				}
				buf = append(buf, c)
				buf = append(buf, rec[i:i+q]...)
				i += q
			} else if i < len(rec) && rec[i] == '"' {
				buf = append(buf, '"')
				i++
			} else {
				fields = append(fields, buf[qstart:len(buf):len(buf)])
				st = stAfter
			}
		case stAfter:
			if c != ' ' && c != '\t' {
				return fields, buf, len(fields), errors.New("text after the closing quote")
			}
		}
	}
	switch st {
	case stField, stBare:
		fields = append(fields, trimBlanks(rec[start:]))
	case stQuoted:
		return fields, buf, len(fields) + 1, errors.New("quoted field not closed by the end of the input")
	}
	return fields, buf, 0, nil
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

// scanInts is ReadCSV's fast path: it stores in row[j], row[j+1], ... the
// fields k, k+1, ... at the start of rest while they are plain unsigned
// integers of up to 8 digits (exact in float32 after correct rounding, as
// ParseFloat) other than field label, and no further than field nf-1. It
// returns the rest of the line (after the separator that follows the last
// field stored), k and j after those fields, and end = true if the line
// ended with the last of them.
func scanInts(rest []byte, row []float32, sep byte, k, j, nf, label int) ([]byte, int, int, bool) {
	for k < nf && k != label {
		v, i := 0, 0
		for ; i < len(rest) && i <= 8; i++ {
			c := rest[i] - '0'
			if c > 9 {
				break
			}
			v = v*10 + int(c)
		}
		if i == 0 || i > 8 {
			break
		}
		if i == len(rest) {
			row[j] = float32(v)
			return rest[i:], k + 1, j + 1, true
		}
		if rest[i] != sep {
			break
		}
		row[j] = float32(v)
		j++
		k++
		rest = rest[i+1:]
	}
	return rest, k, j, false
}

// nextField returns the text of the field at the start of rest (trimmed of
// blanks, or of its quotes when it is simply quoted: blanks at most before
// the opening quote, no quote inside, the separator or the end of the line
// right after the closing quote; a quoted label is not trimmed) and where
// the next field starts in rest (-1: at the end), or ok = false if the field
// needs the quote-aware path (it has a quote but is not simply quoted).
func nextField(rest, sep []byte, isLabel bool) (f []byte, next int, ok bool) {
	i := indexSepQuote(rest, sep)
	if i < 0 {
		return trimBlanks(rest), -1, true
	}
	if rest[i] != '"' {
		return trimBlanks(rest[:i]), i + len(sep), true
	}
	if len(trimBlanks(rest[:i])) != 0 {
		return nil, 0, false
	}
	q := bytes.IndexByte(rest[i+1:], '"')
	e := i + 1 + q + 1 // after the closing quote
	if q < 0 || e < len(rest) && !hasSep(rest[e:], sep) {
		return nil, 0, false
	}
	if f = rest[i+1 : e-1]; !isLabel {
		f = trimBlanks(f)
	}
	if e == len(rest) {
		return f, -1, true
	}
	return f, e + len(sep), true
}

// hasSep reports whether s starts with sep.
func hasSep(s, sep []byte) bool {
	if len(sep) == 1 {
		return len(s) > 0 && s[0] == sep[0]
	}
	return bytes.HasPrefix(s, sep)
}

// indexSepQuote returns the index of the first sep or double quote in s, or
// -1.
func indexSepQuote(s, sep []byte) int {
	if len(sep) != 1 {
		i := bytes.Index(s, sep)
		f := s
		if i >= 0 {
			f = s[:i]
		}
		if q := bytes.IndexByte(f, '"'); q >= 0 {
			return q
		}
		return i
	}
	c := sep[0]
	for i, x := range s {
		if x == c || x == '"' {
			return i
		}
	}
	return -1
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
		f = trimBlanks(f)
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
