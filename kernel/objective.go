package kernel

// lbfgsBlock is the number of rows whose weight gradient is summed in
// float32 before being added into the float64 gradient.
const lbfgsBlock = 256

// objective evaluates J and ∇J over a fixed data set. Every buffer is
// allocated by newObjective, so eval allocates nothing.
type objective struct {
	k, m int
	x    Matrix
	y    []int
	l2   float64
	w    Matrix    // float32 copy of the weights of θ
	b    []float32 // float32 copy of the biases of θ
	z    []float32 // logits, then p − onehot
	g32  Matrix    // weight gradient summed over one block of rows
	gb   []float64 // bias gradient
}

func newObjective(k, m int, x Matrix, y []int, l2 float64) *objective {
	return &objective{
		k: k, m: m, x: x, y: y, l2: l2,
		w:   NewMatrix(k, m),
		b:   make([]float32, k),
		z:   make([]float32, k),
		g32: NewMatrix(k, m),
		gb:  make([]float64, k),
	}
}

// dim returns the length of θ.
func (o *objective) dim() int { return o.k*o.m + o.k }

// load sets θ to the parameters of m.
func (o *objective) load(theta []float64, m *Model) {
	for i := 0; i < o.k; i++ {
		row := theta[i*o.m : (i+1)*o.m]
		for j, v := range m.W.Row(i) {
			row[j] = float64(v)
		}
		theta[o.k*o.m+i] = float64(m.B[i])
	}
}

// store sets the parameters of m to θ rounded to float32.
func (o *objective) store(m *Model, theta []float64) {
	for i := 0; i < o.k; i++ {
		row := theta[i*o.m : (i+1)*o.m]
		w := m.W.Row(i)
		for j := range w {
			w[j] = float32(row[j])
		}
		m.B[i] = float32(theta[o.k*o.m+i])
	}
}

// eval returns J(θ) and sets grad = ∇J(θ). The logits are those of the
// float32 model nearest θ.
func (o *objective) eval(theta, grad []float64) float64 {
	k, m := o.k, o.m
	for i := 0; i < k; i++ {
		row := theta[i*m : (i+1)*m]
		w := o.w.Row(i)
		for j := range w {
			w[j] = float32(row[j])
		}
		o.b[i] = float32(theta[k*m+i])
	}
	clear(grad)
	clear(o.gb)
	var loss float64
	n := o.x.Rows
	for r0 := 0; r0 < n; r0 += lbfgsBlock {
		clear(o.g32.Data)
		for r := r0; r < min(r0+lbfgsBlock, n); r++ {
			xi := o.x.Row(r)
			MatVec(o.z, o.w, xi, o.b)
			loss += float64(SoftmaxCrossEntropy(o.z, o.z, o.y[r]))
			AddOuter(o.g32, 1, o.z, xi)
			for c, d := range o.z {
				o.gb[c] += float64(d)
			}
		}
		for i := 0; i < k; i++ {
			g := grad[i*m : (i+1)*m]
			for j, v := range o.g32.Row(i) {
				g[j] += float64(v)
			}
		}
	}
	inv := 1 / float64(n)
	var pen float64
	for i := 0; i < k*m; i++ {
		t := theta[i]
		pen += t * t
		grad[i] = grad[i]*inv + o.l2*t
	}
	for i := 0; i < k; i++ {
		grad[k*m+i] = o.gb[i] * inv
	}
	return loss*inv + 0.5*o.l2*pen
}
