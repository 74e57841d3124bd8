"""Small figures only the report draws (model overview, image grids), and inlining as base64."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np

from hiddenlens.plot._grid import DIVERGING, symmetric_limit

DPI = 80  # readable on a laptop screen, small enough to keep the file a few MB


@dataclass
class Image:
    """A picture of the report: its data URI (a base64 PNG inside) and its alternative text."""

    src: str
    alt: str


def inline_png(fig, alt: str, dpi: int = DPI) -> Image:
    """The figure as an inline PNG; the figure is closed."""
    import matplotlib.pyplot as plt

    from hiddenlens.plot._grid import plain_texts

    plain_texts(fig)  # names from files (class, feature names) are text, never mathtext
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return Image(f"data:image/png;base64,{data}", alt)


def tidy(fig) -> None:
    """`tight_layout`, after making every text plain: laying out renders the texts, and a
    class or feature name read from a file ("$\\frac$") must not reach mathtext."""
    from hiddenlens.plot._grid import plain_texts

    plain_texts(fig)
    fig.tight_layout()


def new_figure(width: float, height: float, ncols: int = 1, **kw):
    import matplotlib.pyplot as plt

    return plt.subplots(1, ncols, figsize=(width, height), **kw)


def training_curves(history: list[dict]):
    """Loss and score per epoch, train and test."""
    metric = next((k.removeprefix("test_") for k in history[0]
                   if k.startswith("test_") and k != "test_loss"), None)
    fig, axes = new_figure(9, 3, ncols=2 if metric else 1, squeeze=False)
    epochs = [h["epoch"] for h in history]
    keys = [("loss", "loss")] + ([(metric, metric)] if metric else [])
    for ax, (key, label) in zip(axes[0], keys):
        for split, style in (("train", "-"), ("test", "--")):
            if f"{split}_{key}" in history[0]:
                ax.plot(epochs, [h[f"{split}_{key}"] for h in history], style, marker="o",
                        markersize=3, label=split)
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.set_title(f"{label} per epoch", fontsize=10)
        ax.legend()
    tidy(fig)
    return fig


def class_scores(evaluation):
    """Per-class accuracy bars beside the confusion matrix."""
    names = evaluation.class_names
    k = len(names)
    fig, (left, right) = new_figure(10, 0.9 + 0.35 * max(k, 6), ncols=2,
                                    gridspec_kw={"width_ratios": [1, 1.2]})
    left.barh(np.arange(k), evaluation.per_class_accuracy, color="tab:blue")
    left.set_yticks(np.arange(k), names)
    left.invert_yaxis()
    left.set_xlim(0, 1)
    left.set_xlabel("accuracy (recall) on the test split")
    left.set_title("per-class accuracy", fontsize=10)
    cm = evaluation.confusion_matrix
    image = right.imshow(cm, cmap="Blues")
    right.set_xticks(np.arange(k), names, rotation=0 if k <= 10 else 90)
    right.set_yticks(np.arange(k), names)
    right.set_xlabel("predicted class")
    right.set_ylabel("true class")
    right.set_title("confusion matrix (test split)", fontsize=10)
    if k <= 12:
        for (i, j), v in np.ndenumerate(cm):
            right.text(j, i, str(v), ha="center", va="center", fontsize=7,
                       color="white" if v > cm.max() / 2 else "black")
    fig.colorbar(image, ax=right, fraction=0.046).set_label("test examples")
    tidy(fig)
    return fig


def weight_heatmap(W: np.ndarray, row_names, col_names, title: str, label: str):
    """A weight matrix (n_rows, n_cols) as a diverging heat map with named rows and columns."""
    n_rows, n_cols = W.shape
    fig, ax = new_figure(min(12, 2.5 + 0.35 * n_cols), min(10, 1.5 + 0.3 * n_rows))
    limit = symmetric_limit(W)
    shown = ax.imshow(W, cmap=DIVERGING, vmin=-limit, vmax=limit, aspect="auto")
    ax.set_yticks(np.arange(n_rows), row_names, fontsize=8)
    ax.set_xticks(np.arange(n_cols), col_names, rotation=90, fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.colorbar(shown, ax=ax, fraction=0.035).set_label(label)
    tidy(fig)
    return fig


def top_units_grid(fields: np.ndarray, table: list[tuple[str, list[int], list[int], list]],
                   image_shape, title: str):
    """Per class, the receptive fields of its k most positive and k most negative units.

    One imshow of a mosaic (rows: classes; k positive tiles, the class name, k negative tiles)
    draws in a fraction of the time of 100 separate axes.

    table : one (class name, positive units, negative units, outgoing weights) per row; a row
        with fewer than k units of a sign leaves those tiles blank.
    """
    h, w = image_shape
    k = max(1, *(max(len(pos), len(neg)) for _, pos, neg, _ in table))
    gap, label_h = 2, 9  # label_h: room above each tile for its caption
    cell_w, cell_h = w + gap, h + label_h
    tiles = np.full((len(table) * cell_h, (2 * k + 1) * cell_w), np.nan)
    fig, ax = new_figure(1.0 * (2 * k + 1) + 1, 1.25 * len(table) + 0.8)
    for r, (name, pos, neg, weights) in enumerate(table):
        top = r * cell_h + label_h
        blank = [None] * k
        for c, unit in enumerate((list(pos) + blank)[:k] + ["label"] + (list(neg) + blank)[:k]):
            if unit == "label":
                ax.text(c * cell_w + w / 2, top + h / 2, f"class\n{name}", ha="center",
                        va="center", fontsize=10, weight="bold")
            if unit is None or unit == "label":
                continue
            tiles[top : top + h, c * cell_w : c * cell_w + w] = fields[unit].reshape(h, w)
            ax.text(c * cell_w + w / 2, top - 1.5, f"u{unit} {weights[unit]:+.2f}",
                    ha="center", va="bottom", fontsize=7)
    limit = symmetric_limit(tiles)
    shown = ax.imshow(tiles, cmap=DIVERGING, vmin=-limit, vmax=limit, interpolation="nearest")
    ax.set_xticks([(k - 1) * cell_w / 2 + w / 2, (k + 1 + (k - 1) / 2) * cell_w + w / 2],
                  ["most positive weights", "most negative weights"])
    ax.xaxis.tick_top()
    ax.set_yticks([])
    ax.set_frame_on(False)
    ax.set_title(title, fontsize=11, pad=24)
    fig.colorbar(shown, ax=ax, fraction=0.03, pad=0.02).set_label(
        "receptive field weight (red excites the unit)")
    return fig
