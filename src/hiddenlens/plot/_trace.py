"""TraceDisplay: one input's journey through the network, layer by layer."""

from __future__ import annotations

import numpy as np

from hiddenlens.plot._grid import grid_shape, model_label, panel_axes, root_figure

SMALL_LAYER = 16  # up to this many units a layer is drawn as bars


class TraceDisplay:
    """The input, each hidden layer as an image grid of its activations, and the output.

    Parameters
    ----------
    x : ndarray of shape (n_inputs,)
    activations : list of ndarray, one (units,) per layer
    net : DenseNet (for names, shapes and the title)
    label : int or None, the true class if known

    Attributes
    ----------
    figure_ : Figure
    ax_ : Axes of the output panel
    axes_ : ndarray of Axes, one per panel (input, hidden layers..., output)
    trace_ : Trace or None
        The numbers drawn (set by `from_model`): ``trace_.activations[l][0]`` is layer l.
    """

    def __init__(self, x, activations, net, label=None):
        self.x, self.activations, self.net, self.label = x, activations, net, label
        self.trace_ = None

    @classmethod
    def from_model(cls, net, x, label=None, **plot_kw) -> TraceDisplay:
        """Trace one input `x` (n_inputs,) through `net` and draw every layer.

        label : int, optional. The true class, named in the title.
        """
        X = net.tensor(x)
        if len(X) != 1:
            raise ValueError(f"`x` must be one example. Got {len(X)} examples instead.")
        trace = net.trace(X)
        self = cls(np.asarray(trace.input[0]), [a[0] for a in trace.activations], net, label)
        self.trace_ = trace
        return self.plot(**plot_kw)

    def plot(self, ax=None) -> TraceDisplay:
        n_panels = len(self.activations) + 1
        wide = [1.35 if len(a) > 300 else 1 for a in self.activations[:-1]]
        fig, axes = panel_axes(ax, 1, n_panels, (3.3 * n_panels + sum(wide) - len(wide), 3.6),
                               width_ratios=[1] + wide + [1.3])
        axes = axes[0]
        self._input_panel(axes[0])
        for l, (ax, a) in enumerate(zip(axes[1:-1], self.activations[:-1])):
            self._hidden_panel(ax, l, a)
        pred = self._output_panel(axes[-1], self.activations[-1])
        truth = "" if self.label is None else f", true class {self._name(self.label)}"
        fig.suptitle(f"Forward trace of one input through the {model_label(self.net)}: "
                     f"predicted {pred}{truth}", fontsize=11)
        self.figure_, self.ax_, self.axes_ = root_figure(fig), axes[-1], axes
        return self

    def _name(self, k) -> str:
        names = self.net.class_names
        return names[k] if names else str(k)

    def _input_panel(self, ax) -> None:
        if self.net.image_shape:
            ax.imshow(self.x.reshape(self.net.image_shape), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            names = self.net.feature_names or [str(i) for i in range(len(self.x))]
            ax.barh(np.arange(len(self.x)), self.x, color="0.4")
            ax.set_yticks(np.arange(len(self.x)), names, fontsize=7)
            ax.invert_yaxis()
            ax.set_xlabel("standardised value")
        ax.set_title(f"input ({len(self.x)} values)", fontsize=10)

    def _hidden_panel(self, ax, l: int, a: np.ndarray) -> None:
        act = self.net.activations[l]
        if len(a) <= SMALL_LAYER:  # a few units: one labelled bar each, not a grid
            idx = np.arange(len(a))
            ax.bar(idx, a, color="tab:purple", width=0.6)
            ax.set_xticks(idx, [f"unit {i}" for i in idx], fontsize=8,
                          rotation=0 if len(a) <= 4 else 90)
            ax.set_xlim(-0.8, len(a) - 0.2)
            lo = -1.15 if act == "tanh" else 0
            hi = 1.15 if act in ("sigmoid", "tanh") else max(float(a.max()), 1e-9) * 1.15
            ax.set_ylim(min(lo, float(a.min()) * 1.15), hi)
            ax.axhline(0, color="0.3", lw=0.6)
            for i, v in zip(idx, a):
                ax.text(i, v, f"{v:.3f}", ha="center", va="bottom" if v >= 0 else "top",
                        fontsize=8)
            ax.set_ylabel(f"{act} activation")
        else:
            rows, cols = grid_shape(len(a))
            grid = np.full(rows * cols, np.nan)
            grid[: len(a)] = a
            bounded = act in ("sigmoid", "tanh")
            lo, hi = (-1 if act == "tanh" else 0, 1) if bounded else (0, max(a.max(), 1e-9))
            image = ax.imshow(grid.reshape(rows, cols), cmap="viridis", vmin=lo, vmax=hi)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_facecolor("0.8")
            ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03).set_label(
                f"{act} activation")
        shape = "" if len(a) <= SMALL_LAYER else f" as {rows}x{cols}"
        ax.set_title(f"layer {l}: {len(a)} {act} units{shape}", fontsize=10)

    def _output_panel(self, ax, out: np.ndarray) -> str:
        names = self.net.class_names or [str(i) for i in range(len(out))]
        if self.net.task == "regression":
            ax.bar([0], out, color="tab:blue")
            ax.set_title(f"output: {out[0]:.4g}", fontsize=10)
            return f"{out[0]:.4g}"
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
        label = {"softmax": "probability", "sigmoid": "sigmoid output"}.get(self.net.output,
                                                                          "output")
        ax.set_ylabel(label)
        ax.set_ylim(0, max(1.0, float(out.max())) * 1.08)
        ax.set_title(f"output: predicts {names[k]}", fontsize=10)
        return names[k]
