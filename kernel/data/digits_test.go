package data

import (
	"reflect"
	"testing"
)

func TestDigits(t *testing.T) {
	d := Digits()
	checkDataset(t, d)
	if d.Len() != 1797 || d.Features() != 64 {
		t.Fatalf("%d×%d, want 1797×64", d.Len(), d.Features())
	}
	want := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	if !reflect.DeepEqual(d.Labels, want) {
		t.Fatalf("Labels = %q", d.Labels)
	}
	counts := make([]int, len(d.Labels))
	for _, c := range d.Y {
		counts[c]++
	}
	sum := 0
	for c, n := range counts {
		if n < 150 {
			t.Errorf("class %s has only %d rows", d.Labels[c], n)
		}
		sum += n
	}
	if sum != 1797 {
		t.Errorf("label counts sum to %d", sum)
	}
	for i := range d.Len() {
		for j, v := range d.X.Row(i) {
			if v < 0 || v > 16 || v != float32(int(v)) {
				t.Fatalf("X[%d][%d] = %v, want an integer in 0..16", i, j, v)
			}
		}
	}
	// The first row of the UCI file, label 0.
	if d.Y[0] != 0 || d.X.At(0, 2) != 5 || d.X.At(0, 3) != 13 {
		t.Errorf("row 0: label %s, X[0][2:4] = %v", d.Labels[d.Y[0]], d.X.Row(0)[2:4])
	}
	// Each call returns a fresh copy.
	d.X.Set(0, 2, 99)
	d.Y[0] = 5
	if e := Digits(); e.X.At(0, 2) != 5 || e.Y[0] != 0 {
		t.Error("Digits shares storage between calls")
	}
}
