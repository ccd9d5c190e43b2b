package kernel

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// TestNewMatrixHugePages: on a kernel with transparent huge pages, a large
// NewMatrix lies in a mapping advised for them (VmFlags "hg" in
// /proc/self/smaps), and is zeroed and aligned like any other.
func TestNewMatrixHugePages(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("no transparent huge pages here")
	}
	// A control: a mapping of our own, advised directly. Where that shows
	// no hg flag (qemu-user ignores madvise), there is nothing to check.
	ctl, err := syscall.Mmap(-1, 0, 4<<20, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(ctl)
	if err := syscall.Madvise(ctl, syscall.MADV_HUGEPAGE); err != nil {
		t.Skipf("madvise(MADV_HUGEPAGE): %v", err)
	}
	if flags, err := vmFlags(uintptr(unsafe.Pointer(&ctl[0]))); err != nil || !strings.Contains(" "+flags+" ", " hg ") {
		t.Skipf("an advised mapping shows VmFlags %q (%v): madvise is not reflected here", flags, err)
	}
	m := NewMatrix(2048, 4100) // 32.5 MiB
	for i, v := range m.Data {
		if v != 0 {
			t.Fatalf("element %d = %v, want 0", i, v)
		}
	}
	if uintptr(unsafe.Pointer(&m.Data[0]))%64 != 0 {
		t.Fatal("rows not 64-byte aligned")
	}
	p := uintptr(unsafe.Pointer(&m.Data[len(m.Data)/2]))
	flags, err := vmFlags(p)
	if err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(m) // p does not keep the matrix alive
	if !strings.Contains(" "+flags+" ", " hg ") {
		t.Fatalf("the matrix's mapping has VmFlags %q, without hg (MADV_HUGEPAGE)", flags)
	}
}

// vmFlags returns the VmFlags line of the mapping of /proc/self/smaps that
// contains address p.
func vmFlags(p uintptr) (string, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x", &lo, &hi); n == 2 { // a mapping's first line
			in = lo <= p && p < hi
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmFlags:")), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("no mapping of /proc/self/smaps holds %#x", p)
}
