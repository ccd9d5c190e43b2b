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
			envErr = fmt.Errorf("MAXENT_BACKEND=%q: %w; using %q", env, err, usable[0])
		}
	}
}

// envErr is why the backend MAXENT_BACKEND names is not in use (nil: it
// is, or none is named).
var envErr error

// EnvError reports why the backend that the environment variable
// MAXENT_BACKEND names could not be selected at start-up (the best backend
// is used instead), or nil. The package writes nothing itself: a program
// may show it (the maxent command does, on stderr).
func EnvError() error { return envErr }

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
// unknown or cannot run here. It is meant for tests and benchmarks that
// compare backends, not for services (the switch is global to the
// process); at start-up the best backend is chosen, or the one named by
// the environment variable MAXENT_BACKEND (see EnvError).
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

// chunk is the most elements one assembly call processes: a bound on the
// time a call cannot be preempted (microseconds on the slowest op).
const chunk = 1 << 16
