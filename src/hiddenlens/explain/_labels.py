"""Labels for the causal methods: the one place that turns `y` into what the scores compare.

Today a classifier's labels are class indices 0..K-1; when models carry their own class labels
(`net.classes_`), only these two functions change.
"""

from __future__ import annotations

import numpy as np

from hiddenlens.net import DenseNet


def check_labels(net: DenseNet, y, n: int) -> np.ndarray:
    """`y` as the scores read it: class indices (n,) int64 for a classifier, values (n,) or
    (n, n_outputs) float64 for a regressor."""
    y = np.asarray(y)
    if y.ndim == 0 or y.shape[0] != n:
        got = "a single value" if y.ndim == 0 else f"{y.shape[0]} labels"
        raise ValueError(f"`y` must hold one label per example ({n}). Got {got} instead.")
    if net.task == "regression":
        return y.astype(np.float64)
    k = net.n_classes
    if y.ndim != 1 or y.dtype.kind not in "iu" or (n and (y.min() < 0 or y.max() >= k)):
        shown = y[:5].tolist() if y.ndim == 1 else f"shape {y.shape}"
        raise ValueError(f"`y` must be class indices in 0..{k - 1}, one per example. Got "
                         f"{shown}{'...' if y.ndim == 1 and n > 5 else ''} instead.")
    return y.astype(np.int64)


def class_names(net: DenseNet) -> list[str] | None:
    """Display names of the classes, in index order; None for a regressor."""
    if net.task == "regression":
        return None
    return list(net.class_names) if net.class_names else [str(c) for c in range(net.n_classes)]


def output_names(net: DenseNet) -> list[str]:
    """Display names of the output units (the classes for softmax and multi-sigmoid)."""
    names = class_names(net)
    if names is not None and len(names) == net.n_outputs:
        return names
    return [f"output {i}" for i in range(net.n_outputs)]
