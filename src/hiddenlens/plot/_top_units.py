"""TopUnitsDisplay: the units that push a unit (an output class) up most, and down most."""

from __future__ import annotations

import numpy as np

from hiddenlens.explain import composite_weights, top_units
from hiddenlens.plot._axes import finish, panel_axes
from hiddenlens.plot._grid import (
    draw_field,
    field_layout,
    model_label,
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
    title : str, default=""
    image_shape : (int, int), optional
        None draws bars over `feature_names`.
    feature_names : list of str, optional
    field_label : str, default="incoming weight"
        What `fields` are, for the colour bar.

    Attributes
    ----------
    figure_ : Figure
    ax_ : Axes
        The first (most positive) unit's panel.
    axes_ : ndarray of Axes of shape (2, k)
    """

    def __init__(self, *, result, fields, title: str = "", image_shape=None,
                 feature_names=None, field_label: str = "incoming weight"):
        self.result, self.fields, self.title = result, np.asarray(fields), title
        self.image_shape, self.feature_names, self.field_label = (image_shape, feature_names,
                                                                  field_label)

    @classmethod
    def from_model(cls, net, x=None, *, layer: int = -1, unit: int, k: int = 5,
                   by: str = "weight", ax=None, **plot_kw) -> TopUnitsDisplay:
        """Compute `top_units(net, layer, unit, k=k, by=by, x=x)` and draw each unit's field.

        Parameters
        ----------
        net : DenseNet
        x : array of shape (n_inputs,), optional
            The example, needed by ``by="contribution"``.
        layer : int, default=-1
            The layer of `unit` (the output by default).
        unit : int
            The unit of `layer` (an output class) whose top units are drawn.
        k : int, default=5
            How many positive and how many negative units.
        by : {"weight", "contribution"}, default="weight"
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        result = top_units(net, layer, unit, k=k, by=by, x=x)
        s = result.source_layer
        fields = composite_weights(net, s, method="linear")  # == net.weights[0] for s == 0
        how, shape_or_names, _ = field_layout(net, 0)
        names = net.class_names if result.layer == net.n_layers - 1 and net.class_names \
            else None
        uname = (f"output class {names[result.unit]}" if names
                 else f"unit {result.unit} of layer {result.layer}")
        score = {"weight": "outgoing weight", "contribution": "weight x activation on x"}[by]
        title = (f"Units of layer {s} that push {uname} up (top row) "
                 f"and down (bottom row), by {score}\n{model_label(net)}")
        image = how == "image"
        return cls.from_result(result, fields=fields, title=title,
                               image_shape=shape_or_names if image else None,
                               feature_names=None if image else shape_or_names, ax=ax,
                               **plot_kw)

    @classmethod
    def from_result(cls, result, *, fields, image_shape=None, feature_names=None,
                    title: str | None = None, ax=None, **plot_kw) -> TopUnitsDisplay:
        """Draw a `TopUnits` computed before.

        Parameters
        ----------
        result : TopUnits
        fields : ndarray of shape (n_source_units, n_inputs)
            The source layer's fields in input space: ``composite_weights(net,
            result.source_layer, method="linear")`` (the weights themselves for layer 0).
        image_shape : (int, int), optional
            None draws bars.
        feature_names : list of str, optional
        title : str, optional
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        s = result.source_layer
        label = ("incoming weight" if s == 0
                 else "linear composite weight (weights multiplied through)")
        if title is None:
            title = (f"Units of layer {s} that push unit {result.unit} of layer "
                     f"{result.layer} up (top row) and down (bottom row), by {result.by}")
        display = cls(result=result, fields=fields, title=title, image_shape=image_shape,
                      feature_names=feature_names, field_label=label)
        return display.plot(ax=ax, **plot_kw)

    def plot(self, ax=None) -> TopUnitsDisplay:
        """Draw the 2 x k panels in `ax` (Axes, Figure or SubFigure; None: a new figure)."""
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
                mappable = draw_field(a, self.fields[u], limit, self.image_shape,
                                      self.feature_names)
                if mappable is None:
                    a.set_xlabel(self.field_label.split(" (")[0], fontsize=7)
                a.set_title(f"unit {u}\n{short} = {v:+.3f}", fontsize=9,
                            color="#c0392b" if v >= 0 else "#2e6db4")
        axes[0, 0].set_ylabel("push up", fontsize=9)
        axes[1, 0].set_ylabel("push down", fontsize=9)
        if image:
            fig.colorbar(mappable, ax=axes, fraction=0.03, pad=0.02).set_label(
                self.field_label, fontsize=8)
        fig.suptitle(self.title, fontsize=10)
        return finish(self, axes, axes[0, 0])
