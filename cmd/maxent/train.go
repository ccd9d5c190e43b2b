package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/seed7bc074a2/maxent/kernel"
	"github.com/seed7bc074a2/maxent/kernel/data"
	"github.com/seed7bc074a2/maxent/kernel/textclass"
)

// trainReport is the JSON object that train -json prints as its last line.
type trainReport struct {
	Data          string  `json:"data"`
	TrainRows     int     `json:"train_rows"`
	TestRows      int     `json:"test_rows"`
	Features      int     `json:"features"`
	Classes       int     `json:"classes"`
	Scale         string  `json:"scale"`
	TrainAccuracy float64 `json:"train_accuracy"`
	TrainLogLoss  float64 `json:"train_log_loss"`
	// TestAccuracy and TestLogLoss are absent without test rows (-test 0).
	TestAccuracy *float64 `json:"test_accuracy,omitempty"`
	TestLogLoss  *float64 `json:"test_log_loss,omitempty"`
	// Solver is "sgd" or "lbfgs". Epochs and BestEpoch count SGD epochs
	// and are 0 with lbfgs; Iterations counts L-BFGS iterations and is 0
	// with sgd. Evaluations (full passes over the data), Converged and
	// Reason are set with lbfgs only.
	Solver        string  `json:"solver"`
	Epochs        int     `json:"epochs"`
	BestEpoch     int     `json:"best_epoch"`
	StoppedEarly  bool    `json:"stopped_early"`
	Iterations    int     `json:"iterations"`
	Memory        int     `json:"memory,omitempty"`
	Evaluations   int     `json:"evaluations,omitempty"`
	Converged     *bool   `json:"converged,omitempty"`
	Reason        string  `json:"reason,omitempty"`
	FinalGradNorm float64 `json:"grad_norm,omitempty"`
	Seconds       float64 `json:"seconds"`
	// EpochSeconds (sgd) is the wall time of each epoch: its steps, plus
	// the validation pass with -val.
	EpochSeconds []float64 `json:"epoch_seconds,omitempty"`
	// Rows (sgd) is how the trainer read the scaled rows: "codes" (8-bit
	// codes and a scale per column, see -codes), "float32" or "sparse".
	Rows string `json:"rows,omitempty"`
	// Workers is the number of goroutines that trained.
	Workers int `json:"workers"`
	// L1 is λ₁ (0: none) and ClassWeight "none" or "balanced"; Init is the
	// model the training was warm-started from, if any.
	L1          float64 `json:"l1,omitempty"`
	ClassWeight string  `json:"class_weight"`
	Init        string  `json:"init,omitempty"`
	// L2 is λ, and DualityGap and MaxResidual come from kernel.Certify on
	// the objective that was minimised (scaled training rows, λ): how far
	// the model is from the optimum, without trusting the solver.
	L2          float64 `json:"l2"`
	DualityGap  float64 `json:"duality_gap"`
	MaxResidual float64 `json:"max_balance_residual"`
	Backend     string  `json:"backend"`
	Model       string  `json:"model,omitempty"`
	// Featurizer describes the text featurizer (as the scikit-learn
	// objects it reproduces) and FeaturizeSeconds the time spent reading,
	// fitting the IDF and featurizing, for text data only.
	Featurizer       string  `json:"featurizer,omitempty"`
	FeaturizeSeconds float64 `json:"featurize_seconds,omitempty"`
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("train", "[-data PATH] [-o model.mxt] [-solver sgd|lbfgs] [-epochs N | -iters N] [-l2 λ] [-json] [flags]", stderr)
	var in inputFlags
	in.register(fs, "training data (default: the embedded UCI digits data set, 1,797 rows × 64 features)", false)
	testPath := fs.String("test-data", "", "held-out test data in the same format (default: the t10k files of an IDX directory, else a stratified split of -data)")
	testFrac := fs.Float64("test", 0.2, "fraction of -data held out for testing when there is no -test-data, in [0, 1); 0 trains on every row and reports no test score")
	solver := fs.String("solver", "sgd", "optimiser: sgd (minibatch SGD with momentum) or lbfgs (full-batch L-BFGS on the same objective)")
	valFrac := fs.Float64("val", 0, "sgd only: fraction of the training rows held out for validation and early stopping (0: none)")
	patience := fs.Int("patience", 5, "sgd only: with -val, stop after this many epochs without a lower validation loss and keep the best model")
	scale := fs.String("scale", "minmax", "feature scaling fitted on the training rows: none, minmax ([0,1]), standard or maxabs (each feature divided by its largest magnitude; zeros stay zeros); folded into the saved model. Sparse rows: none (the default) or maxabs")
	epochs := fs.Int("epochs", 30, "sgd only: passes over the training data (sparse rows: 10 unless given)")
	batch := fs.Int("batch", 16, "sgd only: minibatch size")
	lr := fs.Float64("lr", 0.1, "sgd only: initial learning rate (sparse rows: batch/(2·mean ‖x‖²) unless given)")
	momentum := fs.Float64("momentum", 0.9, "sgd only: heavy-ball momentum in [0, 1) (sparse rows train without: 0 unless given, and only 0 is accepted)")
	iters := fs.Int("iters", 100, "lbfgs only: maximum number of iterations")
	memory := fs.Int("memory", 10, "lbfgs only: (s, y) pairs kept (more pairs: fewer iterations, 16·(classes·features) bytes each)")
	tol := fs.Float64("tol", 1e-6, "lbfgs only: stop when ‖∇J‖∞ ≤ tol·max(1, |J|)")
	l2 := fs.Float64("l2", 1e-4, "L2 penalty λ: the objective is mean log-loss + λ/2·‖W‖² (bias not penalised); sparse rows and text: 1/rows unless given (liblinear's and scikit-learn's C = 1)")
	schedule := fs.String("schedule", "cosine", "sgd only: learning-rate schedule: constant, cosine or invtime")
	seed := fs.Uint64("seed", 1, "seed of the data split and the shuffling: the same seed gives the same model")
	out := fs.String("o", "", "write the trained model to this file")
	jsonOut := fs.Bool("json", false, "print progress on stderr and one JSON summary line on stdout")
	workers := fs.Int("workers", 0, "goroutines sharing each minibatch (sgd) or each pass over the data (lbfgs); 0: one per CPU (GOMAXPROCS); sgd on sparse rows: 1 unless given")
	l1 := fs.Float64("l1", 0, "L1 penalty λ₁ ≥ 0 added as λ₁·‖W‖₁ (elastic net with -l2): OWL-QN with lbfgs, a proximal step with sgd")
	classWeight := fs.String("class-weight", "none", "class weights: none, or balanced (n / (classes · count of the class), as scikit-learn)")
	initPath := fs.String("init", "", "warm start: a model file written by maxent train -o with the same features and labels")
	var tf textFlags
	tf.register(fs)
	codes := fs.String("codes", "auto", "sgd only: auto trains on the scaled rows stored as 8-bit codes, a quarter of the memory traffic, when they are exactly such (every raw value minus its column's scaling offset an integer in 0–255, as with IDX images and -scale none or minmax; the same model to rounding); off always reads float32 rows")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkTrainFlags(fs); err != nil {
		return err
	}
	if *codes != "auto" && *codes != "off" {
		return fmt.Errorf("-codes: unknown value %q (want auto or off)", *codes)
	}
	if *classWeight != "none" && *classWeight != "balanced" {
		return fmt.Errorf("-class-weight: unknown value %q (want none or balanced)", *classWeight)
	}

	if *solver != "sgd" && *solver != "lbfgs" {
		return fmt.Errorf("-solver: unknown solver %q (want sgd or lbfgs)", *solver)
	}
	lbfgs := *solver == "lbfgs"
	var sched kernel.Schedule
	if !lbfgs {
		var err error
		if sched, err = kernel.ParseSchedule(*schedule); err != nil {
			return err
		}
	}
	if _, err := data.ParseScaleKind(*scale); err != nil {
		return err
	}
	if _, err := in.csvOptions(); err != nil {
		return err
	}

	// A model that cannot be saved is found out now, not after training.
	if err := checkOutput(*out); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	progress := stdout
	if *jsonOut {
		progress = stderr
	}
	tfmt, err := in.textFormat(false)
	if err != nil {
		return err
	}
	var train, test *data.Dataset
	var tt *textTraining // the featurizer, for text
	if tfmt != 0 {
		var t textTraining
		if train, test, t, err = loadTextTrainTest(&in, tfmt, *testPath, *testFrac, *seed, &tf, *workers, progress); err != nil {
			return err
		}
		tt = &t
	} else {
		for _, name := range textFlagNames {
			if set[name] {
				return fmt.Errorf("-%s: a text flag, for text data only (label<TAB>text or __label__ lines; -format text or fasttext)", name)
			}
		}
		if train, test, err = loadTrainTest(&in, *testPath, *testFrac, *seed); err != nil {
			return err
		}
	}
	var val *data.Dataset
	if *valFrac > 0 && !lbfgs {
		if train, val, err = data.Split(train, *valFrac, *seed+1); err != nil {
			return fmt.Errorf("-val: %w", err)
		}
	}

	if err := matchSparse(train, test); err != nil {
		return fmt.Errorf("test data: %w", err)
	}
	sf := sgdFlags{epochs: *epochs, batch: *batch, lr: *lr, momentum: *momentum, l2: *l2, l1: *l1,
		sched: sched, seed: *seed, patience: *patience}
	var sparseSaid []string
	if train.Sparse != nil {
		sparseSaid = sparseDefaults(set, &sf, scale, l2, train.Len())
	}
	kind, err := data.ParseScaleKind(*scale)
	if err != nil {
		return err
	}
	nWorkers := *workers
	if train.Sparse != nil && !lbfgs && !set["workers"] {
		// A sparse step is too short to share: the workers' barriers
		// cost more than a second core gives (docs/performance.md).
		nWorkers = 1
		sparseSaid = append(sparseSaid, "-workers 1")
	}
	if nWorkers == 0 {
		nWorkers = runtime.GOMAXPROCS(0)
	}
	if err := checkTrainMemory(train, lbfgs, *memory, nWorkers, kind != data.ScaleNone); err != nil {
		return err
	}
	// Scale with statistics of the training rows only, train on scaled
	// copies, then fold the scaling into the model so that it applies to
	// raw features like every other input of eval and predict.
	scaler, err := fitScaler(kind, train)
	if err != nil {
		return err
	}
	xs := scaleRows(train, scaler)
	var vs scaledRows
	if val != nil {
		vs = scaleRows(val, scaler)
	}
	if xs.sparse != nil && !set["lr"] && !lbfgs {
		sf.lr = autoLR(*xs.sparse, sf.batch)
		sparseSaid = append(sparseSaid, fmt.Sprintf("-lr %.4g", sf.lr))
	}

	model := kernel.NewModel(len(train.Labels), train.Features())
	model.Labels = train.Labels
	if *initPath != "" {
		if err := warmStart(model, *initPath, scaler); err != nil {
			return err
		}
	}
	var classW []float64
	if *classWeight == "balanced" {
		classW = kernel.BalancedClassWeights(train.Y, model.Classes)
	}
	fmt.Fprintf(progress, "training on %s: %d rows × %d features, %d classes; testing on %d rows; solver %s; backend %s\n",
		train.Source, train.Len(), train.Features(), len(train.Labels), test.Len(), *solver, kernel.Backend())
	warnFewRowsPerClass(progress, train)
	if lbfgs { // the other defaults are SGD's
		sparseSaid = slices.DeleteFunc(sparseSaid, func(f string) bool { return !strings.HasPrefix(f, "-l2 ") && !strings.HasPrefix(f, "-scale ") })
	}
	if len(sparseSaid) > 0 {
		fmt.Fprintf(progress, "sparse rows (%d non-zeros): %s, as the flags were not given\n", train.Sparse.NNZ(), strings.Join(sparseSaid, ", "))
	}
	rep := trainReport{Solver: *solver}
	var x8 *kernel.ByteMatrix // the scaled rows as codes (sgd, -codes auto)
	if !lbfgs && *codes == "auto" && xs.sparse == nil {
		if x8 = byteRows(train.X, scaler); x8 != nil {
			fmt.Fprintf(progress, "the scaled rows are 8-bit codes times a scale per column: training on the codes (-codes off: on float32 rows)\n")
		}
	}
	start := time.Now()
	if lbfgs {
		// -epochs, -batch, -lr, -momentum, -schedule, -val and -patience
		// do not apply to the full-batch solver.
		s := kernel.LBFGS{MaxIter: *iters, Memory: *memory, L2: *l2, L1: *l1, GradTol: *tol, Workers: nWorkers, ClassWeights: classW, Progress: func(it kernel.IterStats) {
			fmt.Fprintf(progress, "iter %4d/%d  loss %.8f  |grad| %.3e  step %.3g  evals %d  %v\n",
				it.Iter, *iters, it.Loss, it.GradNorm, it.Step, it.Evals, it.Elapsed.Round(time.Microsecond))
		}}
		var res kernel.LBFGSResult
		if xs.sparse != nil {
			res, err = s.FitSparse(model, *xs.sparse, train.Y)
		} else {
			res, err = s.Fit(model, xs.dense, train.Y)
		}
		if err != nil {
			return err
		}
		conv := res.Converged
		rep.Iterations, rep.Evaluations, rep.Converged, rep.Reason = res.Iterations, res.Evaluations, &conv, res.Reason
		rep.Memory = *memory
		rep.FinalGradNorm = res.GradNorm
		fmt.Fprintf(progress, "L-BFGS stopped after %d iterations (%d evaluations): %s; objective %.8f, |grad| %.3e\n",
			res.Iterations, res.Evaluations, res.Reason, res.Loss, res.GradNorm)
	} else {
		sf.workers, sf.classW = nWorkers, classW
		if err := fitSGD(model, xs, x8, vs, val != nil, &rep, progress, sf); err != nil {
			return err
		}
	}
	seconds := time.Since(start).Seconds()
	// The trainer's buffers (as large as the model, and more) are garbage
	// now: collect them before the certificate and the scores allocate
	// theirs, which keeps the peak memory near the data plus two models.
	runtime.GC()
	// Save first: nothing after training (the certificate, the scores on
	// the test rows) may lose the trained model.
	final := model // without scaling, the model is already the final one
	if scaler.Kind != data.ScaleNone {
		final = model.Clone()
		if err := final.AbsorbScaling(scaler.Offset, scaler.Scale); err != nil {
			return err
		}
	}
	if tt != nil { // the model file keeps the featurizer: eval and predict take raw text
		if err := textclass.Attach(final, tt.settings); err != nil {
			return err
		}
		rep.Featurizer, rep.FeaturizeSeconds = tt.settings.String(), tt.seconds
	}
	if *out != "" {
		if err := writeModel(*out, final); err != nil {
			return err
		}
		fmt.Fprintf(progress, "model written to %s\n", *out)
	}
	// Certify the model on the objective it minimised, before the scaling
	// is folded into it (the certificate is for the unweighted objective
	// with L2 only).
	cert, err := certify(model, xs, *l2)
	if err != nil {
		return err
	}
	if *l1 > 0 || classW != nil {
		fmt.Fprintf(progress, "certificate of the unweighted L2 objective (λ = %g; it does not cover -l1 or -class-weight): duality gap %.3e, max balance residual %.3e\n", *l2, cert.Gap, cert.MaxResidual)
	} else {
		fmt.Fprintf(progress, "certificate (λ = %g): duality gap %.3e, max balance residual %.3e, |grad| %.3e\n", *l2, cert.Gap, cert.MaxResidual, cert.GradNorm)
	}
	trEv, err := evaluate(final, train)
	if err != nil {
		return err
	}
	if rep.StoppedEarly {
		fmt.Fprintf(progress, "stopped early after %d epochs; kept the model of epoch %d\n", rep.Epochs, rep.BestEpoch)
	}
	fmt.Fprintf(progress, "train: accuracy %.4f  log-loss %.4f\n", trEv.Accuracy, trEv.LogLoss)
	if test.Len() > 0 {
		teEv, err := evaluate(final, test)
		if err != nil {
			return fmt.Errorf("test data: %w", err)
		}
		fmt.Fprintf(progress, "test:  accuracy %.4f  log-loss %.4f  (%d rows)\n", teEv.Accuracy, teEv.LogLoss, teEv.N)
		rep.TestAccuracy, rep.TestLogLoss = &teEv.Accuracy, &teEv.LogLoss
	} else {
		fmt.Fprintf(progress, "test:  no test rows (-test 0)\n")
	}
	fmt.Fprintf(progress, "trained in %.3fs\n", seconds)
	if *jsonOut {
		rep.Data, rep.TrainRows, rep.TestRows = train.Source, train.Len(), test.Len()
		rep.Features, rep.Classes, rep.Scale = train.Features(), model.Classes, kind.String()
		rep.TrainAccuracy, rep.TrainLogLoss = trEv.Accuracy, trEv.LogLoss
		rep.Seconds, rep.Backend, rep.Model = seconds, kernel.Backend(), *out
		rep.Workers, rep.L2, rep.DualityGap, rep.MaxResidual = nWorkers, *l2, cert.Gap, cert.MaxResidual
		rep.L1, rep.ClassWeight, rep.Init = *l1, *classWeight, *initPath
		return json.NewEncoder(stdout).Encode(rep)
	}
	return nil
}

// sgdFlags are the settings of the sgd solver.
type sgdFlags struct {
	epochs, batch        int
	lr, momentum, l2, l1 float64
	sched                kernel.Schedule
	seed                 uint64
	patience, workers    int
	classW               []float64
}

// byteRows returns the rows of x scaled by sc as codes, or nil unless
// every x[i,j] − sc.Offset[j] is an integer in [0, 255]: then the code is
// that integer and the column's scale sc.Scale[j], whose product is what
// sc.Apply computes, (x − offset)·scale in float32, bit for bit (the
// difference is exact).
func byteRows(x kernel.Matrix, sc *data.Scaler) *kernel.ByteMatrix {
	b := kernel.NewByteMatrix(x.Rows, x.Cols)
	copy(b.Scale, sc.Scale)
	for i := 0; i < x.Rows; i++ {
		codes := b.Row(i)
		for j, v := range x.Row(i) {
			d := v - sc.Offset[j]
			if !(d >= 0 && d <= 255 && d == float32(uint8(d))) {
				return nil
			}
			codes[j] = uint8(d)
		}
	}
	return &b
}

// fitSGD trains model with kernel.Trainer (on the codes x8 if not nil,
// else on xs; vs are the validation rows) and records the epochs in rep.
func fitSGD(model *kernel.Model, xs scaledRows, x8 *kernel.ByteMatrix, vs scaledRows, hasVal bool, rep *trainReport, progress io.Writer, f sgdFlags) error {
	var last time.Duration
	tr := kernel.Trainer{
		Epochs: f.epochs, BatchSize: f.batch, LearningRate: f.lr, Momentum: f.momentum,
		L2: f.l2, L1: f.l1, Schedule: f.sched, Seed: f.seed, Workers: f.workers, ClassWeights: f.classW,
		Progress: func(s kernel.EpochStats) {
			rep.EpochSeconds = append(rep.EpochSeconds, (s.Elapsed - last).Seconds())
			last = s.Elapsed
			fmt.Fprintf(progress, "epoch %3d/%d  loss %.4f  acc %.4f", s.Epoch, f.epochs, s.TrainLoss, s.TrainAccuracy)
			if hasVal {
				fmt.Fprintf(progress, "  val_loss %.4f  val_acc %.4f", s.ValLoss, s.ValAccuracy)
			}
			fmt.Fprintf(progress, "  lr %.4g  %v since start\n", s.LearningRate, s.Elapsed.Round(time.Microsecond))
		},
		Heartbeat: func(epoch, step, steps int) {
			fmt.Fprintf(progress, "epoch %3d/%d  step %d/%d (%.0f%%)\n", epoch, f.epochs, step, steps, 100*float64(step)/float64(steps))
		},
	}
	if hasVal {
		tr.Patience = f.patience
	}
	var res kernel.FitResult
	var err error
	switch {
	case xs.sparse != nil:
		rep.Rows = "sparse"
		var vx kernel.CSR
		if vs.sparse != nil {
			vx = *vs.sparse
		}
		res, err = tr.FitSparse(model, *xs.sparse, xs.y, vx, vs.y)
	case x8 != nil:
		rep.Rows = "codes"
		res, err = tr.FitBytes(model, *x8, xs.y, vs.dense, vs.y)
	default:
		rep.Rows = "float32"
		res, err = tr.Fit(model, xs.dense, xs.y, vs.dense, vs.y)
	}
	if err != nil {
		return err
	}
	rep.Epochs, rep.BestEpoch, rep.StoppedEarly = res.Epochs, res.BestEpoch, res.StoppedEarly
	return nil
}

// loadTrainTest returns the training and test sets: -data (or the embedded
// digits) with -test-data, the t10k half of an IDX directory, or a seeded
// stratified split.
func loadTrainTest(in *inputFlags, testPath string, testFrac float64, seed uint64) (train, test *data.Dataset, err error) {
	switch {
	case in.path == "":
		train = data.Digits()
	case testPath == "" && isDir(in.path) && (in.format == "" || in.format == "idx"):
		return data.OpenIDXDir(in.path)
	default:
		if train, err = in.open(); err != nil {
			return nil, nil, err
		}
	}
	if testPath == "" {
		if train, test, err = data.Split(train, testFrac, seed); err != nil {
			return nil, nil, fmt.Errorf("-test: %w", err)
		}
		return train, test, nil
	}
	tin := *in
	tin.path = testPath
	if test, err = tin.open(); err != nil {
		return nil, nil, err
	}
	if err := tin.fitWidth(test, train.Features()); err != nil {
		return nil, nil, err
	}
	if err := test.Remap(train.Labels); err != nil {
		return nil, nil, fmt.Errorf("test data: %w", err)
	}
	return train, test, nil
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// warmStart sets model (to be trained on inputs scaled by sc) to the model
// saved at path, which takes raw inputs: the inverse of AbsorbScaling,
// W[i,j] = W'[i,j]/scale[j] (0 for a constant column) and B[i] = B'[i] +
// Σj W'[i,j]·offset[j], so that both give the same logits on the training
// rows.
func warmStart(model *kernel.Model, path string, sc *data.Scaler) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("-init: %w", err)
	}
	defer f.Close()
	init, err := kernel.ReadModel(f)
	if err != nil {
		return fmt.Errorf("-init %s: %w", path, err)
	}
	if init.Features != model.Features || init.Classes != model.Classes {
		return fmt.Errorf("-init %s: model has %d classes × %d features, the data %d × %d", path, init.Classes, init.Features, model.Classes, model.Features)
	}
	for i, l := range model.Labels {
		if i >= len(init.Labels) || init.Labels[i] != l {
			return fmt.Errorf("-init %s: its class labels %q differ from the data's %q", path, init.Labels, model.Labels)
		}
	}
	for i := 0; i < model.Classes; i++ {
		src, dst := init.W.Row(i), model.W.Row(i)
		shift := float64(init.B[i])
		for j, w := range src {
			shift += float64(w) * float64(sc.Offset[j])
			if sc.Scale[j] != 0 {
				dst[j] = w / sc.Scale[j]
			}
		}
		model.B[i] = float32(shift)
	}
	return model.Validate()
}

// trainFlagRules are the ranges of train's numeric flags. A value out of
// range is an error, never silently replaced by a default (the library
// treats 0 as "default", a command line must not).
var trainFlagRules = []struct {
	name     string
	min, max float64 // the closed range, or open where the flag says
	openMin  bool    // min itself is out of range
	openMax  bool    // max itself is out of range
	want     string
}{
	{"epochs", 1, math.MaxInt32, false, false, "an integer ≥ 1"},
	{"batch", 1, math.MaxInt32, false, false, "an integer ≥ 1"},
	{"iters", 1, math.MaxInt32, false, false, "an integer ≥ 1"},
	{"memory", 1, math.MaxInt32, false, false, "an integer ≥ 1"},
	{"patience", 1, math.MaxInt32, false, false, "an integer ≥ 1"},
	{"workers", 0, math.MaxInt32, false, false, "an integer ≥ 0 (0: one per CPU)"},
	{"lr", 0, math.MaxFloat64, true, false, "a finite value > 0"},
	{"momentum", 0, 1, false, true, "a value in [0, 1)"},
	{"l2", 0, math.MaxFloat64, false, false, "a finite value ≥ 0"},
	{"l1", 0, math.MaxFloat64, false, false, "a finite value ≥ 0"},
	{"tol", 0, math.MaxFloat64, true, false, "a finite value > 0"},
	{"test", 0, 1, false, true, "a fraction in [0, 1) (0: no test rows)"},
	{"val", 0, 1, false, true, "a fraction in [0, 1) (0: no validation rows)"},
}

// checkTrainFlags checks every numeric flag of train against
// trainFlagRules.
func checkTrainFlags(fs *flag.FlagSet) error {
	for _, r := range trainFlagRules {
		f := fs.Lookup(r.name)
		var v float64
		switch x := f.Value.(flag.Getter).Get().(type) {
		case int:
			v = float64(x)
		case float64:
			v = x
		default:
			panic("checkTrainFlags: flag -" + r.name + " is not numeric")
		}
		if !(v >= r.min && v <= r.max) || (r.openMin && v == r.min) || (r.openMax && v == r.max) {
			return fmt.Errorf("-%s %s: want %s", r.name, f.Value, r.want)
		}
	}
	return nil
}

// warnFewRowsPerClass warns when the training rows average fewer than two
// per class: then the label column is most likely wrong (an ID or a
// continuous value), and training one weight row per class may take long.
func warnFewRowsPerClass(w io.Writer, d *data.Dataset) {
	k, n := len(d.Labels), d.Len()
	if k <= 2 || 2*k <= n {
		return
	}
	single := make([]int, k)
	for _, c := range d.Y {
		single[c]++
	}
	ones := 0
	for _, c := range single {
		if c == 1 {
			ones++
		}
	}
	fmt.Fprintf(w, "warning: %d classes for %d training rows (%.2f rows per class, %d classes with a single row): is the label column right (-label)? Each class costs a weight row in every step\n",
		k, n, float64(n)/float64(k), ones)
}
