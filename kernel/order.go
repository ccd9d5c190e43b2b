package kernel

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// order draws the SGD trainer's row orders: for every epoch a fresh,
// uniformly random permutation of the n rows, with the rows' labels
// alongside.
//
// Fisher–Yates over the n positions reads and writes them at random.
// During training, with the rows' memory traffic filling the caches and
// the miss queues, those accesses miss the caches, and the draw cost
// several times what it does in isolation (docs/performance.md). order
// uses Rao and Sandelius's method instead, whose random accesses stay
// within one bucket small enough for L1:
//
//  1. assign: every row gets one of B = 2^bbits buckets uniformly at
//     random (bbits bits of a 64-bit draw each);
//  2. place: the rows go, in row order, to the next free position of
//     their bucket's segment (the segments in bucket order), their labels
//     alongside: y is read in order and B positions are written;
//  3. mix: each segment is shuffled by Fisher–Yates (j from 32 random
//     bits, see below), positions and labels together.
//
// The result is uniform: given the bucket sizes n_b, the rows of bucket b
// are each set of n_b rows with probability Π n_b!/n!, and come in each
// order with probability 1/Π n_b!, so every permutation has probability
// 1/n!. B is chosen for segments of at most about 1024 rows (at most 256
// buckets): 64 for 60,000 rows, 1 (plain Fisher–Yates) up to 1024 rows.
//
// The draw goes in units (a row assigned, placed or mixed, or a segment
// finished) so that it can be spread over an epoch's steps; where it is
// split does not change the result.
type order struct {
	n, bbits int
	bkt      []uint8 // bucket of each row (with bbits > 0)
	seg      []int   // seg[b]: the first position of bucket b's segment; seg[B] = n
	next     []int   // next[b]: bucket b's next free position while placing
	phase    int     // 0 assign, 1 place, 2 mix, 3 done
	cur      int     // assign, place: the next row; mix: the bucket being mixed
	mi       int     // mix: the next Fisher–Yates position of the segment, −1 before it starts
	bits     uint64  // undrawn bits of the last 64-bit draw (assign, mix)
	nbits    int
}

// orderSegment is the segment length order aims at: rows and labels of
// one segment (8 KiB) stay in L1 while it is mixed.
const orderSegment = 1024

func newOrder(n int) order {
	o := order{n: n, phase: 3}
	for n>>o.bbits > orderSegment && o.bbits < 8 {
		o.bbits++
	}
	o.setBuckets(o.bbits)
	return o
}

// setBuckets sets the number of buckets to 2^bbits (tests use more than
// the rows need).
func (o *order) setBuckets(bbits int) {
	o.bbits = bbits
	o.bkt = nil
	if bbits > 0 {
		o.bkt = make([]uint8, o.n)
	}
	o.seg, o.next = make([]int, 1<<bbits+1), make([]int, 1<<bbits)
}

// units is the number of units of a whole draw.
func (o *order) units() int {
	u := 2*o.n + len(o.next)
	if o.bbits > 0 {
		u += o.n
	}
	return u
}

// start begins a new draw.
func (o *order) start() {
	o.phase, o.cur, o.nbits = 0, 0, 0
}

// draw takes up to budget more units of the draw (math.MaxInt: all of
// them), writing the order into perm and the labels y[perm[i]] into lab
// (len(perm) == len(lab) == len(y) == n < 2³²), from rng. 32-bit rows and
// labels halve the memory the draw touches during an epoch, where it
// competes with the rows' traffic for the caches.
func (o *order) draw(rng *rand.PCG, perm []uint32, lab, y []int32, budget int) {
	perm, lab, y = perm[:o.n], lab[:o.n], y[:o.n]
	for budget > 0 && o.phase < 3 {
		switch o.phase {
		case 0:
			budget = o.assign(rng, budget)
		case 1:
			budget = o.place(perm, lab, y, budget)
		case 2:
			budget = o.mix(rng, perm, lab, budget)
		}
	}
}

// assign draws the buckets of up to budget more rows, and returns what is
// left of the budget.
func (o *order) assign(rng *rand.PCG, budget int) int {
	e := min(o.n, o.cur+min(budget, o.n))
	if o.bbits > 0 {
		bb, mask := o.bbits, uint64(1)<<o.bbits-1
		bits, nbits := o.bits, o.nbits
		bkt := o.bkt[o.cur:e]
		for i := range bkt {
			if nbits < bb {
				bits, nbits = rng.Uint64(), 64
			}
			bkt[i] = uint8(bits & mask)
			bits >>= bb
			nbits -= bb
		}
		o.bits, o.nbits = bits, nbits
		budget -= e - o.cur
		o.cur = e
	} else {
		o.cur = o.n
	}
	if o.cur == o.n {
		o.toPlace()
	}
	return budget
}

// place puts up to budget more rows (and their labels) into their
// buckets' segments of perm and lab.
func (o *order) place(perm []uint32, lab, y []int32, budget int) int {
	e := min(o.n, o.cur+min(budget, o.n))
	if o.bbits > 0 {
		for i := o.cur; i < e; i++ {
			b := o.bkt[i]
			p := o.next[b]
			o.next[b] = p + 1
			perm[p], lab[p] = uint32(i), y[i]
		}
	} else {
		for i := o.cur; i < e; i++ {
			perm[i], lab[i] = uint32(i), y[i]
		}
	}
	budget -= e - o.cur
	o.cur = e
	if o.cur == o.n {
		o.phase, o.cur, o.mi = 2, 0, -1
	}
	return budget
}

// mix takes up to budget more Fisher–Yates swaps within the current
// segment (and one unit to move to the next).
func (o *order) mix(rng *rand.PCG, perm []uint32, lab []int32, budget int) int {
	lo := o.seg[o.cur]
	if o.mi < 0 {
		o.mi = o.seg[o.cur+1] - 1
	}
	i := o.mi
	bits, nbits := o.bits, o.nbits
	for ; i > lo && budget > 0; i, budget = i-1, budget-1 {
		// j uniform in [lo, i]: Lemire's multiply with rejection on 32
		// random bits (half of a draw of rng).
		n := uint64(i - lo + 1)
		var r uint64
		if n > math.MaxUint32 { // over 2⁴⁰ rows
			r = uint64n(rng, n)
		} else {
			for {
				if nbits < 32 {
					bits, nbits = rng.Uint64(), 64
				}
				m := (bits & math.MaxUint32) * n
				bits >>= 32
				nbits -= 32
				if frac := uint32(m); frac >= uint32(n) || frac >= -uint32(n)%uint32(n) {
					r = m >> 32
					break
				}
			}
		}
		j := lo + int(r)
		perm[i], perm[j] = perm[j], perm[i]
		lab[i], lab[j] = lab[j], lab[i]
	}
	o.bits, o.nbits = bits, nbits
	o.mi = i
	if i <= lo && budget > 0 { // the segment is done
		budget--
		o.cur, o.mi = o.cur+1, -1
		if o.cur == len(o.next) {
			o.phase = 3
		}
	}
	return budget
}

// toPlace ends the assignment: the segments from the bucket sizes.
func (o *order) toPlace() {
	clear(o.next)
	if o.bbits > 0 {
		for _, b := range o.bkt {
			o.next[b]++
		}
	} else {
		o.next[0] = o.n
	}
	p := 0
	for b, c := range o.next {
		o.seg[b], o.next[b] = p, p
		p += c
	}
	o.seg[len(o.next)] = p
	o.phase, o.cur = 1, 0
}

// uint64n returns a uniform value in [0, n) from src, n > 0, drawing what
// rand.Rand.Uint64N draws from the same source: Lemire's multiply with
// rejection (math/rand/v2 computes the same values on 32-bit systems).
func uint64n(src *rand.PCG, n uint64) uint64 {
	if n&(n-1) == 0 { // a power of two: mask
		return src.Uint64() & (n - 1)
	}
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}
