"""Top units: which units of the layer below push a unit (an output class) most."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hiddenlens._validation import check_choice, check_layer, check_unit
from hiddenlens.net import DenseNet


@dataclass
class TopUnits:
    """The k most positive and k most negative units of `source_layer` for one unit.

    Attributes
    ----------
    positive, negative : ndarray of shape (k,), int64
        Unit indices of `source_layer`, strongest first (largest score first for `positive`,
        most negative first for `negative`).
    positive_scores, negative_scores : ndarray of shape (k,)
    scores : ndarray of shape (n_source_units,)
        The score of every unit: its outgoing weight into `unit` ("weight") or weight *
        activation on the given input ("contribution").
    layer, unit : int
        The unit whose feeders are ranked (an output class for the output layer).
    source_layer : int
        The layer the ranked units come from (layer - 1).
    by : str
    """

    positive: np.ndarray
    negative: np.ndarray
    positive_scores: np.ndarray
    negative_scores: np.ndarray
    scores: np.ndarray
    layer: int
    unit: int
    source_layer: int
    by: str


def top_units(net: DenseNet, layer: int, unit: int, *, k: int = 5, by: str = "weight",
              x=None) -> TopUnits:
    """Rank the units feeding unit `unit` of `layer` by outgoing weight or by contribution.

    Parameters
    ----------
    net : DenseNet
    layer : int
        The layer of the unit whose feeders are ranked (-1: the output); it must have a hidden
        layer below it (layer >= 1).
    unit : int
        The unit of `layer` (a class index for the output layer).
    k : int, default=5
        How many of the most positive and of the most negative units to keep.
    by : {"weight", "contribution"}, default="weight"
        "weight": ``weights[layer][unit]``, the seeds' ``weights[1][3].argsort()``.
        "contribution": weight * activation of each unit on the input `x`, the terms of the
        unit's pre-activation for that input.
    x : array of shape (n_inputs,), optional
        The input, needed for "contribution".

    Returns
    -------
    TopUnits
    """
    idx = check_layer(net, layer)
    check_choice(by, "by", ("weight", "contribution"))
    if idx == 0:
        raise ValueError(
            f"`layer` must have a hidden layer below it (1..{net.n_layers - 1} for this "
            f"{net.describe_sizes()} network); layer 0 is fed by the inputs, use "
            "contribution_map for those. Got 0 instead."
            if net.n_layers > 1 else
            f"top_units needs a hidden layer; this {net.describe_sizes()} network has none."
        )
    unit = check_unit(net, layer, unit)
    width = net.sizes[idx]
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= width:
        raise ValueError(
            f"`k` must be in 1..{width}: layer {idx - 1} has {width} units. Got {k!r} instead."
        )
    scores = np.array(net.weights[idx][unit], dtype=np.float64)  # (width,)
    if by == "contribution":
        if x is None:
            raise ValueError("by='contribution' needs an input `x`: the scores are weight * "
                             "activation on that input.")
        X = net.tensor(x)
        if len(X) != 1:
            raise ValueError(f"`x` must be one example. Got {len(X)} examples instead.")
        scores = scores * net.trace(X).activations[idx - 1][0]
    order = np.argsort(scores, kind="stable")  # ascending
    pos, neg = order[::-1][:k], order[:k]
    return TopUnits(positive=pos.astype(np.int64), negative=neg.astype(np.int64),
                    positive_scores=scores[pos], negative_scores=scores[neg], scores=scores,
                    layer=idx, unit=unit, source_layer=idx - 1, by=by)
