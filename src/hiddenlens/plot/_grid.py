"""Shared pieces for figures: grid shapes, image mosaics, diverging scales, saving."""

from __future__ import annotations

import math

import numpy as np

DIVERGING = "RdBu_r"  # negative blue, zero white, positive red


def grid_shape(n: int) -> tuple[int, int]:
    """Rows and columns for n panels or units: 100 -> (10, 10), 512 -> (16, 32), 1 -> (1, 1)."""
    rows = int(math.isqrt(n))
    while rows > 1 and n % rows:
        rows -= 1
    cols = n // rows
    if cols > 4 * rows:  # awkward factorisation (primes): a near-square grid with blanks
        rows = int(math.isqrt(n))
        cols = -(-n // rows)
    return rows, cols


def mosaic(images: np.ndarray, shape: tuple[int, int], gap: int = 1) -> np.ndarray:
    """Tile images (n, h * w) into one (rows * (h + gap), cols * (w + gap)) array, NaN between.

    One imshow of a mosaic draws 512 fields in milliseconds where 512 axes take seconds.
    """
    n = len(images)
    h, w = shape
    rows, cols = grid_shape(n)
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), np.nan)
    for i, img in enumerate(images.reshape(n, h, w)):
        r, c = divmod(i, cols)
        out[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = img
    return out


def symmetric_limit(values: np.ndarray) -> float:
    """The largest |value|, so a diverging colour map is centred on zero."""
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def model_label(net) -> str:
    return f"{net.describe_sizes()} {net.activation or ''} net".replace("  ", " ") + (
        f" on {net.dataset}" if net.dataset else ""
    )


def save_figure(fig, path, overwrite: bool = False, dpi: int = 100) -> None:
    """Save a figure as PNG or SVG (by suffix) through a temporary file and a rename."""
    from hiddenlens._files import atomic_path

    suffix = str(path).lower().rsplit(".", 1)[-1]
    if suffix not in ("png", "svg", "pdf"):
        raise ValueError(f"Figures are written as .png, .svg or .pdf. Got {path} instead.")
    with atomic_path(path, overwrite) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format=suffix)


def panel_axes(ax, rows: int, cols: int, figsize: tuple[float, float], **gridspec_kw):
    """(container, (rows, cols) array of axes): a new figure when `ax` is None, else in `ax`.

    `ax` may be an Axes (its slot becomes a SubFigure holding the panels, so the view's own
    suptitle stays in that slot) or a Figure / SubFigure (filled whole): the report can place
    any multi-panel view where it wants. The container takes the view's suptitle.
    """
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    if ax is None:
        fig = plt.figure(figsize=figsize, layout="constrained")
    elif isinstance(ax, Axes):
        parent, spec = ax.get_figure(root=False), ax.get_subplotspec()
        ax.remove()
        fig = parent.add_subfigure(spec)
    else:  # Figure or SubFigure
        fig = ax
    gs = fig.add_gridspec(rows, cols, **gridspec_kw)
    axes = np.array([[fig.add_subplot(gs[r, c]) for c in range(cols)] for r in range(rows)])
    return fig, axes


def root_figure(artist):
    """The top-level Figure of an Axes, Figure or SubFigure (what is saved to a file)."""
    return artist.get_figure(root=True)


def new_axes(ax, figsize: tuple[float, float]):
    """`ax` itself, or one Axes on a new figure of `figsize` inches."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def field_layout(net, layer: int):
    """How the inputs of `layer` are drawn: ("image", (h, w), what) or ("bars", names, what).

    Layer 0 of an image model folds into its image; deeper layers with many inputs fold the
    previous layer's units into the trace's grid (100 -> 10x10); the rest are bar charts.
    """
    if layer == 0:
        if net.image_shape:
            return "image", tuple(net.image_shape), "input pixels"
        names = net.feature_names or [f"x{i}" for i in range(net.n_inputs)]
        return "bars", list(names), "input features"
    n_in = net.sizes[layer]
    if n_in > 30:
        rows, cols = grid_shape(n_in)
        return "image", (rows, cols), f"layer {layer - 1} units (as {rows}x{cols})"
    return "bars", [f"unit {i}" for i in range(n_in)], f"layer {layer - 1} units"


def image_view_error(net, view: str, use: str) -> ValueError:
    """The one sentence for an image view asked of a model without image inputs."""
    names = net.feature_names or []
    shown = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
    return ValueError(
        f"{view} is drawn as an image only for image models; this {model_label(net)} has "
        f"{net.n_inputs} named features ({shown}). Use {use} instead."
    )


def fold(values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(n,) -> (h, w), NaN-padded when n < h * w (grid_shape's near-square grids)."""
    out = np.full(shape[0] * shape[1], np.nan)
    out[: len(values)] = values
    return out.reshape(shape)


def hide_ticks(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


def sign_colors(values: np.ndarray) -> list[str]:
    """Red for positive, blue for negative: the diverging map's two ends."""
    return ["#c0392b" if v >= 0 else "#2e6db4" for v in np.ravel(values)]
