"""PyTorch nn.Sequential -> DenseNet."""

from __future__ import annotations

from torch import nn

from hiddenlens._activations import from_framework
from hiddenlens.io._arrays import Activation, Dense, assemble
from hiddenlens.io._torch_fx import traced_steps

PASS_THROUGH = (nn.Flatten, nn.Dropout)  # 2-D inputs stay 2-D; dropout is off at inference
SUPPORTED = "Linear, Sigmoid, Tanh, ReLU, Identity, Softmax, LogSoftmax, Flatten and Dropout"


def from_torch(module: nn.Module, *, output_activation: str | None = None, **metadata):
    """Import a PyTorch dense network: an ``nn.Sequential``, or a class of your own.

    Parameters
    ----------
    module : nn.Module
        An nn.Sequential (nested Sequentials are flattened) or a single nn.Linear: Linear
        layers with Sigmoid, Tanh, ReLU, Identity, Softmax or LogSoftmax between or after
        them; Flatten and Dropout are accepted (dropout is off at inference). Or a module
        class whose ``forward`` chains its Linear layers with those modules or with
        ``F.relu``, ``torch.sigmoid``, ``torch.tanh``, ``F.softmax``, ``F.log_softmax``,
        ``x.view(-1, 784)``, ``torch.flatten`` and ``F.dropout``: it is traced with
        ``torch.fx`` and the result is checked against the module's own outputs.
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
    if not isinstance(module, nn.Module):
        raise TypeError(f"`module` must be a torch nn.Module (an nn.Sequential of {SUPPORTED} "
                        f"layers, or a class whose forward chains them). Got "
                        f"{type(module).__name__} instead.")
    if isinstance(module, nn.Sequential):
        steps = [_step(index, layer) for index, layer in _walk(module, "")]
        return assemble(steps, "the nn.Sequential", output_activation=output_activation,
                        **metadata)
    source = f"the {type(module).__name__} module"
    steps = traced_steps(module, lambda index, layer: _step(index, layer, source), SUPPORTED)
    net = assemble(steps, source, output_activation=output_activation, **metadata)
    _check_same_outputs(module, net, source)
    return net


def _walk(module: nn.Sequential, prefix: str):
    """Yield (index, layer) for every leaf, nested Sequentials giving indices like "2.1"."""
    for i, layer in enumerate(module):
        index = f"{prefix}{i}"
        if isinstance(layer, nn.Sequential):
            yield from _walk(layer, index + ".")
        else:
            yield index, layer


def _step(index: str, layer: nn.Module, source: str = "the nn.Sequential"):
    name = f"layer {index} ({type(layer).__name__})"
    if isinstance(layer, nn.Linear):
        weight = layer.weight.detach().cpu().numpy()  # (n_out, n_in), our layout already
        bias = (layer.bias.detach().cpu().numpy() if layer.bias is not None
                else weight[:, 0] * 0)
        return Dense(weight.copy(), bias.copy(), name)
    if isinstance(layer, (nn.Softmax, nn.LogSoftmax)) and layer.dim not in (None, 1, -1):
        raise ValueError(
            f"{name} of {source} normalises over dim={layer.dim}; only dim=1 or -1 "
            "(over the units of a (n, units) batch) can be imported."
        )
    kind = from_framework("torch").get(type(layer).__name__)
    if kind is not None and type(layer) is getattr(nn, type(layer).__name__, None):
        return Activation(kind, name)
    if isinstance(layer, PASS_THROUGH):
        return Activation("linear", name)
    raise ValueError(
        f"{name} of {source} is not supported; hiddenlens imports dense networks made of "
        f"{SUPPORTED}."
    )


def _check_same_outputs(module: nn.Module, net, source: str) -> None:
    """The traced chain must compute what the module does (or its exponential, for a
    log-softmax output) on random inputs; otherwise the trace missed something."""
    import numpy as np
    import torch

    dtype = net.dtype
    x = torch.rand(4, net.n_inputs, generator=torch.Generator().manual_seed(0), dtype=dtype)
    try:
        with torch.no_grad():
            theirs = module.eval()(x).detach().double().numpy()
    except Exception:  # a forward that wants images, say: the trace is all there is
        return
    ours = net.forward(x.numpy()).astype(np.float64)
    if theirs.shape == ours.shape and (np.allclose(ours, theirs, rtol=1e-4, atol=1e-5) or
                                       np.allclose(ours, np.exp(theirs), rtol=1e-4, atol=1e-5)):
        return
    raise ValueError(f"{source} traced as {net.describe_sizes()} with {net.activations} does "
                     "not compute what its forward does; rebuild it as nn.Sequential(...) "
                     "with the same weights.")
