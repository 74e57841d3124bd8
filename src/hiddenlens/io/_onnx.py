"""ONNX graphs of dense layers <-> DenseNet, through the `onnx` package (protobuf, no code).

Reads one chain of nodes from the graph input to its output: Gemm, or MatMul followed by Add,
for each dense layer; Sigmoid, Relu, Tanh, Softmax, LogSoftmax (imported as softmax) and
Identity, Dropout, Flatten, Reshape in between; Sub, Add, Mul and Div by constants before
the first layer are the input standardisation. `to_onnx` writes the same shape of graph, one
Gemm per layer.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from hiddenlens._activations import ACTIVATIONS as ALL_ACTIVATIONS
from hiddenlens.io._arrays import assemble
from hiddenlens.io._native import _shape, _strings
from hiddenlens.io._onnx_graph import walk
from hiddenlens.io._read import (
    MAX_MODEL_BYTES,
    MODEL_LIMIT_HINT,
    check_path,
    parse_json,
    read_file,
    short,
    size_text,
)

PASS_THROUGH = ("Identity", "Dropout", "Flatten", "Reshape")
SUPPORTED = ("Gemm, MatMul+Add, Sigmoid, Relu, Tanh, Softmax, LogSoftmax, Identity, Dropout, "
             "Flatten and Reshape")
OPSET = 17
METADATA_KEY = "hiddenlens"


def from_onnx(path, *, output_activation: str | None = None, **metadata):
    """Import an ONNX model whose graph is a chain of dense layers.

    Parameters
    ----------
    path : path
        An ``.onnx`` file: Gemm (or MatMul + Add) nodes with Sigmoid, Relu, Tanh, Softmax or
        Identity between them, weights stored as initializers or Constant nodes. Files written
        by ``DenseNet.to_onnx`` come back with their class names and image shape.
    output_activation : {"softmax", "sigmoid"}, optional
        For a network that ends in logits (a linear output, as when trained with a
        cross-entropy loss on logits): the activation to put on them, so that
        ``predict_proba`` gives probabilities.
    **metadata
        class_names, feature_names, image_shape, task for the DenseNet.

    Returns
    -------
    DenseNet
    """
    path = check_path(path)
    return onnx_from_bytes(read_file(path), path, output_activation=output_activation, **metadata)


def parse_onnx(data: bytes):
    """The ModelProto in `data`, or None when `data` is not an ONNX model with a graph."""
    import onnx
    from google.protobuf.message import DecodeError

    try:
        model = onnx.load_model_from_string(data)
    except (DecodeError, ValueError, RuntimeError):
        return None
    if model.ir_version < 1 or not model.graph.node or not model.graph.input:
        return None
    return model


def onnx_from_bytes(data: bytes, path, max_bytes: int | None = None, **metadata):
    """`from_onnx` of the bytes of the file at `path`; at most `max_bytes` of tensors."""
    model = parse_onnx(data)
    if model is None:
        raise ValueError(f"{path} is truncated or is not an ONNX model; it cannot be read.")
    graph = model.graph
    consts = _constants(graph, Path(path).parent, path, max_bytes or MAX_MODEL_BYTES)
    inputs = [i.name for i in graph.input if i.name not in consts]
    if len(inputs) != 1:
        raise ValueError(
            f"{path} has {len(inputs)} graph inputs ({short(', '.join(inputs))}); hiddenlens "
            "imports graphs with one input batch."
        )
    steps, prep, classes = walk(graph, consts, inputs[0], path)
    if classes is not None and "class_names" not in metadata:
        metadata["class_names"] = classes
    saved = {p.key: p.value for p in model.metadata_props}
    if METADATA_KEY in saved:  # written by to_onnx: names and image shape come back
        metadata = {**_saved_metadata(saved[METADATA_KEY], metadata), **metadata}
    net = assemble(steps, str(path), **metadata)
    if prep:
        _set_preprocessing(net, prep["a"], prep["c"], path)
    return net


def _saved_metadata(text: str, metadata: dict) -> dict:
    """The names, image shape and task `to_onnx` kept; values of the wrong type are dropped."""
    try:
        meta = parse_json(text, "", "", "")
    except ValueError:
        return {}
    if not isinstance(meta, dict):
        return {}
    valid = {"class_names": _strings, "feature_names": _strings, "image_shape": _shape,
             "task": lambda x: x in ("classification", "regression")}
    if metadata.get("output_activation") is not None:  # a new output, a new task
        del valid["task"]
    return {k: meta[k] for k, ok in valid.items() if meta.get(k) is not None and ok(meta[k])}


def _constants(graph, folder: Path, path, max_bytes: int) -> dict[str, np.ndarray]:
    """Initializers and Constant outputs by name; external data is read from `folder`."""
    budget, files = [max_bytes, max_bytes], {}
    consts = {t.name: _tensor(t, f"initializer {short(t.name)}", folder, path, budget, files)
              for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" and node.output:
            value = [a for a in node.attribute if a.name == "value"]
            if value:
                label = f"the Constant node {short(node.name or node.output[0])}"
                consts[node.output[0]] = _tensor(value[0].t, label, folder, path, budget, files)
    return consts


def _tensor(t, label: str, folder: Path, path, budget: list[int], files: dict) -> np.ndarray:
    """A TensorProto as an array, its dims, type and size checked before any data is read."""
    from onnx import TensorProto, helper, numpy_helper

    dims = list(t.dims)
    if any(d < 0 for d in dims):
        raise ValueError(f"{label} of {path} declares negative dimensions {short(dims)}; the "
                         "file is damaged: export the model again.")
    try:
        itemsize = np.dtype(helper.tensor_dtype_to_np_dtype(t.data_type)).itemsize
    except (KeyError, ValueError, TypeError):
        raise ValueError(f"{label} of {path} has an element type ({t.data_type}) ONNX does not "
                         "define; the file is damaged: export the model again.") from None
    budget[0] -= math.prod(dims) * itemsize
    if budget[0] < 0:
        raise ValueError(
            f"{label} of {path} declares {math.prod(dims):,} values, more than the "
            f"{size_text(budget[1])} a model may hold; if it really is a model, "
            f"{MODEL_LIMIT_HINT}."
        )
    if t.data_location == TensorProto.EXTERNAL:
        t = _with_external_data(t, label, folder, path, budget[1], files)
    try:
        return numpy_helper.to_array(t)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RuntimeError,
            OverflowError):
        raise ValueError(f"{label} of {path} is damaged: its values do not fill its shape "
                         f"{short(dims)}; export the model again.") from None


def _with_external_data(t, label: str, folder: Path, path, max_bytes: int, files: dict):
    """A copy of `t` holding the bytes its external_data entries point at, read by hand."""
    from onnx import TensorProto

    info = {e.key: e.value for e in t.external_data}
    location = info.get("location", "")
    if not location or Path(location).is_absolute() or ".." in Path(location).parts:
        raise ValueError(
            f"{label} of {path} keeps its values in the external file {short(location)}, which "
            "is not a file beside the model; hiddenlens reads external data from the model's "
            "folder only."
        )
    if location not in files:
        try:
            files[location] = read_file(folder / location, "external data file", max_bytes)
        except FileNotFoundError:
            raise FileNotFoundError(
                f"{label} of {path} keeps its values in the external data file {location}, "
                f"which is not beside the model; keep it next to {path} under that name."
            ) from None
        except (ValueError, OSError) as exc:
            raise ValueError(f"{label} of {path} keeps its values in {location} beside it, "
                             f"which cannot be read: {exc}") from None
    offset, length = info.get("offset", "0"), info.get("length", "")
    if not offset.isdigit() or not (length.isdigit() or not length) or len(offset + length) > 20:
        raise ValueError(f"{label} of {path} gives an offset {short(offset)} or length "
                         f"{short(length)} in {location} that is not a number of bytes.")
    start = int(offset)
    data = files[location][start : start + int(length) if length else None]
    copy = TensorProto()
    copy.CopyFrom(t)
    del copy.external_data[:]
    copy.data_location = TensorProto.DEFAULT
    copy.raw_data = data
    return copy


def _set_preprocessing(net, a, c, path) -> None:
    """x -> a * x + c before the first layer, as (x - mean) / scale."""
    if any(v.size not in (1, net.n_inputs) for v in (a, c)):
        raise ValueError(f"{path} scales its input with constants of the wrong size.")
    a, c = np.broadcast_to(a, (net.n_inputs,)), np.broadcast_to(c, (net.n_inputs,))
    if np.any(a <= 0) or not np.all(np.isfinite(a)):
        raise ValueError(f"{path} scales its input by a negative, zero or infinite factor.")
    net.set_preprocessing(-c / a, 1 / a)


def _vector(b: np.ndarray, n: int, label: str, path) -> np.ndarray:
    """A bias of shape (n,), (1, n) or a scalar as an (n,) vector."""
    if b.size == n:
        return b.reshape(n)
    if b.size == 1:
        return np.full(n, b.reshape(()), dtype=b.dtype)
    raise ValueError(f"{label} of {path} adds {b.shape} values to a layer of {n} units.")


def to_onnx(net, path, *, overwrite: bool = False, opset: int = OPSET) -> Path:
    """Write `net` as an ONNX graph: input "input" (n, n_inputs) -> output "output".

    Each layer is one Gemm (weights (n_out, n_in), transB=1) and its activation; a
    standardised model starts with Sub(mean) and Div(scale). The output holds what
    ``net.forward`` returns (probabilities for softmax). Metadata (class names, image shape)
    is kept in the model's metadata_props so `from_onnx` restores it.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from hiddenlens._files import atomic_write_bytes

    elem = TensorProto.DOUBLE if net.dtype_name == "float64" else TensorProto.FLOAT
    np_dtype = np.dtype(net.dtype_name)
    nodes, inits, x = [], [], "input"
    if net.preprocessing is not None:
        inits += [numpy_helper.from_array(net.preprocessing["mean"].astype(np_dtype), "mean"),
                  numpy_helper.from_array(net.preprocessing["scale"].astype(np_dtype), "scale")]
        nodes += [helper.make_node("Sub", [x, "mean"], ["centred"]),
                  helper.make_node("Div", ["centred", "scale"], ["standardized"])]
        x = "standardized"
    ops = {a.name: a.aliases["onnx"][0] for a in ALL_ACTIVATIONS.values()}
    last = net.n_layers - 1
    for l, (w, b, act) in enumerate(zip(net.weights, net.biases, net.activations)):
        inits += [numpy_helper.from_array(np.array(w), f"weights.{l}"),
                  numpy_helper.from_array(np.array(b), f"biases.{l}")]
        nodes.append(helper.make_node("Gemm", [x, f"weights.{l}", f"biases.{l}"],
                                      [f"pre_activations.{l}"], transB=1, name=f"dense.{l}"))
        x = "output" if l == last else f"activations.{l}"
        extra = {"axis": 1} if act == "softmax" else {}
        nodes.append(helper.make_node(ops[act], [f"pre_activations.{l}"], [x],
                                      name=f"{act}.{l}", **extra))
    graph = helper.make_graph(
        nodes, "hiddenlens",
        [helper.make_tensor_value_info("input", elem, ["batch", net.n_inputs])],
        [helper.make_tensor_value_info("output", elem, ["batch", net.n_outputs])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="hiddenlens", ir_version=8)
    meta = {"task": net.task, "class_names": net.class_names, "image_shape":
            list(net.image_shape) if net.image_shape else None,
            "feature_names": net.feature_names, "activations": net.activations}
    helper.set_model_props(model, {METADATA_KEY: json.dumps(meta)})
    onnx.checker.check_model(model)
    return atomic_write_bytes(path, model.SerializeToString(), overwrite=overwrite)
