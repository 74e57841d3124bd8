"""TraceDisplay: one input's journey through the network, layer by layer."""

from __future__ import annotations

import numpy as np

from hiddenlens.plot._grid import grid_shape, model_label


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
    axes_ : ndarray of Axes, one per panel (input, hidden layers..., output)
    """

    def __init__(self, x, activations, net, label=None):
        self.x, self.activations, self.net, self.label = x, activations, net, label

    @classmethod
    def from_model(cls, net, x, label=None, **plot_kw) -> TraceDisplay:
        trace = net.trace(x)
        return cls(np.asarray(trace.input[0]), [a[0] for a in trace.activations], net,
                   label).plot(**plot_kw)

    def plot(self) -> TraceDisplay:
        import matplotlib.pyplot as plt

        n_panels = len(self.activations) + 1
        fig, axes = plt.subplots(1, n_panels, figsize=(3.2 * n_panels, 3.6),
                                 gridspec_kw={"width_ratios": [1] * (n_panels - 1) + [1.4]})
        self._input_panel(axes[0])
        for l, (ax, a) in enumerate(zip(axes[1:-1], self.activations[:-1])):
            self._hidden_panel(ax, l, a)
        pred = self._output_panel(axes[-1], self.activations[-1])
        truth = "" if self.label is None else f", true class {self._name(self.label)}"
        fig.suptitle(f"Forward trace, {model_label(self.net)}: predicted {pred}{truth}",
                     fontsize=11)
        fig.tight_layout()
        self.figure_, self.axes_ = fig, axes
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
        if len(a) == 1:
            ax.bar([0], a, color="tab:purple")
            ax.set_xticks([0], ["unit 0"])
            ax.set_ylabel("activation")
        else:
            rows, cols = grid_shape(len(a))
            grid = np.full(rows * cols, np.nan)
            grid[: len(a)] = a
            bounded = act in ("sigmoid", "tanh")
            lo, hi = (-1 if act == "tanh" else 0, 1) if bounded else (0, max(a.max(), 1e-9))
            image = ax.imshow(grid.reshape(rows, cols), cmap="viridis", vmin=lo, vmax=hi)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03).set_label(
                f"{act} activation")
        ax.set_title(f"layer {l}: {len(a)} {act} units", fontsize=10)

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
        ax.set_xticks(np.arange(len(out)), names[: len(out)], fontsize=8,
                      rotation=0 if max(len(n) for n in names) < 4 else 45)
        label = {"softmax": "probability", "sigmoid": "sigmoid output"}.get(self.net.output,
                                                                          "output")
        ax.set_ylabel(label)
        ax.set_ylim(0, max(1.0, float(out.max())))
        ax.set_title(f"output: predicts {names[k]}", fontsize=10)
        return names[k]
