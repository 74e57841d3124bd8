"""AttributionDisplay: heat maps of attributions over the input image, methods side by side."""

from __future__ import annotations

import numpy as np

from hiddenlens.plot._grid import DIVERGING, model_label, symmetric_limit

METHOD_TITLES = {
    "saliency": "saliency (gradient)",
    "input-x-gradient": "input x gradient",
    "smoothgrad": "SmoothGrad",
    "ig": "integrated gradients",
    "occlusion": "occlusion",
}


def attribution_methods():
    """Method name -> function(net, X, target, **kw) -> (n, n_inputs)."""
    from hiddenlens import explain

    return {
        "saliency": explain.saliency,
        "input-x-gradient": explain.input_x_gradient,
        "smoothgrad": explain.smoothgrad,
        "ig": explain.integrated_gradients,
        "occlusion": explain.occlusion,
    }


class AttributionDisplay:
    """One input and its attribution maps, each on a diverging scale centred on zero.

    Parameters
    ----------
    maps : dict of str -> ndarray of shape (n_inputs,)
        Method title -> attribution of every input.
    image : ndarray of shape (n_inputs,)
    image_shape : (int, int)
    title : str

    Attributes
    ----------
    figure_ : matplotlib Figure
    ax_ : ndarray of Axes, the input first, then one per map.
    """

    def __init__(self, maps: dict, image: np.ndarray, image_shape: tuple[int, int],
                 title: str):
        self.maps, self.image, self.image_shape, self.title = maps, image, image_shape, title

    @classmethod
    def from_model(cls, net, x, method="ig", target=None, *, method_options=None,
                   **plot_kw) -> AttributionDisplay:
        """Compute `method` (a name or a list of names) for one input and plot.

        method : "ig", "saliency", "smoothgrad", "input-x-gradient", "occlusion" or a list.
        target : int, optional
            Class (default: the predicted one).
        method_options : dict, optional
            Method name -> keyword arguments, e.g. ``{"ig": {"steps": 100}}``.
        """
        if net.image_shape is None:
            raise ValueError(
                f"Attribution heat maps are drawn over images, but this {net.describe_sizes()} "
                "network has no image_shape; for tabular features use permutation, "
                "perturbation, garson, olden or lek (hiddenlens importance)."
            )
        methods = [method] if isinstance(method, str) else list(method)
        known = attribution_methods()
        x = net.tensor(x)[:1].numpy()
        proba = net.forward(x)[0]
        target = int(np.argmax(proba)) if target is None else target
        maps = {}
        for name in methods:
            if name not in known:
                raise ValueError(f"`method` must be one of {', '.join(map(repr, known))}. "
                                 f"Got {name!r} instead.")
            options = (method_options or {}).get(name, {})
            maps[METHOD_TITLES[name]] = known[name](net, x, target, **options)[0]
        label = net.class_names[target] if net.class_names else str(target)
        title = (f"What drives the logit of class {label} (p = {proba[target]:.2f}), "
                 f"{model_label(net)}")
        return cls(maps, x[0], net.image_shape, title).plot(**plot_kw)

    def plot(self, ax=None, cmap: str = DIVERGING) -> AttributionDisplay:
        import matplotlib.pyplot as plt

        n = len(self.maps) + 1
        if ax is None:
            fig, ax = plt.subplots(1, n, figsize=(2.9 * n + 0.6, 3.4), squeeze=False)
            ax = ax[0]
        ax = np.atleast_1d(ax)
        if len(ax) != n:
            raise ValueError(f"`ax` must hold {n} axes (the input and one per map). "
                             f"Got {len(ax)} instead.")
        image = self.image.reshape(self.image_shape)
        ax[0].imshow(image, cmap="gray_r", interpolation="nearest")
        ax[0].set_title("input", fontsize=9)
        for a, (name, values) in zip(ax[1:], self.maps.items()):
            limit = symmetric_limit(values)
            a.imshow(image, cmap="gray_r", alpha=0.35, interpolation="nearest")
            shown = a.imshow(values.reshape(self.image_shape), cmap=cmap, vmin=-limit,
                             vmax=limit, alpha=0.8, interpolation="nearest")
            a.set_title(name, fontsize=9)
            bar = a.figure.colorbar(shown, ax=a, fraction=0.046, pad=0.03)
            bar.ax.tick_params(labelsize=7)
        for a in ax:
            a.set_xticks([])
            a.set_yticks([])
        fig = ax[0].figure
        fig.suptitle(self.title + "\nred: raises it, blue: lowers it (input shown faintly)",
                     fontsize=9)
        self.figure_, self.ax_ = fig, ax
        return self
