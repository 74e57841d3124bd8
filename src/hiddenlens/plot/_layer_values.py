"""Shared pieces of the causal views: one number per unit of a layer (a grid when the layer is
wide, bars when it is narrow) and one input (an image, or bars over named features)."""

from __future__ import annotations

import numpy as np

from hiddenlens.plot._grid import DIVERGING, fold, grid_shape, hide_ticks, plain, sign_colors

MAX_BARS = 30  # a layer of more units is drawn as a grid (100 -> 10x10, 512 -> 16x32)


def unit_panel_width(n: int) -> float:
    """Relative width of a layer's panel: its grid's aspect (and a colour bar) when wide."""
    if n <= MAX_BARS:
        return 1.3
    rows, cols = grid_shape(n)
    return 0.35 + cols / rows


def draw_unit_values(ax, values: np.ndarray, limit: float, label: str, marked=()):
    """Each unit's value on a diverging scale centred on zero, `marked` units outlined.

    values : (n_units,). A layer of more than MAX_BARS units is folded row by row into
    `grid_shape(n_units)` (unit u at row u // cols, column u % cols) with a colour bar
    labelled `label`; a narrower one is horizontal bars, unit 0 on top. Returns the image, or
    None for bars.
    """
    n = len(values)
    if n <= MAX_BARS:
        colors = sign_colors(values)
        edges = ["black" if u in set(marked) else "none" for u in range(n)]
        ax.barh(np.arange(n), values, color=colors, edgecolor=edges, linewidth=1.2)
        ax.axvline(0, color="0.3", lw=0.6)
        ax.set_xlim(-limit * 1.1, limit * 1.1)
        ax.set_yticks(np.arange(n), [f"unit {u}" for u in range(n)], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(label, fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        return None
    shape = grid_shape(n)
    image = ax.imshow(fold(values, shape), cmap=DIVERGING, vmin=-limit, vmax=limit,
                      interpolation="nearest")
    ax.set_facecolor("0.85")  # the padding cells of a near-square grid
    hide_ticks(ax)
    cols = shape[1]
    for u in marked:
        r, c = divmod(int(u), cols)
        ax.add_patch(_cell(c, r))
        if n <= 1024:
            ax.annotate(str(int(u)), (c, r), xytext=(0, 7), textcoords="offset points",
                        ha="center", va="bottom", fontsize=7, weight="bold",
                        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none",
                              "alpha": 0.8})
    ax.set_xlabel(f"{n} units, row by row ({shape[0]} x {cols}; unit u at row u // {cols}, "
                  f"column u % {cols})", fontsize=7)
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.02, shrink=0.9)
    bar.set_label(label, fontsize=8)
    bar.ax.tick_params(labelsize=7)
    return image


def _cell(c: int, r: int):
    from matplotlib.patches import Rectangle

    return Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, ec="black", lw=1.4)


def draw_input(ax, x: np.ndarray, image_shape=None, names=None, title: str = "") -> None:
    """One input: a grey image (dark = ink) for image models, else a bar per named feature."""
    if image_shape is not None:
        ax.imshow(np.asarray(x).reshape(image_shape), cmap="gray_r", vmin=0, vmax=1,
                  interpolation="nearest")
        hide_ticks(ax)
    else:
        n = len(x)
        names = names if names is not None else [f"x{i}" for i in range(n)]
        ax.barh(np.arange(n), x, color="0.45")
        ax.axvline(0, color="0.3", lw=0.6)
        ax.set_yticks(np.arange(n), [plain(s) for s in names], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("value", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    ax.set_title(plain(title), fontsize=9)


def draw_input_values(ax, values: np.ndarray, limit: float, image_shape=None, names=None,
                      label: str = ""):
    """One number per input on a diverging scale: an image with a colour bar, or signed bars
    over the feature names. Returns the image or None."""
    if image_shape is not None:
        image = ax.imshow(np.asarray(values).reshape(image_shape), cmap=DIVERGING,
                          vmin=-limit, vmax=limit, interpolation="nearest")
        hide_ticks(ax)
        bar = ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.02, shrink=0.9)
        bar.set_label(label, fontsize=8)
        bar.ax.tick_params(labelsize=7)
        return image
    n = len(values)
    names = names if names is not None else [f"x{i}" for i in range(n)]
    ax.barh(np.arange(n), values, color=sign_colors(values))
    ax.axvline(0, color="0.3", lw=0.6)
    ax.set_xlim(-limit * 1.1, limit * 1.1)
    ax.set_yticks(np.arange(n), [plain(s) for s in names], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(label, fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    return None


def class_label(class_names, c: int) -> str:
    """A class's display name: its name when the model has one, else its index."""
    return str(class_names[c]) if class_names is not None and c < len(class_names) else str(c)
