"""The scikit-learn side of package text's tests (run by the Go tests).

    python3 sklearn_oracle.py versions
        prints the versions of Python, its Unicode database, numpy, scipy and
        scikit-learn.
    python3 sklearn_oracle.py murmur < keys
        one base64 key a line; prints murmurhash3_32(key, seed) for seeds
        0, 1 and 2**32 - 1, space-separated, a line per key.
    python3 sklearn_oracle.py rows CONFIGS DOCS
        CONFIGS: a JSON list of settings; DOCS: one base64 document a line
        (bytes, decoded as HashingVectorizer(decode_error='replace') does).
        For each setting, writes the CSR matrix as scikit-learn stores it,
        little-endian: the number of stored values (int64), the row
        offsets (int64), the column indices (int32), the values (float64).
    python3 sklearn_oracle.py idf N...
        for each N, writes TfidfTransformer's smoothed weights
        np.log((N + 1) / (df + 1)) + 1 for df = 0..N, float64 little-endian.
    python3 sklearn_oracle.py unicode
        prints Python's character classes for every code point (see
        unicode_test.go).
"""

import base64
import json
import sys


def versions():
    import unicodedata
    import numpy
    import scipy
    import sklearn

    print(
        "python %s unicode %s numpy %s scipy %s sklearn %s"
        % (
            sys.version.split()[0],
            unicodedata.unidata_version,
            numpy.__version__,
            scipy.__version__,
            sklearn.__version__,
        )
    )


def murmur():
    from sklearn.utils import murmurhash3_32

    out = []
    for line in sys.stdin:
        key = base64.b64decode(line.strip())
        out.append(
            " ".join(str(murmurhash3_32(key, seed)) for seed in (0, 1, 2**32 - 1))
        )
    print("\n".join(out))


def rows(configs_path, docs_path):
    import numpy as np
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

    with open(configs_path) as f:
        configs = json.load(f)
    with open(docs_path) as f:
        docs = [base64.b64decode(line.strip()) for line in f]
    out = sys.stdout.buffer
    for i, c in enumerate(configs):
        norm = None if c["norm"] == "none" else c["norm"]
        tfidf = c["idf_fit"] > 0 or c["sublinear"]
        hv = HashingVectorizer(
            analyzer=c["analyzer"],
            ngram_range=(c["ngram_min"], c["ngram_max"]),
            n_features=2 ** c["bits"],
            alternate_sign=c["alternate_sign"],
            binary=c["binary"],
            norm=None if tfidf else norm,
            lowercase=c["lowercase"],
            decode_error="replace",
        )
        X = hv.transform(docs)
        if tfidf:
            t = TfidfTransformer(
                norm=norm,
                use_idf=c["idf_fit"] > 0,
                smooth_idf=True,
                sublinear_tf=c["sublinear"],
            )
            t.fit(X[: max(c["idf_fit"], 1)])
            X = t.transform(X)
        X = X.tocsr()
        out.write(np.array([X.nnz], dtype="<i8").tobytes())
        out.write(X.indptr.astype("<i8").tobytes())
        out.write(X.indices.astype("<i4").tobytes())
        out.write(X.data.astype("<f8").tobytes())
    out.flush()


def idf(ns):
    import numpy as np

    out = sys.stdout.buffer
    for n in ns:
        # As TfidfTransformer.fit: df as float64, + 1; n_samples + 1.
        df = np.arange(n + 1, dtype=np.float64) + 1
        out.write((np.log((n + 1) / df) + 1).astype("<f8").tobytes())
    out.flush()


def unicode():
    # Line 1: the Unicode version. Line 2: one hex digit per code point
    # (surrogates included, as 0): bit 0 \w, bit 1 str.isspace, bit 2 'Σ'
    # after 'A' and before the code point and 'B' lowers to 'σ'
    # (case-ignorable or cased), bit 3 unassigned (category Cn). Line 3:
    # '-' + c + 'Σ-' lowers to final 'ς' (cased, not case-ignorable), one
    # digit per code point. Then "cp lower" lines (hex, '.'-separated) for
    # the code points that str.lower changes.
    import re
    import unicodedata

    n = 0x110000
    chars = [chr(c) if not 0xD800 <= c < 0xE000 else "\x00" for c in range(n)]
    word = bytearray(n)
    for m in re.finditer(r"\w", "".join(chars)):
        word[m.start()] = 1
    sp = [ch.isspace() for ch in chars]
    sig1 = [("A\u03a3" + ch + "B").lower()[1] for ch in chars]
    sig2 = [("-" + ch + "\u03a3-").lower()[-2] for ch in chars]
    line = bytearray(n)
    line2 = bytearray(n)
    hexd = b"0123456789abcdef"
    for c in range(n):
        v = word[c] | (2 if sp[c] else 0) | (4 if sig1[c] == "\u03c3" else 0)
        if 0xD800 <= c < 0xE000:
            v = 0
        elif unicodedata.category(chars[c]) == "Cn":
            v |= 8
        line[c] = hexd[v]
        line2[c] = hexd[1 if sig2[c] == "\u03c2" and not 0xD800 <= c < 0xE000 else 0]
    out = sys.stdout
    out.write(unicodedata.unidata_version + "\n")
    out.write(line.decode() + "\n")
    out.write(line2.decode() + "\n")
    for c in range(n):
        if 0xD800 <= c < 0xE000:
            continue
        low = chars[c].lower()
        if low != chars[c]:
            out.write("%x %s\n" % (c, ".".join("%x" % ord(x) for x in low)))


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "versions":
        versions()
    elif mode == "murmur":
        murmur()
    elif mode == "rows":
        rows(sys.argv[2], sys.argv[3])
    elif mode == "idf":
        idf([int(a) for a in sys.argv[2:]])
    elif mode == "unicode":
        unicode()
    else:
        sys.exit("unknown mode " + mode)
