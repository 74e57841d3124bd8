"""Scores for the importance methods: scikit-learn's metrics, evaluated on network outputs.

A scorer maps (y, outputs (B, n, n_outputs)) to B scores, greater is better, with exactly the
arithmetic of scikit-learn's scorer of the same name so importances match to the last bit.
"""

from __future__ import annotations

import numpy as np
from sklearn import metrics

from hiddenlens.net import DenseNet

# name -> (metric, what it reads, sign); sign -1 for losses ("neg_" names, as scikit-learn)
SCORERS = {
    "accuracy": (metrics.accuracy_score, "predict", 1),
    "balanced_accuracy": (metrics.balanced_accuracy_score, "predict", 1),
    "neg_log_loss": (metrics.log_loss, "proba", -1),
    "r2": (metrics.r2_score, "predict", 1),
    "neg_mean_squared_error": (metrics.mean_squared_error, "predict", -1),
    "neg_mean_absolute_error": (metrics.mean_absolute_error, "predict", -1),
}
CLASSIFIER_ONLY = ("accuracy", "balanced_accuracy", "neg_log_loss")


class Scorer:
    """Scores of network outputs against class indices (`check_labels`). `scoring` is a name
    in SCORERS, a callable ``f(y_true, y_pred) -> float`` (class indices for classifiers), or
    None (accuracy for classifiers, r2 for regressors, as ``estimator.score``)."""

    def __init__(self, net: DenseNet, scoring, sample_weight=None):
        self.net, self.sample_weight = net, sample_weight
        if scoring is None:
            scoring = "accuracy" if net.task == "classification" else "r2"
        if callable(scoring):
            self.metric, self.reads, self.sign = scoring, "predict", 1
        elif isinstance(scoring, str) and scoring in SCORERS:
            if scoring in CLASSIFIER_ONLY and net.task != "classification":
                raise ValueError(f"`scoring` {scoring!r} needs a classifier; this network is a "
                                 "regressor (use 'r2' or 'neg_mean_squared_error').")
            self.metric, self.reads, self.sign = SCORERS[scoring]
        else:
            known = ", ".join(repr(s) for s in SCORERS)
            raise ValueError(
                f"`scoring` must be one of {known} or a callable f(y_true, y_pred). "
                f"Got {scoring!r} instead."
            )
        self.fast_accuracy = scoring == "accuracy" and sample_weight is None
        # softmax and sigmoid are monotone: the argmax (or the sign) of the logits gives the
        # same classes, and skipping the output activation saves its cost on every row
        self.from_logits = (self.fast_accuracy
                            and net.output_activation in ("softmax", "sigmoid"))
        self.name = scoring if isinstance(scoring, str) else getattr(scoring, "__name__", "score")

    def predictions(self, out: np.ndarray) -> np.ndarray:
        """Outputs (..., n, n_outputs) -> class indices into `net.classes_` (logits if
        from_logits), or a regressor's values."""
        net = self.net
        if net.task == "regression":
            return out[..., 0] if net.n_outputs == 1 else out
        if net.n_outputs == 1:
            return (out[..., 0] > (0 if self.from_logits else 0.5)).astype(np.int64)
        return out.argmax(-1)

    def __call__(self, y: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Scores (B,) of outputs (B, n, n_outputs): logits when `from_logits`."""
        if self.fast_accuracy:  # count / n: bit-identical to accuracy_score's mean
            return (self.predictions(out) == y).sum(-1) / out.shape[1]
        return np.array([self._one(y, o) for o in out])

    def _one(self, y, out) -> float:
        kw = {} if self.sample_weight is None else {"sample_weight": self.sample_weight}
        if self.reads == "proba":
            proba = np.hstack([1 - out, out]) if self.net.n_outputs == 1 else out
            kw["labels"] = np.arange(proba.shape[1])
            return self.sign * self.metric(y, proba, **kw)
        return self.sign * float(self.metric(y, self.predictions(out), **kw))
