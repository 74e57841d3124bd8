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
