"""Shared pieces for figures: grid shapes, image mosaics, diverging scales, saving."""

from __future__ import annotations

import math
import re

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


def mosaic_axes(ax, n: int):
    """The Axes of `ax` (see `single_axes`), a new one sized for a mosaic of n 28x28-ish
    tiles (0.34 in a tile at 16x32) when `ax` is None."""
    from hiddenlens.plot._axes import single_axes

    rows, cols = grid_shape(n)
    tile = min(1.1, 11 / cols)  # inches per tile
    return single_axes(ax, (max(5.5, cols * tile + 1.5), max(3.0, rows * tile + 1.0)))


def draw_mosaic(ax, images: np.ndarray, shape, cmap: str, vmin: float, vmax: float,
                label: str):
    """Images (n, h * w) as one tiled image with a labelled colour bar; returns the image."""
    image = ax.imshow(mosaic(images, shape), cmap=cmap, vmin=vmin, vmax=vmax,
                      interpolation="nearest")
    hide_ticks(ax)
    ax.set_facecolor("0.8")  # the NaN gaps between tiles, unlike white (zero)
    rows, _ = grid_shape(len(images))
    bar = ax.figure.colorbar(image, ax=ax, shrink=min(1.0, 0.5 + 0.1 * rows), fraction=0.03,
                             aspect=25, pad=0.02)
    bar.set_label(wrap(label, 12 * rows + 20), fontsize=9)  # no longer than the bar
    return image


MAX_NUMBERED = 100  # tiles beyond this are too small for a readable number


def number_tiles(ax, labels: list[str], shape: tuple[int, int], gap: int = 1) -> bool:
    """Write each tile's label (a unit number) in its top-left corner, on a white patch so it
    reads over red and blue; False (and nothing written) beyond `MAX_NUMBERED` tiles."""
    n = len(labels)
    if n > MAX_NUMBERED:
        return False
    h, w = shape
    _, cols = grid_shape(n)
    size = 8 if n <= 64 else 6
    for i, label in enumerate(labels):
        r, c = divmod(i, cols)
        ax.text(c * (w + gap) + 0.3, r * (h + gap) + 0.3, plain(label), fontsize=size,
                va="top", ha="left", color="0.1",
                bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.9})
    return True


def wrap(text: str, width: int = 110) -> str:
    """A long sentence broken into lines for a figure."""
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width))


def plain(text) -> str:
    """`text` as matplotlib shows it literally: every "$" escaped, so a name read from a file
    ("$\\undefinedcommand$", "cost $5-$10") is never parsed as mathtext. Escaping twice
    changes nothing (a "$" already escaped is left alone)."""
    return _UNESCAPED_DOLLAR.sub(r"\\$", str(text))


_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")


def plain_texts(*roots) -> None:
    """Make every text under `roots` (Axes, Figures, SubFigures) plain (see `plain`): titles,
    labels, annotations, legends and fixed tick labels. Every Display runs this on its own
    panels when it finishes drawing, so no name read from a file reaches mathtext."""
    from matplotlib.axis import Axis
    from matplotlib.category import StrCategoryFormatter
    from matplotlib.text import Text
    from matplotlib.ticker import FixedFormatter, FuncFormatter

    for root in roots:
        for text in root.findobj(Text):
            if "$" in text.get_text():
                text.set_text(plain(text.get_text()))
        for axis in root.findobj(Axis):  # tick labels are written again from these at draw
            formatter = axis.get_major_formatter()
            if isinstance(formatter, FixedFormatter):
                formatter.seq = [plain(label) for label in formatter.seq]
            elif isinstance(formatter, (FuncFormatter, StrCategoryFormatter)) and \
                    not getattr(formatter, "_plain", False):  # labels given with set_ticks
                wrapped = FuncFormatter(lambda x, pos, f=formatter: plain(f(x, pos)))
                wrapped._plain = True
                axis.set_major_formatter(wrapped)


def symmetric_limit(values: np.ndarray) -> float:
    """The largest |value|, so a diverging colour map is centred on zero."""
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def class_names(net) -> list[str] | None:
    """The output units' names: the model's class names when there is one per output unit."""
    names = net.class_names
    return list(names) if names and len(names) == net.n_outputs else None


def unit_count(n: int, activation: str = "") -> str:
    """ "1 sigmoid unit", "100 sigmoid units": a count of units with its noun agreeing."""
    return f"{n:,} {activation + ' ' if activation else ''}unit{'' if n == 1 else 's'}"


def model_label(net) -> str:
    return f"{net.describe_sizes()} {net.activation or ''} net".replace("  ", " ") + (
        f" on {net.data_name}" if net.data_name else ""
    )


def save_figure(fig, path, *, overwrite: bool = False, dpi: int = 100) -> None:
    """Save a figure as PNG or SVG (by suffix) through a temporary file and a rename."""
    from hiddenlens._files import atomic_path

    suffix = str(path).lower().rsplit(".", 1)[-1]
    if suffix not in ("png", "svg", "pdf"):
        raise ValueError(f"Figures are written as .png, .svg or .pdf. Got {path} instead.")
    with atomic_path(path, overwrite) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format=suffix)


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


def draw_field(ax, values: np.ndarray, limit: float, image_shape, feature_names=None):
    """One unit's field: an image on a diverging scale, or signed horizontal bars.

    values : (n_inputs,); `feature_names` None hides the bar labels. Returns the image (for a
    colour bar) or None for bars.
    """
    if image_shape is not None:
        image = ax.imshow(values.reshape(image_shape), cmap=DIVERGING, vmin=-limit, vmax=limit,
                          interpolation="nearest")
        hide_ticks(ax)
        return image
    n = len(values)
    ax.barh(np.arange(n), values, color=sign_colors(values))
    ax.axvline(0, color="0.3", lw=0.6)
    ax.set_xlim(-limit * 1.05, limit * 1.05)
    ax.set_yticks(np.arange(n), feature_names if feature_names is not None else [], fontsize=7)
    ax.invert_yaxis()
    return None


def input_names(net, layer: int) -> list[str]:
    """Names of the inputs of `layer`: feature names for layer 0, else "layer l unit i"."""
    n = net.sizes[layer]
    if layer == 0 and net.feature_names and len(net.feature_names) == n:
        return list(net.feature_names)
    prefix = "input" if layer == 0 else f"layer {layer - 1} unit"
    return [f"{prefix} {i}" for i in range(n)]


def data_ranges(net, X) -> tuple[np.ndarray, np.ndarray]:
    """Each input's (min, max), each of shape (n_inputs,), over the data X (n, n_inputs)."""
    X = net.tensor(X).numpy()
    return X.min(0), X.max(0)


def left_out_note(net, layer: int, n_shown: int, by: str, command: str) -> str:
    """The sentence under a figure of `layer`'s units when some are left out: how many, which
    are shown, and how to see them all: k=None, or ``hiddenlens <command> --layer <layer>
    --k all`` (`command` e.g. "show fields"; "maximize" draws every unit by itself)."""
    n = net.sizes[layer + 1]
    if n_shown >= n:
        return ""
    which = "with the largest outgoing weight mass" if by == "outgoing" else "first in this order"
    every = (f"hiddenlens maximize --layer {layer} draws every unit" if command == "maximize"
             else f"k=None draws every unit (hiddenlens {command} --layer {layer} --k all)")
    return (f"{n - n_shown} of the {n} units are left out: the {n_shown} shown are those "
            f"{which}; {every}.")


def noise_note(n_units: int) -> str:
    """What the incoming weights of a wide first layer of an image model look like, and where
    to look instead (the seed article's own remark on its 512-unit network)."""
    return (f"In a first layer of {n_units} units each unit's weights look like noise: a digit "
            "is spread over many units, so the composites of the deeper layers and the output "
            "(hiddenlens show composite) show more of what the network looks for.")
