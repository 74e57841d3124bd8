"""ImportanceDisplay (sorted bars with error bars) and LekProfileDisplay (response curves)."""

from __future__ import annotations

import numpy as np

from hiddenlens.plot._grid import model_label

IMPORTANCE_METHODS = ("permutation", "perturbation", "garson", "olden")
XLABELS = {
    "permutation": "drop in {score} when the feature is shuffled (mean ± sd over repeats)",
    "perturbation": "drop in {score} when the feature gets uniform noise (mean ± sd)",
    "garson": "Garson relative importance (sums to 1)",
    "olden": "Olden connection weight (sign: direction of the pull)",
}


def compute_importance(net, X, y, method: str, *, output: int = 0, progress: bool = False,
                       **options):
    """(mean (n,), std (n,) or None, names) for one of IMPORTANCE_METHODS."""
    from hiddenlens import explain
    from hiddenlens.data._dataset import image_pixel_names

    names = net.feature_names or (
        image_pixel_names(net.image_shape) if net.image_shape else
        [f"x{j}" for j in range(net.n_inputs)])
    if method == "garson":
        return explain.garson(net)[output], None, names
    if method == "olden":
        return explain.olden(net)[output], None, names
    if method not in IMPORTANCE_METHODS:
        raise ValueError(f"`method` must be one of {', '.join(map(repr, IMPORTANCE_METHODS))}."
                         f" Got {method!r} instead.")
    fn = explain.permutation_importance if method == "permutation" else \
        explain.perturbation_importance
    res = fn(net, X, y, progress=progress, **options)
    return res.importances_mean, res.importances_std, names


class ImportanceDisplay:
    """A horizontal bar per feature, most important on top, with error bars over repeats.

    Parameters
    ----------
    importances : ndarray of shape (n_features,)
    std : ndarray of shape (n_features,) or None
    names : list of str
    xlabel, title : str
    top : int, default=20
        Show the `top` features with the largest |importance|.

    Attributes
    ----------
    figure_, ax_ : matplotlib Figure and Axes, set by `plot`.
    """

    def __init__(self, importances, std, names, xlabel: str, title: str, top: int = 20):
        self.importances = np.asarray(importances, dtype=float)
        self.std = None if std is None else np.asarray(std, dtype=float)
        self.names, self.xlabel, self.title, self.top = list(names), xlabel, title, top

    @classmethod
    def from_model(cls, net, X=None, y=None, method: str = "permutation", *, output: int = 0,
                   top: int = 20, progress: bool = False, plot_kw=None,
                   **options) -> ImportanceDisplay:
        """Compute a feature importance (`method` in IMPORTANCE_METHODS) and plot it.

        X, y are needed by "permutation" and "perturbation"; `output` picks the output unit of
        "garson" and "olden"; other keywords go to the method.
        """
        if method in ("permutation", "perturbation") and (X is None or y is None):
            raise ValueError(f"{method} importance needs data: pass X and y.")
        mean, std, names = compute_importance(net, X, y, method, output=output,
                                              progress=progress, **options)
        score = options.get("scoring") or ("accuracy" if net.task == "classification" else
                                           "r2")
        xlabel = XLABELS[method].format(score=score)
        target = ""
        if method in ("garson", "olden"):
            target = f" for output {net.class_names[output] if net.class_names else output}"
        title = f"{method.capitalize()} importance{target}, {model_label(net)}"
        return cls(mean, std, names, xlabel, title, top).plot(**(plot_kw or {}))

    def plot(self, ax=None) -> ImportanceDisplay:
        import matplotlib.pyplot as plt

        order = np.argsort(-np.abs(self.importances), kind="stable")[: self.top][::-1]
        if ax is None:
            fig, ax = plt.subplots(figsize=(7.5, 0.32 * len(order) + 1.4))
        values = self.importances[order]
        colours = np.where(values >= 0, "#c0392b", "#2c7bb6")
        err = None if self.std is None else self.std[order]
        ax.barh(np.arange(len(order)), values, xerr=err, color=colours,
                error_kw={"ecolor": "0.25", "capsize": 2, "lw": 0.8})
        ax.set_yticks(np.arange(len(order)), [self.names[i] for i in order], fontsize=8)
        ax.axvline(0, color="0.3", lw=0.8)
        ax.set_xlabel(self.xlabel, fontsize=9)
        shown = f" (top {len(order)} of {len(self.importances)})" \
            if len(order) < len(self.importances) else ""
        ax.set_title(self.title + shown, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
        self.figure_, self.ax_ = ax.figure, ax
        return self


class LekProfileDisplay:
    """Lek profiles: one panel per feature, one line per held group of the other features.

    Parameters
    ----------
    result : Bunch returned by `lek_profile`
    output : int, default=0
        The output unit drawn.
    output_name, title : str

    Attributes
    ----------
    figure_ : Figure; ax_ : ndarray of Axes, one per feature.
    """

    def __init__(self, result, output: int = 0, output_name: str = "output 0",
                 title: str = "Lek profiles"):
        self.result, self.output, self.output_name, self.title = result, output, output_name, \
            title

    @classmethod
    def from_model(cls, net, X, feature=None, *, output: int = 0, plot_kw=None,
                   **options) -> LekProfileDisplay:
        from hiddenlens.explain import lek_profile

        result = lek_profile(net, X, feature, **options)
        name = net.class_names[output] if net.class_names else f"output {output}"
        if net.task == "classification":
            name = f"p({name})"
        title = (f"Lek profiles: each feature swept from min to max, the others held "
                 f"({options.get('hold', 'quantiles')}), {model_label(net)}")
        return cls(result, output, name, title).plot(**(plot_kw or {}))

    def plot(self, ax=None) -> LekProfileDisplay:
        import matplotlib.pyplot as plt

        r = self.result
        k = len(r.features)
        if ax is None:
            cols = min(4, k)
            rows = -(-k // cols)
            fig, ax = plt.subplots(rows, cols, figsize=(3.3 * cols, 2.7 * rows + 0.8),
                                   squeeze=False, sharey=True)
        ax = np.atleast_1d(ax).ravel()
        colours = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(r.group_labels)))
        for f, a in enumerate(ax):
            if f >= k:
                a.axis("off")
                continue
            for g, label in enumerate(r.group_labels):
                a.plot(r.grid[f], r.predictions[f, g, :, self.output], color=colours[g],
                       lw=1.4, label=label)
            a.set_xlabel(r.features[f], fontsize=8)
            a.tick_params(labelsize=7)
            a.grid(alpha=0.3)
        ax[0].set_ylabel(self.output_name, fontsize=9)
        ax[0].legend(fontsize=7, title="others held at", title_fontsize=7)
        fig = ax[0].figure
        fig.suptitle(self.title, fontsize=10)
        fig.tight_layout()
        self.figure_, self.ax_ = fig, ax
        return self
