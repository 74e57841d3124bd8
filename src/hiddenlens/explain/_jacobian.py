"""Closed-form Jacobians of a dense network, batched over examples and units.

For a dense net a_l = f_l(z_l), z_l = a_{l-1} @ W_l.T + b_l, so the derivative of units of layer
L with respect to the activations of layer k < L is a product of weight matrices and activation
derivatives:

    d a_L / d a_k = f_L'(z_L) W_L f_{L-1}'(z_{L-1}) W_{L-1} ... f_{k+1}'(z_{k+1}) W_{k+1}

and with respect to the raw input one more factor, W_0 / scale (the model's standardisation).
One forward pass and a few batched matrix products replace one backward pass per unit; both
are the dense chain's (`hiddenlens._chain`), this module chunks the rows and averages.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch

from hiddenlens import _chain as chain
from hiddenlens._validation import check_layer
from hiddenlens.net import DenseNet

MAX_CHUNK_ELEMENTS = 2**25  # (rows * units * widest layer) per chunk: ~128 MB in float32


def _wrt_index(net: DenseNet, wrt, layer: int) -> int:
    """-1 for the input, else the non-negative index of an earlier layer."""
    if wrt == "input":
        return -1
    k = check_layer(net, wrt)
    if k >= layer:
        raise ValueError(
            f"`wrt` must be 'input' or a layer before layer {layer} (0..{layer - 1}). "
            f"Got {wrt} instead."
        )
    return k


def wrt_point(k: int):
    """The chain's point for a `_wrt_index` result: the raw input or a layer's activation."""
    return chain.INPUT if k == -1 else ("a", k)


def _chunks(net: DenseNet, X: torch.Tensor, n_units: int) -> Iterator[tuple[int, torch.Tensor]]:
    rows = max(1, MAX_CHUNK_ELEMENTS // max(1, n_units * max(net.sizes)))
    for i in range(0, len(X), rows):
        yield i, X[i : i + rows]


def iter_layer_jacobian(
    net: DenseNet, X, layer: int, units: Sequence[int] | None = None, wrt="input",
    pre_activation: bool = False,
) -> Iterator[tuple[int, torch.Tensor]]:
    """Yield (start row, J chunk of shape (rows, n_units, n_wrt)) for X in bounded memory."""
    L = check_layer(net, layer)
    to = wrt_point(_wrt_index(net, wrt, L))
    yield from iter_pulled(net, net.tensor(X), L, units, to, pre_activation)


def iter_pulled(net: DenseNet, X: torch.Tensor, L: int, units, to, pre_activation: bool):
    """(start row, d units of layer L / d `to` (rows, n_units, width at `to`)) by chunks;
    `to` is any point of the chain (the raw input, a layer's z or a)."""
    units = np.arange(net.sizes[L + 1]) if units is None else np.asarray(units, dtype=np.int64)
    with torch.no_grad():
        for start, batch in _chunks(net, X, len(units)):
            p = chain.run(net.module, batch, stop=("z" if pre_activation else "a", L))
            eye = torch.zeros(len(units), net.sizes[L + 1], dtype=batch.dtype)
            eye[torch.arange(len(units)), torch.as_tensor(units)] = 1
            G = eye.expand(len(batch), -1, -1)  # (rows, units, width_L)
            yield start, chain.pull_back(net.module, p, G, L, pre_activation, to)


def layer_jacobian(
    net: DenseNet, X, layer: int, units: Sequence[int] | None = None, wrt="input",
    pre_activation: bool = False,
) -> np.ndarray:
    """Derivatives of units of `layer` with respect to the input or an earlier layer.

    Parameters
    ----------
    net : DenseNet
    X : array of shape (n, n_inputs)
    layer : int
        The layer whose units are differentiated (0 = first hidden, -1 = output).
    units : sequence of int, optional
        Which units (default: all).
    wrt : "input" or int, default="input"
        Differentiate with respect to the raw input or the activations of an earlier layer.
    pre_activation : bool, default=False
        Differentiate z (the pre-activation, the logit for an output) instead of f(z).

    Returns
    -------
    ndarray of shape (n, n_units, n_wrt)
    """
    n_units = net.sizes[check_layer(net, layer) + 1] if units is None else len(units)
    chunks = [J.numpy() for _, J in iter_layer_jacobian(net, X, layer, units, wrt,
                                                          pre_activation)]
    if not chunks:
        return np.empty((0, n_units, 0), dtype=net.dtype_name)
    return np.concatenate(chunks)


def mean_jacobian(
    net: DenseNet, X, layer: int, units: Sequence[int] | None = None, wrt="input",
    pre_activation: bool = False, y=None, n_classes: int | None = None,
) -> np.ndarray:
    """The Jacobian averaged over examples, accumulated chunk by chunk.

    Returns
    -------
    ndarray of shape (n_units, n_wrt), or (n_classes, n_units, n_wrt) when labels `y` (n,)
    are given (the mean over the examples of each class; NaN for a class with none).
    """
    total, counts = None, None
    y = None if y is None else np.asarray(y, dtype=np.int64)
    k = n_classes or (int(y.max()) + 1 if y is not None and len(y) else 1)
    for start, J in iter_layer_jacobian(net, X, layer, units, wrt, pre_activation):
        J = J.double()
        if total is None:
            total = torch.zeros((k,) + tuple(J.shape[1:]), dtype=torch.float64)
            counts = np.zeros(k)
        if y is None:
            total[0] += J.sum(0)
            counts[0] += len(J)
        else:
            labels = torch.as_tensor(y[start : start + len(J)])
            total.index_add_(0, labels, J)
            counts += np.bincount(labels.numpy(), minlength=k)
    if total is None:
        raise ValueError("`X` must hold at least one example. Got 0 instead.")
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total.numpy() / counts[:, None, None]
    return mean[0] if y is None else mean
