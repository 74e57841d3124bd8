"""Scores for the importance methods: scikit-learn's scorers, on outputs computed in blocks.

`scoring` is what scikit-learn takes: None (the network's own `score`), a scorer name
(``sklearn.metrics.get_scorer_names()``), a scorer object (``make_scorer``, ``get_scorer``),
a callable ``(estimator, X, y) -> float`` (or -> dict of floats), or a list/tuple of names or
a dict name -> any of those (several metrics at once).

The methods compute the outputs of many perturbed copies of the data at once (the low-rank
update). Each copy is scored by handing the scorer `BlockOutputs`: a stand-in for the network
that answers ``predict``, ``predict_proba`` and ``score`` with that copy's precomputed outputs
and looks like the network to ``is_classifier``. A scikit-learn scorer object only hands X on
to those methods, so it gets a placeholder; any other callable gets the perturbed X itself,
built for it. Plain accuracy skips all of this: a count of matching class indices.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from sklearn.metrics import get_scorer, get_scorer_names

from hiddenlens._classes import label_indices
from hiddenlens.net import DenseNet


class Scorer:
    """The scores of blocks of network outputs against fixed labels `y`.

    Parameters
    ----------
    net : DenseNet
    scoring : see the module docstring
    y : array of shape (n,) or (n, n_outputs)
        Class labels (checked against ``net.classes_``) or regression values.
    sample_weight : array of shape (n,), optional

    Attributes
    ----------
    names : list of str
        One per score; a single scorer is named by its name, its function or "score".
    multi : bool
        Several scores (a list/dict, or a callable that returns a dict).
    fast_accuracy, from_logits : bool
        Plain accuracy counted from class indices, on logits when the output activation is
        monotone (softmax, sigmoid).
    """

    def __init__(self, net: DenseNet, scoring, y, sample_weight=None):
        self.net, self.sample_weight = net, sample_weight
        self.scorers, self.multi = _resolve(net, scoring)
        self.names = list(self.scorers)
        self.name = self.names[0]
        self.y = _check_y(net, y)
        classify = net.task == "classification"
        self.indices = label_indices(net, self.y) if classify else None  # (n,) or None
        self.fast_accuracy = (classify and not self.multi and sample_weight is None
                              and (scoring is None or scoring == "accuracy"))
        # softmax and sigmoid are monotone: the argmax (or the sign) of the logits gives the
        # same classes, and skipping the output activation saves its cost on every row
        self.from_logits = (self.fast_accuracy
                            and net.output_activation in ("softmax", "sigmoid"))
        self.reads_X = any(not _is_sklearn_scorer(s) for s in self.scorers.values())

    def predictions(self, out: np.ndarray) -> np.ndarray:
        """Class indices (..., n) of outputs (logits if from_logits) (..., n, n_outputs)."""
        return self.net.predicted_indices(out, self.from_logits)

    def __call__(self, out: np.ndarray, inputs: Callable | None = None,
                 rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Scores name -> (B,) of outputs (B, n, n_outputs) (logits when `from_logits`).

        `inputs(b)` builds copy b's (n, n_inputs) inputs for a callable that reads X; `rows`
        scores only those examples (and their labels and weights).
        """
        if self.fast_accuracy:  # count / n: bit-identical to accuracy_score's mean
            y = self.indices if rows is None else self.indices[rows]
            o = out if rows is None else out[:, rows]
            return {self.name: (self.predictions(o) == y).sum(-1) / o.shape[1]}
        y, sw = self.y, self.sample_weight
        if rows is not None:
            y, sw = y[rows], None if sw is None else sw[rows]
        scores: dict[str, list] = {}
        for b in range(len(out)):
            o = out[b] if rows is None else out[b, rows]
            X = inputs(b) if self.reads_X and inputs is not None else None
            if X is not None and rows is not None:
                X = X[rows]
            for name, value in self._one(BlockOutputs(self.net, o, X), y, sw).items():
                scores.setdefault(name, []).append(value)
        if scores and self.multi:
            self.names = list(scores)
        return {name: np.asarray(v, dtype=np.float64) for name, v in scores.items()}

    def _one(self, estimator: BlockOutputs, y, sw) -> dict:
        kw = {} if sw is None else {"sample_weight": sw}
        out = {}
        for name, scorer in self.scorers.items():
            X = estimator.inputs if _is_sklearn_scorer(scorer) else estimator.X
            value = scorer(estimator, X, y, **kw)
            if isinstance(value, Mapping):  # a callable returning several scores
                out.update({str(k): float(v) for k, v in value.items()})
                self.multi = True
            else:
                out[name] = float(value)
        return out


class BlockOutputs:
    """The network as a scorer sees it, answering for one block's precomputed outputs.

    ``predict``, ``predict_proba`` and ``score`` of `inputs` (the placeholder a scikit-learn
    scorer hands on) or of `X` (the perturbed inputs, for other callables) return what the
    network returns on the perturbed data, from `out` (n, n_outputs); of any other array they
    run the network itself.
    """

    def __init__(self, net: DenseNet, out: np.ndarray, X: np.ndarray | None):
        self.net, self.out, self.X = net, out, X
        self.inputs = _Placeholder(len(out), net.n_inputs)
        self.classes_ = net.classes_
        self._estimator_type = net._estimator_type

    def __sklearn_tags__(self):
        return self.net.__sklearn_tags__()

    def _mine(self, X) -> bool:
        return X is self.inputs or (X is self.X and X is not None)

    def predict(self, X) -> np.ndarray:
        return self.net.predict_of(self.out) if self._mine(X) else self.net.predict(X)

    def predict_proba(self, X) -> np.ndarray:
        if self.net.task != "classification":
            raise AttributeError("predict_proba needs a classifier; this network is a "
                                 "regressor.")
        return self.net.proba_of(self.out) if self._mine(X) else self.net.predict_proba(X)

    def score(self, X, y, sample_weight=None) -> float:
        from hiddenlens._metrics import score

        return score(self.net.task, y, self.predict(X), sample_weight)


class _Placeholder:
    """What a scikit-learn scorer object gets as X: it only hands X on to the estimator."""

    def __init__(self, n: int, d: int):
        self.shape = (n, d)

    def __len__(self) -> int:
        return self.shape[0]


def _resolve(net: DenseNet, scoring) -> tuple[dict[str, Callable], bool]:
    """name -> scorer callable ``(estimator, X, y, **kw)``, and whether several were asked."""
    if scoring is None:
        name = "accuracy" if net.task == "classification" else "r2"
        return {name: _passthrough}, False
    if isinstance(scoring, str):
        return {scoring: _named(net, scoring)}, False
    if callable(scoring):
        return {_callable_name(scoring): _check_callable(scoring)}, False
    if isinstance(scoring, (list, tuple, set)):
        names = list(scoring)
        if not names or not all(isinstance(s, str) for s in names) or len(set(names)) < len(
                names):
            raise ValueError(f"`scoring` as a list must hold distinct scorer names (use a dict "
                             f"name -> scorer for callables). Got {scoring!r} instead.")
        return {s: _named(net, s) for s in names}, True
    if isinstance(scoring, Mapping):
        if not scoring or not all(isinstance(k, str) for k in scoring):
            raise ValueError(f"`scoring` as a dict must map names to scorers. Got {scoring!r} "
                             "instead.")
        return {k: _named(net, v) if isinstance(v, str) else _check_callable(v)
                for k, v in scoring.items()}, True
    raise TypeError(_SENTENCE.format(got=repr(scoring)))


_SENTENCE = ("`scoring` must be None, a scorer name (sklearn.metrics.get_scorer_names()), a "
             "scorer object, a callable (estimator, X, y) or a list/dict of them. Got {got} "
             "instead.")


def _named(net: DenseNet, name: str) -> Callable:
    if name not in get_scorer_names():
        raise ValueError(_SENTENCE.format(got=repr(name)))
    scorer = get_scorer(name)
    if net.task != "classification" and _needs_classifier(name, scorer):
        raise ValueError(f"`scoring` {name!r} needs a classifier; this network is a regressor "
                         "(use 'r2' or 'neg_mean_squared_error').")
    return scorer


def _needs_classifier(name: str, scorer) -> bool:
    """A scorer of probabilities, decision values or class labels."""
    method = getattr(scorer, "_response_method", "predict")
    methods = {method} if isinstance(method, str) else set(method)
    labels = ("accuracy", "balanced_accuracy", "top_k_accuracy", "matthews_corrcoef",
              "jaccard", "f1", "precision", "recall")
    return bool(methods - {"predict"}) or name.startswith(labels)


def _check_callable(scorer):
    if not callable(scorer):
        raise TypeError(_SENTENCE.format(got=repr(scorer)))
    if not _is_sklearn_scorer(scorer) and not _takes_three(scorer):
        raise TypeError(
            f"`scoring` as a callable must take (estimator, X, y), as scikit-learn's scorers "
            f"do (make_scorer(f) turns a metric f(y_true, y_pred) into one). Got "
            f"{_callable_name(scorer)}, which does not take three arguments, instead.")
    return scorer


def _takes_three(f) -> bool:
    """Whether f can be called as f(estimator, X, y); True when its signature is unknown."""
    import inspect

    try:
        inspect.signature(f).bind(None, None, None)
    except TypeError:
        return False
    except ValueError:  # a builtin without a signature
        return True
    return True


def _callable_name(scorer) -> str:
    if hasattr(scorer, "__name__"):
        return scorer.__name__
    func = getattr(scorer, "_score_func", None)  # make_scorer(f1_score, ...)
    return getattr(func, "__name__", "score")


def _passthrough(estimator, X, y, sample_weight=None) -> float:
    """scoring=None: the estimator's own score, as scikit-learn's check_scoring does."""
    return estimator.score(X, y, sample_weight=sample_weight)


def _is_sklearn_scorer(scorer) -> bool:
    """scikit-learn's scorer objects (and our passthrough) never read X themselves."""
    if scorer is _passthrough:
        return True
    try:
        from sklearn.metrics._scorer import _BaseScorer
    except ImportError:  # a later scikit-learn: treat it as any callable
        return False
    return isinstance(scorer, _BaseScorer)


def _check_y(net: DenseNet, y) -> np.ndarray:
    y = np.asarray(y)
    if net.task == "classification":
        return y
    if y.ndim == 0 or y.dtype.kind not in "biuf":
        raise ValueError(f"`y` must hold the regression targets, numbers (n,) or (n, "
                         f"{net.n_outputs}). Got {y!r:.60} instead.")
    return y
