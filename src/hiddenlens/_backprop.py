"""Closed-form gradients of a training loss for a dense network (backpropagation by hand).

For mini-batches of 10 the cost of a step is torch's per-operation overhead, not arithmetic;
writing the chain rule out (one forward pass, one product per layer going back) takes a third
of the operations autograd records and replays. `tests/test_train.py` checks it against
autograd for every output and loss.
"""

from __future__ import annotations

import torch

from hiddenlens.net import DenseModule, activation_derivative, apply_activation


def output_delta(module: DenseModule, z: torch.Tensor, a: torch.Tensor, target: torch.Tensor,
                 loss: str) -> torch.Tensor:
    """d loss / d z for the output layer, (m, n_out); `target` is one-hot or values (m, n_out)."""
    m, name = len(z), module.activations[-1]
    if loss == "cross-entropy":  # softmax + NLL, or sigmoid + BCE summed over outputs
        return (a - target) / m
    g = (a - target) / m if loss == "quadratic" else 2 * (a - target) / (m * a.shape[1])
    if name == "softmax":  # g J_softmax, J = diag(p) - p p^T
        return a * (g - (g * a).sum(dim=1, keepdim=True))
    return g * activation_derivative(name, z, a)


def loss_gradients(module: DenseModule, x: torch.Tensor, target: torch.Tensor, loss: str,
                   dropout: float = 0.0, generator: torch.Generator | None = None,
                   ) -> list[torch.Tensor]:
    """Gradients in `module.parameters()` order: [dW_0, db_0, dW_1, db_1, ...].

    x : (m, n_inputs) raw inputs; target : (m, n_out) one-hot classes or regression values.
    `dropout` zeroes each hidden activation with that probability (inverted dropout, drawn
    from `generator`), as Keras' Dropout layers do while training.
    """
    n_layers = len(module.linears)
    a = module.standardize(x)
    inputs, zs, acts, masks = [], [], [], []
    for l, (linear, name) in enumerate(zip(module.linears, module.activations)):
        inputs.append(a)  # what layer l multiplies, (m, n_in)
        z = linear(a)
        a = apply_activation(name, z)
        zs.append(z)
        acts.append(a)
        if dropout and l < n_layers - 1:
            keep = torch.rand(a.shape, generator=generator, dtype=a.dtype) >= dropout
            masks.append(keep.to(a.dtype) / (1 - dropout))
            a = a * masks[-1]
    delta = output_delta(module, zs[-1], acts[-1], target, loss)  # (m, n_out)
    grads = []
    for l in range(n_layers - 1, -1, -1):
        grads += [delta.sum(dim=0), delta.T @ inputs[l]]  # db (n_out,), dW (n_out, n_in)
        if l:
            delta = (delta @ module.linears[l].weight) * activation_derivative(
                module.activations[l - 1], zs[l - 1], acts[l - 1])
            if masks:
                delta = delta * masks[l - 1]
    return grads[::-1]
