package textclass

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzReadCorpus: any input, in either format, labelled or not, reads
// without panicking, deterministically, and every document is a line's
// text: no newline, and the classes index the labels.
func FuzzReadCorpus(f *testing.F) {
	for _, s := range []string{
		"a\tb c\n", "__label__x y\n", "__label__a __label__b t __label__c\n", "\xff\t\xfe\r\n", "x__label__y z\n\n\n", "\t\n", "1 2:3\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		Sniff([]byte(in))
		IsLIBSVM([]byte(in))
		for _, format := range []Format{Text, FastText} {
			for _, noLabel := range []bool{false, true} {
				opt := ReadOptions{NoLabel: noLabel}
				c, err := ReadCorpus(strings.NewReader(in), "f", format, opt)
				c2, err2 := ReadCorpus(strings.NewReader(in), "f", format, opt)
				if (err == nil) != (err2 == nil) || (err == nil && !reflect.DeepEqual(c, c2)) {
					t.Fatalf("%v %v: not deterministic", format, noLabel)
				}
				if err != nil {
					continue
				}
				for i, d := range c.Docs {
					if strings.Contains(d, "\n") {
						t.Fatalf("document %d holds a newline: %q", i, d)
					}
					if c.Y != nil && (c.Y[i] < 0 || c.Y[i] >= len(c.Labels)) {
						t.Fatalf("class %d of %d labels", c.Y[i], len(c.Labels))
					}
					if format == FastText && hasLabelToken(d) {
						t.Fatalf("document %d keeps a label: %q", i, d)
					}
				}
			}
		}
	})
}
