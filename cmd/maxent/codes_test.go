package main

import (
	"math"
	"testing"

	"github.com/seed7bc074a2/maxent/kernel"
	"github.com/seed7bc074a2/maxent/kernel/data"
)

// TestByteRows: the scaled rows become codes exactly when every raw value
// minus its column's offset is an integer in [0, 255], and the codes then
// decode to what the scaler makes of the rows, bit for bit.
func TestByteRows(t *testing.T) {
	x := kernel.NewMatrix(3, 4)
	copy(x.Row(0), []float32{0, 3, 255, 17})
	copy(x.Row(1), []float32{5, 3, 0, 200})
	copy(x.Row(2), []float32{7, 4, 128, 17})
	for _, kind := range []data.ScaleKind{data.ScaleNone, data.ScaleMinMax} {
		sc := data.FitScaler(kind, x)
		b := byteRows(x, sc)
		if b == nil {
			t.Fatalf("%v: integer rows in range are not codes", kind)
		}
		xs := x.Clone()
		sc.Apply(xs)
		dec := b.Float()
		for i := 0; i < 3; i++ {
			for j := 0; j < 4; j++ {
				if math.Float32bits(dec.At(i, j)) != math.Float32bits(xs.At(i, j)) {
					t.Fatalf("%v: (%d, %d) decodes to %v, the scaler makes %v", kind, i, j, dec.At(i, j), xs.At(i, j))
				}
			}
		}
	}
	// Standard scaling's offsets are means: not integers here.
	if byteRows(x, data.FitScaler(data.ScaleStandard, x)) != nil {
		t.Error("standard scaling: codes")
	}
	for _, v := range []float32{2.5, 256, -1, float32(math.NaN()), float32(math.Inf(1))} {
		y := x.Clone()
		y.Set(1, 2, v)
		if byteRows(y, data.FitScaler(data.ScaleNone, y)) != nil {
			t.Errorf("a value %v: codes", v)
		}
	}
	// Min-max with offsets: 1000..1255 are codes 0..255 after the offset.
	y := x.Clone()
	for i := 0; i < 3; i++ {
		y.Set(i, 2, 1000+x.At(i, 2))
	}
	if byteRows(y, data.FitScaler(data.ScaleMinMax, y)) == nil {
		t.Error("min-max with an offset of 1000: not codes")
	}
}

// TestTrainCodes: the CLI trains on codes when it can (the embedded digits
// are integers 0–16) and on float32 rows with -codes off, -scale standard
// or lbfgs, and both reach the same quality.
func TestTrainCodes(t *testing.T) {
	codes := trainJSON(t)
	off := trainJSON(t, "-codes", "off")
	std := trainJSON(t, "-scale", "standard")
	if codes["rows"] != "codes" || off["rows"] != "float32" || std["rows"] != "float32" {
		t.Fatalf("rows: %v, with -codes off %v, with -scale standard %v", codes["rows"], off["rows"], std["rows"])
	}
	if lb := trainJSON(t, "-solver", "lbfgs", "-iters", "5"); lb["rows"] != nil {
		t.Fatalf("lbfgs: rows %v", lb["rows"])
	}
	cl, ol := codes["train_log_loss"].(float64), off["train_log_loss"].(float64)
	if math.Abs(cl-ol) > 1e-4*ol || codes["test_accuracy"] != off["test_accuracy"] {
		t.Fatalf("codes: log-loss %v, accuracy %v; float32 rows: %v, %v", cl, codes["test_accuracy"], ol, off["test_accuracy"])
	}
	if code, _, errs := runCLI(t, "train", "-codes", "on"); code == 0 {
		t.Fatal("-codes on accepted")
	} else if errs == "" {
		t.Fatal("-codes on: no message")
	}
}
