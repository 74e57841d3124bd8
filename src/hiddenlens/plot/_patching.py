"""PatchDisplay: which units carry one input's class into another (activation patching)."""

from __future__ import annotations

import numpy as np

from hiddenlens.explain._patching import patch_effect
from hiddenlens.plot._axes import container, finish
from hiddenlens.plot._grid import model_label, plain, symmetric_limit
from hiddenlens.plot._layer_values import (
    MAX_BARS,
    class_label,
    draw_input,
    draw_unit_values,
    unit_panel_width,
)


class PatchDisplay:
    """The source and destination inputs, every unit of the layer coloured by how far
    patching it alone moves the destination toward the source, and the top units listed.

    Parameters
    ----------
    result : PatchEffect
    x_source, x_dest : ndarray of shape (n_inputs,), optional
        The two inputs, drawn when given (images, or bars over `input_names`).
    image_shape : (int, int), optional
    input_names : list of str, optional
    title : str, default=""

    Attributes
    ----------
    figure_ : Figure
    ax_ : Axes
        The units' effects.
    axes_ : ndarray of Axes
        The source and destination inputs (when given), the units, the list.
    """

    def __init__(self, *, result, x_source=None, x_dest=None, image_shape=None,
                 input_names=None, title: str = ""):
        self.result, self.title = result, title
        self.x_source = None if x_source is None else np.asarray(x_source).reshape(-1)
        self.x_dest = None if x_dest is None else np.asarray(x_dest).reshape(-1)
        self.image_shape, self.input_names = image_shape, input_names

    @classmethod
    def from_model(cls, net, x_source, x_dest, layer: int, *, k: int = 8, ax=None,
                   **plot_kw) -> PatchDisplay:
        """Patch each unit of `layer` alone from `x_source` into `x_dest` (`patch_effect`)
        and draw it.

        Parameters
        ----------
        net : DenseNet
            A classifier.
        x_source, x_dest : array of shape (n_inputs,)
            Two inputs predicted as different classes.
        layer : int
            A hidden layer.
        k : int, default=8
            Units listed (and outlined on a grid).
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        result = patch_effect(net, x_source, x_dest, layer)
        return cls.from_result(result, x_source=x_source, x_dest=x_dest,
                               image_shape=net.image_shape, input_names=net.feature_names,
                               title=f"{patch_title(result)}\n{model_label(net)}", k=k,
                               ax=ax, **plot_kw)

    @classmethod
    def from_result(cls, result, *, x_source=None, x_dest=None, image_shape=None,
                    input_names=None, k: int = 8, title: str | None = None, ax=None,
                    **plot_kw) -> PatchDisplay:
        """Draw a `PatchEffect` computed before (see the class for the arguments; the default
        title is `patch_title(result)`)."""
        if title is None:
            title = patch_title(result)
        display = cls(result=result, x_source=x_source, x_dest=x_dest,
                      image_shape=image_shape, input_names=input_names, title=title)
        return display.plot(ax=ax, k=k, **plot_kw)

    def plot(self, ax=None, *, k: int = 8) -> PatchDisplay:
        """Draw in `ax` (Axes, Figure or SubFigure; None: a new figure), listing the `k` units
        of largest effect; return self."""
        r = self.result
        n = len(r.effect)
        top = r.ranking[: max(1, min(int(k), n))]
        inputs = self.x_source is not None and self.x_dest is not None
        wide = n > MAX_BARS
        widths = ([1, 1] if inputs else []) + [unit_panel_width(n), 1.35]
        height = 3.9 if wide or n <= 12 else 0.22 * n + 1.6
        fig = container(ax, (sum(widths) * 2.6 + 0.6, height))
        grid = fig.add_gridspec(1, len(widths), width_ratios=widths)
        axes = [fig.add_subplot(grid[0, i]) for i in range(len(widths))]
        if inputs:
            names = r.class_names
            for a, x, c, out, what in (
                    (axes[0], self.x_source, r.source_class, r.source_output, "source"),
                    (axes[1], self.x_dest, r.dest_class, r.dest_output, "destination")):
                draw_input(a, x, self.image_shape, self.input_names,
                           f"{what}: predicted {class_label(names, c)}\n"
                           f"(output {_output_of(out, c):.2f})")
        units = axes[-2]
        limit = symmetric_limit(r.effect)
        draw_unit_values(units, r.effect, limit,
                         "effect (0: unchanged, 1: as far as the source)",
                         marked=top)
        units.set_title(f"every unit of layer {r.layer}, patched alone", fontsize=9)
        self._list(axes[-1], top)
        fig.suptitle(plain(self.title), fontsize=10)
        return finish(self, axes, units)

    def _list(self, ax, top) -> None:
        r = self.result
        src = class_label(r.class_names, r.source_class)
        lines = [f"{'unit':>6} {'effect':>7}  predicts"]
        for u in top:
            flip = " \u2190 flips" if r.predicted[u] == r.source_class else ""
            lines.append(f"{u:>6} {r.effect[u]:>+7.2f}  "
                         f"{class_label(r.class_names, int(r.predicted[u]))}{flip}")
        flips = int(np.sum(r.predicted == r.source_class))
        lines += ["", f"{flips} of {len(r.effect)} units flip", f"the prediction to {src}",
                  "alone"]
        ax.text(0.0, 1.0, plain("\n".join(lines)), va="top", ha="left", family="monospace",
                fontsize=8, transform=ax.transAxes)
        ax.axis("off")
        ax.set_title("units that move it most", fontsize=9, loc="left")


def _output_of(out: np.ndarray, c: int) -> float:
    """The output for class c: its unit, or for one sigmoid output p(1) or 1 - p(1)."""
    if len(out) == 1:
        return float(out[0] if c == 1 else 1 - out[0])
    return float(out[c])


def patch_title(r) -> str:
    """"Patching one unit of layer 0 at a time from the 3 into the 8: unit 42 moves it 63% of
    the way to the 3"."""
    src, dst = (class_label(r.class_names, c) for c in (r.source_class, r.dest_class))
    best = int(r.ranking[0])
    return (f"Patching one unit of layer {r.layer} at a time from the {src} into the {dst}: "
            f"unit {best} moves it {100 * r.effect[best]:.0f}% of the way to the {src}")
