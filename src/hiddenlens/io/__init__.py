"""Model files: hiddenlens' own format, and (see the importers) other frameworks' files."""

from __future__ import annotations

import os

from hiddenlens.io._formats import sniff
from hiddenlens.io._native import load_native, read_bytes, save_model

__all__ = ["load_model", "save_model", "sniff"]


def load_model(path: str | os.PathLike):
    """Load a DenseNet from a file, recognising its format by content.

    Parameters
    ----------
    path : path
        A model written by ``DenseNet.save`` (safetensors + JSON metadata).

    Returns
    -------
    DenseNet
    """
    data = read_bytes(path)
    kind = sniff(data)
    if kind == "hiddenlens":
        return load_native(path)
    if kind == "pickle":
        raise ValueError(
            f"{path} is a Python pickle, which hiddenlens never loads because unpickling can run "
            "any code; export the weights as arrays, a Keras/ONNX file or a hiddenlens model."
        )
    raise ValueError(
        f"{path} is not a model file hiddenlens can read (its content looks like: {kind})."
    )
