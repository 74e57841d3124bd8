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
from safetensors.numpy import save as st_save

from hiddenlens._files import atomic_write_bytes
from hiddenlens._version import __version__
from hiddenlens.io._read import parse_json, short
from hiddenlens.io._safetensors import read_safetensors

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
    tensors, header = read_safetensors(data, path)
    not_ours = (f"{path} is a safetensors file but not a {kind} file written by hiddenlens "
                "(no hiddenlens metadata in its header).")
    if METADATA_KEY not in header:
        raise ValueError(not_ours)
    meta = parse_json(header[METADATA_KEY], path, f"{kind} header", not_ours)
    if not isinstance(meta, dict):
        raise ValueError(not_ours)
    if meta.get("format") != kind:
        raise ValueError(f"{path} is a {short(meta.get('format'))} file, not a {kind} file.")
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{path} was written by hiddenlens {str(meta.get('hiddenlens_version'))[:20]} in file "
            f"format version {str(version)[:20]}; this hiddenlens {__version__} reads up to "
            f"version {FORMAT_VERSION}: upgrade hiddenlens to read it."
        )
    if checksum(tensors, meta if version >= 2 else None) != meta.get("sha256"):
        raise ValueError(
            f"{path} has been altered since hiddenlens wrote it: its tensors or settings no "
            "longer match the checksum stored with them."
        )
    check_settings(meta, path)
    return tensors, meta


def check_settings(meta: dict, path) -> None:
    """Refuse, in one sentence naming `path`, metadata hiddenlens never writes."""
    from hiddenlens.net import DTYPES

    sizes = meta.get("sizes")
    ints = isinstance(sizes, list) and all(_is_int(n) and n >= 1 for n in sizes)
    checks = {
        "sizes": (ints and len(sizes) >= 2, "a list of two or more positive layer widths"),
        "activations": (ints and _strings(meta.get("activations"), len(sizes) - 1),
                        "one activation name per layer"),
        "dtype": (isinstance(meta.get("dtype"), str) and meta["dtype"] in DTYPES,
                  "float32 or float64"),
        "task": (meta.get("task") in (None, "classification", "regression"),
                 "classification or regression"),
        "image_shape": (meta.get("image_shape") is None or _shape(meta["image_shape"]),
                        "two positive ints"),
        "class_names": (_strings(meta.get("class_names")), "a list of names"),
        "feature_names": (_strings(meta.get("feature_names")), "a list of names"),
        "dataset": (meta.get("dataset") is None or isinstance(meta["dataset"], str)
                    and len(meta["dataset"]) <= 1000, "a data set name"),
        "history": (_history(meta.get("history")), "a list of per-epoch records of numbers"),
    }
    for key, (ok, want) in checks.items():
        if key in ("sizes", "activations", "dtype") and key not in meta:
            raise ValueError(f"{path} does not record the network's {key}; the file is "
                             "damaged or was not written by hiddenlens.")
        if not ok:
            raise ValueError(
                f"{path} records {key} {short(meta.get(key))}, where hiddenlens writes {want}; "
                "the file is damaged or was edited."
            )


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _strings(x, n: int | None = None) -> bool:
    """None, or a list of strings (of length `n` when given)."""
    if x is None:
        return n is None
    return isinstance(x, list) and all(isinstance(s, str) for s in x) and \
        (n is None or len(x) == n)


def _shape(x) -> bool:
    return isinstance(x, list) and len(x) == 2 and all(_is_int(n) and n >= 1 for n in x)


def _history(x) -> bool:
    plain = (int, float, str, bool, type(None))
    return x is None or isinstance(x, list) and all(
        isinstance(h, dict) and all(isinstance(v, plain) for v in h.values()) for h in x)


def save_model(net, path, *, overwrite: bool = False) -> Path:
    """Write `net` to `path` atomically; an existing path is refused unless `overwrite`."""
    return atomic_write_bytes(path, pack(model_tensors(net), model_metadata(net)), overwrite)


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
    except KeyError as exc:
        raise ValueError(f"{path} is missing the tensor {short(exc.args[0])} of its model; it "
                         "cannot be read.") from None
    except ValueError as exc:
        raise ValueError(f"{path} holds an inconsistent model: {exc}") from exc
    net.history = list(meta.get("history") or [])
    return net


def native_from_bytes(data: bytes, path):
    tensors, meta = unpack(data, path)
    return net_from_parts(tensors, meta, path)
