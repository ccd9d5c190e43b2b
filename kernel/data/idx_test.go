package data

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"runtime"
	"testing"
)

// idxImages encodes an IDX images file of n r×c images with pixel
// (i, j) = pix(i, j).
func idxImages(n, r, c int, pix func(i, j int) byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, []uint32{idxImagesMagic, uint32(n), uint32(r), uint32(c)})
	for i := range n {
		for j := range r * c {
			b.WriteByte(pix(i, j))
		}
	}
	return b.Bytes()
}

// idxLabels encodes an IDX labels file.
func idxLabels(labels ...byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, []uint32{idxLabelsMagic, uint32(len(labels))})
	b.Write(labels)
	return b.Bytes()
}

func testPix(i, j int) byte { return byte(i*31 + j*7) }

func TestReadIDX(t *testing.T) {
	img := idxImages(5, 3, 2, testPix)
	lbl := idxLabels(7, 3, 7, 10, 0)
	for _, tc := range []struct {
		name     string
		img, lbl []byte
	}{
		{"raw", img, lbl},
		{"gzip", gz(img), gz(lbl)},
		{"mixed", img, gz(lbl)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ReadIDX(bytes.NewReader(tc.img), bytes.NewReader(tc.lbl), "mnist")
			if err != nil {
				t.Fatal(err)
			}
			checkDataset(t, d)
			if d.Len() != 5 || d.Features() != 6 || d.Source != "mnist" {
				t.Fatalf("%d×%d %q", d.Len(), d.Features(), d.Source)
			}
			for i := range 5 {
				for j := range 6 {
					if got, want := d.X.At(i, j), float32(testPix(i, j)); got != want {
						t.Fatalf("X[%d][%d] = %v, want %v", i, j, got, want)
					}
				}
			}
			if want := []string{"0", "3", "7", "10"}; !reflect.DeepEqual(d.Labels, want) {
				t.Errorf("Labels = %q, want %q", d.Labels, want)
			}
			if want := []string{"7", "3", "7", "10", "0"}; !reflect.DeepEqual(labelsOf(d), want) {
				t.Errorf("labels = %q, want %q", labelsOf(d), want)
			}
		})
	}
}

func TestReadIDXErrors(t *testing.T) {
	img := idxImages(4, 2, 2, testPix)
	lbl := idxLabels(1, 2, 3, 4)
	header := func(words ...uint32) []byte {
		var b bytes.Buffer
		binary.Write(&b, binary.BigEndian, words)
		return b.Bytes()
	}
	badGz := gz(idxImages(50, 28, 28, testPix))
	badGz[len(badGz)-6] ^= 0x55 // checksum
	for _, tc := range []struct {
		name     string
		img, lbl []byte
		want     string
	}{
		{"images magic", header(0x802, 4, 2, 2), lbl, "images: bad magic 0x00000802, want 0x00000803"},
		{"labels magic", img, header(0x803, 4), "labels: bad magic 0x00000803, want 0x00000801"},
		{"count mismatch", img, idxLabels(1, 2, 3), "3 labels for 4 images"},
		{"truncated images header", img[:10], lbl, "images: truncated header"},
		{"empty labels", img, nil, "labels: truncated header"},
		{"truncated images", img[:len(img)-1], lbl, "images: truncated: image 4 of 4: unexpected EOF"},
		{"truncated labels", img, lbl[:len(lbl)-2], "labels: truncated: label 3 of 4"},
		{"trailing images", append(img[:len(img):len(img)], 0), lbl, "images: trailing data after 4 images"},
		{"trailing labels", img, append(lbl[:len(lbl):len(lbl)], 9), "labels: trailing data after 4 labels"},
		{"zero images", header(0x803, 0, 2, 2), header(0x801, 0), "no data rows"},
		{"zero size", header(0x803, 4, 0, 2), lbl, "images: bad image size 0×2"},
		{"huge size", header(0x803, 4, 1<<16, 1<<16), lbl, "images: bad image size 65536×65536"},
		{"bad gzip", gz(img)[:15], lbl, "images:"},
		{"gzip checksum", badGz, idxLabels(make([]byte, 50)...), "images:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadIDX(bytes.NewReader(tc.img), bytes.NewReader(tc.lbl), "")
			wantErr(t, err, tc.want)
		})
	}
	_, err := ReadIDX(bytes.NewReader(header(0x802, 4, 2, 2)), bytes.NewReader(lbl), "")
	if err == nil || err.Error() != "images: bad magic 0x00000802, want 0x00000803" {
		t.Errorf("got %v", err)
	}
	_, err = ReadIDX(bytes.NewReader(img), bytes.NewReader(idxLabels(1)), "f")
	if err == nil || err.Error() != "f: 1 labels for 4 images" {
		t.Errorf("got %v", err)
	}
}

// TestReadIDXHugeHeader checks that counts claimed by headers are not
// trusted for allocation.
func TestReadIDXHugeHeader(t *testing.T) {
	// Without a memory budget (which would refuse these headers at once,
	// see TestMemoryBudgetLoaders).
	defer SetMemoryBudget(SetMemoryBudget(-1))
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, []uint32{idxImagesMagic, 1 << 30, 28, 28})
	b.Write(make([]byte, 3*784))
	img := b.Bytes()
	b = bytes.Buffer{}
	binary.Write(&b, binary.BigEndian, []uint32{idxLabelsMagic, 1 << 30})
	b.Write(make([]byte, 3))
	lbl := b.Bytes()

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadIDX(bytes.NewReader(img), bytes.NewReader(lbl), "huge")
	runtime.ReadMemStats(&after)
	wantErr(t, err, "huge: labels: truncated: label 4 of 1073741824")
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("allocated %d bytes for a 2^30-image header", alloc)
	}

	// Labels present but images missing: still bounded.
	n := 100000
	b = bytes.Buffer{}
	binary.Write(&b, binary.BigEndian, []uint32{idxImagesMagic, uint32(n), 1 << 12, 1 << 12})
	img = b.Bytes()
	lbl = idxLabels(make([]byte, n)...)
	runtime.ReadMemStats(&before)
	_, err = ReadIDX(bytes.NewReader(img), bytes.NewReader(lbl), "huge")
	runtime.ReadMemStats(&after)
	wantErr(t, err, "huge: images: truncated: image 1 of 100000")
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 128<<20 {
		t.Errorf("allocated %d bytes for %d claimed images of 4096×4096", alloc, n)
	}
}
