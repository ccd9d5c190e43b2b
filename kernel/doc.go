// Package kernel is the public API of maxent: the SIMD-dispatched kernel ops
// of multinomial logistic regression (the maximum-entropy classifier), the
// Model used for inference, and the Trainer.
//
// # Model
//
// A Model computes P(class | x) = softmax(W·x + b) with W a Classes×Features
// float32 Matrix. Predict and PredictProba (one row) and PredictBatch and
// PredictProbaBatch (many rows through MatMulT) allocate nothing and are safe
// for concurrent use. Models are saved with WriteTo and loaded with
// ReadModel in a versioned, checksummed binary format.
//
// # Ops
//
// Dot, MatVec, Exp, LogSumExp, Softmax, LogSoftmax, AddOuter and
// SoftmaxCrossEntropy are the building blocks, exported for trainers that
// embed them. They never allocate. A dimension mismatch, or an output that
// overlaps an input other than where documented, panics with a message that
// names the op and the offending lengths, e.g.
//
//	kernel.MatVec: len(x) = 783, want w.Cols = 784
//
// MatMulT, AddMatMulTN and SoftmaxCrossEntropyRows are the same ops for a
// block of samples (the rows of a Matrix): logits Z = X·Wᵀ + b, the weight
// gradient G += α·Dᵀ·X and the per-row loss and logit gradient. The SIMD
// backends register-block them (AVX-512: 4 samples × 5 classes of
// accumulators in MatMulT, 5 classes × 64 columns of G in AddMatMulTN;
// AVX2 2 × 5 and 5 × 16; NEON 4 × 4 and 4 × 16), so that W and G stream
// through the registers once per block of samples instead of once per
// sample: with the data in cache they are bound by the FMA units, not by
// loads (measurements in the repository's docs/performance.md).
//
// # Training
//
// Trainer (minibatch SGD with momentum) and LBFGS (full batch; OWL-QN with
// an L1 penalty) minimise the same objective, the mean (optionally
// weighted) cross-entropy plus (λ/2)‖W‖² (plus λ₁‖W‖₁), the bias
// unpenalised. Both run on the batched ops with Workers goroutines
// (default GOMAXPROCS): SGD splits the features (each worker computes its
// part of the minibatch's logits, added in worker order, and updates its
// own columns of W), L-BFGS every pass over the data into contiguous parts
// with their own gradient buffers, added in a fixed order, so the same
// settings and Workers give a bit-identical model. The hot loops allocate nothing. A trained model is warm-started
// by passing it to Fit again.
//
// Trainer.FitBytes trains on a ByteMatrix: 8-bit codes with a scale per
// column, standing for float32(code)·scale (min-max scaled 8-bit data such
// as images are exactly that). An epoch then reads a quarter of the bytes.
// On amd64 the kernels widen and convert the codes as they load them, and
// the scales enter once per weight rather than once per element read:
// MatMulT multiplies the codes by W times the scales (kept up to date by
// the gradient kernel), and the gradient kernel multiplies each sum over
// the minibatch by its column's scale; it skips the last class, whose sum
// is minus the others' (the rows of p − onehot add up to zero), and with
// at most 16 classes that class's weights are derived from the others'
// (see FitBytes), so MatMulT computes one logit fewer. The model is Fit's
// on the decoded rows to rounding (bit for bit where the rows are decoded
// instead: other architectures, and with L1).
//
// # Backends
//
// Each op dispatches on the active backend: "avx512", "avx2", "neon" or
// "generic" (pure Go, every platform). The best backend that this CPU and this
// build support is chosen at start-up with github.com/klauspost/cpuid/v2; the
// environment variable MAXENT_BACKEND names another (an unusable name is
// reported once on standard error and the best backend is kept); Use switches
// at run time; the build tag purego compiles the generic backend alone.
// Available lists what can run here.
//
// # The maximum-entropy certificate
//
// Certify checks whether a model minimises the Trainer's objective
// J(W, B) = L + (λ/2)‖W‖², L the mean cross-entropy, on given data, without
// knowing the minimiser. With Pᵢₜ = P(t | xᵢ), Yᵢₜ = 1[yᵢ = t] and θₜ row t
// of W, the gradient is ∇_θₜ J = (1/n) Σᵢ (Pᵢₜ − Yᵢₜ) xᵢ + λθₜ and
// ∂J/∂Bₜ = (Σᵢ Pᵢₜ − Σᵢ Yᵢₜ)/n, so ∇J = 0 are the balance equations of
// maximum entropy: the model reproduces each class's observed feature sums
// up to the penalty, Σᵢ Yᵢₜ xᵢ − Σᵢ Pᵢₜ xᵢ − nλθₜ = 0, and, the bias being
// unpenalised, each class's observed count exactly, Σᵢ Yᵢₜ = Σᵢ Pᵢₜ. The
// Certificate reports both masses per class, the residuals (norms of the
// gradient blocks) and ‖∇J‖.
//
// Since the entropy of Pᵢ is LSEᵢ − Σₜ Pᵢₜ zᵢₜ (z the logits), the mean
// log-loss minus the mean entropy H is
//
//	L − H = (1/n) Σᵢ Σₜ (Pᵢₜ − Yᵢₜ) zᵢₜ = ⟨W, ∇_W J⟩ − λ‖W‖² + ⟨B, ∇_B J⟩,
//
// zero at a stationary point when λ = 0. The Fenchel dual of J is the
// maximum-entropy problem: maximise over conditional distributions q, with
// Σᵢ qᵢₜ = Σᵢ Yᵢₜ for every class, D(q) = H(q) − ‖G(q)‖²/(2λ) where
// G(q)ₜ = (1/n) Σᵢ (qᵢₜ − Yᵢₜ) xᵢ (for λ = 0: H(q) subject to G(q) = 0).
// Every feasible q has D(q) ≤ min J. Taking q = P, the model's own
// distributions, the identity above gives
//
//	J − D(P) = ‖∇_W J‖²/(2λ) + ⟨B, ∇_B J⟩   (λ > 0),
//	J − D(P) = L − H = ⟨W, ∇_W J⟩ + ⟨B, ∇_B J⟩   (λ = 0),
//
// reported as Gap. When P is dual feasible (the bias balance holds, and for
// λ = 0 every balance equation), Gap bounds J − min J from above; otherwise
// it is only meaningful together with small residuals. ‖∇J‖²/(2λ) with the
// bias block is not a valid strong-convexity bound: J does not change when
// every Bₜ is shifted by the same constant, so it is not strongly convex in
// B. Certify computes every quantity in float64 from the float32 logits of
// MatVec.
//
// # Numerical contract
//
// Every backend keeps this contract and handles special values identically;
// the tests check each backend against a float64 oracle.
//
// Exp: the error is at most 1 ULP of the correctly rounded float32 result for
// every input whose result is a normal float32. exp(0) = 1 exactly. Results
// below the smallest normal float32 (x < about −87.3365) are +0: no subnormal
// is ever produced. x > 88.72283 gives +Inf; exp(−Inf) = 0, exp(+Inf) = +Inf,
// exp(NaN) = NaN. The algorithm, shared by every backend with one set of
// constants (package fallback): n = round(x·log2 e), r = x − n·ln2 with ln2 in
// two parts (Cody–Waite), a minimax polynomial for e^r evaluated in float32,
// and an exact scaling by 2^n.
//
// Softmax, LogSoftmax and LogSumExp subtract the maximum before
// exponentiating, so large logits do not overflow. Every probability is within
// 1e-6 of the float64 oracle and |Σp − 1| ≤ 1e-5 for lengths up to 10^6
// (the exponentials are summed in float64: in float32, thousands of terms
// below 2^-24 next to the maximum's exp(0) = 1 would be rounded away; the
// SIMD backends first add at most 4 of them lane-wise in float32, a relative
// error below 2^-23 of the sum). LogSoftmax's outputs are within 2^-22·(|xᵢ − max| + |lse − max|)
// + 1e-6 of the oracle. Special values:
//   - an entry of −Inf gets probability 0 exactly (log-probability −Inf);
//   - if every entry is −Inf, lse is −Inf and every output is NaN;
//   - if any entry is NaN or +Inf, lse and every output are NaN;
//   - empty input gives lse = −Inf and writes nothing.
//
// SoftmaxCrossEntropy returns LSE − logits[label] computed as
// log Σ exp(zᵢ − max) − (z_label − max) in float64, and the gradient
// softmax(z) − onehot(label) with the Softmax guarantees.
//
// The log of the sum of exponentials is taken in float64, to within 5e-16
// (package fallback's LogSum), except in the one-call kernels of rows of
// at most 16 elements (AVX-512), where it is a float64 series within
// 1.2e-9: lse and the loss may then differ from the other backends' in
// their last bit.
//
// Dot, MatVec and AddOuter: the error is at most 1e-5·Σ|terms| against a
// float64 computation, at every length (products are summed in float32
// blocks of at most 128 terms per accumulator, the blocks in float64).
// MatMulT has MatVec's bound for every sample. AddMatMulTN sums the
// samples in float32 in blocks of 64 (FMA chains in sample order on the SIMD
// backends, which therefore agree bit for bit with each other), each
// block's sum multiplied by alpha and added to g: the error is below about
// 70·2⁻²⁴ of the sum of magnitudes per block.
// AddOuter rounds a = alpha·d[i] to float32 once per row and then adds
// a·x[j], so its bound holds when a is zero or a normal float32 (a product
// alpha·d[i] below 2^-126 in magnitude loses precision first, as in any
// float32 code). It never skips a zero a: 0·Inf gives NaN on every backend.
//
// The generic backend rounds every operation to float32 (no fused
// multiply-add), so it gives bit-identical results on every GOARCH; the SIMD
// backends use FMA and may differ from it in the last bits, within the
// tolerances above.
package kernel
