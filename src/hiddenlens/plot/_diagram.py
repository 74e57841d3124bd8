"""NetworkDiagramDisplay: nodes per layer, links coloured by sign with width by |w|.

In the manner of NeuralNetTools' plotnet and TensorFlow Playground; 784 image inputs are drawn
as one 28x28 thumbnail beside the network, linked to each unit of the first layer by one grey
line whose width is the norm of the unit's incoming weights (a line per pixel would be a
hairball over the image; the receptive fields show the weights themselves).
"""

from __future__ import annotations

import numpy as np

from hiddenlens.explain import diagram_links
from hiddenlens.plot._axes import axes_inches, finish, single_axes
from hiddenlens.plot._grid import model_label, plain

POSITIVE, NEGATIVE = "#c0392b", "#2e6db4"
IMAGE_LINK = "0.55"  # the image's one line per first-layer unit: no sign, only a size
AUTO_MAX_LINKS = 2000  # above this many links in a layer, "auto" keeps the top 3 per unit
THUMB = 0.36  # half-width of the input thumbnail, in layer spacings


class NetworkDiagramDisplay:
    """Draw a dense network: one column of nodes per layer, one line per kept weight.

    Parameters
    ----------
    links : list of LayerLinks
        One per weight matrix (see `diagram_links`).
    sizes : list of int
        Units per layer, inputs first (``net.sizes``).
    activation : list of str
        Each layer's activation function, the output's last (``net.activations``).
    image_shape : (int, int), optional
        Draw the inputs as one thumbnail of this shape.
    input_strength : ndarray of shape (n_inputs,), optional
        The thumbnail's shade: mean |weight| leaving each input (default: 1 everywhere).
    unit_strength : ndarray of shape (sizes[1],), optional
        With `image_shape`: the norm of each first-layer unit's incoming weights, the width of
        its one line from the thumbnail (default: 1 for every unit).
    biases : list of ndarray, optional
        One (n_units,) per layer: draw a bias node feeding each layer, its links coloured and
        sized like weights. None draws no bias nodes.
    feature_names, class_names : list of str, optional
    title : str, default=""

    Attributes
    ----------
    figure_ : Figure
    ax_ : Axes
    axes_ : ndarray of Axes of shape (1,)
    positions_ : list of ndarray of shape (n_units, 2)
        Where each layer's units are drawn (inputs first), for annotations.
    """

    def __init__(self, *, links, sizes, activation, image_shape=None, input_strength=None,
                 unit_strength=None, biases=None, feature_names=None, class_names=None,
                 title: str = ""):
        self.links, self.sizes, self.activation = links, list(sizes), list(activation)
        self.image_shape, self.input_strength, self.biases = image_shape, input_strength, biases
        self.unit_strength = unit_strength
        self.feature_names, self.class_names, self.title = feature_names, class_names, title
        self.n_layers = len(self.sizes) - 1

    @classmethod
    def from_model(cls, net, *, k: int | str | None = "auto", threshold: float | None = None,
                   bias: bool = False, ax=None, **plot_kw) -> NetworkDiagramDisplay:
        """Select the links (`diagram_links`) and draw.

        Parameters
        ----------
        net : DenseNet
        k : int, "auto" or None, default="auto"
            Keep each unit's `k` strongest incoming links; "auto" keeps 3 when a layer has
            more than 2,000 links (784-100-10) and all of them otherwise (4-3-3); None keeps
            all.
        threshold : float, optional
            Keep only links with |w| >= threshold.
        bias : bool, default=False
            Draw a bias node feeding each layer.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        if k == "auto":
            big = max(w.size for w in net.weights) > AUTO_MAX_LINKS
            k = 3 if big and threshold is None else None
        links = diagram_links(net, k=k, threshold=threshold)
        kept = []
        if k is not None:
            kept.append(f"the {k} strongest incoming links of each unit")
        if threshold is not None:
            kept.append(f"links with |w| >= {threshold:g}")
        shown = "; showing " + " and ".join(kept) if kept else "; every link shown"
        image = net.image_shape is not None
        if image:
            shown = shown.replace("showing", "between units:") + \
                "\nthe image is linked to each first-layer unit by one line, its width the " \
                "norm of the unit's weights"
        strength = np.abs(net.weights[0]).mean(axis=0) if image else None
        norms = np.linalg.norm(net.weights[0], axis=1) if image else None
        display = cls(links=links, sizes=net.sizes, activation=net.activations,
                      image_shape=net.image_shape, input_strength=strength, unit_strength=norms,
                      biases=[np.asarray(b) for b in net.biases] if bias else None,
                      feature_names=net.feature_names, class_names=net.class_names,
                      title=f"Network diagram of the {model_label(net)}{shown}")
        return display.plot(ax=ax, **plot_kw)

    def plot(self, ax=None) -> NetworkDiagramDisplay:
        """Draw in `ax` (Axes, Figure or SubFigure; None: a new figure); self."""
        from matplotlib.collections import LineCollection
        from matplotlib.lines import Line2D

        tall = max(self.sizes[1:]) if self.image_shape else max(self.sizes)
        ax = single_axes(ax, (3.2 * (self.n_layers + 1) + 1.0,
                              min(11.0, max(4.5, 0.09 * tall + 3))))
        self._half_h = self._thumb_half_height(ax)
        pos = self._positions()
        for layer_links in self.links:
            l = layer_links.layer
            if l == 0 and self.image_shape:  # one line per unit from the image, drawn below
                continue
            start, end = pos[l][layer_links.source], pos[l + 1][layer_links.dest]
            self._draw_links(ax, LineCollection, start, end, layer_links.weight)
        if self.image_shape:
            self._draw_image_links(ax, LineCollection, pos[1])
        if self.biases is not None:
            self._draw_bias(ax, LineCollection, pos)
        self._draw_nodes(ax, pos)
        ax.set_xlim(-0.75, self.n_layers + 0.6)
        ax.set_ylim(-0.1, 1.12 if self.biases is not None else 1.06)
        ax.axis("off")
        ax.set_title(plain(self.title), fontsize=10, pad=30)  # above the layers' headers
        handles = [Line2D([], [], color=POSITIVE, lw=2.5, label="positive weight"),
                   Line2D([], [], color=NEGATIVE, lw=2.5, label="negative weight"),
                   Line2D([], [], color="0.5", lw=0.6, label="width ~ |w| (per layer)")]
        if self.image_shape:
            handles.append(Line2D([], [], color=IMAGE_LINK, lw=2.5,
                                  label="from the image: norm of a unit's weights"))
        ax.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8,
                  frameon=False, bbox_to_anchor=(0.5, -0.06))
        self.positions_ = pos
        return finish(self, [ax], ax)

    # ------------------------------------------------------------ geometry
    def _positions(self) -> list[np.ndarray]:
        """(n_units, 2) x/y of every layer, inputs first; image inputs at thumbnail pixels."""
        pos = []
        for l, n in enumerate(self.sizes):
            if l == 0 and self.image_shape:
                h, w = self.image_shape
                r, c = np.divmod(np.arange(n), w)
                half_h = self._half_h
                pos.append(np.column_stack([-THUMB + (c + 0.5) / w * 2 * THUMB,
                                            0.5 + half_h - (r + 0.5) / h * 2 * half_h]))
                continue
            y = 1 - (np.arange(n) + 0.5) / n if n > 1 else np.array([0.5])
            if n <= 12:  # few nodes: bunch them around the middle, as plotnet does
                y = 0.5 + (y - 0.5) * _span(n)
            pos.append(np.column_stack([np.full(n, float(l)), y]))
        return pos

    def _draw_links(self, ax, LineCollection, start, end, weight) -> None:
        if not len(weight):
            return
        n = len(weight)
        widest = float(np.clip(40 / np.sqrt(n), 0.8, 4.0))  # thinner when links crowd
        width = 0.2 + widest * np.abs(weight) / max(np.abs(weight).max(), 1e-12)
        colors = np.where(weight >= 0, POSITIVE, NEGATIVE)
        segments = np.stack([start, end], axis=1)  # (n_links, 2 points, xy)
        ax.add_collection(LineCollection(segments, linewidths=width, colors=colors,
                                         alpha=0.6 if n < 200 else 0.4, zorder=1))

    def _draw_image_links(self, ax, LineCollection, units) -> None:
        """One grey line from the thumbnail's right edge to each first-layer unit, as wide as
        the norm of the unit's incoming weights; none crosses the image."""
        n = len(units)
        strength = np.ones(n) if self.unit_strength is None else np.asarray(self.unit_strength)
        widest = float(np.clip(40 / np.sqrt(n), 0.8, 4.0))
        width = 0.2 + widest * strength / max(float(strength.max()), 1e-12)
        start = np.tile([THUMB + 0.02, 0.5], (n, 1))
        segments = np.stack([start, units], axis=1)  # (n_units, 2 points, xy)
        ax.add_collection(LineCollection(segments, linewidths=width, colors=IMAGE_LINK,
                                         alpha=0.5, zorder=1))

    def _draw_bias(self, ax, LineCollection, pos) -> None:
        for l, b in enumerate(self.biases):
            node = np.array([l + 0.5 if not (l == 0 and self.image_shape) else 0.55, 1.08])
            self._draw_links(ax, LineCollection, np.repeat(node[None], len(b), axis=0),
                             pos[l + 1], np.asarray(b))
            ax.scatter(*node, s=160, c="0.85", edgecolors="0.2", zorder=3)
            ax.text(*node, "B", ha="center", va="center", fontsize=7, zorder=4)

    def _draw_nodes(self, ax, pos) -> None:
        for l, p in enumerate(pos):
            n = len(p)
            if l == 0 and self.image_shape:
                self._thumbnail(ax)
                continue
            size = float(np.clip(2500 / n, 6, 260))
            ax.scatter(p[:, 0], p[:, 1], s=size, c="white", edgecolors="0.15",
                       linewidths=0.8, zorder=3)
            names = self._names(l)
            if names is not None:
                side = -1 if l == 0 else 1
                for (x, y), name in zip(p, names):
                    ax.text(x + side * 0.07, y, plain(name), ha="right" if side < 0 else "left",
                            va="center", fontsize=8 if n <= 20 else 6, zorder=4)
            label = ("inputs" if l == 0 else "output" if l == self.n_layers
                     else f"layer {l - 1}")
            act = "" if l == 0 else f"\n{self.activation[l - 1]}"
            ax.text(p[0, 0], 1.02 if n > 12 else 0.5 + 0.5 * _span(n) + 0.03,
                    f"{label} ({n}){act}", ha="center", va="bottom", fontsize=8)

    def _names(self, l: int):
        n, last = self.sizes[l], self.n_layers
        if l == 0:
            return (self.feature_names or [f"I{i + 1}" for i in range(n)]) if n <= 30 else None
        if l == last and self.class_names and len(self.class_names) == n:
            return self.class_names
        return [f"{'O' if l == last else 'H'}{i + 1}" for i in range(n)] \
            if n <= 20 else None

    def _thumb_half_height(self, ax) -> float:
        """Half-height in y units that makes the thumbnail square on this Axes."""
        width, height = axes_inches(ax)
        x_inch = width / (self.n_layers + 1.35)  # inches per x unit
        y_inch = height / (1.22 if self.biases is not None else 1.16)
        h, w = self.image_shape or (1, 1)
        return THUMB * x_inch / y_inch * h / w

    def _thumbnail(self, ax) -> None:
        """The inputs as one image: mean |weight| leaving each pixel for layer 0."""
        h, w = self.image_shape
        strength = (np.ones(h * w) if self.input_strength is None
                    else np.asarray(self.input_strength)).reshape(h, w)
        half_h = self._half_h
        ax.imshow(strength, cmap="Greys", extent=(-THUMB, THUMB, 0.5 - half_h, 0.5 + half_h),
                  aspect="auto", zorder=2, alpha=0.85, interpolation="nearest")
        ax.text(0, 0.5 + half_h + 0.02, f"inputs ({h}x{w} pixels)\nshade: mean |w| out",
                ha="center", va="bottom", fontsize=8)


def _span(n: int) -> float:
    """Vertical extent (0..1) of a column of n <= 12 nodes."""
    return min(1.0, 0.12 * n + 0.1)
