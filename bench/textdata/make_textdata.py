#!/usr/bin/python3
"""Builds the text corpus of maxent's sparse and text benchmarks from the Go
source tree, deterministically for a given Go version.

Documents: every .go file under GOROOT/src (testdata directories left out)
is cut into blocks of BLOCK non-blank lines; a block is a document, labelled
by the file's top-level directory under src. The CLASSES directories with
the most blocks are kept, each with at most PER_CLASS blocks (the first in
sorted path order, which spreads them over the directory's files evenly by
taking every n-th). A document goes to the test set when the CRC-32 of its
path and block number is divisible by 5 (a fifth).

Outputs in OUT (argument 2):
  train.txt, test.txt   label<TAB>text (the block's lines joined by spaces)
  train.ft, test.ft     fastText: __label__label text
  train.svm, test.svm   scikit-learn HashingVectorizer(ngram_range=(1, 2),
                        n_features=2**18, alternate_sign=False) rows in
                        LIBSVM format, labels 1..CLASSES in sorted order
  labels.txt            the labels, one per line, in that order
  README                what this is and the Go version it was made from
"""
import os
import sys
import zlib

BLOCK = 20
CLASSES = 20
PER_CLASS = 2000


def blocks(root):
    docs = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "testdata")
        rel = os.path.relpath(dirpath, root)
        if rel == ".":
            continue
        label = rel.split(os.sep)[0]
        for name in sorted(filenames):
            if not name.endswith(".go"):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8", errors="replace") as f:
                lines = [l.strip() for l in f if l.strip()]
            for b in range(0, len(lines), BLOCK):
                text = " ".join(lines[b:b + BLOCK]).replace("\t", " ")
                key = "%s:%d" % (os.path.relpath(path, root), b // BLOCK)
                docs.setdefault(label, []).append((key, text))
    return docs


def main():
    goroot, out = sys.argv[1], sys.argv[2]
    src = os.path.join(goroot, "src")
    docs = blocks(src)
    top = sorted(docs, key=lambda l: (-len(docs[l]), l))[:CLASSES]
    labels = sorted(top)
    train, test = [], []
    for l in labels:
        d = docs[l]
        step = max(1, len(d) // PER_CLASS)
        for key, text in d[::step][:PER_CLASS]:
            (test if zlib.crc32(key.encode()) % 5 == 0 else train).append((l, text))
    os.makedirs(out, exist_ok=True)
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.datasets import dump_svmlight_file
    hv = HashingVectorizer(ngram_range=(1, 2), n_features=2**18, alternate_sign=False)
    index = {l: i + 1 for i, l in enumerate(labels)}
    for name, rows in (("train", train), ("test", test)):
        with open(os.path.join(out, name + ".txt"), "w", encoding="utf-8") as f:
            for l, t in rows:
                f.write("%s\t%s\n" % (l, t))
        with open(os.path.join(out, name + ".ft"), "w", encoding="utf-8") as f:
            for l, t in rows:
                f.write("__label__%s %s\n" % (l, t))
        x = hv.transform([t for _, t in rows])
        y = [index[l] for l, _ in rows]
        dump_svmlight_file(x, y, os.path.join(out, name + ".svm"), zero_based=False)
    with open(os.path.join(out, "labels.txt"), "w") as f:
        f.write("\n".join(labels) + "\n")
    with open(os.path.join(src, "..", "VERSION")) as f:
        version = f.readline().strip()
    with open(os.path.join(out, "README"), "w") as f:
        f.write("maxent text corpus from %s (%s): %d train, %d test documents, %d classes\n"
                % (src, version, len(train), len(test), len(labels)))
    print("textdata: %d train, %d test documents, %d classes, %s" % (len(train), len(test), len(labels), version))


if __name__ == "__main__":
    main()
