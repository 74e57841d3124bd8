"""ONNX graphs of dense layers <-> DenseNet, through the `onnx` package (protobuf, no code).

Reads one chain of nodes from the graph input to its output: Gemm, or MatMul followed by Add,
for each dense layer; Sigmoid, Relu, Tanh, Softmax, LogSoftmax (imported as softmax) and
Identity, Dropout, Flatten, Reshape in between; Sub, Add, Mul and Div by constants before
the first layer are the input standardisation. `to_onnx` writes the same shape of graph, one
Gemm per layer.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from hiddenlens.io._arrays import Activation, Dense, assemble

ACTIVATIONS = {"Sigmoid": "sigmoid", "Relu": "relu", "Tanh": "tanh", "Softmax": "softmax",
               "LogSoftmax": "softmax"}
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
    from hiddenlens.io._native import read_bytes

    path = Path(path)
    return onnx_from_bytes(read_bytes(path), path, output_activation=output_activation,
                           **metadata)


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


def onnx_from_bytes(data: bytes, path, **metadata):
    model = parse_onnx(data)
    if model is None:
        raise ValueError(f"{path} is truncated or is not an ONNX model; it cannot be read.")
    graph = model.graph
    consts = _constants(graph, Path(path).parent, path)
    inputs = [i.name for i in graph.input if i.name not in consts]
    if len(inputs) != 1:
        raise ValueError(
            f"{path} has {len(inputs)} graph inputs ({', '.join(inputs)}); hiddenlens imports "
            "graphs with one input batch."
        )
    steps, prep = _walk(graph, consts, inputs[0], path)
    saved = {p.key: p.value for p in model.metadata_props}
    if METADATA_KEY in saved:  # written by to_onnx: names and image shape come back
        try:
            meta = json.loads(saved[METADATA_KEY])
        except json.JSONDecodeError:
            meta = {}
        keys = ("class_names", "feature_names", "image_shape")
        keys += ("task",) if metadata.get("output_activation") is None else ()  # new task too
        metadata = {**{k: meta[k] for k in keys if meta.get(k) is not None}, **metadata}
    net = assemble(steps, str(path), **metadata)
    if prep:
        _set_preprocessing(net, prep["a"], prep["c"], path)
    return net


def _constants(graph, folder: Path, path) -> dict[str, np.ndarray]:
    """Initializers and Constant outputs by name; external data is read from `folder`."""
    from onnx import numpy_helper
    from onnx.checker import ValidationError

    try:
        consts = {t.name: numpy_helper.to_array(t, str(folder)) for t in graph.initializer}
    except (OSError, ValueError, ValidationError) as exc:
        raise ValueError(
            f"{path} keeps weights in an external data file that cannot be read ({exc}); keep "
            "the data file next to the model under the name it was saved with."
        ) from None
    for node in graph.node:
        if node.op_type == "Constant":
            value = [a for a in node.attribute if a.name == "value"]
            if value:
                consts[node.output[0]] = numpy_helper.to_array(value[0].t)
    return consts


def _attrs(node) -> dict:
    import onnx

    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _walk(graph, consts, current: str, path):
    """Follow the data from the graph input; return (steps, {"a", "c"}: x -> a * x + c)."""
    steps, prep = [], {}
    for i, node in enumerate(graph.node):
        label = f"node {i} ({node.op_type} {node.name!r})" if node.name else \
            f"node {i} ({node.op_type})"
        data_in = [x for x in node.input if x and x not in consts]
        if node.op_type == "Constant" or not data_in and node.op_type == "Identity":
            if node.op_type == "Identity":
                consts[node.output[0]] = consts[node.input[0]]
            continue
        if data_in != [current]:
            raise ValueError(
                f"{label} of {path} reads {data_in or 'only constants'} instead of the output "
                f"of the layer before it; hiddenlens imports one chain of dense layers."
            )
        if node.op_type in ("Gemm", "MatMul", "Sub", "Div") and node.input[0] != current:
            raise ValueError(  # c - x, c / x and W @ x are not what a dense chain computes
                f"{label} of {path} takes its data as the second operand; hiddenlens imports "
                "x @ W, x - c and x / c with the data first."
            )
        const = [consts[x] for x in node.input if x in consts]
        step = _step(node, label, const, steps, prep, path)
        if step is not None:
            steps.append(step)
        current = node.output[0]
    if current not in [o.name for o in graph.output]:
        raise ValueError(f"{path}'s graph output is not the end of its chain of layers.")
    return steps, prep


def _step(node, label: str, const, steps, prep, path):
    op, attrs = node.op_type, _attrs(node)
    if op == "Gemm":
        if attrs.get("transA", 0) or len(const) < 1:
            raise ValueError(f"{label} of {path} is not a dense layer x @ W.T + b.")
        w = const[0] if attrs.get("transB", 0) else const[0].T  # (n_out, n_in)
        w = w * attrs.get("alpha", 1.0)
        b = const[1] * attrs.get("beta", 1.0) if len(const) > 1 else np.zeros(w.shape[0])
        return Dense(w, _vector(b, w.shape[0], label, path).astype(w.dtype), label)
    if op == "MatMul":
        w = const[0].T
        return Dense(w, np.zeros(w.shape[0], w.dtype), label)
    if op == "Add" and steps and isinstance(steps[-1], Dense):
        dense = steps[-1]
        dense.biases = dense.biases + _vector(const[0], len(dense.biases), label, path)
        return None
    if op in ("Sub", "Add", "Mul", "Div") and const and not any(
            isinstance(step, Dense) for step in steps):
        k = np.asarray(const[0], dtype=float).reshape(-1)  # (1,) or (n_inputs,)
        a, c = prep.get("a", np.ones(1)), prep.get("c", np.zeros(1))
        if op in ("Sub", "Add"):
            c = c - k if op == "Sub" else c + k
        else:
            a, c = (a * k, c * k) if op == "Mul" else (a / k, c / k)
        prep.update(a=a, c=c)
        return None
    if op in ("Softmax", "LogSoftmax") and attrs.get("axis", -1) not in (-1, 1):
        raise ValueError(f"{label} of {path} normalises over axis {attrs['axis']}, not the units.")
    if op in ACTIVATIONS:
        return Activation(ACTIVATIONS[op], label)
    if op in PASS_THROUGH:
        return Activation("linear", label)
    raise ValueError(
        f"{label} of {path} is not supported; hiddenlens imports graphs made of {SUPPORTED}."
    )


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
    ops = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu", "softmax": "Softmax",
           "linear": "Identity"}
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
