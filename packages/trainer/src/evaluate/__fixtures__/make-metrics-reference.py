"""Writes metrics-reference.json: reference values computed independently with NumPy/SciPy.

Run: python3 make-metrics-reference.py  (needs python3-numpy and python3-scipy; the JSON is committed)."""
import json

import numpy as np
from scipy.stats import mannwhitneyu

rng = np.random.default_rng(42)


def auc(positive, scores):
    pos = scores[positive]
    neg = scores[~positive]
    u = mannwhitneyu(pos, neg, alternative="two-sided").statistic
    return float(u / (len(pos) * len(neg)))


def prf(truth, pred, cls):
    tp = np.sum((truth == cls) & (pred == cls))
    fp = np.sum((truth != cls) & (pred == cls))
    fn = np.sum((truth == cls) & (pred != cls))
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    return float(precision), float(recall), float(f1)


def binary_case(labels, probs):
    pred = (probs >= 0.5).astype(int)
    p, r, f = prf(labels, pred, 1)
    clipped = np.clip(probs, 1e-15, 1 - 1e-15)
    log_loss = -np.mean(labels * np.log(clipped) + (1 - labels) * np.log(1 - clipped))
    return {
        "count": int(len(labels)),
        "accuracy": float(np.mean(pred == labels)),
        "precision": p,
        "recall": r,
        "f1": f,
        "rocAuc": auc(labels == 1, probs),
        "logLoss": float(log_loss),
    }


# Binary with ties (probabilities rounded to one decimal) and a slice column.
n = 60
labels = rng.integers(0, 2, n)
probs = np.round(np.clip(0.5 + 0.35 * (labels - 0.5) + rng.normal(0, 0.25, n), 0.01, 0.99), 1).astype(np.float32).astype(float)
region = np.array(["eu", "us", "apac"])[rng.integers(0, 3, n)]
binary = {
    "labels": labels.tolist(),
    "probabilities": probs.tolist(),
    "region": region.tolist(),
    "overall": binary_case(labels, probs),
    "slices": {r: binary_case(labels[region == r], probs[region == r]) for r in sorted(set(region.tolist()))},
}

# Multiclass, 3 classes, macro averages and one-vs-rest AUC.
m = 45
truth = rng.integers(0, 3, m)
logits = rng.normal(0, 1, (m, 3))
logits[np.arange(m), truth] += 1.2
p3 = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
p3 = p3.astype(np.float32).astype(float)
pred = p3.argmax(axis=1)
scores = [prf(truth, pred, c) for c in range(3)]
multiclass = {
    "labels": truth.tolist(),
    "probabilities": p3.tolist(),
    "overall": {
        "count": m,
        "accuracy": float(np.mean(pred == truth)),
        "precision": float(np.mean([s[0] for s in scores])),
        "recall": float(np.mean([s[1] for s in scores])),
        "f1": float(np.mean([s[2] for s in scores])),
        "rocAuc": float(np.mean([auc(truth == c, p3[:, c]) for c in range(3)])),
        "logLoss": float(-np.mean(np.log(np.clip(p3[np.arange(m), truth], 1e-15, 1)))),
    },
}

# Regression.
k = 50
target = rng.normal(3, 2, k).astype(np.float32).astype(float)
estimate = (target + rng.normal(0, 0.5, k)).astype(np.float32).astype(float)
regression = {
    "labels": target.tolist(),
    "predictions": estimate.tolist(),
    "overall": {
        "count": k,
        "rmse": float(np.sqrt(np.mean((estimate - target) ** 2))),
        "mae": float(np.mean(np.abs(estimate - target))),
        "r2": float(1 - np.sum((estimate - target) ** 2) / np.sum((target - target.mean()) ** 2)),
    },
}

with open("metrics-reference.json", "w") as out:
    json.dump({"binary": binary, "multiclass": multiclass, "regression": regression}, out, indent=1)
