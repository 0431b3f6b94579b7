#!/usr/bin/env python3
"""Writes Tests/Reference/metrics/metrics.json: evaluation metrics computed by scikit-learn and NumPy on
fixed random data, which Tests/StagesTests/MetricsTests.swift must reproduce to 1e-6.

Re-run: pip install scikit-learn numpy && python3 Tests/Reference/make_metrics_fixtures.py
"""
import json, os
import numpy as np
from sklearn import metrics
from sklearn.calibration import calibration_curve

rng = np.random.default_rng(20261127)

def binary_case(n, decimals, threshold):
    labels = rng.integers(0, 2, size=n)
    # Informative but noisy scores, rounded so that ties occur; a few sit exactly on calibration bin edges.
    scores = np.clip(0.35 * labels + rng.random(n) * 0.65, 0, 1).round(decimals)
    scores[:3] = [0.3, 0.5, 0.7]
    pred = (scores >= threshold).astype(int)
    tn, fp, fn, tp = metrics.confusion_matrix(labels, pred, labels=[0, 1]).ravel()
    fpr, tpr, thr = metrics.roc_curve(labels, scores, drop_intermediate=False)
    youden = float(thr[np.argmax(tpr - fpr)])
    prob_true, prob_pred = calibration_curve(labels, scores, n_bins=10, strategy="uniform")
    bins = np.linspace(0.0, 1.0, 11)
    ids = np.searchsorted(bins[1:-1], scores)
    counts = np.bincount(ids, minlength=10)
    counts = counts[counts > 0]
    ece = float(np.sum(counts / n * np.abs(prob_pred - prob_true)))
    return {
        "labels": labels.tolist(), "scores": scores.tolist(), "threshold": threshold,
        "confusion": {"tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)},
        "accuracy": metrics.accuracy_score(labels, pred),
        "balanced_accuracy": metrics.balanced_accuracy_score(labels, pred),
        "precision": metrics.precision_score(labels, pred, zero_division=0),
        "recall": metrics.recall_score(labels, pred, zero_division=0),
        "specificity": metrics.recall_score(labels, pred, pos_label=0, zero_division=0),
        "f1": metrics.f1_score(labels, pred, zero_division=0),
        "roc_auc": metrics.roc_auc_score(labels, scores),
        "pr_auc": metrics.average_precision_score(labels, scores),
        "youden_threshold": youden,
        "ece": ece,
        "calibration_bins": {"mean_probability": prob_pred.tolist(), "observed_rate": prob_true.tolist(), "count": counts.tolist()},
    }

def multiclass_case(n, k):
    labels = rng.integers(0, k, size=n)
    preds = np.where(rng.random(n) < 0.6, labels, rng.integers(0, k, size=n))
    out = multiclass_case_from(labels, preds, k)
    out["balanced_accuracy"] = metrics.balanced_accuracy_score(labels, preds)
    return out

def multiclass_absent_class_case():
    """Class 3 is never a true label, only a prediction: balanced accuracy averages recall over the classes
    that occur (scikit-learn warns and drops the rest); macro recall counts the absent class as 0."""
    labels = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 0])
    preds = np.array([0, 3, 0, 1, 3, 2, 2, 1, 2, 0])
    out = multiclass_case_from(labels, preds, 4)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["balanced_accuracy"] = metrics.balanced_accuracy_score(labels, preds)
    return out

def multiclass_case_from(labels, preds, k):
    kw = dict(labels=list(range(k)), zero_division=0)
    p, r, f, s = metrics.precision_recall_fscore_support(labels, preds, average=None, **kw)
    mp, mr, mf, _ = metrics.precision_recall_fscore_support(labels, preds, average="macro", **kw)
    wp, wr, wf, _ = metrics.precision_recall_fscore_support(labels, preds, average="weighted", **kw)
    return {
        "labels": labels.tolist(), "predictions": preds.tolist(), "classes": k,
        "precision": p.tolist(), "recall": r.tolist(), "f1": f.tolist(), "support": s.tolist(),
        "macro_precision": mp, "macro_recall": mr, "macro_f1": mf, "weighted_precision": wp, "weighted_recall": wr, "weighted_f1": wf,
        "accuracy": metrics.accuracy_score(labels, preds),
        "confusion": metrics.confusion_matrix(labels, preds, labels=list(range(k))).tolist(),
    }

def multiclass_probability_case(n, k, patients):
    """What evaluate writes for k > 2 classes, from softmax probabilities: argmax decisions, per-class and
    averaged scores, one-vs-rest ROC AUC per class and macro, the confusion matrix, the patient-level rate."""
    labels = rng.integers(0, k, size=n)
    labels[:k] = np.arange(k)
    logits = rng.normal(size=(n, k)) + 1.5 * np.eye(k)[labels]
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    probs = probs.round(4)
    probs[:, -1] = 1 - probs[:, :-1].sum(axis=1)
    preds = probs.argmax(axis=1)
    ids = [f"p{i}" for i in rng.integers(0, patients, size=n)]
    per = {}
    for pid, ok in zip(ids, preds == labels):
        per.setdefault(pid, []).append(bool(ok))
    kw = dict(labels=list(range(k)), zero_division=0)
    p, r, f, s = metrics.precision_recall_fscore_support(labels, preds, average=None, **kw)
    out = {
        "labels": labels.tolist(), "probabilities": probs.tolist(), "patients": ids, "classes": k,
        "predictions": preds.tolist(), "confusion": metrics.confusion_matrix(labels, preds, labels=list(range(k))).tolist(),
        "precision": p.tolist(), "recall": r.tolist(), "f1": f.tolist(), "support": s.tolist(),
        "accuracy": metrics.accuracy_score(labels, preds),
        "balanced_accuracy": metrics.balanced_accuracy_score(labels, preds),
        "roc_auc": metrics.roc_auc_score(labels, probs, multi_class="ovr", average=None, labels=list(range(k))).tolist(),
        "roc_auc_macro": metrics.roc_auc_score(labels, probs, multi_class="ovr", average="macro", labels=list(range(k))),
        "patient_rate": float(np.mean([np.mean(v) for v in per.values()])), "n_patients": len(per),
    }
    for average in ["macro", "weighted"]:
        ap, ar, af, _ = metrics.precision_recall_fscore_support(labels, preds, average=average, **kw)
        out.update({f"precision_{average}": ap, f"recall_{average}": ar, f"f1_{average}": af})
    return out

def percentile_case(n):
    values = rng.normal(size=n)
    return {"values": values.tolist(), "p2_5": float(np.percentile(values, 2.5)), "p97_5": float(np.percentile(values, 97.5))}

def patient_case(n, patients):
    ids = [f"p{i}" for i in rng.integers(0, patients, size=n)]
    correct = (rng.random(n) < 0.8).tolist()
    per = {}
    for pid, ok in zip(ids, correct):
        per.setdefault(pid, []).append(ok)
    rate = float(np.mean([np.mean(v) for v in per.values()]))
    return {"patients": ids, "correct": correct, "rate": rate, "n_patients": len(per)}

fixture = {
    "binary": [binary_case(37, 2, 0.5), binary_case(100, 1, 0.37), binary_case(250, 3, 0.5)],
    "multiclass": [multiclass_case(120, 8), multiclass_case(15, 4), multiclass_absent_class_case()],
    "percentile": [percentile_case(1000), percentile_case(7)],
    "patient_level": [patient_case(90, 12)],
    "multiclass_probabilities": [multiclass_probability_case(160, 8, 24), multiclass_probability_case(30, 3, 6)],
}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "metrics", "metrics.json")
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    json.dump(fixture, f, indent=1)
print("wrote", out)
