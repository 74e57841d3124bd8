"""SelectivityImportanceDisplay: each unit's class selectivity against its ablation importance."""

from __future__ import annotations

import textwrap

import numpy as np

from hiddenlens.explain._ablation import ablate
from hiddenlens.explain._atlas import atlas
from hiddenlens.explain._describe_causal import (
    ablation_data,
    in_points,
    selectivity_sentence,
    signed,
)
from hiddenlens.explain._selectivity import selectivity_importance
from hiddenlens.plot._axes import finish, single_axes
from hiddenlens.plot._grid import model_label, plain, unit_count

# label offsets (points) tried in turn, so that close top units do not write over each other
OFFSETS = [(6, 5), (6, -11), (-8, 6), (-8, -11), (8, 14), (-8, 16)]


class SelectivityImportanceDisplay:
    """A scatter of the units of one layer: class selectivity (x) against the score's drop
    when the unit is removed (y), with Spearman's rho and its interval, the k most important
    units labelled.

    Parameters
    ----------
    result : SelectivityImportance
    title : str, default=""

    Attributes
    ----------
    figure_ : Figure
    ax_ : Axes
    axes_ : ndarray of Axes of shape (1,)
    labelled_ : ndarray of int
        The units labelled, most important first.
    """

    def __init__(self, *, result, title: str = ""):
        self.result, self.title = result, title

    @classmethod
    def from_model(cls, net, data, y=None, layer: int = 0, *, value="zero", scoring=None,
                   by: str = "drop", n_resamples: int = 1000, confidence_level: float = 0.95,
                   random_state=0, k: int = 5, ax=None,
                   **plot_kw) -> SelectivityImportanceDisplay:
        """Compute the atlas and the ablation of `layer` on the same examples, correlate them
        (`selectivity_importance`) and draw the scatter.

        Parameters
        ----------
        net : DenseNet
        data : Dataset or array of shape (n, n_inputs)
            A Dataset's test examples (all of them without a test split), or the array with
            `y`.
        y : array of shape (n,), optional
            Labels of an array `data`.
        layer : int, default=0
            A hidden layer.
        value, scoring : see `ablate`.
        by, n_resamples, confidence_level, random_state : see `selectivity_importance`.
        k : int, default=5
            Units labelled.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        X, labels = ablation_data(net, data, y)
        ab = ablate(net, X, labels, layer, value=value, scoring=scoring, per_class=False)
        at = atlas(net, X, ab.layer, y=labels, k=1)
        result = selectivity_importance(at, ab, by=by, n_resamples=n_resamples,
                                        confidence_level=confidence_level,
                                        random_state=random_state)
        title = f"{selectivity_title(result)}\n{model_label(net)}"
        return cls.from_result(result, k=k, title=title, ax=ax, **plot_kw)

    @classmethod
    def from_result(cls, result, *, k: int = 5, title: str | None = None, ax=None,
                    **plot_kw) -> SelectivityImportanceDisplay:
        """Draw a `SelectivityImportance` computed before.

        Parameters
        ----------
        result : SelectivityImportance
        k : int, default=5
            Units labelled.
        title : str, optional
            Default: `selectivity_title(result)`, the sentence stating rho and its interval
            for this network.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        if title is None:
            title = selectivity_title(result)
        return cls(result=result, title=title).plot(ax=ax, k=k, **plot_kw)

    def plot(self, ax=None, *, k: int = 5) -> SelectivityImportanceDisplay:
        """Draw in `ax` (Axes, Figure or SubFigure; None: a new figure), labelling the `k`
        most important units; return self."""
        r = self.result
        ax = single_axes(ax, (7.5, 5.4))
        scale = 100.0 if r.by == "drop" and in_points(r.scoring) else 1.0
        x, y = r.selectivity, r.importance * scale
        n = len(x)
        size = 28 if n <= 150 else 14
        ax.scatter(x, y, s=size, alpha=0.65 if n > 150 else 0.8, color="#2e6db4",
                   edgecolors="none", label=f"{unit_count(n)} of layer {r.layer}")
        ax.axhline(0, color="0.4", lw=0.7, ls=":")
        low, high = r.interval
        rho = "undefined" if not np.isfinite(r.rho) else signed(r.rho)
        band = "" if not np.isfinite(low) else (
            f" [{signed(low)}, {signed(high)}]")
        ax.plot([], [], " ", label=f"Spearman \u03c1 = {rho}{band}\n"
                                   f"({100 * r.confidence_level:g}% bootstrap interval, "
                                   f"{r.n_resamples} resamples)")
        self.labelled_ = self._label_top(ax, x, y, k)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2,
                  frameon=False)  # below the axes: the points fill the plot
        score = r.scoring.replace("_", " ")
        what = (f"drop in {score}{' (points)' if scale == 100 else ''}" if r.by == "drop"
                else "increase of the loss")
        ax.set_ylabel(f"{what} when the unit is removed", fontsize=9)
        ax.set_xlabel("class selectivity (0: fires alike for every class, 1: for one class "
                      "only)", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.25)
        low_y, top = ax.get_ylim()
        ax.set_ylim(top=top + 0.06 * (top - low_y))  # room for the top units' names
        ax.set_title(plain(self.title), fontsize=9)
        return finish(self, [ax], ax)

    def _label_top(self, ax, x, y, k: int) -> np.ndarray:
        """Name (and ring) the k most important units, those whose removal hurts; returns
        them."""
        top = np.argsort(-y, kind="stable")[: max(0, int(k))]
        top = top[np.isfinite(y[top]) & (y[top] > 0)]  # a unit that is not needed: no name
        placed: list[tuple[float, float]] = []
        span_x = np.ptp(x) or 1.0
        span_y = np.ptp(y) or 1.0
        for u in top:
            near = sum(abs(x[u] - px) < 0.08 * span_x and abs(y[u] - py) < 0.08 * span_y
                       for px, py in placed)
            ax.annotate(f"unit {u}", (x[u], y[u]), xytext=OFFSETS[near % len(OFFSETS)],
                        textcoords="offset points", fontsize=8,
                        ha="left" if OFFSETS[near % len(OFFSETS)][0] > 0 else "right",
                        arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.6})
            placed.append((x[u], y[u]))
        if len(top):
            ax.scatter(x[top], y[top], s=42, facecolors="none", edgecolors="#c0392b", lw=1.2,
                       label=f"the {len(top)} most needed (ties: lower unit first)"
                       if len(top) > 1 else "the most needed unit")
        return top


def selectivity_title(result) -> str:
    """`selectivity_sentence(result)` wrapped for a figure's title."""
    return textwrap.fill(selectivity_sentence(result), 90)
