"""Integrated gradients (Sundararajan et al. 2017) with Riemann and Gauss-Legendre rules.

IG_i(x) = (x_i - b_i) * integral_0^1 dF/dx_i (b + alpha (x - b)) d alpha, approximated by
sum_k w_k grad F(b + alpha_k (x - b)). Two exact shortcuts for a dense net:

- layer 0's pre-activation is affine in the input, so along the path
  z0(alpha) = z0(b) + alpha (z0(x) - z0(b)): the first (widest) product is done twice per
  input, not once per step;
- the weighted sum over steps is taken at z0 (n, h) before the product with W0 (h, d).
"""

from __future__ import annotations

import numpy as np
import torch

from hiddenlens import _chain as chain
from hiddenlens._validation import (
    MAX_STEPS,
    check_choice,
    check_positive_int,
    check_work,
    counted,
)
from hiddenlens.explain._targets import (
    from_z0,
    grad_z0,
    one_hot,
    resolve_target,
    unit_value,
    z0_of,
)
from hiddenlens.net import DenseNet

METHODS = ("gausslegendre", "riemann_left", "riemann_right", "riemann_middle",
           "riemann_trapezoid")


def integration_rule(method: str, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """(alphas, weights), each (n_steps,), of Captum's rule of the same name.

    Riemann points are float32 linspace values, as Captum builds them with torch.linspace.
    """
    check_choice(method, "method", METHODS)
    if method == "gausslegendre":
        nodes, w = np.polynomial.legendre.leggauss(n_steps)
        return 0.5 * (1 + nodes), 0.5 * w  # [-1, 1] mapped to [0, 1]
    if n_steps < 2:
        raise ValueError(f"`n_steps` must be >= 2 for Riemann sums. Got {n_steps} instead.")
    n = n_steps
    start, stop = {"riemann_left": (0, 1 - 1 / n), "riemann_right": (1 / n, 1),
                   "riemann_middle": (1 / (2 * n), 1 - 1 / (2 * n)),
                   "riemann_trapezoid": (0, 1)}[method]
    alphas = np.array(torch.linspace(start, stop, n).tolist())
    weights = np.full(n, 1 / n)
    if method == "riemann_trapezoid":
        weights[[0, -1]] /= 2
    return alphas, weights


def check_steps(n_steps) -> int:
    """`n_steps` as a count of quadrature points, at most `MAX_STEPS` (Gauss-Legendre's nodes
    take O(n_steps**2) memory and O(n_steps**3) time to compute)."""
    return check_positive_int(n_steps, "n_steps", maximum=MAX_STEPS,
                              why=" (quadrature points; 50 is usually plenty)")


def check_path_work(net: DenseNet, what: str, n: int, n_steps: int) -> None:
    """Refuse a path integral of `n` examples x `n_steps` points through the widest layer
    that would not fit one block of `MAX_CHUNK` values or the `MAX_WORK` of one call."""
    width = max(net.sizes)  # every point of every row holds one row of each layer
    check_work(f"{what} of {counted(n, 'example')} x {counted(n_steps, 'step')} over "
               f"{counted(width, 'unit')}", n_steps * width, n * n_steps * width,
               "explain fewer examples per call or use a smaller `n_steps`")


def check_baseline(net: DenseNet, baseline, n: int) -> torch.Tensor:
    """A number, one input (n_inputs,) or one per example (n, n_inputs) -> (1 or n, d)."""
    b = np.asarray(baseline, dtype=float)
    d = net.n_inputs
    if b.ndim == 0:
        b = np.full((1, d), float(b))
    elif b.shape == (d,):
        b = b[None]
    elif b.ndim > 2 and b.shape[0] == n and int(np.prod(b.shape[1:])) == d:
        b = b.reshape(n, d)
    if b.shape not in ((1, d), (n, d)):
        raise ValueError(
            f"`baseline` must be a number, one input of shape ({d},) or one per example "
            f"({n}, {d}). Got shape {np.shape(baseline)} instead."
        )
    if not np.all(np.isfinite(b)):
        raise ValueError("`baseline` contains NaN or infinite values.")
    return torch.as_tensor(b, dtype=net.dtype)


def integrated_gradients(
    net: DenseNet, X, target=None, *, baseline=0.0, n_steps: int = 50,
    method: str = "gausslegendre", pre_activation: bool | None = None, return_gap: bool = False,
):
    """Integrated gradients of the target unit along the straight path from a baseline.

    Parameters
    ----------
    net : DenseNet
    X : array of shape (n, n_inputs)
    target : int, array of n ints, (layer, unit) or None, default=None
        See `saliency`. None: the predicted class.
    baseline : float or array of shape (n_inputs,) or (n, n_inputs), default=0.0
        The reference input (a black image by default).
    n_steps : int, default=50
        Quadrature points (Captum's `n_steps`).
    method : {"gausslegendre", "riemann_left", "riemann_right", "riemann_middle", \
"riemann_trapezoid"}, default="gausslegendre"
        The quadrature rule; the same names, points and weights as Captum's.
    pre_activation : bool, optional
        Default: the logit for output units, the activation for hidden units.
    return_gap : bool, default=False
        Also return the completeness gap, sum_i IG_i - (F(x) - F(b)), per example. It shrinks
        toward 0 as `n_steps` grows; a large gap means too few steps.

    Returns
    -------
    attributions : ndarray of shape (n, n_inputs)
    gap : ndarray of shape (n,), only when `return_gap`
    """
    n_steps = check_steps(n_steps)
    alphas, weights = integration_rule(method, n_steps)
    X = net.tensor(X)
    check_path_work(net, "integrated_gradients", len(X), n_steps)
    B = check_baseline(net, baseline, len(X))
    layer, units, pre = resolve_target(net, X, target, pre_activation)
    W = chain.input_weights(net.module)
    a = torch.as_tensor(alphas, dtype=X.dtype)[None, :, None]  # (1, S, 1)
    w = torch.as_tensor(weights, dtype=X.dtype)[None, :, None]
    rows = max(1, 2**22 // (n_steps * max(net.sizes[1:])))
    attr = np.empty(tuple(X.shape), dtype=net.dtype_name)
    gap = np.empty(len(X), dtype=net.dtype_name)
    with torch.no_grad():
        for i in range(0, len(X), rows):
            x, u = X[i : i + rows], units[i : i + rows]
            b = B if len(B) == 1 else B[i : i + rows]
            zx, zb = z0_of(net, x), z0_of(net, b).expand(len(x), -1)  # (r, h)
            z = (zb[:, None, :] + a * (zx - zb)[:, None, :]).reshape(-1, zx.shape[1])
            p = from_z0(net, z)  # every step of every row, (r * S, ...)
            G = one_hot(u.repeat_interleave(n_steps), net.sizes[layer + 1], X.dtype)
            g = grad_z0(net, p, G, layer, pre).reshape(len(x), n_steps, -1)
            mean_grad = (g * w).sum(1) @ W  # (r, d)
            attr[i : i + len(x)] = ((x - b) * mean_grad).numpy()
            ends = [unit_value(from_z0(net, zz), layer, u, pre) for zz in (zx, zb)]
            gap[i : i + len(x)] = attr[i : i + len(x)].sum(1) - (ends[0] - ends[1]).numpy()
    return (attr, gap) if return_gap else attr
