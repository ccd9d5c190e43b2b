// Package kernel is the public API of maxent: the SIMD-dispatched kernel ops
// of multinomial logistic regression (the maximum-entropy classifier), the
// Model used for inference, and the Trainer.
//
// # Model
//
// A Model computes P(class | x) = softmax(W·x + b) with W a Classes×Features
// float32 Matrix. Predict and PredictProba allocate nothing and are safe for
// concurrent use. Models are saved with WriteTo and loaded with ReadModel in
// a versioned, checksummed binary format.
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
// below 2^-24 next to the maximum's exp(0) = 1 would be rounded away). LogSoftmax's outputs are within 2^-22·(|xᵢ − max| + |lse − max|)
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
// Dot, MatVec and AddOuter: the error is at most 1e-5·Σ|terms| against a
// float64 computation, at every length (products are summed in float32
// blocks of at most 128 terms per accumulator, the blocks in float64).
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
