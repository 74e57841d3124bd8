"""Quantus's faithfulness metrics with Quantus's numbers: pixel flipping (Bach et al. 2015),
region perturbation and AOPC (Samek et al. 2017), faithfulness correlation (Bhatt et al. 2020).

Each is the same arithmetic as its Quantus class at the defaults named in its docstring
(attributions divided by their largest |value| over the batch, "black" = each example's
smallest value, the same sort, and each class's own scale: the softmax of the logits for
pixel flipping and region perturbation, the logits for faithfulness correlation), computed
through layer 0's low-rank update (`_progressive`) instead of one forward pass per step and
batch.

Quantus's argument names -> ours: x_batch -> X, y_batch -> target, a_batch -> attributions,
perturb_baseline -> baseline, normalise -> normalize, softmax=True/False ->
score="softmax"/"logit", patch_size -> window, regions_evaluation -> k, nr_runs -> n_samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hiddenlens._validation import check_choice, check_positive_int
from hiddenlens.explain._progressive import (
    TargetScore,
    check_score,
    cumulative_scores,
    independent_scores,
    shared_subset_scores,
)
from hiddenlens.explain._trust_checks import (
    baseline_values,
    check_attributions,
    check_features_in_step,
    interval,
    output_units,
    quantus_order,
    rng_of,
)
from hiddenlens.net import DenseNet


def _setup(net: DenseNet, X, target, attributions, baseline, score, normalize, abs):
    X = net.tensor(X)
    n, d = X.shape
    units = output_units(net, X, target)
    a = quantus_order(check_attributions(attributions, n, d), normalize, abs)
    x64 = X.numpy().astype(np.float64)
    D = np.zeros((n, d + 1))  # the last column: padding, no feature
    D[:, :d] = baseline_values(x64, baseline, allow_mean=False) - x64
    return TargetScore(net, X, units, check_score(net, score)), a, D


def pixel_flipping(
    net: DenseNet, X, target, attributions, *, features_in_step: int = 1, baseline="black",
    score: str | None = None, normalize: bool = True, abs: bool = False,
) -> np.ndarray:
    """The target's score after each step of replacing features in attribution order.

    Equal to ``quantus.PixelFlipping(features_in_step=features_in_step,
    perturb_baseline=baseline, normalise=normalize, abs=abs)(model, x_batch, y_batch,
    a_batch)`` for a `model` returning the logits (Quantus applies the softmax).

    Parameters
    ----------
    net : DenseNet
    X : array of shape (n, n_inputs)
    target : int, array of n ints, or None
        The output class read (None: the predicted class).
    attributions : array of shape (n, n_inputs)
        Features are replaced most positive first (``argsort(-a)``, as Quantus).
    features_in_step : int, default=1
        Must divide n_inputs.
    baseline : "black", "white" or float, default="black"
        Each example's smallest / largest value, or a number.
    score : {"softmax", "logit", "output"}, optional
        Default: the softmax of the logits for a multi-output classifier, else the output.
    normalize : bool, default=True
        Divide the attributions by their largest |value| over the batch first (Quantus's
        `normalise`; it changes the order only through rounding ties).
    abs : bool, default=False

    Returns
    -------
    ndarray of shape (n, n_inputs // features_in_step)
    """
    ts, a, D = _setup(net, X, target, attributions, baseline, score, normalize, abs)
    n, d = a.shape
    k = check_features_in_step(features_in_step, d)
    order = np.argsort(-a, axis=1)
    return cumulative_scores(ts, order.reshape(n, d // k, k), D)


@dataclass
class RegionCurve:
    """Region perturbation: the drop of the target's score as regions are replaced.

    Attributes
    ----------
    drops : ndarray of shape (n, n_regions)
        f(x) - f(x after the first j + 1 regions), Quantus's RegionPerturbation output.
    order : {"morf", "lerf", "random"}
    """

    drops: np.ndarray
    order: str

    @property
    def aopc(self) -> np.ndarray:
        """Samek et al.'s area over the perturbation curve per example (n,): the mean of the
        drops over k = 0..L, where the drop at k = 0 (nothing replaced) is 0."""
        return self.drops.sum(axis=1) / (self.drops.shape[1] + 1)

    def to_frame(self) -> pd.DataFrame:
        """One row per region count: the mean drop over examples and its 95% interval."""
        rows = [dict(zip(("drop", "low", "high"), interval(self.drops[:, j])), regions=j + 1)
                for j in range(self.drops.shape[1])]
        return pd.DataFrame(rows)[["regions", "drop", "low", "high"]]


def region_perturbation(
    net: DenseNet, X, target, attributions, *, window: int = 8, order: str = "morf",
    k: int = 100, baseline="black", score: str | None = None, normalize: bool = True,
    abs: bool = False, random_state=None,
) -> RegionCurve:
    """Replace square regions in order of their summed attribution (Samek et al. 2017).

    Equal to ``quantus.RegionPerturbation(patch_size=window, order=order,
    regions_evaluation=k, perturb_baseline=baseline, normalise=normalize, abs=abs)`` for
    "morf" and "lerf" (a model returning logits). As Quantus, the image is padded to a
    multiple of `window` (half each side), regions are the non-overlapping window x window
    blocks of the padded grid in row-major order, and each region's attribution is its sum.

    Parameters
    ----------
    net : DenseNet
        An image model (with `image_shape`).
    X, target, attributions, baseline, score, normalize, abs : see `pixel_flipping`.
    window : int, default=8
    order : {"morf", "lerf", "random"}, default="morf"
        Most relevant first, least relevant first, or a random order (from `random_state`;
        Quantus draws it from numpy's global generator).
    k : int, default=100
        How many regions to replace (all of them when there are fewer).
    random_state : int, Generator or None, default=None

    Returns
    -------
    RegionCurve
    """
    if net.image_shape is None:
        raise ValueError(f"region_perturbation replaces square regions of images, but this "
                         f"{net.describe_sizes()} network has no image_shape; use "
                         "deletion_curve with groups= for tabular features.")
    check_choice(order, "order", ("morf", "lerf", "random"))
    window = check_positive_int(window, "window")
    k = check_positive_int(k, "k")
    ts, a, D = _setup(net, X, target, attributions, baseline, score, normalize, abs)
    patches, sums = _regions(a, net.image_shape, window)  # (P, m), (n, P)
    if order == "random":
        rng = rng_of(random_state)
        ranked = np.array([rng.permutation(len(patches)) for _ in range(len(a))])
    else:
        ranked = np.argsort(-sums if order == "morf" else sums, -1)
    steps = patches[ranked[:, :k]]  # (n, regions, m)
    return RegionCurve(ts.base[:, None] - cumulative_scores(ts, steps, D), order)


def _regions(a: np.ndarray, image_shape, window: int):
    """Each region's pixels (P, m) (padding pixels -> n_inputs) and attribution sums (n, P),
    exactly as Quantus forms them."""
    (H, W), n = image_shape, len(a)
    (t, b), (l, r) = _padding(H, window), _padding(W, window)
    a_pad = np.pad(a.reshape(n, 1, H, W), ((0, 0), (0, 0), (t, b), (l, r)), mode="constant")
    Hp, Wp = H + t + b, W + l + r
    flat = a_pad.reshape(n, -1)
    rows, cols, sums = [], [], []
    for i in range(Hp // window):
        for j in range(Wp // window):
            pr, pc = np.meshgrid(np.arange(i * window, (i + 1) * window),
                                 np.arange(j * window, (j + 1) * window), indexing="ij")
            sums.append(flat[:, (pr * Wp + pc).ravel()].sum(axis=-1))
            rows.append(pr.ravel() - t)
            cols.append(pc.ravel() - l)
    rr, cc = np.array(rows), np.array(cols)  # (P, window^2) image coordinates
    inside = (rr >= 0) & (rr < H) & (cc >= 0) & (cc < W)
    return np.where(inside, rr * W + cc, H * W), np.stack(sums, -1)


def _padding(size: int, window: int) -> tuple[int, int]:
    """Quantus's get_padding_size: the total padding to a multiple, floor half first."""
    extra = (window - size % window) % window
    return extra // 2, extra - extra // 2


def faithfulness_correlation(
    net: DenseNet, X, target, attributions, *, n_samples: int = 100, subset_size: int = 224,
    baseline="black", subsets=None, score: str | None = None, normalize: bool = True,
    abs: bool = False, random_state=0,
) -> np.ndarray:
    """Pearson correlation between the attribution summed over random feature subsets and
    the score drop when those subsets are replaced (Bhatt et al. 2020), per example.

    With `subsets`, equal to ``quantus.FaithfulnessCorrelation(nr_runs=n_samples,
    subset_size=subset_size, perturb_baseline=baseline, normalise=normalize, abs=abs,
    return_aggregate=False)`` run on the same subsets (Quantus draws subset r of example i
    with ``np.random.choice(n_inputs, subset_size, replace=False)`` from numpy's global
    generator; its default `return_aggregate=True` returns the mean of our array).
    With `random_state`, the `n_samples` subsets are drawn once and shared by every example:
    each example's correlation then has exactly the distribution of Quantus's (its subsets
    are uniform and independent), but the draws differ.

    Parameters
    ----------
    net, X, target, attributions, baseline, normalize, abs : see `pixel_flipping`.
    score : {"softmax", "logit", "output"}, default="logit"
        The logit by default, as Quantus's FaithfulnessCorrelation (its `softmax=False`).
    n_samples : int, default=100
        Random subsets per example (Quantus's `nr_runs`).
    subset_size : int, default=224
        Features per subset, 1 <= subset_size < n_inputs.
    subsets : array of int of shape (n, n_samples, subset_size) or (n_samples, subset_size)
        The subsets (feature indices without repeats); overrides `random_state`.
    random_state : int, Generator or None, default=0

    Returns
    -------
    ndarray of shape (n,)
        NaN where the score drops (or the attribution sums) do not vary.
    """
    return _faithfulness_correlation(net, X, target, attributions, n_samples, subset_size,
                                     baseline, subsets, score, normalize, abs, random_state)[0]


def _faithfulness_correlation(net, X, target, attributions, n_samples, subset_size, baseline,
                              subsets, score, normalize, abs, random_state, drops=None):
    """(correlations (n,), score drops (n, R)). The drops do not depend on the attributions:
    `drops` from a call on the same X, target, subsets (or random_state), baseline and score
    are reused (evaluate_attributions scores every method on the same subsets)."""
    ts, a, D = _setup(net, X, target, attributions, baseline, score or "logit", normalize,
                      abs)
    n, d = a.shape
    S = _subsets(subsets, n, d, n_samples, subset_size, random_state)  # (n, R, k)
    if S.strides[0] == 0:  # one set of subsets for every example: a product per subset
        if drops is None:
            drops = ts.base[:, None] - shared_subset_scores(ts, S[0], D)
        M = np.zeros((S.shape[1], d))
        M[np.arange(S.shape[1])[:, None], S[0]] = 1
        sums = a @ M.T  # (n, R)
    else:
        if drops is None:
            drops = ts.base[:, None] - independent_scores(ts, S, D)
        sums = a[np.arange(n)[:, None, None], S].sum(axis=-1)  # (n, R), Quantus's order
    return _pearson(sums, drops), drops


def _subsets(subsets, n, d, n_samples, subset_size, random_state) -> np.ndarray:
    if subsets is None:
        R = check_positive_int(n_samples, "n_samples")
        k = check_positive_int(subset_size, "subset_size")
        if k >= d:
            raise ValueError(f"`subset_size` must be smaller than the {d} features. Got {k} "
                             "instead.")
        keys = rng_of(random_state).random((R, d))
        return np.broadcast_to(np.argpartition(keys, k - 1, axis=1)[:, :k], (n, R, k))
    S = np.asarray(subsets)
    if S.ndim == 2:
        S = np.broadcast_to(S, (n, *S.shape))
    if S.ndim != 3 or S.shape[0] != n or S.dtype.kind not in "iu" or S.size == 0 or \
            S.min() < 0 or S.max() >= d:
        raise ValueError(f"`subsets` must be feature indices in 0..{d - 1} of shape ({n}, "
                         f"n_samples, subset_size) or (n_samples, subset_size). Got "
                         f"{'shape ' + str(S.shape) if S.dtype.kind in 'iu' else S.dtype} "
                         "instead.")
    return S


def _pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise Pearson correlation (n,) of (n, R) arrays; NaN for a constant row."""
    a = a - a.mean(1, keepdims=True)
    b = b - b.mean(1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a * b).sum(1) / np.sqrt((a * a).sum(1) * (b * b).sum(1))
