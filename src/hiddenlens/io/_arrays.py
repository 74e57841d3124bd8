"""Lists of numpy arrays -> DenseNet, and the assembly every importer shares.

Every importer reduces its source to a list of steps: a dense layer (weights (n_out, n_in),
biases (n_out,)) or an activation, and `assemble` folds each activation into the dense layer
before it, checks that the shapes chain and that every number is finite, and builds the
DenseNet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from hiddenlens._activations import hidden_activations, output_activations
from hiddenlens._validation import check_choice
from hiddenlens.net import DenseNet

ORIENTATIONS = ("auto", "out_in", "in_out")


@dataclass
class Dense:
    """A dense layer: weights (n_out, n_in), biases (n_out,), and a name for messages."""

    weights: np.ndarray
    biases: np.ndarray
    name: str


@dataclass
class Activation:
    """An activation ("sigmoid", "tanh", "relu", "softmax", "linear") applied after a layer."""

    kind: str
    name: str


def assemble(steps: Sequence, source: str, **metadata) -> DenseNet:
    """Fold activations into the dense layers before them and build a DenseNet.

    Parameters
    ----------
    steps : sequence of Dense and Activation, in forward order
    source : str
        What is being imported ("model.keras", "the nn.Sequential"), for error messages.
    **metadata
        dtype, task, class_names, feature_names, image_shape for the DenseNet.
    """
    layers: list[Dense] = []
    acts: list[str] = []
    for step in steps:
        if isinstance(step, Dense):
            layers.append(step)
            acts.append("linear")
        elif not layers:
            if step.kind != "linear":
                raise ValueError(
                    f"{step.name} of {source} applies {step.kind} before any dense layer; "
                    "hiddenlens models start with a dense layer."
                )
        elif step.kind == "linear" or step.kind == acts[-1] == "relu":
            continue  # identity, or relu(relu(z)) = relu(z)
        elif acts[-1] != "linear":
            raise ValueError(
                f"{step.name} of {source} applies {step.kind} after {acts[-1]} on the same "
                "layer; hiddenlens supports one activation per dense layer."
            )
        else:
            acts[-1] = step.kind
    if not layers:
        raise ValueError(f"{source} has no dense layer; there is nothing to import.")
    return build_net([d.weights for d in layers], [d.biases for d in layers], acts,
                     source=source, names=[d.name for d in layers], **metadata)


def build_net(weights, biases, activations, *, source: str, names=None, output_activation=None,
              dtype=None, task=None, class_names=None, feature_names=None,
              image_shape="auto") -> DenseNet:
    """Build a DenseNet from weights[l] (n_out, n_in), biases[l] (n_out,) and activations[l].

    The dtype is float64 when any array is float64 (so predictions match the source), else
    float32; ``image_shape="auto"`` folds 784 inputs as 28x28 digits. `output_activation`
    puts an activation on a network that ends in logits (a linear output).
    """
    names = names or [f"weights[{l}]" for l in range(len(weights))]
    activations = _with_output(list(activations), output_activation, source)
    weights = [_finite(np.asarray(w), f"{n}", source) for w, n in zip(weights, names)]
    biases = [_finite(np.asarray(b).reshape(-1), f"the biases of {n}", source)
              for b, n in zip(biases, names)]
    for l in range(len(weights)):
        _check_layer(weights, biases, l, names, source)
    for l, act in enumerate(activations[:-1]):
        if act not in hidden_activations():
            raise ValueError(
                f"{names[l]} of {source} is a hidden layer with activation {act!r}; hidden "
                f"layers may use {', '.join(hidden_activations())} ({act} only on the output)."
            )
    if activations[-1] not in output_activations():
        raise ValueError(
            f"The output layer {names[-1]} of {source} uses {activations[-1]!r}; the output "
            f"may use {', '.join(output_activations())}."
        )
    if dtype is None:
        wide = any(a.dtype == np.float64 for a in weights + biases)
        dtype = torch.float64 if wide else torch.float32
    sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
    if isinstance(image_shape, str):
        image_shape = (28, 28) if sizes[0] == 784 else None
    net = DenseNet(sizes, list(activations[:-1]), activations[-1], dtype, task=task,
                   class_names=class_names, feature_names=feature_names,
                   image_shape=image_shape)
    net.set_parameters(weights, biases)
    return net


def _with_output(activations: list[str], output_activation: str | None,
                 source: str) -> list[str]:
    if output_activation is None or output_activation == activations[-1]:
        return activations
    check_choice(output_activation, "output_activation", output_activations())
    if activations[-1] != "linear":
        raise ValueError(
            f"{source} already ends in {activations[-1]}; "
            f"`output_activation={output_activation!r}` can only be put on a network that "
            "ends in logits (a linear output layer)."
        )
    return activations[:-1] + [output_activation]


def _finite(a: np.ndarray, what: str, source: str) -> np.ndarray:
    if not np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.complexfloating):
        raise TypeError(f"{what} of {source} must hold real numbers. Got dtype {a.dtype}.")
    if not np.all(np.isfinite(a)):
        raise ValueError(
            f"{what} of {source} contains NaN or infinite values; a network with such weights "
            "computes nothing meaningful, so fix or retrain it before importing."
        )
    return a


def _check_layer(weights, biases, l: int, names, source: str) -> None:
    w, b = weights[l], biases[l]
    if w.ndim != 2 or 0 in w.shape:
        raise ValueError(
            f"{names[l]} of {source} must be a non-empty 2-D matrix. Got shape {w.shape}."
        )
    if b.shape != (w.shape[0],):
        raise ValueError(
            f"The biases of {names[l]} of {source} must hold {w.shape[0]} values, one per "
            f"output unit. Got {b.size}."
        )
    if l and w.shape[1] != weights[l - 1].shape[0]:
        raise ValueError(
            f"The shapes do not chain in {source}: {names[l]} takes {w.shape[1]} inputs but "
            f"{names[l - 1]} gives {weights[l - 1].shape[0]} outputs."
        )


def require_activations(path, names: Sequence[str], activation, output_activation) -> None:
    """Refuse weights whose activations neither the file nor the caller gives: the one
    sentence for an .npz and a safetensors state dict alike."""
    if output_activation is None or (len(names) > 1 and activation is None):
        raise ValueError(
            f"{path} holds the weights of {len(names)} dense layers ({', '.join(names)}) but "
            "not their activations; pass activation= and output_activation= (--activation and "
            "--output-activation on the command line)."
        )


def from_arrays(
    weights: Sequence,
    biases: Sequence | None = None,
    *,
    activation: str | Sequence[str] = "sigmoid",
    output_activation: str = "sigmoid",
    orientation: str = "auto",
    dtype: torch.dtype | None = None,
    task: str | None = None,
    class_names: Sequence[str] | None = None,
    feature_names: Sequence[str] | None = None,
    image_shape="auto",
) -> DenseNet:
    """Build a DenseNet from lists of numpy arrays, as Nielsen's network.py keeps them.

    Parameters
    ----------
    weights : sequence of array-like, one 2-D matrix per layer
        Either (n_out, n_in) per layer, as network.py (``weights[0]`` is (100, 784)), or
        (n_in, n_out), as Keras and scikit-learn store them.
    biases : sequence of array-like, optional
        One per layer, of shape (n_out,), (n_out, 1) as network.py, or (1, n_out).
        Default: zeros.
    activation : str or sequence of str, default="sigmoid"
        Hidden activation ("sigmoid", "tanh", "relu", "linear"), or one per hidden layer.
    output_activation : {"sigmoid", "softmax", "linear"}, default="sigmoid"
        network.py applies the sigmoid to its output layer too.
    orientation : {"auto", "out_in", "in_out"}, default="auto"
        How to read each matrix: "out_in" is (n_out, n_in), "in_out" is (n_in, n_out).
        "auto" decides from the chain of shapes (and the bias lengths) and refuses when both
        readings fit, as with square matrices.
    dtype : torch.dtype, optional
        Default: float64 when the arrays are float64 (network.py's are), else float32.
    task, class_names, feature_names, image_shape :
        Metadata for the DenseNet; ``image_shape="auto"`` folds 784 inputs as 28x28.

    Returns
    -------
    DenseNet
        Its ``weights[l]`` are (n_out, n_in) whatever the orientation given.

    Examples
    --------
    >>> net = from_arrays(network.weights, network.biases)  # doctest: +SKIP
    """
    check_choice(orientation, "orientation", ORIENTATIONS)
    if isinstance(weights, np.ndarray) and weights.ndim == 2:
        weights = [weights]
    weights = [np.asarray(w) for w in weights]
    if not weights:
        raise ValueError("`weights` must hold at least one matrix. Got an empty list instead.")
    for l, w in enumerate(weights):
        if w.ndim != 2:
            raise ValueError(f"`weights[{l}]` must be a 2-D matrix. Got shape {w.shape} instead.")
    if biases is None:
        biases = [None] * len(weights)
    if len(biases) != len(weights):
        raise ValueError(
            f"`biases` must hold one vector per weight matrix ({len(weights)}). "
            f"Got {len(biases)} instead."
        )
    biases = [None if b is None else _bias_vector(b, l) for l, b in enumerate(biases)]
    if orientation == "auto":
        orientation = _guess_orientation(weights, biases)
    if orientation == "in_out":
        weights = [w.T for w in weights]
    biases = [np.zeros(w.shape[0], w.dtype) if b is None else b for w, b in zip(weights, biases)]
    n_hidden = len(weights) - 1
    hidden = [activation] * n_hidden if isinstance(activation, str) else list(activation)
    if len(hidden) != n_hidden:
        raise ValueError(
            f"`activation` must be one name or one per hidden layer ({n_hidden}). "
            f"Got {len(hidden)} instead."
        )
    return build_net(weights, biases, hidden + [output_activation], source="the arrays",
                     dtype=dtype,
                     task=task, class_names=class_names, feature_names=feature_names,
                     image_shape=image_shape)


def _bias_vector(b, l: int) -> np.ndarray:
    b = np.asarray(b)
    if b.ndim > 2 or (b.ndim == 2 and 1 not in b.shape):
        raise ValueError(
            f"`biases[{l}]` must be a vector, (n,), (n, 1) or (1, n). Got shape {b.shape} "
            "instead."
        )
    return b.reshape(-1)


def _fits(weights, biases, orientation: str) -> bool:
    """Whether every matrix read in `orientation` chains into the next and matches its bias."""
    n_out = [w.shape[0] if orientation == "out_in" else w.shape[1] for w in weights]
    n_in = [w.shape[1] if orientation == "out_in" else w.shape[0] for w in weights]
    chain = all(o == i for o, i in zip(n_out[:-1], n_in[1:]))
    return chain and all(b is None or b.size == o for b, o in zip(biases, n_out))


def _guess_orientation(weights, biases) -> str:
    fits = [o for o in ("out_in", "in_out") if _fits(weights, biases, o)]
    shapes = ", ".join(str(w.shape) for w in weights)
    if len(fits) == 1:
        return fits[0]
    if not fits:
        raise ValueError(
            f"The weight shapes {shapes} do not chain, neither read as (n_out, n_in) like "
            "network.py nor as (n_in, n_out) like Keras: each layer's outputs must be the next "
            "layer's inputs and each bias as long as its layer's outputs."
        )
    raise ValueError(
        f"The weight shapes {shapes} chain both as (n_out, n_in) and as (n_in, n_out), so "
        "which way they are stored is ambiguous; pass orientation='out_in' (network.py) or "
        "orientation='in_out' (Keras, scikit-learn)."
    )
