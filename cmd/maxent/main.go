// Command maxent trains, evaluates and applies multinomial logistic
// regression (maximum-entropy) classifiers on CSV, LIBSVM and MNIST IDX data,
// and on raw text (label<TAB>text or fastText __label__ lines), hashed as
// scikit-learn's HashingVectorizer does, the featurizer kept in the model.
//
// Usage:
//
//	maxent train   [-data PATH] [-o model.mxt] [-epochs N] [-l2 λ] [-json] ...
//	maxent eval    -model F -data PATH [-json]
//	maxent predict -model F -data PATH [-proba]
//	maxent info
//	maxent bench   [-bench REGEX] [-isa LIST] [-count N] [-o FILE] [-svg FILE]
//
// With no -data, train uses the embedded UCI digits data set with a fixed
// 80/20 split. Run "maxent COMMAND -h" for every flag of a command.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/seed7bc074a2/maxent/kernel"
)

// errUsage marks an error caused by the command line, which exits with
// status 2 instead of 1.
var errUsage = errors.New("usage")

type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"train", "train a model and report held-out accuracy", runTrain},
	{"eval", "evaluate a model on labelled data", runEval},
	{"predict", "print one CSV line of predictions per row", runPredict},
	{"info", "show the CPU, its SIMD features and the kernel backends", runInfo},
	{"bench", "benchmark every kernel backend and compare them (benchstat-style)", runBench},
}

func main() {
	// The data and models are a few large allocations without pointers:
	// collecting at 25 % growth instead of 100 % costs little time and
	// keeps the peak memory near what is live (unless GOGC says otherwise).
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(25)
	}
	os.Exit(runSafe(os.Args[1:], os.Stdout, os.Stderr))
}

// runSafe is run with a panic turned into one line on stderr and exit
// status 1: a CLI user never sees a Go stack trace, unless MAXENT_DEBUG=1
// asks for it (a panic is a bug in maxent, and the stack helps report it).
func runSafe(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			name := "maxent"
			if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
				name += " " + args[0]
			}
			fmt.Fprintf(stderr, "%s: internal error: %v (please report it; MAXENT_DEBUG=1 prints the stack)\n", name, r)
			if os.Getenv("MAXENT_DEBUG") == "1" {
				stderr.Write(debug.Stack())
			}
			code = 1
		}
	}()
	return run(args, stdout, stderr)
}

// run executes the command line args and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if err := kernel.EnvError(); err != nil {
		fmt.Fprintf(stderr, "maxent: %v\n", err)
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(args[1:], stdout, stderr)
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			default:
				fmt.Fprintf(stderr, "maxent %s: %s\n", c.name, errorText(err))
				return 1
			}
		}
	}
	fmt.Fprintf(stderr, "maxent: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// errorText is err's message without the library's "maxent: " prefixes,
// which would repeat the command's own ("maxent train: maxent: ...").
func errorText(err error) string {
	msg := err.Error()
	for {
		if m, ok := strings.CutPrefix(msg, "maxent: "); ok {
			msg = m
			continue
		}
		return strings.ReplaceAll(msg, ": maxent: ", ": ")
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "maxent: multinomial logistic regression (maximum entropy) on SIMD kernels")
	fmt.Fprintln(w, "\nUsage: maxent COMMAND [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"maxent COMMAND -h\" for the flags of a command.")
}

// newFlagSet returns a flag set that reports errors on stderr and lets run
// map them to exit status 2.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("maxent "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: maxent %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, rejecting stray positional arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}
