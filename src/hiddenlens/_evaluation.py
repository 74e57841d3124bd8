"""How well a network does: accuracy, per-class accuracy and the confusion matrix."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hiddenlens import _metrics as metrics
from hiddenlens.net import DenseNet


@dataclass
class Evaluation:
    """Scores on one split.

    Attributes
    ----------
    task : "classification" or "regression"
    n : int
    accuracy : float or None
    per_class_accuracy : ndarray of shape (n_classes,) or None (recall of each class)
    confusion_matrix : ndarray of shape (n_classes, n_classes) or None; rows true, columns
        predicted.
    class_names : list of str or None
    r2, mse : float or None (regression)
    """

    task: str
    n: int
    accuracy: float | None = None
    per_class_accuracy: np.ndarray | None = None
    confusion_matrix: np.ndarray | None = None
    class_names: list[str] | None = None
    r2: float | None = None
    mse: float | None = None

    def to_dict(self) -> dict:
        out = {"task": self.task, "n": self.n}
        if self.task == "classification":
            out["accuracy"] = self.accuracy
            out["per_class_accuracy"] = dict(
                zip(self.class_names, np.round(self.per_class_accuracy, 6).tolist())
            )
            out["confusion_matrix"] = self.confusion_matrix.tolist()
            out["class_names"] = self.class_names
        else:
            out.update(r2=self.r2, mse=self.mse)
        return out

    def to_text(self) -> str:
        if self.task == "regression":
            return f"R^2 {self.r2:.4f}, mean squared error {self.mse:.4g} on {self.n} examples"
        names = self.class_names
        width = max(5, *(len(c) for c in names))
        lines = [f"accuracy {self.accuracy:.4f} on {self.n} examples", "",
                 "per-class accuracy:"]
        lines += [f"  {c:>{width}}  {a:.4f}" for c, a in zip(names, self.per_class_accuracy)]
        lines += ["", "confusion matrix (rows: true class, columns: predicted):",
                  " " * (width + 2) + " ".join(f"{c:>{width}}" for c in names)]
        for c, row in zip(names, self.confusion_matrix):
            lines.append(f"  {c:>{width}}" + " ".join(f"{v:>{width}d}" for v in row))
        return "\n".join(lines)


def evaluate(net: DenseNet, X, y) -> Evaluation:
    """Score `net` on X (n, n_inputs) with labels y (n,).

    Returns
    -------
    Evaluation
    """
    y = np.asarray(y)
    pred = net.predict(X)
    if len(y) != len(pred):
        raise ValueError(f"`y` has {len(y)} labels but X has {len(pred)} examples.")
    if net.task == "regression":
        err = (y.reshape(pred.shape) - pred) ** 2
        return Evaluation("regression", len(y), r2=metrics.r2(y, pred), mse=float(err.mean()))
    k = net.n_classes
    whole = np.issubdtype(y.dtype, np.number) and np.all(np.mod(y, 1) == 0)
    if not (whole and y.min(initial=0) >= 0 and y.max(initial=0) < k):
        raise ValueError(
            f"`y` must hold class indices 0..{k - 1} for this network's {k} classes. "
            f"Got {_label_range(y)} instead."
        )
    names = net.class_names or [str(i) for i in range(k)]
    y = y.astype(np.int64)
    cm = metrics.confusion(y, pred, k)  # (k, k): rows true, columns predicted
    return Evaluation("classification", len(y), accuracy=metrics.accuracy(y, pred),
                      per_class_accuracy=metrics.per_class_accuracy(cm), confusion_matrix=cm,
                      class_names=names)


def _label_range(y: np.ndarray) -> str:
    if not len(y):
        return "no labels"
    if not np.issubdtype(y.dtype, np.number):
        return f"labels of dtype {y.dtype}"
    return f"labels {y.min()}..{y.max()}"
