"""scikit-learn MLPClassifier / MLPRegressor (optionally after a StandardScaler) -> DenseNet."""

from __future__ import annotations

import numpy as np
import torch

from hiddenlens._activations import from_framework
from hiddenlens.io._arrays import build_net

# scikit-learn's names -> ours


def from_sklearn(estimator, **metadata):
    """Import a fitted scikit-learn ``MLPClassifier`` or ``MLPRegressor``.

    Parameters
    ----------
    estimator : MLPClassifier, MLPRegressor, or a Pipeline of a scaler and one of them
        Fitted. ``coefs_[l]`` (n_in, n_out) become ``weights[l]`` (n_out, n_in); a
        StandardScaler or MinMaxScaler in front becomes the DenseNet's input standardisation.
    **metadata
        image_shape (default: 28x28 for 784 inputs), feature_names, class_names to override
        what the estimator carries.

    Returns
    -------
    DenseNet
        float64, so ``predict_proba`` / ``predict`` agree with the estimator's to ~1e-15.
        Classifiers keep the estimator's ``classes_`` (labels 1..3, 10/20/30 or strings):
        `predict` returns them and `score` compares `y` with them, as the estimator does;
        ``class_names`` are their ``str``. A binary classifier has one sigmoid output unit
        whose ``predict_proba`` is [1 - p, p], as scikit-learn's.
    """
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    scaler, mlp = _unpipe(estimator)
    if not isinstance(mlp, (MLPClassifier, MLPRegressor)):
        raise TypeError(
            "`estimator` must be a fitted MLPClassifier or MLPRegressor (alone or after a "
            f"StandardScaler or MinMaxScaler in a Pipeline). Got {type(mlp).__name__} instead."
        )
    if not hasattr(mlp, "coefs_"):
        raise ValueError(
            f"This {type(mlp).__name__} is not fitted yet; call fit(X, y) before importing it."
        )
    n_hidden = len(mlp.coefs_) - 1
    acts = [_activation(mlp.activation)] * n_hidden + [_activation(mlp.out_activation_)]
    names = [f"coefs_[{l}]" for l in range(len(mlp.coefs_))]
    options = dict(dtype=torch.float64, names=names, **_labels(mlp, estimator))
    options.update(metadata)
    net = build_net([c.T for c in mlp.coefs_], mlp.intercepts_, acts,
                    source=f"the {type(mlp).__name__}", **options)
    if scaler is not None:
        net.set_preprocessing(*_standardisation(scaler, net.n_inputs))
    if net.task == "classification" and np.ndim(getattr(mlp, "classes_", None)) == 1:
        net.classes_ = mlp.classes_  # predict and score in the estimator's labels
    return net


def _standardisation(scaler, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean, scale) with scaler.transform(x) = (x - mean) / scale."""
    from sklearn.preprocessing import StandardScaler

    if isinstance(scaler, StandardScaler):
        mean = scaler.mean_ if scaler.with_mean else np.zeros(n)
        return mean, scaler.scale_ if scaler.with_std else np.ones(n)
    if scaler.clip:
        raise ValueError("A MinMaxScaler with clip=True cannot be imported; refit with clip=False.")
    # MinMaxScaler: x * scale_ + min_ = (x - (-min_ / scale_)) / (1 / scale_)
    return -scaler.min_ / scaler.scale_, 1 / scaler.scale_


def _activation(name: str) -> str:
    ours = from_framework("sklearn")
    if name not in ours:
        raise ValueError(
            f"The activation {name!r} of this network is not supported; hiddenlens imports "
            "identity, logistic, tanh and relu layers and softmax, logistic or identity outputs "
            "(an MLPRegressor with loss='poisson' has an exponential output)."
        )
    return ours[name]


def _unpipe(estimator):
    """(scaler or None, final estimator) of a Pipeline; (None, estimator) otherwise."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    if not isinstance(estimator, Pipeline):
        return None, estimator
    steps = [s for _, s in estimator.steps if s not in (None, "passthrough")]
    if len(steps) == 2 and isinstance(steps[0], (StandardScaler, MinMaxScaler)):
        return steps[0], steps[1]
    if len(steps) == 1:
        return None, steps[0]
    kinds = " -> ".join(type(s).__name__ for s in steps)
    raise ValueError(
        f"The Pipeline {kinds} cannot be imported; hiddenlens reads an MLPClassifier or "
        "MLPRegressor, optionally after one StandardScaler or MinMaxScaler."
    )


def _labels(mlp, estimator) -> dict:
    labels: dict = {}
    names = getattr(estimator, "feature_names_in_", getattr(mlp, "feature_names_in_", None))
    if names is not None:
        labels["feature_names"] = [str(n) for n in names]
    classes = getattr(mlp, "classes_", None)
    if classes is not None and np.ndim(classes) == 1:
        labels["class_names"] = [str(c) for c in classes]
        labels["task"] = "classification"
    else:
        labels["task"] = "classification" if classes is not None else "regression"
    return labels
