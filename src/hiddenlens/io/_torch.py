"""PyTorch nn.Sequential -> DenseNet."""

from __future__ import annotations

from torch import nn

from hiddenlens._activations import from_framework
from hiddenlens.io._arrays import Activation, Dense, assemble

PASS_THROUGH = (nn.Flatten, nn.Dropout)  # 2-D inputs stay 2-D; dropout is off at inference
SUPPORTED = "Linear, Sigmoid, Tanh, ReLU, Identity, Softmax, LogSoftmax, Flatten and Dropout"


def from_torch(module: nn.Module, *, output_activation: str | None = None, **metadata):
    """Import a PyTorch ``nn.Sequential`` of dense layers.

    Parameters
    ----------
    module : nn.Sequential (nested Sequentials are flattened) or a single nn.Linear
        Linear layers with Sigmoid, Tanh, ReLU, Identity, Softmax or LogSoftmax between or
        after them; Flatten and Dropout are accepted (dropout is off at inference).
        LogSoftmax is imported as softmax: the DenseNet returns the probabilities, the
        exponential of what the module returns.
    output_activation : {"softmax", "sigmoid"}, optional
        For a network that ends in logits (a linear output, as when trained with a
        cross-entropy loss on logits): the activation to put on them, so that
        ``predict_proba`` gives probabilities.
    **metadata
        class_names, feature_names, image_shape, task for the DenseNet.

    Returns
    -------
    DenseNet
        Of the module's dtype (float32 or float64), computing what ``module.eval()`` does.
    """
    if isinstance(module, nn.Linear):
        module = nn.Sequential(module)
    if not isinstance(module, nn.Sequential):
        raise TypeError(
            f"`module` must be an nn.Sequential of {SUPPORTED} layers. Got "
            f"{type(module).__name__} instead; rebuild it as nn.Sequential(...) with the same "
            "weights, or pass its weight arrays to hiddenlens.from_arrays."
        )
    steps = [_step(index, layer) for index, layer in _walk(module, "")]
    return assemble(steps, "the nn.Sequential", output_activation=output_activation, **metadata)


def _walk(module: nn.Sequential, prefix: str):
    """Yield (index, layer) for every leaf, nested Sequentials giving indices like "2.1"."""
    for i, layer in enumerate(module):
        index = f"{prefix}{i}"
        if isinstance(layer, nn.Sequential):
            yield from _walk(layer, index + ".")
        else:
            yield index, layer


def _step(index: str, layer: nn.Module):
    name = f"layer {index} ({type(layer).__name__})"
    if isinstance(layer, nn.Linear):
        weight = layer.weight.detach().cpu().numpy()  # (n_out, n_in), our layout already
        bias = (layer.bias.detach().cpu().numpy() if layer.bias is not None
                else weight[:, 0] * 0)
        return Dense(weight.copy(), bias.copy(), name)
    if isinstance(layer, (nn.Softmax, nn.LogSoftmax)) and layer.dim not in (None, 1, -1):
        raise ValueError(
            f"{name} of the nn.Sequential normalises over dim={layer.dim}; only dim=1 or -1 "
            "(over the units of a (n, units) batch) can be imported."
        )
    kind = from_framework("torch").get(type(layer).__name__)
    if kind is not None and type(layer) is getattr(nn, type(layer).__name__, None):
        return Activation(kind, name)
    if isinstance(layer, PASS_THROUGH):
        return Activation("linear", name)
    raise ValueError(
        f"{name} of the nn.Sequential is not supported; hiddenlens imports dense networks "
        f"made of {SUPPORTED}."
    )
