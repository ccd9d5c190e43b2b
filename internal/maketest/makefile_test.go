// The Makefile's cross and scratch-file legs (issue 15), run for real with
// a stub go command that only records its arguments, or with make -n (print
// the commands, run none): milliseconds, no leg runs for real.
//
// MAKETEST_MAKEFILE names another makefile to test instead of ../../Makefile
// (make -f, still run in the repository root), e.g. an older one to see these
// tests fail on it.

package maketest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// skip386 is the notice of the cross leg on a host that cannot run 386
// binaries.
const skip386 = "cross: this host cannot run 386 binaries, skipping GOARCH=386 go test"

// repoRoot returns the repository root (../.. from this package), skipping
// the test if make or bash (the Makefile's SHELL) is not on PATH.
func repoRoot(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"make", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH", tool)
		}
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "Makefile")); err != nil {
		t.Skipf("no Makefile at the repository root: %v", err)
	}
	return root
}

// runMake runs make in the repository root with args and the environment
// overrides env (NAME=value), in an environment free of an enclosing make's
// flags and variables (make test runs these tests itself), and returns its
// combined output.
func runMake(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	root := repoRoot(t)
	full := []string{"--no-print-directory", "-C", root}
	if mf := os.Getenv("MAKETEST_MAKEFILE"); mf != "" {
		abs, err := filepath.Abs(mf)
		if err != nil {
			t.Fatal(err)
		}
		full = append(full, "-f", abs)
	}
	cmd := exec.Command("make", append(full, args...)...)
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "MAKEFLAGS", "MFLAGS", "GNUMAKEFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKEFILES",
			"RUN386", "QEMU_X86", "QEMU_ARM64", "GO", "PKGS":
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// stubGo writes a stand-in for the go command into a temporary directory:
// it appends "GOOS=… GOARCH=… <arguments>" to the returned log file and
// exits 0. Asked to build a program (-o file), it writes file: a script that
// prints "386 ok" (on standard error, as Go's print) if probeRuns, else a
// file that cannot be executed.
func stubGo(t *testing.T, probeRuns bool) (goCmd, log string) {
	t.Helper()
	dir := t.TempDir()
	log = filepath.Join(dir, "go.log")
	prog := `printf 'not a program\n' >"$out"`
	if probeRuns {
		// print writes to standard error, as the probe's Go program's print does.
		prog = `printf '#!/bin/sh\necho "386 ok" >&2\n' >"$out" && chmod +x "$out"`
	}
	script := `#!/bin/sh
echo "GOOS=${GOOS:-} GOARCH=${GOARCH:-} $*" >>'` + log + `'
out=
prev=
for a in "$@"; do
	[ "$prev" = -o ] && out=$a
	prev=$a
done
if [ "$1" = build ] && [ -n "$out" ]; then
	` + prog + `
fi
exit 0
`
	goCmd = filepath.Join(dir, "go")
	if err := os.WriteFile(goCmd, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return goCmd, log
}

// goCalls returns the go commands the stub recorded, one a line.
func goCalls(t *testing.T, log string) []string {
	t.Helper()
	b, err := os.ReadFile(log)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// test386 reports whether calls holds a GOARCH=386 go test.
func test386(calls []string) bool {
	for _, c := range calls {
		if strings.Contains(c, "GOARCH=386 ") && strings.Contains(c, " test ") {
			return true
		}
	}
	return false
}

// TestCross386 runs the cross leg with a stub go: with RUN386=no, or with the
// probe's 386 program failing to run, it prints the notice and runs no
// GOARCH=386 go test, but still the cross-builds; with a probe program that
// runs (or RUN386=yes) it runs the 386 tests.
func TestCross386(t *testing.T) {
	for _, tc := range []struct {
		name      string
		run386    string // RUN386 on the make command line, if not empty
		probeRuns bool
		wantTest  bool
	}{
		{"RUN386=no", "no", true, false},
		{"probe cannot run", "", false, false},
		{"probe runs", "", true, true},
		{"RUN386=yes", "yes", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			goCmd, log := stubGo(t, tc.probeRuns)
			args := []string{"cross", "GO=" + goCmd}
			if tc.run386 != "" {
				args = append(args, "RUN386="+tc.run386)
			}
			out, err := runMake(t, nil, args...)
			if err != nil {
				t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			calls := goCalls(t, log)
			builds := 0
			for _, c := range calls {
				if strings.Contains(c, " build ./...") {
					builds++
				}
			}
			if builds < 4 {
				t.Errorf("make cross ran %d cross-builds (go build ./...), want at least 4; go calls:\n%s", builds, strings.Join(calls, "\n"))
			}
			if got := test386(calls); got != tc.wantTest {
				t.Errorf("GOARCH=386 go test run: %v, want %v; go calls:\n%s", got, tc.wantTest, strings.Join(calls, "\n"))
			}
			if got := strings.Contains(out, skip386); got != !tc.wantTest {
				t.Errorf("notice %q printed: %v, want %v; output:\n%s", skip386, got, !tc.wantTest, out)
			}
		})
	}
}

// fixedTmp matches a path in the system temporary directory: a leg that
// writes a fixed name there collides with a concurrent run of the same leg.
var fixedTmp = regexp.MustCompile(`/tmp/[^\s'"]*|\$\{TMPDIR:-/tmp\}[^\s'"]*`)

// TestNoFixedTempPaths: the commands of the legs that write temporary files
// (make -n prints them without running them) use a directory made by mktemp
// for the run, not fixed names in /tmp such as /tmp/maxent-kernel.test.
func TestNoFixedTempPaths(t *testing.T) {
	for _, tc := range []struct {
		target string
		want   []string // also in the commands, so that the leg ran
	}{
		// QEMU_X86 set, so that the leg does not skip where qemu is missing.
		{"haswell", []string{"/opt/qemu/qemu-x86_64-static -cpu Haswell", "test -c"}},
		{"fuzz", []string{"-fuzz"}},
		{"fashion", []string{"-solver lbfgs"}},
		{"demo", []string{"predict"}},
	} {
		t.Run(tc.target, func(t *testing.T) {
			out, err := runMake(t, nil, "-n", tc.target, "QEMU_X86=/opt/qemu/qemu-x86_64-static")
			if err != nil {
				t.Fatalf("make -n %s: %v\n%s", tc.target, err, out)
			}
			for _, w := range append(tc.want, "mktemp -d") {
				if !strings.Contains(out, w) {
					t.Errorf("make -n %s: no %q in the commands:\n%s", tc.target, w, out)
				}
			}
			if m := fixedTmp.FindAllString(out, -1); m != nil {
				t.Errorf("make -n %s: fixed temporary paths %q in the commands:\n%s", tc.target, m, out)
			}
		})
	}
}
