"""Permutation importance with scikit-learn's random sequence and a low-rank fast path.

`sklearn.inspection.permutation_importance` draws one integer from `random_state` and gives
every column a fresh RandomState of it: the same rows (when `max_samples` < n) and the same chain of
in-place shuffles for every column. Repeat r leaves the column permuted by the composition
p_r = p_{r-1}[idx_r] of the shuffles so far. We draw that chain once, and score each permuted
column through the first-layer update z0 + (x[p_r, j] - x[:, j]) W0[:, j] instead of a fresh
forward pass: the same predictions, the same scores, many times faster.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.random import sample_without_replacement

from hiddenlens._progress import progress_bar
from hiddenlens._validation import check_positive_int, check_repeat_work, integer_seed
from hiddenlens.explain._groups import check_groups
from hiddenlens.explain._lowrank import FirstLayerCache, iter_blocks
from hiddenlens.explain._scoring import Scorer
from hiddenlens.net import DenseNet


def permutation_importance(
    net: DenseNet, X, y, *, scoring=None, n_repeats: int = 5, random_state=None,
    max_samples: float | int = 1.0, sample_weight=None, groups=None, progress: bool = False,
    n_jobs=None,
) -> Bunch:
    """Score drop when a feature's values are shuffled across examples (Breiman 2001).

    Same arguments, Bunch and numbers as ``sklearn.inspection.permutation_importance`` for the
    same model, data, scorer and `random_state` (see Notes for what "same" means).

    Parameters
    ----------
    net : DenseNet
    X : array of shape (n, n_inputs)
    y : array of shape (n,)
        Class labels as the model knows them (`net.classes_`; others are refused), or the
        regression targets.
    scoring : str, callable, list, tuple, dict or None, default=None
        What scikit-learn takes: a scorer name (``sklearn.metrics.get_scorer_names()``), a
        scorer object (``make_scorer``, ``get_scorer``), a callable ``(estimator, X, y) ->
        float`` (or -> dict of floats), a list/tuple of names or a dict name -> scorer. None:
        the network's `score` (accuracy for classifiers, R^2 for regressors). Scorers see the
        network through a stand-in whose ``predict``/``predict_proba`` return the permuted
        data's outputs; a callable other than scikit-learn's scorer objects also gets the
        permuted X itself.
    n_repeats : int, default=5
    random_state : int, RandomState, numpy.random.Generator or None, default=None
        As scikit-learn's (a Generator, which scikit-learn does not take, gives one integer
        drawn from it).
    max_samples : int or float, default=1.0
        Rows drawn (without replacement) for the permuted scores; the baseline uses all of X,
        as in scikit-learn.
    sample_weight : array of shape (n,), optional
    groups : sequence or dict of column sets, optional
        Shuffle each set's columns together (one row permutation for the whole set), e.g. a
        one-hot block. Not in scikit-learn; None (one column each) matches it.
    progress : bool, default=False
    n_jobs : ignored
        Accepted so scikit-learn calls run unchanged; the work is one vectorised process.

    Returns
    -------
    Bunch with importances_mean (n_groups,), importances_std (n_groups,) and importances
    (n_groups, n_repeats); with several scores (a list/dict, or a callable returning a dict),
    a dict name -> such a Bunch, as scikit-learn returns.

    Notes
    -----
    What equals scikit-learn's numbers (an imported float64 MLP, the same `random_state`):

    - Scorers of predicted labels (accuracy, balanced_accuracy, f1_*, precision_*,
      recall_*, a callable comparing ``predict`` with `y`, and None for a classifier): the
      same Bunch bit for bit, as long as the same classes are predicted, i.e. no example's
      two largest outputs are within float rounding of each other.
    - Scorers of probabilities or values (neg_log_loss, r2, neg_mean_absolute_error,
      neg_mean_squared_error): not bit-equal. Our float64 outputs come from torch and the
      low-rank first-layer update, scikit-learn's from numpy's matmul, another order of
      operations: they differ in the last bits (~1e-15 relative), and the importances by at
      most 1e-13 x max(1, |baseline score|).
    - Rankings of probabilities (roc_auc_*): within the same bound, unless two examples'
      probabilities tie exactly in one computation but not in the other (saturated units
      make exact ties common); each such pair moves the score by its share of the pairs.
    """
    n_repeats = check_positive_int(n_repeats, "n_repeats")
    X = net.tensor(X)
    y = np.asarray(y)
    n = len(X)
    if y.ndim == 0 or y.shape[0] != n:
        got = "a single value" if y.ndim == 0 else y.shape[0]
        raise ValueError(f"`y` must hold one label per example ({n}). Got {got} instead.")
    cols, _ = check_groups(net, groups)
    check_repeat_work(net, "permutation_importance", n, len(cols), n_repeats)
    sw = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    scorer = Scorer(net, scoring, y, sw)
    base_out = FirstLayerCache(net, X, -1, scorer.from_logits).base[None].numpy()
    baseline = scorer(base_out, inputs=lambda b: X.numpy())

    if isinstance(random_state, np.random.Generator):
        random_state = integer_seed(random_state)
    shuffles = check_random_state(random_state).randint(np.iinfo(np.int32).max + 1)
    m = _check_max_samples(max_samples, n)
    rs = np.random.RandomState(shuffles)
    if m < n:
        rows = sample_without_replacement(n, m, random_state=rs)
        X, y = X[torch.as_tensor(rows)], y[rows]
        sw = None if sw is None else sw[rows]
    perms = _shuffle_chain(rs, len(X), n_repeats)  # (n_repeats, m)
    scorer = Scorer(net, scoring, y, sw)
    scores = _permuted_scores(net, X, cols, perms, scorer, progress)
    bunches = {name: _bunch(baseline[name] - s) for name, s in scores.items()}
    return bunches if scorer.multi else bunches[scorer.name]


def _bunch(importances: np.ndarray) -> Bunch:
    """scikit-learn's Bunch of importances (n_groups, n_repeats)."""
    return Bunch(importances_mean=np.mean(importances, axis=1),
                 importances_std=np.std(importances, axis=1), importances=importances)


def _check_max_samples(max_samples, n: int) -> int:
    if isinstance(max_samples, numbers.Integral) and not isinstance(max_samples, bool):
        if not 1 <= max_samples <= n:
            raise ValueError(f"`max_samples` must be in 1..{n} (the rows of X) or a fraction in "
                             f"(0, 1]. Got {max_samples} instead.")
        return int(max_samples)
    if not (isinstance(max_samples, numbers.Real) and 0 < max_samples <= 1):
        raise ValueError(f"`max_samples` must be in 1..{n} (the rows of X) or a fraction in "
                         f"(0, 1]. Got {max_samples!r} instead.")
    return int(max_samples * n)


def _shuffle_chain(rs: np.random.RandomState, m: int, n_repeats: int) -> np.ndarray:
    """The column order after each repeat of scikit-learn's in-place shuffles."""
    idx, p, out = np.arange(m), np.arange(m), []
    for _ in range(n_repeats):
        rs.shuffle(idx)
        p = p[idx]  # column <- column[idx] applied to a column already permuted by p
        out.append(p)
    return np.stack(out)


def _permuted_scores(net, X, cols, perms, scorer, progress) -> dict[str, np.ndarray]:
    """Scores name -> (n_groups, n_repeats) with group g's columns permuted by perms[r]."""
    cache = FirstLayerCache(net, X, -1, scorer.from_logits, scorer.from_logits)
    P = torch.as_tensor(perms)
    n_repeats = len(perms)
    scores: dict[str, np.ndarray] = {}

    drawn: dict[int, torch.Tensor] = {}

    def delta(g, r):  # (n, k): permuted minus original values of group g's columns
        if g not in drawn:  # every repeat of group g at once: (n_repeats, n, k)
            drawn.clear()
            block = X[:, torch.as_tensor(cols[g])]  # (n, k)
            drawn[g] = block[P] - block
        return drawn[g][r]

    def inputs(tasks):  # copy b of X, for a scorer that reads it: (n, n_inputs)
        def build(b):
            (g, r), Xp = tasks[b], X.numpy().copy()
            Xp[:, cols[g]] = X.numpy()[perms[r][:, None], cols[g]]
            return Xp
        return build

    with progress_bar(progress, len(cols) * n_repeats, "permutation importance") as advance:
        for tasks, out in iter_blocks(cache, cols, n_repeats, delta):
            for name, values in scorer(out.numpy(), inputs(tasks)).items():
                into = scores.setdefault(name, np.empty((len(cols), n_repeats)))
                for (g, r), s in zip(tasks, values):
                    into[g, r] = s
            advance(len(tasks))
    return scores
