"""Contribution maps: input * weight, the terms that add up to a unit's pre-activation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hiddenlens._validation import check_layer, check_unit
from hiddenlens.net import DenseNet


@dataclass
class ContributionMap:
    """How each input of a unit pushes its pre-activation up or down, for one example.

    ``contributions.sum() + bias == pre_activation`` (up to float rounding).

    Attributes
    ----------
    contributions : ndarray of shape (n_in,)
        inputs * weights: the seeds' ``x * weights[0][j]`` (element by element).
    inputs : ndarray of shape (n_in,)
        What the unit multiplies: the (standardised) input for layer 0, the previous layer's
        activations otherwise.
    weights : ndarray of shape (n_in,)
        ``net.weights[layer][unit]``.
    bias, pre_activation, activation : float
        The unit's bias, z = sum + bias and f(z).
    layer, unit : int
    raw_inputs : ndarray of shape (n_in,) or None
        The example as given, before the model's standardisation: for layer 0 of a model that
        standardises its inputs (`inputs` then differs from it); None otherwise.
    """

    contributions: np.ndarray
    inputs: np.ndarray
    weights: np.ndarray
    bias: float
    pre_activation: float
    activation: float
    layer: int
    unit: int
    raw_inputs: np.ndarray | None = None

    @property
    def total(self) -> float:
        """sum(contributions) + bias, computed in float64."""
        return float(self.contributions.astype(np.float64).sum() + self.bias)


def contribution_map(net: DenseNet, x, layer: int, unit: int) -> ContributionMap:
    """The element-by-element product of one input and one unit's incoming weights.

    Parameters
    ----------
    net : DenseNet
    x : array of shape (n_inputs,) or (1, n_inputs)
        One example, raw (as given to the network).
    layer : int
        0 multiplies the input itself (a 28x28 map for images); a deeper layer multiplies the
        previous layer's activations.
    unit : int
        The unit of `layer`.

    Returns
    -------
    ContributionMap
    """
    idx = check_layer(net, layer)
    unit = check_unit(net, layer, unit)
    X = net.tensor(x)
    if len(X) != 1:
        raise ValueError(f"`x` must be one example. Got {len(X)} examples instead.")
    trace = net.trace(X)
    inputs = trace.input[0] if idx == 0 else trace.activations[idx - 1][0]  # (n_in,)
    w = np.array(net.weights[idx][unit])
    return ContributionMap(
        contributions=inputs * w, inputs=np.array(inputs), weights=w,
        bias=float(net.biases[idx][unit]),
        pre_activation=float(trace.pre_activations[idx][0, unit]),
        activation=float(trace.activations[idx][0, unit]), layer=idx, unit=unit,
        raw_inputs=X[0].numpy().copy() if idx == 0 and net.preprocessing is not None else None,
    )
