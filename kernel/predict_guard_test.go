//go:build linux

package kernel

import (
	"testing"

	"github.com/seed7bc074a2/maxent/internal/guardmem"
)

// TestPredictGuardPages runs Predict and PredictProba (softmax and raw
// links) on every backend with W, x, B and dst flush against PROT_NONE
// pages, for every class count to past the fused kernels' 16 and lengths
// to past a few vectors: an access outside them crashes the test.
func TestPredictGuardPages(t *testing.T) {
	rw, rx, rb, rd := guardmem.New(t, 8), guardmem.New(t, 1), guardmem.New(t, 1), guardmem.New(t, 1)
	rng := newRand(47)
	places := []func(*guardmem.Region, int) []float32{(*guardmem.Region).AtEnd, (*guardmem.Region).AtStart}
	forEachBackendModel(t, func(t *testing.T) {
		for k := 1; k <= 18; k++ {
			for m := 0; m <= 40; m++ {
				for pi, place := range places {
					stride := m + 3*pi
					need := (k-1)*stride + m
					md := &Model{Classes: k, Features: m, W: Matrix{Rows: k, Cols: m, Stride: stride, Data: place(rw, need)}, B: place(rb, k)}
					fillRand(rng, md.W.Data)
					fillRand(rng, md.B)
					x, p := place(rx, m), place(rd, k)
					fillRand(rng, x)
					_ = md.Predict(x)
					md.PredictProba(p, x)
					md.Link = LinkRaw
					md.PredictProba(p, x)
				}
			}
		}
	})
}
