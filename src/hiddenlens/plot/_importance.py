"""ImportanceDisplay (sorted bars with error bars) and LekProfileDisplay (response curves)."""

from __future__ import annotations

import numpy as np

from hiddenlens._validation import check_positive_int, check_unit
from hiddenlens.explain import get_method, methods
from hiddenlens.plot._axes import finish, panel_axes, single_axes
from hiddenlens.plot._grid import DIVERGING, hide_ticks, model_label, plain, symmetric_limit

XLABELS = {
    "permutation": "drop in {score} when the feature is shuffled (mean ± sd over repeats)",
    "perturbation": "drop in {score} when the feature gets uniform noise (mean ± sd)",
    "garson": "Garson relative importance (sums to 1)",
    "olden": "Olden connection weight (sign: direction of the pull)",
}


# what each method's pixel map shows, in the map's own words
MAP_CAPTIONS = {
    "permutation": "every pixel (red: the score drops when it is shuffled)",
    "perturbation": "every pixel (red: the score drops when it gets noise)",
    "garson": "every pixel's share of the weight mass (dark: a larger share)",
    "olden": "every pixel (red: pulls the output up, blue: down)",
}
GARSON_NOTE = ("Garson's shares are the same for every output: each output weight multiplies a "
               "hidden unit's inputs alike and cancels in the unit's shares.")


class ImportanceDisplay:
    """A horizontal bar per feature, most important on top, with error bars over repeats.

    Parameters
    ----------
    importances : ndarray of shape (n_features,)
    std : ndarray of shape (n_features,), optional
        Drawn as error bars.
    names : list of str, one per feature
    xlabel : str, default="importance"
    title : str, default=""
    by : {"value", "magnitude"}, default="value"
        Rank by the importance, or by |importance| (signed scores such as Olden's).
    image_shape : (int, int), optional
        Also draw one importance per pixel as a map: diverging and centred on zero for signed
        scores, sequential from zero for Garson's shares (never negative).
    method : str, optional
        How the importances were computed ("permutation", "garson", ...): picks the map's
        caption and scale, and Garson's note that its shares are the same for every output.

    Attributes
    ----------
    figure_ : Figure
    ax_ : Axes
        The bars.
    axes_ : ndarray of Axes
        The bars, then the map when there is one.
    """

    def __init__(self, *, importances, std=None, names, xlabel: str = "importance",
                 title: str = "", by: str = "value", image_shape=None, method=None):
        self.by, self.image_shape, self.method = by, image_shape, method
        self.importances = np.asarray(importances, dtype=float)
        self.std = None if std is None else np.asarray(std, dtype=float)
        self.names, self.xlabel, self.title = list(names), xlabel, title

    @classmethod
    def from_model(cls, net, X=None, y=None, *, method: str = "permutation", target: int = 0,
                   scoring=None, n_repeats: int = 5, random_state=None,
                   method_options: dict | None = None, progress: bool = False, ax=None,
                   **plot_kw) -> ImportanceDisplay:
        """Compute a feature importance and draw it.

        Parameters
        ----------
        net : DenseNet
        X : array of shape (n, n_inputs), optional
            Needed by "permutation" and "perturbation".
        y : array of shape (n,), optional
        method : {"permutation", "perturbation", "garson", "olden"}, default="permutation"
            See `hiddenlens.explain.methods("importance")`.
        target : int, default=0
            The output unit of "garson" and "olden".
        scoring, n_repeats, random_state
            Of "permutation" and "perturbation" (see `permutation_importance`).
        method_options : dict, optional
            Method name -> more keyword arguments, e.g. ``{"perturbation": {"noise": 0.3}}``.
        progress : bool, default=False
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot` (e.g. ``k=10``).
        """
        m = get_method(method, "importance")
        options = dict(scoring=scoring, n_repeats=n_repeats, random_state=random_state,
                       progress=progress) if m.needs_data else {}
        options.update((method_options or {}).get(m.name, {}))
        result = m(net, X, y, target=target, **options)
        if m.needs_data:
            scoring = scoring or ("accuracy" if net.task == "classification" else "r2")
            shown = ""
        elif m.name == "garson":  # every output's row is the same (see `garson`)
            shown = " (the same for every output)"
        else:
            name = net.class_names[target] if net.class_names else target
            shown = f" for output {name}"
        title = f"{m.title.capitalize()}{shown}, {model_label(net)}"
        shape = net.image_shape if net.image_shape else None
        return cls.from_result(result, method=m.name, scoring=scoring, image_shape=shape,
                               title=title, ax=ax, **plot_kw)

    @classmethod
    def from_result(cls, result, *, method: str = "permutation", scoring=None, names=None,
                    image_shape=None, title: str | None = None, ax=None,
                    **plot_kw) -> ImportanceDisplay:
        """Draw an importance Bunch computed before.

        Parameters
        ----------
        result : Bunch
            With importances_mean (n_features,) and, optionally, importances_std and names
            (what `permutation_importance`, `perturbation_importance` and the registry's
            importance methods return).
        method : str, default="permutation"
            How it was computed: picks the axis label and, for "olden", ranking by |value|.
        scoring : str or callable, optional
            The score whose drop is measured, for the axis label (default: "score").
        names : list of str, optional
            One per feature (default: ``result.names``, else x0, x1, ...).
        image_shape : (int, int), optional
            Also draw the importances as an image, when there is one per pixel.
        title : str, optional
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot` (e.g. ``k=10``).
        """
        mean = np.asarray(result["importances_mean"], dtype=float)
        std = result.get("importances_std")
        if names is None:
            names = result.get("names")
        names = [f"x{j}" for j in range(len(mean))] if names is None else list(names)
        if callable(scoring):  # name the function, not its repr
            scoring = getattr(scoring, "__name__", "score")
        xlabel = XLABELS.get(method, "importance").format(score=scoring or "score")
        if image_shape is not None and len(mean) != image_shape[0] * image_shape[1]:
            image_shape = None  # grouped features: no map
        if title is None:
            known = methods(("importance", "profile"))
            title = known[method].title.capitalize() if method in known else "Importance"
        display = cls(importances=mean, std=std, names=names, xlabel=xlabel, title=title,
                      by="magnitude" if method == "olden" else "value",
                      image_shape=image_shape, method=method)
        return display.plot(ax=ax, **plot_kw)

    def plot(self, ax=None, *, k: int = 20) -> ImportanceDisplay:
        """Draw the `k` most important features' bars (and the map) in `ax`.

        Parameters
        ----------
        ax : Axes, Figure or SubFigure, optional
            None: a new figure.
        k : int, default=20
            Bars to draw, the most important on top.

        Returns
        -------
        self
        """
        k = check_positive_int(k, "k")
        key = np.abs(self.importances) if self.by == "magnitude" else self.importances
        order = np.argsort(-key, kind="stable")[:k][::-1]  # barh draws bottom-up
        height = 0.32 * len(order) + 1.4
        if self.image_shape is not None:
            _, axes = panel_axes(ax, 1, 2, (12, max(height, 4.0)), width_ratios=[1.6, 1])
            axes = axes[0]
            self._draw_map(axes[1])
        else:
            axes = np.array([single_axes(ax, (7.5, height))], dtype=object)
        bars = axes[0]
        values = self.importances[order]
        colours = np.where(values >= 0, "#c0392b", "#2c7bb6")
        err = None if self.std is None else self.std[order]
        bars.barh(np.arange(len(order)), values, xerr=err, color=colours,
                  error_kw={"ecolor": "0.25", "capsize": 2, "lw": 0.8})
        bars.set_yticks(np.arange(len(order)), [plain(self.names[i]) for i in order],
                        fontsize=8)
        bars.axvline(0, color="0.3", lw=0.8)
        note = f"\n{GARSON_NOTE}" if self.method == "garson" else ""
        bars.set_xlabel(plain(self.xlabel) + note, fontsize=9)
        shown = f" (top {len(order)} of {len(self.importances)})" \
            if len(order) < len(self.importances) else ""
        bars.set_title(plain(self.title + shown), fontsize=10)
        bars.grid(axis="x", alpha=0.3)
        return finish(self, axes, bars)

    def _draw_map(self, ax) -> None:
        limit = symmetric_limit(self.importances)
        share = self.method == "garson"  # a share of |weight|, never negative: from zero up
        shown = ax.imshow(self.importances.reshape(self.image_shape),
                          cmap="magma_r" if share else DIVERGING, vmin=0 if share else -limit,
                          vmax=limit, interpolation="nearest")
        hide_ticks(ax)
        ax.set_title(MAP_CAPTIONS.get(self.method, "every pixel's importance"), fontsize=9)
        bar = ax.figure.colorbar(shown, ax=ax, fraction=0.046, pad=0.03)
        bar.set_label(self.xlabel.split(" when ")[0].split(" (")[0], fontsize=8)  # the quantity
        bar.ax.tick_params(labelsize=7)


class LekProfileDisplay:
    """Lek profiles: one panel per feature, one line per held group of the other features.

    Parameters
    ----------
    result : Bunch
        What `lek_profile` returns: grid (n_features, n_points), predictions (n_features,
        n_held, n_points, n_outputs), features, held_labels.
    target : int, default=0
        The output unit drawn.
    target_name : str, default="output 0"
        Its axis label.
    title : str, default="Lek profiles"

    Attributes
    ----------
    figure_ : Figure
    ax_ : Axes
        The first feature's panel.
    axes_ : ndarray of Axes of shape (rows, cols)
        One per feature (extra slots of the grid are blank).
    """

    def __init__(self, *, result, target: int = 0, target_name: str = "output 0",
                 title: str = "Lek profiles"):
        self.result, self.target, self.target_name, self.title = result, target, \
            target_name, title

    @classmethod
    def from_model(cls, net, X, *, feature=None, target: int = 0, n_points: int = 100,
                   hold: str = "quantiles", quantiles=None, n_clusters: int | None = None,
                   random_state=0, ax=None,
                   **plot_kw) -> LekProfileDisplay:
        """Compute `lek_profile` and draw one panel per feature.

        Parameters
        ----------
        net : DenseNet
        X : array of shape (n, n_inputs)
            The data giving each feature's range and the held values.
        feature : int, str, sequence of them, or None, default=None (every feature)
        target : int, default=0
            The output unit drawn.
        n_points : int, default=100
            Points of each feature's sweep.
        hold : {"quantiles", "kmeans"}, default="quantiles"
        quantiles : sequence of float, optional
            With hold="quantiles": the levels (default 0, 0.2, ..., 1).
        n_clusters : int, optional
            With hold="kmeans": the number of clusters (default 6).
        random_state : int, None or numpy.random.Generator, default=0
            k-means' initialisation.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        target = check_unit(net, -1, target, "target")
        result = get_method("lek", "profile")(net, X, feature, n_points=n_points, hold=hold,
                                              quantiles=quantiles, n_clusters=n_clusters,
                                              random_state=random_state)
        name = net.class_names[target] if net.class_names else f"output {target}"
        if net.task == "classification":
            name = f"p({name})"
        title = (f"Lek profiles: each feature swept from min to max, the others held "
                 f"({hold}), {model_label(net)}")
        return cls.from_result(result, target=target, target_name=name, title=title, ax=ax,
                               **plot_kw)

    @classmethod
    def from_result(cls, result, *, target: int = 0, target_name: str | None = None,
                    title: str = "Lek profiles", ax=None, **plot_kw) -> LekProfileDisplay:
        """Draw a `lek_profile` Bunch computed before (see the class for the arguments)."""
        display = cls(result=result, target=target, title=title,
                      target_name=target_name or f"output {target}")
        return display.plot(ax=ax, **plot_kw)

    def plot(self, ax=None) -> LekProfileDisplay:
        """Draw in `ax` (Axes, Figure or SubFigure; None: a new figure); self."""
        import matplotlib

        r = self.result
        n = len(r.features)
        cols = min(4, n)
        rows = -(-n // cols)
        fig, axes = panel_axes(ax, rows, cols, (3.3 * cols, 2.7 * rows + 0.8), sharey=True)
        colours = matplotlib.colormaps["viridis"](np.linspace(0, 0.9, len(r.held_labels)))
        for f, a in enumerate(axes.flat):
            if f >= n:
                a.axis("off")
                continue
            for g, label in enumerate(r.held_labels):
                a.plot(r.grid[f], r.predictions[f, g, :, self.target], color=colours[g],
                       lw=1.4, label=label)
            a.set_xlabel(plain(r.features[f]), fontsize=8)
            a.tick_params(labelsize=7)
            a.grid(alpha=0.3)
        first = axes.flat[0]
        first.set_ylabel(plain(self.target_name), fontsize=9)
        last = axes.flat[n - 1]  # right of the last panel, over no line
        last.legend(*first.get_legend_handles_labels(), loc="upper left",
                    bbox_to_anchor=(1.02, 1.0), fontsize=7, title="others held at",
                    title_fontsize=7, frameon=False)
        fig.suptitle(plain(self.title), fontsize=10)
        return finish(self, axes, first)
