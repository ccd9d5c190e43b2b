package kernel

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// oracleProba is PredictProba's output for link, in float64 from float64
// scores.
func oracleProba(md *Model, x []float32) []float64 {
	k := md.Classes
	z := make([]float64, k)
	for i := range z {
		z[i] = float64(md.B[i])
		for j, v := range md.W.Row(i) {
			z[i] += float64(v) * float64(x[j])
		}
	}
	sig := func(t float64) float64 { return 1 / (1 + math.Exp(-t)) }
	p := make([]float64, k)
	switch md.Link {
	case LinkSoftmax, LinkSoftmaxZero:
		zmax := math.Inf(-1)
		for _, v := range z {
			zmax = math.Max(zmax, v)
		}
		var s float64
		for i, v := range z {
			p[i] = math.Exp(v - zmax)
			s += p[i]
		}
		for i := range p {
			p[i] /= s
		}
	case LinkOneVsRest:
		var s float64
		for i, v := range z {
			p[i] = sig(v)
			s += p[i]
		}
		for i := range p {
			p[i] /= s
		}
	case LinkLogistic:
		p[1] = sig(z[1] - z[0])
		p[0] = 1 - p[1]
	case LinkRaw:
		copy(p, z)
	}
	return p
}

func TestPredictProbaLinks(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	forEachBackendModel(t, func(t *testing.T) {
		for _, link := range []Link{LinkSoftmax, LinkOneVsRest, LinkLogistic, LinkRaw, LinkSoftmaxZero} {
			for _, k := range []int{2, 3, 10, 65} {
				if link == LinkLogistic && k != 2 {
					continue
				}
				for _, m := range []int{0, 1, 7, 64, 300} {
					md := randomModel(rng, k, m, false)
					md.Link = link
					if err := md.Validate(); err != nil {
						t.Fatal(err)
					}
					x := randVec(rng, m)
					p := make([]float32, k)
					md.PredictProba(p, x)
					want := oracleProba(md, x)
					for i := range p {
						tol := 1e-6
						if link == LinkRaw {
							tol = 1e-5 * (1 + float64(m))
						}
						if d := math.Abs(float64(p[i]) - want[i]); !(d <= tol) {
							t.Fatalf("%v k=%d m=%d: p[%d] = %v, want %v", link, k, m, i, p[i], want[i])
						}
					}
					// Predict is the largest score's class under every link,
					// and so the largest output's (up to ties).
					c := md.Predict(x)
					if c < 0 || want[c] < slicesMax(want)-1e-6 {
						t.Fatalf("%v: Predict = %d, outputs %v", link, c, want)
					}
					// The batched methods agree with the row methods.
					xm := NewMatrix(1, m)
					copy(xm.Row(0), x)
					pb := NewMatrix(1, k)
					md.PredictProbaBatch(pb, xm)
					cb := []int{-2}
					md.PredictBatch(cb, xm)
					for i := range p {
						if d := math.Abs(float64(pb.At(0, i) - p[i])); d > 1e-5*(1+float64(m)) {
							t.Fatalf("%v: PredictProbaBatch %v, PredictProba %v", link, pb.Row(0), p)
						}
					}
					if cb[0] != c && math.Abs(float64(p[cb[0]]-p[c])) > 1e-5 {
						t.Fatalf("%v: PredictBatch %d, Predict %d", link, cb[0], c)
					}
				}
			}
		}
	})
}

func slicesMax(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	return m
}

func TestSoftmaxZeroLink(t *testing.T) {
	md := NewModel(3, 0)
	md.Link = LinkSoftmaxZero
	copy(md.B, []float32{1, 0, 2})
	p := make([]float32, 3)
	md.PredictProba(p, nil)
	e := math.Exp(-1)
	want := []float64{e / (1 + e), 0, 1 / (1 + e)}
	for i := range p {
		if math.Abs(float64(p[i])-want[i]) > 1e-7 {
			t.Fatalf("p = %v, want %v", p, want)
		}
	}
}

func TestLinkAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, link := range []Link{LinkSoftmax, LinkOneVsRest, LinkLogistic, LinkRaw, LinkSoftmaxZero} {
		md := randomModel(rng, 2, 30, false)
		md.Link = link
		x, p := randVec(rng, 30), make([]float32, 2)
		xm, pm, cm := NewMatrix(8, 30), NewMatrix(8, 2), make([]int, 8)
		if a := testing.AllocsPerRun(100, func() {
			md.PredictProba(p, x)
			md.Predict(x)
			md.PredictProbaBatch(pm, xm)
			md.PredictBatch(cm, xm)
		}); a != 0 {
			t.Errorf("%v: %v allocations per prediction", link, a)
		}
	}
}

func TestLinkValidate(t *testing.T) {
	md := NewModel(3, 2)
	md.Link = LinkLogistic
	if err := md.Validate(); err == nil || !strings.Contains(err.Error(), "logistic link and 3 classes") {
		t.Errorf("logistic with 3 classes: %v", err)
	}
	md.Link = numLinks
	if err := md.Validate(); err == nil || !strings.Contains(err.Error(), "unknown Link(5)") {
		t.Errorf("unknown link: %v", err)
	}
	md.Link = LinkRaw
	md.FeatureNames = []string{"a"}
	if err := md.Validate(); err == nil || !strings.Contains(err.Error(), "1 feature names") {
		t.Errorf("1 name for 2 features: %v", err)
	}
	md.FeatureNames = []string{"a", "a"}
	if err := md.Validate(); err == nil || !strings.Contains(err.Error(), "feature names 0 and 1") {
		t.Errorf("duplicate names: %v", err)
	}
	md.FeatureNames = []string{"a", strings.Repeat("b", 4097)}
	if _, err := md.WriteTo(&bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "4097 bytes") {
		t.Errorf("long name: %v", err)
	}
	for l := Link(0); l < numLinks; l++ {
		if got, err := ParseLink(l.String()); err != nil || got != l {
			t.Errorf("ParseLink(%q) = %v, %v", l.String(), got, err)
		}
	}
	if _, err := ParseLink("probit"); err == nil {
		t.Error("ParseLink(probit) succeeded")
	}
}

// TestModelFileV2 round-trips every link with feature names, and checks
// that a plain softmax model is still written as version 1.
func TestModelFileV2(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, link := range []Link{LinkSoftmax, LinkOneVsRest, LinkLogistic, LinkRaw, LinkSoftmaxZero} {
		for _, names := range []bool{false, true} {
			md := randomModel(rng, 2, 3, true)
			md.Link = link
			if names {
				md.FeatureNames = []string{"x₀", "", "petal width"}
			}
			var b bytes.Buffer
			if _, err := md.WriteTo(&b); err != nil {
				t.Fatal(err)
			}
			wantV := uint32(2)
			if link == LinkSoftmax && !names {
				wantV = 1
			}
			if v := binary.LittleEndian.Uint32(b.Bytes()[8:]); v != wantV {
				t.Errorf("%v names=%v: version %d, want %d", link, names, v, wantV)
			}
			got, err := ReadModel(bytes.NewReader(b.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if !sameModel(got, md) {
				t.Fatalf("%v names=%v: read back %+v, want %+v", link, names, got, md)
			}
			for n := 0; n < b.Len(); n++ {
				if _, err := ReadModel(bytes.NewReader(b.Bytes()[:n])); err == nil {
					t.Fatalf("truncated to %d bytes: no error", n)
				}
			}
		}
	}
}

// modelsEqual reports whether a and b are the same model, bit for bit.
func sameModel(a, b *Model) bool {
	if a.Classes != b.Classes || a.Features != b.Features || a.Link != b.Link ||
		(a.Labels == nil) != (b.Labels == nil) || (a.FeatureNames == nil) != (b.FeatureNames == nil) ||
		strings.Join(a.Labels, "\x00") != strings.Join(b.Labels, "\x00") ||
		strings.Join(a.FeatureNames, "\x00") != strings.Join(b.FeatureNames, "\x00") {
		return false
	}
	for i := 0; i < a.Classes; i++ {
		if math.Float32bits(a.B[i]) != math.Float32bits(b.B[i]) {
			return false
		}
		for j, v := range a.W.Row(i) {
			if math.Float32bits(v) != math.Float32bits(b.W.At(i, j)) {
				return false
			}
		}
	}
	return true
}

// encodeModelV2 forges a version 2 file.
func encodeModelV2(k, m uint64, link, nl, nf uint32, names []string, floats int) []byte {
	var b bytes.Buffer
	b.WriteString(modelMagic)
	for _, v := range []any{uint32(2), k, m, nl, link, nf} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	for _, l := range names {
		binary.Write(&b, binary.LittleEndian, uint32(len(l)))
		b.WriteString(l)
	}
	for i := 0; i < floats; i++ {
		binary.Write(&b, binary.LittleEndian, float32(i)/8)
	}
	binary.Write(&b, binary.LittleEndian, crc32.Checksum(b.Bytes(), castagnoli))
	return b.Bytes()
}

func TestReadModelV2Rejects(t *testing.T) {
	good := encodeModelV2(2, 2, uint32(LinkRaw), 2, 2, []string{"a", "b", "f", "g"}, 6)
	if md, err := ReadModel(bytes.NewReader(good)); err != nil || md.Link != LinkRaw || md.FeatureNames[1] != "g" {
		t.Fatalf("forged good file: %v", err)
	}
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"link 5", encodeModelV2(2, 2, 5, 0, 0, nil, 6), "link 5"},
		{"logistic, 3 classes", encodeModelV2(3, 2, uint32(LinkLogistic), 0, 0, nil, 9), "logistic link and 3 classes"},
		{"name count", encodeModelV2(2, 2, 0, 0, 1, []string{"f"}, 6), "1 feature names for 2 features"},
		{"duplicate names", encodeModelV2(2, 2, 0, 0, 2, []string{"f", "f"}, 6), "feature name \"f\" appears twice"},
		{"bad utf8 name", encodeModelV2(2, 2, 0, 0, 2, []string{"f", "\xfe"}, 6), "feature name 1 is not valid UTF-8"},
		{"huge name", append(encodeModelV2(2, 2, 0, 0, 2, nil, 0)[:40], 0xff, 0xff, 0, 0), "feature name 0 is 65535 bytes long"},
	} {
		_, err := ReadModel(bytes.NewReader(tc.file))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestModelFileV2Compat reads a version 2 file written when version 2 was
// introduced (testdata/model-v2-ovr.mxt: one-vs-rest, feature names), so
// that later versions keep reading it.
func TestModelFileV2Compat(t *testing.T) {
	want := randomModel(rand.New(rand.NewPCG(21, 1)), 3, 4, true)
	want.Link = LinkOneVsRest
	want.FeatureNames = []string{"sepal length", "sepal width", "petal length", "pétale"}
	b, err := os.ReadFile("testdata/model-v2-ovr.mxt")
	if err != nil {
		t.Fatal(err)
	}
	md, err := ReadModel(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if !sameModel(md, want) {
		t.Fatalf("read %+v, want %+v", md, want)
	}
	var out bytes.Buffer
	md.WriteTo(&out)
	if !bytes.Equal(out.Bytes(), b) {
		t.Fatal("does not write back identically")
	}
}

// TestModelFileV1Compat reads files written by the version 1 writer
// (testdata/model-v1*.mxt, written before version 2 existed): they load as
// softmax models without feature names, and write back byte for byte.
func TestModelFileV1Compat(t *testing.T) {
	want := randomModel(rand.New(rand.NewPCG(20, 1)), 3, 5, true)
	for _, tc := range []struct {
		file   string
		labels []string
	}{{"testdata/model-v1.mxt", want.Labels}, {"testdata/model-v1-nolabels.mxt", nil}} {
		b, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		md, err := ReadModel(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		w := want.Clone()
		w.Labels = tc.labels
		if !sameModel(md, w) || md.Link != LinkSoftmax || md.FeatureNames != nil {
			t.Fatalf("%s: read %+v, want %+v", tc.file, md, w)
		}
		var out bytes.Buffer
		md.WriteTo(&out)
		if !bytes.Equal(out.Bytes(), b) {
			t.Fatalf("%s: does not write back identically", tc.file)
		}
	}
}
