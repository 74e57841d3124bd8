"""The target's score after changes to the inputs, through layer 0's low-rank update.

Every faithfulness metric changes some inputs of each example and reads one output. Deletion
and insertion curves change features step after step (the changes accumulate); faithfulness
correlation and infidelity change independent subsets. Either way the change of layer 0's
pre-activation is a sum of rows of `chain.column_weights(module, "input")`:
z0' = z0 + sum_j dx_j W[j], so the (n, d) @ (d, h) product is done once, a change costs its
nonzero entries times h (a sparse product), and only the rows whose input changed are run
through the rest of the chain (`chain.run` from ("z", 0)); deleting a black pixel of a digit
to black leaves its score as it was.

z0 and its updates are float64 (hundreds of accumulated updates would drift in float32); the
rest of the chain runs in the model's dtype, as a forward pass would.
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
    X : tensor of shape (n, d), the model's dtype
    units : tensor of shape (n,) int64
        Each example's output unit (its target class).
    score : {"softmax", "logit", "output"}
        The softmax of the output layer's pre-activation (Quantus's default scale), the
        pre-activation itself, or the network's own output activation.
    """

    def __init__(self, net: DenseNet, X: torch.Tensor, units: torch.Tensor, score: str):
        m = net.module
        self.net, self.units, self.score = net, units, score
        W, b = m.linears[0].weight.detach().double(), m.linears[0].bias.detach().double()
        mean, scale = m.mean.double(), m.scale.double()
        self.Wt = (W / scale).T.contiguous()  # (d, h): raw input j moves z0 by Wt[j]
        self.Wt_np = self.Wt.numpy()
        self.z0 = ((X.double() - mean) / scale) @ W.T + b  # (n, h)
        self.base = self(self.z0, units)  # (n,) the unchanged score

    def __call__(self, z0: torch.Tensor, units: torch.Tensor) -> torch.Tensor:
        """Scores (m,) float64 of layer 0 pre-activations z0 (m, h), one unit per row."""
        L = self.net.n_layers - 1
        with torch.no_grad():
            z = chain.run(self.net.module, z0.to(self.net.dtype), start=("z", 0),
                          stop=("z", L), keep=False).z[L].double()  # (m, n_out) logits
        if self.score == "softmax":
            z = torch.softmax(z, dim=1)
        elif self.score == "output":
            z = apply_activation(self.net.output, z)
        return z.gather(1, units[:, None])[:, 0]


def column_sums(ts: TargetScore, n_rows: int, rows: np.ndarray, cols: np.ndarray,
                vals: np.ndarray) -> torch.Tensor:
    """dz (n_rows, h): row r gets sum of vals * Wt[cols] over its entries; rows sorted."""
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    M = sp.csr_matrix((vals, cols, indptr), shape=(n_rows, ts.Wt_np.shape[0]))
    return torch.from_numpy(np.asarray(M @ ts.Wt_np))


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
    dz = column_sums(ts, m, pair[i, t], cols[nz], vals[nz])  # (m, h), one row per step
    rows = np.nonzero(changed)[0]  # example of each changed step, sorted
    Z = dz.cumsum(0)
    starts = np.searchsorted(rows, np.arange(c))  # first changed step of each example
    start = ts.z0[i0 : i0 + c].clone()  # z0 minus the running sum before each example
    has = starts < m
    start[has] -= Z[starts[has]] - dz[starts[has]]
    r = torch.from_numpy(rows)
    Z += start[r]  # (m, h): z0 after each changed step
    S = np.zeros((c, T))
    S[changed] = ts(Z, ts.units[i0 + r]).numpy()
    source = np.maximum.accumulate(np.where(changed, np.arange(T), -1), axis=1)
    carried = np.take_along_axis(S, np.maximum(source, 0), axis=1)
    return np.where(source >= 0, carried, ts.base[i0 : i0 + c].numpy()[:, None])


def independent_scores(ts: TargetScore, cols: np.ndarray, D: np.ndarray) -> np.ndarray:
    """Scores (n, R) after R independent changes of each example.

    cols : (n, R, k) int (a broadcast view is fine), the features change r touches;
    D : (n, d) float64, each feature's change.
    """
    n, R, _ = cols.shape
    h = ts.z0.shape[1]
    out = np.empty((n, R))
    step = max(1, BLOCK_ELEMENTS // (R * h))
    for i0 in range(0, n, step):
        c, Di = cols[i0 : i0 + step], D[i0 : i0 + step]
        m = len(c)
        vals = _gather(Di, c)
        nz = vals != 0
        i, r, _ = np.nonzero(nz)
        dz = column_sums(ts, m * R, i * R + r, c[nz], vals[nz]).view(m, R, h)
        out[i0 : i0 + m] = _run_changed(ts, ts.z0[i0 : i0 + m], dz,
                                        torch.from_numpy(nz.any(2)), i0).numpy()
    return out


def dense_scores(ts: TargetScore, dX: torch.Tensor) -> np.ndarray:
    """Scores (n, S) after dense changes dX (n, S, d) float64 of every example."""
    n, S, d = dX.shape
    h = ts.z0.shape[1]
    out = np.empty((n, S))
    step = max(1, BLOCK_ELEMENTS // (S * max(h, d)))
    for i0 in range(0, n, step):
        part = dX[i0 : i0 + step]  # (m, S, d)
        dz = part @ ts.Wt  # (m, S, h)
        changed = part.abs().amax(2) > 0
        out[i0 : i0 + len(part)] = _run_changed(ts, ts.z0[i0 : i0 + len(part)], dz, changed,
                                                i0).numpy()
    return out


def _run_changed(ts: TargetScore, z0: torch.Tensor, dz: torch.Tensor, changed: torch.Tensor,
                 i0: int) -> torch.Tensor:
    """Scores (m, R) of z0 + dz (m, R, h); unchanged rows keep the base score."""
    m, R = changed.shape
    i, r = changed.nonzero(as_tuple=True)
    S = ts.base[i0 : i0 + m, None].expand(m, R).clone()
    S[i, r] = ts(z0[i] + dz[i, r], ts.units[i0 + i])
    return S
