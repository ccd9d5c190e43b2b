package data

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/seed7bc074a2/maxent/kernel"
)

// Dataset is a labelled (or unlabelled) data set of dense or sparse rows.
type Dataset struct {
	// X holds one example per row: n×m, allocated with kernel.NewMatrix.
	// With Sparse, X has only the shape (Rows, Cols; no Data).
	X kernel.Matrix
	// Sparse, if not nil, holds the rows instead of X (LIBSVM files read
	// with SparseAlways, or SparseAuto on wide data).
	Sparse *kernel.CSR
	// Y[i] is the class of row i, an index into Labels. Y is nil when the
	// input had no labels (for example CSV read with NoLabel).
	Y []int
	// Labels are the class names; the index of a name is its class id.
	// The readers write numeric names canonically (an integer without
	// sign or leading zeros, another number in its shortest float64
	// form: "1.50" and "+1.5" are "1.5") and keep other names as they
	// are. Labels are in numeric order when every name is a number
	// ("-1" < "0.5" < "2" < "10") and in lexicographic (byte-wise) order
	// otherwise, so the class ids of a file do not depend on the order of
	// its rows (until Remap replaces them).
	Labels []string
	// Source is the file name used in error messages ("<stdin>" for
	// standard input).
	Source string
	// Format is the format the data was read from: "csv", "libsvm" or
	// "idx" ("" for a Dataset made otherwise). A caller that must treat
	// sparse input differently (a LIBSVM file is only as wide as its
	// largest index) can tell it here even when the format was detected.
	Format string
}

// Len returns the number of rows.
func (d *Dataset) Len() int { return d.X.Rows }

// Features returns the number of feature columns.
func (d *Dataset) Features() int { return d.X.Cols }

// Remap re-indexes Y so that it refers to labels (for example the Labels of
// a trained model) and sets d.Labels to a copy of labels. Every label in use
// must occur in labels; otherwise Remap returns an error naming the first
// offending row (1-based, in data order) and leaves d unchanged. labels must
// not contain duplicates. When d has no labels (Y is nil), only d.Labels is
// replaced.
func (d *Dataset) Remap(labels []string) error {
	index := make(map[string]int, len(labels))
	for i, l := range labels {
		if _, dup := index[l]; dup {
			return fmt.Errorf("%s: remap: duplicate label %q in target labels", d.Source, l)
		}
		index[l] = i
	}
	if d.Y != nil {
		old := make([]int, len(d.Labels)) // old class id -> new, or -1
		for c, l := range d.Labels {
			if n, ok := index[l]; ok {
				old[c] = n
			} else {
				old[c] = -1
			}
		}
		y := make([]int, len(d.Y))
		for i, c := range d.Y {
			if uint(c) >= uint(len(old)) {
				return fmt.Errorf("%s: remap: row %d: class %d out of range [0, %d)", d.Source, i+1, c, len(old))
			}
			if old[c] < 0 {
				return fmt.Errorf("%s: remap: row %d: label %q is not one of the %d target labels", d.Source, i+1, d.Labels[c], len(labels))
			}
			y[i] = old[c]
		}
		d.Y = y
	}
	d.Labels = slices.Clone(labels)
	return nil
}

// Subset returns a new Dataset holding copies of rows idx of d, in that
// order (an index may repeat); Labels is copied too, Source and Format are
// kept. It panics if an index is out of range.
func (d *Dataset) Subset(idx []int) *Dataset {
	var y []int
	if d.Y != nil {
		y = make([]int, len(idx))
		for k, i := range idx {
			y[k] = d.Y[i]
		}
	}
	sub := &Dataset{Y: y, Labels: slices.Clone(d.Labels), Source: d.Source, Format: d.Format}
	if d.Sparse != nil {
		var b kernel.CSRBuilder
		b.Reset(d.Sparse.Cols)
		for _, i := range idx {
			ix, v := d.Sparse.Row(i)
			b.Index = append(b.Index, ix...)
			b.Value = append(b.Value, v...)
			b.RowPtr = append(b.RowPtr, len(b.Index))
		}
		x := b.CSR()
		sub.X, sub.Sparse = kernel.Matrix{Rows: len(idx), Cols: d.X.Cols}, &x
		return sub
	}
	sub.X = kernel.NewMatrix(len(idx), d.X.Cols)
	for k, i := range idx {
		copy(sub.X.Row(k), d.X.Row(i))
	}
	return sub
}

// SetFeatures makes a sparse d have cols columns (at least its largest
// index + 1): a LIBSVM file is only as wide as its largest index, so a
// test file is often narrower than the training set. It returns an error
// if d is dense or has a column at or past cols.
func (d *Dataset) SetFeatures(cols int) error {
	if d.Sparse == nil {
		return fmt.Errorf("%s: SetFeatures on dense rows", d.Source)
	}
	if cols < d.Sparse.Cols {
		for i := 0; i < d.Sparse.Rows; i++ {
			if ix, _ := d.Sparse.Row(i); len(ix) > 0 && int(ix[len(ix)-1]) >= cols {
				return fmt.Errorf("%s: row %d has feature %d, the model has %d", d.Source, i+1, ix[len(ix)-1]+1, cols)
			}
		}
	}
	d.Sparse.Cols, d.X.Cols = cols, cols
	return nil
}

// Split divides d into a training and a test set. The test set holds
// round(testFrac·n) rows. The split is stratified: when d has labels, each
// class contributes round-to-sum shares (largest remainders) of its own rows
// to the test set, so class proportions are kept on both sides as far as
// integer counts allow. Rows are drawn, and then the rows of each side are
// ordered, by a math/rand/v2 PCG generator seeded with seed, so the result
// is deterministic for a given seed (and data set).
//
// testFrac must be in [0, 1). testFrac = 0 yields all rows (shuffled) for
// training and an empty test set; otherwise it is an error if either side
// would be empty.
func Split(d *Dataset, testFrac float64, seed uint64) (train, test *Dataset, err error) {
	if !(testFrac >= 0 && testFrac < 1) {
		return nil, nil, fmt.Errorf("split: test fraction %v not in [0, 1)", testFrac)
	}
	n := d.Len()
	nTest := int(math.Round(testFrac * float64(n)))
	if n-nTest <= 0 {
		return nil, nil, fmt.Errorf("split: %d rows leave no training rows", n)
	}
	if testFrac > 0 && nTest == 0 {
		return nil, nil, fmt.Errorf("split: test fraction %v of %d rows leaves no test rows", testFrac, n)
	}
	rng := rand.New(rand.NewPCG(seed, 0x6d6178656e74)) // "maxent"

	// Group the rows by class (one group when unlabelled).
	var groups [][]int
	if d.Y == nil {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		groups = [][]int{all}
	} else {
		groups = make([][]int, len(d.Labels))
		for i, c := range d.Y {
			groups[c] = append(groups[c], i)
		}
	}

	// Largest-remainder apportionment of nTest over the groups.
	take := make([]int, len(groups))
	order := make([]int, 0, len(groups))
	rem := make([]float64, len(groups))
	sum := 0
	for c, g := range groups {
		q := testFrac * float64(len(g))
		take[c] = int(math.Floor(q))
		rem[c] = q - float64(take[c])
		sum += take[c]
		if take[c] < len(g) {
			order = append(order, c)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rem[b], rem[a]) })
	for _, c := range order {
		if sum >= nTest {
			break
		}
		take[c]++
		sum++
	}

	trainIdx := make([]int, 0, n-nTest)
	testIdx := make([]int, 0, nTest)
	for c, g := range groups {
		rng.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
		testIdx = append(testIdx, g[:take[c]]...)
		trainIdx = append(trainIdx, g[take[c]:]...)
	}
	rng.Shuffle(len(trainIdx), func(i, j int) { trainIdx[i], trainIdx[j] = trainIdx[j], trainIdx[i] })
	rng.Shuffle(len(testIdx), func(i, j int) { testIdx[i], testIdx[j] = testIdx[j], testIdx[i] })
	return d.Subset(trainIdx), d.Subset(testIdx), nil
}

// labelSet collects the label of each row while reading, interning names.
type labelSet struct {
	ids   map[string]int // name -> provisional id (order of first appearance)
	names []string
	y     []int
}

// add appends a row with label name (not retained).
func (ls *labelSet) add(name []byte) {
	id, ok := ls.ids[string(name)]
	if !ok {
		if ls.ids == nil {
			ls.ids = make(map[string]int)
		}
		id = len(ls.names)
		s := string(name)
		ls.ids[s] = id
		ls.names = append(ls.names, s)
	}
	ls.y = append(ls.y, id)
}

// finish returns Y and Labels with the labels in canonical order.
func (ls *labelSet) finish() (y []int, labels []string) {
	perm := sortedLabelOrder(ls.names)
	newID := make([]int, len(perm))
	labels = make([]string, len(perm))
	for k, old := range perm {
		newID[old] = k
		labels[k] = ls.names[old]
	}
	for i, c := range ls.y {
		ls.y[i] = newID[c]
	}
	return ls.y, labels
}

// canonicalLabel appends to dst the canonical name of a class label: a
// decimal integer (optional sign, then digits) is written exactly, without
// '+' or leading zeros ("+007" and "7" are "7", "-0" is "0"); another number
// that is finite as a float64 (ParseFloat syntax, without '_') is written as
// its shortest float64 form ("1.50", "1.5e0" and "+1.5" are "1.5"; "2.0" and
// "2e0" are "2"), in positional notation for magnitudes in [1e-6, 1e21) and
// in exponent notation ("1e+21", "1e-07") outside. Any other label (not a
// number, NaN, an infinity or a value out of float64's range) is appended
// unchanged. The readers of every format name classes by it.
func canonicalLabel(dst, label []byte) []byte {
	if digits, neg, ok := decimalInt(label); ok {
		for len(digits) > 1 && digits[0] == '0' {
			digits = digits[1:]
		}
		if neg && digits[0] != '0' {
			dst = append(dst, '-')
		}
		return append(dst, digits...)
	}
	if bytes.IndexByte(label, '_') >= 0 {
		return append(dst, label...)
	}
	f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(label), len(label)), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, label...)
	}
	if a := math.Abs(f); a == 0 {
		return append(dst, '0') // "-0.0" too
	} else if a >= 1e-6 && a < 1e21 {
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}

// decimalInt reports whether s is an optionally signed decimal integer and
// returns its digits and sign.
func decimalInt(s []byte) (digits []byte, neg, ok bool) {
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	if len(s) == 0 {
		return nil, false, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return nil, false, false
		}
	}
	return s, neg, true
}

// sortedLabelOrder returns the indices of names, which are canonical (see
// canonicalLabel), in label order: numeric if every name is a finite number,
// otherwise lexicographic (byte-wise). Numeric order is exact (integers of any
// length included); names of equal value ("1e+21" and
// "1000000000000000000000") are ordered lexicographically.
func sortedLabelOrder(names []string) []int {
	perm := make([]int, len(names))
	for i := range perm {
		perm[i] = i
	}
	nums := make([]float64, len(names))
	numeric := true
	for i, s := range names {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || strings.IndexByte(s, '_') >= 0 {
			numeric = false
			break
		}
		nums[i] = v
	}
	slices.SortFunc(perm, func(a, b int) int {
		if numeric {
			// Rounding to float64 is monotonic: the exact values are
			// compared only when the rounded ones are equal.
			if c := cmp.Compare(nums[a], nums[b]); c != 0 {
				return c
			}
			if c := compareExact(names[a], names[b]); c != 0 {
				return c
			}
		}
		return strings.Compare(names[a], names[b])
	})
	return perm
}

// compareExact compares the exact values of decimal numbers a and b, or
// returns 0 if either does not parse as a fraction.
func compareExact(a, b string) int {
	var x, y big.Rat
	if _, ok := x.SetString(a); !ok {
		return 0
	}
	if _, ok := y.SetString(b); !ok {
		return 0
	}
	return x.Cmp(&y)
}

// matrixBuilder appends fixed-width rows to a list of matrices ("chunks"),
// each as large as all the previous ones together, and joins them at the end
// with a single copy. Memory thus follows the rows actually read, never a
// count claimed by a header, and no row is copied more than once.
//
// The builder keeps within the memory budget (see MemoryBudget, read when
// the builder is made): a chunk that would take the rows past it is made
// smaller, and a row that does not fit yields a *MemoryError.
type matrixBuilder struct {
	cols   int
	stride int
	limit  int             // no more rows than this (0: unknown)
	chunks []kernel.Matrix // filled chunks
	cur    kernel.Matrix   // chunk being filled
	used   int             // rows of cur in use
	n      int             // rows in all

	budget    int64  // bytes the rows may take, if hasBudget
	hasBudget bool   //
	source    string // of the budget
	hint      string // for a MemoryError
}

// errTooLarge is returned when a matrix would not fit in memory.
var errTooLarge = errors.New("data set too large")

// maxElems bounds the number of float32 elements (including row padding) of
// a matrix built by a reader: 2^31, that is 8 GiB, or what a 32-bit
// address space allows. Tests lower it.
var maxElems = int(min(1<<31, uint64(^uint(0)>>1)/8))

// newMatrixBuilder returns a builder for rows of cols values that will hold
// at most limit rows (0: unknown). Its first chunk takes 4 MiB, or up to
// 64 MiB when limit is known. hint ends its MemoryErrors.
func newMatrixBuilder(cols, limit int, hint string) *matrixBuilder {
	b := &matrixBuilder{cols: cols, stride: max((cols+15)&^15, 16), limit: limit, hint: hint}
	b.budget, b.source, b.hasBudget = MemoryBudget()
	return b
}

// next returns the zeroed storage of a new row, or errTooLarge or a
// *MemoryError.
func (b *matrixBuilder) next() ([]float32, error) {
	if b.used == b.cur.Rows {
		rows := b.n
		if b.n == 0 {
			rows = (1 << 20) / b.stride
			if b.limit > 0 {
				rows = (1 << 24) / b.stride
			}
		}
		if b.limit > 0 {
			rows = min(rows, b.limit-b.n)
		}
		rows = max(rows, 1)
		if b.n+rows > maxElems/b.stride || (b.limit > 0 && b.n >= b.limit) {
			return nil, errTooLarge
		}
		if rowBytes := int64(b.stride) * 4; b.hasBudget && int64(b.n+rows)*rowBytes > b.budget {
			fit := b.budget/rowBytes - int64(b.n) // rows that still fit
			if fit < 1 {
				total, atLeast := b.n+1, true
				if b.limit > 0 {
					total, atLeast = b.limit, false
				}
				return nil, &MemoryError{What: denseWhat(total, b.cols, b.stride, atLeast),
					Need: int64(total) * rowBytes, Budget: b.budget, Source: b.source, Hint: b.hint}
			}
			rows = int(fit)
		}
		if b.cur.Rows > 0 {
			b.chunks = append(b.chunks, b.cur)
		}
		b.cur, b.used = kernel.NewMatrix(rows, b.cols), 0
	}
	b.used++
	b.n++
	return b.cur.Row(b.used - 1), nil
}

// wrap returns the error of next for file name at line (0: none).
func (b *matrixBuilder) wrap(err error, name string, line int) error {
	if err == errTooLarge {
		return errorf(name, line, 0, "%v: more than %d rows of %d features", err, b.n, b.cols)
	}
	return &ParseError{File: name, Line: line, Err: err}
}

// finish returns the rows appended so far as one matrix.
func (b *matrixBuilder) finish() kernel.Matrix {
	if b.n == 0 {
		return kernel.NewMatrix(0, b.cols)
	}
	if len(b.chunks) == 0 && b.used == b.cur.Rows {
		return b.cur
	}
	m := kernel.NewMatrix(b.n, b.cols)
	off := 0
	for _, c := range b.chunks {
		off += copy(m.Data[off:], c.Data)
	}
	copy(m.Data[off:], b.cur.Data[:b.used*b.cur.Stride])
	return m
}
