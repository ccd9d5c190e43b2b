package textclass

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/seed7bc074a2/maxent/kernel"
	"github.com/seed7bc074a2/maxent/kernel/data/text"
)

// rowChunk is the number of documents a worker featurizes at a time.
const rowChunk = 256

// Rows returns the feature rows of docs, in order, as f makes them (the
// same rows as f.AppendRow, document by document), computed by workers
// goroutines (0: GOMAXPROCS). The result takes 8 bytes per non-zero and per
// row; while it is assembled the workers' parts take as much again.
func Rows(f *text.Featurizer, docs []string, workers int) kernel.CSR {
	n := len(docs)
	chunks := (n + rowChunk - 1) / rowChunk
	type part struct {
		ptr []int // row ends, relative to the part
		idx []int32
		val []float32
	}
	parts := make([]part, chunks)
	var next atomic.Int64
	work := func() {
		var sc text.Scratch
		for {
			c := int(next.Add(1) - 1)
			if c >= chunks {
				return
			}
			p := &parts[c]
			for _, d := range docs[c*rowChunk : min(n, (c+1)*rowChunk)] {
				p.idx, p.val = f.AppendRowScratch(&sc, p.idx, p.val, d)
				p.ptr = append(p.ptr, len(p.idx))
			}
		}
	}
	runWorkers(workers, chunks, work)
	nnz := 0
	for _, p := range parts {
		nnz += len(p.idx)
	}
	x := kernel.CSR{Rows: n, Cols: f.Columns(), RowPtr: make([]int, 1, n+1), Index: make([]int32, 0, nnz), Value: make([]float32, 0, nnz)}
	for i := range parts {
		p := &parts[i]
		base := len(x.Index)
		for _, e := range p.ptr {
			x.RowPtr = append(x.RowPtr, base+e)
		}
		x.Index = append(x.Index, p.idx...)
		x.Value = append(x.Value, p.val...)
		*p = part{} // let it go
	}
	return x
}

// FitIDF returns s with its IDF fitted on docs (as text.Fit, scikit-learn's
// TfidfTransformer.fit on the hashed counts), counting with workers
// goroutines (0: GOMAXPROCS), each with its own 4 bytes per column.
func FitIDF(s text.Settings, docs []string, workers int) (text.Settings, error) {
	chunks := (len(docs) + rowChunk - 1) / rowChunk
	w := numWorkers(workers, chunks)
	dfs := make([]*text.DocFreq, w)
	for i := range dfs {
		d, err := text.NewDocFreq(s)
		if err != nil {
			return s, err
		}
		dfs[i] = d
	}
	var next, slot atomic.Int64
	runWorkers(w, chunks, func() {
		d := dfs[slot.Add(1)-1]
		for {
			c := int(next.Add(1) - 1)
			if c >= chunks {
				return
			}
			for _, doc := range docs[c*rowChunk : min(len(docs), (c+1)*rowChunk)] {
				d.Add(doc)
			}
		}
	})
	for _, d := range dfs[1:] {
		if err := dfs[0].Merge(d); err != nil {
			return s, err
		}
	}
	idf, err := dfs[0].IDF()
	if err != nil {
		return s, err
	}
	s.IDF = idf
	return s, s.Validate()
}

// numWorkers is the number of goroutines for chunks pieces of work.
func numWorkers(workers, chunks int) int {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return max(1, min(workers, chunks))
}

// runWorkers runs work on numWorkers(workers, chunks) goroutines and waits.
func runWorkers(workers, chunks int, work func()) {
	w := numWorkers(workers, chunks)
	var wg sync.WaitGroup
	for range w - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
}
