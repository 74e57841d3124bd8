"""LayerMaximizeDisplay: what every unit of a layer responds to most, in one grid."""

from __future__ import annotations

import numpy as np

from hiddenlens.explain import atlas, maximize_activation, readable_options
from hiddenlens.plot._axes import finish, single_axes
from hiddenlens.plot._grid import (
    MAX_NUMBERED,
    data_ranges,
    grid_shape,
    hide_ticks,
    input_names,
    model_label,
    mosaic,
    number_tiles,
    plain,
)


class LayerMaximizeDisplay:
    """Every unit's maximising input in one grid; dead units framed in red.

    Parameters
    ----------
    result : MaximizeResult
    image_shape : (int, int), optional
        Draw each input as an image; None draws a heat map, one row per unit.
    input_names : list of str, optional
        The heat map's columns, one per input.
    unit_names : list of str, optional
        A label per unit of the layer (class names for an output layer); default: indices.
    dead : ndarray of shape (n_units,), bool, optional
        Framed in red (`Atlas.dead`).
    title : str, default=""
    ranges : (low, high), each of shape (n_inputs,), optional
        The data range of each input. Tabular heat maps then colour each value by where it
        lies in its own feature's range (features in different units stay comparable) and
        print the raw value in the cell.

    Attributes
    ----------
    figure_ : Figure
    ax_ : Axes
    axes_ : ndarray of Axes of shape (1,)
    """

    def __init__(self, *, result, image_shape=None, input_names=None, unit_names=None,
                 dead=None, title: str = "", ranges=None):
        self.result, self.image_shape, self.dead, self.title = result, image_shape, dead, title
        self.input_names, self.unit_names, self.ranges = input_names, unit_names, ranges

    @classmethod
    def from_model(cls, net, data=None, y=None, *, layer: int, maximize_kw: dict | None = None,
                   regularize: bool = True, ax=None, **plot_kw) -> LayerMaximizeDisplay:
        """Maximise every unit of `layer` (`maximize_activation`) and draw the images.

        Parameters
        ----------
        net : DenseNet
        data : Dataset or array of shape (n, n_inputs), optional
            Marks dead units (`atlas`), compares with the best examples and, for tabular
            models, bounds the inputs to the data's range.
        y : array of shape (n,), optional
            Labels of an array `data`.
        layer : int
        maximize_kw : dict, optional
            Keyword arguments of `maximize_activation`, over
            `readable_options(net, layer, X, regularize=regularize)`.
        regularize : bool, default=True
            Start from the readable regularisers; False: only the data's bounds and
            `maximize_kw` (the plain box-constrained optimum).
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        at, X = None, None
        if data is not None:
            at = atlas(net, data, layer, y=y, k=1)
            X = data.X if hasattr(data, "X_test") else data
        options = {**readable_options(net, layer, X, regularize=regularize),
                   **(maximize_kw or {})}
        result = maximize_activation(net, layer, X=X, **options)
        out = result.layer == net.n_layers - 1
        what = "the output" if out else f"layer {result.layer}"
        names = net.class_names if out and net.class_names and \
            len(net.class_names) == net.n_outputs else None
        return cls.from_result(
            result, atlas_result=at, image_shape=net.image_shape,
            input_names=input_names(net, 0), unit_names=names,
            ranges=None if X is None or net.image_shape else data_ranges(net, X),
            title=f"What each unit of {what} responds to most"
                  f"{'' if regularize else ' (no regularisers: the plain optimum)'}, "
                  f"{model_label(net)}", ax=ax,
            **plot_kw)

    @classmethod
    def from_result(cls, result, *, atlas_result=None, image_shape=None, input_names=None,
                    unit_names=None, ranges=None, title: str | None = None, ax=None,
                    **plot_kw) -> LayerMaximizeDisplay:
        """Draw a `MaximizeResult` computed before.

        Parameters
        ----------
        result : MaximizeResult
        atlas_result : Atlas, optional
            The same layer's atlas: its dead units are framed.
        image_shape, input_names, unit_names, ranges, title
            See the class.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        if title is None:
            title = f"What each unit of layer {result.layer} responds to most"
        dead = None if atlas_result is None else np.asarray(atlas_result.dead)
        display = cls(result=result, image_shape=image_shape, input_names=input_names,
                      unit_names=unit_names, dead=dead, title=title, ranges=ranges)
        return display.plot(ax=ax, **plot_kw)

    def plot(self, ax=None) -> LayerMaximizeDisplay:
        """Draw in `ax` (Axes, Figure or SubFigure; None: a new figure); self."""
        shape, n = self.image_shape, len(self.result.units)
        rows, cols = grid_shape(n) if shape else (n, 1)
        scale = min(1.8, 12 / cols) if shape else 0.3
        width = cols * scale + 1.5 if shape else 9
        ax = single_axes(ax, (max(5.0, width), max(3.5, rows * scale + 1.4)))
        if shape:
            self._images(ax, shape)
        else:
            self._heatmap(ax)
        ax.set_title(self.title, fontsize=10)
        return finish(self, [ax], ax)

    def _labels(self) -> list[str]:
        if self.unit_names is not None:
            return [str(self.unit_names[u]) for u in self.result.units]
        return [str(u) for u in self.result.units]

    def _images(self, ax, shape) -> None:
        from matplotlib.patches import Rectangle

        r = self.result
        h, w = shape
        ax.imshow(mosaic(r.images, shape), cmap="gray_r", vmin=0, vmax=1)
        hide_ticks(ax)
        _, cols = grid_shape(len(r.units))
        small, labels = len(r.units) <= 32, self._labels()
        if not small and len(r.units) <= MAX_NUMBERED:  # a number in each tile's corner
            number_tiles(ax, labels, shape)
        for i, label in enumerate(labels):
            row, col = divmod(i, cols)
            x0, y0 = col * (w + 1), row * (h + 1)
            if small:
                ax.text(x0 + 0.5, y0 + 3, plain(f"{label}: z={r.pre_activations[i]:.1f}"),
                        fontsize=8, color="tab:blue")
            elif len(r.units) > MAX_NUMBERED and col == 0:  # big layers: first of each row
                ax.text(x0 + 0.5, y0 + 4, plain(label), fontsize=6, color="tab:blue")
            if self.dead is not None and self.dead[r.units[i]]:
                ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), w, h, fill=False, lw=2,
                                       edgecolor="tab:red"))
        numbered = "first unit of each row" if len(r.units) > MAX_NUMBERED else "unit number"
        where = "blue" if small or len(r.units) > MAX_NUMBERED else "corner"
        notes = [f"black = ink (inputs in [0, 1]); {where}: {numbered}"
                 + (" and the pre-activation it reached" if small else "")]
        if self.dead is not None:
            notes.append(f"red frame: dead unit ({int(self.dead.sum())} of {len(self.dead)})")
        if r.reached is not None:
            notes.append(f"{r.reached_share:.0%} of units beat every real example")
        ax.set_xlabel("; ".join(notes), fontsize=8)

    def _heatmap(self, ax) -> None:
        r = self.result
        values, label = r.images, "input value"
        if self.ranges is not None:  # each feature on its own scale: 0 its min, 1 its max
            lo, hi = self.ranges
            values = (r.images - lo) / np.where(hi > lo, hi - lo, 1.0)
            label = "place in the feature's range (0: min, 1: max)"
        image = ax.imshow(values, cmap="viridis", aspect="auto",
                          vmin=0 if self.ranges is not None else None,
                          vmax=1 if self.ranges is not None else None)
        if self.ranges is not None and r.images.size <= 400:
            for (i, j), v in np.ndenumerate(r.images):
                ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=7,
                        color="white" if values[i, j] < 0.5 else "black")
        names = self.input_names or [f"input {i}" for i in range(r.images.shape[1])]
        ax.set_xticks(np.arange(len(names)), names, rotation=90, fontsize=7)
        ax.set_yticks(np.arange(len(r.units)), self._labels(), fontsize=7)
        ax.set_ylabel("unit")
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03).set_label(label, fontsize=8)
