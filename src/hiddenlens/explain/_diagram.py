"""The links a network diagram draws: every weight, or a readable subset of them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hiddenlens._validation import check_positive_int
from hiddenlens.net import DenseNet


@dataclass
class LayerLinks:
    """The kept links of weights[layer]: unit `source[i]` of the layer below feeds unit
    `dest[i]` of `layer` with weight `weight[i]` (arrays of shape (n_links,))."""

    layer: int
    source: np.ndarray
    dest: np.ndarray
    weight: np.ndarray


def diagram_links(net: DenseNet, *, k: int | None = None,
                  threshold: float | None = None) -> list[LayerLinks]:
    """The links of every layer, optionally reduced to the strongest.

    Parameters
    ----------
    net : DenseNet
    k : int, optional
        Keep, for every unit, only its `k` incoming links of largest |w|.
    threshold : float, optional
        Keep only links with |w| >= threshold (applied after `k`).

    Returns
    -------
    list of LayerLinks, one per weight matrix (``net.n_layers``), strongest links last so
    they are drawn on top.
    """
    if k is not None:
        k = check_positive_int(k, "k")
    if threshold is not None and not (isinstance(threshold, (int, float)) and threshold >= 0):
        raise ValueError(f"`threshold` must be a number >= 0. Got {threshold!r} instead.")
    out = []
    for l, W in enumerate(net.weights):  # W: (n_out, n_in)
        keep = np.ones(W.shape, dtype=bool)
        if k is not None and k < W.shape[1]:
            keep[:] = False
            best = np.argpartition(-np.abs(W), k - 1, axis=1)[:, :k]  # (n_out, k)
            np.put_along_axis(keep, best, True, axis=1)
        if threshold is not None:
            keep &= np.abs(W) >= threshold
        dest, source = np.nonzero(keep)
        w = W[dest, source]
        order = np.argsort(np.abs(w), kind="stable")
        out.append(LayerLinks(l, source[order], dest[order], np.array(w[order])))
    return out
