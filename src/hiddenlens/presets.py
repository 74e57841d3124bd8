"""The seeds' networks as named presets: architecture, initialisation and training recipe."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import torch

from hiddenlens._training import check_fits, train
from hiddenlens._validation import check_choice, integer_seed
from hiddenlens.data import Dataset, load_dataset
from hiddenlens.data._dataset import select_classes
from hiddenlens.net import DenseNet


@dataclass(frozen=True)
class Preset:
    """One of the seeds' networks: its architecture and how it was trained."""

    name: str
    sizes: list[int]
    activation: str
    output_activation: str
    loss: str
    optimizer: str
    lr: float
    batch_size: int
    epochs: int
    # "normal": N(0, 1) weights and biases, as network.py; "scaled-normal": weights
    # N(0, 1/n_in), as network2.py; "glorot": Keras' glorot_uniform; "default": torch's.
    init: str = "default"
    classes: list[int] | None = None
    dropout: float = 0.0
    description: str = ""


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in [
        # network2.py's scaled initialisation: with network.py's N(0, 1) weights, sigmoid
        # outputs saturate on 4,000 images and random_state 1-3 stall at 0.74-0.82 test accuracy.
        Preset("nielsen", [784, 100, 10], "sigmoid", "sigmoid", "quadratic", "sgd", 3.0, 10, 30,
               init="scaled-normal",
               description="Nielsen's network.py: 784-100-10 sigmoid, quadratic cost, SGD "
                           "eta=3.0, mini-batch 10, 30 epochs (96.59% on full MNIST)"),
        Preset("keras-blog", [784, 512, 256, 10], "relu", "softmax", "cross-entropy", "rmsprop",
               0.001, 128, 6, init="glorot", dropout=0.2,
               description="Keras' MNIST MLP: 784-512-256-10 relu, softmax, RMSprop, "
                           "batch 128, 6 epochs, dropout 0.2 after each hidden layer"),
        Preset("single-layer", [784, 10], "sigmoid", "softmax", "cross-entropy", "sgd", 0.5, 32,
               15, description="784-10 softmax regression: one template per digit"),
        Preset("zero-vs-one", [784, 1, 2], "sigmoid", "softmax", "cross-entropy", "sgd", 0.5, 10,
               5, classes=[0, 1],
               description="784-1-2 on digits 0 and 1: a single hidden unit tells them apart"),
    ]
}


def train_preset(
    name: str, data: Dataset | str | None = None, *, random_state=0, progress: bool = True,
    **overrides,
) -> DenseNet:
    """Build and train one of the seeds' networks by name (see `PRESETS`).

    Parameters
    ----------
    name : {"nielsen", "keras-blog", "single-layer", "zero-vs-one"}
    data : Dataset or str, optional
        Default: mnist-embedded (its 0/1 subset for zero-vs-one).
    random_state : int, None or numpy.random.Generator, default=0
        The initial weights and the shuffling, both drawn by torch from one integer: an int
        is used as is (the same int, the same weights bit for bit); None and a Generator
        draw that integer once (see `hiddenlens._validation.integer_seed`).
    **overrides
        Any Preset field (sizes, activation, output_activation, epochs, lr, batch_size,
        optimizer, loss, init, dropout) and `checkpoint`, `resume`, `overwrite`, `threads` for
        `train`.

    Returns
    -------
    DenseNet
    """
    if name not in PRESETS:
        raise ValueError(f"Unknown preset {name!r}; the presets are: {', '.join(PRESETS)}.")
    run_options = {k: overrides.pop(k) for k in ("checkpoint", "resume", "overwrite", "threads")
                   if k in overrides}
    known = {f.name for f in fields(Preset)} - {"name", "description"}
    unknown = set(overrides) - known
    if unknown:
        raise ValueError(f"Unknown preset option(s) {sorted(unknown)}; known: {sorted(known)}.")
    p = replace(PRESETS[name], **overrides)
    check_choice(p.init, "init", tuple(_INITS))
    if data is None:
        data = load_dataset("mnist-embedded", classes=p.classes)
    elif isinstance(data, str):
        data = load_dataset(data, classes=p.classes, progress=progress)
    elif p.classes is not None and data.n_classes not in (None, len(p.classes)):
        data = select_classes(data, p.classes)  # zero-vs-one on the full MNIST
    random_state = integer_seed(random_state)  # one draw for a Generator, used throughout
    net = DenseNet(p.sizes, p.activation, p.output_activation, random_state=random_state)
    _INITS[p.init](net, random_state)
    try:
        check_fits(net, data)
    except ValueError as exc:
        raise ValueError(f"Preset {name!r} does not fit {data.name}: {exc}") from None
    return train(net, data, epochs=p.epochs, lr=p.lr, batch_size=p.batch_size,
                 optimizer=p.optimizer, loss=p.loss, dropout=p.dropout,
                 random_state=random_state, progress=progress, **run_options)


def _glorot_init(net: DenseNet, random_state=0) -> None:
    """Keras' default: weights U(-sqrt(6 / (n_in + n_out)), +...), biases zero."""
    g = torch.Generator().manual_seed(integer_seed(random_state))
    with torch.no_grad():
        for lin in net.module.linears:
            n_out, n_in = lin.weight.shape
            limit = (6.0 / (n_in + n_out)) ** 0.5
            u = torch.rand(lin.weight.shape, generator=g, dtype=lin.weight.dtype)
            lin.weight.copy_((2 * u - 1) * limit)
            lin.bias.zero_()


def _normal_init(net: DenseNet, random_state=0, weight_scale: bool = False) -> None:
    """network.py's initialisation, N(0, 1) weights and biases; network2.py's divides the
    weights by sqrt(n_in) (`weight_scale`) so sigmoid units start unsaturated."""
    g = torch.Generator().manual_seed(integer_seed(random_state))
    with torch.no_grad():
        for lin in net.module.linears:
            w = torch.randn(lin.weight.shape, generator=g, dtype=lin.weight.dtype)
            lin.weight.copy_(w / lin.weight.shape[1] ** 0.5 if weight_scale else w)
            lin.bias.copy_(torch.randn(lin.bias.shape, generator=g, dtype=lin.bias.dtype))


_INITS = {
    "default": lambda net, random_state: None,
    "normal": _normal_init,
    "scaled-normal": lambda net, random_state: _normal_init(net, random_state, weight_scale=True),
    "glorot": _glorot_init,
}
