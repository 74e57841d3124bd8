"""AttributionDisplay: heat maps of attributions over the input image, methods side by side."""

from __future__ import annotations

import numpy as np

from hiddenlens.explain import get_method, methods
from hiddenlens.explain._describe_trust import map_line
from hiddenlens.plot._axes import finish, panel_axes
from hiddenlens.plot._grid import DIVERGING, hide_ticks, model_label, symmetric_limit

TRUST_EXAMPLES = 200  # test examples trust=True scores the methods on

# what a value of each method's map means, for its colour bar ({q}: "logit" or "probability")
UNITS = {
    "saliency": "d {q} / d pixel",
    "input-x-gradient": "pixel x d {q} / d pixel",
    "smoothgrad": "mean d {q} / d pixel (noisy copies)",
    "ig": "share of {q}(x) - {q}(baseline)",
    "occlusion": "drop of the {q} when covered",
}


class AttributionDisplay:
    """One input and its attribution maps, each on a diverging scale centred on zero.

    Parameters
    ----------
    maps : dict of str -> ndarray of shape (n_inputs,)
        Method name ("ig", or a callable's name) -> attribution of every input.
    x : ndarray of shape (n_inputs,)
        The input, drawn first and faintly beneath each map.
    image_shape : (int, int)
    title : str, default=""
    quantity : str, default="logit"
        What is explained ("logit" or "probability"), for the colour-bar labels.
    trust : TrustReport, optional
        The methods scored (`evaluate_attributions`): a line under each map gives its
        deletion AUC against a random order, its rank among the methods and its sanity
        checks, on the report's examples.

    Attributes
    ----------
    figure_ : Figure
    ax_ : Axes
        The first map's panel.
    axes_ : ndarray of Axes of shape (1 + n_maps,)
        The input first, then one per map.
    """

    def __init__(self, *, maps: dict, x, image_shape: tuple[int, int], title: str = "",
                 quantity: str = "logit", trust=None):
        self.maps, self.x, self.image_shape, self.title = maps, np.asarray(x), image_shape, title
        self.quantity, self.trust = quantity, trust

    @classmethod
    def from_model(cls, net, x, *, method="ig", target: int | None = None,
                   probability: bool = False, method_options: dict | None = None,
                   trust=False, ax=None, **plot_kw) -> AttributionDisplay:
        """Compute `method` (one or several) for one input and draw the maps side by side.

        Parameters
        ----------
        net : DenseNet
            An image model.
        x : array of shape (n_inputs,)
        method : str, callable or list of them, default="ig"
            Names of `hiddenlens.explain.methods("attribution")` ("ig", "saliency",
            "smoothgrad", "input-x-gradient", "occlusion") or callables ``(net, X, target,
            **options) -> (n, n_inputs)``.
        target : int, optional
            The class explained (default: the predicted one).
        probability : bool, default=False
            Explain the class probability instead of its logit (named methods).
        method_options : dict, optional
            Method name -> its keyword arguments, e.g. ``{"ig": {"n_steps": 100}}``.
        trust : bool or TrustReport, default=False
            True: score the methods drawn (with their default options) on the first
            TRUST_EXAMPLES test examples of the data set the network records
            (`evaluate_attributions` with deletion, insertion and the weight-randomization
            check) and write the line under each map; or a TrustReport computed before.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        if net.image_shape is None:
            raise ValueError(
                f"Attribution heat maps are drawn over images, but this {net.describe_sizes()} "
                "network has no image_shape; for tabular features use permutation, "
                "perturbation, garson, olden or lek (hiddenlens importance)."
            )
        chosen = [method] if isinstance(method, str) or callable(method) else list(method)
        chosen = [get_method(m) for m in chosen]  # every name checked before any work
        X = net.tensor(x)[:1].numpy()
        proba = net.forward(X)[0]
        target = int(np.argmax(proba)) if target is None else target
        maps = {}
        for m in chosen:
            named = m.name in methods("attribution")  # not a callable of the user's
            options = {"pre_activation": not probability} if named else {}
            options.update((method_options or {}).get(m.name, {}))
            maps[m.name] = m(net, X, target, **options)[0]
        label = net.class_names[target] if net.class_names else str(target)
        what = "probability" if probability else "logit"
        title = (f"What drives the {what} of class {label} (p = {proba[target]:.2f}), "
                 f"{model_label(net)}")
        report = _trust_report(net, chosen, trust)
        return cls.from_result(maps, x=X[0], image_shape=net.image_shape, title=title,
                               quantity=what, trust=report, ax=ax, **plot_kw)

    @classmethod
    def from_result(cls, maps: dict, *, x, image_shape, title: str = "",
                    quantity: str = "logit", trust=None, ax=None,
                    **plot_kw) -> AttributionDisplay:
        """Draw attribution maps computed before.

        Parameters
        ----------
        maps : dict of str -> array of shape (n_inputs,) or (1, n_inputs)
            Method name -> the attributions of `x`.
        x : array of shape (n_inputs,)
        image_shape : (int, int)
        title : str, default=""
        quantity : str, default="logit"
        trust : TrustReport, optional
            Write each map's deletion AUC, rank and sanity checks under it.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        if trust is not None and not hasattr(trust, "checks"):
            raise TypeError("`trust` must be a TrustReport (from evaluate_attributions) or "
                            f"None. Got {type(trust).__name__} instead.")
        maps = {name: np.asarray(values).reshape(-1) for name, values in maps.items()}
        display = cls(maps=maps, x=np.asarray(x).reshape(-1), image_shape=image_shape,
                      title=title, quantity=quantity, trust=trust)
        return display.plot(ax=ax, **plot_kw)

    def plot(self, ax=None, *, cmap: str = DIVERGING) -> AttributionDisplay:
        """Draw the input and each map in `ax` (Axes, Figure or SubFigure; None: new).

        Parameters
        ----------
        ax : Axes, Figure or SubFigure, optional
        cmap : str, default="RdBu_r"
            A diverging colour map: the maps are centred on zero.

        Returns
        -------
        self
        """
        n = len(self.maps) + 1
        extra = 0.45 if self.trust is not None else 0.0
        fig, axes = panel_axes(ax, 1, n, (3.1 * n + 0.6, 3.4 + extra))
        axes = axes[0]
        image = self.x.reshape(self.image_shape)
        axes[0].imshow(image, cmap="gray_r", interpolation="nearest")
        axes[0].set_title("input", fontsize=9)
        known = methods("attribution")
        for a, (name, values) in zip(axes[1:], self.maps.items()):
            limit = symmetric_limit(values)
            a.imshow(image, cmap="gray_r", alpha=0.35, interpolation="nearest")
            shown = a.imshow(values.reshape(self.image_shape), cmap=cmap, vmin=-limit,
                             vmax=limit, alpha=0.8, interpolation="nearest")
            a.set_title(known[name].title if name in known else name, fontsize=9)
            bar = a.figure.colorbar(shown, ax=a, fraction=0.046, pad=0.03)
            bar.ax.tick_params(labelsize=7)
            bar.set_label(UNITS.get(name, "attribution").format(q=self.quantity), fontsize=7)
            if self.trust is not None:  # its scores on the report's examples, under the map
                a.set_xlabel(map_line(self.trust, name), fontsize=7)
        for a in axes:
            hide_ticks(a)
        fig.suptitle(self.title + "\nred: raises it, blue: lowers it (input shown faintly)",
                     fontsize=9)
        return finish(self, axes, axes[1] if n > 1 else axes[0])


def _trust_report(net, chosen: list, trust):
    """The TrustReport under the maps: None (trust=False), the one given, or (trust=True) the
    drawn methods scored on the first TRUST_EXAMPLES test examples of the net's data set
    (`for_model`: the one it records, else the built-in digits for 784 inputs)."""
    if trust is False or trust is None:
        return None
    if trust is not True:
        if not hasattr(trust, "checks"):
            raise TypeError("`trust` must be True, False or a TrustReport (from "
                            f"evaluate_attributions). Got {type(trust).__name__} instead.")
        return trust
    from hiddenlens._classes import dataset_labels
    from hiddenlens.data import for_model
    from hiddenlens.explain import evaluate_attributions

    try:
        ds = for_model(net, progress=False)
    except ValueError:
        raise ValueError("trust=True scores the methods on the test split of the network's "
                         "data set, but none goes with this network; pass "
                         "trust=evaluate_attributions(net, X, y) instead.") from None
    n = min(TRUST_EXAMPLES, len(ds.X_test))
    return evaluate_attributions(net, ds.X_test[:n], dataset_labels(net, ds.y_test[:n]),
                                 methods=[m.function if m.name not in methods("attribution")
                                          else m.name for m in chosen],
                                 metrics=["deletion", "insertion", "randomization"])
