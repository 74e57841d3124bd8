"""Model files: hiddenlens' own format, and importers of other frameworks' networks."""

from __future__ import annotations

import os
from pathlib import Path

from hiddenlens.io._arrays import from_arrays
from hiddenlens.io._formats import sniff
from hiddenlens.io._keras import from_keras, keras_from_bytes
from hiddenlens.io._native import native_from_bytes, save_model
from hiddenlens.io._nielsen import from_nielsen, nielsen_from_dict
from hiddenlens.io._npz import from_npz, npz_from_bytes
from hiddenlens.io._onnx import from_onnx, onnx_from_bytes, to_onnx
from hiddenlens.io._read import MAX_MODEL_BYTES, MODEL_LIMIT_HINT, parse_json, read_file
from hiddenlens.io._safetensors import from_safetensors, state_dict_from_bytes
from hiddenlens.io._sklearn import from_sklearn
from hiddenlens.io._torch import from_torch
from hiddenlens.io._zip import read_members, zip_names

__all__ = ["load_model", "save_model", "sniff", "from_arrays", "from_keras", "from_nielsen",
           "from_npz", "from_onnx", "from_safetensors", "from_sklearn", "from_torch", "to_onnx",
           "FORMAT_NAMES", "MAX_MODEL_BYTES"]

FORMAT_NAMES = {
    "hiddenlens": "hiddenlens model", "keras-zip": "Keras .keras file",
    "hdf5": "Keras .h5 file", "json": "network2.py JSON file", "onnx": "ONNX model",
    "npz": "NumPy .npz archive", "safetensors": "safetensors state dict",
}
METADATA_OPTIONS = ("output_activation", "class_names", "feature_names", "image_shape", "task")
PICKLE_ADVICE = (
    "which hiddenlens never loads because unpickling runs whatever code the file names; "
    "export the network instead as a Keras (.keras/.h5), ONNX or network2.py JSON file, or "
    "as arrays with numpy.savez, or pass the live object to hiddenlens.from_torch, "
    "from_sklearn or from_arrays"
)


def load_model(path: str | os.PathLike, *, max_bytes: int | None = None, **options):
    """Load a DenseNet from any model file hiddenlens reads, recognising it by content.

    Parameters
    ----------
    path : path
        One of: a hiddenlens model (``DenseNet.save``: safetensors + JSON), a Keras
        ``.keras`` or legacy ``.h5`` file, a network2.py JSON file, an ONNX model, or an
        ``.npz`` of weight arrays (see `from_npz`), or a safetensors PyTorch state dict (see
        `from_safetensors`). The extension does not matter.
        Pickles (``.pkl``, ``.pt`` from torch.save, joblib files) are refused: unpickling can
        run any code. It must be a regular file: a folder, FIFO, device or socket is refused.
    max_bytes : int, default=1_000_000_000
        The largest file to read, and the most bytes a zip container (.keras, .npz) may
        inflate to; larger files are refused before they are read (`MAX_MODEL_BYTES`).
    **options
        For imported formats only: ``output_activation="softmax"`` puts a softmax (or
        sigmoid) on a network that ends in logits; class_names, feature_names, image_shape,
        task; and for an .npz or a state dict, ``activation`` (and ``orientation`` for an
        .npz).

    Returns
    -------
    DenseNet
    """
    data = read_file(path, max_bytes=max_bytes)
    path = Path(path)
    kind = sniff(data)
    _check_options(options, kind, path)
    if kind == "hiddenlens":
        return native_from_bytes(data, path)
    if kind in ("keras-zip", "hdf5"):
        return keras_from_bytes(data, path, max_bytes, **options)
    if kind == "json":
        return _from_json(data, path, options)
    if kind == "onnx":
        return onnx_from_bytes(data, path, max_bytes, **options)
    if kind == "npz":
        return npz_from_bytes(data, path, max_bytes, **options)
    if kind == "safetensors":
        return state_dict_from_bytes(data, path, **options)
    if kind == "zip":  # too many members, or damaged: said by the reader
        read_members(data, path, (), max_bytes or MAX_MODEL_BYTES, MODEL_LIMIT_HINT)
    raise ValueError(_refusal(kind, data, path))


def _check_options(options: dict, kind: str, path) -> None:
    arrays = {"npz": {"activation", "orientation"}, "safetensors": {"activation"}}
    allowed = set(METADATA_OPTIONS) | arrays.get(kind, set())
    if kind == "hiddenlens" and options:
        raise ValueError(
            f"{path} is a hiddenlens model, which carries its own settings; the options "
            f"{', '.join(sorted(options))} are for importing other formats."
        )
    unknown = sorted(set(options) - allowed)
    if unknown:
        what = FORMAT_NAMES.get(kind, "file")
        raise ValueError(
            f"{', '.join(unknown)} cannot be set when loading {path}, a {what}; the options "
            f"are {', '.join(sorted(allowed))}" + ("." if kind in arrays else
                                                  " (activation only for files of arrays).")
        )


def describe_format(path: str | os.PathLike, max_bytes: int | None = None) -> str:
    """A few words naming the format of the model file at `path` ("Keras .keras file")."""
    return FORMAT_NAMES.get(sniff(read_file(path, max_bytes=max_bytes)), "file")


def _from_json(data: bytes, path, options: dict):
    doc = parse_json(data, path, "network2.py JSON file",
                     f"{path} starts like JSON but does not parse; it is truncated or damaged.")
    if isinstance(doc, dict) and "class_name" in doc and "config" in doc:
        raise ValueError(
            f"{path} holds a Keras architecture (model.to_json()) but no weights; save the "
            "whole model with model.save('model.keras') and import that."
        )
    return nielsen_from_dict(doc, path, **options)


def _refusal(kind: str, data: bytes, path) -> str:
    """The sentence explaining why the file at `path` is not imported."""
    if kind == "pickle":
        return f"{path} is a Python pickle, {PICKLE_ADVICE}."
    if kind == "torch-zip":
        return (
            f"{path} was written by torch.save and holds a pickle, {PICKLE_ADVICE} (e.g. "
            "rebuild the nn.Sequential, load the state dict yourself with torch.load(..., "
            "weights_only=True) and call hiddenlens.from_torch)."
        )
    if kind == "gzip-pickle":
        return (
            f"{path} is a gzip-compressed Python pickle, {PICKLE_ADVICE}. If it is Nielsen's "
            "mnist.pkl.gz, it is a data set, not a model: pass it with --data."
        )
    if kind == "zip":
        names = zip_names(data)
        if names is None:
            return f"{path} is a truncated or damaged zip archive; save the model again."
        listed = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        return (
            f"{path} is a zip archive but not a Keras file: a .keras file holds config.json "
            f"and model.weights.h5, this one holds {listed or 'nothing'}."
        )
    if Path(path).suffix.lower() == ".onnx":
        return f"{path} is truncated or is not an ONNX model; it cannot be read."
    return (
        f"{path} is not a model file hiddenlens can read: it is none of a hiddenlens model, "
        "a Keras .keras/.h5 file, a network2.py JSON file, an ONNX model or an .npz of "
        "weights (is it truncated?)."
    )
