package textclass

import (
	"bytes"
	"compress/gzip"
	"slices"
	"strings"
	"testing"
)

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		head string
		want Format
	}{
		{"archive\t// Copyright 2009\n", Text},
		{"\n\r\n  \nspam\tbuy now, cheap\n", Text},
		{"1\tx y z", Text},                         // a number label, cut short
		{"__label__go func main() {}\n", FastText}, // fastText
		{"  __label__a __label__b text\n", FastText},
		{"1 3:0.5 17:1\n", 0},             // LIBSVM
		{"1\t3:0.5\t17:1\n", 0},           // LIBSVM with tabs
		{"+1 qid:3 1:1 # c\n", 0},         // LIBSVM
		{"a,b,c\n1,2,3\n", 0},             // CSV
		{"no tab here\nlabel\ttext\n", 0}, // the first line decides
		{"\tno label\n", 0},
		{"", 0},
	} {
		if got := Sniff([]byte(tc.head)); got != tc.want {
			t.Errorf("Sniff(%q) = %v, want %v", tc.head, got, tc.want)
		}
	}
	for head, want := range map[string]bool{"\n1 3:0.5\n": true, "+1 qid:2 7:1 # x": true, "a\tb\n": false, "doc: a b": false, "": false} {
		if IsLIBSVM([]byte(head)) != want {
			t.Errorf("IsLIBSVM(%q) = %v", head, !want)
		}
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte("__label__x y\n"))
	zw.Close()
	if got := Sniff(z.Bytes()); got != FastText {
		t.Errorf("gzip: %v", got)
	}
	if got := Sniff(z.Bytes()[:z.Len()/2]); got != 0 && got != FastText {
		t.Errorf("cut gzip: %v", got)
	}
}

func TestParseFormat(t *testing.T) {
	for name, want := range map[string]Format{"text": Text, "TXT": Text, "tsv": Text, "fasttext": FastText, "ft": FastText} {
		if f, err := ParseFormat(name); err != nil || f != want {
			t.Errorf("%s: %v %v", name, f, err)
		}
	}
	if _, err := ParseFormat("libsvm"); err == nil {
		t.Error("libsvm is a text format")
	}
	if Text.String() != "text" || FastText.String() != "fasttext" {
		t.Error(Text, FastText)
	}
}

func TestReadCorpusText(t *testing.T) {
	in := "b\tthe second class\r\n\n a \tfirst  doc\twith a tab\n10\tx\nb\t\n"
	c, err := ReadCorpus(strings.NewReader(in), "t.txt", Text, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Docs, []string{"the second class", "first  doc\twith a tab", "x", ""}) ||
		!slices.Equal(c.Labels, []string{"10", "a", "b"}) || !slices.Equal(c.Y, []int{2, 1, 0, 2}) || c.Lines != 5 {
		t.Fatalf("%q %q %v %d", c.Docs, c.Labels, c.Y, c.Lines)
	}
	c, err = ReadCorpus(strings.NewReader("10\ta\n9\tb\n-1.5\tc\n"), "n.txt", Text, ReadOptions{})
	if err != nil || !slices.Equal(c.Labels, []string{"-1.5", "9", "10"}) || !slices.Equal(c.Y, []int{2, 1, 0}) {
		t.Fatalf("numeric labels: %v %q %v", err, c.Labels, c.Y)
	}
	c, err = ReadCorpus(strings.NewReader("just a document\nlabel\tand text\n"), "p.txt", Text, ReadOptions{NoLabel: true})
	if err != nil || c.Y != nil || c.Labels != nil || !slices.Equal(c.Docs, []string{"just a document", "label\tand text"}) {
		t.Fatalf("NoLabel: %v %+v", err, c)
	}
	for _, tc := range []struct{ in, want string }{
		{"a\tx\nno tab\n", "t.txt:2: want label<TAB>text"},
		{"a\tx\n  \ty\n", "t.txt:2: want label<TAB>text"},
		{"\n\n", "t.txt: no documents"},
		{strings.Repeat("a\tx\n", 100), "more than 200 bytes"},
	} {
		_, err := ReadCorpus(strings.NewReader(tc.in), "t.txt", Text, ReadOptions{MaxBytes: 200})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestReadCorpusFastText(t *testing.T) {
	in := "__label__go func main() {}\n" +
		"__label__net __label__go  net.Dial(x)\n" + // two labels: the first counts
		"a __label__os b\tc\n" + // a label further on
		"__label__x\n" + // no text
		"x__label__y and __label__ not labels? __label__z\n"
	c, err := ReadCorpus(strings.NewReader(in), "t.ft", FastText, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Docs, []string{"func main() {}", "net.Dial(x)", "a b c", "", "x__label__y and not labels?"}) ||
		!slices.Equal(c.Labels, []string{"", "go", "net", "os", "x"}) || !slices.Equal(c.Y, []int{1, 2, 3, 4, 0}) {
		t.Fatalf("%q %q %v", c.Docs, c.Labels, c.Y)
	}
	if c.MultiLabel != 2 || c.FirstMultiLabel != 2 {
		t.Errorf("multi-label lines %d, first %d", c.MultiLabel, c.FirstMultiLabel)
	}
	if _, err := ReadCorpus(strings.NewReader("__label__a x\nno label\n"), "t.ft", FastText, ReadOptions{}); err == nil || !strings.Contains(err.Error(), "t.ft:2: no __label__ token") {
		t.Errorf("unlabelled line: %v", err)
	}
	c, err = ReadCorpus(strings.NewReader("__label__a x\nno label\n"), "t.ft", FastText, ReadOptions{NoLabel: true})
	if err != nil || !slices.Equal(c.Docs, []string{"x", "no label"}) || c.Y != nil {
		t.Errorf("NoLabel: %v %+v", err, c)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte(in))
	zw.Close()
	cz, err := ReadCorpus(&z, "t.ft.gz", FastText, ReadOptions{})
	if err != nil || !slices.Equal(cz.Docs[:2], []string{"func main() {}", "net.Dial(x)"}) {
		t.Errorf("gzip: %v %+v", err, cz)
	}
}
