"""Dataset atlas: for every unit of a layer, the real examples and classes that excite it.

The data streams through the network in chunks; only running sums and running top-k lists
are kept, so memory is one chunk plus O(n_units^2) whatever the data set's size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hiddenlens import _chain as chain
from hiddenlens._activations import ACTIVATIONS
from hiddenlens._classes import label_indices
from hiddenlens._progress import progress_bar
from hiddenlens._validation import (
    check_choice,
    check_hidden_layer,
    check_layer,
    check_positive_int,
)
from hiddenlens.explain._targets import one_hot, resolve_target
from hiddenlens.net import DenseNet


@dataclass
class Atlas:
    """What every unit of one layer does on a data set.

    Attributes
    ----------
    layer : int
        The non-negative layer index.
    n_examples : int
    top_indices, bottom_indices : ndarray of shape (n_units, k), int64
        The k most (least) activating examples, strongest (weakest) first; ties go to the
        lower index. Indices count train examples first, then test, for a Dataset. With
        by="contribution", the k examples of largest (most negative) contribution.
    top_activations, bottom_activations : ndarray of shape (n_units, k)
        Those examples' activations.
    mean, std, min, max : ndarray of shape (n_units,)
        Activation statistics over all examples.
    class_means : ndarray of shape (n_units, n_classes) or None
        Mean activation per class (NaN for a class without examples); None without labels.
    class_counts : ndarray of shape (n_classes,) or None
    class_selectivity : ndarray of shape (n_units,) or None
        (mu_max - mu_rest) / (mu_max + mu_rest) (Morcos et al. 2018), mu_max the highest
        class mean and mu_rest the mean of the others, both measured from the activation's
        floor (0 for sigmoid and relu, -1 for tanh, the lowest class mean for linear units):
        0 fires alike for every class, 1 fires for one class only.
    active_fraction : ndarray of shape (n_units,)
        Share of examples with pre-activation > 0 (sigmoid > 0.5, relu and tanh > 0).
    dead : ndarray of shape (n_units,), bool
        Never above the activation's floor (relu 0, sigmoid 0.01, tanh -0.99).
    saturated : ndarray of shape (n_units,), bool
        Above 0.99 (sigmoid, tanh) on at least `saturation_share` of the examples.
    saturated_fraction : ndarray of shape (n_units,)
    most_correlated : ndarray of shape (n_units,), int64
        The other unit whose activations correlate most (Pearson) with this one's, -1 if the
        layer has one unit; ties go to the lower index.
    correlation : ndarray of shape (n_units,)
        That correlation; 0 for constant units.
    class_names : list of str or None
    by : str
        What the examples are ranked by: "activation" or "contribution".
    top_contributions, bottom_contributions : ndarray of shape (n_units, k) or None
        With by="contribution", the ranked contributions a_j * d logit_c / d a_j (c the
        predicted class); None otherwise.
    """

    layer: int
    n_examples: int
    top_indices: np.ndarray
    top_activations: np.ndarray
    bottom_indices: np.ndarray
    bottom_activations: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    min: np.ndarray
    max: np.ndarray
    class_means: np.ndarray | None
    class_counts: np.ndarray | None
    class_selectivity: np.ndarray | None
    active_fraction: np.ndarray
    dead: np.ndarray
    saturated: np.ndarray
    saturated_fraction: np.ndarray
    most_correlated: np.ndarray
    correlation: np.ndarray
    class_names: list[str] | None
    by: str = "activation"
    top_contributions: np.ndarray | None = None
    bottom_contributions: np.ndarray | None = None
    _parts: tuple = ()

    @property
    def n_units(self) -> int:
        return len(self.mean)

    def examples(self, unit: int, which: str = "top") -> np.ndarray:
        """The inputs (k, n_inputs) of a unit's top or bottom examples, in ranked order."""
        if which not in ("top", "bottom"):
            raise ValueError(f"`which` must be 'top' or 'bottom'. Got {which!r} instead.")
        rows = (self.top_indices if which == "top" else self.bottom_indices)[unit]
        return _take(self._parts, rows)

    @property
    def top_images(self) -> np.ndarray:
        """Every unit's top examples, (n_units, k, n_inputs)."""
        return _take(self._parts, self.top_indices.reshape(-1)).reshape(
            *self.top_indices.shape, -1)

    @property
    def bottom_images(self) -> np.ndarray:
        """Every unit's bottom examples, (n_units, k, n_inputs)."""
        return _take(self._parts, self.bottom_indices.reshape(-1)).reshape(
            *self.bottom_indices.shape, -1)


def atlas(
    net: DenseNet,
    data,
    layer: int,
    *,
    y=None,
    k: int = 9,
    chunk_size: int = 4096,
    saturation_share: float = 0.99,
    by: str = "activation",
    progress: bool = False,
) -> Atlas:
    """Stream a data set through the network and summarise every unit of `layer`.

    Parameters
    ----------
    net : DenseNet
    data : Dataset or array of shape (n, n_inputs)
        A Dataset gives its train examples then its test examples, and its labels.
    layer : int
        0 is the first hidden layer, -1 the output (its activations: probabilities for
        softmax).
    y : array of shape (n,), optional
        Class labels for an array `data`, as the model knows them (`net.classes_`; any
        labels >= 0 for a regressor); they enable the class means and selectivity, one per
        class in `classes_` order.
    k : int, default=9
        Examples kept per unit at each end.
    chunk_size : int, default=4096
        Examples per forward pass; memory is O(chunk_size * n_units + n_units^2).
    saturation_share : float, default=0.99
        A unit is saturated when above its ceiling on at least this share of examples.
    by : {"activation", "contribution"}, default="activation"
        Rank the top and bottom examples by the unit's activation, or by its contribution to
        the predicted class: a_j * d logit_c / d a_j, c the class the network predicts for
        the example (output 0 for one output). For the last hidden layer this is exactly
        a_j * W[c, j], the unit's share of the logit; deeper down it is the first-order
        share. Hidden layers only. The statistics stay those of the activations.
    progress : bool, default=False
        Show a progress bar.

    Returns
    -------
    Atlas
    """
    check_choice(by, "by", ("activation", "contribution"))
    idx = check_layer(net, layer) if by == "activation" else check_hidden_layer(net, layer)
    parts, y, class_names = _parts_and_labels(net, data, y)
    n = sum(len(p) for p in parts)
    k = check_positive_int(k, "k")
    if k > n:
        raise ValueError(
            f"`k` must be <= the number of examples ({n}). Got {k} instead."
        )
    chunk_size = check_positive_int(chunk_size, "chunk_size")
    n_classes = _n_classes(net, y, class_names)
    acc = _Accumulator(net.sizes[idx + 1], k, n_classes, net.activations[idx])
    with progress_bar(progress, n, "atlas") as advance:
        for start, chunk in _chunks(parts, chunk_size):
            z, a, rank = _layer(net, idx, net.tensor(chunk), by)
            labels = None if y is None else y[start : start + len(chunk)]
            acc.add(start, z, a, labels, rank)
            advance(len(chunk))
    return acc.result(idx, n, saturation_share, class_names, tuple(parts), by)


def _layer(net: DenseNet, idx: int, X: torch.Tensor, by: str = "activation"):
    """Pre-activations, activations and the ranked values (c, width) of layer `idx`; only
    the layers up to `idx` run, as net.trace does, unless contributions are ranked."""
    with torch.no_grad():
        if by == "activation":
            p = chain.run(net.module, X, stop=("a", idx), keep=False)
            return p.z[idx].numpy(), p.a[idx].numpy(), p.a[idx].numpy()
        L, units, _ = resolve_target(net, X, None, True)  # the predicted class's logit
        p = chain.run(net.module, X, stop=("z", L))
        G = chain.pull_back(net.module, p, one_hot(units, net.n_outputs, X.dtype), L, True,
                            to=("a", idx))[:, 0]  # (c, width) d logit_c / d a
        return p.z[idx].numpy(), p.a[idx].numpy(), (p.a[idx] * G).numpy()


# ---------------------------------------------------------------- data
def _parts_and_labels(net: DenseNet, data, y):
    from hiddenlens.data import Dataset

    if isinstance(data, Dataset):
        if y is not None:
            raise ValueError("Pass `y` only with an array; a Dataset brings its own labels.")
        parts = [data.X_train, data.X_test]
        labels = data.y if data.task == "classification" else None
        names = data.class_names if data.task == "classification" else None
    else:
        parts, labels, names = [np.asarray(data)], y, net.class_names
        if parts[0].ndim == 1:
            parts = [parts[0].reshape(1, -1)]
    for p in parts:  # one sentence on a feature-count mismatch, before any work
        if p.ndim < 2 or int(np.prod(p.shape[1:])) != net.n_inputs:
            width = int(np.prod(p.shape[1:])) if p.ndim >= 2 else p.shape
            raise ValueError(
                f"The data has {width} features per example but the network takes "
                f"{net.n_inputs} inputs."
            )
    n = sum(len(p) for p in parts)
    if labels is not None and not isinstance(data, Dataset) and net.task == "classification":
        labels = np.asarray(labels).reshape(-1)
        if len(labels) != n:
            raise ValueError(f"`y` must hold one class label per example ({n}). Got "
                             f"{len(labels)} instead.")
        return parts, label_indices(net, labels), names  # the model's labels -> indices
    if labels is not None:
        labels = np.asarray(labels).reshape(-1)
        if len(labels) != n or not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0:
            raise ValueError(
                f"`y` must hold {n} class indices >= 0, one per example. "
                f"Got {len(labels)} values of type {labels.dtype} instead."
            )
    return parts, labels, names


def _n_classes(net, y, class_names) -> int:
    if y is None:
        return 0
    return max(int(y.max()) + 1, len(class_names or []), net.n_classes or 0)


def _chunks(parts, chunk_size):
    """(global start, chunk) over the parts in order, never crossing a part's end."""
    offset = 0
    for p in parts:
        for i in range(0, len(p), chunk_size):
            yield offset + i, p[i : i + chunk_size]
        offset += len(p)


def _take(parts, rows: np.ndarray) -> np.ndarray:
    """Rows of the concatenated parts, without concatenating them."""
    ends = np.cumsum([len(p) for p in parts])
    out = []
    for r in np.asarray(rows).reshape(-1):
        i = int(np.searchsorted(ends, r, side="right"))
        out.append(np.asarray(parts[i][r - (ends[i - 1] if i else 0)]).reshape(-1))
    return np.stack(out).astype(np.float32) if out else np.empty((0, 0), np.float32)


# ---------------------------------------------------------------- running top-k
def chunk_top_k(values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows (k, n_units) of the k largest values per column, largest first, ties lower row.

    O(n * n_units): a top-k pass finds each column's k-th value; the values above it and the
    lowest rows equal to it make exactly k per column; only those k are sorted.
    """
    n, m = values.shape
    k = min(k, n)
    cols = np.ascontiguousarray(values.T)  # (m, n): each unit's values contiguous
    # (m, 1) the k-th largest; torch's topk is several times faster than np.partition
    kth = torch.from_numpy(cols).topk(k, dim=1, sorted=True).values[:, k - 1 : k].numpy()
    keep = cols > kth
    ties = cols == kth
    room = k - keep.sum(1, keepdims=True)  # (m, 1) how many tied rows still fit
    if np.any(ties.sum(1, keepdims=True) > room):  # keep only the lowest tied rows
        ties &= np.cumsum(ties, axis=1) <= room
    keep |= ties
    rows = np.nonzero(keep)[1].reshape(m, k).T  # (k, m), each column's rows ascending
    picked = np.take_along_axis(values, rows, axis=0)
    order = np.argsort(-picked, axis=0, kind="stable")  # ties keep ascending rows
    return np.take_along_axis(rows, order, axis=0), np.take_along_axis(picked, order, axis=0)


def merge_top_k(best_rows, best_vals, rows, vals, k, best_extra=None, extra=None):
    """Merge two (k, m) top lists; every index in `best_rows` is below every one in `rows`.
    `best_extra` and `extra` (k, m), when given, are carried along in the same order."""
    all_rows = np.concatenate([best_rows, rows])
    all_vals = np.concatenate([best_vals, vals])
    order = np.argsort(-all_vals, axis=0, kind="stable")[:k]
    merged = (np.take_along_axis(all_rows, order, axis=0),
              np.take_along_axis(all_vals, order, 0))
    if extra is None:
        return merged
    return (*merged, np.take_along_axis(np.concatenate([best_extra, extra]), order, 0))


class _Accumulator:
    """Running sums (float64) and top/bottom lists over the chunks."""

    def __init__(self, m: int, k: int, n_classes: int, activation: str):
        self.k, self.activation = k, activation
        # (rows, ranked values, activations), each (<= k, m)
        self.top = (np.empty((0, m), np.int64), np.empty((0, m)), np.empty((0, m)))
        self.bottom = (np.empty((0, m), np.int64), np.empty((0, m)), np.empty((0, m)))
        self.s1, self.s2 = np.zeros(m), np.zeros((m, m))  # sum a, sum a a^T
        self.lo, self.hi = np.full(m, np.inf), np.full(m, -np.inf)
        self.active = np.zeros(m)
        self.above_floor = np.zeros(m, bool)
        self.saturated = np.zeros(m)
        self.class_sums = np.zeros((n_classes, m))
        self.class_counts = np.zeros(n_classes, np.int64)
        self.shift = None  # the first chunk's mean, subtracted for a stable covariance

    def add(self, start: int, z: np.ndarray, a: np.ndarray, y, rank: np.ndarray) -> None:
        self._add_top(start, rank, a)
        a64 = a.astype(np.float64)  # (c, m)
        if self.shift is None:
            self.shift = a64.mean(0)
        centred = a64 - self.shift
        self.s1 += centred.sum(0)
        c32 = torch.from_numpy(centred.astype(np.float32))  # float32 products, float64 sums:
        self.s2 += (c32.T @ c32).numpy()  # ample for a correlation, 5x faster than float64
        self.lo, self.hi = np.minimum(self.lo, a.min(0)), np.maximum(self.hi, a.max(0))
        self.active += (z > 0).sum(0)
        floor, ceiling = ACTIVATIONS[self.activation].floor, ACTIVATIONS[self.activation].ceiling
        if floor is not None:
            self.above_floor |= (a > floor).any(0)
        if ceiling is not None:
            self.saturated += (a > ceiling).sum(0)
        if y is not None:
            for c in np.unique(y):  # a mask per class beats one-hot matmuls and index_add
                self.class_sums[c] += a64[y == c].sum(0)
            self.class_counts += np.bincount(y, minlength=len(self.class_counts))

    def _add_top(self, start: int, rank: np.ndarray, a: np.ndarray) -> None:
        """Merge the chunk's top and bottom k by `rank`, carrying the activations `a`."""
        for name, values in (("top", rank), ("bottom", -rank)):
            rows, vals = chunk_top_k(values, self.k)
            acts = np.take_along_axis(a, rows, axis=0).astype(np.float64)
            best = getattr(self, name)
            merged = merge_top_k(*best[:2], rows + start, vals.astype(np.float64), self.k,
                                 best[2], acts)
            setattr(self, name, merged)

    def result(self, layer, n, saturation_share, class_names, parts, by) -> Atlas:
        mean_c = self.s1 / n  # mean of centred activations
        cov = self.s2 / n - np.outer(mean_c, mean_c)  # (m, m), population covariance
        std = np.sqrt(np.clip(np.diag(cov), 0, None))
        partner, r = _most_correlated(cov, std)
        means, selectivity = None, None
        if len(self.class_counts):
            with np.errstate(invalid="ignore", divide="ignore"):
                means = (self.class_sums / self.class_counts[:, None]).T  # (m, n_classes)
            selectivity = class_selectivity(means, ACTIVATIONS[self.activation].base)
        floor = ACTIVATIONS[self.activation].floor
        saturated_fraction = self.saturated / n
        return Atlas(
            layer=layer, n_examples=n,
            top_indices=self.top[0].T.copy(), top_activations=self.top[2].T.copy(),
            bottom_indices=self.bottom[0].T.copy(), bottom_activations=self.bottom[2].T.copy(),
            mean=mean_c + self.shift, std=std, min=self.lo.astype(float),
            max=self.hi.astype(float),
            class_means=means, class_counts=self.class_counts if means is not None else None,
            class_selectivity=selectivity, active_fraction=self.active / n,
            dead=~self.above_floor if floor is not None else np.zeros(len(std), bool),
            saturated=saturated_fraction >= saturation_share,
            saturated_fraction=saturated_fraction, most_correlated=partner, correlation=r,
            class_names=class_names, by=by,
            top_contributions=self.top[1].T.copy() if by == "contribution" else None,
            bottom_contributions=-self.bottom[1].T if by == "contribution" else None,
            _parts=parts,
        )


def _most_correlated(cov: np.ndarray, std: np.ndarray):
    m = len(std)
    if m == 1:
        return np.array([-1]), np.array([0.0])
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(std, std)
    corr[~np.isfinite(corr)] = 0.0  # constant units correlate with nothing
    np.fill_diagonal(corr, -np.inf)
    partner = corr.argmax(1)  # first maximum: the lower index on ties
    return partner.astype(np.int64), np.clip(corr[np.arange(m), partner], -1, 1)


def class_selectivity(class_means: np.ndarray, base: float | None) -> np.ndarray:
    """(mu_max - mu_rest) / (mu_max + mu_rest) per unit, from (n_units, n_classes) means.

    Means are measured from `base` (the activation's lowest value; None: each unit's lowest
    class mean); classes without examples (NaN) are left out.
    """
    means = np.where(np.isfinite(class_means), class_means, np.nan)
    if base is None:
        base = np.nanmin(means, axis=1, keepdims=True)
    shifted = means - base
    top = np.nanmax(shifted, axis=1)
    n_valid = np.sum(np.isfinite(shifted), axis=1)
    rest = (np.nansum(shifted, axis=1) - top) / np.maximum(n_valid - 1, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        index = (top - rest) / (top + rest)
    return np.where(np.isfinite(index), index, 0.0)

