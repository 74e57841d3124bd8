"""TopUnitsDisplay: the units that push a target (an output class) up most, and down most."""

from __future__ import annotations

import numpy as np

from hiddenlens.explain import composite_weights, top_units
from hiddenlens.plot._grid import (
    DIVERGING,
    field_layout,
    hide_ticks,
    model_label,
    panel_axes,
    root_figure,
    sign_colors,
    symmetric_limit,
)


class TopUnitsDisplay:
    """Two rows of receptive fields: the k most positive units, then the k most negative.

    Parameters
    ----------
    result : TopUnits
    fields : ndarray of shape (n_source_units, n_inputs)
        Each source unit's field in input space (its weights for layer 0, else the linear
        composite).
    title : str
    image_shape : (int, int), optional; None draws bars over `feature_names`.
    feature_names : list of str, optional
    field_label : str
        What `fields` are, for the colour bar.

    Attributes
    ----------
    figure_, ax_ (the first panel), axes_ of shape (2, k)
    """

    def __init__(self, result, fields, title, image_shape=None, feature_names=None,
                 field_label="incoming weight"):
        self.result, self.fields, self.title = result, np.asarray(fields), title
        self.image_shape, self.feature_names, self.field_label = (image_shape, feature_names,
                                                                  field_label)

    @classmethod
    def from_model(cls, net, target: int, k: int = 5, by: str = "weight", x=None,
                   layer: int = -1, **plot_kw) -> TopUnitsDisplay:
        """Compute `top_units(net, target, k, by, x, layer)` and draw each unit's field."""
        result = top_units(net, target, k, by, x, layer)
        s = result.source_layer
        fields = composite_weights(net, s, "linear")  # == net.weights[0] for s == 0
        field_label = ("incoming weight" if s == 0
                       else "linear composite weight (weights multiplied through)")
        how, shape_or_names, _ = field_layout(net, 0)
        names = net.class_names if result.layer == net.n_layers - 1 and net.class_names \
            else None
        tname = (f"output class {names[result.target]}" if names
                 else f"unit {result.target} of layer {result.layer}")
        score = {"weight": "outgoing weight", "contribution": "weight x activation on x"}[by]
        title = (f"Units of layer {s} that push {tname} up (top row) "
                 f"and down (bottom row), by {score}\n{model_label(net)}")
        image = how == "image"
        return cls(result, fields, title, shape_or_names if image else None,
                   None if image else shape_or_names, field_label).plot(**plot_kw)

    def plot(self, ax=None) -> TopUnitsDisplay:
        r = self.result
        k = len(r.positive)
        image = self.image_shape is not None
        size = (2.0 * k + 1.2, 4.9) if image else (3.0 * k + 1.5, 2 * (0.22 *
                                                               self.fields.shape[1] + 1.2))
        fig, axes = panel_axes(ax, 2, k, size)
        limit = symmetric_limit(self.fields[np.r_[r.positive, r.negative]])
        short = "w" if r.by == "weight" else "w*a"
        for row, (units, scores) in enumerate([(r.positive, r.positive_scores),
                                               (r.negative, r.negative_scores)]):
            for a, u, v in zip(axes[row], units, scores):
                mappable = self._panel(a, self.fields[u], limit)
                a.set_title(f"unit {u}\n{short} = {v:+.3f}", fontsize=9,
                            color="#c0392b" if v >= 0 else "#2e6db4")
        axes[0, 0].set_ylabel("push up", fontsize=9)
        axes[1, 0].set_ylabel("push down", fontsize=9)
        if image:
            fig.colorbar(mappable, ax=axes, fraction=0.03, pad=0.02).set_label(
                self.field_label, fontsize=8)
        fig.suptitle(self.title, fontsize=10)
        self.figure_, self.ax_, self.axes_ = root_figure(fig), axes[0, 0], axes
        return self

    def _panel(self, ax, field, limit):
        if self.image_shape is not None:
            m = ax.imshow(field.reshape(self.image_shape), cmap=DIVERGING, vmin=-limit,
                          vmax=limit, interpolation="nearest")
            hide_ticks(ax)
            return m
        n = len(field)
        ax.barh(np.arange(n), field, color=sign_colors(field))
        ax.axvline(0, color="0.3", lw=0.6)
        ax.set_xlim(-limit * 1.05, limit * 1.05)
        ax.set_yticks(np.arange(n), self.feature_names, fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel(self.field_label.split(" (")[0], fontsize=7)
        return None
