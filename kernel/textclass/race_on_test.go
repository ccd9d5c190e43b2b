//go:build race

package textclass

// raceOn: the race detector makes sync.Pool drop items, so allocations are
// not counted.
const raceOn = true
