//go:build !linux

package data

import "io/fs"

// procFS returns nil: there is no /proc to read.
func procFS() fs.FS { return nil }

// rlimitAS returns ok = false: the limit is not read on this system.
func rlimitAS() (uint64, bool) { return 0, false }
