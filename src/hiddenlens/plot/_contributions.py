"""ContributionDisplay: which inputs push one unit up or down, for one example."""

from __future__ import annotations

import numpy as np

from hiddenlens._validation import check_choice, check_layer
from hiddenlens.explain import contribution_map
from hiddenlens.plot._axes import finish, panel_axes
from hiddenlens.plot._grid import (
    DIVERGING,
    field_layout,
    fold,
    hide_ticks,
    image_view_error,
    model_label,
    plain,
    sign_colors,
    symmetric_limit,
)


class ContributionDisplay:
    """Input, incoming weights, their product (input * weight) and the pre-activation sum.

    Parameters
    ----------
    result : ContributionMap
    title : str, default=""
    image_shape : (int, int), optional
        Fold the maps into this shape; None draws bars over `feature_names`.
    feature_names : list of str, optional
        One per input of the unit (default: their indices).
    input_label : str, default="input"
        What the unit multiplies ("layer 0 activations" for layer 1).

    Attributes
    ----------
    figure_ : Figure
    ax_ : Axes
        The contribution panel (input x weight).
    axes_ : ndarray of Axes of shape (4,) for images, (2,) for bars
    """

    def __init__(self, *, result, title: str = "", image_shape=None, feature_names=None,
                 input_label: str = "input"):
        self.result, self.title, self.image_shape = result, title, image_shape
        self.feature_names, self.input_label = feature_names, input_label

    @classmethod
    def from_model(cls, net, x, *, layer: int = 0, unit: int, kind: str = "auto", ax=None,
                   **plot_kw) -> ContributionDisplay:
        """Compute `contribution_map(net, x, layer, unit)` and draw it.

        Parameters
        ----------
        net : DenseNet
        x : array of shape (n_inputs,)
            One example.
        layer : int, default=0
        unit : int
            The unit of `layer` whose pre-activation is split into its terms.
        kind : {"auto", "image", "bars"}, default="auto"
            "image" on a tabular model is an error.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        idx = check_layer(net, layer)
        check_choice(kind, "kind", ("auto", "image", "bars"))
        how, shape_or_names, what = field_layout(net, idx)
        if kind == "image" and how != "image":
            raise image_view_error(net, "ContributionDisplay(kind='image')",
                                   "kind='bars' (one bar per feature: value * weight)")
        result = contribution_map(net, x, idx, unit)
        title = (f"Unit {result.unit} of layer {idx}: which {what} push it up (red) or "
                 f"down (blue)\n{model_label(net)}")
        bars = how == "bars" or kind == "bars"
        names = shape_or_names if how == "bars" else [str(i) for i in range(net.sizes[idx])]
        return cls.from_result(result, image_shape=None if bars else shape_or_names,
                               feature_names=names if bars else None, title=title, ax=ax,
                               **plot_kw)

    @classmethod
    def from_result(cls, result, *, image_shape=None, feature_names=None,
                    title: str | None = None, ax=None, **plot_kw) -> ContributionDisplay:
        """Draw a `ContributionMap` computed before.

        Parameters
        ----------
        result : ContributionMap
        image_shape : (int, int), optional
            None draws bars.
        feature_names : list of str, optional
        title : str, optional
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        if title is None:
            title = f"Unit {result.unit} of layer {result.layer}: what pushes it up or down"
        label = ("input" if result.raw_inputs is None else "standardised input") \
            if result.layer == 0 else f"layer {result.layer - 1} activations"
        display = cls(result=result, title=title, image_shape=image_shape,
                      feature_names=feature_names, input_label=label)
        return display.plot(ax=ax, **plot_kw)

    def plot(self, ax=None) -> ContributionDisplay:
        """Draw the panels in `ax` (Axes, Figure or SubFigure; None: a new figure); self."""
        if self.image_shape is None:
            return self._plot_bars(ax)
        r = self.result
        fig, axes = panel_axes(ax, 1, 4, (14.5, 4.0), width_ratios=[1, 1, 1, 1.15])
        axes = axes[0]
        self._image(axes[0], r.inputs, self.input_label, "gray_r", None,
                    "activation" if r.layer else self.input_label.replace("input", "value"))
        w_lim = symmetric_limit(r.weights)
        self._image(axes[1], r.weights, f"weights into unit {r.unit}", DIVERGING, w_lim,
                    "weight")
        c_lim = symmetric_limit(r.contributions)
        self._image(axes[2], r.contributions, f"{self.input_label} x weight", DIVERGING,
                    c_lim, "contribution to z")
        self._decomposition(axes[3])
        fig.suptitle(self.title, fontsize=10)
        return finish(self, axes, axes[2])

    def _image(self, ax, values, title, cmap, limit, label) -> None:
        lo, hi = (-limit, limit) if limit else (min(0.0, float(values.min())),
                                                max(1.0, float(values.max())))
        image = ax.imshow(fold(values, self.image_shape), cmap=cmap, vmin=lo, vmax=hi,
                          interpolation="nearest")
        hide_ticks(ax)
        ax.set_facecolor("0.8")
        ax.set_title(title, fontsize=9)
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03).set_label(label, fontsize=8)

    def _decomposition(self, ax) -> None:
        """Bars: sum of positive terms, sum of negative terms, bias, and their total z."""
        r = self.result
        c = r.contributions.astype(np.float64)
        parts = [c[c > 0].sum(), c[c < 0].sum(), r.bias, r.total]
        names = ["positive terms", "negative terms", "bias", "z = sum + bias"]
        y = np.arange(4)
        ax.barh(y, parts, color=sign_colors(parts[:3]) + ["0.35"])
        ax.axvline(0, color="0.3", lw=0.6)
        ax.set_yticks(y, names, fontsize=8)
        ax.invert_yaxis()
        for yi, v in zip(y, parts):
            ax.text(v, yi, f" {v:+.3f} ", va="center", ha="left" if v >= 0 else "right",
                    fontsize=8)
        lim = max(abs(p) for p in parts) * 1.6 or 1.0
        ax.set_xlim(-lim, lim)
        ax.set_xlabel("contribution to the pre-activation z", fontsize=8)
        ax.set_title(f"z = {r.pre_activation:.4f}, activation = {r.activation:.4f}",
                     fontsize=9)

    def _plot_bars(self, ax) -> ContributionDisplay:
        r = self.result
        n = len(r.contributions)
        fig, axes = panel_axes(ax, 1, 2, (10, max(2.5, 0.28 * n + 1.2)), width_ratios=[1.3, 1])
        a = axes[0, 0]
        a.barh(np.arange(n), r.contributions, color=sign_colors(r.contributions))
        a.axvline(0, color="0.3", lw=0.6)
        names = [plain(name) for name in self.feature_names or range(n)]
        if r.raw_inputs is None:
            labels = [f"{name} ({v:+.3g} × {w:+.3g})" for name, v, w in
                      zip(names, r.inputs, r.weights)]
            how = f"{'value' if r.layer == 0 else 'activation'} × weight per input"
        else:  # the weight multiplies the standardised value, not the one the user gave
            labels = [f"{name} = {x:.4g}, standardised {v:+.3g} × {w:+.3g}" for name, x, v, w
                      in zip(names, r.raw_inputs, r.inputs, r.weights)]
            how = ("the value as given, then standardised as layer 0 multiplies it:\n"
                   "standardised value × weight per input")
        a.set_yticks(np.arange(n), labels, fontsize=8)
        a.invert_yaxis()
        a.set_xlabel(f"{self.input_label} × weight (contribution to z)", fontsize=8)
        a.set_title(how, fontsize=9)
        self._decomposition(axes[0, 1])
        fig.suptitle(self.title, fontsize=10)
        return finish(self, axes[0], a)
