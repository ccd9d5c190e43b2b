package data

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/seed7bc074a2/maxent/kernel"
)

// Dataset is a labelled (or unlabelled) dense data set.
type Dataset struct {
	// X holds one example per row: n×m, allocated with kernel.NewMatrix.
	X kernel.Matrix
	// Y[i] is the class of row i, an index into Labels. Y is nil when the
	// input had no labels (for example CSV read with NoLabel).
	Y []int
	// Labels are the class names; the index of a name is its class id.
	// They are in numeric order when every name is an integer and in
	// lexicographic order otherwise (until Remap replaces them).
	Labels []string
	// Source is the file name used in error messages.
	Source string
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
// order (an index may repeat); Labels is copied too. It panics if an index
// is out of range.
func (d *Dataset) Subset(idx []int) *Dataset {
	x := kernel.NewMatrix(len(idx), d.X.Cols)
	var y []int
	if d.Y != nil {
		y = make([]int, len(idx))
	}
	for k, i := range idx {
		copy(x.Row(k), d.X.Row(i))
		if y != nil {
			y[k] = d.Y[i]
		}
	}
	return &Dataset{X: x, Y: y, Labels: slices.Clone(d.Labels), Source: d.Source}
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

// sortedLabelOrder returns the indices of names in canonical label order:
// numeric if every name parses as an integer (ties, such as "1" and "01",
// broken lexicographically), otherwise lexicographic.
func sortedLabelOrder(names []string) []int {
	perm := make([]int, len(names))
	for i := range perm {
		perm[i] = i
	}
	nums := make([]int64, len(names))
	numeric := true
	for i, s := range names {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			numeric = false
			break
		}
		nums[i] = v
	}
	slices.SortFunc(perm, func(a, b int) int {
		if numeric {
			if c := cmp.Compare(nums[a], nums[b]); c != 0 {
				return c
			}
		}
		return cmp.Compare(names[a], names[b])
	})
	return perm
}

// matrixBuilder appends fixed-width rows to a list of matrices ("chunks"),
// each as large as all the previous ones together, and joins them at the end
// with a single copy. Memory thus follows the rows actually read, never a
// count claimed by a header, and no row is copied more than once.
type matrixBuilder struct {
	cols   int
	stride int
	limit  int             // no more rows than this (0: unknown)
	chunks []kernel.Matrix // filled chunks
	cur    kernel.Matrix   // chunk being filled
	used   int             // rows of cur in use
	n      int             // rows in all
}

// errTooLarge is returned when a matrix would not fit in memory.
var errTooLarge = errors.New("data set too large")

// maxElems bounds the number of float32 elements (including row padding) of
// a matrix built by a reader: 2^31, that is 8 GiB, or what a 32-bit
// address space allows. Tests lower it.
var maxElems = int(min(1<<31, uint64(^uint(0)>>1)/8))

// newMatrixBuilder returns a builder for rows of cols values that will hold
// at most limit rows (0: unknown). Its first chunk takes 4 MiB, or up to
// 64 MiB when limit is known.
func newMatrixBuilder(cols, limit int) *matrixBuilder {
	return &matrixBuilder{cols: cols, stride: max((cols+15)&^15, 16), limit: limit}
}

// next returns the zeroed storage of a new row, or errTooLarge.
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
		if b.cur.Rows > 0 {
			b.chunks = append(b.chunks, b.cur)
		}
		b.cur, b.used = kernel.NewMatrix(rows, b.cols), 0
	}
	b.used++
	b.n++
	return b.cur.Row(b.used - 1), nil
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
