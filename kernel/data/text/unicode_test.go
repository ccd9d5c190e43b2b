package text

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode"
)

// pyUnicode is Python's view of every code point, from sklearn_oracle.py's
// unicode mode.
type pyUnicode struct {
	version string
	class   []byte // per code point: the bits of goClass, and clUnassigned
	lower   map[rune]string
}

// clUnassigned marks a code point of category Cn.
const clUnassigned = 8

var pyTables struct {
	once sync.Once
	u    *pyUnicode
}

// pythonUnicode returns Python's tables, or skips the test without python3.
func pythonUnicode(t testing.TB) *pyUnicode {
	t.Helper()
	py, _, why := findPython()
	if py == "" {
		t.Skip("skipping the comparison with Python: " + why)
	}
	pyTables.once.Do(func() {
		out := oracle(t, py, nil, "unicode")
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Buffer(nil, 1<<22)
		u := &pyUnicode{lower: map[rune]string{}}
		var lines []string
		for i := 0; i < 3 && sc.Scan(); i++ {
			lines = append(lines, sc.Text())
		}
		if len(lines) != 3 || len(lines[1]) != unicode.MaxRune+1 || len(lines[2]) != unicode.MaxRune+1 {
			t.Fatal("bad oracle output")
		}
		u.version = lines[0]
		u.class = make([]byte, unicode.MaxRune+1)
		for i := range u.class {
			c := lines[1][i] - '0'
			if c > 9 {
				c = lines[1][i] - 'a' + 10
			}
			if lines[2][i] == '1' {
				c |= 16
			}
			u.class[i] = c
		}
		for sc.Scan() {
			cp, low, _ := strings.Cut(sc.Text(), " ")
			r, _ := strconv.ParseUint(cp, 16, 32)
			var s []rune
			for _, h := range strings.Split(low, ".") {
				x, _ := strconv.ParseUint(h, 16, 32)
				s = append(s, rune(x))
			}
			u.lower[rune(r)] = string(s)
		}
		pyTables.u = u
	})
	if pyTables.u == nil {
		t.Fatal("no Python tables")
	}
	return pyTables.u
}

// goClass is the Go side of pyUnicode.class: bit 0 \w, 1 white space, 2
// case-ignorable or cased, 3 unassigned, 4 cased and not case-ignorable.
func goClass(r rune) byte {
	var c byte
	if isWord(r) {
		c |= 1
	}
	if isSpace(r) {
		c |= 2
	}
	if isCaseIgnorable(r) || isCased(r) {
		c |= 4
	}
	if !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs) {
		c |= clUnassigned
	}
	if isCased(r) && !isCaseIgnorable(r) {
		c |= 16
	}
	return c
}

// goLower is str.lower of the one code point r as appendLower has it.
func goLower(r rune) string {
	b, _ := appendLower(nil, string(r), true)
	return string(b)
}

// differs reports whether Python and Go disagree on r (the code points
// where their text can hash differently).
func (u *pyUnicode) differs(r rune) bool {
	if r >= 0xd800 && r < 0xe000 {
		return false
	}
	py := u.lower[r]
	if py == "" {
		py = string(r)
	}
	return (u.class[r]^goClass(r))&^clUnassigned != 0 || py != goLower(r)
}

// TestUnicodeTablesVsPython compares, code point by code point, Python's
// \w, str.isspace, str.lower and final-sigma rule with this package's. They
// may differ only where one of the two Unicode versions has not assigned
// the code point; with the same version (Python 3.12 and Go 1.21 to 1.26:
// Unicode 15.0.0) they must not differ at all.
func TestUnicodeTablesVsPython(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the code-point-by-code-point comparison in short mode")
	}
	u := pythonUnicode(t)
	var n, pyNew, goNew int
	var examples []string
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !u.differs(r) {
			continue
		}
		n++
		pyUnassigned, goUnassigned := u.class[r]&clUnassigned != 0, goClass(r)&clUnassigned != 0
		switch {
		case pyUnassigned && !goUnassigned:
			pyNew++
		case goUnassigned && !pyUnassigned:
			goNew++
		default:
			t.Errorf("U+%04X %q (assigned in both): Python class %#x lower %q, Go class %#x lower %q",
				r, r, u.class[r], u.lower[r], goClass(r), goLower(r))
		}
		if len(examples) < 5 {
			examples = append(examples, "U+"+strconv.FormatInt(int64(r), 16))
		}
	}
	t.Logf("Python's Unicode %s, Go's %s: %d code points differ: %d assigned in Go only, %d in Python only (first %v)",
		u.version, unicode.Version, n, pyNew, goNew, examples)
	if u.version == unicode.Version && n != 0 {
		t.Errorf("same Unicode version, yet %d code points differ", n)
	}
}
