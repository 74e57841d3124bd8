"""Activation patching: run one input with some units' values taken from another input.

`patch` runs X_dest through the chain with an `Intervention` that replaces the chosen units of
a layer by their values on X_source (row i from row i). `patch_effect` patches every unit of a
layer alone, for one pair of inputs, on the low-rank update (`_replacement.py`): which units
carry the difference between this 3 and this 8.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hiddenlens import _chain as chain
from hiddenlens._validation import check_hidden_layer
from hiddenlens.explain._labels import class_names, output_names
from hiddenlens.explain._replacement import Replacement, _entries
from hiddenlens.explain._targets import ROWS_PER_CHUNK
from hiddenlens.net import DenseNet


def patch(net: DenseNet, X_source, X_dest, layer: int, units=None, *,
          pre_activation: bool = False) -> np.ndarray:
    """The outputs of X_dest when units of `layer` take their values from X_source.

    Parameters
    ----------
    net : DenseNet
    X_source, X_dest : array of shape (n, n_inputs)
        Paired row by row: example i of X_dest gets the units' values of example i of
        X_source.
    layer : int
        A hidden layer.
    units : int or sequence of int, optional
        The units patched together. Default: every unit of the layer (the outputs are then
        X_source's own, exactly).
    pre_activation : bool, default=False
        Return the output layer's pre-activation (logits) instead of its activation.

    Returns
    -------
    ndarray of shape (n, n_outputs)
    """
    idx = check_hidden_layer(net, layer)
    S, D = net.tensor(X_source), net.tensor(X_dest)
    if len(S) != len(D):
        raise ValueError(f"`X_source` and `X_dest` must hold the same number of examples (row "
                         f"i of one is patched into row i of the other). Got {len(S)} and "
                         f"{len(D)} instead.")
    cols = None if units is None else torch.as_tensor(
        _entries([units] if np.ndim(units) == 0 else [list(units)], "units", idx,
                 net.sizes[idx + 1])[0])
    L = net.n_layers - 1
    out = np.empty((len(D), net.n_outputs), dtype=net.dtype_name)
    with torch.no_grad():
        for i in range(0, len(D), ROWS_PER_CHUNK):
            a = chain.run(net.module, S[i : i + ROWS_PER_CHUNK], stop=("a", idx),
                          keep=False).a[idx]
            value = a if cols is None else a[:, cols]  # (rows, k)
            iv = chain.Intervention(idx, cols, "replace", value)
            p = chain.run(net.module, D[i : i + ROWS_PER_CHUNK], interventions=[iv],
                          keep=False)
            out[i : i + len(a)] = p.value(L, pre_activation).numpy()
    return out


@dataclass
class PatchEffect:
    """How far patching each unit alone moves the destination toward the source.

    The measure is the logit difference m = logit[source_class] - logit[dest_class] (for one
    sigmoid output, the logit with the sign of class 1 against class 0).

    Attributes
    ----------
    layer : int
    source_class, dest_class : int
        The classes the network predicts for the two inputs.
    source_difference, dest_difference : float
        m on the source input (> 0) and on the destination input (< 0).
    difference : ndarray of shape (n_units,)
        m on the destination with unit j patched from the source.
    effect : ndarray of shape (n_units,)
        (difference - dest_difference) / (source_difference - dest_difference): 0 leaves the
        destination as it was, 1 moves it all the way to the source's margin, negative moves
        it away; the effects do not add up to 1 in general (the network is not linear).
    predicted : ndarray of shape (n_units,), int64
        The class predicted after patching unit j.
    outputs : ndarray of shape (n_units, n_outputs)
        The output activations after patching unit j.
    source_output, dest_output : ndarray of shape (n_outputs,)
    class_names, output_names : list of str
    """

    layer: int
    source_class: int
    dest_class: int
    source_difference: float
    dest_difference: float
    difference: np.ndarray
    effect: np.ndarray
    predicted: np.ndarray
    outputs: np.ndarray
    source_output: np.ndarray
    dest_output: np.ndarray
    class_names: list
    output_names: list

    @property
    def ranking(self) -> np.ndarray:
        """Units from the largest effect to the smallest (ties: lower unit first)."""
        return np.argsort(-self.effect, kind="stable")

    def to_frame(self):
        """One row per unit: unit, effect, difference, predicted (class name), flips."""
        import pandas as pd

        return pd.DataFrame({
            "unit": np.arange(len(self.effect)), "effect": self.effect,
            "difference": self.difference,
            "predicted": [self.class_names[c] for c in self.predicted],
            "flips": self.predicted == self.source_class,
        })


def patch_effect(net: DenseNet, x_source, x_dest, layer: int) -> PatchEffect:
    """For every unit of a layer, how much patching it alone from x_source moves x_dest.

    Parameters
    ----------
    net : DenseNet
        A classifier.
    x_source, x_dest : array of shape (n_inputs,) or (1, n_inputs)
        Two inputs the network assigns to different classes (a 3 and an 8).
    layer : int
        A hidden layer.

    Returns
    -------
    PatchEffect
        `effect` (n_units,): 0 no move, 1 all the way to the source's logit difference.
    """
    idx = check_hidden_layer(net, layer)
    if net.task != "classification":
        raise ValueError("patch_effect measures the move from one predicted class to another, "
                         "so `net` must be a classifier. Got a regressor instead; compare "
                         "`patch` outputs directly.")
    xs, xd = (_one_input(net, v, name) for v, name in ((x_source, "x_source"),
                                                       (x_dest, "x_dest")))
    rep = Replacement(net, torch.cat([xd, xs]), idx)  # row 0 the destination, row 1 the source
    zs, zd = rep.base_logits[1], rep.base_logits[0]
    cs, cd = _predicted(net, zs[None])[0], _predicted(net, zd[None])[0]
    if cs == cd:
        names = class_names(net)
        raise ValueError(f"`x_source` and `x_dest` must be predicted as different classes "
                         f"(patch_effect measures the move from one to the other). Got both "
                         f"predicted as {names[cs]} instead.")
    h = net.sizes[idx + 1]
    logits, output = _each_unit_patched(rep, h)
    ms, md, m = (_margin(z, cs, cd) for z in (zs[None], zd[None], logits))
    effect = (m - md[0]) / (ms[0] - md[0])
    return PatchEffect(
        layer=idx, source_class=cs, dest_class=cd, source_difference=float(ms[0]),
        dest_difference=float(md[0]), difference=m, effect=effect,
        predicted=_predicted(net, logits), outputs=output.numpy(),
        source_output=rep.base_output[1].numpy(), dest_output=rep.base_output[0].numpy(),
        class_names=class_names(net), output_names=output_names(net),
    )


def _one_input(net: DenseNet, x, name: str) -> torch.Tensor:
    x = np.asarray(x)
    if x.ndim == 2 and x.shape[0] != 1 and x.size == net.n_inputs:  # one image (28, 28)
        x = x.reshape(1, -1)
    t = net.tensor(x)
    if len(t) != 1:
        raise ValueError(f"`{name}` must be one input, ({net.n_inputs},). Got {len(t)} "
                         "examples instead; use `patch` for many pairs.")
    return t


def _each_unit_patched(rep: Replacement, h: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits and outputs (h, n_outputs) of the destination (row 0) with unit j patched."""
    V = rep.a[1:2].expand(2, -1)  # (2, h): every row takes the source's values
    logits, output = [], []
    for i in range(0, h, rep.block()):
        cols = torch.arange(i, min(i + rep.block(), h))[:, None]  # (B, 1)
        zl, out = rep.replaced(cols, V)  # (B, 2, n_outputs); row 1 is the source itself
        logits.append(zl[:, 0])
        output.append(out[:, 0])
    return torch.cat(logits), torch.cat(output)


def _margin(z: torch.Tensor, cs: int, cd: int) -> np.ndarray:
    """logit[cs] - logit[cd] for (m, n_outputs) logits; one sigmoid output: +-z."""
    z = z.double().numpy()
    if z.shape[1] == 1:
        return z[:, 0] * (1 if cs == 1 else -1)
    return z[:, cs] - z[:, cd]


def _predicted(net: DenseNet, z: torch.Tensor) -> np.ndarray:
    """Predicted classes (m,) from logits (m, n_outputs): argmax, or z > 0 for one sigmoid."""
    if net.n_outputs == 1:
        return (z[:, 0] > 0).numpy().astype(np.int64)
    return z.argmax(1).numpy().astype(np.int64)
