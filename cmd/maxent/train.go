package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/seed7bc074a2/maxent/kernel"
	"github.com/seed7bc074a2/maxent/kernel/data"
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
	TestAccuracy  float64 `json:"test_accuracy"`
	TestLogLoss   float64 `json:"test_log_loss"`
	Epochs        int     `json:"epochs"`
	BestEpoch     int     `json:"best_epoch"`
	StoppedEarly  bool    `json:"stopped_early"`
	Seconds       float64 `json:"seconds"`
	Backend       string  `json:"backend"`
	Model         string  `json:"model,omitempty"`
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("train", "[-data PATH] [-o model.mxt] [-epochs N] [-l2 λ] [-json] [flags]", stderr)
	var in inputFlags
	in.register(fs, "training data (default: the embedded UCI digits data set, 1,797 rows × 64 features)", false)
	testPath := fs.String("test-data", "", "held-out test data in the same format (default: the t10k files of an IDX directory, else a stratified split of -data)")
	testFrac := fs.Float64("test", 0.2, "fraction of -data held out for testing when there is no -test-data")
	valFrac := fs.Float64("val", 0, "fraction of the training rows held out for validation and early stopping (0: none)")
	patience := fs.Int("patience", 5, "with -val: stop after this many epochs without a lower validation loss and keep the best model")
	scale := fs.String("scale", "minmax", "feature scaling fitted on the training rows: none, minmax ([0,1]) or standard; folded into the saved model")
	epochs := fs.Int("epochs", 30, "passes over the training data")
	batch := fs.Int("batch", 16, "minibatch size")
	lr := fs.Float64("lr", 0.1, "initial learning rate")
	momentum := fs.Float64("momentum", 0.9, "heavy-ball momentum in [0, 1)")
	l2 := fs.Float64("l2", 1e-4, "L2 penalty λ: the objective is mean log-loss + λ/2·‖W‖² (bias not penalised)")
	schedule := fs.String("schedule", "cosine", "learning-rate schedule: constant, cosine or invtime")
	seed := fs.Uint64("seed", 1, "seed of the data split and the shuffling: the same seed gives the same model")
	out := fs.String("o", "", "write the trained model to this file")
	jsonOut := fs.Bool("json", false, "print progress on stderr and one JSON summary line on stdout")
	if err := parse(fs, args); err != nil {
		return err
	}
	sched, err := kernel.ParseSchedule(*schedule)
	if err != nil {
		return err
	}
	kind, err := data.ParseScaleKind(*scale)
	if err != nil {
		return err
	}
	if _, err := in.csvOptions(); err != nil {
		return err
	}

	train, test, err := loadTrainTest(&in, *testPath, *testFrac, *seed)
	if err != nil {
		return err
	}
	var val *data.Dataset
	if *valFrac > 0 {
		if train, val, err = data.Split(train, *valFrac, *seed+1); err != nil {
			return fmt.Errorf("-val: %w", err)
		}
	}

	// Scale with statistics of the training rows only, train on scaled
	// copies, then fold the scaling into the model so that it applies to
	// raw features like every other input of eval and predict.
	scaler := data.FitScaler(kind, train.X)
	xs := train.X.Clone()
	scaler.Apply(xs)
	var vx kernel.Matrix
	var vy []int
	if val != nil {
		vx = val.X.Clone()
		scaler.Apply(vx)
		vy = val.Y
	}

	model := kernel.NewModel(len(train.Labels), train.Features())
	model.Labels = train.Labels
	progress := stdout
	if *jsonOut {
		progress = stderr
	}
	fmt.Fprintf(progress, "training on %s: %d rows × %d features, %d classes; testing on %d rows; backend %s\n",
		train.Source, train.Len(), train.Features(), len(train.Labels), test.Len(), kernel.Backend())
	tr := kernel.Trainer{
		Epochs: *epochs, BatchSize: *batch, LearningRate: *lr, Momentum: *momentum,
		L2: *l2, Schedule: sched, Seed: *seed, Progress: func(s kernel.EpochStats) {
			fmt.Fprintf(progress, "epoch %3d/%d  loss %.4f  acc %.4f", s.Epoch, *epochs, s.TrainLoss, s.TrainAccuracy)
			if val != nil {
				fmt.Fprintf(progress, "  val_loss %.4f  val_acc %.4f", s.ValLoss, s.ValAccuracy)
			}
			fmt.Fprintf(progress, "  lr %.4g  %v\n", s.LearningRate, s.Elapsed.Round(time.Microsecond))
		},
	}
	if val != nil {
		tr.Patience = *patience
	}
	start := time.Now()
	res, err := tr.Fit(model, xs, train.Y, vx, vy)
	if err != nil {
		return err
	}
	seconds := time.Since(start).Seconds()
	if err := model.AbsorbScaling(scaler.Offset, scaler.Scale); err != nil {
		return err
	}
	trEv, err := model.Evaluate(train.X, train.Y)
	if err != nil {
		return err
	}
	teEv, err := model.Evaluate(test.X, test.Y)
	if err != nil {
		return fmt.Errorf("test data: %w", err)
	}
	if res.StoppedEarly {
		fmt.Fprintf(progress, "stopped early after %d epochs; kept the model of epoch %d\n", res.Epochs, res.BestEpoch)
	}
	fmt.Fprintf(progress, "train: accuracy %.4f  log-loss %.4f\n", trEv.Accuracy, trEv.LogLoss)
	fmt.Fprintf(progress, "test:  accuracy %.4f  log-loss %.4f  (%d rows)\n", teEv.Accuracy, teEv.LogLoss, teEv.N)
	fmt.Fprintf(progress, "trained in %.3fs\n", seconds)
	if *out != "" {
		if err := writeModel(*out, model); err != nil {
			return err
		}
		fmt.Fprintf(progress, "model written to %s\n", *out)
	}
	if *jsonOut {
		return json.NewEncoder(stdout).Encode(trainReport{
			Data: train.Source, TrainRows: train.Len(), TestRows: test.Len(),
			Features: train.Features(), Classes: model.Classes, Scale: kind.String(),
			TrainAccuracy: trEv.Accuracy, TrainLogLoss: trEv.LogLoss,
			TestAccuracy: teEv.Accuracy, TestLogLoss: teEv.LogLoss,
			Epochs: res.Epochs, BestEpoch: res.BestEpoch, StoppedEarly: res.StoppedEarly,
			Seconds: seconds, Backend: kernel.Backend(), Model: *out,
		})
	}
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

// writeModel writes m to path atomically: to a temporary file first, renamed
// over path only when complete, so an error never leaves half a model.
func writeModel(path string, m *kernel.Model) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".maxent-model-*")
	if err != nil {
		return err
	}
	_, err = m.WriteTo(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing model: %w", err)
	}
	return nil
}

// readModel loads a model file.
func readModel(path string) (*kernel.Model, error) {
	if path == "" {
		return nil, errors.New("-model is required")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := kernel.ReadModel(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
