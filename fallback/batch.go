package fallback

// MatMulT sets z[i·zs+c] = Σj x[i·xs+j]·w[c·ws+j] + b[c] for i < n, c < k,
// j < m, each sum computed as by MatVec. b may be nil (no bias).
func MatMulT(z []float32, zs int, x []float32, xs int, w []float32, ws int, b []float32, n, k, m int) {
	for i := 0; i < n; i++ {
		MatVec(z[i*zs:i*zs+k], w, ws, x[i*xs:i*xs+m], b)
	}
}

// BatchBlock is the most samples AddMatMulTN sums in float32 before adding
// the sum (times alpha) to g, on every backend.
const BatchBlock = 64

// addColBlock is the number of columns of g that AddMatMulTN accumulates
// at once (a stack buffer: the op allocates nothing).
const addColBlock = 256

// AddMatMulTN adds alpha·Σᵢ d[i·ds+c]·x[i·xs+j] to g[c·gs+j] for c < k,
// j < m, i < n. The samples are taken in blocks of at most BatchBlock; per
// block and element the products are summed in float32 in sample order
// (s = s + d·x, each product rounded), then g = g + alpha·s (rounded once
// more). The SIMD backends do the same with fused multiply-adds.
func AddMatMulTN(g []float32, gs int, alpha float32, d []float32, ds int, x []float32, xs int, n, k, m int) {
	var acc [addColBlock]float32
	for i0 := 0; i0 < n; i0 += BatchBlock {
		i1 := min(i0+BatchBlock, n)
		for c := 0; c < k; c++ {
			grow := g[c*gs : c*gs+m]
			for j0 := 0; j0 < m; j0 += addColBlock {
				a := acc[:min(addColBlock, m-j0)]
				clear(a)
				for i := i0; i < i1; i++ {
					di := d[i*ds+c]
					xr := x[i*xs+j0 : i*xs+j0+len(a)]
					for j, v := range xr {
						a[j] += float32(di * v)
					}
				}
				gr := grow[j0 : j0+len(a)]
				for j, v := range a {
					gr[j] += float32(alpha * v)
				}
			}
		}
	}
}
