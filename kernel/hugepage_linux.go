package kernel

import (
	"syscall"
	"unsafe"
)

// hugeMin is the smallest matrix (in bytes) that NewMatrix asks to be
// backed by transparent huge pages: beyond the few MiB that the TLBs of
// small pages cover, rows read in shuffled order miss the TLB.
const hugeMin = 16 << 20

// adviseHuge asks Linux to back the whole 2 MiB pages inside buf with
// transparent huge pages (madvise MADV_HUGEPAGE), before buf is first
// written: memory fresh from the OS then faults in huge pages wherever the
// system's THP setting is "madvise" or "always". It is a hint; errors
// (THP disabled or unsupported) are ignored, and buf's contents are
// unaffected.
func adviseHuge(buf []float32) {
	if len(buf) == 0 {
		return
	}
	adviseHugeBytes(unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), len(buf)*4))
}

// adviseHugeBytes is adviseHuge for the bytes of buf.
func adviseHugeBytes(buf []byte) {
	const huge = 2 << 20
	if len(buf) < hugeMin {
		return
	}
	p := uintptr(unsafe.Pointer(&buf[0]))
	lo := (p + huge - 1) &^ (huge - 1)
	hi := (p + uintptr(len(buf))) &^ (huge - 1)
	if hi <= lo {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(&buf[0]), lo-p)), hi-lo)
	_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE)
}
