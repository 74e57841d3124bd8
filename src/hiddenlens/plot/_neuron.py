"""NeuronCardDisplay: what one neuron looks for, on one page, drawn from
`maximize_activation`, `atlas` and `describe`."""

from __future__ import annotations

import textwrap

import numpy as np

from hiddenlens.explain import (
    atlas,
    describe,
    maximize_activation,
    readable_options,
    receptive_fields,
)
from hiddenlens.plot._axes import container, finish
from hiddenlens.plot._grid import (
    DIVERGING,
    data_ranges,
    fold,
    grid_shape,
    hide_ticks,
    input_names,
    model_label,
    mosaic,
    symmetric_limit,
)

PANELS = ("field", "maximized", "top", "bottom", "classes", "text")  # the order of `axes_`


class NeuronCardDisplay:
    """One unit on one page: incoming weights, maximising input, top and bottom examples,
    class-mean activations and the plain-language description.

    Parameters
    ----------
    layer, unit : int
    field : ndarray of shape (n_inputs_of_layer,)
        The unit's incoming weights (`receptive_fields(net, layer)[unit]`).
    maximized : MaximizeResult
        For this unit (its first row is drawn).
    atlas_result : Atlas
        Of the unit's layer.
    description : UnitDescription
    image_shape : (int, int), optional
        The model's input image: fields of layer 0, the maximising input and the examples are
        drawn as images. None: bars and numbers.
    input_names : list of str, optional
        One per input of the layer, for bar labels.
    ranges : (low, high), each of shape (n_inputs,), optional
        A tabular model's input ranges: the maximising input is placed in them.
    title : str, default=""

    Attributes
    ----------
    figure_ : Figure
    ax_ : Axes
        The incoming-weights panel.
    axes_ : ndarray of Axes of shape (6,)
        In the order of `PANELS`: field, maximized, top, bottom, classes, text.
    """

    def __init__(self, *, layer: int, unit: int, field, maximized, atlas_result, description,
                 image_shape=None, input_names=None, ranges=None, title: str = ""):
        self.layer, self.unit, self.field = layer, unit, np.asarray(field)
        self.maximized, self.atlas, self.description = maximized, atlas_result, description
        self.image_shape, self.input_names, self.ranges = image_shape, input_names, ranges
        self.title = title

    @classmethod
    def from_model(cls, net, data, *, layer: int, unit: int, y=None, k: int = 9,
                   maximize_kw: dict | None = None, regularize: bool = True, atlas_result=None,
                   ax=None, **plot_kw) -> NeuronCardDisplay:
        """Compute everything for `unit` of `layer` on `data` and draw the card.

        Parameters
        ----------
        net : DenseNet
        data : Dataset or array of shape (n, n_inputs)
        layer, unit : int
        y : array of shape (n,), optional
            Labels of an array `data`, for the class means.
        k : int, default=9
            Most and least activating examples shown.
        maximize_kw : dict, optional
            Keyword arguments of `maximize_activation`, over
            `readable_options(net, layer, X, regularize=regularize)`.
        regularize : bool, default=True
            Start from the readable regularisers; False: only the data's bounds and
            `maximize_kw` (the plain box-constrained optimum).
        atlas_result : Atlas, optional
            ``atlas(net, data, layer, y=y, k=k)`` computed before; not computed again.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        at = atlas_result if atlas_result is not None else atlas(net, data, layer, y=y, k=k)
        idx = at.layer
        desc = describe(net, data, idx, unit, y=y, atlas_result=at)
        X = data.X if hasattr(data, "X_test") else data
        options = {**readable_options(net, idx, X, regularize=regularize),
                   **(maximize_kw or {})}
        best = maximize_activation(net, idx, [unit], X=X, **options)
        act = net.activations[idx]
        return cls(layer=idx, unit=unit, field=receptive_fields(net, idx)[unit],
                   maximized=best, atlas_result=at, description=desc,
                   image_shape=net.image_shape, input_names=input_names(net, idx),
                   ranges=None if net.image_shape else data_ranges(net, X),
                   title=f"Layer {idx}, unit {unit} ({act}) of the {model_label(net)}",
                   ).plot(ax=ax, **plot_kw)

    def plot(self, ax=None) -> NeuronCardDisplay:
        """Draw the six panels in `ax` (Axes, Figure or SubFigure; None: a new figure)."""
        fig = container(ax, (13, 8.2))
        grid = fig.add_gridspec(2, 4, height_ratios=[1, 0.9])
        axes = [fig.add_subplot(grid[0, c]) for c in range(4)]
        axes += [fig.add_subplot(grid[1, :2]), fig.add_subplot(grid[1, 2:])]
        self._field(axes[0])
        self._maximized(axes[1])
        self._examples(axes[2], "top")
        self._examples(axes[3], "bottom")
        self._classes(axes[4])
        self._text(axes[5])
        fig.suptitle(self.title, fontsize=13)
        return finish(self, axes, axes[0])

    # ------------------------------------------------------------ panels
    def _field(self, ax) -> None:
        w = self.field  # (n_in,)
        if self.layer == 0 and self.image_shape:
            limit = symmetric_limit(w)
            image = ax.imshow(w.reshape(self.image_shape), cmap=DIVERGING, vmin=-limit,
                              vmax=limit)
            hide_ticks(ax)
            ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03).set_label(
                "weight from the pixel", fontsize=8)
            ax.set_title("incoming weights\n(red excites, blue inhibits)", fontsize=10)
        elif self.layer == 0 or len(w) <= 30:
            names = self.input_names or [f"input {i}" for i in range(len(w))]
            ax.barh(np.arange(len(w)), w, color=np.where(w >= 0, "tab:red", "tab:blue"))
            ax.set_yticks(np.arange(len(w)), names, fontsize=7)
            ax.invert_yaxis()
            ax.axvline(0, color="0.3", lw=0.8)
            ax.set_title("incoming weights", fontsize=10)
        else:  # a deeper layer: weights over the previous layer's units, as a grid
            limit = symmetric_limit(w)
            image = ax.imshow(fold(w, grid_shape(len(w))), cmap=DIVERGING, vmin=-limit,
                              vmax=limit)
            hide_ticks(ax)
            ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03).set_label(
                "weight (red excites, blue inhibits)", fontsize=8)
            ax.set_title(f"weights from layer {self.layer - 1}'s\n{len(w)} units (row by row)",
                         fontsize=10)

    def _maximized(self, ax) -> None:
        m = self.maximized
        image = m.images[0]
        z, best = m.pre_activations[0], m.best_example_pre_activations
        if self.image_shape:
            ax.imshow(image.reshape(self.image_shape), cmap="gray_r", vmin=0, vmax=1)
            hide_ticks(ax)
        elif self.ranges is not None:  # each input at its place in its own data range
            lo, hi = self.ranges
            place = (image - lo) / np.where(hi > lo, hi - lo, 1.0)
            ax.barh(np.arange(len(image)), place, color="0.75")
            for i, (p, v) in enumerate(zip(place, image)):
                ax.text(min(p, 0.75) + 0.02, i, f"{v:.3g}", va="center", fontsize=8)
            ax.set_xlim(0, 1)
            ax.set_yticks(np.arange(len(image)), [])  # the inputs of the weights panel
            ax.invert_yaxis()
            ax.set_xlabel("place in the feature's range (0: min, 1: max);\n"
                          "the number: its value", fontsize=8)
        else:
            ax.barh(np.arange(len(image)), image, color="0.35")
            ax.set_yticks(np.arange(len(image)), [])  # the inputs of the weights panel
            ax.invert_yaxis()
            ax.set_xlabel("input value (same inputs as the weights)")
        versus = "" if best is None else f"\n(best real example: {best[0]:.2f})"
        ax.set_title(f"input it responds to most\npre-activation {z:.2f}{versus}", fontsize=10)

    def _examples(self, ax, which: str) -> None:
        at = self.atlas
        rows = (at.top_indices if which == "top" else at.bottom_indices)[self.unit]
        values = (at.top_activations if which == "top" else at.bottom_activations)[self.unit]
        images = at.examples(self.unit, which)
        word = "most" if which == "top" else "least"
        ax.set_title(f"{len(rows)} {word} activating examples\n(activation in the corner)",
                     fontsize=10)
        if not self.image_shape:
            lines = [f"#{r}: {v:.3f}" for r, v in zip(rows, values)]
            ax.text(0.02, 0.98, "\n".join(lines), va="top", family="monospace", fontsize=9,
                    transform=ax.transAxes)
            ax.axis("off")
            return
        h, w = self.image_shape
        ax.imshow(mosaic(images, (h, w)), cmap="gray_r", vmin=0, vmax=1)
        _, cols = grid_shape(len(images))
        for i, v in enumerate(values):
            r, c = divmod(i, cols)
            ax.text(c * (w + 1) + 0.5, r * (h + 1) + 3.5, f"{v:.2f}", fontsize=7,
                    color="tab:red")
        hide_ticks(ax)

    def _classes(self, ax) -> None:
        means = self.atlas.class_means
        if means is None:
            ax.text(0.5, 0.5, "no class labels", ha="center", transform=ax.transAxes)
            ax.axis("off")
            return
        m = means[self.unit]
        names = self.atlas.class_names or [str(c) for c in range(len(m))]
        top = int(np.nanargmax(m))
        colors = ["tab:orange" if i == top else "0.6" for i in range(len(m))]
        ax.bar(np.arange(len(m)), m, color=colors)
        ax.axhline(self.atlas.mean[self.unit], color="0.2", ls="--", lw=0.8,
                   label="mean over all examples")
        ax.set_xticks(np.arange(len(m)), names, rotation=0 if len(names) <= 12 else 90)
        ax.set_xlabel("class")
        ax.set_ylabel("mean activation")
        sel = self.atlas.class_selectivity[self.unit]
        ax.set_title(f"mean activation per class (selectivity {sel:.2f})", fontsize=10)
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo, hi + 0.15 * (hi - lo))  # room for the legend above the tallest bar
        ax.legend(fontsize=8, loc="upper left")

    def _text(self, ax) -> None:
        paragraphs = [textwrap.fill(s, 70) for s in self.description.sentences.values()]
        ax.text(0, 1, "\n\n".join(paragraphs), va="top", fontsize=9, transform=ax.transAxes)
        ax.axis("off")
        ax.set_title("in words", fontsize=10, loc="left")
