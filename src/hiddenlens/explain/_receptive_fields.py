"""Receptive fields: each unit's incoming weights, their normalisations and orderings."""

from __future__ import annotations

import numpy as np

from hiddenlens._validation import check_choice, check_layer, check_unit
from hiddenlens.net import DenseNet

NORMALIZATIONS = ("diverging", "minmax", "abs")
ORDERS = ("index", "norm", "influence")


def receptive_fields(net: DenseNet, layer: int = 0) -> np.ndarray:
    """The incoming weights of every unit of `layer`.

    Parameters
    ----------
    net : DenseNet
    layer : int, default=0
        0 is the first hidden layer (its fields live in input space: 784 pixels for MNIST);
        deeper layers' fields are over the previous layer's units.

    Returns
    -------
    ndarray of shape (n_units, n_inputs_of_layer)
        A copy of ``net.weights[layer]``.
    """
    return np.array(net.weights[check_layer(net, layer)])


def normalize_fields(fields: np.ndarray, *, method: str = "diverging",
                     scale: str = "shared") -> np.ndarray:
    """Put fields (n_units, n_inputs) on a scale for display.

    Parameters
    ----------
    fields : ndarray of shape (n_units, n_inputs)
    method : {"diverging", "minmax", "abs"}, default="diverging"
        - "diverging": divide by the largest |w| so values lie in [-1, 1] with 0 kept at 0;
          the sign survives (excites vs inhibits).
        - "minmax": stretch each unit to 0..255, as the seeds' article does. Caveat: the sign
          and the magnitude are lost; an all-negative (purely inhibiting) unit, or a unit of
          tiny weights, looks as busy as any other, and 0 maps to a different grey per unit.
        - "abs": |w| divided by the largest |w|, in [0, 1]: where the unit looks, not how.
    scale : {"shared", "unit"}, default="shared"
        For "diverging" and "abs": one largest |w| for the whole layer (units comparable) or
        one per unit (each unit's pattern fills the range). "minmax" is always per unit.

    Returns
    -------
    ndarray of shape (n_units, n_inputs), float64
    """
    check_choice(method, "method", NORMALIZATIONS)
    check_choice(scale, "scale", ("shared", "unit"))
    w = np.asarray(fields, dtype=np.float64)
    if method == "minmax":
        lo, hi = w.min(axis=1, keepdims=True), w.max(axis=1, keepdims=True)
        span = np.where(hi > lo, hi - lo, 1.0)
        return (w - lo) / span * 255.0
    axis = None if scale == "shared" else 1
    peak = np.abs(w).max(axis=axis, keepdims=True)
    peak = np.where(peak > 0, peak, 1.0)
    return (np.abs(w) if method == "abs" else w) / peak


def unit_order(net: DenseNet, layer: int = 0, *, by: str = "index",
               next_unit: int | None = None) -> np.ndarray:
    """An order of the units of `layer` for display.

    Parameters
    ----------
    net : DenseNet
    layer : int, default=0
    by : {"index", "norm", "influence"}, default="index"
        "norm": largest L2 norm of the incoming weights first. "influence": largest outgoing
        weight into unit `next_unit` of the next layer first (the most excitatory for that
        class first, the most inhibitory last).
    next_unit : int, optional
        The unit of layer ``layer + 1`` (a class for the last hidden layer) whose incoming
        weights rank the units; needed for "influence".

    Returns
    -------
    ndarray of shape (n_units,), int64
    """
    idx = check_layer(net, layer)
    check_choice(by, "by", ORDERS)
    w = net.weights[idx]
    if by == "index":
        return np.arange(len(w), dtype=np.int64)
    if by == "norm":
        return np.argsort(-np.linalg.norm(w, axis=1), kind="stable").astype(np.int64)
    if idx == net.n_layers - 1:
        raise ValueError(
            f"Ordering by influence needs a next layer; layer {layer} is the output of this "
            f"{net.describe_sizes()} network. Use by='norm' or by='index'."
        )
    if next_unit is None:
        raise ValueError("Ordering by influence needs `next_unit`: the unit (class) of layer "
                         f"{idx + 1} whose incoming weights rank the units.")
    next_unit = check_unit(net, idx + 1, next_unit, "next_unit")
    return np.argsort(-net.weights[idx + 1][next_unit], kind="stable").astype(np.int64)
