// Package maketest checks the Makefile's recipes that make test depends on
// where a host lacks something (no 386 execution, no qemu) or runs two
// suites at once. It runs make -n (commands printed, not run).
package maketest

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// dryRun returns what make -n prints for the target with the variables.
func dryRun(t *testing.T, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	cmd := exec.Command("make", append([]string{"-n", "--no-print-directory", "-C", root}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// A host that cannot run 386 binaries skips that test leg with a notice,
// and still builds and vets for 386.
func TestCross386Notice(t *testing.T) {
	out := dryRun(t, "cross", "RUN386=no")
	if !strings.Contains(out, "cannot run 386 binaries, skipping") || strings.Contains(out, "GOARCH=386 go test -count") {
		t.Errorf("RUN386=no:\n%s", out)
	}
	if !strings.Contains(out, "GOARCH=386 go build") {
		t.Errorf("RUN386=no dropped the 386 build:\n%s", out)
	}
	if out := dryRun(t, "cross", "RUN386=yes"); !strings.Contains(out, "GOARCH=386 go test -count") {
		t.Errorf("RUN386=yes:\n%s", out)
	}
}

// Two make test runs at once must not share scratch files: the Haswell
// leg's test binaries and the fuzz logs live in a mktemp directory.
func TestNoFixedScratchFiles(t *testing.T) {
	for _, target := range []string{"haswell", "fuzz"} {
		out := dryRun(t, target, "QEMU_X86=/bin/true")
		if strings.Contains(out, "/tmp/maxent-") || !strings.Contains(out, "mktemp -d") {
			t.Errorf("%s uses fixed scratch paths:\n%s", target, out)
		}
	}
}
