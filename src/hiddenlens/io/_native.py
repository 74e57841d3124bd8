"""hiddenlens' own model file: safetensors tensors with the JSON metadata in the header.

One file holds the weights (weights.<l>, biases.<l>, preprocessing.mean/scale) and, under the
header key "hiddenlens", a JSON document: sizes, activations, dtype, names, image shape,
data set, training history, versions and a SHA-256 of the tensors so an altered file is caught.
No pickle anywhere.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load as st_load
from safetensors.numpy import save as st_save

from hiddenlens._files import atomic_write_bytes
from hiddenlens._version import __version__

FORMAT = "hiddenlens-model"
FORMAT_VERSION = 2  # 2: the checksum covers the metadata too
METADATA_KEY = "hiddenlens"


def model_tensors(net) -> dict[str, np.ndarray]:
    tensors = {}
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        tensors[f"weights.{l}"] = np.ascontiguousarray(w)
        tensors[f"biases.{l}"] = np.ascontiguousarray(b)
    tensors["preprocessing.mean"] = net.module.mean.detach().numpy().copy()
    tensors["preprocessing.scale"] = net.module.scale.detach().numpy().copy()
    return tensors


def model_metadata(net) -> dict:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "hiddenlens_version": __version__,
        "sizes": net.sizes,
        "activations": net.activations,
        "dtype": net.dtype_name,
        "task": net.task,
        "image_shape": list(net.image_shape) if net.image_shape else None,
        "class_names": net.class_names,
        "classes": None if net.classes_ is None else net.classes_.tolist(),
        "feature_names": net.feature_names,
        "dataset": net.data_name,  # the file's key predates the attribute's name
        "history": net.history,
    }


def checksum(tensors: dict[str, np.ndarray], meta: dict | None) -> str:
    """SHA-256 of the tensors and of the metadata (all but the checksum itself), so that an
    edited header (an activation, a size) is caught like an edited weight. Version 1 files
    (meta=None) covered the tensors only."""
    digest = hashlib.sha256()
    for name in sorted(tensors):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(tensors[name]).tobytes())
    if meta is not None:
        settings = {k: v for k, v in meta.items() if k != "sha256"}
        digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()


def pack(tensors: dict[str, np.ndarray], meta: dict) -> bytes:
    meta = dict(meta, sha256=checksum(tensors, meta))
    return st_save(tensors, metadata={METADATA_KEY: json.dumps(meta)})


def unpack(data: bytes, path, kind: str = FORMAT) -> tuple[dict[str, np.ndarray], dict]:
    """Read tensors and metadata, with one sentence for a truncated, altered or newer file."""
    try:
        tensors = st_load(data)
        header_len = int.from_bytes(data[:8], "little")
        header = json.loads(data[8 : 8 + header_len])
    except (SafetensorError, ValueError, OSError) as exc:
        raise ValueError(
            f"{path} is truncated or is not a safetensors file ({exc}); it cannot be read."
        ) from exc
    try:
        meta = json.loads(header.get("__metadata__", {})[METADATA_KEY])
        if not isinstance(meta, dict):
            raise TypeError
    except (KeyError, TypeError, json.JSONDecodeError):
        raise ValueError(
            f"{path} is a safetensors file but not a {kind} file written by hiddenlens "
            "(no hiddenlens metadata in its header)."
        ) from None
    if meta.get("format") != kind:
        raise ValueError(f"{path} is a {meta.get('format')!r} file, not a {kind} file.")
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{path} was written by hiddenlens {meta.get('hiddenlens_version')} in file format "
            f"version {version}; this hiddenlens {__version__} reads up to version "
            f"{FORMAT_VERSION}: upgrade hiddenlens to read it."
        )
    if checksum(tensors, meta if version >= 2 else None) != meta.get("sha256"):
        raise ValueError(
            f"{path} has been altered since hiddenlens wrote it: its tensors or settings no "
            "longer match the checksum stored with them."
        )
    return tensors, meta


def save_model(net, path, *, overwrite: bool = False) -> Path:
    """Write `net` to `path` atomically; an existing path is refused unless `overwrite`."""
    return atomic_write_bytes(path, pack(model_tensors(net), model_metadata(net)), overwrite)


def read_bytes(path) -> bytes:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No such model file: {path}.")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give the model file inside it.")
    data = path.read_bytes()
    if not data:
        raise ValueError(f"{path} is empty; it holds no model.")
    return data


def net_from_parts(tensors: dict[str, np.ndarray], meta: dict, path):
    from hiddenlens.net import DTYPES, DenseNet

    try:
        sizes, acts = meta["sizes"], meta["activations"]
        net = DenseNet(
            sizes, activation=acts[:-1], output_activation=acts[-1], dtype=DTYPES[meta["dtype"]],
            task=meta.get("task"), image_shape=meta.get("image_shape"),
            class_names=meta.get("class_names"), feature_names=meta.get("feature_names"),
            data_name=meta.get("dataset"), classes=meta.get("classes"),  # older files: none
        )
        n = len(sizes) - 1
        net.set_parameters(
            [tensors[f"weights.{l}"] for l in range(n)], [tensors[f"biases.{l}"] for l in range(n)]
        )
        net.set_preprocessing(tensors["preprocessing.mean"], tensors["preprocessing.scale"])
    except (KeyError, TypeError, IndexError) as exc:
        raise ValueError(f"{path} is missing part of the model ({exc}); it cannot be read.") \
            from exc
    except ValueError as exc:
        raise ValueError(f"{path} holds an inconsistent model: {exc}") from exc
    net.history = list(meta.get("history") or [])
    return net


def load_native(path):
    """Read a model file written by `DenseNet.save`."""
    tensors, meta = unpack(read_bytes(path), path)
    return net_from_parts(tensors, meta, path)
