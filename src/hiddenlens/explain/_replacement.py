"""Replacing units' activations of one layer, on the low-rank update of the next layer.

Giving the units S of hidden layer l the values V instead of a_l[:, S] changes the next
pre-activation by a term of rank |S|:

    z'_{l+1} = z_{l+1} + (V - a_l[:, S]) @ W_{l+1}[:, S].T     (the chain's column_weights, shift)

so nothing at or below layer l is recomputed, and a single unit costs an elementwise
multiply-add on (n, width of l + 1) instead of a pass through the network. Only the rows a
change touches (V != a on a unit with a non-zero outgoing weight) run through the layers
above; the others keep the intact outputs, which is exactly what a full pass gives them since
z + 0 = z. Ablation (V = 0, a mean, another example's value) and activation patching (V = the
values on another input) are both this one operation.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch

from hiddenlens import _chain as chain
from hiddenlens._validation import check_random_state
from hiddenlens.net import DenseNet

# (replacements x rows x widest layer above) per block: 32 MB of float32. A block of B
# single-unit replacements on n rows costs one (B * n, width) multiply-add and one chain run,
# so larger blocks mean fewer, longer torch calls; the budget keeps memory flat in n.
MAX_BLOCK_ELEMENTS = 2**23
VALUES = ("zero", "mean", "resample")


class Replacement:
    """One hidden layer's activations and the chain above it, ready for replacements.

    Parameters
    ----------
    net : DenseNet
    X : tensor of shape (n, n_inputs), the model's dtype
    layer : int
        A non-negative hidden layer index.

    Attributes
    ----------
    a : tensor of shape (n, h), the layer's activations
    z_next : tensor of shape (n, h_next), the next layer's pre-activations
    rows : tensor of shape (h, h_next), each unit's outgoing weights (`column_weights`)
    base_logits, base_output : tensor of shape (n, n_outputs), the intact network's
    """

    def __init__(self, net: DenseNet, X: torch.Tensor, layer: int):
        self.net, self.layer = net, layer
        with torch.no_grad():
            p = chain.run(net.module, X, stop=("z", layer + 1))
        self.a, self.z_next = p.a[layer], p.z[layer + 1]
        self.rows = chain.column_weights(net.module, layer).detach()
        self.live = (self.rows != 0).any(1)  # (h,) units that reach the next layer at all
        self.base_logits, self.base_output = self.outputs(self.z_next)
        self.width = max(net.sizes[layer + 2 :])  # the widest layer above

    def block(self, k: int = 1) -> int:
        """Replacements of k units per block: MAX_BLOCK_ELEMENTS / (n * (widest layer above
        or k, whichever is larger: the (B, n, k) changes are held too))."""
        return max(1, MAX_BLOCK_ELEMENTS // max(1, len(self.a) * max(self.width, k)))

    def outputs(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits and output activations (T, n_outputs) from next-layer pre-activations."""
        L = self.net.n_layers - 1
        with torch.no_grad():
            p = chain.run(self.net.module, z, start=("z", self.layer + 1), stop=("a", L),
                          keep=False)
        return p.z[L], p.a[L]

    def replaced(self, cols: torch.Tensor, V: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits and outputs (B, n, n_outputs) after B replacements of k units each.

        cols : (B, k) int64, the units of each replacement.
        V : (1 or n, h), the value every unit takes (per example or shared).
        """
        n, width = self.base_logits.shape
        dA = (V[:, cols] - self.a[:, cols]).permute(1, 0, 2)  # (B, n, k); V broadcasts over n
        touched = ((dA != 0) & self.live[cols][:, None, :]).any(-1)  # (B, n)
        b, r = touched.nonzero(as_tuple=True)  # (T,), sorted by b
        logits = self.base_logits.expand(len(cols), -1, -1).clone()
        output = self.base_output.expand(len(cols), -1, -1).clone()
        if len(b):
            zl, out = self.outputs(self._shifted(cols, dA, touched, b, r))
            logits.view(-1, width).index_copy_(0, b * n + r, zl)
            output.view(-1, width).index_copy_(0, b * n + r, out)
        return logits, output

    def _shifted(self, cols, dA, touched, b, r) -> torch.Tensor:
        """Next pre-activations (T, h_next) of the touched (replacement, row) pairs.

        (b, r) is sorted by b, so each replacement's rows are one slice of z: one shift per
        replacement with its own outgoing weights, none gathered per row.
        """
        z = self.z_next.index_select(0, r)  # (T, h_next), a fresh copy
        counts = touched.sum(1).tolist()
        used = [i for i, c in enumerate(counts) if c]
        changes = dA.reshape(-1, dA.shape[2]).index_select(0, b * dA.shape[1] + r)  # (T, k)
        with torch.no_grad():
            for i, part, d in zip(used, torch.split(z, [counts[i] for i in used]),
                                  torch.split(changes, [counts[i] for i in used])):
                chain.shift(part, d, self.rows[cols[i]], inplace=True)  # a view of z
        return z


def replacement_values(a: torch.Tensor, value, random_state) -> torch.Tensor:
    """What ablated units take: (1, h) for "zero", "mean" and a number, (n, h) for
    "resample" (each example the values of its donor, see `donors`)."""
    if isinstance(value, str) and value in VALUES:
        if value == "zero":
            return torch.zeros(1, a.shape[1], dtype=a.dtype)
        if value == "mean":
            return a.mean(0, keepdim=True)  # over X, in the model's dtype
        return a[torch.as_tensor(donors(len(a), random_state))]
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value):
        return torch.full((1, a.shape[1]), float(value), dtype=a.dtype)
    raise ValueError(f"`value` must be 'zero', 'mean', 'resample' or a finite number. Got "
                     f"{value!r} instead.")


def donors(n: int, random_state) -> np.ndarray:
    """For each example i, another example j_i != i drawn uniformly (n,) int64.

    j = rng.integers(0, n - 1, size=n), then j += (j >= i): uniform over the n - 1 others,
    with rng = numpy.random.default_rng(random_state).
    """
    if n < 2:
        raise ValueError(f"`value`='resample' takes each example's values from another "
                         f"example, so `X` must hold at least 2 examples. Got {n} instead.")
    j = check_random_state(random_state).integers(0, n - 1, size=n)
    return j + (j >= np.arange(n))



# ---------------------------------------------------------------- units and groups
def unit_groups(net: DenseNet, layer: int, units, keep) -> tuple[list[np.ndarray], list[str]]:
    """The units each replacement changes, and a label for each.

    units : None (every unit alone), an int, or a sequence of units and groups of units
    (`[[3, 17], [5]]`); keep : the same, each entry naming the units *not* changed.
    """
    width = net.sizes[layer + 1]
    if units is not None and keep is not None:
        raise ValueError("Pass `units` or `keep`, not both: `keep` ablates every unit except "
                         f"the ones it lists. Got units={units!r} and keep={keep!r}.")
    if keep is None:
        if units is None:
            return [np.array([u]) for u in range(width)], [str(u) for u in range(width)]
        entries = _entries(units, "units", layer, width)
        return entries, ["+".join(map(str, g)) for g in entries]
    entries = _entries(keep, "keep", layer, width)
    groups = [np.setdiff1d(np.arange(width), g) for g in entries]
    if any(len(g) == 0 for g in groups):
        raise ValueError(f"`keep` must leave at least one unit of layer {layer} to ablate. "
                         f"Got {keep!r} (all {width} units) instead.")
    return groups, ["all but " + "+".join(map(str, g)) for g in entries]


def _entries(spec, name: str, layer: int, width: int) -> list[np.ndarray]:
    entries = [spec] if _is_int(spec) else list(spec) if _is_seq(spec) else None
    if not entries:
        raise ValueError(f"`{name}` must be a unit index, or a non-empty list of units and "
                         f"groups of units (e.g. [[3, 17], [5]]). Got {spec!r} instead.")
    out = []
    for entry in entries:
        group = [entry] if _is_int(entry) else list(entry) if _is_seq(entry) else [entry]
        for u in group:
            if not _is_int(u) or not 0 <= u < width:
                raise ValueError(f"`{name}` must hold unit indices in 0..{width - 1} for layer "
                                 f"{layer}, which has {width} units. Got {u!r} instead.")
        if not group or len(set(group)) < len(group):
            raise ValueError(f"`{name}` must list each group's units once, and no group may "
                             f"be empty. Got {entry!r} instead.")
        out.append(np.array(sorted(int(u) for u in group), dtype=np.int64))
    return out


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _is_seq(v) -> bool:
    return isinstance(v, (list, tuple, range, np.ndarray))
