package text

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
	"unicode"
)

// The tests against scikit-learn run testdata/sklearn_oracle.py with a
// python3 that has scikit-learn (Debian: python3-sklearn): $MAXENT_PYTHON if
// set, else /usr/bin/python3, else python3 on $PATH. Without one they skip.

var python struct {
	once    sync.Once
	path    string // a python3, "" if none
	sklearn bool   // it imports sklearn
	why     string
}

// findPython returns a python3 and whether it has scikit-learn.
func findPython() (string, bool, string) {
	python.once.Do(func() {
		var cands []string
		if p := os.Getenv("MAXENT_PYTHON"); p != "" {
			cands = []string{p}
		} else {
			cands = []string{"/usr/bin/python3"}
			if p, err := exec.LookPath("python3"); err == nil {
				cands = append(cands, p)
			}
		}
		python.why = "no python3 found (apt-get install python3-sklearn)"
		for _, p := range cands {
			if exec.Command(p, "-c", "import sys").Run() != nil {
				continue
			}
			if python.path == "" {
				python.path = p
			}
			if exec.Command(p, "-c", "import sklearn").Run() == nil {
				python.path, python.sklearn = p, true
				return
			}
			python.why = p + " has no scikit-learn (apt-get install python3-sklearn)"
		}
	})
	return python.path, python.sklearn, python.why
}

// needSklearn returns a python3 with scikit-learn or skips the test.
func needSklearn(t testing.TB) string {
	t.Helper()
	p, ok, why := findPython()
	if !ok {
		t.Skip("skipping the comparison with scikit-learn: " + why)
	}
	return p
}

// oracle runs sklearn_oracle.py with args and stdin, returning its output.
func oracle(t testing.TB, py string, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(py, append([]string{filepath.Join("testdata", "sklearn_oracle.py")}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sklearn_oracle.py %s: %v\n%s", args[0], err, stderr.Bytes())
	}
	return out
}

var versionsOnce sync.Once

// logVersions logs the versions the oracle runs with, once per test binary.
func logVersions(t testing.TB, py string) {
	versionsOnce.Do(func() {
		t.Logf("oracle: %s: %s; Go's Unicode %s", py, bytes.TrimSpace(oracle(t, py, nil, "versions")), unicode.Version)
	})
}

// config is a Settings for sklearn_oracle.py's rows mode.
type config struct {
	Analyzer      string `json:"analyzer"`
	NgramMin      int    `json:"ngram_min"`
	NgramMax      int    `json:"ngram_max"`
	Bits          int    `json:"bits"`
	AlternateSign bool   `json:"alternate_sign"`
	Binary        bool   `json:"binary"`
	Norm          string `json:"norm"`
	Lowercase     bool   `json:"lowercase"`
	Sublinear     bool   `json:"sublinear"`
	IDFFit        int    `json:"idf_fit"` // fit the IDF on the first IDFFit documents (0: none)
}

func (c config) settings() Settings {
	s := Settings{NgramMin: c.NgramMin, NgramMax: c.NgramMax, Bits: c.Bits, AlternateSign: c.AlternateSign,
		Binary: c.Binary, Lowercase: c.Lowercase, SublinearTF: c.Sublinear}
	if err := s.Analyzer.UnmarshalText([]byte(c.Analyzer)); err != nil {
		panic(err)
	}
	if err := s.Norm.UnmarshalText([]byte(c.Norm)); err != nil {
		panic(err)
	}
	return s
}

// entry is one stored value of a CSR row.
type entry struct {
	col int32
	val float64
}

// sklearnRows returns, for each config, the rows scikit-learn stores for
// docs.
func sklearnRows(t testing.TB, py string, configs []config, docs [][]byte) [][][]entry {
	t.Helper()
	dir := t.TempDir()
	cj, err := json.Marshal(configs)
	if err != nil {
		t.Fatal(err)
	}
	var db bytes.Buffer
	for _, d := range docs {
		db.WriteString(base64.StdEncoding.EncodeToString(d))
		db.WriteByte('\n')
	}
	cpath, dpath := filepath.Join(dir, "configs.json"), filepath.Join(dir, "docs.b64")
	if err := os.WriteFile(cpath, cj, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dpath, db.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	out := oracle(t, py, nil, "rows", cpath, dpath)
	t.Logf("oracle rows: %v", time.Since(t0))
	res := make([][][]entry, 0, len(configs))
	r := bytes.NewReader(out)
	for range configs {
		var nnz int64
		if err := binary.Read(r, binary.LittleEndian, &nnz); err != nil || nnz < 0 || nnz > int64(len(out)) {
			t.Fatalf("oracle output: %d stored values, %v", nnz, err)
		}
		ptr := make([]int64, len(docs)+1)
		ind := make([]int32, nnz)
		val := make([]float64, nnz)
		for _, a := range []any{ptr, ind, val} {
			if err := binary.Read(r, binary.LittleEndian, a); err != nil {
				t.Fatalf("oracle output: %v", err)
			}
		}
		rows := make([][]entry, len(docs))
		for i := range rows {
			if ptr[i] > ptr[i+1] || ptr[i+1] > nnz {
				t.Fatalf("oracle output: row offsets %d, %d", ptr[i], ptr[i+1])
			}
			row := make([]entry, 0, ptr[i+1]-ptr[i])
			for k := ptr[i]; k < ptr[i+1]; k++ {
				row = append(row, entry{ind[k], val[k]})
			}
			// TfidfTransformer's rows come out of scipy's product in
			// decreasing column order: compare them sorted.
			slices.SortFunc(row, func(a, b entry) int { return int(a.col - b.col) })
			rows[i] = row
		}
		res = append(res, rows)
	}
	if r.Len() != 0 {
		t.Fatalf("oracle output: %d bytes left", r.Len())
	}
	if len(res) != len(configs) {
		t.Fatalf("oracle answered %d settings, want %d", len(res), len(configs))
	}
	return res
}

// compareRows compares the Go featurizer's rows of docs with want: the
// same columns, and values equal to want's rounded to float32, or, if
// logUlp is set, at most one float32 ulp away (values that went through a
// logarithm: Go's math.Log and numpy's np.log differ in the last bit of
// some results). It returns the number of rows that differ, a description
// of the first, and the number of values one ulp away.
func compareRows(f *Featurizer, docs [][]byte, want [][]entry, logUlp bool) (bad int, first string, ulp int) {
	var idx []int32
	var val []float32
	for i, d := range docs {
		idx, val = f.AppendRow(idx[:0], val[:0], string(d))
		w := want[i]
		same := len(idx) == len(w)
		for k := 0; same && k < len(w); k++ {
			g, e := val[k], float32(w[k].val)
			same = idx[k] == w[k].col
			if g != e {
				if logUlp && (math.Nextafter32(e, g) == g) {
					ulp++
				} else {
					same = false
				}
			}
		}
		if !same {
			if bad == 0 {
				first = fmt.Sprintf("doc %d %q:\n go:      %v %v\n sklearn: %v", i, d, idx, val, w)
			}
			bad++
		}
	}
	return bad, first, ulp
}
