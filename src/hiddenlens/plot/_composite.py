"""CompositeDisplay: what each unit of a layer (an output class) looks for in input space."""

from __future__ import annotations

import numpy as np

from hiddenlens._validation import check_layer, check_unit
from hiddenlens.explain import composite_weights
from hiddenlens.plot._grid import (
    DIVERGING,
    grid_shape,
    hide_ticks,
    model_label,
    mosaic,
    new_axes,
    panel_axes,
    root_figure,
    sign_colors,
    symmetric_limit,
)

MAX_PANELS = 20  # beyond this, one mosaic image like the receptive-field grid
_LABELS = {
    "linear": "product of the weight matrices (biases, activations ignored)",
    "jacobian": "mean d z / d input over the data",
}


class CompositeDisplay:
    """One input-space map per unit: labelled panels (10 classes) or a mosaic (256 units).

    Parameters
    ----------
    maps : ndarray of shape (n_maps, n_inputs)
    names : list of str, one per map
    title : str
    method : {"linear", "jacobian"}, picks the colour-bar label
    image_shape : (int, int), optional; None draws bars over `feature_names`.
    feature_names : list of str, optional

    Attributes
    ----------
    figure_, ax_, axes_
    """

    def __init__(self, maps, names, title, method="linear", image_shape=None,
                 feature_names=None):
        self.maps, self.names, self.title, self.method = np.asarray(maps), names, title, method
        self.image_shape, self.feature_names = image_shape, feature_names

    @classmethod
    def from_model(cls, net, layer: int = -1, method: str = "linear", X=None, y=None,
                   per_class: bool = False, unit: int | None = None,
                   **plot_kw) -> CompositeDisplay:
        """Compute `composite_weights` and draw one map per unit.

        With ``per_class=True`` one unit is shown per class: `unit` (default: for the output
        layer, each class's own output unit; the diagonal).
        """
        idx = check_layer(net, layer)
        maps = composite_weights(net, idx, method, X, y, per_class)
        out = idx == net.n_layers - 1
        classes = net.class_names or [str(c) for c in range(net.n_classes or net.n_outputs)]
        if per_class:  # (n_classes, n_units, n_inputs)
            if unit is None and not out:
                raise ValueError("`unit` is needed with per_class=True below the output layer:"
                                 " which unit's per-class maps to draw.")
            if unit is None:
                maps = maps[np.arange(len(maps)), np.arange(len(maps))]
                names = [f"output {c} on {c}s" for c in classes]
            else:
                maps = maps[:, check_unit(net, idx, unit)]
                names = [f"unit {unit} on {c}s" for c in classes]
        else:
            names = [f"class {c}" for c in classes] if out and len(classes) == len(maps) \
                else [f"unit {u}" for u in range(len(maps))]
        what = "output" if out else f"layer {idx}"
        data = "" if method == "linear" else f", averaged over {len(net.tensor(X))} examples"
        title = (f"What each {what} unit looks for: {method} composite weights{data}\n"
                 f"{model_label(net)}")
        image = net.image_shape is not None
        return cls(maps, names, title, method, net.image_shape if image else None,
                   None if image else (net.feature_names or
                                       [f"x{i}" for i in range(net.n_inputs)])).plot(**plot_kw)

    def plot(self, ax=None) -> CompositeDisplay:
        n = len(self.maps)
        limit = symmetric_limit(self.maps)
        label = _LABELS[self.method]
        if self.image_shape is not None and n > MAX_PANELS:
            rows, cols = grid_shape(n)
            tile = min(1.1, 11 / cols)
            ax = new_axes(ax, (max(5.5, cols * tile + 1.5), max(3.0, rows * tile + 1.0)))
            m = ax.imshow(mosaic(self.maps, self.image_shape), cmap=DIVERGING, vmin=-limit,
                          vmax=limit, interpolation="nearest")
            hide_ticks(ax)
            ax.set_facecolor("0.8")
            ax.set_title(self.title, fontsize=10)
            ax.figure.colorbar(m, ax=ax, fraction=0.03, aspect=25, pad=0.02).set_label(
                label, fontsize=8)
            self.figure_, self.ax_, self.axes_ = root_figure(ax), ax, np.array([ax])
            return self
        cols = min(n, 5 if self.image_shape is not None else 4)
        rows = -(-n // cols)
        if self.image_shape is not None:
            size = (2.1 * cols + 1.2, 2.2 * rows + 0.9)
        else:
            size = (3.2 * cols + 0.5, (0.22 * self.maps.shape[1] + 1.1) * rows + 0.8)
        fig, axes = panel_axes(ax, rows, cols, size)
        for i, a in enumerate(axes.flat):
            if i >= n:
                a.axis("off")
                continue
            m = self._panel(a, self.maps[i], limit, i % cols == 0)
            a.set_title(self.names[i], fontsize=9)
        if self.image_shape is not None:
            fig.colorbar(m, ax=axes, fraction=0.03, pad=0.02).set_label(label, fontsize=8)
        else:
            for a in axes[-1]:
                a.set_xlabel(label, fontsize=7)
        fig.suptitle(self.title, fontsize=10)
        self.figure_, self.ax_, self.axes_ = root_figure(fig), axes.flat[0], axes
        return self

    def _panel(self, ax, values, limit, first_col):
        if self.image_shape is not None:
            m = ax.imshow(values.reshape(self.image_shape), cmap=DIVERGING, vmin=-limit,
                          vmax=limit, interpolation="nearest")
            hide_ticks(ax)
            return m
        n = len(values)
        ax.barh(np.arange(n), values, color=sign_colors(values))
        ax.axvline(0, color="0.3", lw=0.6)
        ax.set_xlim(-limit * 1.05, limit * 1.05)
        ax.set_yticks(np.arange(n), self.feature_names if first_col else [], fontsize=7)
        ax.invert_yaxis()
        return None
