"""Weight-based importance for tabular networks: Garson, Olden, and Lek's profiles.

The definitions of R's NeuralNetTools (Beck 2018). Garson and Olden read only the weights (no
data) of the layers after the model's standardisation, so inputs on different scales are
comparable; biases are ignored, as there.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils import Bunch

from hiddenlens import _chain as chain
from hiddenlens._validation import (
    check_choice,
    check_positive_int,
    check_work,
    counted,
    integer_seed,
)
from hiddenlens.explain._groups import check_groups
from hiddenlens.net import DenseNet


def garson(net: DenseNet) -> np.ndarray:
    """Garson's (1991) relative importance of each input, per output.

    For input i, hidden unit j and output o: c_ij = |w_ji| |v_oj|, normalised within each hidden
    unit (r_ij = c_ij / sum_i c_ij), summed over hidden units (s_i = sum_j r_ij) and scaled to
    sum to 1 (s_i / sum_i s_i).

    What it can tell: how much of each hidden unit's incoming weight mass comes from an input.
    What it cannot: the sign (every value is >= 0), interactions, or anything about the data;
    and, as computed by NeuralNetTools, |v_oj| cancels in the within-unit normalisation, so
    every output row is the same and the hidden-to-output weights play no part. It needs
    exactly one hidden layer; `olden` keeps the signs and the output weights.

    Returns
    -------
    ndarray of shape (n_outputs, n_inputs), each row summing to 1.
    """
    if net.n_layers != 2:
        raise ValueError(
            f"garson needs exactly one hidden layer; this {net.describe_sizes()} network has "
            f"{net.n_layers - 1}. Use olden, which chains through any number of hidden layers."
        )
    W, V = np.abs(net.weights[0]).astype(float), np.abs(net.weights[1]).astype(float)
    c = W[None, :, :] * V[:, :, None]  # (outputs, hidden, inputs): |w_ji| |v_oj|
    r = c / c.sum(axis=2, keepdims=True)  # share of each input within each hidden unit
    s = r.sum(axis=1)  # (outputs, inputs)
    return s / s.sum(axis=1, keepdims=True)


def olden(net: DenseNet) -> np.ndarray:
    """Olden & Jackson's (2002) connection weights: signed products summed over every path.

    importance[o, i] = sum over paths i -> j1 -> ... -> o of the product of the weights, that
    is (weights[-1] @ ... @ weights[0])[o, i], through any number of hidden layers.

    What it can tell: the sign and size of each input's linear pull on an output, and it keeps
    positive and negative paths from cancelling silently in Garson's absolute values. What it
    cannot: the activations' nonlinearity (a saturated unit counts fully), interactions, or
    anything about the data; use permutation_importance or lek_profile for those.

    Returns
    -------
    ndarray of shape (n_outputs, n_inputs)
    """
    with torch.no_grad():
        return chain.linear_chain(net.module, net.n_layers - 1, 0).numpy()


def lek_profile(
    net: DenseNet, X, feature=None, *, n_points: int = 100, hold: str = "quantiles",
    quantiles=None, n_clusters: int | None = None, random_state=0,
) -> Bunch:
    """Lek's profile: sweep one feature from its min to its max, the others held fixed.

    Parameters
    ----------
    net : DenseNet
    X : array of shape (n, n_inputs)
        Data giving each feature's range and the held values.
    feature : int, str, sequence of them, or None, default=None (every feature)
    n_points : int, default=100
        Points of each feature's sweep (NeuralNetTools' ``steps``).
    hold : {"quantiles", "kmeans"}, default="quantiles"
        Hold the other features at their quantiles (each held row one quantile of every
        feature), or at the centres of k-means clusters of X (NeuralNetTools' two options).
    quantiles : sequence of float, optional
        With hold="quantiles": the levels, in [0, 1]. Default: 0, 0.2, ..., 1.
    n_clusters : int, optional
        With hold="kmeans": the number of clusters. Default: 6.
    random_state : int, None or numpy.random.Generator, default=0
        k-means' initialisation (scikit-learn's, given an int as is; None and a Generator
        draw one integer).

    What it can tell: the shape (monotone, threshold, bump) of the response to one feature in
    several typical contexts, and whether it changes between contexts (an interaction). What
    it cannot: held values are combinations that may never occur in the data.

    Returns
    -------
    Bunch with grid (n_features, n_points), predictions (n_features, n_held, n_points,
    n_outputs) of the output activations, held (n_held, n_inputs), features (names) and
    held_labels (one per held row: "quantile 0.2", "cluster 1 (n=37)").
    """
    n_points = check_positive_int(n_points, "n_points", minimum=2)
    check_choice(hold, "hold", ("quantiles", "kmeans"))
    X = net.tensor(X).numpy().astype(float)
    cols, names = check_groups(net, None if feature is None else (
        [feature] if np.ndim(feature) == 0 else [[f] for f in feature]))
    held, labels = _held_values(X, hold, quantiles, n_clusters, random_state)
    points = len(cols) * len(held) * n_points  # every sweep point is one row through the net
    check_work(f"lek_profile of {counted(len(cols), 'feature')} x "
               f"{counted(len(held), 'held row')} x {counted(n_points, 'point')}",
               points * max(net.sizes), points * max(net.sizes),
               "sweep fewer features or use a smaller `n_points`")
    lo, hi = X.min(0), X.max(0)
    grid = np.stack([np.linspace(lo[c[0]], hi[c[0]], n_points) for c in cols])  # (F, P)
    rows = np.repeat(held[None, :, None, :], len(cols), 0).repeat(n_points, 2)  # (F, H, P, d)
    for f, c in enumerate(cols):
        rows[f, :, :, c[0]] = grid[f]
    out = net.forward(rows.reshape(-1, X.shape[1]))
    preds = out.reshape(len(cols), len(held), n_points, -1)
    return Bunch(grid=grid, predictions=preds, held=held, features=names, held_labels=labels)


def _held_values(X: np.ndarray, hold: str, quantiles, n_clusters,
                 random_state) -> tuple[np.ndarray, list]:
    if hold == "quantiles":
        if n_clusters is not None:
            raise ValueError(f"`n_clusters` ({n_clusters!r}) is for hold='kmeans'; with "
                             "hold='quantiles' give `quantiles` instead.")
        levels = np.linspace(0, 1, 6) if quantiles is None else np.asarray(quantiles,
                                                                           dtype=float)
        if levels.ndim != 1 or levels.size == 0 or levels.min() < 0 or levels.max() > 1:
            raise ValueError(f"`quantiles` must be levels in [0, 1]. Got {quantiles!r} "
                             "instead.")
        return np.quantile(X, levels, axis=0), [f"quantile {q:g}" for q in levels]
    from sklearn.cluster import KMeans

    if quantiles is not None:
        raise ValueError(f"`quantiles` ({quantiles!r}) is for hold='quantiles'; with "
                         "hold='kmeans' give `n_clusters` instead.")
    k = check_positive_int(6 if n_clusters is None else n_clusters, "n_clusters")
    if k > len(X):
        raise ValueError(f"`n_clusters` ({k}) must not exceed the rows of X ({len(X)}).")
    km = KMeans(n_clusters=k, n_init=10, random_state=integer_seed(random_state)).fit(X)
    sizes = np.bincount(km.labels_, minlength=k)
    return km.cluster_centers_, [f"cluster {i + 1} (n={s})" for i, s in enumerate(sizes)]
