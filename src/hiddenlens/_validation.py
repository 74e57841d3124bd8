"""Argument checks shared by every public function, with one error-message form:

    "`name` must be <what>. Got <value> instead."
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from hiddenlens.net import DenseNet


def check_layer(net: DenseNet, layer: int) -> int:
    """Return the non-negative index of `layer` (0 = first hidden layer, -1 = output)."""
    n = net.n_layers
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)):
        raise TypeError(f"`layer` must be an integer. Got {layer!r} instead.")
    if not -n <= layer < n:
        raise ValueError(
            f"`layer` must be in {-n}..{n - 1} for this {net.describe_sizes()} network "
            f"(0 is the first hidden layer, -1 the output). Got {layer} instead."
        )
    return int(layer) % n


def check_hidden_layer(net: DenseNet, layer: int) -> int:
    """Like `check_layer`, but the output layer is refused."""
    idx = check_layer(net, layer)
    if idx == net.n_layers - 1:
        hidden = net.n_layers - 1
        valid = f"0..{hidden - 1}" if hidden else "none: this network has no hidden layer"
        raise ValueError(
            f"`layer` must be a hidden layer ({valid}) for this {net.describe_sizes()} "
            f"network. Got {layer} (the output layer) instead."
        )
    return idx


def check_unit(net: DenseNet, layer: int, unit: int, name: str = "unit") -> int:
    """Return `unit` checked against the width of `layer`; errors call it `name`."""
    idx = check_layer(net, layer)
    width = net.sizes[idx + 1]
    if isinstance(unit, bool) or not isinstance(unit, (int, np.integer)):
        raise TypeError(f"`{name}` must be an integer. Got {unit!r} instead.")
    if not 0 <= unit < width:
        raise ValueError(
            f"`{name}` must be in 0..{width - 1} for layer {layer}, which has {width} units. "
            f"Got {unit} instead."
        )
    return int(unit)


def check_X(net: DenseNet, X, name: str = "X") -> np.ndarray:
    """Return `X` as a 2-D float array of shape (n, n_inputs); a single input becomes (1, n)."""
    try:
        X = np.asarray(X, dtype=np.float64 if net.dtype_name == "float64" else np.float32)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`{name}` must be an array of numbers. Got {type(X).__name__}.") from exc
    if X.ndim == 0:
        raise ValueError(
            f"`{name}` must be an array of examples, (n, {net.n_inputs}). Got the single "
            f"number {X.item()!r} instead."
        )
    if X.ndim == 1 or (X.ndim == 2 and X.shape[1] == 1 and X.shape[0] == net.n_inputs != 1):
        X = X.reshape(1, -1)  # one example, possibly a column vector as in network.py
    elif X.ndim > 2:
        X = X.reshape(X.shape[0], -1)  # (n, 28, 28) images -> (n, 784)
    if X.shape[1] != net.n_inputs:
        raise ValueError(
            f"`{name}` has {X.shape[1]} features per example but the network takes "
            f"{net.n_inputs} inputs."
        )
    if not np.all(np.isfinite(X)):
        raise ValueError(f"`{name}` contains NaN or infinite values; clean them first.")
    return X


def check_positive_int(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}. Got {value!r} instead.")
    return int(value)


def check_choice(value, name: str, choices) -> str:
    if value not in choices:
        known = ", ".join(repr(c) for c in choices)
        raise ValueError(f"`{name}` must be one of {known}. Got {value!r} instead.")
    return value
