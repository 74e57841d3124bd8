"""TraceDisplay: one input's journey through the network, layer by layer."""

from __future__ import annotations

import numpy as np

from hiddenlens._activations import ACTIVATIONS
from hiddenlens.plot._axes import finish, panel_axes
from hiddenlens.plot._grid import (
    fold,
    grid_shape,
    hide_ticks,
    model_label,
    plain,
    unit_count,
)

SMALL_LAYER = 16  # up to this many units a layer is drawn as bars


class TraceDisplay:
    """The input, each hidden layer as an image grid of its activations, and the output.

    Parameters
    ----------
    x : ndarray of shape (n_inputs,)
        What layer 0 multiplies (standardised for tabular models).
    activations : list of ndarray
        One (units,) per layer, the output last.
    activation : list of str
        Each hidden layer's activation function ("sigmoid", "relu", ...).
    output_activation : {"softmax", "sigmoid", "linear"}, default="softmax"
    task : {"classification", "regression"}, default="classification"
    image_shape : (int, int), optional
        Draw the input as this image; None draws bars over `feature_names`.
    feature_names, class_names : list of str, optional
    label : int or float, optional
        The true class (a regressor: the true value), named in the title and, for a
        regressor, marked beside the prediction.
    title : str, default="Forward trace of one input"
        The title's start; the prediction (and `label`) are added.

    Attributes
    ----------
    figure_ : Figure
    ax_ : Axes
        The output panel.
    axes_ : ndarray of Axes of shape (n_layers + 1,)
        The input, each hidden layer, the output.
    """

    def __init__(self, *, x, activations, activation, output_activation: str = "softmax",
                 task: str = "classification", image_shape=None, feature_names=None,
                 class_names=None, label=None, title: str = "Forward trace of one input"):
        self.x, self.activations, self.label = np.asarray(x), list(activations), label
        self.activation, self.output_activation, self.task = activation, output_activation, task
        self.image_shape, self.feature_names, self.class_names = (image_shape, feature_names,
                                                                  class_names)
        self.title = title

    @classmethod
    def from_model(cls, net, x, *, label=None, ax=None, **plot_kw) -> TraceDisplay:
        """Trace one input `x` through `net` (`net.trace`) and draw every layer.

        Parameters
        ----------
        net : DenseNet
        x : array of shape (n_inputs,)
        label : int or float, optional
            The true class (a regressor: the true value), named in the title.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        X = net.tensor(x)
        if len(X) != 1:
            raise ValueError(f"`x` must be one example. Got {len(X)} examples instead.")
        return cls.from_result(
            net.trace(X), activation=list(net.activations[:-1]),
            output_activation=net.output_activation, task=net.task, image_shape=net.image_shape,
            feature_names=net.feature_names, class_names=net.class_names, label=label,
            title=f"Forward trace of one input through the {model_label(net)}", ax=ax,
            **plot_kw)

    @classmethod
    def from_result(cls, trace, *, index: int = 0, activation=None,
                    output_activation: str = "softmax", task: str = "classification",
                    image_shape=None, feature_names=None, class_names=None, label=None,
                    title: str = "Forward trace of one input", ax=None,
                    **plot_kw) -> TraceDisplay:
        """Draw example `index` of a `Trace` computed before (`net.trace(X)`).

        Parameters
        ----------
        trace : Trace
        index : int, default=0
            The row of the traced batch to draw.
        activation : list of str, optional
            Each hidden layer's activation function (default: "sigmoid" for every one).
        output_activation, task, image_shape, feature_names, class_names, label, title
            See the class.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        activations = [np.asarray(a[index]) for a in trace.activations]
        if activation is None:
            activation = ["sigmoid"] * (len(activations) - 1)
        display = cls(x=np.asarray(trace.input[index]), activations=activations,
                      activation=activation, output_activation=output_activation, task=task,
                      image_shape=image_shape, feature_names=feature_names,
                      class_names=class_names, label=label, title=title)
        return display.plot(ax=ax, **plot_kw)

    def plot(self, ax=None) -> TraceDisplay:
        """Draw the panels in `ax` (Axes, Figure or SubFigure; None: a new figure); self."""
        n_panels = len(self.activations) + 1
        wide = [1.35 if len(a) > 300 else 1 for a in self.activations[:-1]]
        fig, axes = panel_axes(ax, 1, n_panels, (3.3 * n_panels + sum(wide) - len(wide), 3.6),
                               width_ratios=[1] + wide + [1.3])
        axes = axes[0]
        self._input_panel(axes[0])
        for l, (ax, a) in enumerate(zip(axes[1:-1], self.activations[:-1])):
            self._hidden_panel(ax, l, a)
        pred = self._output_panel(axes[-1], self.activations[-1])
        truth = "" if self.label is None else f", true value {self.label:.4g}" \
            if self.task == "regression" else f", true class {self._name(self.label)}"
        fig.suptitle(plain(f"{self.title}: predicted {pred}{truth}"), fontsize=11)
        return finish(self, axes, axes[-1])

    def _name(self, k) -> str:
        return self.class_names[k] if self.class_names else str(k)

    def _input_panel(self, ax) -> None:
        if self.image_shape:
            ax.imshow(self.x.reshape(self.image_shape), cmap="gray_r", vmin=0, vmax=1)
            hide_ticks(ax)
        else:
            names = [plain(n) for n in self.feature_names or range(len(self.x))]
            ax.barh(np.arange(len(self.x)), self.x, color="0.4")
            ax.set_yticks(np.arange(len(self.x)), names, fontsize=7)
            ax.invert_yaxis()
            ax.set_xlabel("standardised value")
        ax.set_title(f"input ({len(self.x)} values)", fontsize=10)

    def _hidden_panel(self, ax, l: int, a: np.ndarray) -> None:
        act = self.activation[l]
        if len(a) <= SMALL_LAYER:  # a few units: one labelled bar each, not a grid
            idx = np.arange(len(a))
            ax.bar(idx, a, color="tab:purple", width=0.6)
            ax.set_xticks(idx, [f"unit {i}" for i in idx], fontsize=8,
                          rotation=0 if len(a) <= 4 else 90)
            ax.set_xlim(-0.8, len(a) - 0.2)
            low, high = ACTIVATIONS[act].range
            lo = 1.15 * low if low < 0 and ACTIVATIONS[act].bounded else 0
            hi = 1.15 if ACTIVATIONS[act].bounded else max(float(a.max()), 1e-9) * 1.15
            ax.set_ylim(min(lo, float(a.min()) * 1.15), hi)
            ax.axhline(0, color="0.3", lw=0.6)
            upright = len(a) > 8  # side by side, 16 labels of "0.905" would overlap
            for i, v in zip(idx, a):
                ax.text(i, v, f" {v:.2f} " if upright else f"{v:.3f}", ha="center",
                        va="bottom" if v >= 0 else "top", fontsize=7 if upright else 8,
                        rotation=90 if upright else 0)
            if upright:  # room above the tallest bar for its vertical label
                low, high = ax.get_ylim()
                ax.set_ylim(low * (1.3 if low < 0 else 1), high * 1.25)
            ax.set_ylabel(f"{act} activation")
        else:
            rows, cols = grid_shape(len(a))
            low, high = ACTIVATIONS[act].range
            bounded = ACTIVATIONS[act].bounded
            lo, hi = (low, high) if bounded else (0, max(a.max(), 1e-9))
            image = ax.imshow(fold(a, (rows, cols)), cmap="viridis", vmin=lo, vmax=hi)
            hide_ticks(ax)
            ax.set_facecolor("0.8")
            ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03).set_label(
                f"{act} activation")
        shape = "" if len(a) <= SMALL_LAYER else f" as {rows}x{cols}"
        ax.set_title(f"layer {l}: {unit_count(len(a), act)}{shape}", fontsize=10)

    def _output_panel(self, ax, out: np.ndarray) -> str:
        names = [plain(n) for n in self.class_names or range(len(out))]
        if self.task == "regression":
            return self._regression_panel(ax, out)
        if len(out) == 1:  # a single sigmoid unit: p(class 1)
            out = np.array([1 - out[0], out[0]])
        k = int(np.argmax(out))
        colors = ["tab:orange" if i == k else "0.6" for i in range(len(out))]
        ax.bar(np.arange(len(out)), out, color=colors)
        if len(out) <= 10:
            for i, v in enumerate(out):
                ax.text(i, v, f"{v:.2f}", ha="center", va="bottom", fontsize=7)
        ax.set_xticks(np.arange(len(out)), names[: len(out)], fontsize=8,
                      rotation=0 if max(len(n) for n in names) < 4 else 45)
        label = {"softmax": "probability", "sigmoid": "sigmoid output"}.get(
            self.output_activation, "output")
        ax.set_ylabel(label)
        ax.set_ylim(0, max(1.0, float(out.max())) * 1.08)
        ax.set_title(f"output: predicts {names[k]}", fontsize=10)
        return names[k]

    def _regression_panel(self, ax, out: np.ndarray) -> str:
        """Each output as a point on a number line, with the true value beside it: a bar from
        zero would only show how far the target's units are from zero."""
        y = np.arange(len(out))
        ax.scatter(out, y, s=80, color="tab:orange", zorder=3, label="prediction")
        ends = list(out)
        if self.label is not None:
            ax.scatter([self.label], [0], s=80, marker="D", facecolors="none",
                       edgecolors="0.1", zorder=4, label="true value")
            ax.plot([out[0], self.label], [0, 0], color="0.5", lw=1, zorder=2)
            ends.append(self.label)
        for yi, v in zip(y, out):
            ax.annotate(f"{v:.4g}", (v, yi), textcoords="offset points", xytext=(0, 9),
                        ha="center", fontsize=8)
        lo, hi = min(ends), max(ends)
        pad = (hi - lo) * 0.25 or max(abs(hi), 1.0) * 0.25
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_ylim(len(out) - 0.4, -0.6)
        ax.set_yticks(y, ["output" if len(out) == 1 else f"output {i}" for i in y], fontsize=8)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=8, loc="lower center", ncol=2, frameon=False)  # under the points
        error = "" if self.label is None else f", error {out[0] - self.label:+.4g}"
        ax.set_title(f"output: {out[0]:.4g}{error}", fontsize=10)
        return f"{out[0]:.4g}"
