package main

import (
	"fmt"

	"github.com/seed7bc074a2/maxent/kernel"
	"github.com/seed7bc074a2/maxent/kernel/data"
)

// scaledRows are the rows a trainer reads: a data set's rows after the
// scaling, dense or sparse.
type scaledRows struct {
	dense  kernel.Matrix
	sparse *kernel.CSR
	y      []int
}

// scaleRows returns d's rows scaled by sc (copies: d keeps the raw rows).
func scaleRows(d *data.Dataset, sc *data.Scaler) scaledRows {
	if d.Sparse != nil {
		x := sc.ApplySparse(*d.Sparse)
		return scaledRows{sparse: &x, y: d.Y}
	}
	x := d.X.Clone()
	sc.Apply(x)
	return scaledRows{dense: x, y: d.Y}
}

// rawRows are d's rows unscaled (not copied).
func rawRows(d *data.Dataset) scaledRows {
	return scaledRows{dense: d.X, sparse: d.Sparse, y: d.Y}
}

// fitScaler fits the scaling of kind to d's rows: for sparse rows only
// none and maxabs, which keep zeros.
func fitScaler(kind data.ScaleKind, d *data.Dataset) (*data.Scaler, error) {
	if d.Sparse != nil {
		sc, err := data.FitScalerSparse(kind, *d.Sparse)
		if err != nil {
			return nil, fmt.Errorf("-scale: %w", err)
		}
		return sc, nil
	}
	return data.FitScaler(kind, d.X), nil
}

// certify is kernel.Certify or CertifySparse on r.
func certify(m *kernel.Model, r scaledRows, l2 float64) (kernel.Certificate, error) {
	if r.sparse != nil {
		return kernel.CertifySparse(m, *r.sparse, r.y, l2)
	}
	return kernel.Certify(m, r.dense, r.y, l2)
}

// evaluate is Model.Evaluate or EvaluateSparse on d's rows.
func evaluate(m *kernel.Model, d *data.Dataset) (kernel.Evaluation, error) {
	if d.Sparse != nil {
		return m.EvaluateSparse(*d.Sparse, d.Y)
	}
	return m.Evaluate(d.X, d.Y)
}

// matchSparse gives test the storage of train: sparse rows for a sparse
// training set (a narrow LIBSVM test file may have been read dense, or be
// narrower), dense rows for a dense one.
func matchSparse(train, test *data.Dataset) error {
	switch {
	case test == nil || test.Len() == 0:
		return nil
	case train.Sparse != nil && test.Sparse == nil:
		x := kernel.CSRFromDense(test.X)
		test.Sparse = &x
	case train.Sparse == nil && test.Sparse != nil:
		if err := data.CheckMemory(data.DenseBytes(test.Len(), train.Features()), "the test rows made dense"); err != nil {
			return err
		}
		if err := test.SetFeatures(train.Features()); err != nil {
			return err
		}
		test.X = test.Sparse.Dense()
		test.Sparse = nil
		return nil
	}
	if test.Sparse != nil && test.Features() != train.Features() {
		return test.SetFeatures(train.Features())
	}
	return nil
}

// sparseDefaults replaces the defaults that suit dense rows by ones that
// suit sparse rows, for the flags the command line did not set: λ = 1/n for
// n training rows (the penalty of liblinear's and scikit-learn's default C
// = 1 in the mean form: C·Σ loss + ½‖W‖² over n rows is n·C times mean loss
// + λ/2·‖W‖² with λ = 1/(n·C)); for SGD no momentum (it would move every
// weight in every step), no scaling and 10 epochs (the learning rate: see
// autoLR). It returns what it chose.
func sparseDefaults(set map[string]bool, f *sgdFlags, scale *string, l2 *float64, rows int) []string {
	var said []string
	if !set["l2"] && rows > 0 {
		*l2 = 1 / float64(rows)
		f.l2 = *l2
		said = append(said, fmt.Sprintf("-l2 %.4g (1/rows)", *l2))
	}
	if !set["momentum"] {
		f.momentum = 0
		said = append(said, "-momentum 0")
	}
	if !set["scale"] {
		*scale = "none"
		said = append(said, "-scale none")
	}
	if !set["epochs"] {
		f.epochs = 10
		said = append(said, "-epochs 10")
	}
	return said
}

// autoLR is the learning rate of sparse rows without -lr: batch/(2·mean
// ‖x‖²), about half a unit step per row (the sparse rows of one batch
// rarely share features, so each row's step is lr/batch).
func autoLR(x kernel.CSR, batch int) float64 {
	var ss float64
	for _, v := range x.Value[x.RowPtr[0]:x.RowPtr[x.Rows]] {
		ss += float64(v) * float64(v)
	}
	if ss == 0 {
		return 1
	}
	return float64(batch) * float64(x.Rows) / (2 * ss)
}
