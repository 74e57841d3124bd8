"""Feature groups: columns perturbed together (an image patch, a one-hot block)."""

from __future__ import annotations

import numpy as np

from hiddenlens._validation import short
from hiddenlens.net import DenseNet


def image_patches(image_shape: tuple[int, int], *, window=(4, 4), stride=2) -> dict[str, list]:
    """Square-ish patches of an image as feature groups, placed as Captum's Occlusion places them.

    Window positions are 0, stride, 2 * stride, ... along each axis, ceil((size - window) /
    stride) + 1 of them; the last one is cut at the border when the stride does not fit.

    Returns
    -------
    dict mapping "rows r0-r1, cols c0-c1" to the flat pixel indices of that patch.
    """
    (H, W), (wh, ww), (sh, sw) = image_shape, _pair(window, "window"), _pair(stride, "stride")
    if wh > H or ww > W:
        raise ValueError(f"`window` {(wh, ww)} is larger than the image {(H, W)}.")
    if (sh > wh and H > wh) or (sw > ww and W > ww):
        raise ValueError(f"`stride` {(sh, sw)} must not exceed `window` {(wh, ww)}; pixels "
                         "between windows would never be occluded.")
    groups = {}
    for top in range(0, sh * (-(-(H - wh) // sh)) + 1, sh):
        for left in range(0, sw * (-(-(W - ww) // sw)) + 1, sw):
            rows = np.arange(top, min(top + wh, H))
            cols = np.arange(left, min(left + ww, W))
            name = f"rows {rows[0]}-{rows[-1]}, cols {cols[0]}-{cols[-1]}"
            groups[name] = (rows[:, None] * W + cols[None, :]).ravel().tolist()
    return groups


def _pair(value, name: str) -> tuple[int, int]:
    try:
        pair = (value, value) if np.ndim(value) == 0 else tuple(value)
    except (TypeError, ValueError):
        pair = ()
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                 and v >= 1 for v in pair):
        raise ValueError(f"`{name}` must be an integer >= 1 or a pair of them. Got "
                         f"{short(value)} instead.")
    return int(pair[0]), int(pair[1])


def check_groups(net: DenseNet, groups) -> tuple[list[np.ndarray], list[str]]:
    """Column index arrays and names for `groups`.

    groups : None (every column alone), a sequence of column sets, or a dict name -> columns.
    A column is an index or a feature name of the network.
    """
    names = net.feature_names or [f"x{j}" for j in range(net.n_inputs)]
    if groups is None:
        return [np.array([j]) for j in range(net.n_inputs)], list(names)
    items = groups.items() if isinstance(groups, dict) else (
        (None, cols) for cols in groups)
    out, labels = [], []
    for label, cols in items:
        cols = [cols] if np.ndim(cols) == 0 else list(cols)
        idx = np.array([_column(net, names, c) for c in cols], dtype=np.int64)
        if idx.size == 0:
            raise ValueError("Every feature group must hold at least one column. Got an empty "
                             "one.")
        out.append(idx)
        labels.append(str(label) if label is not None else "+".join(names[i] for i in idx))
    return out, labels


def _column(net: DenseNet, names: list[str], c) -> int:
    if isinstance(c, str):
        if c not in names:
            raise ValueError(f"Unknown feature {c!r}; the features are: {', '.join(names[:20])}"
                             + (" ..." if len(names) > 20 else "") + ".")
        return names.index(c)
    if not 0 <= int(c) < net.n_inputs:
        raise ValueError(f"Feature group columns must be in 0..{net.n_inputs - 1}. Got {c} "
                         "instead.")
    return int(c)
