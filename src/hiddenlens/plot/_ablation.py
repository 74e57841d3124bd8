"""AblationDisplay: the units of a layer whose removal hurts most, overall and per class."""

from __future__ import annotations

import numpy as np

from hiddenlens._validation import check_positive_int
from hiddenlens.explain._ablation import ablate
from hiddenlens.explain._describe_causal import in_points, score_amount
from hiddenlens.plot._axes import finish, panel_axes, single_axes
from hiddenlens.plot._grid import DIVERGING, model_label, plain, symmetric_limit, unit_count

# "<Knocking out unit 42> lowers accuracy most", per replacement value
DOING = {"zero": "Knocking out {}", "mean": "Holding {} at its mean",
         "resample": "Giving {} other examples' values"}
DONE = {"zero": "knocked out", "mean": "held at its mean",
        "resample": "given other examples' values"}


class AblationDisplay:
    """The k replacements that hurt most as horizontal bars of the score's drop, and beside
    them each class's drop as a heat-map strip (one column per class).

    Parameters
    ----------
    result : Ablation
        What `ablate` returns; `per_class_drop` None (regressors, per_class=False) draws the
        bars alone.
    title : str, default=""

    Attributes
    ----------
    figure_ : Figure
    ax_ : Axes
        The bars.
    axes_ : ndarray of Axes
        The bars, then the per-class strip when there is one.
    shown_ : ndarray of int
        The rows of `result` drawn, from the top bar down.
    """

    def __init__(self, *, result, title: str = ""):
        self.result, self.title = result, title

    @classmethod
    def from_model(cls, net, X, y, layer: int, *, k: int = 10, value="zero", scoring=None,
                   per_class: bool = True, random_state=0, progress: bool = False, ax=None,
                   **plot_kw) -> AblationDisplay:
        """Ablate every unit of `layer` alone (`ablate`) and draw the k that hurt most.

        Parameters
        ----------
        net : DenseNet
        X : array of shape (n, n_inputs)
        y : array of shape (n,)
        layer : int
            A hidden layer.
        k : int, default=10
            Bars to draw.
        value, scoring, per_class, random_state, progress
            See `ablate`.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        result = ablate(net, X, y, layer, value=value, scoring=scoring, per_class=per_class,
                        random_state=random_state, progress=progress)
        title = f"{ablation_title(result)}; {model_label(net)}"
        return cls.from_result(result, k=k, title=title, ax=ax, **plot_kw)

    @classmethod
    def from_result(cls, result, *, k: int = 10, title: str | None = None, ax=None,
                    **plot_kw) -> AblationDisplay:
        """Draw an `Ablation` computed before.

        Parameters
        ----------
        result : Ablation
        k : int, default=10
            Bars to draw.
        title : str, optional
            Default: `ablation_title(result)`, a sentence naming the most harmful
            replacement and the baseline score.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        if title is None:
            title = ablation_title(result)
        return cls(result=result, title=title).plot(ax=ax, k=k, **plot_kw)

    def plot(self, ax=None, *, k: int = 10) -> AblationDisplay:
        """Draw the `k` most harmful rows in `ax` (Axes, Figure or SubFigure; None: a new
        figure) and return self."""
        r = self.result
        order = r.ranking[: check_positive_int(k, "k")]
        self.shown_ = order
        scale = 100.0 if in_points(r.scoring) else 1.0
        height = 0.36 * len(order) + 1.9
        if r.per_class_drop is None:
            axes = np.array([single_axes(ax, (7.5, height))], dtype=object)
        else:
            n_classes = r.per_class_drop.shape[1]
            width = 7.0 + 0.42 * n_classes
            fig, grid = panel_axes(ax, 1, 2, (width, height),
                                   width_ratios=[1.35, 0.25 + 0.1 * n_classes])
            axes = grid[0]
            self._strip(axes[1], order, scale)
            fig.suptitle(plain(self.title), fontsize=10)
        self._bars(axes[0], order, scale)
        if r.per_class_drop is None:
            axes[0].set_title(plain(self.title), fontsize=10)
        return finish(self, axes, axes[0])

    def _bars(self, ax, order, scale: float) -> None:
        r = self.result
        values = r.drop[order] * scale
        y = np.arange(len(order))
        ax.barh(y, values, color=np.where(values >= 0, "#c0392b", "#2e6db4"), height=0.7)
        ax.set_yticks(y, [_row_name(r.labels[i]) for i in order], fontsize=8)
        ax.set_ylim(len(order) - 0.5, -0.5)  # the most harmful on top
        ax.axvline(0, color="0.3", lw=0.8)
        lo, hi = min(0.0, values.min()), max(0.0, values.max())
        pad = 0.18 * (hi - lo or 1.0)
        ax.set_xlim(lo - (pad if lo < 0 else 0), hi + pad)  # room for the numbers
        for yi, v in zip(y, values):
            ax.text(v, yi, f" {v:.1f} " if scale == 100 else f" {v:.3g} ", va="center",
                    ha="left" if v >= 0 else "right", fontsize=7)
        score = r.scoring.replace("_", " ")
        unit = " (points)" if scale == 100 else ""
        ax.set_xlabel(f"drop in {score}{unit} when the unit is {_done(r.value)}, "
                      f"{r.n_examples} examples", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
        ax.set_title(f"overall (baseline {_baseline(r)})", fontsize=9)

    def _strip(self, ax, order, scale: float) -> None:
        r = self.result
        D = r.per_class_drop[order] * scale  # (k, n_classes)
        limit = symmetric_limit(D)
        image = ax.imshow(D, cmap=DIVERGING, vmin=-limit, vmax=limit, aspect="auto",
                          interpolation="nearest")
        names = r.class_names or [str(c) for c in range(D.shape[1])]
        short = max(len(str(c)) for c in names) <= 3
        ax.set_xticks(np.arange(D.shape[1]), [plain(c) for c in names], fontsize=8,
                      rotation=0 if short else 40, ha="center" if short else "right",
                      rotation_mode="anchor")
        ax.set_yticks([])
        if D.size <= 400:  # the number in each cell that moved
            for (i, c), v in np.ndenumerate(D):
                if np.isfinite(v) and abs(v) >= (0.05 if scale == 100 else 1e-3):
                    ax.text(c, i, f"{v:.1f}" if scale == 100 else f"{v:.2g}", ha="center",
                            va="center", fontsize=6,
                            color="white" if abs(v) > 0.6 * limit else "black")
        ax.set_title("drop on each class's examples", fontsize=9)
        ax.set_xlabel("true class", fontsize=8)
        bar = ax.figure.colorbar(image, ax=ax, fraction=0.08, pad=0.03)
        bar.set_label("drop (points)" if scale == 100 else "drop", fontsize=8)
        bar.ax.tick_params(labelsize=7)


def ablation_title(r) -> str:
    """"Knocking out unit 42 of layer 0 lowers accuracy most: by 1.0 points (from 94.5%)"
    and a second line: how many rows there are, how many change the score by nothing."""
    best = int(r.ranking[0])
    score = r.scoring.replace("_", " ")
    points = " points" if in_points(r.scoring) else ""
    what = f"{_row_name(r.labels[best])} of layer {r.layer}"
    doing = DOING[r.value].format(what) if isinstance(r.value, str) \
        else f"Setting {what} to {r.value:g}"
    if r.drop[best] > 0:
        head = (f"{doing} lowers {score} most: by {score_amount(r.scoring, r.drop[best])}"
                f"{points} (from {_baseline(r)})")
    else:
        head = (f"No unit of layer {r.layer} lowers {score} when {_done(r.value)} "
                f"(baseline {_baseline(r)})")
    unchanged = int(np.sum(r.drop == 0))
    alone = all(label.isdigit() for label in r.labels)
    n = len(r.labels)
    rows = unit_count(n) if alone else f"{n} replacement{'' if n == 1 else 's'}"
    second = f"{rows} of layer {r.layer}; {unchanged} change{'s' if unchanged == 1 else ''} " \
             f"{score} by nothing"
    return f"{head}\n{second}"


def _row_name(label: str) -> str:
    """Ablation labels as bar names: "3" -> "unit 3", "3+17" -> "units 3+17"."""
    if label.isdigit():
        return f"unit {label}"
    if label.startswith("all but "):
        return f"all but unit{'s' if '+' in label else ''} {label[8:]}"
    return f"units {label}"


def _done(value) -> str:
    return DONE[value] if isinstance(value, str) else f"set to {value:g}"


def _baseline(r) -> str:
    if in_points(r.scoring):
        return f"{100 * r.baseline_score:.1f}%"
    return f"{r.scoring.replace('_', ' ')} {r.baseline_score:.4g}"
