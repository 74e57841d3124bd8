"""Sanity checks (Adebayo et al. 2018): an explanation must change when the model does.

Model-parameter randomization re-draws layers' weights, from the output down ("cascading")
or one layer at a time ("independent"), on copies of the network, and compares the
attributions of each copy with the intact network's. Data randomization ("labels") trains a
fresh copy on permuted labels with the network's own recipe and compares. A map that does not
depend on the model (the input itself, an edge detector) keeps a similarity of 1 and fails.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from scipy.stats import rankdata

from hiddenlens._progress import progress_bar
from hiddenlens._validation import check_choice
from hiddenlens.explain._relabel import retrain_on_permuted_labels
from hiddenlens.explain._trust_checks import interval, output_units, rng_of
from hiddenlens.explain._trust_methods import attribution_method, explain
from hiddenlens.net import DenseNet

MODES = ("cascading", "independent", "labels")
SIMILARITIES = ("spearman", "pearson")
MAPS_KEPT = 4  # examples whose maps a check keeps at every step, for the figure


@dataclass
class RandomizationCheck:
    """How similar a method's attributions stay as the network is randomized.

    Attributes
    ----------
    method : str
    mode : {"cascading", "independent", "labels"}
    steps : list of str
        "intact" first, then what each step randomized.
    similarities : ndarray of shape (n_steps, n)
        Each example's similarity to the intact network's attributions.
    threshold : float
    measure : {"spearman", "pearson"}
    extra : dict
        For mode="labels": the recipe used and the relabelled net's training accuracy.
    maps : ndarray of shape (n_steps, k, n_inputs) or None
        The attributions of the first k examples (at most MAPS_KEPT) at every step, as
        Adebayo et al. drew them (`AttributionTrustDisplay` draws these).
    inputs : ndarray of shape (k, n_inputs) or None
        Those k examples.
    abs : bool, default=True
        Whether |attributions| were compared.
    """

    method: str
    mode: str
    steps: list[str]
    similarities: np.ndarray
    threshold: float
    measure: str
    extra: dict = field(default_factory=dict)
    maps: np.ndarray | None = field(default=None, repr=False)
    inputs: np.ndarray | None = field(default=None, repr=False)
    abs: bool = True

    @property
    def similarity(self) -> np.ndarray:
        """Mean similarity over examples per step (n_steps,), from the intact net down."""
        return np.nanmean(self.similarities, axis=1)

    @property
    def passed(self) -> bool:
        """True when every randomized step's mean similarity is below `threshold`."""
        return bool(np.all(self.similarity[1:] < self.threshold))

    def to_frame(self) -> pd.DataFrame:
        """One row per step: its mean similarity and 95% interval over examples."""
        rows = [dict(zip(("similarity", "low", "high"), interval(s)), step=name)
                for name, s in zip(self.steps, self.similarities)]
        return pd.DataFrame(rows)[["step", "similarity", "low", "high"]]


def randomization_check(
    net: DenseNet, X, target, method, *, mode: str = "cascading",
    similarity: str = "spearman", abs: bool = True, threshold: float = 0.5, data=None,
    recipe: dict | None = None, random_state=0, progress: bool = False,
) -> RandomizationCheck:
    """Do a method's attributions change when the weights or the labels are randomized?

    With mode="cascading" or "independent" and an integer `random_state`, the copies are
    those of ``quantus.MPRT(layer_order="top_down" | "independent", seed=random_state,
    similarity_func=correlation_spearman, abs=abs)``: each randomized layer is re-drawn by
    ``torch.manual_seed(random_state + 1); linear.reset_parameters()`` (torch's default
    initialisation). The user's network is never changed.

    Parameters
    ----------
    net : DenseNet
    X : array of shape (n, n_inputs)
    target : int, array of n ints, or None
        The classes explained, resolved once on the intact net (None: its predictions), so
        every copy explains the same classes.
    method : str or callable
        An attribution method's name or ``f(net, X, target) -> (n, n_inputs)``.
    mode : {"cascading", "independent", "labels"}, default="cascading"
        "cascading": randomize the output layer, then also the layer below, down to layer
        0; "independent": one layer at a time, from layer 0 up (Quantus's order); "labels":
        train a fresh copy on permuted training labels (see `data`, `recipe`).
    similarity : {"spearman", "pearson"}, default="spearman"
        Rank correlation (Adebayo et al.'s and Quantus's default) or linear correlation,
        per example.
    abs : bool, default=True
        Compare |attributions| (Quantus's MPRT default).
    threshold : float, default=0.5
        `passed` is True when the mean similarity of every randomized step is below it.
    data : Dataset or str, optional
        mode="labels": the training data (default: the data set the net records).
    recipe : dict, optional
        mode="labels": `train` keywords; default: the matching preset's recipe, else
        train's defaults, for as many epochs as `net.history` records (10 without history).
    random_state : int, Generator or None, default=0
    progress : bool, default=False

    Returns
    -------
    RandomizationCheck

    Notes
    -----
    On digits, input x gradient, integrated gradients and occlusion are exactly 0 wherever
    the pixel (or the whole window) is black, whatever the weights; with ``abs=True`` those
    ties dominate the rank correlation, which stays near 1: the maps mostly say where the ink
    is (Adebayo et al.'s finding for gradient x input). ``abs=False`` compares signed maps.
    """
    check_choice(mode, "mode", MODES)
    check_choice(similarity, "similarity", SIMILARITIES)
    attribution_method(method, random_state)  # an unknown name fails before any training
    X = net.tensor(X)
    units = output_units(net, X, target)
    copies, extra = model_copies(net, mode, random_state, data, recipe)
    return compare_copies(net, X, units, method, copies, mode=mode, similarity=similarity,
                          abs=abs, threshold=threshold, extra=extra, random_state=random_state,
                          progress=progress)


def model_copies(net: DenseNet, mode: str, random_state, data=None,
                 recipe: dict | None = None) -> tuple[list, dict]:
    """[(label, randomized copy of net)] in Quantus's order, and extra facts (labels mode)."""
    seed = _int_seed(random_state)
    if mode == "labels":
        relabelled, extra = retrain_on_permuted_labels(net, data, recipe, seed)
        return [("trained on permuted labels", relabelled)], extra
    out, current = [], net
    top = net.n_layers - 1
    layers = range(top, -1, -1) if mode == "cascading" else range(top + 1)  # Quantus's orders
    for layer in layers:
        base = current if mode == "cascading" else net
        current = _randomized(base, layer, seed)
        if mode == "cascading":
            label = f"layers {top}..{layer} random" if layer < top else f"layer {top} random"
        else:
            label = f"layer {layer} random"
        out.append((label, current))
    return out, {}


def compare_copies(net: DenseNet, X: torch.Tensor, units: torch.Tensor, method, copies: list,
                   *, mode: str, similarity: str = "spearman", abs: bool = True,
                   threshold: float = 0.5, extra: dict | None = None, random_state=0,
                   progress: bool = False, a0: np.ndarray | None = None
                   ) -> RandomizationCheck:
    """The similarity of `method`'s attributions on each copy to those on `net`."""
    check_choice(similarity, "similarity", SIMILARITIES)
    name, fn = attribution_method(method, random_state)
    a0 = explain(fn, name, net, X, units) if a0 is None else a0
    # a named method is deterministic (SmoothGrad's noise is seeded): the intact step is 1;
    # a callable is run again, so a random one shows its own noise floor
    runs = [("intact", None if isinstance(method, str) else net)] + list(copies)
    sims, maps = [], []
    k = min(MAPS_KEPT, len(X))
    with progress_bar(progress, len(runs), f"randomization check ({name})") as advance:
        for _, copy_net in runs:
            a = a0 if copy_net is None else explain(fn, name, copy_net, X, units)
            sims.append(_similarity(a0, a, similarity, abs))
            maps.append(np.array(a[:k]))
            advance()
    return RandomizationCheck(name, mode, [label for label, _ in runs], np.stack(sims),
                              float(threshold), similarity, extra or {}, maps=np.stack(maps),
                              inputs=X[:k].numpy().copy(), abs=bool(abs))


def _int_seed(random_state) -> int:
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return int(random_state)
    return int(rng_of(random_state).integers(2**31 - 2))


def _randomized(net: DenseNet, layer: int, seed: int) -> DenseNet:
    """A copy of `net` with layer `layer` re-drawn as Quantus's MPRT re-draws it."""
    new = copy.deepcopy(net)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed + 1)
        new.module.linears[layer].reset_parameters()
    return new


def _similarity(a: np.ndarray, b: np.ndarray, measure: str, abs: bool) -> np.ndarray:
    """Row-wise similarity (n,) of attributions (n, d); NaN for a constant row."""
    if abs:
        a, b = np.abs(a), np.abs(b)
    if measure == "spearman":
        a, b = rankdata(a, axis=1), rankdata(b, axis=1)
    a = a - a.mean(1, keepdims=True)
    b = b - b.mean(1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a * b).sum(1) / np.sqrt((a * a).sum(1) * (b * b).sum(1))
