package main

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// TestFashionMNIST is the bounded end-to-end run on Fashion-MNIST (Debian
// package dataset-fashion-mnist, which .ci/run installs): a few SGD epochs
// must reach the published linear baseline's accuracy. It asserts accuracy,
// not time, and is skipped with -short or when the data is not installed.
func TestFashionMNIST(t *testing.T) {
	const dir = "/usr/share/datasets/fashion-mnist"
	if testing.Short() {
		t.Skip("-short")
	}
	if _, err := os.Stat(dir + "/train-images-idx3-ubyte.gz"); err != nil {
		t.Skipf("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist): %v", err)
	}
	code, out, errs := runCLI(t, "train", "-data", dir, "-solver", "sgd", "-epochs", "5", "-batch", "64", "-lr", "0.05", "-l2", "1.6666667e-5", "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep trainReport
	if err := json.Unmarshal([]byte(lastLine(out)), &rep); err != nil {
		t.Fatal(err)
	}
	t.Logf("Fashion-MNIST sgd: train log-loss %.4f, test accuracy %.4f, %.2fs, gap %.3g", rep.TrainLogLoss, *rep.TestAccuracy, rep.Seconds, rep.DualityGap)
	if rep.TrainRows != 60000 || rep.TestRows != 10000 || rep.Features != 784 || rep.Classes != 10 {
		t.Fatalf("data %d/%d rows, %d features, %d classes", rep.TrainRows, rep.TestRows, rep.Features, rep.Classes)
	}
	if *rep.TestAccuracy < 0.84 {
		t.Fatalf("test accuracy %.4f < 0.84", *rep.TestAccuracy)
	}
	if rep.Rows != "codes" {
		t.Fatalf("rows %q: Fashion-MNIST's min-max scaled pixels are codes", rep.Rows)
	}
	// The same run on float32 rows: the same model to rounding.
	code, out, errs = runCLI(t, "train", "-data", dir, "-solver", "sgd", "-epochs", "5", "-batch", "64", "-lr", "0.05", "-l2", "1.6666667e-5", "-json", "-codes", "off")
	if code != 0 {
		t.Fatalf("-codes off: exit %d: %s", code, errs)
	}
	var f32 trainReport
	if err := json.Unmarshal([]byte(lastLine(out)), &f32); err != nil {
		t.Fatal(err)
	}
	if f32.Rows != "float32" || math.Abs(f32.TrainLogLoss-rep.TrainLogLoss) > 1e-4 || math.Abs(*f32.TestAccuracy-*rep.TestAccuracy) > 0.002 {
		t.Fatalf("float32 rows (%q): train log-loss %.6f, test accuracy %.4f; codes: %.6f, %.4f", f32.Rows, f32.TrainLogLoss, *f32.TestAccuracy, rep.TrainLogLoss, *rep.TestAccuracy)
	}
}
