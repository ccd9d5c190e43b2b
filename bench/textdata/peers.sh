#!/bin/sh
# peers.sh: maxent and its peers on the text corpus of make_textdata.py, in
# one run, on the same files: liblinear-train -s 0 on the LIBSVM files,
# fastText supervised (default, and -wordNgrams 2 -epoch 25) on the fastText
# files, maxent SGD and L-BFGS on the LIBSVM files and maxent on the raw
# text (label<TAB>text, featurizing included). Prints one Markdown table:
# train seconds (wall time of the whole command, reading the files
# included), peak RSS (/usr/bin/time -v), test accuracy (fastText: P@1 of
# fasttext test, which for one label per document is the accuracy) and
# single-document predict time; then the CPU, the load and the sizes.
#
# Usage: bench/textdata/peers.sh [TEXTDATA [OUT.md]]   (default /tmp/textdata)
# Needs: liblinear-tools, fasttext, time (GNU /usr/bin/time), go; the corpus
# made by: /usr/bin/python3 bench/textdata/make_textdata.py $(go env GOROOT) TEXTDATA
# MAXENT=path uses that maxent binary instead of building cmd/maxent.
#
# What is deterministic: the files, the commands and maxent's results (the
# same settings give the same model). liblinear is deterministic too;
# fastText trains with 12 threads by default (Hogwild SGD), so its accuracy
# varies by about a point from run to run. Times depend on the load: the
# table says what uptime said.
set -eu
DATA=${1:-/tmp/textdata}
OUT=${2:-}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for f in train.svm test.svm train.ft test.ft train.txt test.txt; do
	[ -s "$DATA/$f" ] || { echo "peers.sh: no $DATA/$f: run make_textdata.py first" >&2; exit 1; }
done
for t in liblinear-train liblinear-predict fasttext /usr/bin/time go; do
	command -v "$t" >/dev/null || { echo "peers.sh: $t not found (apt-get install liblinear-tools fasttext time)" >&2; exit 1; }
done
if [ -z "${MAXENT:-}" ]; then
	MAXENT=$WORK/maxent
	(cd "$ROOT" && go build -o "$MAXENT" ./cmd/maxent)
fi

cpu=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //')
ncpu=$(nproc)
ntest=$(grep -c . "$DATA/test.txt")
nnz() { awk '{n += NF - 1} END {print n}' "$1"; }
nnz_train=$(nnz "$DATA/train.svm")
nnz_test=$(nnz "$DATA/test.svm")
load_start=$(uptime | sed 's/.*load average: //')

# timed NAME CMD...: runs CMD under /usr/bin/time -v, output in $WORK/NAME.out,
# sets secs (wall) and rss (MB).
timed() {
	name=$1
	shift
	/usr/bin/time -v -o "$WORK/$name.time" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || {
		echo "peers.sh: $name failed:" >&2
		tail -5 "$WORK/$name.err" >&2
		exit 1
	}
	secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$WORK/$name.time")
	rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$WORK/$name.time")
}

rows=""
row() { rows="$rows| $1 | $2 | $3 MB | $4 | $5 |
"; }

# liblinear -s 0 (L2-regularised logistic regression, C = 1, one-vs-rest).
timed liblinear liblinear-train -s 0 "$DATA/train.svm" "$WORK/ll.model"
ll_secs=$secs
liblinear-predict "$DATA/test.svm" "$WORK/ll.model" "$WORK/ll.pred" >"$WORK/llp.out"
acc=$(sed -n 's/^Accuracy = \([0-9.]*\)%.*/\1/p' "$WORK/llp.out" | awk '{printf "%.4f", $1 / 100}')
# perdoc CMD-WITH-TEST CMD-WITH-EMPTY: the predict time per test document,
# (time on the test file ten times over − time on an empty file, both
# loading the model) / documents, the best of 3.
: >"$WORK/empty"
for e in svm ft; do
	for i in 1 2 3 4 5 6 7 8 9 10; do cat "$DATA/test.$e"; done >"$WORK/test10.$e"
done
perdoc() {
	for i in 1 2 3; do
		/usr/bin/time -f %e -o "$WORK/a.time" sh -c "$1" >/dev/null 2>&1
		/usr/bin/time -f %e -o "$WORK/b.time" sh -c "$2" >/dev/null 2>&1
		echo "$(cat "$WORK/a.time") $(cat "$WORK/b.time")"
	done | awk -v n="$((10 * ntest))" '{d = ($1 - $2) * 1e6 / n; if (NR == 1 || d < best) best = d} END {printf "%.1f µs", best}'
}
llp=$(perdoc "liblinear-predict '$WORK/test10.svm' '$WORK/ll.model' '$WORK/p'" "liblinear-predict '$WORK/empty' '$WORK/ll.model' '$WORK/p'")
row "liblinear-train -s 0 (.svm)" "$secs" "$rss" "$acc" "$llp"

# fastText: accuracy = P@1 of fasttext test.
ftrow() {
	label=$1
	shift
	timed "ft$label" fasttext supervised -input "$DATA/train.ft" -output "$WORK/ft$label" "$@"
	acc=$(fasttext test "$WORK/ft$label.bin" "$DATA/test.ft" | awk '/^P@1/ {printf "%.4f", $2}')
	per=$(perdoc "fasttext predict '$WORK/ft$label.bin' '$WORK/test10.ft'" "fasttext predict '$WORK/ft$label.bin' '$WORK/empty'")
	row "fasttext supervised $label (.ft)" "$secs" "$rss" "$acc" "$per"
}
ftrow "(default)"
ftrow "-wordNgrams 2 -epoch 25" -wordNgrams 2 -epoch 25

# maxent: the JSON summary's test accuracy.
json_acc() { tail -1 "$WORK/$1.out" | sed 's/.*"test_accuracy":\([0-9.e-]*\).*/\1/' | awk '{printf "%.4f", $1}'; }
(cd "$ROOT/kernel/textclass" && go test -run '^$' -bench 'PredictProbaSparse$|PredictProbaText/(unigrams|uni\+bigrams)$' -benchtime 20000x -count 5 .) >"$WORK/bench.out"
bench() { awk -v re="$1" '$1 ~ re {v = $3; if (best == "" || v < best) best = v} END {printf "%.2f µs", best / 1000}' "$WORK/bench.out"; }
sparse_ns=$(bench '^BenchmarkPredictProbaSparse-[0-9]+$')
text_ns=$(bench '^BenchmarkPredictProbaText/uni\\+bigrams-[0-9]+$')
uni_ns=$(bench '^BenchmarkPredictProbaText/unigrams-[0-9]+$')

timed sgd "$MAXENT" train -data "$DATA/train.svm" -test-data "$DATA/test.svm" -json
sgd_secs=$secs
row "maxent train (SGD, .svm)" "$secs" "$rss" "$(json_acc sgd)" "$sparse_ns (PredictProbaSparse, 100 non-zeros)"
timed lbfgs "$MAXENT" train -data "$DATA/train.svm" -test-data "$DATA/test.svm" -solver lbfgs -json
row "maxent train -solver lbfgs (.svm)" "$secs" "$rss" "$(json_acc lbfgs)" "$sparse_ns"
timed text "$MAXENT" train -data "$DATA/train.txt" -test-data "$DATA/test.txt" -json -o "$WORK/text.mxt"
text_secs=$secs
text_rss=$rss
feat=$(tail -1 "$WORK/text.out" | sed 's/.*"featurize_seconds":\([0-9.e-]*\).*/\1/' | awk '{printf "%.2f", $1}')
# maxent predict on the test text as fastText's predict is timed (a
# one-document file instead of an empty one, which maxent refuses).
for i in 1 2 3 4 5 6 7 8 9 10; do cat "$DATA/test.txt"; done >"$WORK/test10.txt"
head -1 "$DATA/test.txt" >"$WORK/one.txt"
clip=$(perdoc "'$MAXENT' predict -model '$WORK/text.mxt' -data '$WORK/test10.txt'" "'$MAXENT' predict -model '$WORK/text.mxt' -data '$WORK/one.txt'")
row "maxent train on raw text (.txt, featurizing included)" "$text_secs" "$text_rss" "$(json_acc text)" "$text_ns (PredictProbaText, 100 tokens, uni+bigrams; $uni_ns unigrams); maxent predict: $clip"

load_end=$(uptime | sed 's/.*load average: //')
csr_mb=$(awk -v a="$nnz_train" -v b="$nnz_test" -v n="$(grep -c . "$DATA/train.txt")" -v m="$ntest" 'BEGIN {printf "%.1f", (8 * (a + b) + 8 * (n + m + 2)) / 1048576}')
model_mb=$(awk 'BEGIN {printf "%.1f", 20 * 262144 * 4 / 1048576}')

{
	echo "$(date -u +%Y-%m-%d): $cpu, $ncpu logical cores; load average (1, 5, 15 min) $load_start at the start, $load_end at the end"
	echo "Corpus: $(cat "$DATA/README")"
	echo
	echo "| run | train s (wall) | peak RSS | test accuracy | single-document predict |"
	echo "|---|---:|---:|---:|---|"
	printf "%s" "$rows"
	echo
	echo "CSR data (train + test: $nnz_train + $nnz_test non-zeros) $csr_mb MB, model (20 × 2^18 float32) $model_mb MB."
	echo "maxent on raw text spent $feat s reading and featurizing; liblinear / maxent SGD on .svm: $(awk -v a="$ll_secs" -v b="$sgd_secs" 'BEGIN {printf "%.1f", a / b}')×, liblinear / maxent on text: $(awk -v a="$ll_secs" -v b="$text_secs" 'BEGIN {printf "%.1f", a / b}')×."
} | if [ -n "$OUT" ]; then tee "$OUT"; else cat; fi
