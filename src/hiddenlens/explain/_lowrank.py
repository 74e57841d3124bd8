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

from hiddenlens.explain._targets import first_layer, forward_from_z0, z0_of
from hiddenlens.net import DenseNet

MAX_BLOCK_ELEMENTS = 2**23  # (perturbations * rows * widest layer) per block: 32 MB float32


class FirstLayerCache:
    """Layer 0's pre-activation of the data, and the network's response to column changes.

    Parameters
    ----------
    net : DenseNet
    X : tensor of shape (n, n_inputs), the model's dtype
    """

    def __init__(self, net: DenseNet, X: torch.Tensor):
        self.net, self.X = net, X
        W, _ = first_layer(net)
        self.Wt = W.T.contiguous()  # (d, h): raw-input rows of W0
        self.z0 = z0_of(net, X)  # (n, h)
        width = max(net.sizes[1:])
        self.block = max(1, MAX_BLOCK_ELEMENTS // max(1, len(X) * width))

    def forward(self, cols: torch.Tensor, dX: torch.Tensor):
        """(zs, acts) of every layer, each (B, n, width), for B changes of B column sets.

        cols : (B, k) int64 column indices; dX : (B, n, k) the change of those columns.
        """
        with torch.no_grad():
            z = torch.baddbmm(self.z0.expand(len(cols), -1, -1), dX, self.Wt[cols])
            return forward_from_z0(self.net, z)


def iter_blocks(cache: FirstLayerCache, groups: list[np.ndarray], n_repeats: int,
                delta: Callable[[int, int], torch.Tensor]) -> Iterator:
    """Yield (tasks, zs, acts) for blocks of (group, repeat) perturbations.

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
        zs, acts = cache.forward(cols, dX)
        yield batch, zs, acts
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
