"""Class labels: what a classifier predicts (`net.classes_`) and the indices behind them.

Output unit k of a classifier is the class ``net.classes_[k]`` (for one sigmoid unit, k is
0 or 1 by the threshold). The public API speaks labels, as scikit-learn does: `y`, `predict`,
`score`. Whatever needs an index (a per-class statistic, the loss of the true class, the
target of an attribution chosen by label) converts through `label_indices`, the one place
that does, and that refuses a label the model does not know.

A `Dataset` keeps labels as indices 0..K-1 into its `class_names`; `dataset_labels` turns
them into the model's labels (the k-th class of the data set is the model's k-th class).
"""

from __future__ import annotations

import numbers

import numpy as np

SHOWN = 10  # classes and unknown labels a message lists


def check_classes(classes, n_classes: int) -> np.ndarray:
    """`classes` as a 1-D ndarray of `n_classes` distinct labels (ints, strings, ...)."""
    arr = np.asarray(classes)
    if arr.dtype.kind == "O" and arr.ndim == 1:  # pandas' object arrays: one kind, typed
        items = arr.tolist()
        if all(isinstance(c, str) for c in items):
            arr = arr.astype(str)
        elif all(isinstance(c, numbers.Number) for c in items):
            arr = np.asarray(items)
        else:
            raise ValueError(f"`classes` must hold labels of one kind (all numbers or all "
                             f"strings). Got {_show(arr)} instead.")
    if arr.ndim != 1 or arr.dtype.kind not in "biufUSO" or len(arr) != n_classes:
        raise ValueError(f"`classes` must list the {n_classes} class labels of the network "
                         f"(ints or strings, one per class). Got {_show(arr)} instead.")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"`classes` must hold finite labels. Got {_show(arr)} instead.")
    if len(set(arr.tolist())) != len(arr):
        raise ValueError(f"`classes` must hold distinct labels. Got {_show(arr)} instead.")
    out = arr.copy()
    out.flags.writeable = False
    return out


class LabelledOutputs:
    """What a DenseNet shares with scikit-learn's estimators: `classes_`, the tags that make
    it a classifier or regressor to scikit-learn, and outputs -> predictions.

    Reads `task`, `n_classes`, `n_outputs` and `_binary_sigmoid` of the class it is mixed in.
    """

    _classes: np.ndarray | None = None

    @property
    def classes_(self) -> np.ndarray | None:
        """The class labels (n_classes,), output unit k predicting ``classes_[k]``; None for
        a regressor. Default ``arange(n_classes)``."""
        if self.task != "classification":
            return None
        if self._classes is None:
            return np.arange(self.n_classes)
        return self._classes

    @classes_.setter
    def classes_(self, classes) -> None:
        if self.task != "classification":
            if classes is not None:
                raise ValueError("`classes` must be None for a regressor, which predicts "
                                 f"values. Got {classes!r} instead.")
            return
        self._classes = None if classes is None else check_classes(classes, self.n_classes)

    @property
    def _estimator_type(self) -> str:
        """scikit-learn's name for the task (scikit-learn < 1.6 reads it)."""
        return "classifier" if self.task == "classification" else "regressor"

    def __sklearn_tags__(self):
        """scikit-learn's tags: a fitted classifier or regressor (`is_classifier`)."""
        from sklearn.utils import ClassifierTags, RegressorTags, Tags, TargetTags

        classifier = self.task == "classification"
        return Tags(estimator_type=self._estimator_type, target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags() if classifier else None,
                    regressor_tags=None if classifier else RegressorTags())

    def proba_of(self, out: np.ndarray) -> np.ndarray:
        """`predict_proba` of output activations (..., n, n_outputs)."""
        return np.concatenate([1 - out, out], axis=-1) if self._binary_sigmoid else out

    def predicted_indices(self, out: np.ndarray, from_logits: bool = False) -> np.ndarray:
        """Class indices (..., n) int64 of output activations (or logits) (..., n, n_outputs).

        The argmax; one sigmoid unit gives 1 above 0.5 (above 0 for logits), as
        scikit-learn's MLPClassifier thresholds.
        """
        if self.n_outputs == 1:
            return (out[..., 0] > (0 if from_logits else 0.5)).astype(np.int64)
        return out.argmax(-1).astype(np.int64)

    def predict_of(self, out: np.ndarray) -> np.ndarray:
        """`predict` of output activations (..., n, n_outputs): labels, or the values of a
        regressor ((..., n) for one output)."""
        if self.task == "regression":
            return out[..., 0] if self.n_outputs == 1 else out
        return self.classes_[self.predicted_indices(out)]


def label_indices(net, y, name: str = "y") -> np.ndarray:
    """Indices (n,) int64 into ``net.classes_`` of the class labels `y` (n,).

    Raises
    ------
    ValueError
        When `y` is not one label per example, or holds a label the model does not know:
        one sentence listing the model's classes.
    """
    classes = net.classes_
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"`{name}` must hold one class label per example (a 1-D array). Got "
                         f"an array of shape {y.shape} instead.")
    if not len(y):
        return np.zeros(0, dtype=np.int64)
    if y.dtype.kind in "iu" and classes.dtype.kind in "iu" and _is_range(classes):
        idx = y.astype(np.int64)  # labels 0..K-1 are their own indices
        unknown = (idx < 0) | (idx >= len(classes))
        if unknown.any():
            raise _unknown(net, name, y[unknown])
        return idx
    try:
        values, inverse = np.unique(y, return_inverse=True)
    except TypeError:  # an object array mixing kinds: look each label up
        values, inverse = np.asarray(y.tolist(), dtype=object), np.arange(len(y))
    lookup = {c: k for k, c in enumerate(classes.tolist())}
    found = np.array([lookup.get(v, -1) if _hashable(v) else -1 for v in values.tolist()],
                     dtype=np.int64)
    if (found < 0).any():
        raise _unknown(net, name, values[found < 0])
    return found[inverse.reshape(-1)]


def dataset_labels(net, y) -> np.ndarray:
    """A data set's labels (indices 0..K-1 into its class_names) as the model's labels; a
    regressor's values unchanged."""
    if net.task != "classification":
        return np.asarray(y)
    return net.classes_[np.asarray(y, dtype=np.int64)]


def _is_range(classes: np.ndarray) -> bool:
    return bool(np.array_equal(classes, np.arange(len(classes))))


def _hashable(v) -> bool:
    try:
        hash(v)
    except TypeError:
        return False
    return True


def _unknown(net, name: str, bad) -> ValueError:
    bad = np.unique(np.asarray(bad).astype(str) if np.asarray(bad).dtype.kind == "O"
                    else np.asarray(bad))
    more = f" ({len(bad)} unknown labels)" if len(bad) > SHOWN else ""
    return ValueError(
        f"`{name}` must hold class labels of this network, which predicts "
        f"{_show(net.classes_)}. Got {_show(bad)}{more} instead."
    )


def _show(arr) -> str:
    """At most SHOWN values, comma-separated, with "..." for the rest."""
    arr = np.asarray(arr)
    if arr.ndim != 1:
        return f"an array of shape {arr.shape}"
    items = [repr(v) if isinstance(v, str) else str(v) for v in arr[:SHOWN].tolist()]
    return ", ".join(items) + (", ..." if len(arr) > SHOWN else "")
