"""Ablation: what breaks when a hidden unit (or a group of units) is switched off.

Each unit's activation is replaced (by zero, its mean, another example's value or a number)
and the network is scored again: the score, the loss, each class's score and every output's
mean change. All units of a layer are done in blocks on the low-rank update of the next
layer's pre-activation (`_replacement.py`), never by re-running the network from the input.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch

from hiddenlens._progress import progress_bar
from hiddenlens._validation import check_layer
from hiddenlens.explain._labels import check_labels, class_names, output_names
from hiddenlens.explain._replacement import Replacement, replacement_values, unit_groups
from hiddenlens.explain._scoring import Scorer
from hiddenlens.net import DenseNet


@dataclass
class Ablation:
    """Scores of a network with units of one layer replaced, one row per replacement.

    Attributes
    ----------
    layer : int
        The non-negative hidden layer index.
    groups : list of ndarray of int64
        The units each row replaces (one unit, a group, or all but the `keep` entries).
    labels : list of str
        "3", "3+17" or "all but 3+17", one per row.
    value : str or float
        What the units took: "zero", "mean", "resample" or the number.
    scoring : str
        The scorer's name ("accuracy", ...).
    n_examples : int
    baseline_score, baseline_loss : float
        The intact network's score and loss on the examples.
    score, loss : ndarray of shape (n_groups,)
        After each replacement.
    drop : ndarray of shape (n_groups,)
        baseline_score - score: positive when the replacement hurts.
    loss_increase : ndarray of shape (n_groups,)
        loss - baseline_loss. The loss is the mean cross-entropy of the true class's
        probability for classifiers (sklearn's ``log_loss`` of ``predict_proba``), the mean
        squared error for regressors.
    per_class_baseline : ndarray of shape (n_classes,) or None
        The intact network's score on each class's examples (accuracy: the share of them
        predicted correctly); NaN for a class without examples. None for regressors or
        per_class=False.
    per_class_score, per_class_drop : ndarray of shape (n_groups, n_classes) or None
    class_counts : ndarray of shape (n_classes,) or None
    class_names, output_names : list of str or None
    output_change : ndarray of shape (n_groups, n_outputs)
        Mean change of every output activation (probabilities for softmax) over the examples.
    """

    layer: int
    groups: list
    labels: list
    value: object
    scoring: str
    n_examples: int
    baseline_score: float
    baseline_loss: float
    score: np.ndarray
    drop: np.ndarray
    loss: np.ndarray
    loss_increase: np.ndarray
    per_class_baseline: np.ndarray | None
    per_class_score: np.ndarray | None
    per_class_drop: np.ndarray | None
    class_counts: np.ndarray | None
    class_names: list | None
    output_names: list
    output_change: np.ndarray

    @property
    def ranking(self) -> np.ndarray:
        """Row indices from the most to the least harmful replacement (drop, then loss)."""
        return np.lexsort((-self.loss_increase, -self.drop))

    def row_of(self, unit: int) -> int | None:
        """The row that replaces `unit` alone, or None."""
        for i, (g, label) in enumerate(zip(self.groups, self.labels)):
            if len(g) == 1 and g[0] == unit and not label.startswith("all but"):
                return i
        return None

    def to_frame(self):
        """One row per replacement: units, score, drop, loss, loss_increase, then
        ``drop[<class>]`` per class and ``output_change[<output>]`` per output."""
        import pandas as pd

        cols = {"units": self.labels, "score": self.score, "drop": self.drop,
                "loss": self.loss, "loss_increase": self.loss_increase}
        if self.per_class_drop is not None:
            for c, name in enumerate(self.class_names):
                cols[f"drop[{name}]"] = self.per_class_drop[:, c]
        for o, name in enumerate(self.output_names):
            cols[f"output_change[{name}]"] = self.output_change[:, o]
        return pd.DataFrame(cols)


def ablate(
    net: DenseNet, X, y, layer: int, units=None, *, keep=None, value="zero", scoring=None,
    per_class: bool = True, random_state=0, progress: bool = False,
) -> Ablation:
    """Score drop when units of a hidden layer are switched off, every unit in one pass.

    Parameters
    ----------
    net : DenseNet
    X : array of shape (n, n_inputs)
    y : array of shape (n,)
        Class labels as the model knows them (`net.classes_`), or regression targets.
    layer : int
        A hidden layer: 0 is the first, -2 the last.
    units : int or sequence, optional
        Units to replace, each entry alone: an int or a group of ints replaced together
        (``[[3, 17], [5]]``). Default: every unit of the layer, one at a time.
    keep : int or sequence, optional
        Instead of `units`: each entry (a unit or a group) names the units *kept*, and its row
        replaces every other unit of the layer.
    value : {"zero", "mean", "resample"} or float, default="zero"
        What a replaced unit takes: 0; its mean activation over X; on each example, its value
        on another example of X (the donor, drawn as `_replacement.donors` says: uniform over
        the other n - 1 examples, one donor per example shared by every unit and group, so a
        group's units move together); or the given number.
    scoring : str, callable, list, tuple, dict or None, default=None
        As `permutation_importance`: what scikit-learn takes (a scorer name, a scorer object,
        a callable ``(estimator, X, y)`` whose estimator is the network with the units
        replaced, or a list/dict of them). None: the network's `score` (accuracy for
        classifiers, R^2 for regressors).
    per_class : bool, default=True
        Also score each class's examples alone (classifiers).
    random_state : int, None or numpy.random.Generator, default=0
        Draws the donors of value="resample"; unused otherwise.
    progress : bool, default=False

    Returns
    -------
    Ablation, or dict of name -> Ablation for several scores
        `drop` (n_groups,), `per_class_drop` (n_groups, n_classes), `loss_increase`,
        `output_change` (n_groups, n_outputs); `.to_frame()`.
    """
    idx = check_ablation_layer(net, layer)
    X = net.tensor(X)
    labels = check_labels(net, y, len(X))  # class indices, or regression values
    groups, names = unit_groups(net, idx, units, keep)
    scorer = Scorer(net, scoring, np.asarray(y))
    rep = Replacement(net, X, idx)
    V = replacement_values(rep.a, value, random_state)  # (1 or n, h)
    per_class = bool(per_class) and net.task == "classification"
    score = _BlockScores(net, scorer, labels, per_class, rep.base_output, X.numpy())
    base = score(rep.base_logits[None], rep.base_output[None])
    rows = [None] * len(groups)
    with progress_bar(progress, len(groups), "ablation") as advance:
        for block in _blocks(groups, rep.block):
            cols = torch.as_tensor(np.stack([groups[g] for g in block]))
            for g, r in zip(block, zip(*score(*rep.replaced(cols, V)))):
                rows[g] = r
            advance(len(block))
    results = {name: _result(net, idx, groups, names, value, name, len(X), base, rows,
                             score.counts) for name in scorer.names}
    return results if scorer.multi else results[scorer.name]


def check_ablation_layer(net: DenseNet, layer) -> int:
    """A hidden layer's non-negative index; the output layer gets its own sentence."""
    idx = check_layer(net, layer)
    if idx == net.n_layers - 1:
        hidden = f"0..{idx - 1}" if idx else "none: this network has no hidden layer"
        raise ValueError(
            f"`layer` must be a hidden layer ({hidden}) for this {net.describe_sizes()} "
            f"network. Got {layer} (the output layer) instead; switching an output off only "
            "removes its class, so ablate a hidden layer and read `per_class_drop` for what "
            "each class needs."
        )
    return idx


def _blocks(groups: list, size):
    """Consecutive runs of groups of equal length k, at most size(k) of them (one (B, k)
    tensor each)."""
    i = 0
    while i < len(groups):
        j, most = i + 1, size(len(groups[i]))
        while j < len(groups) and j - i < most and len(groups[j]) == len(groups[i]):
            j += 1
        yield list(range(i, j))
        i = j


class _BlockScores:
    """Scores, loss, per-class scores and mean output change of B outputs at once."""

    def __init__(self, net, scorer, labels, per_class, base_output, X):
        self.net, self.scorer, self.y, self.X = net, scorer, labels, X
        self.base = base_output.double()
        self.classes = self.counts = None
        if per_class:
            k = net.n_classes
            self.classes = [np.flatnonzero(labels == c) for c in range(k)]
            self.onehot = np.eye(k)[labels]  # (n, k)
            self.counts = np.bincount(labels, minlength=k)

    def __call__(self, logits: torch.Tensor, output: torch.Tensor):
        """Per block row: (scores name -> float, loss, per-class scores name -> (k,) or None,
        change (n_outputs,))."""
        out = (logits if self.scorer.from_logits else output).numpy()  # (B, n, n_out)
        losses = self._loss(output.numpy())
        change = (output.double() - self.base).mean(1).numpy()  # (B, n_outputs)
        none = [None] * len(out)
        if self.scorer.fast_accuracy:  # one argmax for the score and the classes' scores
            correct = self.scorer.predictions(out) == self.y  # (B, n)
            scores = {self.scorer.name: correct.sum(-1) / out.shape[1]}  # as Scorer: count / n
            per = {self.scorer.name: self._per_class(correct)} if self.classes is not None \
                else None
        else:
            scores = self.scorer(out, lambda b: self.X)  # the units replaced, X as it was
            per = self._per_class(out) if self.classes is not None else None
        return _rows(scores), losses, _rows(per) if per else none, change

    def _loss(self, P: np.ndarray) -> np.ndarray:
        if self.net.task == "regression":
            y = self.y.reshape(len(self.y), -1)
            return ((P.astype(np.float64) - y) ** 2).mean(axis=(1, 2))
        if P.shape[-1] == 1:  # one sigmoid output: p(class 1)
            p = np.where(self.y == 1, P[..., 0], 1 - P[..., 0])
        else:
            p = np.take_along_axis(P, self.y[None, :, None], axis=2)[..., 0]  # (B, n)
        eps = np.finfo(P.dtype).eps  # as sklearn's log_loss clips
        return -np.log(np.clip(p, eps, 1 - eps).astype(np.float64)).mean(1)

    def _per_class(self, out: np.ndarray):
        """(B, k) scores of each class's examples (name -> (B, k) for the scorers); for
        accuracy `out` is `correct` (B, n)."""
        if self.scorer.fast_accuracy:  # correct counts per class / class sizes
            with np.errstate(invalid="ignore", divide="ignore"):
                return (out.astype(np.float64) @ self.onehot) / self.counts
        per: dict[str, np.ndarray] = {}
        with warnings.catch_warnings():  # one class's examples: some metrics warn
            warnings.simplefilter("ignore")
            for c, rows in enumerate(self.classes):
                if len(rows):
                    for name, v in self.scorer(out, lambda b: self.X, rows).items():
                        per.setdefault(name, np.full((len(out), len(self.classes)), np.nan))
                        per[name][:, c] = v
        return per


def _rows(values: dict) -> list[dict]:
    """name -> (B, ...) as B dicts name -> row."""
    n = len(next(iter(values.values()))) if values else 0
    return [{name: v[b] for name, v in values.items()} for b in range(n)]


def _result(net, idx, groups, names, value, name, n, base, rows, counts) -> Ablation:
    base_score, base_loss, base_per = base[0][0][name], base[1][0], base[2][0]
    score = np.array([r[0][name] for r in rows])
    loss = np.array([r[1] for r in rows])
    if counts is not None:
        k = len(counts)
        base_per = base_per.get(name, np.full(k, np.nan)) if base_per else np.full(k, np.nan)
        per = np.stack([r[2].get(name, np.full(k, np.nan)) if r[2] else np.full(k, np.nan)
                        for r in rows])
    else:
        base_per = per = None
    return Ablation(
        layer=idx, groups=groups, labels=names, value=value, scoring=name,
        n_examples=n, baseline_score=float(base_score), baseline_loss=float(base_loss),
        score=score, drop=base_score - score, loss=loss, loss_increase=loss - base_loss,
        per_class_baseline=base_per, per_class_score=per,
        per_class_drop=None if per is None else base_per - per, class_counts=counts,
        class_names=class_names(net), output_names=output_names(net),
        output_change=np.stack([r[3] for r in rows]),
    )
