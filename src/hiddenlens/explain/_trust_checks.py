"""Argument checks and small statistics shared by the trust metrics (one sentence each)."""

from __future__ import annotations

import numbers

import numpy as np
import torch
from scipy import stats

from hiddenlens.explain._targets import resolve_target
from hiddenlens.net import DenseNet


def output_units(net: DenseNet, X: torch.Tensor, target) -> torch.Tensor:
    """Each example's output unit (n,) int64: a class, one per example, or None (predicted)."""
    layer, units, _ = resolve_target(net, X, target, None)
    if layer != net.n_layers - 1:
        raise ValueError(
            "`target` must be an output class (an int, one per example, or None for the "
            f"predicted class); the trust metrics read the output layer. Got {target!r} instead."
        )
    return units


def check_attributions(attributions, n: int, width: int, what: str = "input") -> np.ndarray:
    """Attributions as (n, width), keeping their dtype (integers become float64)."""
    a = np.asarray(attributions)
    if a.dtype.kind not in "fiu":
        raise TypeError(f"`attributions` must be an array of numbers. Got {a.dtype} instead.")
    if a.ndim < 2 or a.shape[0] != n or int(np.prod(a.shape[1:])) != width:
        raise ValueError(
            f"`attributions` must hold one value per {what} for each example, shape "
            f"({n}, {width}). Got shape {a.shape} instead."
        )
    a = a.reshape(n, width)
    if a.dtype.kind != "f":
        a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError("`attributions` must be finite. Got NaN or infinite values instead.")
    return a


def check_features_in_step(value, d: int) -> int:
    """An integer >= 1 dividing the d features (Quantus asserts the same)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1 or \
            d % value:
        divisors = [k for k in range(1, d + 1) if d % k == 0][:8]
        raise ValueError(
            f"`features_in_step` must be an integer >= 1 that divides the {d} features "
            f"({', '.join(map(str, divisors))}, ...). Got {value!r} instead."
        )
    return int(value)


def baseline_values(X: np.ndarray, baseline, *, allow_mean: bool = True) -> np.ndarray:
    """What a removed feature becomes, (n, d) float64.

    "black" / "white": each example's smallest / largest value (Quantus's definitions);
    "mean": each feature's mean over X (the tabular choice); a number; one input (d,); or one
    per example (n, d).
    """
    n, d = X.shape
    named = ("black", "white", "mean") if allow_mean else ("black", "white")
    if isinstance(baseline, str):
        if baseline not in named:
            raise ValueError(f"`baseline` must be one of {', '.join(map(repr, named))}, a "
                             f"number or an array of shape ({d},) or ({n}, {d}). Got "
                             f"{baseline!r} instead.")
        if baseline == "mean":
            return np.broadcast_to(X.mean(0, dtype=np.float64), (n, d))
        v = X.min(1, keepdims=True) if baseline == "black" else X.max(1, keepdims=True)
        return np.broadcast_to(v.astype(np.float64), (n, d))
    b = np.asarray(baseline, dtype=np.float64)
    if b.shape not in ((), (d,), (n, d)) or not np.all(np.isfinite(b)):
        got = repr(baseline) if b.ndim == 0 else f"shape {b.shape}"
        raise ValueError(f"`baseline` must be one of {', '.join(map(repr, named))}, a finite "
                         f"number or an array of shape ({d},) or ({n}, {d}). Got {got} "
                         "instead.")
    return np.broadcast_to(b, (n, d))


def quantus_order(a: np.ndarray, normalize: bool, abs: bool) -> np.ndarray:
    """Attributions as Quantus prepares them: divided by the largest |value| of the whole
    batch (`normalise_by_max`; an all-zero batch is left alone), then |.| if `abs`."""
    if normalize and not np.all(a == 0.0):
        a = np.divide(a, np.max(np.abs(a), axis=tuple(range(a.ndim)), keepdims=True))
    return np.abs(a) if abs else a


def interval(values: np.ndarray) -> tuple[float, float, float]:
    """(mean, low, high): the mean over examples and its 95% t-interval (NaN for n < 2)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(v.mean())
    if len(v) < 2:
        return (mean, np.nan, np.nan)
    half = float(stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)))
    return (mean, mean - half, mean + half)


def intervals(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`interval` of every column of (n, m) values at once: (mean, low, high), each (m,)."""
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    count = finite.sum(0)
    v = np.where(finite, v, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = v.sum(0) / count
        sd = np.sqrt(np.where(finite, (v - mean) ** 2, 0.0).sum(0) / (count - 1))
        half = stats.t.ppf(0.975, np.maximum(count - 1, 1)) * sd / np.sqrt(count)
    half = np.where(count >= 2, half, np.nan)
    mean = np.where(count >= 1, mean, np.nan)
    return mean, mean - half, mean + half


def rng_of(random_state) -> np.random.Generator:
    """A numpy Generator from an int, None or a Generator (the glossary's random_state)."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)
