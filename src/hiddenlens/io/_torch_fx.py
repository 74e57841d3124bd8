"""A PyTorch model written as its own nn.Module class -> the steps of a dense chain.

Most hand-written MNIST nets are a class with `self.fc1 = nn.Linear(...)` and a `forward` that
calls `F.relu`, `torch.sigmoid`, `x.view(-1, 784)`, `F.log_softmax`... `torch.fx` traces that
forward into a graph; the graph is accepted when it is one chain from the input to the output
(each step takes the step before as its only tensor, apart from the shape arithmetic of a
view or reshape) made of Linear layers, the supported activations, flattening and dropout.
"""

from __future__ import annotations

import operator

import torch
import torch.nn.functional as F
from torch import nn

from hiddenlens._activations import from_framework
from hiddenlens.io._arrays import Activation

# torch's functions and tensor methods by the nn class they compute
FUNCTIONS = {
    F.relu: "ReLU", torch.relu: "ReLU", torch.sigmoid: "Sigmoid", F.sigmoid: "Sigmoid",
    torch.tanh: "Tanh", F.tanh: "Tanh", F.softmax: "Softmax", torch.softmax: "Softmax",
    F.log_softmax: "LogSoftmax", torch.log_softmax: "LogSoftmax",
}
METHODS = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh", "softmax": "Softmax",
           "log_softmax": "LogSoftmax"}
RESHAPES_F = (torch.flatten, F.dropout)  # (n, d) stays (n, d); dropout is off at inference
RESHAPES_M = ("view", "reshape", "flatten", "contiguous", "float", "squeeze")
SHAPE_HELPERS_M = ("size", "dim")
SHAPE_HELPERS_F = (operator.getitem, getattr, operator.mul, operator.floordiv)


def traced_steps(module: nn.Module, step_of, supported: str) -> list:
    """The forward of `module` as a list of steps (`step_of(index, layer)` for submodules,
    Activation for functions and methods); one sentence when it is not a dense chain."""
    from torch import fx

    name = type(module).__name__
    try:
        graph = fx.symbolic_trace(module.eval()).graph
    except Exception as exc:  # fx raises many kinds on data-dependent control flow
        raise ValueError(
            f"The forward of {name} could not be traced by torch.fx ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:160]}); rebuild it as nn.Sequential(...) with the "
            "same weights, or pass its weight arrays to hiddenlens.from_arrays."
        ) from None
    modules = dict(module.named_modules())
    steps = []
    for node in _chain(graph, name):
        where = f"{name}.forward's {node.name}"
        if node.op == "call_module":
            steps.append(step_of(node.target, modules[node.target]))
        elif node.op == "call_function" and node.target in FUNCTIONS:
            steps.append(_activation(FUNCTIONS[node.target], node, where))
        elif node.op == "call_method" and node.target in METHODS:
            steps.append(_activation(METHODS[node.target], node, where))
        elif (node.op == "call_function" and node.target in RESHAPES_F) or \
                (node.op == "call_method" and node.target in RESHAPES_M):
            steps.append(Activation("linear", where))
        else:
            what = getattr(node.target, "__name__", node.target)
            raise ValueError(f"{where} ({what}) is not supported; hiddenlens imports dense "
                             f"networks made of {supported}.")
    return steps


def _chain(graph, name: str) -> list:
    """The nodes from the input to the output, each taking the one before; a second tensor
    input anywhere (a residual sum, a concatenation, a second input) is refused."""
    placeholders = [n for n in graph.nodes if n.op == "placeholder"]
    output = next(n for n in graph.nodes if n.op == "output")
    if len(placeholders) != 1:
        raise ValueError(f"{name}.forward takes {len(placeholders)} inputs; a dense network "
                         "takes one.")
    chain, node = [], output.args[0]
    while node is not placeholders[0]:
        if not hasattr(node, "op") or node.op in ("get_attr", "placeholder"):
            raise ValueError(f"{name}.forward does not pass its input through one chain of "
                             "layers (it uses a parameter directly or returns several "
                             "values); rebuild it as nn.Sequential(...).")
        tensors = [a for a in node.all_input_nodes if not _shape_helper(a)]
        if len(tensors) != 1:
            raise ValueError(f"{name}.forward's {node.name} combines {len(tensors)} tensors; "
                             "hiddenlens imports a plain chain of dense layers.")
        chain.append(node)
        node = tensors[0]
    return chain[::-1]


def _shape_helper(node) -> bool:
    """x.size(0), x.shape[0] and their arithmetic: only the shape of a view/reshape."""
    return (node.op == "call_method" and node.target in SHAPE_HELPERS_M) or \
        (node.op == "call_function" and node.target in SHAPE_HELPERS_F)


def _activation(kind: str, node, where: str) -> Activation:
    if kind in ("Softmax", "LogSoftmax"):
        dim = node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else None)
        if dim not in (None, 1, -1):
            raise ValueError(f"{where} normalises over dim={dim}; only dim=1 or -1 (over the "
                             "units of a (n, units) batch) can be imported.")
    return Activation(from_framework("torch")[kind], where)
