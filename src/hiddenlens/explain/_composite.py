"""Composite weights: what a deeper unit (or an output) looks for in input space."""

from __future__ import annotations

import numpy as np

from hiddenlens._validation import check_choice, check_layer
from hiddenlens.explain._jacobian import mean_jacobian
from hiddenlens.net import DenseNet


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
        W = np.asarray(net.weights[idx], dtype=np.float64)
        for l in range(idx - 1, -1, -1):
            W = W @ net.weights[l]  # (n_units, sizes[l]) after each step
        return W.astype(net.dtype_name)
    if X is None:
        raise ValueError("method='jacobian' needs data `X` to average the Jacobian over, "
                         "e.g. X=dataset.X_test[:1000].")
    if per_class:
        if y is None:
            raise ValueError("`per_class=True` needs labels `y`, one per row of `X`.")
        y = np.asarray(y, dtype=np.int64)
        if len(y) != len(net.tensor(X)):
            raise ValueError(f"`y` has {len(y)} labels but `X` has {len(net.tensor(X))} rows.")
        return mean_jacobian(net, X, idx, pre_activation=pre_activation, y=y,
                             n_classes=net.n_classes or int(y.max()) + 1)
    return mean_jacobian(net, X, idx, pre_activation=pre_activation)
