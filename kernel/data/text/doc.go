// Package text turns documents into hashed sparse feature rows, as
// scikit-learn's HashingVectorizer does, optionally weighted by a
// TfidfTransformer fitted on training documents, in pure Go.
//
// A [Featurizer] made by [New] from [Settings] appends a document's row to
// caller-provided buffers: sorted int32 column indices and float32 values,
// the form [github.com/seed7bc074a2/maxent/kernel.CSRBuilder.Append] takes. It is safe for concurrent use
// and does not allocate in steady state. [Fit] (or a [DocFreq]) computes
// the document frequencies of an [IDF]; Settings, IDF included, encode to
// bytes with [Settings.MarshalBinary] for a model file to record.
//
// # What a row is
//
// With scikit-learn's parameter names, a document is turned into a row in
// these steps, each as scikit-learn 1.2 and its Python do it:
//
//  1. decode: the string's bytes are read as UTF-8, each ill-formed
//     sequence replaced by one U+FFFD per maximal subpart, exactly as
//     Python's bytes.decode("utf-8", errors="replace") (HashingVectorizer's
//     decode_error="replace"; its default "strict" raises instead);
//  2. lowercase: Python's str.lower, full case mapping included ('İ' becomes
//     "i\u0307", two code points; 'Σ' becomes final 'ς' after a cased letter
//     and not before one, skipping case-ignorable code points, as CPython
//     decides);
//  3. analyzer "word": the tokens are the matches of (?u)\b\w\w+\b, that is
//     the maximal runs of at least two code points that match Python's \w
//     (letters Lu Ll Lt Lm Lo, numbers Nd Nl No, and '_'; marks Mn Mc Me are
//     not word characters, so "cafe\u0301" is the token "cafe"); the n-grams
//     for n in [NgramMin, NgramMax] are n consecutive tokens joined by one
//     space. "char": each run of two or more white-space code points
//     (Python's str.isspace, which includes U+001C to U+001F) becomes one
//     space, then every run of n code points is an n-gram. "char_wb": each
//     white-space-separated word w gives the n-grams of " "+w+" ", and the
//     padded word itself, once, if it is no longer than n;
//  4. hashing: h = MurmurHash3_x86_32 of the n-gram's UTF-8 bytes, seed 0
//     ([Murmur3]); the column is |h| mod 2^Bits (0 for h = -2^31, as
//     scikit-learn defines it), the value +1, or -1 if h < 0 and
//     AlternateSign; the values of one column are summed, and a column whose
//     sum is 0 is kept with the value 0 (scikit-learn's sum_duplicates keeps
//     explicit zeros);
//  5. Binary: every stored value becomes 1, zeros and negative values too
//     (scikit-learn's X.data.fill(1));
//  6. TF-IDF, if SublinearTF or an IDF is set: v becomes 1 + ln(v)
//     (SublinearTF), then v·idf (IDF), and columns whose value is 0 are
//     dropped (scipy's sparse product drops them); idf = ln((n+1)/(df+1)) + 1
//     for a column stored in df of the n fitting documents (smooth_idf=True;
//     an explicit zero counts in df, as numpy's bincount of the indices
//     does);
//  7. Norm: the row is divided by its l2 or l1 norm (unless that is 0),
//     summed in increasing column order, or decreasing after an IDF
//     product as scipy leaves the row;
//  8. the values, computed in float64 as scikit-learn computes them, are
//     rounded to float32 once.
//
// Other HashingVectorizer parameters keep their defaults: no stop words,
// no accent stripping, no preprocessor or custom tokenizer, the default
// token_pattern, n_features a power of two.
//
// # Exactness
//
// On ASCII text the rows are scikit-learn's exactly: the same columns, and
// values equal to scikit-learn's float64 values rounded to float32. The
// tests check it on 4,000 comment lines of the Go distribution's sources
// under 14 settings (word 1-1, 1-2, 2-3 and 1-3, char_wb 2-4 and 3-5, char
// 1-3 and 2-2; 2^10, 2^18 and 2^20 columns; signs alternating or not;
// binary; norms none, l1 and l2; lower-casing or not; IDF fitted on half the
// lines, sublinear TF), against Debian's python3-sklearn.
//
// On other text the steps above are Python's too, and are tested against it
// code point by code point and on random Unicode documents. What differs is
// only:
//
//   - the Unicode version. Go's tables (unicode.Version) are Unicode 15.0.0
//     since Go 1.21. Python 3.12's are too, and then no code point differs.
//     Python 3.11's (Debian 12) are 14.0.0: 4,430 code points that Unicode
//     15.0 assigned are, for Go, word characters, cased or case-ignorable,
//     and for Python 3.11 unassigned, so none of these; a document holding
//     one may hash differently. They are U+0ECE,
//     U+10EFD-U+10EFF, U+1123F-U+11241, U+11F00-U+11F02, U+11F04-U+11F10,
//     U+11F12-U+11F33, U+11F36-U+11F3A, U+11F40, U+11F42, U+11F50-U+11F59
//     (Kawi), U+1342F, U+13439-U+13455, U+1B132, U+1B155, U+1D2C0-U+1D2D3,
//     U+1DF25-U+1DF2A, U+1E030-U+1E06D, U+1E08F, U+1E4D0-U+1E4F9 (Nag
//     Mundari), U+2B739 and U+31350-U+323AF (4,192 CJK ideographs).
//     Python 3.13's tables are 15.1.0: its 622 new CJK ideographs
//     U+2EBF0-U+2EE5D are word characters for Python and not for Go.
//   - invalid UTF-8. scikit-learn's default decode_error="strict" rejects
//     such bytes; this package reads them as decode_error="replace" does.
//     A Go string cannot hold surrogates: their UTF-8 encoding is ill-formed
//     and decodes to U+FFFD, as in Python.
//
// The logarithms (IDF weights, sublinear TF) are Go's math.Log, numpy's
// are np.log; neither is correctly rounded everywhere (numpy's depends on
// the CPU), and about one IDF weight in ten differs from numpy's in the
// last bit on the test machine (TestIDFWeightVsNumpy). After rounding to
// float32 the values then agree except with a probability of the order of
// 10^-8 per value: the tests allow TF-IDF values one float32 ulp apart and
// have found none. Stored weights are read back as they were written, so a
// model's rows are the same on every platform.
//
// # Cost
//
// A row takes a few microseconds for a 100-token document (see
// BenchmarkAppendRow): one pass to lower-case and check for ASCII, one to
// cut tokens or n-grams, a MurmurHash3 per n-gram, a sort of the hashed
// entries. Non-ASCII text takes a slower path through Go's unicode tables.
// Each goroutine's buffers come from a sync.Pool (or a caller's [Scratch]).
package text
