package kernel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// pool runs one function on a fixed number of shards, shard 0 on the
// calling goroutine and the others on goroutines started once (an
// objective evaluation or an epoch is too short to start goroutines for).
// A round costs a few hundred nanoseconds while the helpers are spinning:
// after a round they spin for up to spinRounds checks of the round counter
// before parking on their channel, so back-to-back rounds (L-BFGS's
// evaluations) never park. Within a round, sync separates phases (the
// steps of an SGD epoch).
//
// run allocates nothing: the function is fixed when the pool is made.
type pool struct {
	n     int
	fn    func(shard int)
	round atomic.Uint64 // incremented to start a round
	done  atomic.Int64  // helpers finished in the current round
	wake  []chan struct{}
	fin   chan struct{} // signalled by the last helper when the caller parked
	park  atomic.Bool   // the caller is parked on fin
	quit  atomic.Bool
	wg    sync.WaitGroup
	slept []atomic.Bool // helper i is parked on wake[i]
	// sync's barrier: arrivals in the current phase of a round, and the
	// phase count, incremented by the last arrival.
	arrived atomic.Int32
	phase   atomic.Uint32
}

// spinRounds is how many times a helper checks for the next round before
// parking: enough to bridge the gap between back-to-back rounds, few
// enough that an idle helper soon gives its core back.
const spinRounds = 20000

// newPool starts n−1 helper goroutines for fn. n < 1 is taken as 1.
func newPool(n int, fn func(shard int)) *pool {
	n = max(n, 1)
	p := &pool{n: n, fn: fn, wake: make([]chan struct{}, n), fin: make(chan struct{}, 1), slept: make([]atomic.Bool, n)}
	for i := 1; i < n; i++ {
		p.wake[i] = make(chan struct{}, 1)
		p.wg.Add(1)
		go p.helper(i)
	}
	return p
}

func (p *pool) helper(i int) {
	defer p.wg.Done()
	var seen uint64 // rounds started before this goroutine runs must still be served
	for {
		// Wait for the next round: spin, then park.
		spins := 0
		for p.round.Load() == seen {
			if p.quit.Load() {
				return
			}
			if spins++; spins < spinRounds {
				if spins%64 == 0 {
					runtime.Gosched()
				}
				continue
			}
			p.slept[i].Store(true)
			if p.round.Load() == seen && !p.quit.Load() {
				<-p.wake[i]
			} else {
				// A round started (or quit) before we parked; drain a
				// wake-up sent in the meantime, if any.
				select {
				case <-p.wake[i]:
				default:
				}
			}
			p.slept[i].Store(false)
			spins = 0
		}
		if p.quit.Load() {
			return
		}
		seen = p.round.Load()
		p.fn(i)
		if p.done.Add(1) == int64(p.n-1) && p.park.Load() {
			select {
			case p.fin <- struct{}{}:
			default:
			}
		}
	}
}

// run calls fn(0), …, fn(n−1) concurrently and returns when all are done.
func (p *pool) run() {
	if p.n == 1 {
		p.fn(0)
		return
	}
	p.done.Store(0)
	p.round.Add(1)
	for i := 1; i < p.n; i++ {
		if p.slept[i].Load() {
			select {
			case p.wake[i] <- struct{}{}:
			default:
			}
		}
	}
	p.fn(0)
	spins := 0
	for p.done.Load() != int64(p.n-1) {
		if spins++; spins < spinRounds {
			if spins%64 == 0 {
				runtime.Gosched()
			}
			continue
		}
		p.park.Store(true)
		if p.done.Load() != int64(p.n-1) {
			<-p.fin
		}
		p.park.Store(false)
		select { // a late signal from this round
		case <-p.fin:
		default:
		}
	}
}

// close stops the helpers and waits for them.
func (p *pool) close() {
	if p.n == 1 {
		return
	}
	p.quit.Store(true)
	for i := 1; i < p.n; i++ {
		select {
		case p.wake[i] <- struct{}{}:
		default:
		}
	}
	p.wg.Wait()
}

// sync, called by every shard of a round, returns when all of them have
// called it: a barrier between the phases of a round. The waiters spin
// (yielding now and then, so that it also works with fewer threads than
// shards): a round of a training step lasts microseconds.
func (p *pool) sync() {
	if p.n <= 1 {
		return
	}
	ph := p.phase.Load()
	if p.arrived.Add(1) == int32(p.n) {
		p.arrived.Store(0) // before the release: the next phase counts afresh
		p.phase.Add(1)
		return
	}
	for spins := 1; p.phase.Load() == ph; spins++ {
		if spins%64 == 0 {
			runtime.Gosched()
		}
	}
}

// defaultWorkers returns w, or GOMAXPROCS when w is 0.
func defaultWorkers(w int) int {
	if w == 0 {
		return runtime.GOMAXPROCS(0)
	}
	return w
}
