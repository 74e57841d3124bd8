"""ReceptiveFieldsDisplay: a layer's incoming weights as a grid of images or bar charts."""

from __future__ import annotations

import numpy as np

from hiddenlens._validation import check_choice, check_layer, check_positive_int
from hiddenlens.explain import normalize_fields, receptive_fields, unit_order
from hiddenlens.plot._axes import finish, panel_axes
from hiddenlens.plot._grid import (
    DIVERGING,
    draw_mosaic,
    field_layout,
    grid_shape,
    image_view_error,
    model_label,
    mosaic_axes,
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
    title : str, default=""
    image_shape : (int, int), optional
        Fold each field into this image; None draws bar charts over `feature_names`.
    feature_names : list of str, optional
    normalize : {"diverging", "minmax", "abs"}, default="diverging"
        Picks the colour map and the colour-bar label.
    scale : {"shared", "unit"}, default="shared"
        How the fields were normalised, for the colour-bar label.

    Attributes
    ----------
    figure_ : Figure
    ax_ : Axes
        The mosaic (the first bar chart for tabular fields).
    axes_ : ndarray of Axes
        Every panel: one mosaic, or (rows, cols) bar charts.
    """

    def __init__(self, *, fields, units, title: str = "", image_shape=None, feature_names=None,
                 normalize: str = "diverging", scale: str = "shared"):
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
    def from_model(cls, net, *, layer: int = 0, normalize: str = "diverging",
                   scale: str = "shared", by: str = "index", next_unit: int | None = None,
                   k: int | None = None, kind: str = "auto", ax=None,
                   **plot_kw) -> ReceptiveFieldsDisplay:
        """Compute the fields of `layer` (`receptive_fields`) and draw them.

        Parameters
        ----------
        net : DenseNet
        layer : int, default=0
        normalize, scale : str
            See `normalize_fields`.
        by : {"index", "norm", "influence"}, default="index"
            The order of the units, see `unit_order`.
        next_unit : int, optional
            The unit of layer + 1 whose incoming weights order the units (by="influence").
        k : int, optional
            Draw only the first `k` units in that order.
        kind : {"auto", "image", "bars"}, default="auto"
            "auto" draws images when the inputs fold into one.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        idx = check_layer(net, layer)
        check_choice(kind, "kind", ("auto", "image", "bars"))
        how, shape_or_names, what = field_layout(net, idx)
        if kind == "image" and how != "image":
            raise image_view_error(net, "ReceptiveFieldsDisplay(kind='image')",
                                   "kind='bars' (a bar chart per unit over the feature names)")
        units = unit_order(net, idx, by=by, next_unit=next_unit)
        if k is not None:
            units = units[: check_positive_int(k, "k")]
        bars = how == "bars" or kind == "bars"
        names = (shape_or_names if how == "bars"
                 else [f"{i}" for i in range(net.sizes[idx])])
        ordered = {"index": "", "norm": ", largest weight norm first",
                   "influence": f", by weight into unit {next_unit} of layer {idx + 1}"}[by]
        title = (f"Receptive fields of layer {idx}: {len(units)} units over {what}{ordered}\n"
                 f"{model_label(net)}")
        return cls.from_result(receptive_fields(net, idx), units=units, normalize=normalize,
                               scale=scale, image_shape=None if bars else shape_or_names,
                               feature_names=names if bars else None, title=title, ax=ax,
                               **plot_kw)

    @classmethod
    def from_result(cls, fields, *, units=None, normalize: str = "diverging",
                    scale: str = "shared", image_shape=None, feature_names=None,
                    title: str | None = None, ax=None, **plot_kw) -> ReceptiveFieldsDisplay:
        """Draw fields computed before (`receptive_fields`), normalised here.

        Parameters
        ----------
        fields : ndarray of shape (n_units, n_inputs)
            Raw incoming weights, every unit of the layer.
        units : array of int, optional
            The units to draw, in order (default: all, by index).
        normalize, scale : str
            See `normalize_fields` (over the whole layer, before `units` are picked).
        image_shape : (int, int), optional
            None draws bar charts.
        feature_names : list of str, optional
        title : str, optional
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        fields = np.asarray(fields)
        units = np.arange(len(fields)) if units is None else np.asarray(units)
        shown = normalize_fields(fields, method=normalize, scale=scale)[units]
        if title is None:
            title = f"Receptive fields: {len(units)} units over {fields.shape[1]} inputs"
        display = cls(fields=shown, units=units, title=title, image_shape=image_shape,
                      feature_names=feature_names, normalize=normalize, scale=scale)
        return display.plot(ax=ax, **plot_kw)

    def plot(self, ax=None, *, cmap: str | None = None) -> ReceptiveFieldsDisplay:
        """Draw the fields: one mosaic image, or a grid of bar charts.

        Parameters
        ----------
        ax : Axes, Figure or SubFigure, optional
            Where to draw (None: a new figure).
        cmap : str, optional
            Overrides the normalisation's colour map (images only).

        Returns
        -------
        self
        """
        if self.image_shape is None:
            return self._plot_bars(ax)
        cmap_, (lo, hi), _ = _SCALES[self.normalize]
        n = len(self.fields)
        _, cols = grid_shape(n)
        ax = mosaic_axes(ax, n)
        draw_mosaic(ax, self.fields, self.image_shape, cmap or cmap_, lo, hi, self.label_)
        if n <= 100:  # unit numbers in each tile's corner; beyond 100 they would be noise
            h, w = self.image_shape
            for i, u in enumerate(self.units):
                r, c = divmod(i, cols)
                ax.text(c * (w + 1) + 0.5, r * (h + 1) + 0.5, str(u), fontsize=6, va="top",
                        ha="left", color="0.2")
        corner = "; corner number: unit index" if n <= 100 else ""
        ax.set_title(self.title + corner, fontsize=10)
        return finish(self, [ax], ax)

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
        more = (f"\n(the first {n} of {len(self.fields)} in this order are shown)"
                if len(self.fields) > n else "")
        fig.suptitle(self.title + more, fontsize=10)
        return finish(self, axes, axes.flat[0])

