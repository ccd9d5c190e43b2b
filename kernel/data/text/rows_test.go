package text

import (
	"bufio"
	"bytes"
	"hash/fnv"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// goCommentLines returns up to max lines of comment text from the Go
// distribution's sources ($(go env GOROOT)/src): real text nobody here
// wrote, chosen deterministically (by hashes of file names and line numbers)
// for a given Go version.
func goCommentLines(t testing.TB, max int) [][]byte {
	t.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("no go command for GOROOT: %v", err)
	}
	src := filepath.Join(string(bytes.TrimSpace(out)), "src")
	pick := func(s string, mod uint32) bool {
		h := fnv.New32a()
		h.Write([]byte(s))
		return h.Sum32()%mod == 0
	}
	var lines [][]byte
	seen := map[string]bool{}
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || len(lines) >= max {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() || !strings.HasSuffix(path, ".go") || !pick(rel, 8) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		for n := 1; sc.Scan() && len(lines) < max; n++ {
			l := bytes.TrimSpace(sc.Bytes())
			c, ok := bytes.CutPrefix(l, []byte("//"))
			c = bytes.TrimSpace(c)
			if !ok || len(c) == 0 || seen[string(c)] || !pick(rel+":"+strconv.Itoa(n), 3) {
				continue
			}
			seen[string(c)] = true
			lines = append(lines, slices.Clone(c))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) < max/2 {
		t.Fatalf("only %d comment lines in %s", len(lines), src)
	}
	return lines
}

// oracleConfigs are the settings compared with scikit-learn.
var oracleConfigs = []config{
	{Analyzer: "word", NgramMin: 1, NgramMax: 1, Bits: 20, AlternateSign: true, Norm: "l2", Lowercase: true},
	{Analyzer: "word", NgramMin: 1, NgramMax: 2, Bits: 18, AlternateSign: true, Norm: "l2", Lowercase: true},
	{Analyzer: "word", NgramMin: 2, NgramMax: 3, Bits: 10, AlternateSign: true, Norm: "none", Lowercase: true},
	{Analyzer: "word", NgramMin: 1, NgramMax: 1, Bits: 10, AlternateSign: true, Binary: true, Norm: "none", Lowercase: true},
	{Analyzer: "word", NgramMin: 1, NgramMax: 2, Bits: 20, Norm: "l1"},
	{Analyzer: "char_wb", NgramMin: 2, NgramMax: 4, Bits: 18, AlternateSign: true, Norm: "l2", Lowercase: true},
	{Analyzer: "char_wb", NgramMin: 3, NgramMax: 5, Bits: 10, AlternateSign: true, Binary: true, Norm: "l2", Lowercase: true},
	{Analyzer: "char", NgramMin: 1, NgramMax: 3, Bits: 20, AlternateSign: true, Norm: "l1", Lowercase: true},
	{Analyzer: "char", NgramMin: 2, NgramMax: 2, Bits: 10, AlternateSign: true, Norm: "none"},
	{Analyzer: "word", NgramMin: 1, NgramMax: 2, Bits: 18, Norm: "l2", Lowercase: true, IDFFit: -1},
	{Analyzer: "word", NgramMin: 1, NgramMax: 1, Bits: 10, Norm: "l2", Lowercase: true, Sublinear: true, IDFFit: -1},
	{Analyzer: "char_wb", NgramMin: 2, NgramMax: 4, Bits: 18, AlternateSign: true, Binary: true, Norm: "l1", Lowercase: true, IDFFit: -1},
	{Analyzer: "word", NgramMin: 1, NgramMax: 3, Bits: 10, AlternateSign: true, Norm: "l2", Lowercase: true, IDFFit: -1},
	{Analyzer: "word", NgramMin: 1, NgramMax: 1, Bits: 20, Norm: "none", Lowercase: true, Sublinear: true},
}

// checkAgainstSklearn compares the rows of docs under every oracle config.
// A row may differ only if its document has a code point on which Python's
// and Go's Unicode tables differ (u.differs); every other row must be
// scikit-learn's exactly: the same columns, the values equal after rounding
// scikit-learn's float64 to float32 (within one float32 ulp with IDF or
// sublinear TF, whose logarithms may differ in the last bit).
func checkAgainstSklearn(t *testing.T, py string, docs [][]byte) {
	u := pythonUnicode(t)
	versionDependent := make([]bool, len(docs))
	nDep, nASCII := 0, 0
	for i, d := range docs {
		ascii := true
		for _, r := range string(d) {
			if r >= utf8.RuneSelf {
				ascii = false
			}
			if r != utf8.RuneError && u.differs(r) {
				versionDependent[i] = true
			}
		}
		if versionDependent[i] {
			nDep++
		}
		if ascii {
			nASCII++
		}
	}
	configs := slices.Clone(oracleConfigs)
	for i := range configs {
		if configs[i].IDFFit < 0 {
			configs[i].IDFFit = len(docs) / 2
		}
	}
	want := sklearnRows(t, py, configs, docs)
	nnz, nULP := 0, 0
	for i, c := range configs {
		s := c.settings()
		if c.IDFFit > 0 {
			var err error
			s, err = Fit(s, func(yield func(string) bool) {
				for _, d := range docs[:c.IDFFit] {
					if !yield(string(d)) {
						return
					}
				}
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		f, err := New(s)
		if err != nil {
			t.Fatal(err)
		}
		var exact, dep [][]byte
		var wantExact, wantDep [][]entry
		for k, d := range docs {
			nnz += len(want[i][k])
			if versionDependent[k] {
				dep = append(dep, d)
				wantDep = append(wantDep, want[i][k])
			} else {
				exact = append(exact, d)
				wantExact = append(wantExact, want[i][k])
			}
		}
		logs := s.IDF != nil || s.SublinearTF
		bad, first, ulp := compareRows(f, exact, wantExact, logs)
		if bad != 0 {
			t.Errorf("%v: %d of %d rows differ from scikit-learn's; first %s", s, bad, len(exact), first)
		}
		if ulp != 0 {
			t.Logf("%v: %d values one float32 ulp from scikit-learn's", s, ulp)
		}
		nULP += ulp
		if bad, _, _ := compareRows(f, dep, wantDep, logs); bad != 0 {
			t.Logf("%v: %d of the %d rows with code points of differing Unicode versions differ", s, bad, len(dep))
		}
	}
	t.Logf("%d documents (%d ASCII, %d with code points of differing Unicode versions, not required to match), %d settings, %d stored values compared, %d one float32 ulp away",
		len(docs), nASCII, nDep, len(configs), nnz, nULP)
}

func TestGoCommentsVsSklearn(t *testing.T) {
	py := needSklearn(t)
	logVersions(t, py)
	n := 4000
	if testing.Short() {
		n = 500
	}
	checkAgainstSklearn(t, py, goCommentLines(t, n))
}
