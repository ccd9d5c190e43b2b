// Package data loads and preprocesses data sets for multinomial logistic
// regression.
//
// Every loader returns a [*Dataset]: a dense n×m feature matrix
// ([kernel.Matrix], allocated with [kernel.NewMatrix]), a class index per row
// and the sorted list of class names. The supported formats are
//
//   - CSV ([ReadCSV]): one row per line, numeric features, one label column
//     anywhere (or none), optional header line, RFC 4180 quoting;
//   - LIBSVM / SVMlight ([ReadLIBSVM]): sparse "label idx:val ..." lines;
//   - MNIST IDX ([ReadIDX], [OpenIDXDir]): the uint8 image and label files of
//     MNIST and Fashion-MNIST.
//
// Each reader accepts gzip-compressed input transparently (the gzip magic
// bytes are sniffed), and [Open] picks the format from a file name. The path
// "-" is standard input, read by [OpenReader], which detects the format from
// the content (IDX by its magic number; LIBSVM by index:value pairs, CSV by
// the separator, on the first line that tells). [Dataset.Format] says which
// format was read.
// [Digits] returns a small data set embedded in the package.
//
// Malformed input never panics: it yields a [*ParseError] naming the file and,
// for text formats, the 1-based line and field, for example
//
//	digits.csv:17: field 5: parsing "x": invalid syntax
//
// NaN and infinite feature values are rejected.
//
// Memory: before a loader allocates a data set's dense matrix it checks the
// matrix's size ([DenseBytes]: rows × columns padded to 16 × 4 bytes)
// against a memory budget, by default what the system can still give
// ([AvailableMemory]: MemAvailable, RLIMIT_AS, the cgroup's limit), and
// returns a [*MemoryError] instead of letting the process die of an
// out-of-memory error:
//
//	big.svm: the dense matrix (2 rows × 1,000,000,000 columns × 4 bytes) needs 7.5 GiB, more than the 4.5 GiB this process may use (...): ...
//
// [SetMemoryBudget] fixes the budget or turns the checks off, and
// [CheckMemory] checks a caller's own estimates (copies of the data, a
// model, buffers) against it; [FormatBytes] writes byte counts as the
// errors do.
//
// Numeric class names are written canonically by every reader ("1.50",
// "+1.5" and "15e-1" are the one class "1.5"; "007" is "7"), other names are
// kept as they are. Class names are ordered numerically when every name is a
// number ("0.5" < "2" < "10") and lexicographically otherwise;
// [Dataset.Remap] re-indexes a data set to another label list, such as that
// of a trained model.
//
// Preprocessing: [Split] makes a stratified, seeded train/test split and
// [Scaler] standardises or min-max scales features.
package data
