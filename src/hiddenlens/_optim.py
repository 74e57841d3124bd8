"""RMSprop as Keras defines it, for the keras-blog preset.

Keras keeps epsilon inside the square root, v <- rho v + (1 - rho) g^2, w <- w - lr g /
sqrt(v + eps), where torch's RMSprop divides by sqrt(v) + eps; with eps = 1e-7 the two differ
for parameters whose gradients are small, which is most of a 784-input layer's.
"""

from __future__ import annotations

import torch


class KerasRMSprop(torch.optim.Optimizer):
    def __init__(self, params, lr: float = 1e-3, rho: float = 0.9, eps: float = 1e-7):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            lr, rho, eps = group["lr"], group["rho"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if "velocity" not in state:
                    state["velocity"] = torch.zeros_like(p)
                v = state["velocity"]
                v.mul_(rho).addcmul_(p.grad, p.grad, value=1 - rho)
                p.sub_(lr * p.grad / torch.sqrt(v + eps))
