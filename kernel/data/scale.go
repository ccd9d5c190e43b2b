package data

import (
	"fmt"
	"math"
	"strings"

	"github.com/seed7bc074a2/maxent/kernel"
)

// ScaleKind selects a feature scaling.
type ScaleKind int

const (
	// ScaleNone leaves features unchanged.
	ScaleNone ScaleKind = iota
	// ScaleMinMax maps each feature's training range [min, max] to [0, 1].
	ScaleMinMax
	// ScaleStandard gives each feature zero mean and unit (population)
	// variance on the training data.
	ScaleStandard
	// ScaleMaxAbs divides each feature by its largest absolute value on
	// the training data (no offset), so zeros stay zeros: the scaling for
	// sparse rows.
	ScaleMaxAbs
)

var scaleNames = [...]string{ScaleNone: "none", ScaleMinMax: "minmax", ScaleStandard: "standard", ScaleMaxAbs: "maxabs"}

// ParseScaleKind parses "none", "minmax", "standard" or "maxabs"
// (case-insensitive).
func ParseScaleKind(s string) (ScaleKind, error) {
	for k, name := range scaleNames {
		if strings.EqualFold(s, name) {
			return ScaleKind(k), nil
		}
	}
	return 0, fmt.Errorf("unknown scaling %q (want none, minmax, standard or maxabs)", s)
}

// String returns the name accepted by ParseScaleKind.
func (k ScaleKind) String() string {
	if k >= 0 && int(k) < len(scaleNames) {
		return scaleNames[k]
	}
	return fmt.Sprintf("ScaleKind(%d)", int(k))
}

// MarshalText encodes k as its name (so that JSON shows "minmax").
func (k ScaleKind) MarshalText() ([]byte, error) {
	if k < 0 || int(k) >= len(scaleNames) {
		return nil, fmt.Errorf("invalid %v", k)
	}
	return []byte(k.String()), nil
}

// UnmarshalText decodes a name accepted by ParseScaleKind.
func (k *ScaleKind) UnmarshalText(text []byte) error {
	v, err := ParseScaleKind(string(text))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// Scaler is a per-feature affine map fitted on training data: Apply maps
// feature j of x to (x - Offset[j]) * Scale[j].
//
// For ScaleMinMax, Offset is the column minimum and Scale 1/(max - min); for
// ScaleStandard, Offset is the column mean and Scale 1/stddev (population).
// A constant column (zero range or variance) gets Scale 1, so it maps to 0
// on the training data; so does a column whose range or deviation is too
// small for its reciprocal to be a finite float32. A Scale is thus never
// Inf or NaN. ScaleNone has Offset 0 and Scale 1.
type Scaler struct {
	Kind          ScaleKind
	Offset, Scale []float32
}

// FitScaler computes the scaler of the given kind for the columns of x,
// accumulating in float64. An x with no rows yields the identity. It
// panics on an unknown kind.
func FitScaler(kind ScaleKind, x kernel.Matrix) *Scaler {
	m := x.Cols
	s := &Scaler{Kind: kind, Offset: make([]float32, m), Scale: make([]float32, m)}
	for j := range s.Scale {
		s.Scale[j] = 1
	}
	if x.Rows == 0 {
		return s
	}
	switch kind {
	case ScaleNone:
	case ScaleMinMax:
		lo, hi := make([]float32, m), make([]float32, m)
		copy(lo, x.Row(0))
		copy(hi, lo)
		for i := 1; i < x.Rows; i++ {
			for j, v := range x.Row(i) {
				lo[j] = min(lo[j], v)
				hi[j] = max(hi[j], v)
			}
		}
		for j := range m {
			s.Offset[j] = lo[j]
			s.Scale[j] = reciprocal(float64(hi[j]) - float64(lo[j]))
		}
	case ScaleStandard:
		mean := make([]float64, m)
		for i := range x.Rows {
			for j, v := range x.Row(i) {
				mean[j] += float64(v)
			}
		}
		n := float64(x.Rows)
		for j := range mean {
			mean[j] /= n
		}
		ss := make([]float64, m)
		for i := range x.Rows {
			for j, v := range x.Row(i) {
				d := float64(v) - mean[j]
				ss[j] += d * d
			}
		}
		for j := range m {
			s.Offset[j] = float32(mean[j])
			s.Scale[j] = reciprocal(math.Sqrt(ss[j] / n))
		}
	case ScaleMaxAbs:
		hi := make([]float64, m)
		for i := range x.Rows {
			for j, v := range x.Row(i) {
				hi[j] = max(hi[j], math.Abs(float64(v)))
			}
		}
		for j := range m {
			s.Scale[j] = reciprocal(hi[j])
		}
	default:
		panic(fmt.Sprintf("data.FitScaler: unknown %v", kind))
	}
	return s
}

// FitScalerSparse is FitScaler for sparse rows, for the kinds that keep
// zeros: ScaleNone and ScaleMaxAbs. Others are an error, since they would
// make every row dense.
func FitScalerSparse(kind ScaleKind, x kernel.CSR) (*Scaler, error) {
	m := x.Cols
	s := &Scaler{Kind: kind, Offset: make([]float32, m), Scale: make([]float32, m)}
	for j := range s.Scale {
		s.Scale[j] = 1
	}
	switch kind {
	case ScaleNone:
	case ScaleMaxAbs:
		hi := make([]float64, m)
		for i := range x.Rows {
			idx, val := x.Row(i)
			for k, j := range idx {
				hi[j] = max(hi[j], math.Abs(float64(val[k])))
			}
		}
		for j := range m {
			s.Scale[j] = reciprocal(hi[j])
		}
	default:
		return nil, fmt.Errorf("scaling %v would make sparse rows dense (want none or maxabs)", kind)
	}
	return s, nil
}

// ApplySparse returns x with its columns scaled by s (ScaleNone or
// ScaleMaxAbs: no offsets): x itself for ScaleNone, else a copy of x with
// new values sharing x's indices. It panics if x has another width than
// the data s was fitted on, or s has an offset.
func (s *Scaler) ApplySparse(x kernel.CSR) kernel.CSR {
	if x.Cols != len(s.Scale) {
		panic(fmt.Sprintf("data.Scaler.ApplySparse: rows have %d columns, scaler has %d scales", x.Cols, len(s.Scale)))
	}
	if s.Kind == ScaleNone {
		return x
	}
	for _, o := range s.Offset {
		if o != 0 {
			panic("data.Scaler.ApplySparse: the scaler has offsets")
		}
	}
	v := make([]float32, len(x.Value))
	lo := x.RowPtr[0]
	for k := lo; k < x.RowPtr[x.Rows]; k++ {
		v[k] = x.Value[k] * s.Scale[x.Index[k]]
	}
	x.Value = v
	return x
}

// reciprocal returns 1/v as a float32, or 1 if v is 0 or 1/v is not finite
// in float32.
func reciprocal(v float64) float32 {
	r := float32(1 / v)
	if v == 0 || math.IsInf(float64(r), 0) || math.IsNaN(float64(r)) {
		return 1
	}
	return r
}

// Apply scales the columns of x in place. It panics if x does not have as
// many columns as the data the scaler was fitted on.
func (s *Scaler) Apply(x kernel.Matrix) {
	if x.Cols != len(s.Offset) || x.Cols != len(s.Scale) {
		panic(fmt.Sprintf("data.Scaler.Apply: matrix has %d columns, scaler has %d offsets and %d scales", x.Cols, len(s.Offset), len(s.Scale)))
	}
	if s.Kind == ScaleNone {
		return
	}
	for i := range x.Rows {
		row := x.Row(i)
		for j, v := range row {
			row[j] = (v - s.Offset[j]) * s.Scale[j]
		}
	}
}
