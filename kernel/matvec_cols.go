//go:build !purego && (amd64 || arm64)

package kernel

// matVecGroup is the most rows matVecCols sums per column block.
const matVecGroup = 16

// matVecCols is matVecImpl on a SIMD backend for rows so long that fewer
// than matVecGroup of them fit one assembly call (chunk elements): rows in
// groups of up to matVecGroup, each group's columns in blocks of at most
// chunk/rows (a multiple of 16), one assembly call per block into float32
// sums without bias, added in float64 over the blocks, then the bias,
// rounded once. So x is read once per group of rows (from L1, block by
// block) instead of once per row, as one row per call did (for 10 rows
// of 100,000 columns: 4 MB of W and 4 MB of x re-read). Each block keeps
// MatVec's float32 accumulation and adds one rounding of its sum: the
// error stays below 75·2⁻²⁴·Σ|terms|, within the 1e-5 bound. y may be b
// (each b[i] is read before y[i] is written).
func matVecCols(be backendID, y []float32, w Matrix, x, b []float32) {
	var part [matVecGroup]float32
	var acc [matVecGroup]float64
	for r := 0; r < w.Rows; r += matVecGroup {
		g := min(matVecGroup, w.Rows-r)
		cb := max(16, chunk/g&^15)
		clear(acc[:g])
		for c := 0; c < w.Cols; c += cb {
			e := min(c+cb, w.Cols)
			asmMatVec(be, part[:g], w.Data[r*w.Stride+c:(r+g-1)*w.Stride+e], w.Stride, x[c:e], nil)
			for i, v := range part[:g] {
				acc[i] += float64(v)
			}
		}
		for i, s := range acc[:g] {
			if b != nil {
				s += float64(b[r+i])
			}
			y[r+i] = float32(s)
		}
	}
}
