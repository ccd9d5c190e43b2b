package textclass

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/seed7bc074a2/maxent/kernel"
	"github.com/seed7bc074a2/maxent/kernel/data/text"
)

// Kind is the kernel.FeaturizerSpec kind of a text model: its Data is
// text.Settings.MarshalBinary.
const Kind = "text"

// Attach records s in m (m.Featurizer), so that the model file keeps it. It
// is an error if s is invalid or m does not have s.Columns() features.
func Attach(m *kernel.Model, s text.Settings) error {
	if m.Features != s.Columns() {
		return fmt.Errorf("textclass: the model has %d features, the featurizer makes %d columns", m.Features, s.Columns())
	}
	b, err := s.MarshalBinary()
	if err != nil {
		return err
	}
	m.Featurizer = &kernel.FeaturizerSpec{Kind: Kind, Data: b}
	return nil
}

// ErrNoFeaturizer is returned for a model that records no text featurizer
// (one trained on numeric rows, or imported).
var ErrNoFeaturizer = errors.New("textclass: the model records no text featurizer (train it on text: maxent train -data docs.txt)")

// SettingsOf returns the featurizer settings recorded in m, or an error
// wrapping ErrNoFeaturizer if it has none.
func SettingsOf(m *kernel.Model) (text.Settings, error) {
	var s text.Settings
	if m.Featurizer == nil {
		return s, ErrNoFeaturizer
	}
	if m.Featurizer.Kind != Kind {
		return s, fmt.Errorf("textclass: the model's featurizer is %q, not %q: %w", m.Featurizer.Kind, Kind, ErrNoFeaturizer)
	}
	if err := s.UnmarshalBinary(m.Featurizer.Data); err != nil {
		return s, fmt.Errorf("textclass: the model's featurizer settings: %w", err)
	}
	if s.Columns() != m.Features {
		return s, fmt.Errorf("textclass: the model has %d features, its featurizer makes %d columns", m.Features, s.Columns())
	}
	return s, nil
}

// Classifier is a model and the featurizer of its rows: raw text in,
// classes and probabilities out. Its methods are safe for concurrent use
// and allocate nothing once each goroutine's buffers have grown to the
// documents' size (they come from a sync.Pool).
type Classifier struct {
	m    *kernel.Model
	f    *text.Featurizer
	pool sync.Pool // of *scratch
}

// scratch is one goroutine's buffers: the featurizer's and the row's.
type scratch struct {
	sc  text.Scratch
	idx []int32
	val []float32
}

// maxPooled is the size of a row's buffers above which a scratch is let go
// rather than pooled (a huge document should not pin its memory).
const maxPooled = 1 << 20

// New returns the classifier of m on the rows s makes. m must have
// s.Columns() features; it is not copied and must not change while the
// classifier is in use. New makes the model's feature-major copy of W (see
// kernel.Model.PredictSparse) now rather than on the first request.
func New(m *kernel.Model, s text.Settings) (*Classifier, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if m.Features != s.Columns() {
		return nil, fmt.Errorf("textclass: the model has %d features, the featurizer makes %d columns", m.Features, s.Columns())
	}
	f, err := text.New(s)
	if err != nil {
		return nil, err
	}
	c := &Classifier{m: m, f: f}
	c.pool.New = func() any { return &scratch{idx: make([]int32, 0, 256), val: make([]float32, 0, 256)} }
	m.PredictSparse(nil, nil)
	return c, nil
}

// FromModel returns the classifier of m on the featurizer m records (see
// Attach); the error wraps ErrNoFeaturizer if it records none.
func FromModel(m *kernel.Model) (*Classifier, error) {
	s, err := SettingsOf(m)
	if err != nil {
		return nil, err
	}
	return New(m, s)
}

// Read reads a model file (kernel.ReadModel) written for text, for
// instance by maxent train -data docs.txt -o model.mxt, and returns its
// classifier.
func Read(r io.Reader) (*Classifier, error) {
	m, err := kernel.ReadModel(r)
	if err != nil {
		return nil, err
	}
	return FromModel(m)
}

// Model returns the model.
func (c *Classifier) Model() *kernel.Model { return c.m }

// Featurizer returns the featurizer of the model's rows.
func (c *Classifier) Featurizer() *text.Featurizer { return c.f }

// Classes returns the number of classes, the length PredictProbaText's dst
// must have.
func (c *Classifier) Classes() int { return c.m.Classes }

// Label returns the name of class i (see kernel.Model.Label).
func (c *Classifier) Label(i int) string { return c.m.Label(i) }

// AppendRow appends the feature row of doc to idx and val (see
// text.Featurizer.AppendRow): the row the model scores.
func (c *Classifier) AppendRow(idx []int32, val []float32, doc string) ([]int32, []float32) {
	return c.f.AppendRow(idx, val, doc)
}

// PredictProbaText sets dst (len(dst) == Classes()) to the model's
// probabilities for doc: the featurizer's row, then
// kernel.Model.PredictProbaSparse, with the same result bit for bit. It
// panics if len(dst) != Classes().
func (c *Classifier) PredictProbaText(dst []float32, doc string) {
	s := c.get(doc)
	c.m.PredictProbaSparse(dst, s.idx, s.val)
	c.put(s)
}

// PredictText returns the class of doc (kernel.Model.PredictSparse on its
// row): the index of the largest score, or −1 if no score is a number.
func (c *Classifier) PredictText(doc string) int {
	s := c.get(doc)
	k := c.m.PredictSparse(s.idx, s.val)
	c.put(s)
	return k
}

// get returns a scratch holding doc's row.
func (c *Classifier) get(doc string) *scratch {
	s := c.pool.Get().(*scratch)
	s.idx, s.val = c.f.AppendRowScratch(&s.sc, s.idx[:0], s.val[:0], doc)
	return s
}

func (c *Classifier) put(s *scratch) {
	if cap(s.idx) <= maxPooled {
		c.pool.Put(s)
	}
}
