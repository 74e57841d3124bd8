"""The activation functions a DenseNet uses, and their derivatives."""

from __future__ import annotations

import torch

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
OUTPUT_ACTIVATIONS = ("softmax", "sigmoid", "linear")


def apply_activation(name: str, z: torch.Tensor) -> torch.Tensor:
    """Apply a named activation to pre-activations z of shape (n, units)."""
    if name == "sigmoid":
        return torch.sigmoid(z)
    if name == "tanh":
        return torch.tanh(z)
    if name == "relu":
        return torch.relu(z)
    if name == "softmax":
        return torch.softmax(z, dim=1)
    return z  # linear


def activation_derivative(name: str, z: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """f'(z) elementwise (n, units) from z and a = f(z); not for softmax (not elementwise)."""
    if name == "sigmoid":
        return a * (1 - a)  # s'(z) = s (1 - s)
    if name == "tanh":
        return 1 - a * a
    if name == "relu":
        return (z > 0).to(z.dtype)
    return torch.ones_like(z)
