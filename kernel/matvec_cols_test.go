package kernel

import (
	"fmt"
	"testing"

	"github.com/seed7bc074a2/maxent/fallback"
)

// TestMatVecLongRows holds MatVec to the oracle on rows too long for a
// group of rows per assembly call (column blocks, matvec_cols.go) on every
// backend: class counts around the row group, lengths around the column
// blocks, strided and misaligned, with and without bias, y == b, and the
// special values' classes as package fallback gives them.
func TestMatVecLongRows(t *testing.T) {
	shapes := [][2]int{{1, 100000}, {2, 32769}, {10, 100000}, {10, 6545}, {15, 4370}, {16, 4097}, {17, 70001}, {33, 8193}}
	if testing.Short() {
		shapes = [][2]int{{1, 70000}, {10, 20000}, {17, 8193}}
	}
	forEachBackend(t, func(t *testing.T) {
		r := newRand(61)
		for si, sh := range shapes {
			rows, cols := sh[0], sh[1]
			for _, special := range []bool{false, true} {
				kind := si % matrixKinds
				w := makeTestMatrix(rows, cols, kind, func() float32 { return distSpread.gen(r) })
				xs := fillVec(r, cols, distUnit)
				if special {
					xs[cols/3] = posInf32
					xs[cols-1] = qNaN32
					w.m.Data[0] = 0 // 0·Inf in row 0
				}
				bs := fillVec(r, rows, distSpread)
				x := inBuf(xs, 1+si%15)
				for _, alias := range []bool{false, true} {
					ctx := fmt.Sprintf("MatVec %d×%d stride %d special %v y==b %v", rows, cols, w.m.Stride, special, alias)
					y := outBuf(rows, 3)
					b := inBuf(bs, 5)
					if alias {
						copy(y.s(), bs)
						b = y.s()
					}
					MatVec(y.s(), w.m, x, b)
					if msg, _ := checkMatVec(y.s(), w.m, xs, bs); msg != "" {
						t.Fatalf("%s: %s", ctx, msg)
					}
					if msg := y.check(); msg != "" {
						t.Fatalf("%s: y %s", ctx, msg)
					}
					want := make([]float32, rows)
					fallback.MatVec(want, w.m.Data, w.m.Stride, xs, bs)
					for i := range want {
						if class32(y.s()[i]) != class32(want[i]) {
							t.Fatalf("%s: y[%d] = %v, fallback %v", ctx, i, y.s()[i], want[i])
						}
					}
				}
			}
		}
	})
}
