// Command sparse generates asm/sparse_amd64.s, maxent's amd64 kernels for
// sparse rows against a feature-major weight matrix WT (m features × k
// classes, row stride ws), for AVX2+FMA and AVX-512:
//
//	cd gen && go run ./amd64/sparse -out ../asm/sparse_amd64.s
//
// Two kernels, each for both ISAs, over the rows of a CSR block (the
// single-row ops call them with one row), and their benchmark ceilings
// SparseStreamRead and SparseStreamRMW (limit.go):
//
//   - SparseMatMul: z[r, c] = b[c] + Σᵢ val[i]·wt[idx[i], c], the logits;
//   - SparseAddMatMulTN: g[idx[i], c] += (alpha·val[i])·d[r, c] for the
//     non-zeros i of each row r in order, the weight gradient.
//
// Each row is processed in passes over its classes: a pass takes a chunk
// of classes (AVX-512: up to 4 ZMM, or one YMM or XMM for at most 8 or 4
// classes, the last vector K1-masked; AVX2: 2 or 1 YMM,
// then an XMM, a pair and a single element, all exact loads and stores)
// and loops over the row's non-zeros. The code per pass shape is a loop,
// whatever k is. The logits' order is package fallback's, lane by lane:
// blocks of fallback.SparseBlock non-zeros, non-zero i into float32
// accumulator i mod 4 (fused multiply-adds), (a0+a1)+(a2+a3) per block,
// the block sums and the bias added in float64, rounded once; so every
// vector width gives the same bits. Before a pass over row r's non-zeros,
// when r < npf, the kernels prefetch (PREFETCHT0) the same chunk of the WT
// (or G) rows that row r+1 reads.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/gotypes"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
	"github.com/seed7bc074a2/maxent/gen/internal/vregs"

	"github.com/seed7bc074a2/maxent/fallback"
)

func main() {
	ConstraintExpr("!purego")
	if fallback.SparseAccs != 4 {
		panic("the kernels interleave 4 accumulators")
	}
	for _, s := range []*isa{avx2, avx512} {
		sparseMatMul(s)
	}
	for _, s := range []*isa{avx2, avx512} {
		sparseAddMatMulTN(s)
	}
	for _, rmw := range []bool{false, true} {
		for _, s := range []*isa{avx2, avx512} {
			sparseStream(s, rmw)
		}
	}
	Generate()
}

// kind is the width of the vectors of a pass.
type kind int

const (
	kZ kind = iota // ZMM, 16 lanes (the last vector of a pass K1-masked)
	kY             // YMM, 8 lanes
	kX             // XMM, 4 lanes
	kD             // 2 lanes in an XMM, loaded and stored as 8 bytes
	kS             // 1 lane, loaded and stored as 4 bytes
)

func (k kind) lanes() int { return [...]int{16, 8, 4, 2, 1}[k] }

func (k kind) String() string { return [...]string{"z", "y", "x", "d", "s"}[k] }

// view returns v as a register of k's width.
func (k kind) view(v reg.VecPhysical) reg.Register {
	switch k {
	case kZ:
		return v.AsZ()
	case kY:
		return v.AsY()
	}
	return v.AsX()
}

// wide reports whether k's float32 lanes need two float64 registers.
func (k kind) wide() bool { return k == kZ || k == kY }

// pass is a chunk shape: V vectors of one kind; masked: the last vector
// is K1-masked (AVX-512).
type pass struct {
	kind   kind
	V      int
	masked bool
}

func (p pass) classes() int { return p.kind.lanes() * p.V }

func (p pass) name() string { return fmt.Sprintf("%s%d", p.kind, p.V) }

// off is the byte offset of vector v in the chunk.
func (p pass) off(v int) int { return 4 * p.kind.lanes() * v }

// last reports whether vector v is the masked one.
func (p pass) last(v int) bool { return p.masked && v == p.V-1 }

// lines is the number of cache lines the pass's chunk covers on an
// aligned row (prefetched per non-zero of the next row).
func (p pass) lines() int { return max(1, p.classes()*4/64) }

// isa describes one instruction set: its vector registers and its pass
// shapes, largest first.
type isa struct {
	Name   string
	AVX512 bool
	Regs   int
	passes []pass
}

var avx2 = &isa{Name: "AVX2", Regs: 16, passes: []pass{{kY, 2, false}, {kY, 1, false}, {kX, 1, false}, {kD, 1, false}, {kS, 1, false}}}

// The AVX-512 passes for up to 8 classes use a masked YMM or XMM rather
// than a ZMM: on rows closer than 64 bytes (a packed stride) a 64-byte
// masked access crosses a cache line far more often, which costs even
// where the lanes beyond the mask are the ones in the next line
// (docs/sparse.md: k = 2 at stride 2, 500 non-zeros, 1.09 → 0.48 µs).
var avx512 = &isa{Name: "AVX512", AVX512: true, Regs: 32, passes: []pass{{kZ, 4, true}, {kZ, 3, true}, {kZ, 2, true}, {kZ, 1, true}, {kY, 1, true}, {kX, 1, true}}}

// pool returns the ISA's vector registers (see vregs.Pool).
func (s *isa) pool() *vregs.Pool {
	return &vregs.Pool{Name: s.Name, Regs: s.Regs, AVX512: s.AVX512}
}

// addr returns the memory operand of a Go argument.
func addr(c gotypes.Component) Mem {
	b, err := c.Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// loadGP loads an integer or pointer argument into a new GP64 register.
func loadGP(c gotypes.Component) reg.GPVirtual {
	r := GP64()
	Load(c, r)
	return r
}
