#!/usr/bin/env python3
"""The Python side of kernel/onnx/python_test.go (run by it; needs Debian's
python3-sklearn and python3-onnx).

    sklearn_check.py fit DIGITS.csv.gz INTEROP.md OUTDIR
        Fits scikit-learn models on the digits, writes for each CASE:
        CASE.json (docs/interop.md's maxent_json, taken from that file),
        CASE.onnx (the graph skl2onnx builds, made with onnx.helper and
        checked), and cases.json: the test rows, predict_proba (or
        decision_function) and predict of every case.

    sklearn_check.py export DIR
        For each NAME.onnx that maxent wrote in DIR, with NAME.json holding
        maxent's inputs, labels and outputs: onnx.checker.check_model, then
        the LinearClassifier (and Normalizer) evaluated with numpy from the
        file's own attributes, as ONNX Runtime computes them, compared with
        maxent's. Prints a JSON report.
"""
import gzip
import json
import re
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def load_snippet(md_path):
    """Executes the maxent_json function of docs/interop.md."""
    text = open(md_path, encoding="utf-8").read()
    for block in re.findall(r"```python\n(.*?)```", text, re.S):
        if "def maxent_json" in block:
            ns = {}
            exec(block, ns)
            return ns["maxent_json"]
    raise SystemExit("docs/interop.md has no maxent_json snippet")


def skl2onnx_graph(model, path):
    """The graph skl2onnx (1.9 to 1.17) writes for a LogisticRegression,
    LinearSVC or a Pipeline of scalers + one: Scaler nodes, LinearClassifier
    ([-w; w] for 2 classes), a Normalizer L1 for multi-class probabilities,
    Cast of the label, ZipMap."""
    from sklearn.pipeline import Pipeline
    steps = [s for _, s in model.steps] if isinstance(model, Pipeline) else [model]
    *scalers, clf = steps
    nodes, x = [], "input"
    for i, s in enumerate(scalers):
        kind = type(s).__name__
        if kind == "StandardScaler":
            offset, scale = s.mean_, 1 / s.scale_
        elif kind == "MinMaxScaler":
            offset, scale = -s.min_ / s.scale_, s.scale_
        else:
            raise ValueError(kind)
        nodes.append(helper.make_node("Scaler", [x], [f"scaled{i}"], domain="ai.onnx.ml", name=f"Scaler{i}",
                                      offset=[float(v) for v in offset], scale=[float(v) for v in scale]))
        x = f"scaled{i}"
    k = len(clf.classes_)
    coef = clf.coef_.ravel().astype(float).tolist()
    icpt = np.atleast_1d(clf.intercept_).astype(float).tolist()
    if k == 2:
        coef = [-c for c in coef] + coef
        icpt = [-c for c in icpt] + icpt
    name = type(clf).__name__
    mc = getattr(clf, "multi_class", "auto")
    use_ovr = mc == "ovr" or (mc in ("auto", "deprecated") and (k <= 2 or getattr(clf, "solver", "") == "liblinear"))
    multi = 1 if mc == "ovr" else (2 if k > 2 else 0)
    if name == "LinearSVC":
        post = "NONE"
    elif use_ovr:
        post = "LOGISTIC"
    else:
        post = "SOFTMAX"
    nodes.append(helper.make_node("LinearClassifier", [x], ["label", "probability_tensor"], domain="ai.onnx.ml",
                                  name="LinearClassifier", coefficients=coef, intercepts=icpt,
                                  classlabels_ints=[int(c) for c in clf.classes_],
                                  multi_class=1 if multi == 2 else 0, post_transform=post))
    probs = "probability_tensor"
    if multi > 0 and name != "LinearSVC":
        nodes.append(helper.make_node("Normalizer", [probs], ["probabilities"], domain="ai.onnx.ml",
                                      name="Normalizer", norm="L1"))
        probs = "probabilities"
    nodes.append(helper.make_node("Cast", ["label"], ["output_label"], name="Cast", to=TensorProto.INT64))
    nodes.append(helper.make_node("ZipMap", [probs], ["output_probability"], domain="ai.onnx.ml",
                                  name="ZipMap", classlabels_int64s=[int(c) for c in clf.classes_]))
    seq = onnx.TypeProto()
    seq.sequence_type.elem_type.map_type.key_type = TensorProto.INT64
    seq.sequence_type.elem_type.map_type.value_type.CopyFrom(helper.make_tensor_type_proto(TensorProto.FLOAT, []))
    graph = helper.make_graph(
        nodes, "skl2onnx-like",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, clf.coef_.shape[1]])],
        [helper.make_tensor_value_info("output_label", TensorProto.INT64, [None]),
         helper.make_value_info("output_probability", seq)])
    m = helper.make_model(graph, producer_name="skl2onnx-like (maxent test)",
                          opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("ai.onnx.ml", 1)])
    m.ir_version = 8
    # (full_check's strict shape inference does not know ZipMap's output in
    # onnx 1.12; skl2onnx's files are checked the same way.)
    onnx.checker.check_model(m)
    onnx.save(m, path)


def fit(digits, md, out):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler
    from sklearn.svm import LinearSVC
    import warnings
    warnings.filterwarnings("ignore")
    maxent_json = load_snippet(md)
    with gzip.open(digits, "rt") as f:
        d = np.loadtxt(f, delimiter=",")
    X, y = d[:, :64].astype(np.float32), d[:, 64].astype(int)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
    two_tr, two_te = np.isin(ytr, (3, 8)), np.isin(yte, (3, 8))
    cases = {
        "multinomial": (LogisticRegression(multi_class="multinomial", max_iter=5000), Xtr, ytr, Xte),
        "ovr": (LogisticRegression(multi_class="ovr", max_iter=5000), Xtr, ytr, Xte),
        "binary": (LogisticRegression(max_iter=5000), Xtr[two_tr], ytr[two_tr], Xte[two_te]),
        "binary-multinomial": (LogisticRegression(multi_class="multinomial", max_iter=5000), Xtr[two_tr], ytr[two_tr], Xte[two_te]),
        "standard-multinomial": (make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)), Xtr, ytr, Xte),
        "minmax-ovr": (make_pipeline(MinMaxScaler(), LogisticRegression(multi_class="ovr", max_iter=5000)), Xtr, ytr, Xte),
        "linearsvc": (LinearSVC(max_iter=20000, C=0.01), Xtr, ytr, Xte),
    }
    report = {}
    for name, (model, xtr, ytr_, xte) in cases.items():
        model.fit(xtr, ytr_)
        maxent_json(model, f"{out}/{name}.json")
        skl2onnx_graph(model, f"{out}/{name}.onnx")
        if hasattr(model, "predict_proba"):
            p = model.predict_proba(xte)
        else:
            p = model.decision_function(xte)
            if p.ndim == 1:
                p = np.c_[-p, p]
        report[name] = {"inputs": xte.astype(np.float64).tolist(), "outputs": p.tolist(),
                        "labels": [str(v) for v in model.predict(xte)]}
    with open(f"{out}/cases.json", "w") as f:
        json.dump(report, f)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def run_linear_classifier(m, x):
    """Evaluates the file's LinearClassifier (and Normalizer) with numpy,
    as ONNX Runtime does: scores from the attributes, label the argmax of
    the scores, then the post_transform."""
    atts = {}
    nodes = {n.op_type: n for n in m.graph.node}
    for a in nodes["LinearClassifier"].attribute:
        atts[a.name] = helper.get_attribute_value(a)
    labels = atts.get("classlabels_ints") or [s.decode() for s in atts.get("classlabels_strings", [])]
    k = len(atts["intercepts"])
    w = np.array(atts["coefficients"], dtype=np.float64).reshape(k, -1)
    z = x.astype(np.float64) @ w.T + np.array(atts["intercepts"], dtype=np.float64)
    # the magnitude of each score's terms, for relative errors of raw scores
    mag = np.abs(x.astype(np.float64)) @ np.abs(w).T + np.abs(np.array(atts["intercepts"], dtype=np.float64))
    lab = [str(labels[i]) for i in np.argmax(z, axis=1)]
    post = atts.get("post_transform", b"NONE").decode()
    if post == "SOFTMAX":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
    elif post == "LOGISTIC":
        p = sigmoid(z)
    elif post == "NONE":
        p = z
    else:
        raise ValueError(post)
    if "Normalizer" in nodes:
        norm = helper.get_attribute_value(nodes["Normalizer"].attribute[0]).decode()
        assert norm == "L1", norm
        p = p / np.abs(p).sum(axis=1, keepdims=True)
    return lab, p, mag


def export(d):
    import glob
    import os
    report = {}
    for path in sorted(glob.glob(f"{d}/*.onnx")):
        name = os.path.basename(path)[:-5]
        m = onnx.load(path)
        onnx.checker.check_model(m, full_check=True)
        want = json.load(open(f"{d}/{name}.json"))
        x = np.array(want["inputs"], dtype=np.float32)
        lab, p, mag = run_linear_classifier(m, x)
        got = np.array(want["outputs"], dtype=np.float64)
        report[name] = {"max_abs": float(np.abs(p - got).max()),
                        "max_rel": float((np.abs(p - got) / np.maximum(1, mag)).max()),
                        "labels_equal": lab == want["labels"],
                        "output_names": [o.name for o in m.graph.output],
                        "ops": [n.op_type for n in m.graph.node]}
    print(json.dumps(report))


if __name__ == "__main__":
    if sys.argv[1] == "fit":
        fit(*sys.argv[2:5])
    elif sys.argv[1] == "export":
        export(sys.argv[2])
    else:
        raise SystemExit(__doc__)
