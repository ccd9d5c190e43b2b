//go:build linux

package data

import (
	"io/fs"
	"os"
	"syscall"
)

// procFS returns the root directory, where /proc and /sys are.
func procFS() fs.FS { return os.DirFS("/") }

// rlimitAS returns the soft limit of the process's address space, or
// ok = false if it is unknown or unlimited.
func rlimitAS() (uint64, bool) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &rl); err != nil {
		return 0, false
	}
	// RLIM_INFINITY is all ones (also as translated from 32-bit values).
	return rl.Cur, rl.Cur < 1<<62
}
