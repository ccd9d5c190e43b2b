package textclass

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unsafe"
)

// Format is a text file format: one document per line.
type Format uint8

const (
	// Text is "label<TAB>text": the label is what comes before the first
	// tab (blanks around it trimmed), the document what follows it. With
	// NoLabel the whole line is the document.
	Text Format = iota + 1
	// FastText is fastText's "__label__name text": every blank-separated
	// token that starts with "__label__" is a label, wherever it stands
	// (as fastText reads them), and the document is the line without them.
	// A line with several labels (fastText's multi-label examples) is
	// classified by its first and counted in Corpus.MultiLabel; a line
	// without a label is an error unless NoLabel.
	FastText
)

// LabelPrefix is the prefix of fastText's label tokens.
const LabelPrefix = "__label__"

// String returns "text" or "fasttext".
func (f Format) String() string {
	switch f {
	case Text:
		return "text"
	case FastText:
		return "fasttext"
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// ParseFormat returns the format named "text" (or "txt", "tsv") or
// "fasttext" (or "ft").
func ParseFormat(name string) (Format, error) {
	switch strings.ToLower(name) {
	case "text", "txt", "tsv":
		return Text, nil
	case "fasttext", "ft":
		return FastText, nil
	}
	return 0, fmt.Errorf("textclass: unknown text format %q (want text or fasttext)", name)
}

// Sniff tells the text format of a file from its start, head (possibly
// cut in the middle of a line): it looks at the first line that is not
// blank. FastText if that line starts with "__label__"; Text if it has a
// tab after a non-empty label and is not a LIBSVM line (a label, then
// index:value pairs); 0 if neither, for instance for LIBSVM or CSV data.
func Sniff(head []byte) Format {
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(head))
		if err != nil {
			return 0
		}
		head, _ = io.ReadAll(io.LimitReader(zr, 64<<10)) // cut short: the data read so far
	}
	for len(head) > 0 {
		line, rest, _ := bytes.Cut(head, []byte{'\n'})
		head = rest
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if bytes.HasPrefix(bytes.TrimLeft(line, " "), []byte(LabelPrefix)) {
			return FastText
		}
		label, _, tab := bytes.Cut(line, []byte{'\t'})
		if tab && len(bytes.TrimSpace(label)) > 0 && !libsvmLine(line) {
			return Text
		}
		return 0
	}
	return 0
}

// IsLIBSVM reports whether the first line of head that is not blank is a
// LIBSVM row: a label, then index:value tokens (at least one).
func IsLIBSVM(head []byte) bool {
	for len(head) > 0 {
		line, rest, _ := bytes.Cut(head, []byte{'\n'})
		head = rest
		if len(bytes.TrimSpace(line)) > 0 {
			return libsvmLine(line)
		}
	}
	return false
}

// libsvmLine reports whether line looks like a LIBSVM row: a first token,
// then only index:value tokens (qid:N among them), at least one.
func libsvmLine(line []byte) bool {
	if i := bytes.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	toks := bytes.Fields(line)
	if len(toks) < 2 {
		return false
	}
	for _, t := range toks[1:] {
		idx, val, ok := bytes.Cut(t, []byte{':'})
		if !ok {
			return false
		}
		if string(idx) != "qid" {
			if _, err := strconv.ParseUint(string(idx), 10, 31); err != nil {
				return false
			}
		}
		if _, err := strconv.ParseFloat(string(val), 64); err != nil {
			return false
		}
	}
	return true
}

// Corpus is a file of documents, one per line, and their labels.
type Corpus struct {
	// Docs are the documents in file order (blank lines are skipped).
	Docs []string
	// Y[i] is the class of Docs[i], an index into Labels; nil when the
	// corpus was read with NoLabel.
	Y []int
	// Labels are the class names as written (fastText's without the
	// prefix), in numeric order when every one is a number and in byte-wise
	// order otherwise, as package data orders labels.
	Labels []string
	// Source names the file (in errors too); Format is its format.
	Source string
	Format Format
	// Lines is the number of lines read, blank ones included.
	Lines int
	// MultiLabel counts the FastText lines with several labels, each
	// classified by its first; FirstMultiLabel is the first such line
	// (1-based), 0 if none.
	MultiLabel, FirstMultiLabel int
	// Bytes is the size of the text read (after decompression).
	Bytes int64
}

// ReadOptions configure ReadCorpus.
type ReadOptions struct {
	// NoLabel reads documents to classify: Text lines are documents
	// entirely, FastText lines may lack labels (and lose those they have).
	NoLabel bool
	// MaxBytes, if positive, is the most bytes of text (after
	// decompression) to read: more is an error, before it is held.
	MaxBytes int64
}

// ReadCorpus reads a file of format f from r (gzip-compressed data is
// detected and decompressed); name is its Source and the file name in
// errors, which give the line (1-based). The documents are substrings of
// one copy of the data: a corpus takes about the size of the file, plus
// 16 bytes per document.
func ReadCorpus(r io.Reader, name string, f Format, opt ReadOptions) (*Corpus, error) {
	if f != Text && f != FastText {
		return nil, fmt.Errorf("%s: unknown text format %d", name, f)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		defer zr.Close()
		r = zr
	} else {
		r = br
	}
	if opt.MaxBytes > 0 {
		r = io.LimitReader(r, opt.MaxBytes+1)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if opt.MaxBytes > 0 && int64(len(b)) > opt.MaxBytes {
		return nil, fmt.Errorf("%s: more than %d bytes of text, the memory budget", name, opt.MaxBytes)
	}
	// The bytes are never written again: the documents can share them.
	all := unsafe.String(unsafe.SliceData(b), len(b))
	c := &Corpus{Source: name, Format: f, Bytes: int64(len(b))}
	var labels []string // per document
	for len(all) > 0 {
		line, rest, _ := strings.Cut(all, "\n")
		all = rest
		c.Lines++
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		var label, doc string
		if f == Text {
			if opt.NoLabel {
				doc = line
			} else {
				l, d, ok := strings.Cut(line, "\t")
				if label = strings.TrimSpace(l); !ok || label == "" {
					return nil, fmt.Errorf("%s:%d: want label<TAB>text (no tab, or an empty label); documents without labels need -nolabel", name, c.Lines)
				}
				doc = d
			}
		} else {
			var n int
			label, doc, n = fastTextLine(line)
			if n == 0 && !opt.NoLabel {
				return nil, fmt.Errorf("%s:%d: no %s token: every line of a labelled fastText file needs one", name, c.Lines, LabelPrefix)
			}
			if n > 1 {
				if c.MultiLabel == 0 {
					c.FirstMultiLabel = c.Lines
				}
				c.MultiLabel++
			}
		}
		c.Docs = append(c.Docs, doc)
		if !opt.NoLabel {
			labels = append(labels, label)
		}
	}
	if len(c.Docs) == 0 {
		return nil, fmt.Errorf("%s: no documents", name)
	}
	if !opt.NoLabel {
		c.Y, c.Labels = classes(labels)
	}
	return c, nil
}

// fastTextLine splits a fastText line into its first label, the document
// (the line without its label tokens) and the number of labels.
func fastTextLine(line string) (label, doc string, n int) {
	// The usual line: labels first, then the text, which is a substring.
	rest := line
	for {
		t := strings.TrimLeft(rest, blanks)
		if !strings.HasPrefix(t, LabelPrefix) {
			break
		}
		end := strings.IndexAny(t, blanks)
		if end < 0 {
			end = len(t)
		}
		if n == 0 {
			label = t[len(LabelPrefix):end]
		}
		n++
		rest = t[end:]
	}
	doc = strings.TrimLeft(rest, blanks)
	if !hasLabelToken(doc) {
		return label, doc, n
	}
	// Labels further on: the document is the other tokens joined by
	// spaces, as fastText sees the line.
	var words []string
	for _, w := range strings.FieldsFunc(doc, isBlank) {
		if strings.HasPrefix(w, LabelPrefix) {
			if n == 0 {
				label = w[len(LabelPrefix):]
			}
			n++
			continue
		}
		words = append(words, w)
	}
	return label, strings.Join(words, " "), n
}

// blanks are the characters that separate fastText's tokens (besides the
// newline).
const blanks = " \t\v\f\r\x00"

// isBlank tells the characters of blanks.
func isBlank(r rune) bool { return r < 0x80 && strings.IndexByte(blanks, byte(r)) >= 0 }

// hasLabelToken reports whether a blank-separated token of s starts with
// LabelPrefix.
func hasLabelToken(s string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], LabelPrefix)
		if j < 0 {
			return false
		}
		if i+j == 0 || strings.IndexByte(blanks, s[i+j-1]) >= 0 {
			return true
		}
		i += j + 1
	}
}

// classes returns the class index of each label and the sorted class
// names: in numeric order when every name is a number, else byte-wise.
func classes(labels []string) ([]int, []string) {
	index := map[string]int{}
	var names []string
	for _, l := range labels {
		if _, ok := index[l]; !ok {
			index[l] = 0
			names = append(names, l)
		}
	}
	numeric := true
	num := make(map[string]float64, len(names))
	for _, l := range names {
		v, err := strconv.ParseFloat(l, 64)
		if err != nil || v != v {
			numeric = false
			break
		}
		num[l] = v
	}
	slices.SortFunc(names, func(a, b string) int {
		if numeric && num[a] != num[b] {
			if num[a] < num[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	for i, l := range names {
		index[l] = i
	}
	y := make([]int, len(labels))
	for i, l := range labels {
		y[i] = index[l]
	}
	return y, names
}
