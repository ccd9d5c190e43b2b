package kernel

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

func TestAvailable(t *testing.T) {
	av := Available()
	if len(av) == 0 || av[len(av)-1] != "generic" {
		t.Fatalf("Available() = %v, want a list ending in generic", av)
	}
	seen := map[string]bool{}
	for _, b := range av {
		if seen[b] {
			t.Fatalf("Available() = %v lists %s twice", av, b)
		}
		seen[b] = true
	}
	av[0] = "mutated"
	if Available()[0] == "mutated" {
		t.Fatal("Available returns shared state")
	}
	t.Logf("GOARCH=%s available=%v active=%s", runtime.GOARCH, Available(), Backend())
}

func TestUse(t *testing.T) {
	orig := Backend()
	defer Use(orig)
	for _, b := range Available() {
		if err := Use(b); err != nil {
			t.Fatal(err)
		}
		if Backend() != b {
			t.Fatalf("after Use(%q), Backend() = %q", b, Backend())
		}
	}
	if err := Use("sse9"); err == nil || !strings.Contains(err.Error(), `unknown backend "sse9"`) {
		t.Fatalf("Use(sse9) = %v", err)
	}
	for _, name := range backendNames {
		avail := false
		for _, a := range Available() {
			avail = avail || a == name
		}
		if !avail {
			before := Backend()
			if err := Use(name); err == nil || !strings.Contains(err.Error(), "not available") {
				t.Fatalf("Use(%q) = %v, want not available", name, err)
			}
			if Backend() != before {
				t.Fatal("a failed Use changed the backend")
			}
		}
	}
}

// TestBackendEnvHelper is run as a subprocess by TestBackendEnv.
func TestBackendEnvHelper(t *testing.T) {
	if os.Getenv("MAXENT_ENV_HELPER") != "1" {
		t.Skip("helper process")
	}
	fmt.Printf("backend=%s best=%s err=%v\n", Backend(), Available()[0], EnvError())
}

func TestBackendEnv(t *testing.T) {
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no subprocesses")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	run := func(env string) (stdout, stderr string) {
		cmd := exec.Command(exe, "-test.run=^TestBackendEnvHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), "MAXENT_ENV_HELPER=1", "MAXENT_BACKEND="+env)
		var o, e strings.Builder
		cmd.Stdout, cmd.Stderr = &o, &e
		if err := cmd.Run(); err != nil {
			t.Skipf("cannot re-run the test binary here: %v", err)
		}
		return o.String(), e.String()
	}
	out, errs := run("generic")
	if !strings.Contains(out, "backend=generic ") || !strings.Contains(out, "err=<nil>") || errs != "" {
		t.Errorf("MAXENT_BACKEND=generic: stdout %q, stderr %q", out, errs)
	}
	// The child's own best backend: under CPU emulation (qemu) the child
	// may run natively and see another CPU than this process.
	out, errs = run("quantum")
	var got, best string
	fmt.Sscanf(strings.ReplaceAll(out, "=", " "), "backend %s best %s", &got, &best)
	if got == "" || got != best {
		t.Errorf("MAXENT_BACKEND=quantum: stdout %q, want the best backend active", out)
	}
	// Importing the package writes nothing: EnvError says what went wrong.
	if errs != "" || !strings.Contains(out, `err=MAXENT_BACKEND="quantum": kernel.Use: unknown backend "quantum"`) {
		t.Errorf("MAXENT_BACKEND=quantum: stdout %q, stderr %q; want EnvError's message and no stderr", out, errs)
	}
}

// TestExpectedBackend fails unless the backend chosen at start-up is the one
// named by MAXENT_EXPECT_BACKEND, when set: the emulated-CPU legs of CI use it
// to prove that detection picked the backend they exercise (for example avx2
// under qemu-x86_64 -cpu Haswell, neon under qemu-aarch64).
func TestExpectedBackend(t *testing.T) {
	want := os.Getenv("MAXENT_EXPECT_BACKEND")
	if want == "" {
		t.Skip("MAXENT_EXPECT_BACKEND not set")
	}
	if got := Available()[0]; got != want {
		t.Fatalf("best available backend is %q (available %v), want %q", got, Available(), want)
	}
	if os.Getenv("MAXENT_BACKEND") == "" && Backend() != want {
		t.Fatalf("active backend is %q, want %q", Backend(), want)
	}
}
