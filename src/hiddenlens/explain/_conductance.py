"""Conductance (Dhamdhere et al. 2018): how much of the target's change flows through units.

Along the straight path x(alpha) = b + alpha (x - b) from a baseline to the input:

- layer conductance of unit j: sum_k dF/da_j(x_k) (a_j(x_{k+1}) - a_j(x_k)) over Captum's
  n_steps + 1 points alpha_0 < ... < alpha_{n_steps}; the units' sum telescopes toward
  F(x) - F(b) (completeness, up to the quadrature gap);
- neuron conductance of unit j on input i: (x_i - b_i) sum_k w_k dF/da_j(x_k) da_j/dx_i(x_k)
  over n_steps points with weights w_k: which inputs flow through unit j to the target.

Closed form on the chain: layer 0's pre-activation is affine in the input, so every path
point's z0 is z0(b) + alpha (z0(x) - z0(b)) (the wide input product twice per input, not once
per step), the layers above run once for all points, and `pull_back` gives the gradients.
"""

from __future__ import annotations

import numpy as np
import torch

from hiddenlens import _chain as chain
from hiddenlens._validation import check_hidden_layer, check_unit
from hiddenlens.explain._integrated import (
    check_baseline,
    check_path_work,
    check_steps,
    integration_rule,
)
from hiddenlens.explain._targets import one_hot, resolve_target, z0_of
from hiddenlens.net import DenseNet

MAX_BLOCK_ELEMENTS = 2**22  # (examples * path points * widest layer) per block


def conductance(
    net: DenseNet, X, target, layer: int, *, n_steps: int = 50, method: str = "gausslegendre",
    baseline=0.0, pre_activation: bool | None = None, layer_pre_activation: bool = False,
) -> np.ndarray:
    """Layer conductance: the share of the target's change that flows through each unit.

    Equal (up to float rounding) to Captum's ``LayerConductance(f, module).attribute(X,
    baselines=baseline, target=target, n_steps=n_steps, method=method)`` where f returns the
    logits and `module`'s output is the layer's activation (an ``nn.Sigmoid`` after the
    layer's Linear), or the Linear itself with `layer_pre_activation`. As Captum, the path
    has n_steps + 1 points of the rule for n_steps + 1 (for Gauss-Legendre, interior nodes:
    the sum covers [alpha_0, alpha_n], not [0, 1]).

    Parameters
    ----------
    net : DenseNet
    X : array of shape (n, n_inputs)
    target : int, array of n ints, (layer, unit) or None
        A class for every example, one per example, or a unit of a later layer; None: the
        predicted class.
    layer : int
        A hidden layer.
    n_steps : int, default=50
    method : {"gausslegendre", "riemann_left", "riemann_right", "riemann_middle", \
"riemann_trapezoid"}, default="gausslegendre"
    baseline : float or array of shape (n_inputs,) or (n, n_inputs), default=0.0
    pre_activation : bool, optional
        The target's: default the logit for output units, the activation for hidden units.
    layer_pre_activation : bool, default=False
        Attribute to the layer's pre-activations z instead of its activations f(z). The two
        agree as n_steps grows; with few steps they differ by the quadrature.

    Returns
    -------
    ndarray of shape (n, n_units)
        Sums over units to about F(x) - F(b) for the target F.
    """
    n_steps = _check_steps(n_steps, method, 1)
    alphas, _ = integration_rule(method, n_steps + 1)
    X, B, idx, t_layer, units, pre = _prepare(net, X, target, layer, baseline, pre_activation)
    check_path_work(net, "conductance", len(X), n_steps + 1)
    at = ("z" if layer_pre_activation else "a", idx)
    S = n_steps + 1
    out = np.empty((len(X), net.sizes[idx + 1]), dtype=net.dtype_name)
    with torch.no_grad():
        for i, x, b, u in _blocks(net, X, B, units, S):
            p = _path(net, x, b, alphas, t_layer, pre)  # (r * S) points
            G = one_hot(u.repeat_interleave(S), net.sizes[t_layer + 1], X.dtype)
            g = chain.pull_back(net.module, p, G, t_layer, pre, to=at)[:, 0]  # (r * S, h)
            g = g.reshape(len(x), S, -1)
            v = p.value(idx, layer_pre_activation).reshape(len(x), S, -1)  # (r, S, h)
            out[i : i + len(x)] = (g[:, :-1] * (v[:, 1:] - v[:, :-1])).sum(1).numpy()
    return out


def neuron_conductance(
    net: DenseNet, X, target, layer: int, unit: int, *, n_steps: int = 50,
    method: str = "gausslegendre", baseline=0.0, pre_activation: bool | None = None,
) -> np.ndarray:
    """Neuron conductance: which inputs flow through one unit to the target.

    Equal (up to float rounding) to Captum's ``NeuronConductance(f, module).attribute(X,
    neuron_selector=unit, baselines=baseline, target=target, n_steps=n_steps,
    method=method)``, f returning the logits, with `module` the layer's activation or its
    Linear: dF/dz_j dz_j/dx = dF/da_j da_j/dx, so both give the same numbers. Captum's own
    default method here is "riemann_trapezoid"; pass it to compare with a default call.

    Parameters
    ----------
    net, X, target, n_steps, method, baseline, pre_activation : see `conductance`.
    layer : int
        A hidden layer.
    unit : int
        The unit of `layer` the flow goes through.

    Returns
    -------
    ndarray of shape (n, n_inputs)
        Sums over inputs to about that unit's layer conductance.
    """
    n_steps = _check_steps(n_steps, method, 2)
    alphas, weights = integration_rule(method, n_steps)
    X, B, idx, t_layer, units, pre = _prepare(net, X, target, layer, baseline, pre_activation)
    check_path_work(net, "neuron_conductance", len(X), n_steps)
    unit = check_unit(net, idx, unit)
    S, h = n_steps, net.sizes[idx + 1]
    # Captum multiplies by torch.tensor(step_sizes): the weights rounded to float32
    w = torch.as_tensor(np.float32(weights), dtype=X.dtype)[None, :, None]  # (1, S, 1)
    W0 = chain.input_weights(net.module)  # (h0, d)
    out = np.empty(tuple(X.shape), dtype=net.dtype_name)
    with torch.no_grad():
        for i, x, b, u in _blocks(net, X, B, units, S):
            p = _path(net, x, b, alphas, t_layer, pre)
            G = one_hot(u.repeat_interleave(S), net.sizes[t_layer + 1], X.dtype)
            g = chain.pull_back(net.module, p, G, t_layer, pre, to=("a", idx))[:, 0, unit]
            Gj = one_hot(torch.full((len(g),), unit), h, X.dtype)  # (r * S, 1, h)
            da = chain.pull_back(net.module, p, Gj, idx, False, to=("z", 0))[:, 0]  # (r*S, h0)
            flow = (g[:, None] * da).reshape(len(x), S, -1)  # dF/da_j da_j/dz0 per point
            out[i : i + len(x)] = ((x - b) * ((flow * w).sum(1) @ W0)).numpy()
    return out


def _check_steps(n_steps, method: str, riemann_minimum: int) -> int:
    n_steps = check_steps(n_steps)
    if method.startswith("riemann") and n_steps < riemann_minimum:
        raise ValueError(f"`n_steps` must be >= {riemann_minimum} for Riemann sums. Got "
                         f"{n_steps} instead.")
    return n_steps


def _prepare(net, X, target, layer, baseline, pre_activation):
    """Checked inputs, baselines (1 or n, d), the layer and the resolved target."""
    idx = check_hidden_layer(net, layer)
    X = net.tensor(X)
    B = check_baseline(net, baseline, len(X))
    t_layer, units, pre = resolve_target(net, X, target, pre_activation)
    if t_layer <= idx:
        raise ValueError(f"`target` must be a class or a unit of a layer above layer {idx}, "
                         f"whose units the flow goes through. Got {target!r} instead.")
    return X, B, idx, t_layer, units, pre


def _blocks(net: DenseNet, X, B, units, S: int):
    """(start, x, b, target units) over blocks of examples, S path points each."""
    rows = max(1, MAX_BLOCK_ELEMENTS // (S * max(net.sizes[1:])))
    for i in range(0, len(X), rows):
        yield i, X[i : i + rows], (B if len(B) == 1 else B[i : i + rows]), units[i : i + rows]


def _path(net: DenseNet, x, b, alphas, t_layer: int, pre: bool) -> chain.Pass:
    """The chain at every path point, example-major ((r * S), ...), up to the target."""
    a = torch.as_tensor(alphas, dtype=x.dtype)[None, :, None]  # (1, S, 1)
    zx, zb = z0_of(net, x), z0_of(net, b).expand(len(x), -1)  # (r, h0)
    z = (zb[:, None, :] + a * (zx - zb)[:, None, :]).reshape(-1, zx.shape[1])
    return chain.run(net.module, z, start=("z", 0), stop=("z" if pre else "a", t_layer))
