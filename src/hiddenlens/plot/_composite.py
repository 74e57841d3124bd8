"""CompositeDisplay: what each unit of a layer (an output class) looks for in input space."""

from __future__ import annotations

import numpy as np

from hiddenlens._validation import check_layer, check_unit
from hiddenlens.explain import composite_weights, shown_units
from hiddenlens.plot._axes import finish, panel_axes
from hiddenlens.plot._grid import (
    DIVERGING,
    draw_field,
    draw_mosaic,
    left_out_note,
    model_label,
    mosaic_axes,
    number_tiles,
    plain,
    symmetric_limit,
    wrap,
)

MAX_PANELS = 20  # beyond this, one mosaic image like the receptive-field grid
_LABELS = {
    "linear": "product of the weight matrices (biases, activations ignored)",
    "jacobian": "mean d z / d input over the data",
}


class CompositeDisplay:
    """One input-space map per unit: labelled panels (10 classes) or a mosaic (256 units).

    Parameters
    ----------
    maps : ndarray of shape (n_maps, n_inputs)
    names : list of str, one per map
    title : str, default=""
    method : {"linear", "jacobian"}, default="linear"
        Picks the colour-bar label.
    image_shape : (int, int), optional
        None draws bars over `feature_names`.
    feature_names : list of str, optional
    note : str, default=""
        A sentence under the figure: which units are left out and how to see them.

    Attributes
    ----------
    figure_ : Figure
    ax_ : Axes
        The first panel (the mosaic beyond `MAX_PANELS` maps).
    axes_ : ndarray of Axes
        Every panel, (rows, cols), or the one mosaic.
    """

    def __init__(self, *, maps, names, title: str = "", method: str = "linear",
                 image_shape=None, feature_names=None, note: str = ""):
        self.maps, self.names, self.title, self.method = np.asarray(maps), names, title, method
        self.image_shape, self.feature_names, self.note = image_shape, feature_names, note

    @classmethod
    def from_model(cls, net, X=None, y=None, *, layer: int = -1, method: str = "linear",
                   per_class: bool = False, unit: int | None = None, k="auto", ax=None,
                   **plot_kw) -> CompositeDisplay:
        """Compute `composite_weights` and draw one map per unit.

        Parameters
        ----------
        net : DenseNet
        X : array of shape (n, n_inputs), optional
            The examples method="jacobian" averages over.
        y : array of shape (n,), optional
            Their labels, for ``per_class=True``.
        layer : int, default=-1
        method : {"linear", "jacobian"}, default="linear"
        per_class : bool, default=False
            One map per class of one unit: `unit` (default: for the output layer, each
            class's own output unit; the diagonal).
        unit : int, optional
        k : int, "auto" or None, default="auto"
            How many units to draw (without `per_class`): "auto" draws every unit of a layer
            of up to 100 and, of a wider one, the 64 with the largest outgoing weight mass
            into the next layer (see `shown_units`); None draws every unit.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        idx = check_layer(net, layer)
        maps = composite_weights(net, idx, method=method, X=X, y=y, per_class=per_class)
        out = idx == net.n_layers - 1
        units, note = np.arange(net.sizes[idx + 1]), ""
        classes = net.class_names or [str(c) for c in range(net.n_classes or net.n_outputs)]
        if per_class:  # (n_classes, n_units, n_inputs)
            if unit is None and not out:
                raise ValueError("`unit` is needed with per_class=True below the output layer:"
                                 " which unit's per-class maps to draw.")
            if unit is None and maps.shape[1] == 1:  # one sigmoid output for two classes
                maps = maps[:, 0]
                names = [f"output on {c}s" for c in classes]
            elif unit is None:
                maps = maps[np.arange(len(maps)), np.arange(len(maps))]
                names = [f"output {c} on {c}s" for c in classes]
            else:
                maps = maps[:, check_unit(net, idx, unit)]
                names = [f"unit {unit} on {c}s" for c in classes]
        else:
            units, by = shown_units(net, idx, k=k)
            maps, note = maps[units], left_out_note(net, idx, len(units), by, "show composite")
            names = [f"class {c}" for c in classes] if out and len(classes) == len(maps) \
                else [str(u) if len(units) > MAX_PANELS else f"unit {u}" for u in units]
        what = "output" if out else f"layer {idx}"
        data = "" if method == "linear" else f", averaged over {len(net.tensor(X))} examples"
        title = (f"What each {what} unit looks for: {method} composite weights{data}\n"
                 f"{model_label(net)}")
        image = net.image_shape is not None
        return cls.from_result(
            maps, method=method, names=names, title=title,
            image_shape=net.image_shape if image else None,
            feature_names=None if image else (net.feature_names or
                                              [f"x{i}" for i in range(net.n_inputs)]),
            note=note, ax=ax, **plot_kw)

    @classmethod
    def from_result(cls, maps, *, method: str = "linear", names=None, image_shape=None,
                    feature_names=None, title: str | None = None, note: str = "", ax=None,
                    **plot_kw) -> CompositeDisplay:
        """Draw maps computed before by `composite_weights`.

        Parameters
        ----------
        maps : ndarray of shape (n_maps, n_inputs)
            One map per unit (for a ``per_class=True`` result, pick one unit first:
            ``maps[:, unit]``).
        method : {"linear", "jacobian"}, default="linear"
            How they were computed, for the colour-bar label.
        names : list of str, optional
            One per map (default: "unit 0", "unit 1", ...).
        image_shape : (int, int), optional
            None draws bars.
        feature_names : list of str, optional
        title : str, optional
        note : str, default=""
            A sentence under the figure.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        maps = np.asarray(maps)
        names = names or [f"unit {u}" for u in range(len(maps))]
        title = f"What each unit looks for: {method} composite weights" if title is None \
            else title
        display = cls(maps=maps, names=names, title=title, method=method,
                      image_shape=image_shape, feature_names=feature_names, note=note)
        return display.plot(ax=ax, **plot_kw)

    def plot(self, ax=None) -> CompositeDisplay:
        """Draw the maps in `ax` (Axes, Figure or SubFigure; None: a new figure); self."""
        n = len(self.maps)
        limit = symmetric_limit(self.maps)
        label = _LABELS[self.method]
        if self.image_shape is not None and n > MAX_PANELS:
            ax = mosaic_axes(ax, n)
            draw_mosaic(ax, self.maps, self.image_shape, DIVERGING, -limit, limit, label)
            numbered = number_tiles(ax, [str(name) for name in self.names], self.image_shape)
            ax.set_title(plain(self.title + ("; corner: unit index" if numbered else "")),
                         fontsize=10)
            if self.note:
                ax.set_xlabel(wrap(self.note), fontsize=9)
            return finish(self, [ax], ax)
        cols = min(n, 5 if self.image_shape is not None else 4)
        rows = -(-n // cols)
        if self.image_shape is not None:
            size = (2.1 * cols + 1.2, 2.2 * rows + 0.9)
        else:
            size = (3.2 * cols + 0.5, (0.22 * self.maps.shape[1] + 1.1) * rows + 0.8)
        fig, axes = panel_axes(ax, rows, cols, size)
        for i, a in enumerate(axes.flat):
            if i >= n:
                a.axis("off")
                continue
            m = draw_field(a, self.maps[i], limit, self.image_shape,
                           self.feature_names if i % cols == 0 else None)
            a.set_title(plain(self.names[i]), fontsize=9)
        if self.image_shape is not None:
            fig.colorbar(m, ax=axes, fraction=0.03, pad=0.02).set_label(label, fontsize=8)
        else:
            for a in axes[-1]:
                a.set_xlabel(label, fontsize=7)
        note = f"\n{wrap(self.note)}" if self.note else ""
        fig.suptitle(plain(self.title + note), fontsize=10)
        return finish(self, axes, axes.flat[0])
