"""ImportanceTrustDisplay: which feature-importance bars to trust on a tabular network.

Left: each method's importances, one row per method (per class for Garson and Olden, whose
numbers differ by output), scaled to the method's largest |value|, with its rank among the
methods; right: the deletion and insertion curves those orders give, against a random order.
"""

from __future__ import annotations

import numpy as np

from hiddenlens.explain._describe_trust import method_title, trust_title
from hiddenlens.plot._axes import container, finish
from hiddenlens.plot._grid import DIVERGING, plain
from hiddenlens.plot._trust import draw_curves, method_colors


class ImportanceTrustDisplay:
    """The importance methods' rankings beside the deletion and insertion curves they give.

    Parameters
    ----------
    result : TrustReport
        What `evaluate_importances` returns.
    title : str, default=""

    Attributes
    ----------
    figure_ : Figure
    ax_ : Axes
        The rankings' heat map.
    axes_ : ndarray of Axes
        The heat map, then the deletion and insertion panels.
    rows_ : list of str
        The heat map's row labels, top down.
    """

    def __init__(self, *, result, title: str = ""):
        self.result, self.title = result, title

    @classmethod
    def from_model(cls, net, X, y, *, methods=None, groups=None, baseline="mean",
                   features_in_step: int = 1, random_state=0, ax=None,
                   **plot_kw) -> ImportanceTrustDisplay:
        """Rank the importance methods (`evaluate_importances`) and draw them.

        Parameters
        ----------
        net : DenseNet
        X : array of shape (n, n_inputs)
        y : array of shape (n,)
        methods, groups, baseline, features_in_step, random_state
            See `evaluate_importances`.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        from hiddenlens.explain import evaluate_importances

        report = evaluate_importances(net, X, y, methods=methods, groups=groups,
                                      baseline=baseline, features_in_step=features_in_step,
                                      random_state=random_state)
        return cls.from_result(report, ax=ax, **plot_kw)

    @classmethod
    def from_result(cls, result, *, title: str | None = None, ax=None,
                    **plot_kw) -> ImportanceTrustDisplay:
        """Draw a TrustReport of `evaluate_importances` computed before.

        Parameters
        ----------
        result : TrustReport
        title : str, optional
            Default: what was scored and the most faithful method (`trust_title`).
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        if title is None:
            title = trust_title(result)
        return cls(result=result, title=title).plot(ax=ax, **plot_kw)

    def plot(self, ax=None) -> ImportanceTrustDisplay:
        """Draw in `ax` (Axes, Figure or SubFigure; None: a new figure) and return self."""
        r = self.result
        rows, values = self._rows()
        names = r.settings.get("feature_names") or [f"x{j}" for j in range(values.shape[1])]
        kinds = [k for k in ("deletion", "insertion")
                 if any(k in c for c in r.curves.values())]
        width = 3.0 + 0.55 * len(names) + 4.3 * len(kinds)
        fig = container(ax, (width, max(3.8, 0.32 * len(rows) + 2.2)))
        ratios = [0.9 + 0.45 * len(names)] + [3.6] * len(kinds)
        axes = np.atleast_1d(fig.subplots(1, 1 + len(kinds), width_ratios=ratios))
        self._heatmap(axes[0], rows, values, names)
        colors = method_colors(r.attributions)
        for a, kind in zip(axes[1:], kinds):
            draw_curves(a, r, kind, colors)
        fig.suptitle(plain(self.title), fontsize=10)
        return finish(self, axes, axes[0])

    def _rows(self) -> tuple[list[str], np.ndarray]:
        """(row labels, values (n_rows, n_features)): each method's importances over its
        largest |value|, one row per output for per-output methods."""
        r = self.result
        t = r.table.set_index("method") if r.table is not None else None
        classes = r.settings.get("class_names") or []
        labels, values = [], []
        for name, imp in r.attributions.items():
            imp = np.asarray(imp, dtype=float)
            top = float(np.abs(imp).max()) or 1.0
            rank = f" (rank {int(t.loc[name, 'rank'])})" if t is not None and "rank" in t \
                else ""
            if imp.ndim == 1:
                labels.append(f"{method_title(name)}{rank}")
                values.append(imp / top)
                continue
            for k, row in enumerate(imp):
                what = classes[k] if k < len(classes) else f"output {k}"
                labels.append(f"{method_title(name)}{rank if k == 0 else ''}, {what}")
                values.append(row / top)
        self.rows_ = labels
        return labels, np.array(values)

    def _heatmap(self, ax, rows, values, names) -> None:
        image = ax.imshow(values, cmap=DIVERGING, vmin=-1, vmax=1, aspect="auto",
                          interpolation="nearest")
        ax.set_yticks(np.arange(len(rows)), [plain(r) for r in rows], fontsize=7)
        short = max(len(str(n)) for n in names) <= 4
        ax.set_xticks(np.arange(len(names)), [plain(n) for n in names], fontsize=7,
                      rotation=0 if short else 35, ha="center" if short else "right",
                      rotation_mode="anchor")
        if values.size <= 600:
            for (i, j), v in np.ndenumerate(values):
                ax.text(j, i, f"{v:+.2f}", ha="center", va="center", fontsize=6,
                        color="white" if abs(v) > 0.6 else "black")
        ax.set_title("Each method's importances (deleted most positive first)", fontsize=9)
        bar = ax.figure.colorbar(image, ax=ax, fraction=0.05, pad=0.02)
        bar.set_label("importance / the method's largest |importance|", fontsize=7)
        bar.ax.tick_params(labelsize=7)
