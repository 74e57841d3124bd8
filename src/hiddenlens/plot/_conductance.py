"""ConductanceDisplay: how much of a prediction flows through each unit of a layer, and
through one unit, from which inputs."""

from __future__ import annotations

import numpy as np

from hiddenlens.explain._conductance import conductance, neuron_conductance
from hiddenlens.explain._labels import class_names, output_names
from hiddenlens.explain._targets import resolve_target
from hiddenlens.plot._axes import container, finish
from hiddenlens.plot._grid import model_label, plain, symmetric_limit
from hiddenlens.plot._layer_values import (
    MAX_BARS,
    draw_input,
    draw_input_values,
    draw_unit_values,
    unit_panel_width,
)


class ConductanceDisplay:
    """For one input: the input, each unit's layer conductance (a grid for a wide layer,
    bars for a narrow one), and one unit's neuron conductance over the inputs.

    Parameters
    ----------
    conductance : ndarray of shape (n_units,)
        Layer conductance of one input (`conductance(net, x, target, layer)[0]`).
    layer : int
    unit : int, optional
        The unit whose neuron conductance is drawn (outlined among the layer's units).
    neuron_conductance : ndarray of shape (n_inputs,), optional
        `neuron_conductance(net, x, target, layer, unit)[0]`.
    x : ndarray of shape (n_inputs,), optional
        The input, drawn first when given.
    target_name : str, default="the target"
        What flows ("the logit of class 7").
    image_shape : (int, int), optional
        Inputs drawn as images; None: bars over `input_names`.
    input_names : list of str, optional
    title : str, default=""

    Attributes
    ----------
    figure_ : Figure
    ax_ : Axes
        The layer's units.
    axes_ : ndarray of Axes
        The input (when given), the layer's units, the unit's inputs (when given).
    """

    def __init__(self, *, conductance, layer: int, unit=None, neuron_conductance=None,
                 x=None, target_name: str = "the target", image_shape=None,
                 input_names=None, title: str = ""):
        self.conductance = np.asarray(conductance, dtype=float).reshape(-1)
        self.neuron_conductance = None if neuron_conductance is None else \
            np.asarray(neuron_conductance, dtype=float).reshape(-1)
        self.x = None if x is None else np.asarray(x).reshape(-1)
        self.layer, self.unit, self.target_name = layer, unit, target_name
        self.image_shape, self.input_names, self.title = image_shape, input_names, title

    @classmethod
    def from_model(cls, net, x, layer: int, *, target=None, unit=None, n_steps: int = 50,
                   method: str = "gausslegendre", baseline=0.0, ax=None,
                   **plot_kw) -> ConductanceDisplay:
        """Compute the layer's conductance for `x` and one unit's neuron conductance, then
        draw them.

        Parameters
        ----------
        net : DenseNet
        x : array of shape (n_inputs,)
        layer : int
            A hidden layer.
        target : int, (layer, unit) or None, default=None
            What flows: a class, or a unit of a later layer; None: the predicted class.
        unit : int, optional
            The unit of `layer` whose neuron conductance is drawn; default: the unit of
            largest conductance.
        n_steps, method, baseline : see `conductance`.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        X = net.tensor(np.asarray(x).reshape(1, -1))
        options = dict(n_steps=n_steps, method=method, baseline=baseline)
        cond = conductance(net, X, target, layer, **options)[0]  # (n_units,)
        idx = layer % net.n_layers
        unit = int(np.argmax(cond)) if unit is None else unit
        nc = neuron_conductance(net, X, target, idx, unit, **options)[0]  # (n_inputs,)
        name = target_name(net, X, target)
        return cls.from_result(cond, layer=idx, unit=unit, neuron_conductance=nc,
                               x=X.numpy()[0], target_name=name,
                               image_shape=net.image_shape, input_names=net.feature_names,
                               title=f"{conductance_title(cond, idx, name)}\n"
                                     f"{model_label(net)}", ax=ax, **plot_kw)

    @classmethod
    def from_result(cls, conductance, *, layer: int, unit=None, neuron_conductance=None,
                    x=None, target_name: str = "the target", image_shape=None,
                    input_names=None, title: str | None = None, ax=None,
                    **plot_kw) -> ConductanceDisplay:
        """Draw conductances computed before: `conductance` (n_units,) or (1, n_units) and,
        optionally, `neuron_conductance` (n_inputs,) or (1, n_inputs) of `unit` (see the
        class for the other arguments; the default title is `conductance_title`)."""
        c = np.asarray(conductance, dtype=float).reshape(-1)
        if title is None:
            title = conductance_title(c, layer, target_name)
        display = cls(conductance=c, layer=layer, unit=unit,
                      neuron_conductance=neuron_conductance, x=x, target_name=target_name,
                      image_shape=image_shape, input_names=input_names, title=title)
        return display.plot(ax=ax, **plot_kw)

    def plot(self, ax=None) -> ConductanceDisplay:
        """Draw in `ax` (Axes, Figure or SubFigure; None: a new figure); return self."""
        c, n = self.conductance, len(self.conductance)
        wide = n > MAX_BARS
        parts = (["input"] if self.x is not None else []) + ["units"] + (
            ["neuron"] if self.neuron_conductance is not None else [])
        widths = {"input": 1.0, "units": unit_panel_width(n), "neuron": 1.25}
        rows = max(0 if wide else n, 0 if self.image_shape is not None or
                   self.neuron_conductance is None else len(self.neuron_conductance))
        height = max(3.9, 0.22 * rows + 1.6)
        fig = container(ax, (sum(widths[p] for p in parts) * 3.0 + 0.6, height))
        grid = fig.add_gridspec(1, len(parts), width_ratios=[widths[p] for p in parts])
        axes = {p: fig.add_subplot(grid[0, i]) for i, p in enumerate(parts)}
        if "input" in axes:
            draw_input(axes["input"], self.x, self.image_shape, self.input_names, "the input")
        marked = () if self.unit is None else (self.unit,)
        draw_unit_values(axes["units"], c, symmetric_limit(c), "layer conductance",
                         marked=marked)
        axes["units"].set_title(plain(f"each unit of layer {self.layer}: how much of\n"
                                      f"{self.target_name} flows through it"), fontsize=9)
        if "neuron" in axes:
            nc = self.neuron_conductance
            draw_input_values(axes["neuron"], nc, symmetric_limit(nc), self.image_shape,
                              self.input_names, label="neuron conductance")
            axes["neuron"].set_title(plain(f"through unit {self.unit} ({c[self.unit]:+.3g}): "
                                           f"from which inputs\n(red adds to "
                                           f"{self.target_name})"), fontsize=9)
        fig.suptitle(plain(self.title), fontsize=10)
        return finish(self, list(axes.values()), axes["units"])


def target_name(net, X, target) -> str:
    """What an attribution of one input explains, in words: "the logit of class 7"."""
    t_layer, units, pre = resolve_target(net, net.tensor(X), target, None)
    u = int(units[0])
    if t_layer == net.n_layers - 1:
        kind = "logit" if pre else "output"
        names = class_names(net)
        name = f"class {names[u]}" if names and len(names) == net.n_outputs \
            else output_names(net)[u]
        return f"the {kind} of {name}"
    return f"unit {u} of layer {t_layer}"


def conductance_title(c: np.ndarray, layer: int, target_name: str) -> str:
    """"How the logit of class 7 flows through layer 0: units 3, 9, 1 carry most (the 100
    units carry 7.31 in all, its change from the baseline)"."""
    top = np.argsort(-c, kind="stable")[:3]
    return (f"How {target_name} flows through layer {layer}: units "
            + ", ".join(str(u) for u in top) + f" carry most (the {len(c)} units carry "
            f"{c.sum():.3g} in all, its change from the baseline)")
