"""Composite weights: what a deeper unit (or an output) looks for in input space."""

from __future__ import annotations

import numpy as np
import torch

from hiddenlens import _chain as chain
from hiddenlens._classes import label_indices
from hiddenlens._threads import torch_threads
from hiddenlens._validation import check_choice, check_layer
from hiddenlens.explain._jacobian import iter_pulled, mean_jacobian
from hiddenlens.net import DenseNet


def composite_weights(net: DenseNet, layer: int = -1, *, method: str = "linear", X=None,
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
          ``weights[layer] @ ... @ weights[0]``, as the seeds' article does (but on the raw
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
                         "e.g. X=data.X_test[:1000].")
    if per_class:
        if y is None:
            raise ValueError("`per_class=True` needs labels `y`, one per row of `X`.")
        y, n_classes = _check_labels(net, y, len(net.tensor(X)))
        return _mean_input_jacobian(net, X, idx, pre_activation, y, n_classes)
    return _mean_input_jacobian(net, X, idx, pre_activation)


def _check_labels(net: DenseNet, y, n: int) -> tuple[np.ndarray, int]:
    """Class indices (n,) int64 of the labels `y`, and n_classes (the net's; for a regressor,
    whose `y` are class indices >= 0, max + 1)."""
    y = np.asarray(y)
    if len(y) != n:
        raise ValueError(f"`y` has {len(y)} labels but `X` has {n} rows.")
    if net.task == "classification":
        return label_indices(net, y), net.n_classes
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise ValueError(f"`y` must hold integer class labels, one per row of `X`. Got an "
                         f"array of shape {y.shape} and dtype {y.dtype} instead.")
    if len(y) and y.min() < 0:
        raise ValueError(f"`y` must hold class labels >= 0. Got {int(y.min())} instead.")
    return y.astype(np.int64), int(y.max()) + 1 if len(y) else 1


def _linear_product(net: DenseNet, idx: int) -> np.ndarray:
    """weights[idx] @ ... @ weights[0] in float64, (n_units, n_inputs) in the model's dtype."""
    with torch.no_grad(), torch_threads(1):  # small products: one thread is fastest
        W = chain.linear_chain(net.module, idx, 0)
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
    for start, G in iter_pulled(net, Xt, idx, None, ("z", 0), pre_activation):
        labels = (torch.zeros(len(G), dtype=torch.int64) if y is None
                  else torch.as_tensor(y[start : start + len(G)]))
        total.index_add_(0, labels, G.double())
        counts += np.bincount(labels.numpy(), minlength=k)
    with torch.no_grad():
        W0 = chain.input_weights(net.module, torch.float64)  # (width_0, n_in)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / torch.as_tensor(counts)[:, None, None]  # NaN for an empty class
        out = (mean @ W0).numpy()
    return out[0] if y is None else out
