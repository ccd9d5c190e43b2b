package text

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"testing"
)

// murmurKnown are murmurhash3_32(key, seed) for seeds 0, 1 and 2^32-1 as
// scikit-learn 1.2.1 (Debian's python3-sklearn) computes them.
var murmurKnown = []struct {
	key     string
	h0, h1  int32
	hMaxU32 int32
}{
	{"", 0, 1364076727, -2114883783},
	{"a", 1009084850, 1485495528, 711476519},
	{"ab", -1681926305, -1207461050, -1350713883},
	{"abc", -1277324294, -1435112961, -58670417},
	{"abcd", 1139631978, -1678424686, 729662808},
	{"abcde", -392455434, -5459685, -1991480460},
	{"foo", -156908512, 884891506, 1844504349},
	{"hello world", 1586663183, 1128525090, 1281490592},
	{"café", 605818632, -955206030, 1775270819},
	{"ad1u66pi", -2147483648, -1182633684, -76172615}, // hashes to -2^31
	{"the quick brown fox", 519850996, -1573154790, 1101888882},
}

func TestMurmur3Known(t *testing.T) {
	for _, k := range murmurKnown {
		for _, c := range []struct {
			seed uint32
			want int32
		}{{0, k.h0}, {1, k.h1}, {1<<32 - 1, k.hMaxU32}} {
			if got := Murmur3([]byte(k.key), c.seed); got != c.want {
				t.Errorf("Murmur3(%q, %d) = %d, want %d", k.key, c.seed, got, c.want)
			}
		}
	}
}

// TestMurmur3VsSklearn compares Murmur3 with scikit-learn's murmurhash3_32
// on 2,000 random keys of 0 to 70 bytes (every tail length, invalid UTF-8
// included).
func TestMurmur3VsSklearn(t *testing.T) {
	py := needSklearn(t)
	rng := rand.New(rand.NewPCG(1, 2))
	keys := make([][]byte, 2000)
	var in bytes.Buffer
	for i := range keys {
		k := make([]byte, rng.IntN(71))
		for j := range k {
			k[j] = byte(rng.UintN(256))
		}
		keys[i] = k
		in.WriteString(base64.StdEncoding.EncodeToString(k))
		in.WriteByte('\n')
	}
	sc := bufio.NewScanner(bytes.NewReader(oracle(t, py, in.Bytes(), "murmur")))
	n := 0
	for ; sc.Scan(); n++ {
		k := keys[n]
		got := fmt.Sprint(Murmur3(k, 0), Murmur3(k, 1), Murmur3(k, 1<<32-1))
		if got != sc.Text() {
			t.Fatalf("Murmur3(%x) for seeds 0, 1, 2^32-1: %s, scikit-learn %s", k, got, sc.Text())
		}
	}
	if n != len(keys) {
		t.Fatalf("%d answers for %d keys", n, len(keys))
	}
}

// TestMinInt32Hash pins scikit-learn's column for a hash of -2^31 (whose
// absolute value does not fit an int32): column 0, negative.
func TestMinInt32Hash(t *testing.T) {
	s := DefaultSettings()
	s.Norm = NoNorm
	for _, bits := range []int{1, 10, 20, MaxBits} {
		s.Bits = bits
		f, err := New(s)
		if err != nil {
			t.Fatal(err)
		}
		idx, val := f.AppendRow(nil, nil, "ad1u66pi AD1U66PI")
		if len(idx) != 1 || idx[0] != 0 || val[0] != -2 {
			t.Errorf("bits %d: %v %v, want [0] [-2]", bits, idx, val)
		}
	}
}
