package data

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// TestMemoryBudgetDefault checks that the default budget is derived from
// the machine: on Linux, a positive number no larger than the memory
// installed.
func TestMemoryBudgetDefault(t *testing.T) {
	defer SetMemoryBudget(SetMemoryBudget(0))
	n, src, ok := MemoryBudget()
	an, asrc, aok := AvailableMemory()
	t.Logf("budget %s (%s); available %s (%s)", FormatBytes(n), src, FormatBytes(an), asrc)
	if runtime.GOOS != "linux" {
		t.Skip("AvailableMemory reads Linux files")
	}
	if !ok || !aok || n <= 0 || src == "" || src != asrc {
		t.Fatalf("MemoryBudget() = %d, %q, %v; AvailableMemory() = %d, %q, %v", n, src, ok, an, asrc, aok)
	}
	if total, ok := procField(os.DirFS("/"), "proc/meminfo", "MemTotal:"); ok && n > total<<10 {
		t.Errorf("budget %d is more than MemTotal %d kB", n, total)
	}
}

func TestSetMemoryBudget(t *testing.T) {
	defer SetMemoryBudget(SetMemoryBudget(1000))
	if prev := SetMemoryBudget(2000); prev != 1000 {
		t.Errorf("previous setting %d, want 1000", prev)
	}
	if n, src, ok := MemoryBudget(); n != 2000 || src != "set by SetMemoryBudget" || !ok {
		t.Errorf("MemoryBudget() = %d, %q, %v", n, src, ok)
	}
	if err := CheckMemory(2000, "x"); err != nil {
		t.Error(err)
	}
	err := CheckMemory(2001, "the model (3 × 4 weights × 8 bytes)")
	var me *MemoryError
	if !errors.As(err, &me) || me.Need != 2001 || me.Budget != 2000 {
		t.Fatalf("got %v", err)
	}
	// Equal when rounded: exact counts.
	if want := "the model (3 × 4 weights × 8 bytes) needs 2,001 bytes, more than the 2,000 bytes this process may use (set by SetMemoryBudget)"; err.Error() != want {
		t.Errorf("got  %s\nwant %s", err, want)
	}
	SetMemoryBudget(-1)
	if _, _, ok := MemoryBudget(); ok {
		t.Error("a negative setting leaves a budget")
	}
	if err := CheckMemory(math.MaxInt64, "x"); err != nil {
		t.Errorf("checks off: %v", err)
	}
}

func TestMemoryErrorFormat(t *testing.T) {
	e := &MemoryError{What: "the dense matrix (2 rows × 1,000,000,000 columns × 4 bytes)", Need: 8e9, Budget: 8375000000,
		Source: "MemAvailable in /proc/meminfo", Hint: "use fewer columns"}
	want := "the dense matrix (2 rows × 1,000,000,000 columns × 4 bytes) needs 7.5 GiB, more than the 7.8 GiB this process may use (MemAvailable in /proc/meminfo): use fewer columns"
	if e.Error() != want {
		t.Errorf("got  %s\nwant %s", e, want)
	}
	for n, want := range map[int64]string{
		0: "0 bytes", 1023: "1023 bytes", 1024: "1.0 KiB", 1536: "1.5 KiB", 8e9: "7.5 GiB",
		1 << 40: "1.0 TiB", math.MaxInt64: "8.0 EiB", -2048: "-2.0 KiB",
	} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1234567: "-1,234,567", 1e9: "1,000,000,000"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
	for _, tc := range []struct {
		rows, cols int
		want       int64
	}{
		{2, 1e9, 8e9}, {1, 1, 64}, {3, 17, 3 * 32 * 4}, {0, 5, 0}, {5, 0, 0}, {-1, 5, 0},
		{math.MaxInt, math.MaxInt, math.MaxInt64},
	} {
		if got := DenseBytes(tc.rows, tc.cols); got != tc.want {
			t.Errorf("DenseBytes(%d, %d) = %d, want %d", tc.rows, tc.cols, got, tc.want)
		}
	}
	if got, want := denseWhat(3, 785, 800, true), "the dense matrix (at least 3 rows × 800 columns (785 padded to a multiple of 16) × 4 bytes)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestAvailableMemoryFiles reads the limits from made-up /proc and /sys
// files.
func TestAvailableMemoryFiles(t *testing.T) {
	const meminfo = "MemTotal:       24683772 kB\nMemFree:        23417460 kB\nMemAvailable:   8000000 kB\n"
	noLimit := func() (uint64, bool) { return 0, false }
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	for _, tc := range []struct {
		name   string
		fs     fstest.MapFS
		rlimit func() (uint64, bool)
		bytes  int64
		source string
	}{
		{"meminfo only", fstest.MapFS{"proc/meminfo": file(meminfo)}, noLimit, 8000000 << 10, "MemAvailable in /proc/meminfo"},
		{"nothing", fstest.MapFS{}, noLimit, -1, ""},
		{"rlimit", fstest.MapFS{"proc/meminfo": file(meminfo), "proc/self/status": file("Name:\tx\nVmSize:\t 1226928 kB\n")},
			func() (uint64, bool) { return 2 << 30, true }, 2<<30 - 1226928<<10, "the RLIMIT_AS soft limit (ulimit -v) less the address space in use"},
		{"rlimit below use", fstest.MapFS{"proc/self/status": file("VmSize:\t 4000000 kB\n")},
			func() (uint64, bool) { return 1 << 30, true }, 0, "the RLIMIT_AS soft limit"},
		{"cgroup v2 nested", fstest.MapFS{
			"proc/meminfo":                             file(meminfo),
			"proc/self/cgroup":                         file("0::/a/b\n"),
			"sys/fs/cgroup/a/b/memory.max":             file("max\n"),
			"sys/fs/cgroup/a/b/memory.current":         file("1000\n"),
			"sys/fs/cgroup/a/memory.max":               file("3000000000\n"),
			"sys/fs/cgroup/a/memory.current":           file("1000000000\n"),
			"sys/fs/cgroup/a/memory.stat":              file("anon 1\nactive_file 5\ninactive_file 200000000\n"),
			"sys/fs/cgroup/memory.stat":                file("inactive_file 1\n"),
			"sys/fs/cgroup/a/b/memory.stat":            file("inactive_file 0\n"),
			"sys/fs/cgroup/cgroup.controllers":         file("memory\n"),
			"sys/fs/cgroup/a/b/cgroup.controllers":     file("memory\n"),
			"sys/fs/cgroup/a/cgroup.subtree_control":   file("memory\n"),
			"sys/fs/cgroup/a/b/cgroup.subtree_control": file(""),
		}, noLimit, 3000000000 - 800000000, "the memory limit of cgroup /a (memory.max) less its usage"},
		{"cgroup v2 in a namespace", fstest.MapFS{
			"proc/self/cgroup":             file("0::/\n"),
			"sys/fs/cgroup/memory.max":     file("536870912\n"),
			"sys/fs/cgroup/memory.current": file("100\n"),
		}, noLimit, 536870912 - 100, "the memory limit of cgroup / (memory.max) less its usage"},
		{"cgroup v2 path not mounted", fstest.MapFS{
			"proc/self/cgroup":             file("0::/docker/abc\n"),
			"sys/fs/cgroup/memory.max":     file("1000\n"),
			"sys/fs/cgroup/memory.current": file("2000\n"),
		}, noLimit, 0, "the memory limit of cgroup / (memory.max) less its usage"},
		{"cgroup v1", fstest.MapFS{
			"proc/meminfo":     file(meminfo),
			"proc/self/cgroup": file("9:name=systemd:/\n5:devices:/\n4:cpu,memory:/p/q\n1:cpu:/\n0::/\n"),
			"sys/fs/cgroup/memory/memory.limit_in_bytes":     file("9223372036854771712\n"),
			"sys/fs/cgroup/memory/p/memory.limit_in_bytes":   file("9223372036854771712\n"),
			"sys/fs/cgroup/memory/p/q/memory.limit_in_bytes": file("4294967296\n"),
			"sys/fs/cgroup/memory/p/q/memory.usage_in_bytes": file("1073741824\n"),
			"sys/fs/cgroup/memory/p/q/memory.stat":           file("cache 5\ninactive_file 7\ntotal_inactive_file 536870912\n"),
		}, noLimit, 4294967296 - 536870912, "the memory limit of cgroup /p/q (memory.limit_in_bytes) less its usage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m memLimits
			m.addProc(tc.fs, tc.rlimit)
			if tc.bytes < 0 {
				if m.ok {
					t.Fatalf("got %d (%s), want nothing", m.bytes, m.source)
				}
				return
			}
			if !m.ok || m.bytes != tc.bytes || !strings.HasPrefix(m.source, tc.source) {
				t.Fatalf("got %d, %q, %v; want %d, %q", m.bytes, m.source, m.ok, tc.bytes, tc.source)
			}
		})
	}
	var m memLimits
	m.addProc(nil, noLimit)
	if m.ok {
		t.Error("nil file system gives a limit")
	}
}

// noAlloc runs f and fails if it allocates more than limit bytes or takes
// longer than a second.
func noAlloc(t *testing.T, limit uint64, f func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	f()
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > limit {
		t.Errorf("allocated %d bytes", alloc)
	}
	if elapsed > time.Second {
		t.Errorf("took %v", elapsed)
	}
}

// TestMemoryBudgetLoaders is issue 15's fifth case: each loader checks the
// size of its dense matrix against the budget before allocating it.
func TestMemoryBudgetLoaders(t *testing.T) {
	defer SetMemoryBudget(SetMemoryBudget(1 << 30))

	// Two LIBSVM rows, one of index 10^9: 8 GB dense.
	noAlloc(t, 1<<20, func() {
		_, err := ReadLIBSVM(strings.NewReader("1 1000000000:1\n2 1:1\n"), "big.svm", LIBSVMOptions{Sparse: SparseNever})
		want := "big.svm: the dense matrix (2 rows × 1,000,000,000 columns × 4 bytes) needs 7.5 GiB, more than the 1.0 GiB this process may use (set by SetMemoryBudget): LIBSVM rows are made dense"
		wantErr(t, err, want)
		var me *MemoryError
		if !errors.As(err, &me) || me.Need != 8e9 {
			t.Errorf("%v: not a *MemoryError of 8e9 bytes", err)
		}
	})

	// IDX headers claiming 2^30 images of 28×28: refused before reading.
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, []uint32{idxImagesMagic, 1 << 30, 28, 28})
	img := b.Bytes()
	b = bytes.Buffer{}
	binary.Write(&b, binary.BigEndian, []uint32{idxLabelsMagic, 1 << 30})
	lbl := b.Bytes()
	noAlloc(t, 1<<20, func() {
		_, err := ReadIDX(bytes.NewReader(img), bytes.NewReader(lbl), "huge")
		wantErr(t, err, "huge: images: the dense matrix (1,073,741,824 rows × 784 columns × 4 bytes) needs 3.1 TiB, more than the 1.0 GiB",
			"the header claims 1,073,741,824 images of 28×28 pixels")
	})
	// The same with the default budget (the machine's).
	SetMemoryBudget(0)
	if _, _, ok := MemoryBudget(); ok {
		noAlloc(t, 1<<20, func() {
			_, err := ReadIDX(bytes.NewReader(img), bytes.NewReader(lbl), "huge")
			wantErr(t, err, "needs 3.1 TiB, more than the")
		})
	}

	// CSV: a wide first row, and many narrow rows.
	SetMemoryBudget(1 << 16)
	wide := strings.Repeat("1,", 20000) + "a\n"
	noAlloc(t, 8<<20, func() { // the line and its fields: 1.5 MB
		_, err := ReadCSV(strings.NewReader(wide), "wide.csv", CSVOptions{})
		wantErr(t, err, "wide.csv:1: the dense matrix (at least 1 row × 20,000 columns × 4 bytes) needs 78.1 KiB, more than the 64.0 KiB",
			": use fewer rows or columns")
	})
	// 1024 rows of 16 columns fill 64 KiB exactly; the chunks are made
	// smaller to fit.
	row := strings.Repeat("1,", 16) + "a\n"
	d, err := ReadCSV(strings.NewReader(strings.Repeat(row, 1024)), "t.csv", CSVOptions{})
	if err != nil || d.Len() != 1024 {
		t.Fatalf("1024 rows in 64 KiB: %v", err)
	}
	checkDataset(t, d)
	header := strings.Repeat("f,", 16) + "label\n"
	_, err = ReadCSV(strings.NewReader(header+strings.Repeat(row, 1025)), "t.csv", CSVOptions{})
	wantErr(t, err, "t.csv:1026: the dense matrix (at least 1,025 rows × 16 columns × 4 bytes) needs 64.1 KiB, more than the 64.0 KiB")
}

func TestMatrixBuilderBudget(t *testing.T) {
	defer SetMemoryBudget(SetMemoryBudget(100 * 48 * 4))
	b := newMatrixBuilder(40, 0, "hint")
	for i := range 100 {
		row, err := b.next()
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		row[0] = float32(i)
	}
	_, err := b.next()
	wantErr(t, err, "the dense matrix (at least 101 rows × 48 columns (40 padded to a multiple of 16) × 4 bytes) needs 18.9 KiB, more than the 18.8 KiB", ": hint")
	m := b.finish()
	if m.Rows != 100 || m.At(99, 0) != 99 {
		t.Errorf("%d rows, last %v", m.Rows, m.At(99, 0))
	}
	// With a known row count, the count is in the message.
	b = newMatrixBuilder(40, 200, "")
	for range 100 {
		if _, err := b.next(); err != nil {
			t.Fatal(err)
		}
	}
	_, err = b.next()
	wantErr(t, err, "the dense matrix (200 rows × 48 columns")
}

// TestDigitsIgnoresBudget: the embedded data set is in the binary already;
// a budget smaller than it does not make Digits panic.
func TestDigitsIgnoresBudget(t *testing.T) {
	defer SetMemoryBudget(SetMemoryBudget(1 << 10))
	if d := Digits(); d.Len() != 1797 {
		t.Fatalf("%d rows", d.Len())
	}
}
