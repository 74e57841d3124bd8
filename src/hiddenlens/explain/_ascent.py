"""The pieces of activation maximization's ascent: steppers and image penalties.

Each works on a batch of rows (n_rows, n_inputs), one row per (unit, image), and never mixes
rows, so a batch gives what one run per row would.
"""

from __future__ import annotations

import contextlib

import numpy as np
import torch


def projector(norm, lo, hi, kernel, image_shape):
    """In place: scale the parameters so the rendered image has `norm`, then clip to bounds.

    Blur is a convex combination, so clipping the parameters keeps the image in bounds;
    it is linear, so scaling the parameters scales the image.
    """

    def project(p: torch.Tensor) -> None:
        if norm is not None:
            size = render(p, kernel, image_shape).norm(dim=1, keepdim=True)  # (n_rows, 1)
            p.mul_(norm / size.clamp_min(1e-12))
        if lo is not None:
            p.clamp_(min=lo, max=hi)

    return project


@contextlib.contextmanager
def flush_denormals():
    """Adam's second moments decay into denormal floats, which are ~5x slower on x86 CPUs;
    flushing them to zero halves a step. Restored to torch's default (off) afterwards."""
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)


class RowAdam:
    """Adam (Kingma and Ba 2015) ascending, element by element: rows never mix.

    Written out (eight lines) because torch.optim imports torch._dynamo, a second of start-up.
    """

    def __init__(self, param: torch.Tensor, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
        self.param, self.lr, self.betas, self.eps, self.t = param, lr, betas, eps, 0
        self.m, self.v = torch.zeros_like(param), torch.zeros_like(param)

    def ascend(self, grad: torch.Tensor) -> None:
        b1, b2 = self.betas
        self.t += 1
        self.m.mul_(b1).add_(grad, alpha=1 - b1)
        self.v.mul_(b2).addcmul_(grad, grad, value=1 - b2)
        denom = (self.v / (1 - b2**self.t)).sqrt_().add_(self.eps)
        self.param.addcdiv_(self.m, denom, value=self.lr / (1 - b1**self.t))


class SphereAscent:
    """Erhan et al.'s ascent under a norm constraint: each row steps `step` along its own
    normalised gradient before the projection back onto the sphere. (Adam's per-pixel scaling
    would bend the step away from the gradient and miss the constrained optimum.)"""

    def __init__(self, param: torch.Tensor, step: float):
        self.param, self.step = param, step

    def ascend(self, grad: torch.Tensor) -> None:
        size = grad.norm(dim=1, keepdim=True).clamp_min(1e-30)  # (n_rows, 1)
        self.param.add_(grad / size, alpha=self.step)


# ---------------------------------------------------------------- the image and its penalties
def blur_matrices(sigma: float, image_shape, dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """Gaussian blur as two matrices, (h, h) for the rows and (w, w) for the columns.

    Row i of a matrix holds the kernel centred on i, the taps beyond the edge folded onto the
    edge pixel (replicate padding); each row sums to 1. Two small matmuls blur a batch far
    faster than a one-channel conv2d.
    """
    radius = max(1, int(np.ceil(3 * sigma)))
    taps = np.exp(-np.arange(-radius, radius + 1) ** 2 / (2 * sigma**2))
    taps /= taps.sum()

    def matrix(n: int) -> torch.Tensor:
        m = np.zeros((n, n))
        for i in range(n):
            for t, weight in zip(range(-radius, radius + 1), taps):
                m[i, min(max(i + t, 0), n - 1)] += weight
        return torch.as_tensor(m, dtype=dtype)

    h, w = image_shape
    return matrix(h), matrix(w)


def render(p: torch.Tensor, blur, image_shape) -> torch.Tensor:
    """The image from the parameters: p itself, or p blurred (rows, then columns)."""
    if blur is None:
        return p
    rows, cols = blur
    img = rows @ p.reshape(-1, *image_shape) @ cols.T  # (n_rows, h, w)
    return img.reshape(len(p), -1)


def shift(x: torch.Tensor, shift, image_shape, jitter: int) -> torch.Tensor:
    if not jitter:
        return x
    h, w = image_shape
    dy, dx = int(shift[0]), int(shift[1])
    return torch.roll(x.reshape(-1, h, w), (dy, dx), dims=(1, 2)).reshape(len(x), h * w)


def total_variation(x: torch.Tensor, image_shape) -> torch.Tensor:
    img = x.reshape(-1, *image_shape)  # (n_rows, h, w)
    dy = (img[:, 1:, :] - img[:, :-1, :]) ** 2
    dx = (img[:, :, 1:] - img[:, :, :-1]) ** 2
    return dy.sum((1, 2)) + dx.sum((1, 2))  # (n_rows,)


def similarity(x: torch.Tensor, n_images: int) -> torch.Tensor:
    """Each row's mean cosine similarity to the other images of its unit, (n_rows,)."""
    v = torch.nn.functional.normalize(x, dim=1).reshape(-1, n_images, x.shape[1])
    sim = v @ v.transpose(1, 2)  # (n_units, n_images, n_images)
    off = sim.sum(2) - sim.diagonal(dim1=1, dim2=2)
    return (off / (n_images - 1)).reshape(-1)
