#!/usr/bin/env python3
"""Extracts the ONNX test files of testdata/onnx/ from the history of the
public onnx/sklearn-onnx repository (Apache-2.0), and turns the pickled
inputs and expected outputs that skl2onnx's test suite stored beside them
into JSON that the Go tests read.

    python3 extract.py /path/to/sklearn-onnx.git

The pickles hold numpy arrays; they come from that repository's history at
the commits named below, which is why they are unpickled here, once, and
not by the tests.
"""
import json
import pickle
import subprocess
import sys

import numpy as np

# (commit, directory, test name): the dumps skl2onnx's tests wrote with
# dump_data_and_model: NAME.model.onnx, NAME.data.pkl (inputs) and
# NAME.expected.pkl (scikit-learn's own predict and predict_proba or
# decision_function).
DUMPS = [
    ("80597179eb6afaf28c25f8dc3b89bb5fd1ec1e39", "tests/tests", "SklearnLogitisticRegressionBinary"),
    ("80597179eb6afaf28c25f8dc3b89bb5fd1ec1e39", "tests/tests", "SklearnLogitisticRegressionMulti"),
    ("80597179eb6afaf28c25f8dc3b89bb5fd1ec1e39", "tests/tests", "SklearnLinearSVCBinary-NoProb"),
    ("80597179eb6afaf28c25f8dc3b89bb5fd1ec1e39", "tests/tests", "SklearnLinearSVCMulti"),
    ("80597179eb6afaf28c25f8dc3b89bb5fd1ec1e39", "tests/tests", "SklearnSGDClassifierBinary-NoProb-Dec4"),
    ("80597179eb6afaf28c25f8dc3b89bb5fd1ec1e39", "tests/tests", "SklearnSGDClassifierMulti-Dec3"),
]
# Models without stored outputs.
PLAIN = [
    ("10e4854f00064cf4e225cf7cb174cff068de509a", "docs/examples/logreg_iris.onnx", "logreg_iris.onnx"),
    # skl2onnx 1.11's SGDClassifier graph (MatMul, Add, Sigmoid, ...), which
    # maxent refuses with an error naming the node.
    ("2bdc76a9aa95ede1e06dba2c7f44be361b505471", "tests_dump/SklearnSGDMultiNoCl.model.onnx", "SklearnSGDMultiNoCl.onnx"),
]


def show(repo, commit, path):
    return subprocess.run(["git", "-C", repo, "show", f"{commit}:{path}"],
                          check=True, capture_output=True).stdout


def blob(repo, commit, path):
    return subprocess.run(["git", "-C", repo, "rev-parse", f"{commit}:{path}"],
                          check=True, capture_output=True, text=True).stdout.strip()


def main(repo):
    for commit, d, name in DUMPS:
        with open(f"{name}.onnx", "wb") as f:
            f.write(show(repo, commit, f"{d}/{name}.model.onnx"))
        x = pickle.loads(show(repo, commit, f"{d}/{name}.data.pkl"))
        exp = pickle.loads(show(repo, commit, f"{d}/{name}.expected.pkl"))
        labels, out = exp[0], np.asarray(exp[1], dtype=np.float64)
        doc = {
            "source": f"onnx/sklearn-onnx {commit[:12]} {d}/{name}.{{model.onnx,data.pkl,expected.pkl}}",
            "blobs": {s: blob(repo, commit, f"{d}/{name}.{s}") for s in ("model.onnx", "data.pkl", "expected.pkl")},
            "inputs": np.asarray(x, dtype=np.float32).astype(np.float64).tolist(),
            "labels": [str(v) for v in labels.tolist()],
            # predict_proba (2-D) or decision_function (1-D for binary models)
            "outputs": out.tolist(),
        }
        with open(f"{name}.expected.json", "w") as f:
            json.dump(doc, f, indent=None)
            f.write("\n")
    for commit, path, out in PLAIN:
        with open(out, "wb") as f:
            f.write(show(repo, commit, path))
        print(out, blob(repo, commit, path))


if __name__ == "__main__":
    main(sys.argv[1])
