"""Walking an ONNX graph of dense layers: the chain of nodes from the input to the output.

Each dense layer is a Gemm, or a MatMul followed by an Add; Sigmoid, Relu, Tanh, Softmax and
LogSoftmax (imported as softmax) are its activation. Identity, Dropout, Flatten, Reshape and
casts to float or double change no value and are stepped over (exporters write them: Keras 3
puts a Cast(to=FLOAT) around every op, skl2onnx one at the input). Sub, Add, Mul, Div by
constants and the ai.onnx.ml Scaler (a scikit-learn StandardScaler or MinMaxScaler) before
the first layer are the input standardisation.

A classifier written by skl2onnx ends in two outputs: the probabilities (as a tensor, or as
a ZipMap of them) and the predicted label, computed from them by ArgMax,
ArrayFeatureExtractor, Reshape and Cast. The label branch is stepped over and its class
labels kept; a binary classifier's [1 - p, p] (Sub from 1, Concat) is the DenseNet's own
binary sigmoid output.
"""

from __future__ import annotations

import numpy as np

from hiddenlens._activations import from_framework
from hiddenlens.io._arrays import Activation, Dense
from hiddenlens.io._read import short

PASS_THROUGH = ("Identity", "Dropout", "Flatten", "Reshape", "Cast")
LABEL_OPS = ("ArrayFeatureExtractor", "Reshape", "Cast", "Identity", "Flatten", "Squeeze")
SUPPORTED = ("Gemm, MatMul+Add, Sigmoid, Relu, Tanh, Softmax, LogSoftmax, Identity, Dropout, "
             "Flatten, Reshape, Cast to float, Scaler, and a classifier's ArgMax and ZipMap")
FLOAT, DOUBLE = 1, 11  # onnx.TensorProto.FLOAT, DOUBLE


def walk(graph, consts: dict, current: str, path):
    """Follow the data from the graph input.

    Returns
    -------
    steps : list of Dense and Activation
    prep : dict
        {"a", "c"}: the input standardisation x -> a * x + c, or {}.
    classes : list of str or None
        The class labels of a classifier's label branch, when they are not 0..n-1.
    """
    steps, prep, state = [], {}, {"end": None, "labels": set(), "aliases": set(),
                                  "negative": None, "classes": None}
    for i, node in enumerate(graph.node):
        label = f"node {i} ({node.op_type} {short(node.name)})" if node.name else \
            f"node {i} ({node.op_type})"
        if not node.output:
            raise ValueError(f"{label} of {path} has no output; the file is damaged.")
        data_in = [x for x in node.input if x and x not in consts]
        if node.op_type == "Constant" or not data_in and node.op_type == "Identity":
            if node.op_type == "Identity" and node.input:
                consts[node.output[0]] = consts[node.input[0]]
            continue
        if _tail(node, data_in, consts, current, state, steps, label, path):
            continue
        if state["end"] is not None:
            raise ValueError(
                f"{label} of {path} computes on after the class probabilities; hiddenlens "
                "imports one chain of dense layers."
            )
        if data_in != [current]:
            raise ValueError(
                f"{label} of {path} reads {short(data_in)} instead of the output of the layer "
                "before it; hiddenlens imports one chain of dense layers."
            )
        if node.op_type in ("Gemm", "MatMul", "Sub", "Div") and node.input[0] != current:
            raise ValueError(  # c - x, c / x and W @ x are not what a dense chain computes
                f"{label} of {path} takes its data as the second operand; hiddenlens imports "
                "x @ W, x - c and x / c with the data first."
            )
        const = [_numeric(consts[x], label, path) for x in node.input if x in consts]
        step = _step(node, label, const, steps, prep, path)
        if step is not None:
            steps.append(step)
        current = node.output[0]
    _check_outputs(graph, state["end"] or current, state, path)
    return steps, prep, state["classes"]


def _tail(node, data_in, consts, current, state, steps, label, path) -> bool:
    """Step over a classifier's label branch, ZipMap and binary [1 - p, p]; True if it did."""
    op, end = node.op_type, state["end"]
    if data_in and all(x in state["labels"] for x in data_in) and op in LABEL_OPS:
        state["labels"].update(node.output)
        if op == "ArrayFeatureExtractor" and node.input[0] in consts:
            _keep_classes(consts[node.input[0]], state)
        return True
    if op == "ArgMax" and data_in == [end or current]:
        state["end"] = end or current
        state["labels"].update(node.output)
        return True
    if op == "ZipMap" and data_in == [end or current]:
        state["end"] = end or current
        state["aliases"].update(node.output)
        attrs = _attrs(node, label, path)
        _keep_classes(attrs.get("classlabels_strings") or attrs.get("classlabels_int64s"), state)
        return True
    after_sigmoid = bool(steps) and getattr(steps[-1], "kind", None) == "sigmoid"
    if op == "Sub" and after_sigmoid and end is None and list(node.input[1:]) == [current] \
            and node.input[0] in consts and np.size(consts[node.input[0]]) == 1 \
            and np.all(consts[node.input[0]] == 1):
        state["negative"] = node.output[0]  # 1 - p of a binary classifier
        return True
    if op == "Concat" and state["negative"] and list(node.input) == [state["negative"], current]:
        state["aliases"].add(current)  # [1 - p, p]: what predict_proba gives for one sigmoid
        state["end"] = node.output[0]
        return True
    return False


def _keep_classes(labels, state) -> None:
    if labels is None:
        return
    names = [x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x)
             for x in np.asarray(labels).reshape(-1)]
    if names != [str(k) for k in range(len(names))]:
        state["classes"] = names


def _check_outputs(graph, end: str, state, path) -> None:
    outputs = {o.name for o in graph.output}
    probabilities = {end} | state["aliases"]
    if not outputs & probabilities or outputs - probabilities - state["labels"]:
        raise ValueError(f"{path}'s graph output is not the end of its chain of layers.")


def _step(node, label: str, const, steps, prep, path):
    op, attrs = node.op_type, _attrs(node, label, path)
    first_layer = not any(isinstance(step, Dense) for step in steps)
    if op in ("Gemm", "MatMul"):
        if attrs.get("transA", 0) or not const or const[0].ndim != 2:
            raise ValueError(f"{label} of {path} is not a dense layer x @ W.T + b.")
        if op == "MatMul":
            return Dense(const[0].T, np.zeros(const[0].shape[1], const[0].dtype), label)
        w = const[0] if attrs.get("transB", 0) else const[0].T  # (n_out, n_in)
        w = w * attrs.get("alpha", 1.0)
        b = const[1] * attrs.get("beta", 1.0) if len(const) > 1 else np.zeros(w.shape[0])
        return Dense(w, _vector(b, w.shape[0], label, path).astype(w.dtype), label)
    if op == "Add" and steps and isinstance(steps[-1], Dense) and const:
        dense = steps[-1]
        dense.biases = dense.biases + _vector(const[0], len(dense.biases), label, path)
        return None
    if op in ("Sub", "Add", "Mul", "Div", "Scaler") and first_layer and (const or op == "Scaler"):
        _standardisation(op, const, attrs, prep)
        return None
    if op in ("Softmax", "LogSoftmax") and attrs.get("axis", -1) not in (-1, 1):
        raise ValueError(f"{label} of {path} normalises over axis {short(attrs['axis'])}, not "
                         "the units.")
    if op == "Cast" and attrs.get("to") not in (FLOAT, DOUBLE):
        raise ValueError(
            f"{label} of {path} casts to {_type_name(attrs.get('to'))}, which changes the values; "
            "hiddenlens steps over casts to float and double only."
        )
    ours = from_framework("onnx")  # operator type -> our activation's name
    if op in ours and op not in PASS_THROUGH:
        return Activation(ours[op], label)
    if op in PASS_THROUGH:
        return None  # no step: an Add after it still joins the layer before
    raise ValueError(
        f"{label} of {path} is not supported; hiddenlens imports graphs made of {SUPPORTED}."
    )


def _standardisation(op: str, const, attrs: dict, prep: dict) -> None:
    """Compose x -> a * x + c with the node's affine map of the inputs."""
    a, c = prep.get("a", np.ones(1)), prep.get("c", np.zeros(1))
    if op == "Scaler":  # (x - offset) * scale
        offset = np.asarray(attrs.get("offset", [0.0]), dtype=float).reshape(-1)
        scale = np.asarray(attrs.get("scale", [1.0]), dtype=float).reshape(-1)
        a, c = a * scale, (c - offset) * scale
    else:
        k = np.asarray(const[0], dtype=float).reshape(-1)  # (1,) or (n_inputs,)
        if op in ("Sub", "Add"):
            c = c - k if op == "Sub" else c + k
        else:
            a, c = (a * k, c * k) if op == "Mul" else (a / k, c / k)
    prep.update(a=a, c=c)


def _numeric(value: np.ndarray, label: str, path) -> np.ndarray:
    if value.dtype.kind not in "fiub":
        raise ValueError(f"{label} of {path} computes with a constant of {value.dtype} values, "
                         "not numbers; hiddenlens imports dense layers of numbers.")
    return value


def _type_name(to) -> str:
    from onnx import TensorProto

    try:
        return TensorProto.DataType.Name(to)
    except (ValueError, TypeError):
        return f"type {short(to)}"


def _attrs(node, label: str, path) -> dict:
    import onnx

    try:
        return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    except (ValueError, TypeError, KeyError, AttributeError):
        raise ValueError(f"{label} of {path} has an attribute ONNX does not define; the file is "
                         "damaged: export the model again.") from None


def _vector(b: np.ndarray, n: int, label: str, path) -> np.ndarray:
    """A bias of shape (n,), (1, n) or a scalar as an (n,) vector."""
    if b.size == n:
        return b.reshape(n)
    if b.size == 1:
        return np.full(n, b.reshape(()), dtype=b.dtype)
    raise ValueError(f"{label} of {path} adds {b.shape} values to a layer of {n} units.")
