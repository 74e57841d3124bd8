"""ReceptiveFieldsDisplay: a layer's incoming weights as a grid of images or bar charts."""

from __future__ import annotations

import numpy as np

from hiddenlens._validation import check_choice, check_layer
from hiddenlens.explain import composite_weights, normalize_fields, receptive_fields, shown_units
from hiddenlens.explain._receptive_fields import WIDE_LAYER
from hiddenlens.plot._axes import finish, panel_axes
from hiddenlens.plot._grid import (
    DIVERGING,
    class_names,
    draw_mosaic,
    field_layout,
    image_view_error,
    input_names,
    left_out_note,
    model_label,
    mosaic_axes,
    noise_note,
    number_tiles,
    plain,
    sign_colors,
    unit_count,
    wrap,
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

    A deeper layer of an image model has no picture of its own inputs (they are the units of
    the layer below, in no spatial order); by default it is drawn through its linear
    composites, the weights multiplied down to the input. A layer of more than 100 units shows
    its 64 most influential units by default (see `shown_units`), numbered, and says how many
    are left out.

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
    quantity : str, default="weight"
        What the fields are, for the colour-bar label ("composite weight").
    unit_names : list of str, optional
        A label per unit of the layer (class names for the output layer); default: indices.
    note : str, default=""
        A sentence under the figure: which units are left out and how to see them.

    Attributes
    ----------
    figure_ : Figure
    ax_ : Axes
        The mosaic (the first bar chart for tabular fields).
    axes_ : ndarray of Axes
        Every panel: one mosaic, or (rows, cols) bar charts.
    """

    def __init__(self, *, fields, units, title: str = "", image_shape=None, feature_names=None,
                 normalize: str = "diverging", scale: str = "shared", quantity: str = "weight",
                 unit_names=None, note: str = ""):
        self.fields, self.units, self.title = np.asarray(fields), np.asarray(units), title
        self.image_shape, self.feature_names, self.normalize = image_shape, feature_names, normalize
        self.scale, self.quantity, self.note, self.unit_names = scale, quantity, note, unit_names

    @property
    def label_(self) -> str:
        """The colour-bar (or x-axis) label: what a value of the drawn fields means."""
        label = _SCALES[self.normalize][2]
        if self.scale == "unit" and self.normalize != "minmax":
            label = label.replace("largest |weight|", "unit's max |weight|")
        return label.replace("weight", self.quantity, 1)

    @classmethod
    def from_model(cls, net, *, layer: int = 0, normalize: str = "diverging",
                   scale: str = "shared", by: str = "auto", next_unit: int | None = None,
                   k="auto", kind: str = "auto", ax=None,
                   **plot_kw) -> ReceptiveFieldsDisplay:
        """Compute the fields of `layer` (`receptive_fields`) and draw them.

        Parameters
        ----------
        net : DenseNet
        layer : int, default=0
        normalize, scale : str
            See `normalize_fields`.
        by : {"auto", "index", "norm", "influence", "outgoing"}, default="auto"
            The order of the units, see `unit_order`; "auto": by index up to 100 units, by
            outgoing weight mass into the next layer beyond (see `shown_units`).
        next_unit : int, optional
            The unit of layer + 1 whose incoming weights order the units (by="influence").
        k : int, "auto" or None, default="auto"
            Draw only the first `k` units in that order; "auto": every unit up to 100, the
            first 64 beyond; None: every unit.
        kind : {"auto", "image", "bars", "composite"}, default="auto"
            "image": each field folded into the input image (layer 0 of an image model);
            "bars": a bar chart per unit over its inputs; "composite": each unit's linear
            composite (`composite_weights`), a map over the network's inputs. "auto" draws
            images for layer 0 of an image model, composites for its deeper layers, and bars
            for a tabular model.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        idx = check_layer(net, layer)
        check_choice(kind, "kind", ("auto", "image", "bars", "composite"))
        image = net.image_shape is not None
        if kind == "auto":
            kind = "bars" if not image else "image" if idx == 0 else "composite"
        if kind == "image" and not image:
            raise image_view_error(net, "ReceptiveFieldsDisplay(kind='image')",
                                   "kind='bars' (a bar chart per unit over the feature names)")
        if kind == "image" and idx > 0:
            raise ValueError(
                f"The inputs of layer {idx} are the {net.sizes[idx]} units of layer {idx - 1}, "
                "which have no picture; use kind='composite' (each unit's weights multiplied "
                "down to the input image) or kind='bars'."
            )
        units, by = shown_units(net, idx, by=by, k=k, next_unit=next_unit)
        n, what = net.sizes[idx + 1], field_layout(net, idx)[2]
        if kind == "composite":
            fields = composite_weights(net, idx, method="linear")
            what = "input pixels" if image else "input features"
        else:
            fields = receptive_fields(net, idx)
        shown = f"{len(units)} of {n} units" if len(units) < n else unit_count(n)
        ordered = {"index": "", "norm": ", largest weight norm first",
                   "influence": f", by weight into unit {next_unit} of layer {idx + 1}",
                   "outgoing": f", the largest outgoing weight mass into layer {idx + 1} "
                               "first"}[by]
        head = (f"Layer {idx} through its linear composites (weights multiplied down to the "
                f"input): {shown}{ordered}" if kind == "composite" else
                f"Receptive fields of layer {idx}: {shown} over {what}{ordered}")
        bars = kind == "bars" or not image
        names = (input_names(net, 0) if kind == "composite" else input_names(net, idx)) \
            if bars else None
        return cls.from_result(
            fields, units=units, normalize=normalize, scale=scale,
            image_shape=None if bars else tuple(net.image_shape), feature_names=names,
            title=f"{head}\n{model_label(net)}",
            quantity="composite weight" if kind == "composite" else "weight",
            unit_names=class_names(net) if idx == net.n_layers - 1 else None,
            note=" ".join(filter(None, [
                left_out_note(net, idx, len(units), by, "show fields"),
                noise_note(n) if kind == "image" and n > WIDE_LAYER else ""])),
            ax=ax, **plot_kw)

    @classmethod
    def from_result(cls, fields, *, units=None, normalize: str = "diverging",
                    scale: str = "shared", image_shape=None, feature_names=None,
                    title: str | None = None, quantity: str = "weight", unit_names=None,
                    note: str = "", ax=None, **plot_kw) -> ReceptiveFieldsDisplay:
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
        quantity, unit_names, note
            See the class.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        fields = np.asarray(fields)
        units = np.arange(len(fields)) if units is None else np.asarray(units)
        shown = normalize_fields(fields, method=normalize, scale=scale)[units]
        if title is None:
            title = f"Receptive fields: {unit_count(len(units))} over {fields.shape[1]} inputs"
        display = cls(fields=shown, units=units, title=title, image_shape=image_shape,
                      feature_names=feature_names, normalize=normalize, scale=scale,
                      quantity=quantity, unit_names=unit_names, note=note)
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
        ax = mosaic_axes(ax, n)
        draw_mosaic(ax, self.fields, self.image_shape, cmap or cmap_, lo, hi, self.label_)
        names = self.unit_names
        labels = [str(u) if names is None else str(names[u]) for u in self.units]
        numbered = number_tiles(ax, labels, self.image_shape)
        corner = ("; corner: unit index" if names is None else "; corner: class") \
            if numbered else ""
        ax.set_title(plain(self.title + corner), fontsize=10)
        if self.note:
            ax.set_xlabel(wrap(self.note), fontsize=9)
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
            names = [plain(f) for f in self.feature_names or range(n_in)]
            a.set_yticks(np.arange(n_in), names if i % cols == 0 else [], fontsize=7)
            a.invert_yaxis()
            u = self.units[i]
            a.set_title(plain(f"unit {u}" if self.unit_names is None else self.unit_names[u]),
                        fontsize=9)
            a.tick_params(axis="x", labelsize=7)
        for a in axes[-1]:
            a.set_xlabel(self.label_.split(" (")[0], fontsize=7)
        more = (f"\n(the first {n} of {len(self.fields)} in this order are shown)"
                if len(self.fields) > n else "")
        note = f"\n{wrap(self.note)}" if self.note else ""
        fig.suptitle(plain(self.title + more + note), fontsize=10)
        return finish(self, axes, axes.flat[0])


