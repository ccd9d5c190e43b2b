package main

import "fmt"

// newLabel returns a fresh label name with the given prefix.
func (f *Func) newLabel(prefix string) string {
	for i := 0; ; i++ {
		name := fmt.Sprintf("%s%d", prefix, i)
		if !f.labels[name] {
			return name
		}
	}
}

// lane pairs a pointer register with the vector whose lanes it fills or
// drains, four bytes per lane, post-incrementing the pointer.
type lane struct {
	p R
	v V
}

// loadLanes loads cnt ∈ {1, 2, 3} consecutive float32s from each pointer
// into lanes 0..cnt-1 of its vector (cnt must not be 0). With zeroFill the
// other lanes become +0 (lane 0 is loaded with FMOVS, which clears the
// rest of the register); otherwise they keep their contents. Exactly cnt
// elements are read: no access beyond the slices.
func (f *Func) loadLanes(cnt R, zeroFill bool, ls ...lane) {
	f.laneOps(cnt, false, zeroFill, ls)
}

// storeLanes stores lanes 0..cnt-1 of each vector to its pointer.
func (f *Func) storeLanes(cnt R, ls ...lane) {
	f.laneOps(cnt, true, false, ls)
}

func (f *Func) laneOps(cnt R, store, zeroFill bool, ls []lane) {
	done := f.newLabel("lanes")
	op := func(i int) {
		for _, l := range ls {
			switch {
			case store:
				f.I("VST1.P", l.v.Lane(i), l.p.Post(4))
			case i == 0 && zeroFill:
				f.I("FMOVS.P", l.p.Post(4), l.v.F())
			default:
				f.I("VLD1.P", l.p.Post(4), l.v.Lane(i))
			}
		}
	}
	op(0)
	f.I("CMP", "$2", cnt.String())
	f.I("BLT", done)
	op(1)
	f.I("BEQ", done)
	op(2)
	f.Label(done)
}

// zero clears each vector.
func (c *Code) zero(vs ...V) {
	for _, v := range vs {
		c.I("VEOR", v.B16(), v.B16(), v.B16())
	}
}

// fmla appends d += n·m (fused, one rounding).
func (c *Code) fmla(d, n, m V) { c.I("VFMLA", m.S4(), n.S4(), d.S4()) }

// mov copies s to d.
func (c *Code) mov(d, s V) { c.I("VMOV", s.B16(), d.B16()) }

// dup broadcasts lane i of s to every lane of d.
func (c *Code) dup(d, s V, i int) { c.I("VDUP", s.Lane(i), d.S4()) }

// flush32to64 adds the four float32 lanes of each accumulator in accs,
// widened exactly to float64, to the two float64 lanes of acc64, using
// tmp (4 registers per accumulator) as scratch. The float64 additions are
// done pairwise.
func (c *Code) flush32to64(acc64 V, accs []V, tmp []V) {
	if len(tmp) < 2*len(accs) {
		panic("flush: not enough temporaries")
	}
	var parts []V
	for i, a := range accs {
		lo, hi := tmp[2*i], tmp[2*i+1]
		c.W(FCVTL(lo.n(), a.n()))
		c.W(FCVTL2(hi.n(), a.n()))
		parts = append(parts, lo, hi)
	}
	for len(parts) > 1 {
		var next []V
		for i := 0; i+1 < len(parts); i += 2 {
			c.W(FADD(Arr2D, parts[i].n(), parts[i].n(), parts[i+1].n()))
			next = append(next, parts[i])
		}
		if len(parts)%2 == 1 {
			next = append(next, parts[len(parts)-1])
		}
		parts = next
	}
	c.W(FADD(Arr2D, acc64.n(), acc64.n(), parts[0].n()))
}

// takeChunk sets dst = min(src, k) (signed) and src -= dst.
func (f *Func) takeChunk(src, dst R, k int) {
	f.I("MOVD", fmt.Sprintf("$%d", k), dst.String())
	f.I("CMP", dst.String(), src.String())
	f.I("CSEL", "LT", src.String(), dst.String(), dst.String())
	f.I("SUB", dst.String(), src.String(), src.String())
}
