package kernel

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// featurizerModel is a model with a featurizer, the content of
// testdata/model-v3-featurizer.mxt.
func featurizerModel() *Model {
	md := randomModel(rand.New(rand.NewPCG(22, 1)), 3, 8, true)
	md.Featurizer = &FeaturizerSpec{Kind: "text", Data: []byte("MXTX\x01\x00\x01\x02\x03\x00\x04 any bytes \x00\xff")}
	return md
}

// TestModelFileFeaturizer writes and reads a model with a featurizer: the
// file is version 3 and gives back the kind and data as they were; a model
// without one is still written as version 1 or 2 (the version 1 and 2
// tests read the old files back byte for byte).
func TestModelFileFeaturizer(t *testing.T) {
	for _, data := range [][]byte{nil, {}, []byte("x"), bytes.Repeat([]byte{7, 0, 255}, 1<<19)} {
		md := featurizerModel()
		md.Featurizer.Data = data
		md.Link = LinkOneVsRest
		var b bytes.Buffer
		if _, err := md.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		if v := binary.LittleEndian.Uint32(b.Bytes()[8:]); v != 3 {
			t.Fatalf("version %d, want 3", v)
		}
		got, err := ReadModel(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if !sameModel(got, md) || got.Featurizer == nil || got.Featurizer.Kind != "text" || !bytes.Equal(got.Featurizer.Data, data) {
			t.Fatalf("read back %+v", got.Featurizer)
		}
		c := got.Clone()
		if c.Featurizer == got.Featurizer || !bytes.Equal(c.Featurizer.Data, data) {
			t.Fatal("Clone does not copy the featurizer")
		}
	}
	md := featurizerModel()
	md.Featurizer = nil
	var b bytes.Buffer
	md.WriteTo(&b)
	if v := binary.LittleEndian.Uint32(b.Bytes()[8:]); v != 1 {
		t.Fatalf("a softmax model without featurizer is written as version %d, want 1", v)
	}
}

// TestModelFileV3Compat reads testdata/model-v3-featurizer.mxt, written
// when version 3 was introduced, so that later versions keep reading it.
// MAXENT_WRITE_TESTDATA=1 writes it instead.
func TestModelFileV3Compat(t *testing.T) {
	const file = "testdata/model-v3-featurizer.mxt"
	want := featurizerModel()
	if os.Getenv("MAXENT_WRITE_TESTDATA") == "1" {
		var b bytes.Buffer
		want.WriteTo(&b)
		if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	md, err := ReadModel(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if !sameModel(md, want) || md.Featurizer.Kind != want.Featurizer.Kind || !bytes.Equal(md.Featurizer.Data, want.Featurizer.Data) {
		t.Fatalf("read %+v, want %+v", md, want)
	}
	var out bytes.Buffer
	md.WriteTo(&out)
	if !bytes.Equal(out.Bytes(), b) {
		t.Fatal("does not write back identically")
	}
}

// encodeModelV3 forges a version 3 file of a 2-class, 1-feature softmax
// model without labels: kind, then the claimed data length and the data.
func encodeModelV3(kind string, claim uint64, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString(modelMagic)
	for _, v := range []any{uint32(3), uint64(2), uint64(1), uint32(0), uint32(0), uint32(0), uint32(len(kind))} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString(kind)
	binary.Write(&b, binary.LittleEndian, claim)
	b.Write(data)
	for i := 0; i < 4; i++ {
		binary.Write(&b, binary.LittleEndian, float32(i)/8)
	}
	binary.Write(&b, binary.LittleEndian, crc32.Checksum(b.Bytes(), castagnoli))
	return b.Bytes()
}

func TestReadModelV3Rejects(t *testing.T) {
	good := encodeModelV3("text", 3, []byte("abc"))
	if md, err := ReadModel(bytes.NewReader(good)); err != nil || md.Featurizer == nil || string(md.Featurizer.Data) != "abc" {
		t.Fatalf("forged good file: %v", err)
	}
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty kind", encodeModelV3("", 0, nil), "featurizer kind is empty"},
		{"bad UTF-8 kind", encodeModelV3("t\xffx", 0, nil), "not valid UTF-8"},
		{"long kind", encodeModelV3(strings.Repeat("k", 4097), 0, nil), "4097 bytes long"},
		{"2^41 bytes", encodeModelV3("text", 1<<41, nil), "2199023255552 bytes of featurizer data"},
		// Claims 1 GiB and holds 3 bytes: fails on the data that is there,
		// having reserved at most one chunk.
		{"claims much", encodeModelV3("text", 1<<30, []byte("abc")), "truncated in featurizer data"},
		{"short data", encodeModelV3("text", 2, []byte("abc")), "checksum mismatch"},
	} {
		_, err := ReadModel(bytes.NewReader(tc.file))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	// Every truncation of a good file is an error, never a panic.
	var b bytes.Buffer
	featurizerModel().WriteTo(&b)
	for n := 0; n < b.Len(); n++ {
		if _, err := ReadModel(bytes.NewReader(b.Bytes()[:n])); err == nil {
			t.Fatalf("file cut at %d of %d bytes read without error", n, b.Len())
		}
	}
	// WriteTo refuses a featurizer that ReadModel would refuse.
	for _, kind := range []string{"", "\xff", strings.Repeat("k", 4097)} {
		md := featurizerModel()
		md.Featurizer.Kind = kind
		if _, err := md.WriteTo(&bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "featurizer kind") {
			t.Errorf("kind %.10q: err = %v", kind, err)
		}
	}
}
