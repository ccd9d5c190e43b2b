//go:build !purego

package kernel

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// xent16Data returns n rows of m 8-bit codes with labels i mod k, each row
// carrying its class in a few columns.
func xent16Data(n, m, k int) (ByteMatrix, []int) {
	rng := rand.New(rand.NewPCG(uint64(n), uint64(m*1000+k)))
	x := NewByteMatrix(n, m)
	for j := range x.Scale {
		x.Scale[j] = 1.0 / 127
	}
	y := make([]int, n)
	for i := range y {
		y[i] = i % k
		row := x.Row(i)
		for j := range row {
			row[j] = uint8(rng.IntN(128))
		}
		row[(y[i]*7)%m] += 127
	}
	return x, y
}

// TestXent16Off: FitBytes trains the same model, bit for bit, with and
// without SoftmaxXentRows16DerivedAVX512 (the loss phase on codes with at
// most 16 classes), on 1 and 2 workers.
func TestXent16Off(t *testing.T) {
	if current() != avx512 {
		t.Skip("the 16-row loss kernel needs AVX-512")
	}
	for _, k := range []int{2, 3, 10, 16, 17} {
		for _, workers := range []int{1, 2} {
			x, y := xent16Data(1000, 100, k)
			var models [2]*Model
			for i, off := range []bool{false, true} {
				noXent16 = off
				m := NewModel(k, 100)
				tr := Trainer{Epochs: 2, BatchSize: 64, LearningRate: 0.05, Momentum: 0.9, L2: 1e-4, Workers: workers}
				_, err := tr.FitBytes(m, x, y, Matrix{}, nil)
				noXent16 = false
				if err != nil {
					t.Fatal(err)
				}
				models[i] = m
			}
			if !modelsEqual(models[0], models[1]) {
				t.Errorf("k=%d workers=%d: another model without the 16-row kernel", k, workers)
			}
		}
	}
}

// BenchmarkXent16Epoch times one SGD epoch on 8-bit codes (Trainer.FitBytes,
// batch 64, momentum, L2, one worker) with SoftmaxXentRows16DerivedAVX512
// (xent16=on) and without it (xent16=off, the row kernel on every row),
// for k classes and m features: 60,000 rows, or 12,000 for m = 4096 (about
// as many bytes as Fashion-MNIST's codes). The kernel only runs for k ≤ 16;
// k = 20 and 100 show the noise. XENT16_ORDER=off-first runs the off
// variant first (alternate it between runs).
func BenchmarkXent16Epoch(b *testing.B) {
	if current() != avx512 {
		b.Skip("the 16-row loss kernel needs AVX-512")
	}
	order := []bool{false, true}
	if os.Getenv("XENT16_ORDER") == "off-first" {
		order = []bool{true, false}
	}
	for _, k := range []int{2, 10, 20, 100} {
		for _, m := range []int{64, 784, 4096} {
			n := 60000
			if m == 4096 {
				n = 12000
			}
			var x ByteMatrix
			var y []int
			for _, off := range order {
				name := "on"
				if off {
					name = "off"
				}
				b.Run(fmt.Sprintf("k=%d/m=%d/xent16=%s", k, m, name), func(b *testing.B) {
					if y == nil {
						x, y = xent16Data(n, m, k)
					}
					noXent16 = off
					defer func() { noXent16 = false }()
					tr := Trainer{Epochs: 1, BatchSize: 64, LearningRate: 0.01, Momentum: 0.9, L2: 1e-4, Workers: 1}
					md := NewModel(k, m)
					for b.Loop() {
						clear(md.W.Data)
						clear(md.B)
						if _, err := tr.FitBytes(md, x, y, Matrix{}, nil); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// TestXent16EpochTimes is BenchmarkXent16Epoch for a loaded machine: with
// MAXENT_XENT16_TIMES=file it times, for every shape, rounds of one epoch
// with and one without the 16-row kernel (their order alternating),
// MAXENT_XENT16_ROUNDS rounds (default 20) after one of each to warm up
// (MAXENT_XENT16_K=2,10: those class counts only),
// and appends one line per epoch in the benchmark format to file (for
// benchstat -col /xent16): the wall time (sec/op) and the thread's CPU
// time (cpu-sec/op, which leaves out the time the goroutine's thread was
// not running: other processes on the machine).
func TestXent16EpochTimes(t *testing.T) {
	path := os.Getenv("MAXENT_XENT16_TIMES")
	if path == "" {
		t.Skip("set MAXENT_XENT16_TIMES=file to time the epochs")
	}
	if current() != avx512 {
		t.Skip("the 16-row loss kernel needs AVX-512")
	}
	rounds := 20
	if s := os.Getenv("MAXENT_XENT16_ROUNDS"); s != "" {
		if _, err := fmt.Sscan(s, &rounds); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ks := []int{2, 10, 20, 100}
	if s := os.Getenv("MAXENT_XENT16_K"); s != "" {
		ks = nil
		for _, f := range strings.Split(s, ",") {
			var k int
			if _, err := fmt.Sscan(f, &k); err != nil {
				t.Fatal(err)
			}
			ks = append(ks, k)
		}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, k := range ks {
		for _, m := range []int{64, 784, 4096} {
			n := 60000
			if m == 4096 {
				n = 12000
			}
			x, y := xent16Data(n, m, k)
			md := NewModel(k, m)
			tr := Trainer{Epochs: 1, BatchSize: 64, LearningRate: 0.01, Momentum: 0.9, L2: 1e-4, Workers: 1}
			epoch := func(off bool) (wall, cpu time.Duration) {
				noXent16 = off
				defer func() { noXent16 = false }()
				clear(md.W.Data)
				clear(md.B)
				c0, w0 := threadCPU(), time.Now()
				if _, err := tr.FitBytes(md, x, y, Matrix{}, nil); err != nil {
					t.Fatal(err)
				}
				return time.Since(w0), threadCPU() - c0
			}
			epoch(false)
			epoch(true)
			for r := 0; r < rounds; r++ {
				for i := 0; i < 2; i++ {
					off := (r+i)%2 == 1
					wall, cpu := epoch(off)
					name := "on"
					if off {
						name = "off"
					}
					fmt.Fprintf(f, "BenchmarkXent16Epoch/k=%d/m=%d/xent16=%s 1 %.6g sec/op %.6g cpu-sec/op\n", k, m, name, wall.Seconds(), cpu.Seconds())
				}
			}
		}
	}
}

// threadCPU returns the CPU time of the calling thread.
func threadCPU() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTimeID = 3
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		panic(e)
	}
	return time.Duration(ts.Nano())
}
