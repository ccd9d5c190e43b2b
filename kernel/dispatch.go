package kernel

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
)

// backendID names an implementation of the kernel ops.
type backendID uint32

const (
	generic backendID = iota
	avx2
	avx512
	neon
	numBackends
)

var backendNames = [numBackends]string{
	generic: "generic",
	avx2:    "avx2",
	avx512:  "avx512",
	neon:    "neon",
}

func (b backendID) String() string { return backendNames[b] }

// active is the backend every op dispatches on. It is read with one atomic
// load per call (a plain MOV on amd64 and arm64), so Use is safe to call
// while other goroutines run ops.
var active atomic.Uint32

// usable lists the backends this CPU and this build can run, best first,
// always ending with generic. It is fixed at start-up.
var usable []backendID

func init() {
	usable = append(detect(), generic)
	active.Store(uint32(usable[0]))
	if env, ok := os.LookupEnv("MAXENT_BACKEND"); ok && env != "" {
		if err := Use(env); err != nil {
			fmt.Fprintf(os.Stderr, "maxent: MAXENT_BACKEND=%q: %v; using %q\n", env, err, usable[0])
		}
	}
}

// current returns the active backend.
func current() backendID { return backendID(active.Load()) }

// Backend returns the name of the active backend: "avx512", "avx2", "neon"
// or "generic".
func Backend() string { return current().String() }

// Available returns the backends usable on this CPU in this build, best
// first. The last element is always "generic". The result is a fresh slice.
func Available() []string {
	names := make([]string, len(usable))
	for i, b := range usable {
		names[i] = b.String()
	}
	return names
}

// Use switches the active backend to the named one (as returned by
// Available). It returns an error, and changes nothing, if the backend is
// unknown or cannot run here. It is meant for tests and benchmarks; at
// start-up the best backend is chosen, or the one named by the environment
// variable MAXENT_BACKEND.
func Use(name string) error {
	for _, b := range usable {
		if b.String() == name {
			active.Store(uint32(b))
			return nil
		}
	}
	for _, n := range backendNames {
		if n == name {
			return fmt.Errorf("kernel.Use: backend %q is not available on this CPU or in this build (available: %s)", name, strings.Join(Available(), ", "))
		}
	}
	return fmt.Errorf("kernel.Use: unknown backend %q (available: %s)", name, strings.Join(Available(), ", "))
}

// noGather turns the trainer's gather kernels off (tests compare the
// gather and copy paths; see gatherOK).
var noGather bool
