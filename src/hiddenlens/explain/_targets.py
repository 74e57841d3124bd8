"""What an attribution explains: one unit per example, and the closed-form gradient to it.

A target is a class index for every example, one class index per example, or any unit
`(layer, unit)` of the network. For an output unit the default is its pre-activation (the
logit, which is what Captum users get from a model without its softmax); `pre_activation=False`
differentiates the probability. Hidden units are differentiated at their activation unless
`pre_activation=True`.
"""

from __future__ import annotations

import numpy as np
import torch

from hiddenlens import _chain as chain
from hiddenlens._validation import check_layer, check_unit
from hiddenlens.net import DenseNet

ROWS_PER_CHUNK = 4096


def resolve_target(net: DenseNet, X: torch.Tensor, target, pre_activation: bool | None):
    """Return (layer, units (n,) int64 tensor, pre_activation) for a target specification.

    target : None (the predicted class, or output 0 of a regressor), int (a class for every
    example), array of n ints (one per example) or a tuple (layer, unit).
    """
    n, out = len(X), net.n_layers - 1
    if isinstance(target, tuple):
        if len(target) != 2:
            raise ValueError(f"`target` as a tuple must be (layer, unit). Got {target!r} instead.")
        layer = check_layer(net, target[0])
        units = np.full(n, check_unit(net, target[0], target[1]))
    elif target is None:
        layer = out
        units = _predicted_units(net, X)
    else:
        layer = out
        units = _class_units(net, target, n)
    if pre_activation is None:
        pre_activation = layer == out
    return layer, torch.as_tensor(units, dtype=torch.int64), bool(pre_activation)


def _predicted_units(net: DenseNet, X: torch.Tensor) -> np.ndarray:
    if net.n_outputs == 1:
        return np.zeros(len(X), dtype=np.int64)
    with torch.no_grad():
        return np.concatenate([net.module.logits(X[i : i + ROWS_PER_CHUNK]).argmax(1).numpy()
                               for i in range(0, len(X), ROWS_PER_CHUNK)] or [np.zeros(0, int)])


def _class_units(net: DenseNet, target, n: int) -> np.ndarray:
    arr = np.asarray(target)
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"`target` must be a class index, one class index per example, or (layer, unit). "
            f"Got {target!r} instead."
        )
    if arr.ndim == 0:
        arr = np.full(n, int(arr))
    elif arr.shape != (n,):
        raise ValueError(
            f"`target` must hold one class index per example ({n}). Got shape {arr.shape} "
            "instead."
        )
    k = net.n_outputs
    bad = arr[(arr < 0) | (arr >= k)]
    if bad.size:
        raise ValueError(
            f"`target` must be a class index in 0..{k - 1} for this {net.describe_sizes()} "
            f"network. Got {int(bad[0])} instead."
        )
    return arr.astype(np.int64)


def one_hot(units: torch.Tensor, width: int, dtype) -> torch.Tensor:
    """(n,) unit indices -> (n, 1, width) rows selecting one unit each."""
    G = torch.zeros(len(units), 1, width, dtype=dtype)
    G[torch.arange(len(units)), 0, units] = 1
    return G


def z0_of(net: DenseNet, X: torch.Tensor) -> torch.Tensor:
    """Layer 0's pre-activation (n, h) for raw inputs."""
    with torch.no_grad():
        return chain.run(net.module, X, stop=("z", 0)).z[0]


def from_z0(net: DenseNet, z0: torch.Tensor) -> chain.Pass:
    """The chain run on from layer 0's pre-activation (n, h), every layer kept."""
    return chain.run(net.module, z0, start=("z", 0))


def unit_value(p: chain.Pass, layer: int, units: torch.Tensor, pre: bool) -> torch.Tensor:
    """The target unit's value (n,) for each example."""
    return p.value(layer, pre).gather(1, units[:, None])[:, 0]


def grad_z0(net: DenseNet, p: chain.Pass, G: torch.Tensor, layer: int, pre: bool) -> torch.Tensor:
    """d target / d z0 (n, h) from G (n, 1, width of `layer`)."""
    return chain.pull_back(net.module, p, G, layer, pre, to=("z", 0))[:, 0, :]


def input_gradient(net: DenseNet, X: torch.Tensor, layer: int, units: torch.Tensor,
                   pre: bool) -> np.ndarray:
    """d target / d input (n, d) for one unit per example, in chunks of rows."""
    out = np.empty(tuple(X.shape), dtype=net.dtype_name)
    with torch.no_grad():
        for i in range(0, len(X), ROWS_PER_CHUNK):
            p = chain.run(net.module, X[i : i + ROWS_PER_CHUNK], stop=("z" if pre else "a",
                                                                      layer))
            G = one_hot(units[i : i + ROWS_PER_CHUNK], net.sizes[layer + 1], X.dtype)
            out[i : i + len(G)] = chain.pull_back(net.module, p, G, layer, pre)[:, 0].numpy()
    return out
