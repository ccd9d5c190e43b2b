package main

import (
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/arch/arm64/arm64asm"
)

// decode returns arm64asm's spelling of w.
func decode(t *testing.T, w uint32) string {
	t.Helper()
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], w)
	inst, err := arm64asm.Decode(b[:])
	if err != nil {
		t.Fatalf("decode %#08x: %v", w, err)
	}
	return inst.String()
}

// normAsm normalises an ARM-syntax instruction for comparison: upper case,
// single spaces, no space after commas.
func normAsm(s string) string {
	s = strings.ToUpper(strings.Join(strings.Fields(s), " "))
	return strings.ReplaceAll(s, ", ", ",")
}

// TestEncodeKnown checks every encoder against words produced by GNU as
// (binutils-aarch64-linux-gnu 2.44: aarch64-linux-gnu-as, then objdump -d).
func TestEncodeKnown(t *testing.T) {
	cases := []struct {
		w    Word
		want uint32
		gnu  string // the source line given to GNU as
	}{
		{FADD(Arr4S, 0, 1, 2), 0x4e22d420, "fadd v0.4s, v1.4s, v2.4s"},
		{FADD(Arr2D, 31, 17, 9), 0x4e69d63f, "fadd v31.2d, v17.2d, v9.2d"},
		{FADD(Arr2S, 3, 4, 5), 0x0e25d483, "fadd v3.2s, v4.2s, v5.2s"},
		{FSUB(Arr4S, 7, 8, 30), 0x4ebed507, "fsub v7.4s, v8.4s, v30.4s"},
		{FMUL(Arr4S, 19, 0, 25), 0x6e39dc13, "fmul v19.4s, v0.4s, v25.4s"},
		{FADDP(Arr2D, 15, 16, 28), 0x6e7cd60f, "faddp v15.2d, v16.2d, v28.2d"},
		{FCMEQ(Arr4S, 6, 0, 0), 0x4e20e406, "fcmeq v6.4s, v0.4s, v0.4s"},
		{FCMGE(Arr4S, 10, 1, 29), 0x6e3de42a, "fcmge v10.4s, v1.4s, v29.4s"},
		{FCMGT(Arr4S, 11, 1, 30), 0x6ebee42b, "fcmgt v11.4s, v1.4s, v30.4s"},
		{FCVTL(6, 2), 0x0e617846, "fcvtl v6.2d, v2.2s"},
		{FCVTL2(8, 2), 0x4e617848, "fcvtl2 v8.2d, v2.4s"},
		{FCVTN(0, 28), 0x0e616b80, "fcvtn v0.2s, v28.2d"},
		{FCVTN2(0, 29), 0x4e616ba0, "fcvtn2 v0.4s, v29.2d"},
		{FADDPD(0, 20), 0x7e70da80, "faddp d0, v20.2d"},
		{FADDPD(31, 1), 0x7e70d83f, "faddp d31, v1.2d"},
		{FMLAElem(Arr4S, 8, 0, 4, 0), 0x4f841008, "fmla v8.4s, v0.4s, v4.s[0]"},
		{FMLAElem(Arr4S, 31, 17, 25, 3), 0x4fb91a3f, "fmla v31.4s, v17.4s, v25.s[3]"},
		{FMLAElem(Arr4S, 9, 1, 20, 1), 0x4fb41029, "fmla v9.4s, v1.4s, v20.s[1]"},
		{FMLAElem(Arr2S, 3, 5, 16, 2), 0x0f9018a3, "fmla v3.2s, v5.2s, v16.s[2]"},
	}
	for _, c := range cases {
		if c.w.Bits != c.want {
			t.Errorf("%s: encoded %#08x, GNU as gives %#08x", c.gnu, c.w.Bits, c.want)
		}
		if normAsm(c.w.Asm) != normAsm(c.gnu) {
			t.Errorf("%#08x: spelled %q, want %q", c.want, c.w.Asm, c.gnu)
		}
	}
}

// TestEncodeRoundTrip decodes every encoder's output for random registers
// and compares the decoded instruction with the encoder's own spelling.
func TestEncodeRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	three := map[string]func(Arr, int, int, int) Word{
		"FADD": FADD, "FSUB": FSUB, "FMUL": FMUL, "FADDP": FADDP,
		"FCMEQ": FCMEQ, "FCMGE": FCMGE, "FCMGT": FCMGT,
	}
	two := map[string]func(int, int) Word{
		"FCVTL": FCVTL, "FCVTL2": FCVTL2, "FCVTN": FCVTN, "FCVTN2": FCVTN2, "FADDPD": FADDPD,
	}
	for i := 0; i < 2000; i++ {
		d, n, m := rng.IntN(32), rng.IntN(32), rng.IntN(32)
		for name, enc := range three {
			for _, arr := range []Arr{Arr2S, Arr4S, Arr2D} {
				w := enc(arr, d, n, m)
				if got := decode(t, w.Bits); normAsm(got) != normAsm(w.Asm) {
					t.Fatalf("%s(%v, %d, %d, %d) = %#08x decodes as %q, spelled %q", name, arr, d, n, m, w.Bits, got, w.Asm)
				}
			}
		}
		for _, arr := range []Arr{Arr2S, Arr4S} {
			idx := rng.IntN(4)
			w := FMLAElem(arr, d, n, m, idx)
			if got := decode(t, w.Bits); normAsm(got) != normAsm(w.Asm) {
				t.Fatalf("FMLAElem(%v, %d, %d, %d, %d) = %#08x decodes as %q, spelled %q", arr, d, n, m, idx, w.Bits, got, w.Asm)
			}
		}
		for name, enc := range two {
			w := enc(d, n)
			if got := decode(t, w.Bits); normAsm(got) != normAsm(w.Asm) {
				t.Fatalf("%s(%d, %d) = %#08x decodes as %q, spelled %q", name, d, n, w.Bits, got, w.Asm)
			}
		}
	}
}

func TestEncodeBadRegister(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("FADD with V32 did not panic")
		}
	}()
	FADD(Arr4S, 32, 0, 0)
}
