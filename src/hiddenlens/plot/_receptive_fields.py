"""ReceptiveFieldsDisplay: a layer's incoming weights as a grid of images."""

from __future__ import annotations

import numpy as np

from hiddenlens.explain import receptive_fields
from hiddenlens.plot._grid import DIVERGING, model_label, mosaic, symmetric_limit


class ReceptiveFieldsDisplay:
    """Every unit's incoming weights as a 28x28 image, on a diverging scale centred on zero.

    Parameters
    ----------
    fields : ndarray of shape (n_units, n_inputs)
    image_shape : (int, int)
    title : str

    Attributes
    ----------
    figure_, ax_ : matplotlib Figure and Axes, set by `plot`.
    """

    def __init__(self, fields: np.ndarray, image_shape: tuple[int, int], title: str):
        self.fields, self.image_shape, self.title = fields, image_shape, title

    @classmethod
    def from_model(cls, net, layer: int = 0, **plot_kw) -> ReceptiveFieldsDisplay:
        if net.image_shape is None or layer not in (0, -net.n_layers):
            raise ValueError(
                "Receptive fields are drawn as images for the first layer of an image model; "
                f"this is layer {layer} of a model without image inputs."
            )
        fields = receptive_fields(net, layer)
        title = f"Receptive fields of layer {layer} ({len(fields)} units), {model_label(net)}"
        return cls(fields, net.image_shape, title).plot(**plot_kw)

    def plot(self, ax=None, cmap: str = DIVERGING) -> ReceptiveFieldsDisplay:
        import matplotlib.pyplot as plt

        if ax is None:
            rows, cols = _figsize(len(self.fields))
            fig, ax = plt.subplots(figsize=(cols, rows))
        limit = symmetric_limit(self.fields)
        image = ax.imshow(mosaic(self.fields, self.image_shape), cmap=cmap,
                          vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(self.title, fontsize=10)
        bar = ax.figure.colorbar(image, ax=ax, fraction=0.035, pad=0.02)
        bar.set_label("incoming weight (red: pixel excites the unit, blue: inhibits)")
        self.figure_, self.ax_ = ax.figure, ax
        return self


def _figsize(n: int) -> tuple[float, float]:
    from hiddenlens.plot._grid import grid_shape

    rows, cols = grid_shape(n)
    scale = min(0.6, 11 / cols)
    return max(3.0, rows * scale + 1), max(4.0, cols * scale + 1.5)
