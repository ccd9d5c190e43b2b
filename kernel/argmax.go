package kernel

import "math"

// argmax returns the index of the largest element (the first on ties), or
// −1 if every element is NaN.
func argmax(z []float32) int {
	best, bz := -1, float32(math.Inf(-1))
	for i, v := range z {
		if v > bz || (best < 0 && v == bz) {
			best, bz = i, v
		}
	}
	return best
}

// isArgmax reports whether argmax(z) == l (the first maximum; never when
// z[l] is NaN) with one comparison per element and no data-dependent
// updates, which mispredict on every new maximum.
func isArgmax(z []float32, l int) bool {
	zl := z[l]
	bad := zl != zl
	for _, v := range z[:l] {
		bad = bad || v >= zl
	}
	for _, v := range z[l+1:] {
		bad = bad || v > zl
	}
	return !bad
}
