package kernel

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// Schedule is a learning-rate schedule for Trainer.
type Schedule int

const (
	// Constant keeps the learning rate fixed.
	Constant Schedule = iota
	// Cosine anneals the rate per step from LearningRate to 0 over all
	// epochs: lr·(1 + cos(π·t/T))/2.
	Cosine
	// InvTime divides the rate by (1 + epoch), epoch counted from 0.
	InvTime
)

var scheduleNames = [...]string{Constant: "constant", Cosine: "cosine", InvTime: "invtime"}

func (s Schedule) String() string {
	if s >= 0 && int(s) < len(scheduleNames) {
		return scheduleNames[s]
	}
	return fmt.Sprintf("Schedule(%d)", int(s))
}

// ParseSchedule returns the schedule named "constant", "cosine" or "invtime".
func ParseSchedule(name string) (Schedule, error) {
	for i, n := range scheduleNames {
		if n == name {
			return Schedule(i), nil
		}
	}
	return 0, fmt.Errorf("maxent: unknown learning-rate schedule %q (want constant, cosine or invtime)", name)
}

// Trainer fits a Model by minibatch stochastic gradient descent with momentum
// on the L2-penalised mean cross-entropy
//
//	J(W, B) = (1/n) Σᵢ [log Σ_c exp(W_c·xᵢ + B_c) − (W_yᵢ·xᵢ + B_yᵢ)] + (λ/2)·‖W‖²
//
// (the bias is not penalised). Zero fields take the defaults given. Training
// is deterministic: the same Trainer, data and initial model give a
// bit-identical model on the same backend.
type Trainer struct {
	Epochs       int      // passes over the data; default 50
	BatchSize    int      // samples per step; default 32
	LearningRate float64  // initial step size; default 0.1
	Momentum     float64  // heavy-ball momentum in [0, 1); default 0 (use 0.9 for speed)
	L2           float64  // λ ≥ 0, the penalty (λ/2)·‖W‖²
	Schedule     Schedule // learning-rate schedule; default Constant
	Seed         uint64   // seeds the per-epoch shuffle

	// Patience enables early stopping when validation data is given to
	// Fit: training stops after Patience epochs without a lower validation
	// loss, and the model of the best epoch is restored. 0 disables it.
	Patience int

	// L1 ≥ 0 adds λ₁·‖W‖₁ (bias unpenalised; elastic net with L2): after
	// every step each weight is soft-thresholded by lr·λ₁ (a proximal
	// step), so weights become exactly 0.
	L1 float64

	// GradTol, if > 0, computes the full gradient of the objective after
	// every epoch and stops when ‖∇J‖∞ ≤ GradTol·max(1, |J|) (the same
	// test as LBFGS; with L1 > 0, J excludes the L1 term and the test is
	// not a convergence criterion). It costs one pass over the data.
	GradTol float64
	// GapTol, if > 0 (with L2 > 0 and L1 == 0), likewise stops when the
	// certificate's duality-gap bound ‖∇_W J‖²/(2λ) + ⟨B, ∇_B J⟩ (see
	// Certify and LBFGS.GapTol) is ≤ GapTol after an epoch.
	GapTol float64

	// Workers is the number of goroutines that share each minibatch;
	// default GOMAXPROCS, at most BatchSize. Each owns a contiguous range
	// of the features: it computes its part of every row's logits, which
	// are added in worker order, then the gradient and the update of its
	// columns of W, so that no weight gradient is reduced across cores.
	// The same Seed and Workers give a bit-identical model; a different
	// Workers may change the last bits.
	Workers int

	// SampleWeights and ClassWeights, if not nil, weight the loss of each
	// row as in LBFGS: the objective's data term is (1/n) Σᵢ sᵢ·lossᵢ.
	SampleWeights []float64
	ClassWeights  []float64

	// Progress, if not nil, is called after every epoch.
	Progress func(EpochStats)

	// Heartbeat, if not nil, is called during epochs that take longer
	// than a second, about once a second, with the epoch (1-based), the
	// steps done in it and its number of steps: an epoch of many classes
	// or features can take minutes. It runs between two steps while the
	// other workers wait, so it must return quickly; it does not change
	// the model.
	Heartbeat func(epoch, step, steps int)
}

// EpochStats reports one epoch of training.
type EpochStats struct {
	Epoch         int           // 1-based
	LearningRate  float64       // rate at the end of the epoch
	TrainLoss     float64       // mean cross-entropy of the epoch's samples, each measured just before its step
	TrainAccuracy float64       // fraction of the epoch's samples classified right before their step
	ValLoss       float64       // mean cross-entropy on the validation data (NaN without)
	ValAccuracy   float64       // accuracy on the validation data (NaN without)
	GradNorm      float64       // ‖∇J‖∞ over all the data after the epoch (NaN unless GradTol or GapTol > 0)
	Gap           float64       // the certificate's gap bound after the epoch (NaN unless GapTol > 0)
	Elapsed       time.Duration // since Fit started
}

// FitResult summarises a call to Fit.
type FitResult struct {
	Epochs       int          // epochs run
	BestEpoch    int          // epoch whose model was kept (the last one without early stopping)
	StoppedEarly bool         // Patience ran out
	Converged    bool         // the GradTol or GapTol test passed
	History      []EpochStats // one entry per epoch
}

func (t *Trainer) withDefaults() (Trainer, error) {
	c := *t
	if c.Epochs == 0 {
		c.Epochs = 50
	}
	if c.BatchSize == 0 {
		c.BatchSize = 32
	}
	if c.LearningRate == 0 {
		c.LearningRate = 0.1
	}
	switch {
	case c.Epochs < 0:
		return c, fmt.Errorf("maxent: Epochs = %d, want ≥ 1", c.Epochs)
	case c.BatchSize < 0:
		return c, fmt.Errorf("maxent: BatchSize = %d, want ≥ 1", c.BatchSize)
	case !(c.LearningRate > 0) || math.IsInf(c.LearningRate, 0):
		return c, fmt.Errorf("maxent: LearningRate = %v, want a finite value > 0", c.LearningRate)
	case !(c.Momentum >= 0 && c.Momentum < 1):
		return c, fmt.Errorf("maxent: Momentum = %v, want 0 ≤ Momentum < 1", c.Momentum)
	case !(c.L2 >= 0) || math.IsInf(c.L2, 0):
		return c, fmt.Errorf("maxent: L2 = %v, want a finite value ≥ 0", c.L2)
	case c.Schedule < 0 || int(c.Schedule) >= len(scheduleNames):
		return c, fmt.Errorf("maxent: unknown Schedule %d", int(c.Schedule))
	case c.Patience < 0:
		return c, fmt.Errorf("maxent: Patience = %d, want ≥ 0", c.Patience)
	case !(c.L1 >= 0) || math.IsInf(c.L1, 0):
		return c, fmt.Errorf("maxent: L1 = %v, want a finite value ≥ 0", c.L1)
	case !(c.GradTol >= 0) || math.IsInf(c.GradTol, 0):
		return c, fmt.Errorf("maxent: GradTol = %v, want a finite value ≥ 0", c.GradTol)
	case !(c.GapTol >= 0) || math.IsInf(c.GapTol, 0):
		return c, fmt.Errorf("maxent: GapTol = %v, want a finite value ≥ 0", c.GapTol)
	case c.GapTol > 0 && !(c.L2 > 0 && c.L1 == 0):
		return c, fmt.Errorf("maxent: GapTol needs L2 > 0 and L1 == 0 (the certificate's bound), have L2 = %v, L1 = %v", c.L2, c.L1)
	case c.Workers < 0:
		return c, fmt.Errorf("maxent: Workers = %d, want ≥ 0", c.Workers)
	case c.L2*c.LearningRate >= 2*(1+c.Momentum):
		// The penalty alone is a quadratic of curvature λ, on which heavy-ball
		// steps converge only for lr·λ < 2(1 + μ): beyond that every step
		// overshoots more than the last, whatever the data.
		return c, fmt.Errorf("maxent: L2·LearningRate = %g·%g = %g ≥ 2·(1 + Momentum) = %g: the penalty's own steps diverge; lower L2 or the learning rate", c.L2, c.LearningRate, c.L2*c.LearningRate, 2*(1+c.Momentum))
	}
	c.Workers = min(defaultWorkers(c.Workers), c.BatchSize)
	return c, nil
}

// CheckData returns an error naming the first problem that makes (x, y)
// unusable as training data for a model with the given classes: no rows, a
// length mismatch, a label out of range, or a NaN or infinite feature.
// Row and column numbers in the message are 0-based.
func CheckData(x Matrix, y []int, classes int) error {
	return checkDataWorkers(x, y, classes, 1)
}

// checkDataWorkers is CheckData with the scan for NaN and ±Inf (one pass
// over the data, bound by memory bandwidth) split over up to workers
// goroutines; the error names the same first bad row.
func checkDataWorkers(x Matrix, y []int, classes, workers int) error {
	if err := checkShapeLabels(x, y, classes); err != nil {
		return err
	}
	return scanRows(x, workers)
}

// checkShapeLabels is CheckData without the scan of the features: the
// matrix, the number of labels and their range.
func checkShapeLabels(x Matrix, y []int, classes int) error {
	if x.Rows < 0 || x.Cols < 0 || (x.Rows > 1 && x.Stride < x.Cols) || (x.Rows > 0 && len(x.Data) < (x.Rows-1)*x.Stride+x.Cols) {
		return fmt.Errorf("maxent: malformed matrix: %d×%d with Stride %d and %d elements", x.Rows, x.Cols, x.Stride, len(x.Data))
	}
	return checkLabels(x.Rows, y, classes)
}

// checkLabels checks that there are rows, one label per row, each in
// range.
func checkLabels(rows int, y []int, classes int) error {
	if rows == 0 {
		return errors.New("maxent: no rows")
	}
	if len(y) != rows {
		return fmt.Errorf("maxent: %d labels for %d rows", len(y), rows)
	}
	for i, c := range y {
		if c < 0 || c >= classes {
			return fmt.Errorf("maxent: row %d: label %d out of range [0, %d)", i, c, classes)
		}
	}
	return nil
}

// scanRows returns the error naming the first NaN or infinite feature of
// x, nil if there is none, scanning with up to workers goroutines.
func scanRows(x Matrix, workers int) error {
	workers = max(1, min(workers, x.Rows/4096))
	first := make([]int, workers)
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first[w] = firstNonFinite(x, w*x.Rows/workers, (w+1)*x.Rows/workers)
		}()
	}
	first[0] = firstNonFinite(x, 0, x.Rows/workers)
	wg.Wait()
	for _, r := range first {
		if r >= 0 {
			return nonFiniteError(x, r)
		}
	}
	return nil
}

// firstNonFinite returns the first row in [lo, hi) holding a NaN or an
// infinity, or −1. Screen: Σ x[i,j]·0 is NaN exactly when the row holds
// one (one SIMD Dot per row, much cheaper than a test per element); only such a row is
// scanned element by element.
func firstNonFinite(x Matrix, lo, hi int) int {
	zeros := make([]float32, x.Cols)
	for i := lo; i < hi; i++ {
		if dotImpl(x.Row(i), zeros) != 0 {
			return i
		}
	}
	return -1
}

// nonFiniteError names the first NaN or infinite feature of row i.
func nonFiniteError(x Matrix, i int) error {
	for j, v := range x.Row(i) {
		if math.IsNaN(float64(v)) {
			return fmt.Errorf("maxent: row %d, column %d: feature is NaN", i, j)
		}
		if math.IsInf(float64(v), 0) {
			return fmt.Errorf("maxent: row %d, column %d: feature is %v", i, j, v)
		}
	}
	return fmt.Errorf("maxent: row %d: a product with 0 is not 0", i) // unreachable for float32
}

// Fit trains m in place (starting from its current weights, so a model from
// NewModel starts at zero and a trained one is warm-started) on rows x with
// class indices y. valX and valY are optional validation data (pass a zero
// Matrix and nil) used for reporting and early stopping.
//
// It returns an error, and leaves m unchanged, if the configuration is
// invalid, the data fails CheckData, x.Cols != m.Features, x has more than
// 2³² − 1 rows, or y holds fewer than two distinct classes. The labels are
// checked first; the features are not scanned in a separate pass over the
// data (a pass that costs a large part of an epoch): a NaN or infinite
// feature makes the loss of its minibatch NaN, so the first epoch, which
// visits every row, runs the full CheckData when a step's loss is not
// finite, restores m and returns its error.
func (t *Trainer) Fit(m *Model, x Matrix, y []int, valX Matrix, valY []int) (FitResult, error) {
	return t.fit(m, x, ByteMatrix{}, y, valX, valY)
}

// FitBytes is Fit on the rows that x holds as codes (see ByteMatrix),
// reading a quarter of the bytes per epoch. On amd64 (without L1) the
// kernels read the codes themselves: the logits are Σ (w·scale)·code with
// the weights times the scales kept alongside W, and each gradient sum
// Σ d·code is multiplied by its column's scale once, and the last class's
// sum is minus the others' (the rows of p − onehot add up to zero); with
// at most 16 classes the last class's weights are kept as minus the sum
// of the others' (plus a shift per feature that the L2 term moves alike
// for every class), so that one logit fewer is computed. So the model is
// the one Fit trains on x.Float() to rounding (relative
// differences of order 1e-7 after a few epochs on features in [0, 1]; SGD
// amplifies rounding differences more on badly scaled features),
// deterministic like Fit's. Elsewhere, and with
// L1, each minibatch is decoded into a block and the model is Fit's on
// x.Float(), bit for bit. It returns an error if x fails Validate,
// besides Fit's errors. GradTol and GapTol evaluate the objective on the
// decoded rows: with either, FitBytes decodes x once (4 bytes per
// element).
func (t *Trainer) FitBytes(m *Model, x ByteMatrix, y []int, valX Matrix, valY []int) (FitResult, error) {
	if err := x.Validate(); err != nil {
		return FitResult{}, err
	}
	if x.Data == nil { // no rows: a non-nil Data marks codes
		x.Data = []uint8{}
	}
	return t.fit(m, Matrix{Rows: x.Rows, Cols: x.Cols}, x, y, valX, valY)
}

// sgdRows reports an error for more rows than the trainer's row orders
// hold: they number rows in 32 bits, which halves the memory the draw of
// an order touches during an epoch.
func sgdRows(rows int) error {
	if uint64(rows) > math.MaxUint32 {
		return fmt.Errorf("maxent: %d rows: the trainer takes at most %d", rows, uint64(math.MaxUint32))
	}
	return nil
}

// fit implements Fit and FitBytes: on the rows x, or on the codes x8 if
// x8.Data is not nil (x then holds only the shape, and x8 is valid).
func (t *Trainer) fit(m *Model, x Matrix, x8 ByteMatrix, y []int, valX Matrix, valY []int) (FitResult, error) {
	cfg, err := t.fitConfig(m, x, x8, y, valX, valY)
	if err != nil {
		return FitResult{}, err
	}
	rw, err := rowWeights(y, m.Classes, cfg.SampleWeights, cfg.ClassWeights)
	if err != nil {
		return FitResult{}, err
	}
	r := &fitRun{cfg: &cfg, m: m, rows: x.Rows, bestLoss: math.Inf(1)}
	if x8.Data == nil { // codes are finite (Validate)
		r.scan = func() error { return scanRows(x, cfg.Workers) }
	}
	if valX.Rows > 0 || valY != nil {
		r.evalVal = func() (Evaluation, error) { return m.Evaluate(valX, valY) }
	}
	r.s = newSGD(m, x, x8, y, rw, &cfg)
	r.s.beat.fn = cfg.Heartbeat
	defer r.s.close()
	if cfg.GradTol > 0 || cfg.GapTol > 0 {
		xo := x
		if x8.Data != nil {
			xo = x8.Float()
		}
		r.obj = newObjective(m.Classes, m.Features, xo, y, rw, cfg.L2, cfg.Workers)
		defer r.obj.close()
	}
	return r.run()
}

// fitConfig checks the arguments of fit and returns the Trainer with its
// defaults.
func (t *Trainer) fitConfig(m *Model, x Matrix, x8 ByteMatrix, y []int, valX Matrix, valY []int) (Trainer, error) {
	cfg, err := t.withDefaults()
	if err != nil {
		return cfg, err
	}
	if err := m.Validate(); err != nil {
		return cfg, err
	}
	if x.Cols != m.Features {
		return cfg, fmt.Errorf("maxent: data has %d features, model has %d", x.Cols, m.Features)
	}
	if err := sgdRows(x.Rows); err != nil {
		return cfg, err
	}
	if x8.Data == nil {
		err = checkShapeLabels(x, y, m.Classes)
	} else {
		err = checkLabels(x.Rows, y, m.Classes)
	}
	if err != nil {
		return cfg, err
	}
	if distinct := countClasses(y, m.Classes); distinct < 2 {
		return cfg, fmt.Errorf("maxent: all %d rows have class %d: training needs at least two classes", len(y), y[0])
	}
	if valX.Rows > 0 || valY != nil {
		if valX.Cols != m.Features {
			return cfg, fmt.Errorf("maxent: validation data has %d features, model has %d", valX.Cols, m.Features)
		}
		if err := CheckData(valX, valY, m.Classes); err != nil {
			return cfg, fmt.Errorf("validation data: %w", err)
		}
	}
	return cfg, nil
}

// fitRun is the state of fit across epochs.
type fitRun struct {
	cfg         *Trainer
	m           *Model
	rows        int
	scan        func() error               // names a NaN or infinite feature (nil: none can be)
	evalVal     func() (Evaluation, error) // scores the validation data (nil: none)
	s           *sgd
	obj         fullObjective // the full objective, for GradTol and GapTol (nil: neither)
	theta, grad []float64
	res         FitResult
	bestLoss    float64 // early stopping: the lowest validation loss,
	bestEp      int     // its epoch
	best        *Model  // and its model
}

// run trains the epochs.
func (r *fitRun) run() (FitResult, error) {
	cfg, s := r.cfg, r.s
	start := time.Now()
	// The features are screened during the first epoch (see the doc
	// comment); orig restores m if a bad one turns up.
	orig := r.m.Clone()
	unscanned := true
	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		lr := r.schedule(epoch)
		if epoch+1 < cfg.Epochs {
			s.startShuffle() // the next epoch's order, drawn during this one
		}
		// The whole epoch in one round of the workers; a step's NaN or
		// ±Inf loss makes the sum NaN or ±Inf.
		s.beat.start(epoch + 1)
		loss, correct := s.epoch()
		if unscanned && math.IsNaN(loss-loss) && r.scan != nil {
			if err := r.scan(); err != nil {
				r.m.copyFrom(orig)
				return FitResult{}, err
			}
			unscanned = false // the data is fine: the training diverged
		}
		s.flush() // the model's W is the trained one from here on
		st := EpochStats{
			Epoch:         epoch + 1,
			LearningRate:  lr,
			TrainLoss:     loss / float64(r.rows),
			TrainAccuracy: float64(correct) / float64(r.rows),
		}
		if math.IsNaN(st.TrainLoss) || math.IsInf(st.TrainLoss, 0) {
			return r.res, fmt.Errorf("maxent: training diverged in epoch %d (loss %v): lower the learning rate or scale the features", epoch+1, st.TrainLoss)
		}
		unscanned = false // every row has been in a finite-loss step
		r.res.Epochs, r.res.BestEpoch = epoch+1, epoch+1
		r.measure(&st)
		st.Elapsed = time.Since(start)
		r.res.History = append(r.res.History, st)
		if cfg.Progress != nil {
			cfg.Progress(st)
		}
		if r.res.Converged || r.stopEarly(st) {
			break
		}
	}
	if r.best != nil {
		r.m.copyFrom(r.best)
		r.res.BestEpoch = r.bestEp
	}
	return r.res, nil
}

// schedule draws the epoch's row order, sets the learning rates of its
// steps and returns the last.
func (r *fitRun) schedule(epoch int) float64 {
	cfg, s := r.cfg, r.s
	s.shuffle()
	stepsPerEpoch := len(s.lrs)
	totalSteps := float64(stepsPerEpoch * cfg.Epochs)
	lr := cfg.LearningRate
	for b := 0; b < stepsPerEpoch; b++ {
		switch cfg.Schedule {
		case Cosine:
			t := float64(epoch*stepsPerEpoch + b)
			lr = cfg.LearningRate * 0.5 * (1 + math.Cos(math.Pi*t/totalSteps))
		case InvTime:
			lr = cfg.LearningRate / float64(1+epoch)
		}
		s.lrs[b] = float32(lr)
	}
	return lr
}

// measure fills in the validation scores, the gradient norm and the gap
// of st, and whether the GradTol or GapTol test passed.
func (r *fitRun) measure(st *EpochStats) {
	st.ValLoss, st.ValAccuracy, st.GradNorm, st.Gap = math.NaN(), math.NaN(), math.NaN(), math.NaN()
	if r.evalVal != nil {
		ev, _ := r.evalVal()
		st.ValLoss, st.ValAccuracy = ev.LogLoss, ev.Accuracy
	}
	if r.obj == nil {
		return
	}
	cfg, m := r.cfg, r.m
	if r.theta == nil {
		r.theta, r.grad = make([]float64, r.obj.dim()), make([]float64, r.obj.dim())
	}
	r.obj.load(r.theta, m)
	f := r.obj.eval(r.theta, r.grad)
	st.GradNorm = normInf(r.grad)
	r.res.Converged = cfg.GradTol > 0 && st.GradNorm <= cfg.GradTol*math.Max(1, math.Abs(f))
	if cfg.GapTol > 0 {
		st.Gap = gapBound(r.theta, r.grad, m.Classes*m.Features, cfg.L2)
		r.res.Converged = r.res.Converged || st.Gap <= cfg.GapTol
	}
}

// stopEarly keeps the model of the lowest validation loss so far and
// reports whether Patience epochs have passed without a lower one.
func (r *fitRun) stopEarly(st EpochStats) bool {
	if r.evalVal == nil || r.cfg.Patience <= 0 {
		return false
	}
	if st.ValLoss < r.bestLoss {
		r.bestLoss, r.bestEp = st.ValLoss, st.Epoch
		if r.best == nil {
			r.best = r.m.Clone()
		} else {
			r.best.copyFrom(r.m)
		}
		return false
	}
	if st.Epoch-r.bestEp >= r.cfg.Patience {
		r.res.StoppedEarly = true
		return true
	}
	return false
}

// copyFrom copies the parameters of src (same shape) into m.
func (m *Model) copyFrom(src *Model) {
	m.ResetSparse()
	for i := 0; i < m.Classes; i++ {
		copy(m.W.Row(i), src.W.Row(i))
	}
	copy(m.B, src.B)
}

func countClasses(y []int, classes int) int {
	seen := make([]bool, classes)
	n := 0
	for _, c := range y {
		if !seen[c] {
			seen[c] = true
			n++
		}
	}
	return n
}

// Evaluation holds the quality of a model on labelled data.
type Evaluation struct {
	N        int     // rows
	Accuracy float64 // fraction predicted right
	LogLoss  float64 // mean cross-entropy −log P(yᵢ | xᵢ)
	// Confusion[t][p] counts the rows of true class t predicted as p.
	Confusion [][]int
}

// rowLoss is −log P(y | x) from the scores z (overwritten): the softmax
// cross-entropy for LinkSoftmax, else the log of PredictProba's output
// (−Inf, a loss of +Inf, for a probability of 0; raw scores are not
// probabilities: their "loss" is NaN).
func (m *Model) rowLoss(z []float32, y int) float64 {
	switch m.Link {
	case LinkSoftmax:
		return float64(SoftmaxCrossEntropy(z, z, y))
	case LinkRaw:
		return math.NaN()
	}
	m.finishProba(z)
	return -math.Log(float64(z[y]))
}

// Evaluate returns the accuracy, mean log-loss and confusion matrix of m on
// rows x with class indices y. It returns an error if the data fails
// CheckData or x.Cols != m.Features.
func (m *Model) Evaluate(x Matrix, y []int) (Evaluation, error) {
	if x.Cols != m.Features {
		return Evaluation{}, fmt.Errorf("maxent: data has %d features, model has %d", x.Cols, m.Features)
	}
	if err := CheckData(x, y, m.Classes); err != nil {
		return Evaluation{}, err
	}
	return m.evaluate(x.Rows, y, func(z []float32, i int) { MatVec(z, m.W, x.Row(i), m.B) }), nil
}

// evaluate scores n rows with labels y, the scores of row i set into z by
// scores: Evaluate's numbers for dense and sparse rows alike.
func (m *Model) evaluate(n int, y []int, scores func(z []float32, i int)) Evaluation {
	ev := Evaluation{N: n, Confusion: make([][]int, m.Classes)}
	for i := range ev.Confusion {
		ev.Confusion[i] = make([]int, m.Classes)
	}
	z := make([]float32, m.Classes)
	var loss float64
	correct := 0
	for i := 0; i < n; i++ {
		scores(z, i)
		p := argmax(z)
		if p == y[i] {
			correct++
		}
		if p >= 0 {
			ev.Confusion[y[i]][p]++
		}
		loss += m.rowLoss(z, y[i])
	}
	ev.Accuracy = float64(correct) / float64(n)
	ev.LogLoss = loss / float64(n)
	return ev
}
