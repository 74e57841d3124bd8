"""Attribution methods for the trust metrics, looked up in the one registry (`_methods`).

A method is a registered attribution name ("ig", "saliency", ...) or any callable
``(net, X, target) -> attributions (n, n_inputs)``; `target` is always one output class per
example (the metrics resolve it first, so a randomized or retrained copy of a network explains
the same classes as the original).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hiddenlens._validation import integer_seed
from hiddenlens.explain._methods import get_method, methods

METHODS = tuple(methods("attribution"))  # every registered attribution method, in order
IMAGE_ONLY = ("occlusion",)


def attribution_method(method, random_state=0) -> tuple[str, Callable]:
    """(name, f(net, X, target) -> (n, n_inputs)) for a method name or callable; SmoothGrad's
    noise is drawn from `random_state`, so the same call gives the same maps."""
    m = get_method(method)
    if m.name == "smoothgrad":
        seed = integer_seed(random_state)
        return m.name, lambda net, X, target: m(net, X, target, random_state=seed)
    return m.name, m.function


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
