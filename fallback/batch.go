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

// DeriveLast sets the logits z (k = len(z) ≥ 1 of them, k ≤ 16) of a row
// whose last class is derived, as the SGD trainer on codes computes them
// (it keeps Σ_c W_c = 0, so the last class's product with x is minus the
// others'): z[c] = z[c] + b[c] for c < k−1 and z[k−1] = b[k−1] − s, where s
// is the float32 sum of z[0] … z[k−2] in the order of the AVX-512 kernel
// SoftmaxXentRowsDerived: with v the first k−1 elements padded with zeros
// to 16, h_l = v_l + v_{l+8}, q_l = h_l + h_{l+4}, s = (q_0 + q_2) +
// (q_1 + q_3). z[k−1] is not read. len(b) ≥ k.
func DeriveLast(z, b []float32) {
	k := len(z)
	if k < 1 || k > 16 {
		panic("fallback.DeriveLast: 1 to 16 classes")
	}
	var v [16]float32
	copy(v[:k-1], z[:k-1])
	var h [8]float32
	for l := range h {
		h[l] = v[l] + v[l+8]
	}
	var q [4]float32
	for l := range q {
		q[l] = h[l] + h[l+4]
	}
	s := (q[0] + q[2]) + (q[1] + q[3])
	for c := 0; c < k-1; c++ {
		z[c] += b[c]
	}
	z[k-1] = b[k-1] - s
}
