"""The dense chain: the one place a DenseNet's layers are run forward and pulled back.

For layer l, z_l = a_{l-1} @ W_l.T + b_l and a_l = f_l(z_l); a_{-1} is the standardised input
(x - mean) / scale. Everything that runs the network goes through these functions:

- `run` goes from any point (the raw input, a layer's z or a) to any later point, optionally
  changing chosen units' activations on the way (an `Intervention`: replace, scale, clamp);
- `pull_back` carries a gradient from any point back to any earlier point or the raw input,
  batched over examples and over any number of rows per example (units, classes, samples);
- `column_weights` and `shift` are the low-rank update: changing columns S of a layer's
  output (or of the input) by dA changes the next pre-activation by dA @ W[:, S].T;
- `linear_chain` is the product of the weight matrices, and `loss_gradient` d loss / d z of
  the output layer.

A point is "input" (raw inputs, before standardisation) or ("z", l) / ("a", l) with l a
non-negative layer index. Functions take the torch module (`DenseModule`: `linears`,
`activations`, `mean`, `scale`) and tensors; they never check arguments (the public functions
built on them do) and never switch autograd on or off (callers do).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from hiddenlens._activations import activation_derivative, apply_activation

INPUT = "input"


@dataclass
class Intervention:
    """Change units of one layer's activation on the way: a_l[:, units] <- op(a_l[:, units]).

    Attributes
    ----------
    layer : int
        Non-negative layer index.
    units : tensor of shape (k,) int64, or None for every unit of the layer
    op : {"replace", "scale", "clamp"}
    value : float or tensor broadcastable to (n, k)
        The replacement or the factor (per example or shared); for "clamp" a pair (low, high)
        of such values, either None.
    """

    layer: int
    units: torch.Tensor | None
    op: str
    value: object

    def apply(self, a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(changed activations (n, width), d changed / d a (n or 1, width))."""
        if self.op == "scale" and self.units is None:
            return a * self.value, self._full(self.value, a)
        a = a.clone()
        factor = torch.ones(1, a.shape[1], dtype=a.dtype).expand(len(a), -1).clone()
        cols = slice(None) if self.units is None else self.units
        part = a[:, cols]
        if self.op == "replace":
            a[:, cols] = torch.as_tensor(self.value, dtype=a.dtype).expand_as(part)
            factor[:, cols] = 0
        elif self.op == "scale":
            a[:, cols] = part * self.value
            factor[:, cols] = torch.as_tensor(self.value, dtype=a.dtype).expand_as(part)
        else:  # clamp: the derivative is 1 inside the bounds, 0 where a bound holds it
            low, high = self.value
            clamped = part.clamp(min=low, max=high)
            a[:, cols] = clamped
            factor[:, cols] = (clamped == part).to(a.dtype)
        return a, factor

    @staticmethod
    def _full(value, a: torch.Tensor) -> torch.Tensor:
        return torch.as_tensor(value, dtype=a.dtype).expand_as(a)


@dataclass
class Pass:
    """The values one `run` computed.

    Attributes
    ----------
    z, a : list of tensor or None, one entry per layer
        Pre-activations (n, width_l) and activations (after any intervention) of the layers
        the run went through; None elsewhere, and for all but the last with keep=False.
    input : tensor of shape (n, n_inputs) or None
        The standardised input, when the run started from the raw input.
    factors : dict of int to tensor
        For each intervened layer, d a_l (changed) / d a_l (unchanged), (n, width_l).
    unchanged : dict of int to tensor
        For each intervened layer, its activations before the change (for f'(z)).
    """

    z: list
    a: list
    input: torch.Tensor | None = None
    factors: dict = field(default_factory=dict)
    unchanged: dict = field(default_factory=dict)

    def value(self, layer: int, pre: bool) -> torch.Tensor:
        return self.z[layer] if pre else self.a[layer]


# ---------------------------------------------------------------- forward
def standardize(module, X: torch.Tensor) -> torch.Tensor:
    """(X - mean) / scale, (n, n_inputs): what layer 0 multiplies."""
    return (X - module.mean) / module.scale


def run(module, x: torch.Tensor, start=INPUT, stop=None, *,
        interventions: Sequence[Intervention] = (), keep: bool = True) -> Pass:
    """Run the chain from `start` to `stop` (inclusive), returning what was computed.

    Parameters
    ----------
    module : DenseModule
    x : tensor of shape (n, width at `start`)
        Raw inputs for "input", else the values of layer l at ("z", l) or ("a", l).
    start : "input", ("z", l) or ("a", l), default="input"
    stop : ("z", L) or ("a", L), default: the output layer's activation
        ("z", L) stops before layer L's activation (logits, for the output).
    interventions : sequence of Intervention
        Applied to the activations of their layers, in the order given.
    keep : bool, default=True
        Keep every layer's values; False keeps only the last (less memory).
    """
    n_layers = len(module.linears)
    kind, L = stop if stop is not None else ("a", n_layers - 1)
    p = Pass(z=[None] * n_layers, a=[None] * n_layers)
    by_layer = {}
    for iv in interventions:
        by_layer.setdefault(iv.layer, []).append(iv)
    if start == INPUT:
        p.input = a = standardize(module, x)
        first, z = 0, None
    elif start[0] == "z":
        first, z = start[1], x
    else:  # ("a", l): continue at layer l + 1
        first, z = start[1] + 1, None
        a = x
        p.a[start[1]] = x
    for l in range(first, L + 1):
        if z is None:
            z = module.linears[l](a)
        p.z[l] = z
        if l == L and kind == "z":
            break
        a = apply_activation(module.activations[l], z)
        if l in by_layer:
            p.unchanged[l] = a
        for iv in by_layer.get(l, ()):
            a, factor = iv.apply(a)
            p.factors[l] = factor if l not in p.factors else p.factors[l] * factor
        p.a[l] = a
        if not keep and l > first:
            p.z[l - 1] = p.a[l - 1] = None
        z = None
    return p


def layer_input(module, x: torch.Tensor, layer: int) -> torch.Tensor:
    """What `layer` multiplies (n, width of layer - 1) for raw inputs x: the standardised
    input for layer 0, else the activations of the layer below (only those layers run)."""
    if layer == 0:
        return standardize(module, x)
    return run(module, x, stop=("a", layer - 1), keep=False).a[layer - 1]


# ---------------------------------------------------------------- backward
def pull_back(module, p: Pass, G: torch.Tensor, layer: int, pre: bool, to=INPUT,
              collect: list | None = None) -> torch.Tensor:
    """Carry G = d f / d (layer's z or a) back to `to`, through the values of pass `p`.

    Parameters
    ----------
    module : DenseModule
    p : Pass
        A run that kept the values of the layers between `to` and `layer`.
    G : tensor of shape (n, ..., width of `layer`)
        Any number of rows per example (units, classes, samples) between n and the width.
    layer : int
    pre : bool
        G is with respect to the layer's pre-activation z (True) or its activation a.
    to : "input", ("z", k) or ("a", k), default="input"
        "input" is the raw input (the standardisation included).
    collect : list, optional
        Receives (l, d f / d z_l) for every layer passed, from `layer` down.

    Returns
    -------
    tensor of shape (n, ..., width at `to`)
    """
    kind, k = (("a", -1) if to == INPUT else to)
    if (kind, k) == ("a", layer) and not pre:
        return G
    if not pre:
        G = _through_activation(module, p, G, layer)
    l = layer
    while True:
        if collect is not None:
            collect.append((l, G))
        if kind == "z" and l == k:
            return G
        if l == 0 and to == INPUT:  # raw inputs: the standardisation folded into W_0
            return G @ input_weights(module)
        G = G @ module.linears[l].weight  # d / d a_{l-1}: (n, ..., width_{l-1})
        l -= 1
        if kind == "a" and l == k:
            return G
        G = _through_activation(module, p, G, l)


def _through_activation(module, p: Pass, G: torch.Tensor, l: int) -> torch.Tensor:
    """d f / d a_l -> d f / d z_l, through any intervention and the activation."""
    name, a = module.activations[l], p.unchanged.get(l, p.a[l])
    if name == "softmax":  # d p_i / d z_j = p_i (delta_ij - p_j); never intervened on
        s = _rows(a, G)
        return s * (G - (G * s).sum(-1, keepdim=True))
    G = G * _rows(activation_derivative(name, p.z[l], a), G)
    if l in p.factors:  # f' first, then the intervention's factor: training's dropout order
        G = G * _rows(p.factors[l], G)
    return G


def _rows(t: torch.Tensor, G: torch.Tensor) -> torch.Tensor:
    """(n, width) -> broadcastable against G (n, ..., width)."""
    return t if G.dim() == 2 else t.reshape(t.shape[0], *([1] * (G.dim() - 2)), t.shape[1])


def loss_gradient(output_activation: str, z: torch.Tensor, a: torch.Tensor,
                  target: torch.Tensor, loss: str, per: float = 1) -> torch.Tensor:
    """d loss / d z of the output layer, (n, n_out), the residual divided by `per` first.

    target : (n, n_out) one-hot classes (or p(class 1) for one sigmoid unit) or values.
    loss : "cross-entropy" (softmax + NLL, or sigmoid + binary CE summed over outputs),
    "quadratic" (0.5 ||a - t||^2) or "mse" (mean over outputs of (a - t)^2).
    """
    if loss == "cross-entropy" and output_activation in ("softmax", "sigmoid"):
        return (a - target) / per
    if loss == "quadratic":
        g = (a - target) / per
    else:
        g = 2 * (a - target) / (per * a.shape[1])
    if output_activation == "softmax":  # g J_softmax, J = diag(p) - p p^T
        return a * (g - (g * a).sum(dim=1, keepdim=True))
    return g * activation_derivative(output_activation, z, a)


# ---------------------------------------------------------------- weights
def input_weights(module, dtype: torch.dtype | None = None) -> torch.Tensor:
    """W_0 / scale (h, d): layer 0's weights acting on raw inputs (the standardisation
    folded in), so that d z_0 = d x @ W.T; computed in `dtype` (default: the model's)."""
    W, scale = module.linears[0].weight, module.scale
    if dtype is not None:
        W, scale = W.to(dtype), scale.to(dtype)
    return W / scale


def column_weights(module, layer) -> torch.Tensor:
    """Rows (width of `layer`, width of layer + 1): how each unit of `layer` (or each raw
    input, layer="input") moves the next pre-activation per unit of change."""
    if layer == INPUT:
        return input_weights(module).T.contiguous()
    return module.linears[layer + 1].weight.T.contiguous()


def shift(z: torch.Tensor, dA: torch.Tensor, rows: torch.Tensor, *,
          inplace: bool = False) -> torch.Tensor:
    """The next pre-activation after a low-rank change: z + dA @ rows.

    z : (n, h); dA : (n, k) changes of k columns; rows : (k, h), those columns' rows of
    `column_weights`, or for k = 1 one row per example (n, h). A rank-one change is an
    elementwise multiply-add, not a product. `inplace` overwrites z (a fresh copy).
    """
    if dA.shape[-1] == 1:
        return z.addcmul_(dA, rows) if inplace else torch.addcmul(z, dA, rows)
    return z.add_(dA @ rows) if inplace else z + dA @ rows


def linear_chain(module, top: int, bottom: int) -> torch.Tensor:
    """W_top @ ... @ W_bottom in float64, (width_top, width_{bottom-1}); the identity
    (width_top, width_top) when bottom > top. Activations and biases are ignored."""
    linears = module.linears
    if bottom > top:
        return torch.eye(linears[top].weight.shape[0], dtype=torch.float64)
    W = linears[top].weight.detach().double()
    for l in range(top - 1, bottom - 1, -1):
        W = W @ linears[l].weight.detach().double()  # the narrow side first
    return W
