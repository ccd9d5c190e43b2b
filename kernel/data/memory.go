package data

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"math"
	"path"
	"strconv"
	"strings"
	"sync/atomic"
)

// The memory budget: before the loaders allocate a data set's dense matrix
// they compare its size with a budget and return a *MemoryError instead of
// letting the process die of an out-of-memory error. By default the budget
// is what AvailableMemory reports at the time of each check; SetMemoryBudget
// fixes it or turns the checks off.

// budgetSetting is the value last given to SetMemoryBudget.
var budgetSetting atomic.Int64

// SetMemoryBudget sets the memory budget, in bytes, of the loaders (ReadCSV,
// ReadLIBSVM, ReadIDX and Open) and of CheckMemory, and returns the previous
// setting, so that
//
//	defer data.SetMemoryBudget(data.SetMemoryBudget(1 << 30))
//
// sets a budget for a while. A positive value is the budget. 0, the
// initial setting, means what AvailableMemory reports when a check is made
// (no budget if it reports nothing). A negative value turns the checks off.
// It is safe to call concurrently with loading.
func SetMemoryBudget(bytes int64) (previous int64) {
	return budgetSetting.Swap(bytes)
}

// MemoryBudget returns the budget that a check made now would use, in
// bytes, and where it comes from ("set by SetMemoryBudget" or the source
// reported by AvailableMemory). ok is false if there is none: the checks
// are off, or the setting is the default and AvailableMemory knows nothing.
func MemoryBudget() (bytes int64, source string, ok bool) {
	switch s := budgetSetting.Load(); {
	case s > 0:
		return s, "set by SetMemoryBudget", true
	case s < 0:
		return 0, "", false
	}
	return AvailableMemory()
}

// AvailableMemory reports how many bytes this process may still allocate,
// as far as the system tells, and which limit that is. On Linux it is the
// smallest of
//
//   - MemAvailable in /proc/meminfo (memory the system can give without
//     swapping);
//   - the RLIMIT_AS soft limit ("ulimit -v"), if not unlimited, less the
//     address space the process already has (VmSize in /proc/self/status:
//     a Go process reserves about 1 GiB at start);
//   - for the process's cgroup and each cgroup above it that has a memory
//     limit (v2 memory.max, v1 memory.limit_in_bytes), the limit less what
//     the cgroup uses (memory.current or memory.usage_in_bytes) apart from
//     inactive file cache (memory.stat), which the kernel reclaims first;
//
// and, on every system, at most 2 GiB on a 32-bit platform (the address
// space). ok is false when none of these is known: on systems other than
// Linux with 64-bit addresses, or when /proc cannot be read. Each call reads
// the files anew (a few tens of microseconds).
func AvailableMemory() (bytes int64, source string, ok bool) {
	m := memLimits{}
	m.addProc(procFS(), rlimitAS)
	if ^uint(0)>>32 == 0 {
		m.add(2<<30, "the 32-bit address space")
	}
	return m.bytes, m.source, m.ok
}

// CheckMemory reports whether need more bytes fit in the memory budget (see
// MemoryBudget): it returns nil if they do or if there is no budget, and a
// *MemoryError describing what (a noun phrase, such as "the scaled copy of
// the training data (60,000 rows × 784 columns × 4 bytes)") otherwise.
//
// Each check compares one estimate with the budget. With the default
// budget, which is what the system can still give, need should be what is
// yet to be allocated, not what is already in use; with a fixed budget
// (SetMemoryBudget), it is natural to check a total. The loaders check the
// size of the matrix they build (see DenseBytes) before allocating it; while
// they join the chunks of a text file's rows they briefly hold up to twice
// that.
func CheckMemory(need int64, what string) error {
	return checkMemory(need, what, "")
}

// checkMemory is CheckMemory with a hint for the error.
func checkMemory(need int64, what, hint string) error {
	budget, source, ok := MemoryBudget()
	if !ok || need <= budget {
		return nil
	}
	return &MemoryError{What: what, Need: need, Budget: budget, Source: source, Hint: hint}
}

// MemoryError reports that an allocation would exceed the memory budget.
// Its message has the form
//
//	What needs Need, more than the Budget this process may use (Source): Hint
//
// with byte counts in binary units ("7.5 GiB"); the Hint part is left out
// when empty.
type MemoryError struct {
	What   string // what needs the memory, a noun phrase
	Need   int64  // bytes needed
	Budget int64  // bytes of the budget
	Source string // where the budget comes from (see MemoryBudget)
	Hint   string // what to do about it, or ""
}

// Error implements the error interface.
func (e *MemoryError) Error() string {
	need, budget := FormatBytes(e.Need), FormatBytes(e.Budget)
	if need == budget {
		need, budget = groupDigits(e.Need)+" bytes", groupDigits(e.Budget)+" bytes"
	}
	s := fmt.Sprintf("%s needs %s, more than the %s this process may use (%s)", e.What, need, budget, e.Source)
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

// DenseBytes returns the size in bytes of the float32 data of a rows×cols
// matrix as kernel.NewMatrix and the loaders allocate it: each row padded
// to a multiple of 16 columns. It saturates at math.MaxInt64, and is 0 if
// either dimension is not positive.
func DenseBytes(rows, cols int) int64 {
	if rows <= 0 || cols <= 0 {
		return 0
	}
	stride := (uint64(cols) + 15) &^ 15
	if stride > math.MaxInt64/4/uint64(rows) {
		return math.MaxInt64
	}
	return int64(uint64(rows) * stride * 4)
}

// denseWhat describes a dense matrix of rows rows (at least that many if
// atLeast) of cols columns padded to stride, for a MemoryError.
func denseWhat(rows, cols, stride int, atLeast bool) string {
	r := groupDigits(int64(rows)) + " rows"
	if rows == 1 {
		r = "1 row"
	}
	if atLeast {
		r = "at least " + r
	}
	c := groupDigits(int64(stride)) + " columns"
	if stride != cols {
		c += " (" + groupDigits(int64(cols)) + " padded to a multiple of 16)"
	}
	return "the dense matrix (" + r + " × " + c + " × 4 bytes)"
}

// FormatBytes formats a byte count in binary units with one decimal: "512
// bytes", "1.5 KiB", "7.5 GiB".
func FormatBytes(n int64) string {
	if n > -1024 && n < 1024 {
		return strconv.FormatInt(n, 10) + " bytes"
	}
	v, unit := float64(n), 0
	for math.Abs(v) >= 1024 && unit < 6 {
		v /= 1024
		unit++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + "KMGTPE"[unit-1:unit] + "iB"
}

// groupDigits formats n with commas between groups of three digits.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}

// memLimits collects limits and keeps the smallest.
type memLimits struct {
	bytes  int64
	source string
	ok     bool
}

// add considers a limit of n bytes (clamped at 0).
func (m *memLimits) add(n int64, source string) {
	n = max(n, 0)
	if !m.ok || n < m.bytes {
		m.bytes, m.source, m.ok = n, source, true
	}
}

// addProc adds the limits that the Linux files of fsys (a view of the root
// directory: "proc/meminfo", "sys/fs/cgroup/...") and rlimit tell. rlimit
// returns the RLIMIT_AS soft limit, or ok = false if it is unlimited or
// unknown. fsys may be nil.
func (m *memLimits) addProc(fsys fs.FS, rlimit func() (uint64, bool)) {
	if fsys == nil {
		return
	}
	if kb, ok := procField(fsys, "proc/meminfo", "MemAvailable:"); ok {
		m.add(kb<<10, "MemAvailable in /proc/meminfo")
	}
	if lim, ok := rlimit(); ok && lim < 1<<62 {
		used, _ := procField(fsys, "proc/self/status", "VmSize:")
		m.add(int64(lim)-used<<10, "the RLIMIT_AS soft limit (ulimit -v) less the address space in use")
	}
	cg, err := fs.ReadFile(fsys, "proc/self/cgroup")
	if err != nil {
		return
	}
	for line := range strings.SplitSeq(string(cg), "\n") {
		// hierarchy-ID:controller-list:cgroup-path
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			m.addCgroup(fsys, "sys/fs/cgroup", parts[2], "memory.max", "memory.current", "inactive_file")
		case hasController(parts[1], "memory"):
			m.addCgroup(fsys, "sys/fs/cgroup/memory", parts[2], "memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file")
		}
	}
}

// hasController reports whether the comma-separated list has name.
func hasController(list, name string) bool {
	for c := range strings.SplitSeq(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// addCgroup adds the limits of cgroup dir (as in /proc/self/cgroup) and of
// the cgroups above it, under mount: each one's limit file less its usage
// file less the inactive entry of its memory.stat. When the directory of
// dir is not there (a container that sees its own cgroup at the mount
// point), the mount point alone is read.
func (m *memLimits) addCgroup(fsys fs.FS, mount, dir, limitFile, usageFile, inactiveKey string) {
	d := path.Join(mount, dir)
	if fi, err := fs.Stat(fsys, d); err != nil || !fi.IsDir() {
		d = mount
	}
	for {
		if lim, ok := readCgroupInt(fsys, path.Join(d, limitFile)); ok && lim < 1<<62 {
			used, _ := readCgroupInt(fsys, path.Join(d, usageFile))
			inactive, _ := procField(fsys, path.Join(d, "memory.stat"), inactiveKey+" ")
			name := "/" + strings.TrimPrefix(strings.TrimPrefix(d, mount), "/")
			m.add(lim-max(used-inactive, 0), "the memory limit of cgroup "+name+" ("+limitFile+") less its usage")
		}
		if d == mount {
			return
		}
		d = path.Dir(d)
	}
}

// readCgroupInt reads a file holding one integer ("max" is not one).
func readCgroupInt(fsys fs.FS, name string) (int64, bool) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
	return v, err == nil && v >= 0
}

// procField returns the integer after key on the first line of file name
// that starts with key ("MemAvailable:   24288688 kB" gives 24288688).
func procField(fsys fs.FS, name, key string) (int64, bool) {
	f, err := fsys.Open(name)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), key)
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return 0, false
		}
		v, err := strconv.ParseInt(fields[0], 10, 64)
		return v, err == nil && v >= 0
	}
	return 0, false
}
