"""An .npz of weight arrays (``numpy.savez``) -> DenseNet, read without pickle."""

from __future__ import annotations

import re

import numpy as np

from hiddenlens.io._arrays import from_arrays, require_activations
from hiddenlens.io._read import MAX_MODEL_BYTES, MODEL_LIMIT_HINT, check_path, read_file
from hiddenlens.io._zip import npy_array, read_members

WEIGHT_KEY = re.compile(r"^(?:weights?|w|kernel)[._]?(\d+)$", re.IGNORECASE)
BIAS_KEY = re.compile(r"^(?:biases?|b|bias)[._]?(\d+)$", re.IGNORECASE)


def from_npz(path, *, activation=None, output_activation=None, orientation: str = "auto",
             **metadata):
    """Import weight arrays saved with ``numpy.savez``.

    Parameters
    ----------
    path : path
        An .npz holding ``weights_0, weights_1, ...`` and ``biases_0, ...`` (also accepted:
        ``w0``/``b0``, ``W_0``/``b_0``, ``kernel_0``/``bias_0``), and optionally string
        arrays ``activation`` and ``output_activation``, e.g.
        ``np.savez("net.npz", weights_0=w0, biases_0=b0, weights_1=w1, biases_1=b1,
        activation="sigmoid", output_activation="sigmoid")``.
    activation, output_activation : str, optional
        Override the file's. A file that does not record them is refused unless they are
        given (``activation`` only matters with a hidden layer), as for a safetensors state
        dict: nothing is assumed.
    orientation : {"auto", "out_in", "in_out"}, default="auto"
        See `from_arrays`.
    **metadata
        dtype, class_names, feature_names, image_shape, task.

    Returns
    -------
    DenseNet
    """
    path = check_path(path)
    return npz_from_bytes(read_file(path), path, activation=activation,
                          output_activation=output_activation,
                          orientation=orientation, **metadata)


def npz_from_bytes(data: bytes, path, max_bytes: int | None = None, activation=None,
                   output_activation=None, orientation: str = "auto", **metadata):
    """`from_npz` of the bytes of the file at `path`; inflating at most `max_bytes`."""
    members = read_members(data, path, None, max_bytes or MAX_MODEL_BYTES, MODEL_LIMIT_HINT)
    arrays = {name.removesuffix(".npy"): npy_array(raw, name, path)
              for name, raw in members.items() if name.endswith(".npy")}
    weights, biases = _numbered(arrays, WEIGHT_KEY), _numbered(arrays, BIAS_KEY)
    names = _numbered({k: k for k in arrays}, WEIGHT_KEY)
    if not weights or (biases and len(biases) != len(weights)):
        raise ValueError(
            f"{path} holds arrays {', '.join(sorted(arrays)) or 'none'}; name them weights_0, "
            "weights_1, ... and biases_0, biases_1, ... (one of each per layer) to import them."
        )
    activation = activation or _text(arrays, "activation", path)
    output_activation = output_activation or _text(arrays, "output_activation", path)
    require_activations(path, names, activation, output_activation)
    try:
        return from_arrays(weights, biases or None, activation=activation,
                           output_activation=output_activation, orientation=orientation,
                           **metadata)
    except (ValueError, TypeError) as exc:
        if str(path) in str(exc):
            raise
        text = str(exc)
        raise type(exc)(f"{path} holds arrays that do not make a network: "
                        f"{text[:1].lower() + text[1:]}") from None


def _numbered(arrays: dict, pattern: re.Pattern) -> list[np.ndarray]:
    found = {int(m.group(1)): a for k, a in arrays.items() if (m := pattern.match(k))}
    if sorted(found) != list(range(len(found))):  # a gap or a clash: layers would shift
        return []
    return [found[i] for i in sorted(found)]


def _text(arrays: dict, key: str, path):
    if key not in arrays:
        return None
    value = arrays[key]
    if value.dtype.kind != "U":
        raise ValueError(f"{path}'s `{key}` must be a string such as 'sigmoid'. Got {value!r}.")
    return str(value) if value.ndim == 0 else [str(v) for v in value]
