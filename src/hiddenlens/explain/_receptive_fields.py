"""Receptive fields: each unit's incoming weights, their normalisations and orderings."""

from __future__ import annotations

import numpy as np

from hiddenlens._validation import check_choice, check_layer, check_positive_int, check_unit
from hiddenlens.net import DenseNet

NORMALIZATIONS = ("diverging", "minmax", "abs")
ORDERS = ("index", "norm", "influence", "outgoing")
WIDE_LAYER = 100  # a view of a wider layer shows its K_WIDE most influential units by default
K_WIDE = 64


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
    by : {"index", "norm", "influence", "outgoing"}, default="index"
        "norm": largest L2 norm of the incoming weights first. "influence": largest outgoing
        weight into unit `next_unit` of the next layer first (the most excitatory for that
        class first, the most inhibitory last). "outgoing": largest outgoing weight mass
        first, ``sum_j |weights[layer + 1][j, unit]|``: the units the next layer listens to
        most, whatever the sign.
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
            f"Ordering by {by} needs a next layer; layer {layer} is the output of this "
            f"{net.describe_sizes()} network. Use by='norm' or by='index'."
        )
    if by == "outgoing":
        mass = np.abs(net.weights[idx + 1]).sum(axis=0, dtype=np.float64)  # (n_units,)
        return np.argsort(-mass, kind="stable").astype(np.int64)
    if next_unit is None:
        raise ValueError("Ordering by influence needs `next_unit`: the unit (class) of layer "
                         f"{idx + 1} whose incoming weights rank the units.")
    next_unit = check_unit(net, idx + 1, next_unit, "next_unit")
    return np.argsort(-net.weights[idx + 1][next_unit], kind="stable").astype(np.int64)


def shown_units(net: DenseNet, layer: int, *, by: str = "auto", k="auto",
                next_unit: int | None = None) -> tuple[np.ndarray, str]:
    """The units a view of `layer` draws, in order, and the order they follow.

    A layer of up to `WIDE_LAYER` (100) units is drawn whole, by index. In a wider one, tiles
    of every unit would be a few pixels each, so by default only its `K_WIDE` (64) most
    influential units are drawn, those with the largest outgoing weight mass into the next
    layer (by weight norm for the output layer, which feeds nothing).

    Parameters
    ----------
    net : DenseNet
    layer : int
    by : {"auto", "index", "norm", "influence", "outgoing"}, default="auto"
        See `unit_order`; "auto" is "index" up to `WIDE_LAYER` units, else "outgoing" (or
        "norm" for the output layer).
    k : int, "auto" or None, default="auto"
        How many to keep, the first in that order; "auto" keeps every unit up to
        `WIDE_LAYER` and `K_WIDE` beyond; None keeps every unit.
    next_unit : int, optional
        For by="influence".

    Returns
    -------
    units : ndarray of shape (n_shown,), int64
    by : str
        The order used ("auto" resolved).
    """
    idx = check_layer(net, layer)
    wide = net.sizes[idx + 1] > WIDE_LAYER
    if by == "auto":
        by = "index" if not wide else "norm" if idx == net.n_layers - 1 else "outgoing"
    units = unit_order(net, idx, by=by, next_unit=next_unit)
    if isinstance(k, str):
        check_choice(k, "k", ("auto",))
        k = K_WIDE if wide else None
    if k is not None:
        units = units[: check_positive_int(k, "k")]
    return units, by
