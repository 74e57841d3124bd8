"""A plain safetensors file of a PyTorch state dict ("0.weight", "0.bias", ...) -> DenseNet.

safetensors holds tensors and nothing that runs, but not the activations between them, so
those must be given.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from hiddenlens.io._arrays import from_arrays


def from_safetensors(path, *, activation=None, output_activation=None, **metadata):
    """Import the Linear layers of an nn.Sequential saved with ``safetensors.torch.save_file``.

    Parameters
    ----------
    path : path
        Tensors named ``<layer>.weight`` (n_out, n_in) and ``<layer>.bias``, in layer order
        by name (``0.``, ``2.``, ``10.`` or ``fc1.``, ``fc2.``).
    activation : str or sequence of str
        Hidden activation(s): the file does not say; required.
    output_activation : {"softmax", "sigmoid", "linear"}
        The output layer's activation; required.
    **metadata
        dtype, class_names, feature_names, image_shape, task.

    Returns
    -------
    DenseNet
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load

    from hiddenlens.io._native import read_bytes

    path = Path(path)
    try:
        tensors = load(read_bytes(path))
    except (SafetensorError, ValueError, TypeError) as exc:
        raise ValueError(f"{path} is a safetensors file numpy cannot read ({exc}).") from None
    layers = _layers(tensors, path)
    if activation is None or output_activation is None:
        raise ValueError(
            f"{path} holds the weights of {len(layers)} dense layers ("
            f"{', '.join(name for name, _, _ in layers)}) but not their activations; pass "
            "activation= and output_activation= (--activation and --output-activation on the "
            "command "
            "line)."
        )
    weights = [w for _, w, _ in layers]
    biases = [b if b is not None else np.zeros(w.shape[0], w.dtype) for _, w, b in layers]
    return from_arrays(weights, biases, activation=activation,
                       output_activation=output_activation, orientation="out_in", **metadata)


def _layers(tensors: dict, path) -> list[tuple[str, np.ndarray, np.ndarray | None]]:
    """(name, weight (n_out, n_in), bias (n_out,) or None) per layer, in natural name order."""
    prefixes = [k[: -len(".weight")] for k, v in tensors.items()
                if k.endswith(".weight") and v.ndim == 2]
    used = {f"{p}.weight" for p in prefixes} | {f"{p}.bias" for p in prefixes}
    other = sorted(set(tensors) - used)
    if other or not prefixes:
        raise ValueError(
            f"{path} is a safetensors file but not a hiddenlens-model file, nor a state dict "
            "of dense layers ('<layer>.weight' matrices and '<layer>.bias' vectors): it also "
            f"holds {', '.join(other[:5]) or 'no weight matrix'}."
        )
    prefixes.sort(key=lambda p: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p)])
    return [(p, tensors[f"{p}.weight"], tensors.get(f"{p}.bias")) for p in prefixes]
