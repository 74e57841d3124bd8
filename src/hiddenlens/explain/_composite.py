"""Composite weights: what a deeper unit (or an output) looks for in input space."""

from __future__ import annotations

import contextlib

import numpy as np
import torch

from hiddenlens._validation import check_choice, check_layer
from hiddenlens.explain._jacobian import iter_layer_jacobian, mean_jacobian
from hiddenlens.net import DenseNet, activation_derivative, apply_activation


def composite_weights(net: DenseNet, layer: int = -1, method: str = "linear", X=None,
                      y=None, per_class: bool = False,
                      pre_activation: bool = True) -> np.ndarray:
    """Each unit of `layer` as a map over the inputs (10 x 784 for MNIST outputs).

    Parameters
    ----------
    net : DenseNet
    layer : int, default=-1
        Any layer; the output by default.
    method : {"linear", "jacobian"}, default="linear"
        - "linear": the product of the raw weight matrices,
          ``weights[layer] @ ... @ weights[0]``, as the seed article does (but on the raw
          weights, not weights first stretched to 0..255). Biases and activations are
          ignored, so this is exact only for a network with linear activations; for a
          standardised (tabular) model it is in standardised input units.
        - "jacobian": the derivative of each unit with respect to the raw input, averaged over
          the examples `X`. It accounts for the nonlinearities (saturated sigmoids, dead relus)
          where they actually are on the data.
    X : array of shape (n, n_inputs)
        The data to average over; required for "jacobian".
    y : array of shape (n,), optional
        Labels; with ``per_class=True`` each class gets its own average.
    per_class : bool, default=False
    pre_activation : bool, default=True
        For "jacobian": differentiate the unit's pre-activation z (the logit of an output), so
        the map is comparable with "linear"; False differentiates f(z) (e.g. the softmax
        probability).

    Returns
    -------
    ndarray of shape (n_units, n_inputs), or (n_classes, n_units, n_inputs) with
    ``per_class=True``.
    """
    idx = check_layer(net, layer)
    check_choice(method, "method", ("linear", "jacobian"))
    if method == "linear":
        if per_class:
            raise ValueError("`per_class` needs method='jacobian'; the linear product does "
                             "not depend on the data.")
        return _linear_product(net, idx)
    if X is None:
        raise ValueError("method='jacobian' needs data `X` to average the Jacobian over, "
                         "e.g. X=dataset.X_test[:1000].")
    if per_class:
        if y is None:
            raise ValueError("`per_class=True` needs labels `y`, one per row of `X`.")
        y = np.asarray(y, dtype=np.int64)
        if len(y) != len(net.tensor(X)):
            raise ValueError(f"`y` has {len(y)} labels but `X` has {len(net.tensor(X))} rows.")
        return _mean_input_jacobian(net, X, idx, pre_activation, y,
                                    net.n_classes or int(y.max()) + 1)
    return _mean_input_jacobian(net, X, idx, pre_activation)


@contextlib.contextmanager
def _one_thread():
    """Small products run fastest on one thread: spreading them costs more than it saves,
    and far more on a loaded machine (70 ms on two busy cores against 0.6 ms on one)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _linear_product(net: DenseNet, idx: int) -> np.ndarray:
    """weights[idx] @ ... @ weights[0] in float64, (n_units, n_inputs) in the model's dtype."""
    linears = net.module.linears
    with torch.no_grad(), _one_thread():
        W = linears[idx].weight.detach().double()
        for l in range(idx - 1, -1, -1):
            W = W @ linears[l].weight.double()  # (n_units, sizes[l]): the narrow side first
    return W.numpy().astype(net.dtype_name)  # a copy, never the parameter itself


def _mean_input_jacobian(net: DenseNet, X, idx: int, pre_activation: bool, y=None,
                         n_classes: int | None = None) -> np.ndarray:
    """mean_n d unit / d x, (n_units, n_inputs), or (n_classes, n_units, n_inputs) with y.

    The last factor of the chain, W_0 / scale, does not depend on the example, so the mean
    is taken over d unit / d z_0 (n, n_units, width_0) and multiplied by W_0 once: for
    784-512-256-10 this skips the largest product, (10 x 512) @ (512 x 784), per example.
    """
    if idx == 0:  # nothing to factor out: the primitive's own mean
        return mean_jacobian(net, X, 0, pre_activation=pre_activation, y=y,
                             n_classes=n_classes)
    Xt = net.tensor(X)
    if not len(Xt):
        raise ValueError("`X` must hold at least one example. Got 0 instead.")
    k = n_classes if y is not None else 1
    total = torch.zeros(k, net.sizes[idx + 1], net.sizes[1], dtype=torch.float64)
    counts = np.zeros(k)
    first, act0 = net.module.linears[0], net.activations[0]
    for start, J in iter_layer_jacobian(net, Xt, idx, wrt=0, pre_activation=pre_activation):
        with torch.no_grad():  # J: (rows, n_units, width_0) = d unit / d a_0
            z0 = first(net.module.standardize(Xt[start : start + len(J)]))
            G = J * activation_derivative(act0, z0, apply_activation(act0, z0))[:, None, :]
        labels = (torch.zeros(len(J), dtype=torch.int64) if y is None
                  else torch.as_tensor(y[start : start + len(J)]))
        total.index_add_(0, labels, G.double())
        counts += np.bincount(labels.numpy(), minlength=k)
    with torch.no_grad():
        W0 = first.weight.detach().double() / net.module.scale.double()  # (width_0, n_in)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / torch.as_tensor(counts)[:, None, None]  # NaN for an empty class
        out = (mean @ W0).numpy()
    return out[0] if y is None else out
