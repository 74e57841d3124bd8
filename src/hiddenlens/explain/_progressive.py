"""The target's score after changes to the inputs, through layer 0's low-rank update.

Every faithfulness metric changes some inputs of each example and reads one output. Deletion
and insertion curves change features step after step (the changes accumulate); faithfulness
correlation and infidelity change independent subsets. Either way the change of layer 0's
pre-activation is a sum of rows of `chain.column_weights(module, "input")`:
z0' = z0 + sum_j dx_j W[j], so the (n, d) @ (d, h) product is done once, a change costs its
nonzero entries times h (a sparse product), and only the rows whose input changed are run
through the rest of the chain (`chain.run` from ("z", 0)); deleting a black pixel of a digit
to black leaves its score as it was.

z0 and its updates are float64 (hundreds of float32 updates drift by ~1e-4); the rest of the
chain runs in the model's dtype, as a forward pass would.
The bookkeeping is numpy (its gathers and running sums are several times faster than
torch's on CPU); the chain is torch.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch

from hiddenlens import _chain as chain
from hiddenlens._activations import apply_activation
from hiddenlens._validation import check_choice
from hiddenlens.net import DenseNet

SCORES = ("softmax", "logit", "output")
BLOCK_ELEMENTS = 2**22  # rows * h per block of updated pre-activations: 32 MB in float64


def check_score(net: DenseNet, score: str | None) -> str:
    """None -> "softmax" for a classifier with several outputs, else "output"."""
    if score is None:
        return "softmax" if net.task == "classification" and net.n_outputs > 1 else "output"
    return check_choice(score, "score", SCORES)


class TargetScore:
    """One output unit per example, read after changes to the inputs.

    Parameters
    ----------
    net : DenseNet
    X : tensor of shape (n, d)
    units : tensor of shape (n,) int64
        Each example's output unit (its target class).
    score : {"softmax", "logit", "output"}
        The softmax of the output layer's pre-activation (Quantus's default scale), the
        pre-activation itself, or the network's own output activation.

    Attributes
    ----------
    Wt : ndarray of shape (d, h) float64
        Row j: how raw input j moves z0 per unit of change (`chain.column_weights`).
    z0 : ndarray of shape (n, h) float64
    base : ndarray of shape (n,)
        The unchanged scores.
    """

    def __init__(self, net: DenseNet, X: torch.Tensor, units: torch.Tensor, score: str):
        self.net, self.units, self.score = net, units, score
        self.Wt = chain.column_weights(net.module, chain.INPUT).detach().double().numpy()
        with torch.no_grad():
            z0 = chain.run(net.module, X.to(net.dtype), stop=("z", 0), keep=False).z[0]
        self.z0 = z0.double().numpy()
        self.base = self(self.z0, units.numpy())

    def __call__(self, z0: np.ndarray, units: np.ndarray) -> np.ndarray:
        """Scores (m,) float64 of layer 0 pre-activations z0 (m, h), one unit per row."""
        L = self.net.n_layers - 1
        with torch.no_grad():
            z = chain.run(self.net.module, torch.from_numpy(z0).to(self.net.dtype),
                          start=("z", 0), stop=("z", L), keep=False).z[L].double()
        if self.score == "softmax":
            z = torch.softmax(z, dim=1)
        elif self.score == "output":
            z = apply_activation(self.net.output_activation, z)
        return z.numpy()[np.arange(len(z)), units]


def column_sums(ts: TargetScore, n_rows: int, rows: np.ndarray, cols: np.ndarray,
                vals: np.ndarray) -> np.ndarray:
    """dz (n_rows, h): row r gets sum of vals * Wt[cols] over its entries; rows sorted."""
    if len(rows) == n_rows and np.array_equal(rows, np.arange(n_rows)):  # one entry a row
        return np.take(ts.Wt, cols, axis=0) * vals[:, None]
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    M = sp.csr_matrix((vals, cols, indptr), shape=(n_rows, len(ts.Wt)))
    return np.asarray(M @ ts.Wt)


def _gather(D: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """D[i, cols[i, ...]] for D (c, d) and cols (c, ...) int: the changes of each entry."""
    return D[np.arange(len(D)).reshape((-1,) + (1,) * (cols.ndim - 1)), cols]


def cumulative_scores(ts: TargetScore, cols: np.ndarray, D: np.ndarray) -> np.ndarray:
    """Scores (n, T) after each of T accumulating steps.

    cols : (n, T, k) int, the features step t changes (each feature at most once; padding
    entries point at a feature whose change is 0). D : (n, d) float64, each feature's change
    (its new value minus its value before).

    Only the steps that move z0 are run: z0 after them is a running sum of their updates
    within each example; a step that changes nothing keeps the score before it.
    """
    n, T, _ = cols.shape
    vals = _gather(D, cols)  # (n, T, k)
    nz = vals != 0
    changed = nz.any(2)  # (n, T)
    counts = changed.sum(1)
    out = np.empty((n, T))
    h = ts.z0.shape[1]
    ends = np.cumsum(counts)
    i0 = 0
    while i0 < n:  # examples in chunks of at most BLOCK_ELEMENTS / h changed steps
        start = ends[i0] - counts[i0]
        i1 = max(i0 + 1, int(np.searchsorted(ends, start + BLOCK_ELEMENTS // h, "right")))
        sl = slice(i0, i1)
        out[sl] = _chunk_scores(ts, i0, cols[sl], vals[sl], nz[sl], changed[sl])
        i0 = i1
    return out


def _chunk_scores(ts, i0, cols, vals, nz, changed) -> np.ndarray:
    """cumulative_scores for the examples i0, i0 + 1, ... of one chunk."""
    c, T = changed.shape
    pair = np.cumsum(changed.ravel()).reshape(c, T) - 1  # row of each changed (i, t)
    i, t, _ = np.nonzero(nz)
    m = int(changed.sum())
    Z = column_sums(ts, m, pair[i, t], cols[nz], vals[nz])  # (m, h), one row per step
    rows = np.nonzero(changed)[0]  # example of each changed step, sorted
    starts = np.searchsorted(rows, np.arange(c))  # first changed step of each example
    has = starts < m
    first = Z[starts[has]]  # each example's first update
    _running_sum(Z)
    start = ts.z0[i0 : i0 + c].copy()  # z0 minus the running sum before each example
    start[has] -= Z[starts[has]] - first
    Z += start[rows]  # (m, h): z0 after each changed step
    S = np.zeros((c, T))
    S[changed] = ts(Z, ts.units.numpy()[i0 + rows])
    source = np.maximum.accumulate(np.where(changed, np.arange(T), -1), axis=1)
    carried = np.take_along_axis(S, np.maximum(source, 0), axis=1)
    return np.where(source >= 0, carried, ts.base[i0 : i0 + c, None])


def _running_sum(Z: np.ndarray) -> None:
    """np.cumsum(Z, axis=0, out=Z) with the same additions in the same order. Down the rows
    of a wide C-ordered array numpy's cumsum strides across memory: at h = 512 it takes 7x
    as long as adding each row to the one before (at h = 100 it is 2x faster)."""
    if Z.shape[1] < 192:
        np.cumsum(Z, axis=0, out=Z)
        return
    for i in range(1, len(Z)):
        np.add(Z[i - 1], Z[i], out=Z[i])


def independent_scores(ts: TargetScore, cols: np.ndarray, D: np.ndarray | None,
                       changes: np.ndarray | None = None) -> np.ndarray:
    """Scores (n, R) after R independent changes of each example.

    cols : (n, R, k) int (a broadcast view is fine), the features change r touches;
    D : (n, d) float64, each feature's change; or None with `changes` (n, R, k), the change
    of each entry of `cols` (infidelity's squares: minus the pixels they remove).
    """
    n, R, k = cols.shape
    h = ts.z0.shape[1]
    out = np.empty((n, R))
    step = max(1, BLOCK_ELEMENTS // (R * max(h, k)))
    for i0 in range(0, n, step):
        c = cols[i0 : i0 + step]
        m = len(c)
        vals = _gather(D[i0 : i0 + step], c) if changes is None else changes[i0 : i0 + step]
        nz = vals != 0
        i, r, _ = np.nonzero(nz)
        changed = nz.any(2)
        ci, cr = np.nonzero(changed)
        pair = np.cumsum(changed.ravel()).reshape(m, R) - 1  # row of each changed (i, r)
        dz = column_sums(ts, len(ci), pair[i, r], c[nz], vals[nz])  # (changed, h)
        out[i0 : i0 + m] = _scatter(ts, i0, changed, ci, ts.z0[i0 + ci] + dz)
    return out


def shared_subset_scores(ts: TargetScore, subsets: np.ndarray, D: np.ndarray) -> np.ndarray:
    """Scores (n, R) after changing subset r of every example, subsets (R, k) shared.

    The same numbers as `independent_scores` on the broadcast subsets, from the nonzero
    changes of D only: example i's updates of all R subsets are one dense product
    M[:, j] @ (D[i, j] W[j]) over its changed features j (a digit's ~150 inked pixels), and
    only the (i, r) whose subset meets j are run through the chain.
    """
    n, R = len(D), len(subsets)
    h = ts.Wt.shape[1]
    M = np.zeros((R, D.shape[1]))
    M[np.arange(R)[:, None], subsets] = 1.0  # (R, d) membership
    out = np.repeat(ts.base[:, None], R, axis=1)
    units = ts.units.numpy()
    step = max(1, BLOCK_ELEMENTS // (R * h))  # examples per block
    for i0 in range(0, n, step):
        m = min(step, n - i0)
        Z = np.empty((m, R, h))
        changed = np.zeros((m, R), dtype=bool)
        for i in range(i0, i0 + m):
            j = np.flatnonzero(D[i])
            Mi = M[:, j]  # (R, k_i)
            # torch's matmul: it follows torch_threads (numpy's BLAS keeps its own pool)
            torch.matmul(torch.from_numpy(Mi), torch.from_numpy(D[i, j, None] * ts.Wt[j]),
                         out=torch.from_numpy(Z[i - i0]))
            Z[i - i0] += ts.z0[i]
            changed[i - i0] = Mi.any(1)
        i, r = np.nonzero(changed)
        out[i0 + i, r] = ts(Z[i, r], units[i0 + i])
    return out


def dense_scores(ts: TargetScore, dX: np.ndarray) -> np.ndarray:
    """Scores (n, S) after dense changes dX (n, S, d) of every example.

    The product with the weights is in the model's dtype (a forward pass's precision); every
    row is run (dense perturbations change them all).
    """
    n, S, d = dX.shape
    W = torch.from_numpy(ts.Wt).to(ts.net.dtype)
    out = np.empty((n, S))
    step = max(1, BLOCK_ELEMENTS // (S * max(W.shape[1], d)))
    for i0 in range(0, n, step):
        part = torch.from_numpy(dX[i0 : i0 + step].reshape(-1, d)).to(W.dtype)  # (m * S, d)
        m = len(part) // S
        z = np.repeat(ts.z0[i0 : i0 + m], S, axis=0) + (part @ W).double().numpy()
        out[i0 : i0 + m] = ts(z, np.repeat(ts.units.numpy()[i0 : i0 + m], S)).reshape(m, S)
    return out


def _scatter(ts: TargetScore, i0: int, changed: np.ndarray, ci: np.ndarray,
             z: np.ndarray) -> np.ndarray:
    """Scores (m, R): the changed rows' from their z0 (changed, h), the others' unchanged."""
    S = np.repeat(ts.base[i0 : i0 + len(changed), None], changed.shape[1], axis=1)
    S[changed] = ts(z, ts.units.numpy()[i0 + ci])
    return S
