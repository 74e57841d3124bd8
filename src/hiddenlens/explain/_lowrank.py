"""The exact shortcut behind every perturbation method: a low-rank first-layer update.

Changing the columns S of the inputs by dX_S changes layer 0's pre-activation by
z0' = z0 + dX_S @ W0[:, S].T (the standardisation folded into W0; the chain's `shift`), so
the (n, d) @ (d, h) product is done once for the data and each perturbation costs
(n, |S|) @ (|S|, h). The rest of the network is the chain run from z0. The numbers are those
of a full forward pass up to float rounding.

What sits here beside the math, for speed: blocks of perturbations sized to a memory budget,
running only the rows a change touches, and the float32 screen for exact accuracy.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator

import numpy as np
import torch

from hiddenlens import _chain as chain
from hiddenlens._activations import ACTIVATIONS
from hiddenlens.explain._targets import z0_of
from hiddenlens.net import DenseNet

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
                 pre_activation: bool = False, argmax_only: bool = False):
        self.net, self.layer, self.pre = net, layer % net.n_layers, pre_activation
        self.Wt = chain.column_weights(net.module, chain.INPUT).detach()  # (d, h)
        self.z0 = z0_of(net, X)  # (n, h)
        self.base = self.values(self.z0)  # (n, width of `layer`)
        width = max(net.sizes[1:])
        self.block = max(1, MAX_BLOCK_ELEMENTS // max(1, len(X) * width))
        screen = (argmax_only and pre_activation and self.layer == 1 and net.n_layers == 2
                  and net.dtype == torch.float64)
        self.screen = Float32Screen(net, self.z0, self.Wt) if screen else None

    def values(self, z: torch.Tensor) -> torch.Tensor:
        """The chosen layer's values (T, width) from layer 0 pre-activations (T, h)."""
        L = self.layer
        with torch.no_grad():
            p = chain.run(self.net.module, z, start=("z", 0), stop=("z" if self.pre else "a", L),
                          keep=False)
        return p.value(L, self.pre)

    def block_values(self, cols: torch.Tensor, dX: torch.Tensor) -> torch.Tensor:
        """Values (B, n, width) after B changes: cols (B, k) int64, dX (B, n, k)."""
        changed = dX[..., 0] != 0 if dX.shape[2] == 1 else dX.abs().amax(-1) > 0  # (B, n)
        b, r = changed.nonzero(as_tuple=True)  # (T,) the touched (change, row) pairs
        n, width = self.base.shape
        out = self.base.expand(len(cols), -1, -1).clone()
        if len(b) == 0:
            return out
        with torch.no_grad():
            if self.screen is not None and cols.shape[1] == 1:
                values = self.screen.logits(self, r, cols[b, 0], dX[..., 0][changed])
            else:
                values = self.values(self._z(cols, dX, changed, b, r))
            out.view(-1, width).index_copy_(0, b * n + r, values)
        return out

    def _z(self, cols, dX, changed, b, r) -> torch.Tensor:
        """Layer 0 pre-activations (T, h) of the touched rows after their change."""
        z = _rows(self.z0, r)  # (T, h)
        if cols.shape[1] == 1:  # rank one: dz = dx * W0[:, j], each row its own column
            return chain.shift(z, dX[..., 0][changed][:, None], _rows(self.Wt, cols[b, 0]),
                               inplace=True)
        # rank k: one (rows touched, k) @ (k, h) product per change; (b, r) is sorted by b
        counts = changed.sum(1).tolist()
        touched = [i for i, c in enumerate(counts) if c]
        for i, part in zip(touched, torch.split(z, [counts[i] for i in touched])):
            chain.shift(part, dX[i][changed[i]], self.Wt[cols[i]], inplace=True)  # a view of z
        return z


class Float32Screen:
    """Exact argmax of float64 logits at float32 speed, for one-hidden-layer float64 nets.

    The touched rows are first run in float32. A row whose top-two logit margin exceeds a
    bound on the float32 rounding error (worked below, with a factor 8 to spare) has the same
    argmax as in float64; the few rows within the bound are run again in float64. Only the
    argmax (the predicted class) of the returned logits is exact: used for accuracy.
    """

    EPS = 2.0**-24  # float32 unit roundoff

    def __init__(self, net: DenseNet, z0: torch.Tensor, Wt: torch.Tensor):
        V, c = net.module.linears[1].weight.detach(), net.module.linears[1].bias.detach()
        self.z0, self.Wt = z0.float(), Wt.float()
        self.module32 = copy.deepcopy(net.module).float()  # the same chain in float32
        self.act = net.activations[0]
        self.S = float(V.abs().sum(1).max()) + float(c.abs().max())
        self.h = net.sizes[1]
        self.z0max, self.wmax = float(z0.abs().max()), float(Wt.abs().max())

    def logits(self, cache: FirstLayerCache, r, cols, dx) -> torch.Tensor:
        z = chain.shift(_rows(self.z0, r), dx.float()[:, None], _rows(self.Wt, cols),
                        inplace=True)  # (T, h)
        logits = chain.run(self.module32, z, start=("z", 0), stop=("z", 1), keep=False).z[1]
        if logits.shape[1] == 1:
            margin = logits[:, 0].abs()  # the decision is the sign
        else:
            top = logits.topk(2, dim=1).values
            margin = top[:, 0] - top[:, 1]
        unsafe = (margin <= self._tolerance(z, dx)).nonzero()[:, 0]
        logits = logits.double()
        if len(unsafe):  # too close to call in float32: redo those rows in float64
            z64 = chain.shift(_rows(cache.z0, r[unsafe]), dx[unsafe][:, None],
                              _rows(cache.Wt, cols[unsafe]), inplace=True)
            logits[unsafe] = cache.values(z64)
        return logits

    def _tolerance(self, z: torch.Tensor, dx: torch.Tensor) -> float:
        """8 x a bound on the float32 error of a difference of two logits."""
        eps, S = self.EPS, self.S
        # |a| <= 1 for bounded activations (sigmoid, tanh); relu's a <= max(z, 0)
        bounded = ACTIVATIONS[self.act].bounded
        amax = 1.0 if bounded else float(z.max().clamp(min=0)) + 1.0
        # z = z0 + dx w: z0, dx, w rounded to float32, one product, one add
        err_z = 4 * eps * (self.z0max + float(dx.abs().max()) * self.wmax)
        err_a = err_z + 8 * eps * amax  # activations are 1-Lipschitz, a few ulps their own
        # logits: V and c rounded, a dot product of h terms in float32
        err = S * err_a + (self.h + 2) * eps * S * amax
        return 8 * 2 * err


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
