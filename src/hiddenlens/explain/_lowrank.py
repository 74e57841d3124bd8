"""The exact shortcut behind every perturbation method: a low-rank first-layer update.

Changing the columns S of the inputs by dX_S changes layer 0's pre-activation by
z0' = z0 + dX_S @ W0[:, S].T (the standardisation folded into W0), so the (n, d) @ (d, h)
product is done once for the data and each perturbation costs (n, |S|) @ (|S|, h). The rest of
the network runs as usual. The numbers are those of a full forward pass up to float rounding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import torch

from hiddenlens.explain._targets import first_layer, z0_of
from hiddenlens.net import DenseNet, apply_activation

MAX_BLOCK_ELEMENTS = 2**23  # (perturbations * rows * widest layer) per block: 32 MB float32


class FirstLayerCache:
    """Layer 0's pre-activation of the data, and one layer's response to column changes.

    Parameters
    ----------
    net : DenseNet
    X : tensor of shape (n, n_inputs), the model's dtype
    layer : int, default=-1
        The layer whose values are returned (the output for scores, any unit for occlusion).
    pre_activation : bool, default=False
        Return that layer's pre-activation (logits) instead of its activation.

    Only the rows a change touches are run through the network (a pixel that is 0 before and
    after a shuffle leaves the row as it was); the others keep the unperturbed values, which
    are exactly what a full pass would give them since z0 + 0 = z0.
    """

    def __init__(self, net: DenseNet, X: torch.Tensor, layer: int = -1,
                 pre_activation: bool = False):
        self.net, self.layer, self.pre = net, layer % net.n_layers, pre_activation
        W, _ = first_layer(net)
        self.Wt = W.T.contiguous()  # (d, h): raw-input rows of W0
        self.z0 = z0_of(net, X)  # (n, h)
        self.base = self.values(self.z0)  # (n, width of `layer`)
        width = max(net.sizes[1:])
        self.block = max(1, MAX_BLOCK_ELEMENTS // max(1, len(X) * width))

    def values(self, z: torch.Tensor) -> torch.Tensor:
        """The chosen layer's values (T, width) from layer 0 pre-activations (T, h)."""
        net, L = self.net, self.layer
        a = z
        with torch.no_grad():
            for l in range(L + 1):
                if l > 0:
                    z = net.module.linears[l](a)
                if l == L and self.pre:
                    return z
                a = apply_activation(net.activations[l], z)
            return a

    def block_values(self, cols: torch.Tensor, dX: torch.Tensor) -> torch.Tensor:
        """Values (B, n, width) after B changes: cols (B, k) int64, dX (B, n, k)."""
        changed = (dX != 0).any(-1)  # (B, n)
        b, r = changed.nonzero(as_tuple=True)  # (T,) the touched (change, row) pairs
        n, width = self.base.shape
        out = self.base.expand(len(cols), -1, -1).clone()
        if len(b) == 0:
            return out
        with torch.no_grad():
            z = _rows(self.z0, r)  # (T, h)
            if cols.shape[1] == 1:  # rank one: dz = dx * W0[:, j], only on touched rows
                z.addcmul_(dX[..., 0][changed][:, None], _rows(self.Wt, cols[b, 0]))
            else:
                z += torch.bmm(dX, self.Wt[cols])[b, r]
            out.view(-1, width).index_copy_(0, b * n + r, self.values(z))
        return out


def _rows(A: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """A[index] for a 2-D tensor; numpy's take is several times faster than torch's float64
    index_select on this CPU build."""
    return torch.from_numpy(np.take(A.numpy(), index.numpy(), axis=0))


def iter_blocks(cache: FirstLayerCache, groups: list[np.ndarray], n_repeats: int,
                delta: Callable[[int, int], torch.Tensor]) -> Iterator:
    """Yield (tasks, values (B, n, width)) for blocks of (group, repeat) perturbations.

    Consecutive tasks whose groups have the same size share one batched product; a block
    holds at most `cache.block` tasks so memory stays bounded. `delta(g, r)` returns the
    (n, |group g|) change of repeat r.
    """
    tasks = [(g, r) for g in range(len(groups)) for r in range(n_repeats)]
    i = 0
    while i < len(tasks):
        k = len(groups[tasks[i][0]])
        j = i + 1
        while j < len(tasks) and j - i < cache.block and len(groups[tasks[j][0]]) == k:
            j += 1
        batch = tasks[i:j]
        cols = torch.as_tensor(np.stack([groups[g] for g, _ in batch]), dtype=torch.int64)
        dX = torch.stack([delta(g, r) for g, r in batch])  # (B, n, k)
        yield batch, cache.block_values(cols, dX)
        i = j


@contextmanager
def progress_bar(enabled: bool, total: int, description: str):
    """A rich progress bar; yields `advance(k)`. Disabled bars cost nothing."""
    if not enabled:
        yield lambda k=1: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn(),
                  transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda k=1: bar.advance(task, k)
