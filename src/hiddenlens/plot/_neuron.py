"""What one neuron looks for (NeuronCardDisplay) and what a whole layer looks for
(LayerMaximizeDisplay), drawn from `maximize_activation`, `atlas` and `describe`."""

from __future__ import annotations

import textwrap

import numpy as np

from hiddenlens.explain import atlas, describe, maximize_activation, receptive_fields
from hiddenlens.plot._grid import DIVERGING, grid_shape, model_label, mosaic, symmetric_limit

# Regularisers that turn a maximising image into a picture a person can read: blur,
# shrinkage towards blank paper, robustness to small shifts. On the nielsen preset the hidden
# units still beat the best real example for 99% of units. Output units get stronger ones:
# their unregularised optimum is a scatter of pixels that hardly looks like a digit; with
# these, 6 of the nielsen preset's 10 outputs still beat the best real example (--raw: 10).
READABLE = {"blur": 1.0, "l2": 0.02, "jitter": 1}
READABLE_OUTPUT = {"blur": 1.0, "l2": 0.05, "tv": 0.3, "jitter": 1}


def readable_options(net, layer: int = 0, X=None) -> dict:
    """`READABLE` (`READABLE_OUTPUT` for the output layer) for image models. Tabular models
    have no pixels to smooth; their inputs are held to the data's range when `X` is given."""
    if not net.image_shape:
        if X is None:
            return {}
        X = np.asarray(X, dtype=float).reshape(len(X), -1)
        lo, hi = X.min(0), X.max(0)
        return {"bounds": (lo, np.where(hi > lo, hi, lo + 1))}  # constant columns: width 1
    return dict(READABLE_OUTPUT if layer in (-1, net.n_layers - 1) else READABLE)


class NeuronCardDisplay:
    """One unit on one page: receptive field, maximising input, top and bottom examples,
    class-mean activations and the plain-language description.

    Parameters
    ----------
    net : DenseNet
    layer, unit : int
    maximized : MaximizeResult for this unit
    atlas_result : Atlas of the unit's layer
    description : UnitDescription

    Attributes
    ----------
    figure_ : Figure
    axes_ : dict of name -> Axes ("field", "maximized", "top", "bottom", "classes", "text")
    """

    def __init__(self, net, layer, unit, maximized, atlas_result, description):
        self.net, self.layer, self.unit = net, layer, unit
        self.maximized, self.atlas, self.description = maximized, atlas_result, description

    @classmethod
    def from_model(cls, net, dataset, layer: int, unit: int, *, y=None, k: int = 9,
                   maximize_kw: dict | None = None, **plot_kw) -> NeuronCardDisplay:
        """Compute everything for `unit` of `layer` on `dataset` and draw the card.

        `maximize_kw` go to `maximize_activation`, over `readable_options(net, layer, X)`.
        """
        at = atlas(net, dataset, layer, y=y, k=k)
        idx = at.layer
        desc = describe(net, dataset, idx, unit, y=y, atlas_result=at)
        X = dataset.X if hasattr(dataset, "X_test") else dataset
        options = {**readable_options(net, idx, X), **(maximize_kw or {})}
        best = maximize_activation(net, idx, [unit], X=X, **options)
        return cls(net, idx, unit, best, at, desc).plot(**plot_kw)

    def plot(self) -> NeuronCardDisplay:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(13, 8.2))
        grid = fig.add_gridspec(2, 4, height_ratios=[1, 0.9], hspace=0.35, wspace=0.25)
        axes = {"field": fig.add_subplot(grid[0, 0]), "maximized": fig.add_subplot(grid[0, 1]),
                "top": fig.add_subplot(grid[0, 2]), "bottom": fig.add_subplot(grid[0, 3]),
                "classes": fig.add_subplot(grid[1, :2]), "text": fig.add_subplot(grid[1, 2:])}
        self._field(axes["field"])
        self._maximized(axes["maximized"])
        self._examples(axes["top"], "top")
        self._examples(axes["bottom"], "bottom")
        self._classes(axes["classes"])
        self._text(axes["text"])
        act = self.net.activations[self.layer]
        fig.suptitle(f"Layer {self.layer}, unit {self.unit} ({act}) of the "
                     f"{model_label(self.net)}", fontsize=13)
        self.figure_, self.axes_ = fig, axes
        return self

    # ------------------------------------------------------------ panels
    def _field(self, ax) -> None:
        w = receptive_fields(self.net, self.layer)[self.unit]  # (n_in,)
        if self.layer == 0 and self.net.image_shape:
            limit = symmetric_limit(w)
            image = ax.imshow(w.reshape(self.net.image_shape), cmap=DIVERGING, vmin=-limit,
                              vmax=limit)
            _no_ticks(ax)
            ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03)
            ax.set_title("incoming weights\n(red excites, blue inhibits)", fontsize=10)
        elif self.layer == 0 or len(w) <= 30:
            names = _input_names(self.net, self.layer, len(w))
            ax.barh(np.arange(len(w)), w, color=np.where(w >= 0, "tab:red", "tab:blue"))
            ax.set_yticks(np.arange(len(w)), names, fontsize=7)
            ax.invert_yaxis()
            ax.axvline(0, color="0.3", lw=0.8)
            ax.set_title("incoming weights", fontsize=10)
        else:  # a deeper layer: weights over the previous layer's units, as a grid
            rows, cols = grid_shape(len(w))
            tiles = np.full(rows * cols, np.nan)
            tiles[: len(w)] = w
            limit = symmetric_limit(w)
            image = ax.imshow(tiles.reshape(rows, cols), cmap=DIVERGING, vmin=-limit,
                              vmax=limit)
            _no_ticks(ax)
            ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03)
            ax.set_title(f"weights from layer {self.layer - 1}'s\n{len(w)} units (row by row)",
                         fontsize=10)

    def _maximized(self, ax) -> None:
        m = self.maximized
        image = m.images[0]
        z, best = m.pre_activations[0], m.best_dataset_pre_activations
        if self.net.image_shape:
            ax.imshow(image.reshape(self.net.image_shape), cmap="gray_r", vmin=0, vmax=1)
            _no_ticks(ax)
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
        if not self.net.image_shape:
            lines = [f"#{r}: {v:.3f}" for r, v in zip(rows, values)]
            ax.text(0.02, 0.98, "\n".join(lines), va="top", family="monospace", fontsize=9,
                    transform=ax.transAxes)
            ax.axis("off")
            return
        h, w = self.net.image_shape
        ax.imshow(mosaic(images, (h, w)), cmap="gray_r", vmin=0, vmax=1)
        _, cols = grid_shape(len(images))
        for i, v in enumerate(values):
            r, c = divmod(i, cols)
            ax.text(c * (w + 1) + 0.5, r * (h + 1) + 3.5, f"{v:.2f}", fontsize=7,
                    color="tab:red")
        _no_ticks(ax)

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
        ax.legend(fontsize=8, loc="upper right")

    def _text(self, ax) -> None:
        paragraphs = [textwrap.fill(s, 70) for s in self.description.sentences.values()]
        ax.text(0, 1, "\n\n".join(paragraphs), va="top", fontsize=9, transform=ax.transAxes)
        ax.axis("off")
        ax.set_title("in words", fontsize=10, loc="left")


class LayerMaximizeDisplay:
    """Every unit's maximising input in one grid; dead units framed in red.

    Parameters
    ----------
    result : MaximizeResult
    net : DenseNet
    dead : ndarray of shape (n_units,), bool, optional
    title : str

    Attributes
    ----------
    figure_, ax_ : Figure and Axes
    """

    def __init__(self, result, net, dead=None, title: str = ""):
        self.result, self.net, self.dead, self.title = result, net, dead, title

    @classmethod
    def from_model(cls, net, layer: int, *, data=None, y=None, **maximize_kw):
        """Maximise every unit of `layer` (`maximize_kw` over `readable_options`).

        `data` (a Dataset or array) marks dead units and compares with the best examples.
        """
        dead, X = None, None
        if data is not None:
            at = atlas(net, data, layer, y=y, k=1)
            dead = at.dead
            X = data.X if hasattr(data, "X_test") else data
        options = {**readable_options(net, layer, X), **maximize_kw}
        result = maximize_activation(net, layer, X=X, **options)
        what = "output" if result.layer == net.n_layers - 1 else f"layer {result.layer}"
        title = f"What each unit of {what} responds to most, {model_label(net)}"
        return cls(result, net, dead, title).plot()

    def plot(self, ax=None) -> LayerMaximizeDisplay:
        import matplotlib.pyplot as plt

        r, shape = self.result, self.net.image_shape
        n = len(r.units)
        if ax is None:
            rows, cols = grid_shape(n) if shape else (n, 1)
            scale = min(1.8, 12 / cols) if shape else 0.3
            width = cols * scale + 1.5 if shape else 9
            fig, ax = plt.subplots(figsize=(max(5.0, width), max(3.5, rows * scale + 1.4)))
        if shape:
            self._images(ax, shape)
        else:
            self._heatmap(ax)
        ax.set_title(self.title, fontsize=10)
        self.figure_, self.ax_ = ax.figure, ax
        return self

    def _labels(self) -> list[str]:
        r, names = self.result, self.net.class_names
        if r.layer == self.net.n_layers - 1 and names and len(names) == self.net.n_outputs:
            return [names[u] for u in r.units]
        return [str(u) for u in r.units]

    def _images(self, ax, shape) -> None:
        from matplotlib.patches import Rectangle

        r = self.result
        h, w = shape
        ax.imshow(mosaic(r.images, shape), cmap="gray_r", vmin=0, vmax=1)
        _no_ticks(ax)
        _, cols = grid_shape(len(r.units))
        small = len(r.units) <= 32
        for i, label in enumerate(self._labels()):
            row, col = divmod(i, cols)
            x0, y0 = col * (w + 1), row * (h + 1)
            text = f"{label}: z={r.pre_activations[i]:.1f}" if small else label
            if len(r.units) <= 128 or col == 0:  # big layers: number the first of each row
                ax.text(x0 + 0.5, y0 + (3 if small else 4), text, fontsize=8 if small else 6,
                        color="tab:blue")
            if self.dead is not None and self.dead[r.units[i]]:
                ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), w, h, fill=False, lw=2,
                                       edgecolor="tab:red"))
        numbered = "unit number" if len(r.units) <= 128 else "first unit of each row"
        notes = [f"black = ink (inputs in [0, 1]); blue: {numbered}"
                 + (" and the pre-activation it reached" if small else "")]
        if self.dead is not None:
            notes.append(f"red frame: dead unit ({int(self.dead.sum())} of {len(self.dead)})")
        if r.reached is not None:
            notes.append(f"{r.reached_share:.0%} of units beat every real example")
        ax.set_xlabel("; ".join(notes), fontsize=8)

    def _heatmap(self, ax) -> None:
        r = self.result
        image = ax.imshow(r.images, cmap="viridis", aspect="auto")
        names = _input_names(self.net, 0, r.images.shape[1])
        ax.set_xticks(np.arange(len(names)), names, rotation=90, fontsize=7)
        ax.set_yticks(np.arange(len(r.units)), self._labels(), fontsize=7)
        ax.set_ylabel("unit")
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.03).set_label("input value")


def _input_names(net, layer: int, n: int) -> list[str]:
    if layer == 0 and net.feature_names and len(net.feature_names) == n:
        return list(net.feature_names)
    prefix = "input" if layer == 0 else f"layer {layer - 1} unit"
    return [f"{prefix} {i}" for i in range(n)]


def _no_ticks(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
