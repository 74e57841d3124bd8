"""Attribution methods by name, for the trust metrics (until `explain/_methods.py` lands).

A method is a name below or any callable ``(net, X, target) -> attributions (n, n_inputs)``;
`target` is always one output class per example (the metrics resolve it first, so a
randomized or retrained copy of a network explains the same classes as the original).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hiddenlens.explain._gradients import input_x_gradient, saliency, smoothgrad
from hiddenlens.explain._integrated import integrated_gradients
from hiddenlens.explain._perturbation import occlusion

METHODS = ("saliency", "input_x_gradient", "smoothgrad", "integrated_gradients", "occlusion")
IMAGE_ONLY = ("occlusion",)


def attribution_method(method, random_state=0) -> tuple[str, Callable]:
    """(name, f(net, X, target) -> (n, n_inputs)) for a method name or callable."""
    if callable(method):
        return getattr(method, "__name__", "method"), method
    if isinstance(method, str) and method in METHODS:
        if method == "smoothgrad":
            seed = random_state if isinstance(random_state, (int, np.integer)) else 0
            return method, lambda net, X, target: smoothgrad(net, X, target, random_state=seed)
        return method, {"saliency": saliency, "input_x_gradient": input_x_gradient,
                        "integrated_gradients": integrated_gradients,
                        "occlusion": occlusion}[method]
    raise ValueError(
        f"`method` must be one of {', '.join(map(repr, METHODS))} or a callable "
        f"(net, X, target) -> attributions. Got {method!r} instead."
    )


def explain(fn: Callable, name: str, net, X, units) -> np.ndarray:
    """Run a method and check it returned one value per input, (n, n_inputs) float64."""
    a = np.asarray(fn(net, X, units))
    n, d = len(X), net.n_inputs
    if a.ndim < 2 or a.shape[0] != n or int(np.prod(a.shape[1:])) != d or \
            a.dtype.kind not in "fiu":
        raise ValueError(f"`method` {name!r} must return attributions of shape ({n}, {d}). "
                         f"Got {'shape ' + str(a.shape) if a.dtype.kind in 'fiu' else a.dtype}"
                         " instead.")
    return a.reshape(n, d).astype(np.float64)
