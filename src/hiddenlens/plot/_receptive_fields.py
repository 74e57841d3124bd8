"""ReceptiveFieldsDisplay: a layer's incoming weights as a grid of images or bar charts."""

from __future__ import annotations

import numpy as np

from hiddenlens._validation import check_choice, check_layer
from hiddenlens.explain import normalize_fields, receptive_fields, unit_order
from hiddenlens.plot._grid import (
    DIVERGING,
    field_layout,
    grid_shape,
    hide_ticks,
    image_view_error,
    model_label,
    mosaic,
    new_axes,
    panel_axes,
    root_figure,
    sign_colors,
)

# colour map, value range and colour-bar label of each normalisation
_SCALES = {
    "diverging": (DIVERGING, (-1, 1), "weight / largest |weight| (red excites, blue inhibits)"),
    "minmax": ("gray", (0, 255), "weight stretched to 0..255 per unit (sign not shown)"),
    "abs": ("magma_r", (0, 1), "|weight| / largest |weight| (dark: the unit looks here)"),
}
MAX_BAR_UNITS = 24


class ReceptiveFieldsDisplay:
    """Every unit's incoming weights: 28x28 images for image models, bars over named features.

    Parameters
    ----------
    fields : ndarray of shape (n_units, n_inputs)
        Already normalised (see `normalize_fields`), in the order to draw.
    units : ndarray of shape (n_units,)
        The unit index of each row, for labels.
    title : str
    image_shape : (int, int), optional
        Fold each field into this image; None draws bar charts over `feature_names`.
    feature_names : list of str, optional
    normalize : {"diverging", "minmax", "abs"}, default="diverging"
        Picks the colour map and the colour-bar label.

    Attributes
    ----------
    figure_, ax_ : Figure and Axes (the first panel for bar charts); axes_ : all panels.
    """

    def __init__(self, fields, units, title, image_shape=None, feature_names=None,
                 normalize="diverging", scale="shared"):
        self.fields, self.units, self.title = np.asarray(fields), np.asarray(units), title
        self.image_shape, self.feature_names, self.normalize = image_shape, feature_names, normalize
        self.scale = scale

    @property
    def label_(self) -> str:
        """The colour-bar (or x-axis) label: what a value of the drawn fields means."""
        label = _SCALES[self.normalize][2]
        if self.scale == "unit" and self.normalize != "minmax":
            label = label.replace("largest |weight|", "unit's max |weight|")
        return label

    @classmethod
    def from_model(cls, net, layer: int = 0, normalize: str = "diverging",
                   scale: str = "shared", order: str = "index", target: int | None = None,
                   max_units: int | None = None, kind: str = "auto",
                   **plot_kw) -> ReceptiveFieldsDisplay:
        """Compute the fields of `layer` and draw them.

        normalize, scale : see `normalize_fields`. order, target : see `unit_order`.
        max_units : draw only the first `max_units` units in that order.
        kind : {"auto", "image", "bars"}; "auto" draws images when the inputs fold into one.
        """
        idx = check_layer(net, layer)
        check_choice(kind, "kind", ("auto", "image", "bars"))
        how, shape_or_names, what = field_layout(net, idx)
        if kind == "image" and how != "image":
            raise image_view_error(net, "ReceptiveFieldsDisplay(kind='image')",
                                   "kind='bars' (a bar chart per unit over the feature names)")
        units = unit_order(net, idx, order, target)
        if max_units is not None:
            units = units[:max_units]
        fields = normalize_fields(receptive_fields(net, idx), normalize, scale)[units]
        bars = how == "bars" or kind == "bars"
        names = (shape_or_names if how == "bars"
                 else [f"{i}" for i in range(net.sizes[idx])])
        ordered = {"index": "", "norm": ", largest weight norm first",
                   "influence": f", by weight into unit {target} of layer {idx + 1}"}[order]
        title = (f"Receptive fields of layer {idx}: {len(units)} units over {what}{ordered}\n"
                 f"{model_label(net)}")
        return cls(fields, units, title, None if bars else shape_or_names,
                   names if bars else None, normalize, scale).plot(**plot_kw)

    def plot(self, ax=None, cmap: str | None = None) -> ReceptiveFieldsDisplay:
        if self.image_shape is None:
            return self._plot_bars(ax)
        cmap_, (lo, hi), _ = _SCALES[self.normalize]
        label = self.label_
        n = len(self.fields)
        rows, cols = grid_shape(n)
        ax = new_axes(ax, _figsize(rows, cols))
        image = ax.imshow(mosaic(self.fields, self.image_shape), cmap=cmap or cmap_, vmin=lo,
                          vmax=hi, interpolation="nearest")
        hide_ticks(ax)
        ax.set_facecolor("0.8")  # the NaN gaps between tiles, unlike white (zero weight)
        if n <= 100:  # unit numbers in each tile's corner; beyond 100 they would be noise
            h, w = self.image_shape
            for i, u in enumerate(self.units):
                r, c = divmod(i, cols)
                ax.text(c * (w + 1) + 0.5, r * (h + 1) + 0.5, str(u), fontsize=6, va="top",
                        ha="left", color="0.2")
        corner = "; corner number: unit index" if n <= 100 else ""
        ax.set_title(self.title + corner, fontsize=10)
        bar = ax.figure.colorbar(image, ax=ax, shrink=min(1.0, 0.5 + 0.1 * rows), fraction=0.03,
                                aspect=25, pad=0.02)
        bar.set_label(label, fontsize=9)
        self.figure_, self.ax_, self.axes_ = root_figure(ax), ax, np.array([ax])
        return self

    def _plot_bars(self, ax) -> ReceptiveFieldsDisplay:
        n = min(len(self.fields), MAX_BAR_UNITS)
        cols = min(n, 4)
        rows = -(-n // cols)
        n_in = self.fields.shape[1]
        height = max(2.0, 0.22 * n_in + 0.8)
        fig, axes = panel_axes(ax, rows, cols, (3.3 * cols + 0.5, height * rows + 0.8))
        lo, hi = (-1, 1) if self.normalize == "diverging" else (0, 1 if self.normalize == "abs"
                                                                 else 255)
        for i, a in enumerate(axes.flat):
            if i >= n:
                a.axis("off")
                continue
            values = self.fields[i]
            a.barh(np.arange(n_in), values, color=sign_colors(values))
            a.axvline(0, color="0.3", lw=0.6)
            a.set_xlim(lo * 1.05, hi * 1.05)
            a.set_yticks(np.arange(n_in), self.feature_names if i % cols == 0 else [],
                         fontsize=7)
            a.invert_yaxis()
            a.set_title(f"unit {self.units[i]}", fontsize=9)
            a.tick_params(axis="x", labelsize=7)
        for a in axes[-1]:
            a.set_xlabel(self.label_.split(" (")[0], fontsize=7)
        fig.suptitle(self.title, fontsize=10)
        self.figure_, self.ax_, self.axes_ = root_figure(fig), axes.flat[0], axes
        return self


def _figsize(rows: int, cols: int) -> tuple[float, float]:
    tile = min(1.1, 11 / cols)  # inches per 28x28 tile: 0.34 for 512 units in 16x32
    return max(5.5, cols * tile + 1.5), max(3.0, rows * tile + 1.0)
