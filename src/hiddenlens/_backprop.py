"""The gradients of a training loss for a dense network, on the dense chain.

For mini-batches of 10 the cost of a step is torch's per-operation overhead, not arithmetic;
the chain's closed form (one forward pass, one product per layer going back) takes a third of
the operations autograd records and replays. `tests/test_train.py` checks it against autograd
for every output and loss, with and without dropout.
"""

from __future__ import annotations

import torch

from hiddenlens import _chain as chain


def loss_gradients(module, x: torch.Tensor, target: torch.Tensor, loss: str,
                   dropout: float = 0.0, generator: torch.Generator | None = None,
                   ) -> list[torch.Tensor]:
    """Gradients in `module.parameters()` order: [dW_0, db_0, dW_1, db_1, ...].

    x : (m, n_inputs) raw inputs; target : (m, n_out) one-hot classes or regression values.
    `dropout` zeroes each hidden activation with that probability (inverted dropout, drawn
    from `generator` layer by layer), as Keras' Dropout layers do while training: an
    intervention that scales every hidden unit by its example's mask.
    """
    m, n_layers = len(x), len(module.linears)
    masks = []
    for lin in module.linears[:-1] if dropout else ():
        keep = torch.rand((m, lin.out_features), generator=generator, dtype=x.dtype) >= dropout
        masks.append(chain.Intervention(len(masks), None, "scale",
                                        keep.to(x.dtype) / (1 - dropout)))
    p = chain.run(module, x, interventions=masks)
    delta = chain.loss_gradient(module.activations[-1], p.z[-1], p.a[-1], target, loss, per=m)
    deltas: list = []  # (l, d loss / d z_l), from the output down
    chain.pull_back(module, p, delta, n_layers - 1, pre=True, to=("z", 0), collect=deltas)
    grads = []
    for l, d in deltas:
        below = p.input if l == 0 else p.a[l - 1]  # what layer l multiplied, (m, n_in)
        grads += [d.sum(dim=0), d.T @ below]  # db (n_out,), dW (n_out, n_in)
    return grads[::-1]
