"""Scores, all from `sklearn.metrics`: accuracy, R² and the confusion matrix.

Labels and values arrive as arrays (n,), or as torch tensors from the training loop.
"""

from __future__ import annotations

import numpy as np
from sklearn import metrics


def _numpy(a) -> np.ndarray:
    return a.numpy() if hasattr(a, "numpy") else np.asarray(a)


def accuracy(y_true, y_pred, sample_weight=None) -> float:
    """The (weighted) fraction of labels predicted exactly, as ``accuracy_score``."""
    return float(metrics.accuracy_score(_numpy(y_true), _numpy(y_pred),
                                        sample_weight=sample_weight))


def r2(y_true, y_pred, sample_weight=None) -> float:
    """R² = 1 - SS_res / SS_tot in float64, pooled over outputs; 0 when y is constant.

    `y_pred` may be (n,) or (n, n_outputs); `y_true` takes its shape.
    """
    y_pred = _numpy(y_pred).astype(np.float64)
    y_true = _numpy(y_true).astype(np.float64).reshape(y_pred.shape)
    if y_pred.ndim == 2 and y_pred.shape[1] == 1:
        y_true, y_pred = y_true[:, 0], y_pred[:, 0]
    if len(y_true) == 0 or np.all(y_true == y_true[:1]):
        return 0.0  # SS_tot = 0: no variance to explain
    # pooled over outputs = "variance_weighted"; one output keeps the plain 1 - SS_res / SS_tot
    pooled = "variance_weighted" if y_pred.ndim == 2 else "uniform_average"
    return float(metrics.r2_score(y_true, y_pred, multioutput=pooled,
                                  sample_weight=sample_weight))


def confusion(y_true, y_pred, classes) -> np.ndarray:
    """The (k, k) int64 confusion matrix of labels: rows true class, columns predicted, both
    in the order of `classes` (k,) (an int k: the labels 0..k-1)."""
    labels = np.arange(classes) if np.ndim(classes) == 0 else np.asarray(classes)
    cm = metrics.confusion_matrix(_numpy(y_true), _numpy(y_pred), labels=labels)
    return cm.astype(np.int64, copy=False)


def per_class_accuracy(cm: np.ndarray) -> np.ndarray:
    """Each class's recall (n_classes,) from a confusion matrix; 0 for an absent class."""
    support = cm.sum(axis=1)
    return np.divide(np.diag(cm), support, out=np.zeros(len(cm)), where=support > 0)


def score(task: str, y_true, y_pred, sample_weight=None) -> float:
    """Accuracy for "classification", R² for "regression" (what ``DenseNet.score`` returns)."""
    if task == "classification":
        return accuracy(y_true, y_pred, sample_weight)
    return r2(y_true, y_pred, sample_weight)
