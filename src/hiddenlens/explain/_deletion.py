"""Deletion and insertion curves (Samek et al. 2017; Petsiuk et al. 2018), with a random order.

Deletion replaces features by a baseline in the order of an attribution, most positive first,
and records the target's score after every step; a faithful attribution removes the evidence
first, so the score falls fast and the area under the curve is small. Insertion starts from
the baseline and puts features back in the same order; the score should rise fast (a large
area). A random order of the same features is the reference, with a 95% interval over the
examples. Every step is a low-rank update of layer 0's pre-activation (`_progressive`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from hiddenlens.explain._groups import check_groups
from hiddenlens.explain._progressive import (
    TargetScore,
    check_score,
    cumulative_scores,
)
from hiddenlens.explain._trust_checks import (
    baseline_values,
    check_attributions,
    check_features_in_step,
    interval,
    intervals,
    output_units,
    quantus_order,
    rng_of,
)
from hiddenlens.net import DenseNet


@dataclass
class DeletionCurve:
    """The target's score as features are deleted (or inserted) in attribution order.

    Attributes
    ----------
    kind : {"deletion", "insertion"}
    fractions : ndarray of shape (n_steps + 1,)
        Fraction of the features (or groups) changed before each score, 0 to 1.
    scores : ndarray of shape (n, n_steps + 1)
        The target's score of each example, unchanged input first.
    random_scores : ndarray of shape (n, n_steps + 1)
        The same with each example's features in a random order.
    score : {"softmax", "logit", "output"}
        The scale the scores are on.
    """

    kind: str
    fractions: np.ndarray
    scores: np.ndarray
    random_scores: np.ndarray
    score: str

    @property
    def auc(self) -> np.ndarray:
        """Area under each example's curve (n,), fractions on the x axis (0 to 1)."""
        return np.trapezoid(self.scores, self.fractions, axis=1)

    @property
    def random_auc(self) -> np.ndarray:
        return np.trapezoid(self.random_scores, self.fractions, axis=1)

    @property
    def better(self) -> str:
        """Which way is faithful: "lower" area for deletion, "higher" for insertion."""
        return "lower" if self.kind == "deletion" else "higher"

    def summary(self) -> dict:
        """Mean AUC, random-order AUC and their paired difference, each with a 95% interval
        over examples; `beats_random` is True when the whole interval of the difference lies
        on the faithful side of 0."""
        gain = self.random_auc - self.auc if self.kind == "deletion" else \
            self.auc - self.random_auc
        out = {}
        for name, v in (("auc", self.auc), ("random_auc", self.random_auc), ("gain", gain)):
            out[name], out[f"{name}_low"], out[f"{name}_high"] = interval(v)
        out["beats_random"] = bool(out["gain_low"] > 0)
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per step: the fraction changed, the mean score over examples and its
        95% interval, for the attribution order and the random order."""
        m, lo, hi = intervals(self.scores)
        rm, rlo, rhi = intervals(self.random_scores)
        return pd.DataFrame({"fraction": self.fractions, "score": m, "low": lo, "high": hi,
                             "random_score": rm, "random_low": rlo, "random_high": rhi})


def deletion_curve(
    net: DenseNet, X, target, attributions, *, features_in_step: int = 1,
    baseline="black", groups=None, score: str | None = None, abs: bool = False,
    random_state=0,
) -> DeletionCurve:
    """Delete features in attribution order (most positive first) and record the score.

    Parameters
    ----------
    net : DenseNet
    X : array of shape (n, n_inputs)
    target : int, array of n ints, or None
        The output class whose score is read (None: the predicted class).
    attributions : array of shape (n, n_inputs), or (n, n_groups) with `groups`
    features_in_step : int, default=1
        Features (or groups) deleted per step; must divide their number.
    baseline : "black", "white", "mean", float or array, default="black"
        What a deleted feature becomes: each example's smallest / largest value (Quantus's
        "black" / "white"), each feature's mean over X (for tabular data), a number, one
        input (n_inputs,) or one per example (n, n_inputs).
    groups : sequence or dict of column sets, optional
        Delete sets of columns together (one-hot blocks, image patches); a column in several
        groups is deleted with the first.
    score : {"softmax", "logit", "output"}, optional
        Default: "softmax" of the logits for a classifier with several outputs (Quantus's
        scale), else the network's output.
    abs : bool, default=False
        Order by |attribution| instead of the signed value.
    random_state : int, Generator or None, default=0
        Seeds the random-order reference (one permutation per example).

    Returns
    -------
    DeletionCurve
        With `pixel_flipping`'s arithmetic: ``curve.scores[:, 1:]`` equals
        ``pixel_flipping(net, X, target, attributions, features_in_step=...)``.
    """
    return _curve("deletion", net, X, target, attributions, features_in_step, baseline,
                  groups, score, abs, random_state)


def insertion_curve(
    net: DenseNet, X, target, attributions, *, features_in_step: int = 1,
    baseline="black", groups=None, score: str | None = None, abs: bool = False,
    random_state=0,
) -> DeletionCurve:
    """Start from the baseline and insert features in attribution order; record the score.

    The arguments are those of `deletion_curve`; the first score is the baseline input's,
    the last the unchanged input's. A faithful attribution makes the score rise fast (a
    large area under the curve).
    """
    return _curve("insertion", net, X, target, attributions, features_in_step, baseline,
                  groups, score, abs, random_state)


def _curve(kind, net, X, target, attributions, features_in_step, baseline, groups, score,
           abs, random_state, random_scores=None) -> DeletionCurve:
    """The curve; `random_scores` (n, T + 1), the random-order curve of the same X, target,
    baseline and random_state, is reused instead of recomputed (evaluate_attributions)."""
    X = net.tensor(X)
    n, d = X.shape
    units = output_units(net, X, target)
    score = check_score(net, score)
    cols, width, what = _columns(net, groups)
    a = check_attributions(attributions, n, width, what)
    k = check_features_in_step(features_in_step, width)
    x64 = X.numpy().astype(np.float64)
    B = baseline_values(x64, baseline)
    order = np.argsort(-quantus_order(a, True, abs), axis=1)  # (n, width), Quantus's sort
    if kind == "deletion":
        ts = TargetScore(net, X, units, score)
    else:  # start at the baseline, put the values back
        ts = TargetScore(net, torch.from_numpy(np.ascontiguousarray(B)), units, score)
    curve = _scores(kind, ts, x64, B, cols, order, k)
    if random_scores is None:
        rng = rng_of(random_state)
        random_order = rng.permuted(np.broadcast_to(np.arange(width), (n, width)), axis=1)
        random_scores = _scores(kind, ts, x64, B, cols, random_order, k)
    fractions = np.arange(width // k + 1) / (width // k)
    return DeletionCurve(kind, fractions, curve, random_scores, score)


def _columns(net: DenseNet, groups):
    """(columns of each group as a padded (G, m) array or None, G, what a value is of)."""
    if groups is None:
        return None, net.n_inputs, "input"
    sets, _ = check_groups(net, groups)
    m = max(len(s) for s in sets)
    padded = np.full((len(sets), m), net.n_inputs, dtype=np.int64)  # n_inputs: no feature
    for g, s in enumerate(sets):
        padded[g, : len(s)] = s
    return padded, len(sets), "feature group"


def _scores(kind, ts, x64, B, cols, order, k) -> np.ndarray:
    """(n, T + 1) scores along one order of features or groups."""
    n, d = x64.shape
    steps = order if cols is None else _first_time(cols[order].reshape(n, -1), d)
    steps = steps.reshape(n, order.shape[1] // k, -1)  # (n, T, features per step)
    D = np.zeros((n, d + 1))  # the last column is the padding's "no feature"
    D[:, :d] = B - x64 if kind == "deletion" else x64 - B
    after = cumulative_scores(ts, steps, D)
    return np.concatenate([ts.base[:, None], after], axis=1)


def _first_time(flat: np.ndarray, d: int) -> np.ndarray:
    """Columns (n, m) with repeats (after their first time in a row) replaced by d."""
    idx = np.argsort(flat, axis=1, kind="stable")
    s = np.take_along_axis(flat, idx, axis=1)
    repeat = np.zeros_like(s, dtype=bool)
    repeat[:, 1:] = s[:, 1:] == s[:, :-1]
    out = flat.copy()
    np.put_along_axis(out, idx, np.where(repeat, d, s), axis=1)
    return out
