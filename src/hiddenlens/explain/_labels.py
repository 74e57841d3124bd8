"""Labels for the causal methods: `y` as the scores and per-class statistics read it.

The labels are the model's (`net.classes_`); the one conversion to class indices is
`hiddenlens._classes.label_indices`, which refuses a label the model does not know.
"""

from __future__ import annotations

import numpy as np

from hiddenlens._classes import label_indices
from hiddenlens.net import DenseNet


def check_labels(net: DenseNet, y, n: int) -> np.ndarray:
    """`y` as the scores read it: class indices (n,) int64 into ``net.classes_`` for a
    classifier, values (n,) or (n, n_outputs) float64 for a regressor."""
    y = np.asarray(y)
    if y.ndim == 0 or y.shape[0] != n:
        got = "a single value" if y.ndim == 0 else f"{y.shape[0]} labels"
        raise ValueError(f"`y` must hold one label per example ({n}). Got {got} instead.")
    if net.task == "regression":
        return y.astype(np.float64)
    return label_indices(net, y)


def class_names(net: DenseNet) -> list[str] | None:
    """Display names of the classes, in `classes_` order; None for a regressor."""
    if net.task == "regression":
        return None
    return list(net.class_names) if net.class_names else [str(c) for c in net.classes_]


def output_names(net: DenseNet) -> list[str]:
    """Display names of the output units (the classes for softmax and multi-sigmoid)."""
    names = class_names(net)
    if names is not None and len(names) == net.n_outputs:
        return names
    return [f"output {i}" for i in range(net.n_outputs)]
