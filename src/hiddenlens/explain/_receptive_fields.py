"""Receptive fields: each unit's incoming weights."""

from __future__ import annotations

import numpy as np

from hiddenlens._validation import check_layer
from hiddenlens.net import DenseNet


def receptive_fields(net: DenseNet, layer: int = 0) -> np.ndarray:
    """The incoming weights of every unit of `layer`.

    Parameters
    ----------
    net : DenseNet
    layer : int, default=0
        0 is the first hidden layer (its fields live in input space: 784 pixels for MNIST);
        deeper layers' fields are over the previous layer's units.

    Returns
    -------
    ndarray of shape (n_units, n_inputs_of_layer)
        A copy of ``net.weights[layer]``.
    """
    return np.array(net.weights[check_layer(net, layer)])
