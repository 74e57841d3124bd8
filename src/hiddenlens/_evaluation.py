"""How well a network does: accuracy, per-class accuracy and the confusion matrix."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hiddenlens import _metrics as metrics
from hiddenlens._classes import label_indices
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
        predicted, both in the order of `classes`.
    classes : ndarray of shape (n_classes,) or None
        The model's class labels (`net.classes_`), in the order of the rows and columns.
    class_names : list of str or None
        Their display names.
    r2, mse : float or None (regression)
    """

    task: str
    n: int
    accuracy: float | None = None
    per_class_accuracy: np.ndarray | None = None
    confusion_matrix: np.ndarray | None = None
    classes: np.ndarray | None = None
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
            out["classes"] = self.classes.tolist()
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

    `y` holds class labels as the model knows them (`net.classes_`: the indices 0..K-1 of a
    model trained on a `Dataset`, the estimator's labels for an imported scikit-learn model);
    a label the model does not know is refused.

    Returns
    -------
    Evaluation
        Per-class accuracy and the confusion matrix in `net.classes_` order, named by
        `net.class_names`.
    """
    y = np.asarray(y)
    pred = net.predict(X)
    if len(y) != len(pred):
        raise ValueError(f"`y` has {len(y)} labels but X has {len(pred)} examples.")
    if net.task == "regression":
        err = (y.reshape(pred.shape) - pred) ** 2
        return Evaluation("regression", len(y), r2=metrics.r2(y, pred), mse=float(err.mean()))
    classes = net.classes_
    y = classes[label_indices(net, y)]  # the model's own labels (and dtype): refuses unknowns
    names = net.class_names or [str(c) for c in classes]
    cm = metrics.confusion(y, pred, classes)  # (k, k): rows true, columns predicted
    return Evaluation("classification", len(y), accuracy=metrics.accuracy(y, pred),
                      per_class_accuracy=metrics.per_class_accuracy(cm), confusion_matrix=cm,
                      classes=classes, class_names=names)
