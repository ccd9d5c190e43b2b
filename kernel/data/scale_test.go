package data

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/seed7bc074a2/maxent/kernel"
)

// scaleMatrix returns an n×4 matrix: random, offset random, constant, and a
// column constant up to a difference whose reciprocal overflows float32.
func scaleMatrix(n int) kernel.Matrix {
	rng := rand.New(rand.NewPCG(1, 2))
	x := kernel.NewMatrix(n, 4)
	for i := range n {
		x.Set(i, 0, float32(rng.NormFloat64()*3+1))
		x.Set(i, 1, float32(1000+rng.Float64()*255))
		x.Set(i, 2, 7)
		x.Set(i, 3, 0)
	}
	x.Set(0, 3, 1e-40)
	return x
}

func TestScalerMinMax(t *testing.T) {
	x := scaleMatrix(500)
	s := FitScaler(ScaleMinMax, x)
	for j := range 2 {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range x.Rows {
			lo = min(lo, float64(x.At(i, j)))
			hi = max(hi, float64(x.At(i, j)))
		}
		if float64(s.Offset[j]) != lo || math.Abs(float64(s.Scale[j])-1/(hi-lo)) > 1e-6/(hi-lo) {
			t.Errorf("column %d: offset %v scale %v, want %v %v", j, s.Offset[j], s.Scale[j], lo, 1/(hi-lo))
		}
	}
	if s.Scale[2] != 1 || s.Offset[2] != 7 || s.Scale[3] != 1 {
		t.Errorf("constant columns: offsets %v scales %v", s.Offset, s.Scale)
	}
	y := x.Clone()
	s.Apply(y)
	for j := range 4 {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range y.Rows {
			v := float64(y.At(i, j))
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("scaled X[%d][%d] = %v", i, j, v)
			}
			lo, hi = min(lo, v), max(hi, v)
		}
		wantHi := 1.0
		if j >= 2 {
			wantHi = float64(y.At(0, j)) // constant columns stay (about) constant
		}
		if lo != 0 || math.Abs(hi-wantHi) > 1e-5 {
			t.Errorf("column %d scaled to [%v, %v]", j, lo, hi)
		}
	}
}

func TestScalerStandard(t *testing.T) {
	x := scaleMatrix(1000)
	s := FitScaler(ScaleStandard, x)
	for j := range 2 {
		var sum, ss float64
		for i := range x.Rows {
			sum += float64(x.At(i, j))
		}
		mean := sum / float64(x.Rows)
		for i := range x.Rows {
			d := float64(x.At(i, j)) - mean
			ss += d * d
		}
		std := math.Sqrt(ss / float64(x.Rows))
		if math.Abs(float64(s.Offset[j])-mean) > 1e-6*math.Abs(mean)+1e-6 || math.Abs(float64(s.Scale[j])*std-1) > 1e-6 {
			t.Errorf("column %d: offset %v scale %v, want %v %v", j, s.Offset[j], s.Scale[j], mean, 1/std)
		}
	}
	if s.Scale[2] != 1 || s.Offset[2] != 7 || s.Scale[3] != 1 {
		t.Errorf("constant column: offset %v scale %v", s.Offset[2], s.Scale[2])
	}
	y := x.Clone()
	s.Apply(y)
	for j := range 4 {
		var sum, ss float64
		for i := range y.Rows {
			v := float64(y.At(i, j))
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("scaled X[%d][%d] = %v", i, j, v)
			}
			sum += v
			ss += v * v
		}
		mean, meanSq := sum/float64(y.Rows), ss/float64(y.Rows)
		if j < 2 && (math.Abs(mean) > 1e-4 || math.Abs(meanSq-1) > 1e-4) {
			t.Errorf("column %d: mean %v, E[x²] %v after scaling", j, mean, meanSq)
		}
		if j == 2 && (mean != 0 || ss != 0) {
			t.Errorf("constant column scaled to mean %v", mean)
		}
	}
}

func TestScalerEdges(t *testing.T) {
	x := scaleMatrix(10)
	for _, k := range []ScaleKind{ScaleNone, ScaleMinMax, ScaleStandard} {
		// No rows: identity.
		s := FitScaler(k, kernel.NewMatrix(0, 4))
		for j := range 4 {
			if s.Offset[j] != 0 || s.Scale[j] != 1 {
				t.Errorf("%v on no rows: offset %v scale %v", k, s.Offset, s.Scale)
			}
		}
		if s.Kind != k {
			t.Errorf("Kind = %v, want %v", s.Kind, k)
		}
		// Column-count mismatch panics with a precise message.
		func() {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if !strings.Contains(msg, "data.Scaler.Apply: matrix has 3 columns, scaler has 4 offsets and 4 scales") {
					t.Errorf("panic %v", r)
				}
			}()
			s.Apply(kernel.NewMatrix(2, 3))
		}()
	}
	y := x.Clone()
	FitScaler(ScaleNone, x).Apply(y)
	for i := range x.Rows {
		for j := range x.Cols {
			if y.At(i, j) != x.At(i, j) {
				t.Fatal("ScaleNone changed data")
			}
		}
	}
	func() {
		defer func() { recover() }()
		FitScaler(ScaleKind(9), x)
		t.Error("FitScaler accepted an unknown kind")
	}()
}

func TestScaleKind(t *testing.T) {
	for _, k := range []ScaleKind{ScaleNone, ScaleMinMax, ScaleStandard} {
		got, err := ParseScaleKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseScaleKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if k, err := ParseScaleKind("MinMax"); err != nil || k != ScaleMinMax {
		t.Errorf("MinMax: %v %v", k, err)
	}
	_, err := ParseScaleKind("zscore")
	wantErr(t, err, `unknown scaling "zscore" (want none, minmax, standard or maxabs)`)
	if s := ScaleKind(7).String(); s != "ScaleKind(7)" {
		t.Errorf("String = %q", s)
	}
	b, err := json.Marshal(&Scaler{Kind: ScaleStandard, Offset: []float32{1}, Scale: []float32{2}})
	if err != nil || string(b) != `{"Kind":"standard","Offset":[1],"Scale":[2]}` {
		t.Errorf("json %s, %v", b, err)
	}
	var s Scaler
	if err := json.Unmarshal(b, &s); err != nil || s.Kind != ScaleStandard {
		t.Errorf("unmarshal: %v %v", s.Kind, err)
	}
	if _, err := json.Marshal(ScaleKind(-1)); err == nil {
		t.Error("marshalled an invalid kind")
	}
}
