"""Every activation a DenseNet knows, and everything the project knows about each one.

Adding an activation is one entry in `ACTIVATIONS`: its function, its derivative, the range
of its values (the views' scales), the levels below which a unit is off and above which it is
saturated (the atlas and `describe`), and the names other frameworks give it (the importers
and the ONNX export read them from here). The explorer's page runs the chain itself and has
the one other copy of the formulas, in `server/static/forward.js`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

INF = float("inf")


@dataclass(frozen=True)
class Activation:
    """One activation function.

    Attributes
    ----------
    name : str
    apply : callable
        (n, units) pre-activations -> activations.
    derivative : callable or None
        f'(z) elementwise from (z, a = f(z)); None when f is not elementwise (softmax).
    range : (float, float)
        The values f can take.
    floor, ceiling : float or None
        Below `floor` a unit is off (dead if it never rises above it); above `ceiling` it is
        saturated. None: the activation has no such level.
    base : float or None
        The value class selectivity measures from (the lowest value); None: the lowest
        class mean.
    hidden, output : bool
        Whether a hidden layer, an output layer may use it.
    aliases : dict of str to tuple of str
        Its names elsewhere: "keras" (a Dense layer's activation or a layer class),
        "sklearn" (MLP's `activation` / `out_activation_`), "torch" (nn module class names),
        "onnx" (operator types; the first is what the ONNX export writes).
    """

    name: str
    apply: Callable[[torch.Tensor], torch.Tensor]
    derivative: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None
    range: tuple[float, float]
    floor: float | None
    ceiling: float | None
    base: float | None
    hidden: bool = True
    output: bool = True
    aliases: dict = field(default_factory=dict)

    @property
    def bounded(self) -> bool:
        """|f| <= 1 everywhere."""
        return -1 <= self.range[0] and self.range[1] <= 1


_ACTIVATIONS = [
    Activation("sigmoid", torch.sigmoid, lambda z, a: a * (1 - a),  # s'(z) = s (1 - s)
               (0.0, 1.0), floor=0.01, ceiling=0.99, base=0.0,
               aliases={"keras": ("sigmoid",), "sklearn": ("logistic",),
                        "torch": ("Sigmoid",), "onnx": ("Sigmoid",)}),
    Activation("tanh", torch.tanh, lambda z, a: 1 - a * a,
               (-1.0, 1.0), floor=-0.99, ceiling=0.99, base=-1.0, output=False,
               aliases={"keras": ("tanh",), "sklearn": ("tanh",), "torch": ("Tanh",),
                        "onnx": ("Tanh",)}),
    Activation("relu", torch.relu, lambda z, a: (z > 0).to(z.dtype),
               (0.0, INF), floor=0.0, ceiling=None, base=0.0, output=False,
               aliases={"keras": ("relu", "ReLU"), "sklearn": ("relu",), "torch": ("ReLU",),
                        "onnx": ("Relu",)}),
    Activation("linear", lambda z: z, lambda z, a: torch.ones_like(z),
               (-INF, INF), floor=None, ceiling=None, base=None,
               aliases={"keras": ("linear", None), "sklearn": ("identity",),
                        "torch": ("Identity",), "onnx": ("Identity",)}),
    # log-probabilities import as softmax: exp of them are the probabilities
    Activation("softmax", lambda z: torch.softmax(z, dim=1), None,
               (0.0, 1.0), floor=0.01, ceiling=0.99, base=0.0, hidden=False,
               aliases={"keras": ("softmax", "Softmax"), "sklearn": ("softmax",),
                        "torch": ("Softmax", "LogSoftmax"), "onnx": ("Softmax", "LogSoftmax")}),
]
ACTIVATIONS = {a.name: a for a in _ACTIVATIONS}


def hidden_activations() -> tuple[str, ...]:
    """The names a hidden layer may use, in `ACTIVATIONS` order."""
    return tuple(name for name, a in ACTIVATIONS.items() if a.hidden)


def output_activations() -> tuple[str, ...]:
    """The names an output layer may use: softmax, sigmoid, linear, then any added."""
    names = [name for name, a in ACTIVATIONS.items() if a.output]
    return tuple(sorted(names, key=lambda n: ("softmax", "sigmoid", "linear", n).index(n)
                        if n in ("softmax", "sigmoid", "linear") else 3))


def add_activation(activation: Activation) -> None:
    """Make `activation` known everywhere (DenseNet, the chain, training, the views, the
    importers and the ONNX export read `ACTIVATIONS`)."""
    ACTIVATIONS[activation.name] = activation


def apply_activation(name: str, z: torch.Tensor) -> torch.Tensor:
    """Apply a named activation to pre-activations z of shape (n, units)."""
    return ACTIVATIONS[name].apply(z)


def activation_derivative(name: str, z: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """f'(z) elementwise (n, units) from z and a = f(z); not for softmax (not elementwise)."""
    return ACTIVATIONS[name].derivative(z, a)


def from_framework(framework: str) -> dict:
    """{a framework's name for an activation: ours}, e.g. from_framework("sklearn")["logistic"]
    == "sigmoid"."""
    return {alias: a.name for a in ACTIVATIONS.values()
            for alias in a.aliases.get(framework, ())}
