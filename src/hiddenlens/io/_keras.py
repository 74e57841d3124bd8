"""Keras .keras and legacy .h5 files -> DenseNet, read with json and h5py only.

A .keras file is a zip of config.json (the architecture) and model.weights.h5, where Keras 3
stores the k-th Dense layer's kernel (n_in, n_out) and bias under "layers/dense_<k>/vars/0"
and "/1" (the first one is plain "dense"). A legacy .h5 file keeps the architecture as JSON in
the "model_config" attribute and each layer's weights under "model_weights/<layer name>", listed
by the group's "weight_names" attribute. Neither TensorFlow nor Keras is imported.
"""

from __future__ import annotations

import functools
import io
import math

import numpy as np

from hiddenlens._activations import from_framework
from hiddenlens.io._arrays import Activation, Dense, assemble
from hiddenlens.io._isolate import run_isolated, time_limit
from hiddenlens.io._read import (
    MAX_MODEL_BYTES,
    MODEL_LIMIT_HINT,
    check_path,
    parse_json,
    read_file,
    size_text,
)
from hiddenlens.io._zip import read_members, zip_names

PASS_THROUGH = ("InputLayer", "Flatten", "Dropout")
SUPPORTED = ("Dense, Activation, ReLU, Softmax, InputLayer, Flatten, Dropout, and Rescaling or "
             "Normalization before the first Dense")
SNAKE = {"Dense": "dense", "Normalization": "normalization"}  # keras' names for weight groups


def from_keras(path, *, output_activation: str | None = None, **metadata):
    """Import a Keras model file (``.keras`` or legacy ``.h5``) of dense layers.

    Parameters
    ----------
    path : path
        A file written by ``model.save("model.keras")`` or ``model.save("model.h5")``:
        a Sequential or a single-chain functional model of Dense (with its activation),
        Activation, ReLU, Softmax, InputLayer, Flatten and Dropout layers; Rescaling and
        Normalization before the first Dense become the input standardisation. Read with json
        and h5py alone; TensorFlow and Keras are not needed.
    output_activation : {"softmax", "sigmoid"}, optional
        For a network that ends in logits (a linear output, as when trained with a
        cross-entropy loss on logits): the activation to put on them, so that
        ``predict_proba`` gives probabilities.
    **metadata
        class_names, feature_names, image_shape, task for the DenseNet.

    Returns
    -------
    DenseNet
        Of the file's weight dtype; ``weights[l]`` is the transposed Keras kernel.
    """
    path = check_path(path)
    return keras_from_bytes(read_file(path), path, output_activation=output_activation,
                            **metadata)


def keras_from_bytes(data: bytes, path, max_bytes: int | None = None,
                     output_activation=None, **metadata):
    """`from_keras` of the bytes of the file at `path`; at most `max_bytes` of weights.

    The HDF5 part runs in a child process with a time limit (see `_isolate`): libhdf5
    loops forever on some damaged files.
    """
    limit = max_bytes or MAX_MODEL_BYTES
    config, weights = _open_zip(data, path, limit) if data.startswith(b"PK") else (None, data)
    doc, arrays = run_isolated(lambda: _parse_h5(weights, config, path, limit), path,
                               time_limit(len(weights)))
    steps, prep = _decode_steps(doc["steps"], arrays)
    if "image_shape" not in metadata and doc["image_shape"]:
        metadata["image_shape"] = tuple(doc["image_shape"])  # e.g. Flatten of (28, 28)
    net = assemble(steps, str(path), output_activation=output_activation, **metadata)
    if prep is not None:
        _set_preprocessing(net, prep, path)
    return net


def _parse_h5(weights: bytes, config, path, limit: int) -> tuple[dict, list]:
    """(document, arrays) of the layers of a Keras model: what the child process sends."""
    import h5py

    budget = [limit, limit]  # bytes of arrays still allowed, and the limit
    try:
        with h5py.File(io.BytesIO(weights), "r") as h5:
            if config is None:
                config, keys = _h5_config(h5, path), _h5_keys
            else:
                keys = _zip_key
            steps, prep, image_shape = _import(config, _reader(h5, path, budget, keys), path)
    except OSError:  # h5py's "truncated file", "file signature not found"
        raise ValueError(
            f"{path} is truncated or is not a Keras/HDF5 file; it cannot be read."
        ) from None
    except (KeyError, IndexError, TypeError, AttributeError, RuntimeError, OverflowError):
        raise ValueError(
            f"{path} is missing part of its Keras model or holds a configuration that is not "
            "Keras'; save the model again with model.save."
        ) from None
    doc, arrays = _encode_steps(steps, prep)
    return {"steps": doc, "image_shape": image_shape}, arrays


def _open_zip(data: bytes, path, max_bytes: int) -> tuple[dict, bytes]:
    names = zip_names(data)
    if names is None:
        raise ValueError(f"{path} is a truncated or damaged zip archive; save the model again.")
    if "config.json" not in names or "model.weights.h5" not in names:
        listed = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        raise ValueError(
            f"{path} is a zip archive but not a Keras file: a .keras file holds "
            f"config.json and model.weights.h5, this one holds {listed or 'nothing'}."
        )
    members = read_members(data, path, ("config.json", "model.weights.h5"), max_bytes,
                           MODEL_LIMIT_HINT)
    return _parse_json(members["config.json"], path), members["model.weights.h5"]


def _parse_json(text, path) -> dict:
    config = parse_json(text, path, "Keras configuration",
                        f"{path} holds a damaged Keras configuration; save the model again.")
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"{path} holds a configuration that does not describe a Keras model.")
    return config


def _h5_config(h5, path) -> dict:
    try:
        raw = h5.attrs.get("model_config")
    except (OSError, KeyError, ValueError, TypeError, RuntimeError):
        raw = None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    if not isinstance(raw, str):
        raise ValueError(
            f"{path} is an HDF5 file without a Keras model configuration (a weights-only "
            "file?); save the whole model with model.save('model.keras') and import that."
        )
    return _parse_json(raw, path)


def _zip_key(h5, k: int, layer: dict):
    """A .keras file keeps the k-th layer of a class under "layers/dense_<k>/vars/<i>"."""
    key = f"layers/{SNAKE[layer['class_name']]}" + (f"_{k}" if k else "") + "/vars"
    if key not in h5:
        return key, []
    return key, [h5[key][str(i)] for i in range(len(h5[key]))]


def _h5_keys(h5, k: int, layer: dict):
    """A legacy .h5 file keeps a layer's weights under its name, listed by "weight_names"."""
    key = _name(layer)
    group = h5.get("model_weights", h5).get(key)
    if group is None:
        return key, []
    return key, [group[n.decode() if isinstance(n, bytes) else str(n)]
                 for n in group.attrs["weight_names"]]


def _reader(h5, path, budget: list[int], keys):
    """read(k, layer) -> the layer's arrays, each checked for size before it is read."""
    def read(k: int, layer: dict):
        try:
            key, datasets = keys(h5, k, layer)
        except (KeyError, ValueError, TypeError, RuntimeError, OSError, AttributeError,
                OverflowError):
            raise ValueError(f"{path} has unreadable weights for layer {_name(layer)!r}.") \
                from None
        if not datasets:
            raise ValueError(f"{path} has no weights for layer {_name(layer)!r} ({key}).")
        return [_read_dataset(d, path, budget, layer) for d in datasets]
    return read


def _read_dataset(dset, path, budget: list[int], layer: dict) -> np.ndarray:
    import h5py

    label = f"layer {_name(layer)!r}"
    if not isinstance(dset, h5py.Dataset) or dset.shape is None or dset.dtype.kind not in "fiu":
        raise ValueError(f"{path} holds something other than numbers as weights of {label}.")
    nbytes = math.prod(dset.shape) * dset.dtype.itemsize
    budget[0] -= nbytes
    if budget[0] < 0:
        raise ValueError(
            f"{path} declares weights of shape {dset.shape} for {label}, which take more than "
            f"the {size_text(budget[1])} a model may hold; if it really is a model, "
            f"{MODEL_LIMIT_HINT}."
        )
    try:
        return dset[()]
    except (OSError, ValueError, TypeError, RuntimeError, OverflowError):
        raise ValueError(f"{path} has damaged weights for {label}; save the model again.") \
            from None


def _name(layer: dict) -> str:
    return layer.get("config", {}).get("name") or layer.get("name") or "?"


def _encode_steps(steps, prep) -> tuple[list, list]:
    doc, arrays = [], []
    for step in steps:
        if isinstance(step, Dense):
            doc.append({"dense": step.name})
            arrays += [step.weights, step.biases]
        else:
            doc.append({"activation": step.kind, "name": step.name})
    if prep is not None:
        doc.append({"preprocessing": True})
        arrays += [np.asarray(v, dtype=float) for v in prep]
    return doc, arrays


def _decode_steps(doc: list, arrays: list):
    steps, prep, arrays = [], None, list(arrays)
    for item in doc:
        if "dense" in item:
            steps.append(Dense(arrays.pop(0), arrays.pop(0), item["dense"]))
        elif "activation" in item:
            steps.append(Activation(item["activation"], item["name"]))
        else:
            prep = arrays.pop(0), arrays.pop(0)
    return steps, prep


def _import(config: dict, read_weights, path):
    """(steps, preprocessing (a, c) or None, image shape or None) of a Keras configuration."""
    steps, input_shape, seen, prep, flat = [], None, {}, None, True
    for layer in _layer_list(config, path):
        kind, conf = layer.get("class_name"), layer.get("config", {})
        label = f"layer {_name(layer)!r} ({kind})"
        k = seen[kind] = seen.get(kind, -1) + 1  # Keras numbers weights per layer class
        shape = conf.get("batch_shape") or conf.get("batch_input_shape")
        if input_shape is None and shape:
            input_shape = [s for s in shape[1:]]
            flat = len(input_shape) <= 1
        if kind == "Flatten":
            flat = True
        if kind == "Dense" and not flat:
            raise ValueError(
                f"{label} of {path} is applied to inputs of shape {tuple(input_shape)} with no "
                "Flatten before it, so it acts on the last axis only; hiddenlens imports dense "
                "networks on flat inputs."
            )
        if kind == "Dense":
            arrays = read_weights(k, layer)
            kernel = np.asarray(arrays[0])  # (n_in, n_out)
            bias = np.asarray(arrays[1]) if conf.get("use_bias", True) and len(arrays) > 1 \
                else np.zeros(kernel.shape[-1], kernel.dtype)
            steps.append(Dense(kernel.T, bias, label))
            steps.append(Activation(_activation(conf.get("activation"), label, path), label))
        elif kind == "Activation":
            steps.append(Activation(_activation(conf.get("activation"), label, path), label))
        elif kind in ("ReLU", "Softmax"):
            steps.append(Activation(_special(kind, conf, label, path), label))
        elif kind in PASS_THROUGH:
            steps.append(Activation("linear", label))
        elif kind in ("Rescaling", "Normalization") and not any(
                isinstance(step, Dense) for step in steps):
            weights = functools.partial(read_weights, k, layer)
            prep = _compose(prep, _affine(kind, conf, weights, label, path))
        else:
            where = " after a dense layer" if kind in ("Rescaling", "Normalization") else ""
            raise ValueError(
                f"{label}{where} of {path} is not supported; hiddenlens imports dense networks "
                f"made of {SUPPORTED} layers."
            )
    image_shape = list(input_shape) if input_shape and len(input_shape) == 2 else None
    return steps, prep, image_shape


def _affine(kind: str, conf: dict, weights, label: str, path):
    """(a, c) with layer(x) = a * x + c, for Rescaling and Normalization layers."""
    if kind == "Rescaling":
        return (_floats(conf.get("scale", 1.0), "scale", label, path),
                _floats(conf.get("offset", 0.0), "offset", label, path))
    if conf.get("invert") or conf.get("axis", -1) not in (-1, [-1], 1, [1]):
        raise ValueError(f"{label} of {path} is not a plain per-feature standardisation.")
    mean, variance = conf.get("mean"), conf.get("variance")
    if mean is None or variance is None:
        mean, variance = weights()[:2]
    mean = _floats(mean, "mean", label, path)
    sd = np.maximum(np.sqrt(_floats(variance, "variance", label, path)), 1e-7)  # keras' epsilon
    return 1 / sd, -mean / sd


def _floats(value, what: str, label: str, path) -> np.ndarray:
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(
            f"{label} of {path} has a {what} that is not a number or a list of numbers."
        ) from None


def _compose(first, second):
    if first is None:
        return second
    (a1, c1), (a2, c2) = first, second
    return a2 * a1, a2 * c1 + c2


def _set_preprocessing(net, prep, path) -> None:
    if any(np.size(v) not in (1, net.n_inputs) for v in prep):
        raise ValueError(
            f"{path} standardises its inputs per axis, not per input feature; put the "
            "Normalization after Flatten to import it."
        )
    a, c = (np.broadcast_to(np.ravel(v), (net.n_inputs,)) for v in prep)
    if np.any(a <= 0):
        raise ValueError(f"{path} rescales inputs by a negative or zero factor; not supported.")
    net.set_preprocessing(-c / a, 1 / a)  # a * x + c = (x - mean) / scale


def _layer_list(config: dict, path) -> list[dict]:
    kind, inner = config.get("class_name"), config.get("config", {})
    layers = inner if isinstance(inner, list) else inner.get("layers")
    if kind not in ("Sequential", "Functional", "Model") or not isinstance(layers, list):
        raise ValueError(
            f"{path} holds a Keras {kind} that is not a Sequential or functional model of "
            "layers; hiddenlens imports those."
        )
    previous = None
    for layer in layers:  # a functional model must be one chain: each layer feeds the next
        sources = _inbound(layer.get("inbound_nodes", []))
        if previous is not None and kind != "Sequential" and sources != [previous]:
            raise ValueError(
                f"{path} is a functional model whose layer {_name(layer)!r} takes "
                f"{sources or 'no input'}, not the single layer before it; hiddenlens imports "
                "one chain of layers."
            )
        previous = layer.get("name") or _name(layer)
    return layers


def _inbound(nodes) -> list[str]:
    """Names of the layers feeding a layer, from Keras 3 or Keras 2 inbound_nodes."""
    found = []
    def walk(x):
        if isinstance(x, dict):
            if "keras_history" in x.get("config", {}):
                found.append(x["config"]["keras_history"][0])
            else:
                for v in x.values():
                    walk(v)
        elif isinstance(x, list):
            if len(x) >= 3 and isinstance(x[0], str) and isinstance(x[1], int):
                found.append(x[0])  # Keras 2: [layer_name, node_index, tensor_index, kwargs]
            else:
                for v in x:
                    walk(v)
    walk(nodes)
    return found


def _activation(value, label: str, path) -> str:
    if isinstance(value, dict):  # a serialised activation: {"class_name": ..., "config": ...}
        value = value.get("config") if isinstance(value.get("config"), str) \
            else value.get("class_name")
    ours = from_framework("keras")
    if not isinstance(value, (str, type(None))) or value not in ours:
        raise ValueError(
            f"{label} of {path} uses activation {value!r}, which is not supported; hiddenlens "
            "imports linear, sigmoid, tanh, relu and softmax."
        )
    return ours[value]


def _special(kind: str, conf: dict, label: str, path) -> str:
    if kind == "Softmax":
        axis = conf.get("axis", -1)
        if axis in (-1, 1, [-1], [1]):
            return "softmax"
    elif not conf.get("max_value") and not conf.get("negative_slope") \
            and not conf.get("threshold"):
        return "relu"
    raise ValueError(
        f"{label} of {path} has settings hiddenlens cannot reproduce ({conf}); only a plain "
        "ReLU and a softmax over the last axis are supported."
    )
