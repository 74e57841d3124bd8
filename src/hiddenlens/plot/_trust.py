"""AttributionTrustDisplay: which attribution map to trust, as the metrics measure it.

Top: each method's deletion and insertion curve against a random order (its mean and 95%
band over the examples), AUCs in the legends, and the rank correlation of each method's maps
with the trained network's as the weights are randomized from the output down, with the
threshold below which a map "changes". Bottom: that cascade as Adebayo et al. (2018) drew it,
one row per method: a few examples' maps on the trained network and after each step.
"""

from __future__ import annotations

import numpy as np

from hiddenlens._validation import check_positive_int
from hiddenlens.explain._describe_trust import method_title, trust_title
from hiddenlens.plot._axes import container, finish
from hiddenlens.plot._grid import DIVERGING, hide_ticks, plain, symmetric_limit

SCORE_LABEL = {"softmax": "class probability (softmax of the logits)", "logit": "class logit",
               "output": "the network's output"}
STEP_COLUMN = 1.05  # inches per map of the cascade


MARKERS = "osD^vP"  # one per method in the sanity-check panel


def method_colors(names) -> dict:
    """One tab10 colour per method, in the report's order, the same in every panel."""
    import matplotlib

    cycle = matplotlib.colormaps["tab10"].colors
    return {name: cycle[i % len(cycle)] for i, name in enumerate(names)}


class AttributionTrustDisplay:
    """Deletion and insertion curves per method against the random band, and the
    randomization cascade with its rank-correlation curve.

    Parameters
    ----------
    result : TrustReport
        What `evaluate_attributions` (or `evaluate_importances`: curves only) returns.
    title : str, default=""

    Attributes
    ----------
    figure_ : Figure
    ax_ : Axes
        The deletion panel (else the first panel drawn).
    axes_ : ndarray of Axes
        The top row's panels, then the cascade's maps row by row.
    curve_axes_ : dict of str -> Axes
        "deletion", "insertion", "similarity": the top row's panels that were drawn.
    cascade_axes_ : ndarray of Axes of shape (n_methods, n_columns) or None
    """

    def __init__(self, *, result, title: str = ""):
        self.result, self.title = result, title

    @classmethod
    def from_model(cls, net, X, y, *, methods=None, metrics=None, baseline=None, data=None,
                   random_state=0, progress: bool = False, threads: int | None = 1, ax=None,
                   **plot_kw) -> AttributionTrustDisplay:
        """Score the methods (`evaluate_attributions`) and draw the curves and the cascade.

        Parameters
        ----------
        net : DenseNet
        X : array of shape (n, n_inputs)
        y : array of n class indices
        methods, metrics, baseline, data, random_state, progress, threads
            See `evaluate_attributions`.
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot` (`n_examples`).
        """
        from hiddenlens.explain import evaluate_attributions

        report = evaluate_attributions(net, X, y, methods=methods, metrics=metrics,
                                       baseline=baseline, data=data,
                                       random_state=random_state, progress=progress,
                                       threads=threads)
        return cls.from_result(report, ax=ax, **plot_kw)

    @classmethod
    def from_result(cls, result, *, title: str | None = None, ax=None,
                    **plot_kw) -> AttributionTrustDisplay:
        """Draw a TrustReport computed before.

        Parameters
        ----------
        result : TrustReport
        title : str, optional
            Default: what was scored, the most faithful method and who passes the weight
            check (`trust_title`).
        ax : Axes, Figure or SubFigure, optional
        **plot_kw
            Passed to `plot`.
        """
        if title is None:
            title = trust_title(result)
        return cls(result=result, title=title).plot(ax=ax, **plot_kw)

    def plot(self, ax=None, *, n_examples: int = 2) -> AttributionTrustDisplay:
        """Draw in `ax` (Axes, Figure or SubFigure; None: a new figure) and return self.

        Parameters
        ----------
        ax : Axes, Figure or SubFigure, optional
        n_examples : int, default=2
            Examples per method in the cascade (at most the maps each check kept).
        """
        r = self.result
        n_examples = check_positive_int(n_examples, "n_examples")
        kinds = [k for k in ("deletion", "insertion")
                 if any(k in c for c in r.curves.values())]
        checked = [m for m in r.attributions if "randomization" in r.checks.get(m, {})]
        top = kinds + (["similarity"] if checked else [])
        if not top:
            raise ValueError("The TrustReport holds no deletion or insertion curve and no "
                             "randomization check to draw; run evaluate_attributions with "
                             "metrics including 'deletion', 'insertion' or 'randomization'.")
        cascade = [m for m in checked if r.checks[m]["randomization"].maps is not None]
        cols = 0
        if cascade:
            first = r.checks[cascade[0]]["randomization"]
            k = min(n_examples, first.maps.shape[1])
            cols = k * (len(first.steps) + 1)  # per example: the input, then every step
        width = max(4.4 * len(top) + 0.8, STEP_COLUMN * cols + 1.6)
        rows_h = (STEP_COLUMN + 0.25) * len(cascade)
        fig = container(ax, (width, 3.9 + (rows_h + 0.7 if cascade else 0)))
        if cascade:
            upper, lower = fig.subfigures(2, 1, height_ratios=[3.9, rows_h + 0.7])
        else:
            upper, lower = fig, None
        panels = np.atleast_1d(upper.subplots(1, len(top)))
        self.curve_axes_ = dict(zip(top, panels))
        colors = method_colors(r.attributions)
        for kind in kinds:
            draw_curves(self.curve_axes_[kind], r, kind, colors)
        if checked:
            self._similarity(self.curve_axes_["similarity"], checked, colors)
        axes = list(panels)
        self.cascade_axes_ = None
        if cascade:
            grid = np.asarray(lower.subplots(len(cascade), cols, squeeze=False))
            self._cascade(grid, cascade, k)
            lower.suptitle(self._cascade_title(cascade), fontsize=9)
            self.cascade_axes_ = grid
            axes += list(grid.flat)
        fig.suptitle(plain(self.title), fontsize=10)
        main = self.curve_axes_.get("deletion", panels[0])
        return finish(self, np.array(axes, dtype=object), main)

    # ---------------------------------------------------------------- the panels
    def _similarity(self, ax, checked: list[str], colors: dict) -> None:
        r = self.result
        first = r.checks[checked[0]]["randomization"]
        x = np.arange(len(first.steps))
        labels = list(first.steps)
        for i, name in enumerate(checked):
            # methods often overlap exactly (saliency and SmoothGrad): every other one is a
            # large hollow marker around the small filled ones, so both show
            style = {"marker": MARKERS[i % len(MARKERS)], "ms": 8.0 if i % 2 else 4.5,
                     "color": colors[name]}
            check = r.checks[name]["randomization"]
            frame = check.to_frame()
            ax.fill_between(x, frame["low"], frame["high"], color=colors[name], alpha=0.15,
                            lw=0)
            ax.plot(x, check.similarity, lw=1.4, mfc="none" if i % 2 else style["color"],
                    label=plain(method_title(name)), **style)
            labelled = r.checks[name].get("label_randomization")
            if labelled is not None:
                ax.plot([len(x) + 0.3], [labelled.similarity[1]], ls="none",
                        mfc="none" if i % 2 else style["color"], **style)
        if any("label_randomization" in r.checks[m] for m in checked):
            ax.axvline(len(x) - 0.35, color="0.5", lw=0.6, ls=":")
            labels_x = list(x) + [len(x) + 0.3]
            labels = labels + ["retrained on\npermuted labels"]
        else:
            labels_x = list(x)
        ax.axhline(first.threshold, color="#c0392b", lw=1, ls="--")
        ax.text(0.02, first.threshold, f" threshold {first.threshold:g}: below it the map "
                "changed", color="#c0392b", fontsize=7, va="bottom",
                transform=ax.get_yaxis_transform())
        ax.set_xticks(labels_x, [_step_label(s) for s in labels], fontsize=7, rotation=25,
                      ha="right", rotation_mode="anchor")
        what = "|attribution|" if first.abs else "attribution"
        measure = "rank correlation" if first.measure == "spearman" else "correlation"
        ax.set_ylabel(f"{measure} of {what} with the trained net's", fontsize=8)
        ax.set_ylim(min(-0.1, ax.get_ylim()[0]), 1.05)
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(alpha=0.3)
        ax.set_title("Sanity check: weights randomized from the output down", fontsize=9)
        ax.legend(fontsize=7, loc="best")  # the lines fall anywhere: where they are not

    # ---------------------------------------------------------------- the cascade
    def _cascade(self, grid, methods: list[str], k: int) -> None:
        r = self.result
        shape = r.settings.get("image_shape")
        names = r.settings.get("feature_names")
        for row, name in enumerate(methods):
            check = r.checks[name]["randomization"]
            n_steps = len(check.steps)
            for e in range(k):
                base = e * (n_steps + 1)
                _draw_input(grid[row, base], check.inputs[e], shape)
                if row == 0:
                    grid[row, base].set_title(f"example {e + 1}", fontsize=7)
                for s in range(n_steps):
                    a = grid[row, base + 1 + s]
                    _draw_map(a, check.maps[s, e], shape, check.abs)
                    if row == 0:
                        a.set_title(_step_label(check.steps[s]), fontsize=7)
                    if s:
                        rho = check.similarities[s, e]
                        a.set_xlabel("ρ n/a" if np.isnan(rho) else f"ρ {rho:.2f}", fontsize=7,
                                     labelpad=1)
            grid[row, 0].set_ylabel(plain(method_title(name)), fontsize=8)
            if shape is None and names:  # tabular: name the features on the first column
                grid[row, 0].set_yticks(np.arange(len(names)), [plain(n) for n in names],
                                        fontsize=6)

    def _cascade_title(self, methods: list[str]) -> str:
        check = self.result.checks[methods[0]]["randomization"]
        what = ("|attribution|, each map scaled to its own largest value (dark = large)"
                if check.abs else "attribution, each map on its own scale (red +, blue -)")
        return (f"The cascade, as Adebayo et al. (2018) drew it: each row a method, {what}; "
                "ρ under a map is its rank correlation with the trained net's map")


def draw_curves(ax, r, kind: str, colors: dict) -> None:
    """Each method's mean deletion or insertion curve of TrustReport `r`, and the random
    order's mean with its 95% band; AUCs in the legend."""
    reference = None
    for name in r.attributions:
        curve = r.curves.get(name, {}).get(kind)
        if curve is None:
            continue
        reference = curve
        ax.plot(curve.fractions, curve.scores.mean(0), color=colors[name], lw=1.4,
                label=f"{plain(method_title(name))}: AUC {curve.auc.mean():.3f}")
    frame = reference.to_frame()
    ax.fill_between(reference.fractions, frame["random_low"], frame["random_high"],
                    color="0.6", alpha=0.35, lw=0)
    ax.plot(reference.fractions, frame["random_score"], color="0.25", ls="--", lw=1.1,
            label=f"random order: AUC {reference.random_auc.mean():.3f} (95% band)")
    better = "lower" if kind == "deletion" else "higher"
    ax.set_title(f"{kind.capitalize()} ({better} area: more faithful)", fontsize=9)
    what = "pixels" if r.settings.get("image_shape") is not None else "features"
    verb = "deleted" if kind == "deletion" else "inserted"
    ax.set_xlabel(f"fraction of {what} {verb}, most relevant first", fontsize=8)
    ax.set_ylabel(SCORE_LABEL.get(reference.score, reference.score) +
                  f", mean of {len(reference.scores)}", fontsize=8)
    ax.set_xlim(0, 1)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper right" if kind == "deletion" else "lower right")


def _step_label(step: str) -> str:
    return {"intact": "trained net"}.get(step, step)


def _draw_input(ax, x: np.ndarray, shape) -> None:
    if shape is not None:
        ax.imshow(x.reshape(shape), cmap="gray_r", interpolation="nearest")
    else:  # a few features: their values, written out
        ax.imshow(np.zeros((len(x), 1)), cmap="gray_r", vmin=0, vmax=1, aspect="auto")
        if len(x) <= 30:
            for i, v in enumerate(x):
                ax.text(0, i, f"{v:.3g}", ha="center", va="center", fontsize=7)
    hide_ticks(ax)


def _draw_map(ax, values: np.ndarray, shape, absolute: bool) -> None:
    folded = values.reshape(shape) if shape is not None else values.reshape(-1, 1)
    aspect = "equal" if shape is not None else "auto"
    if absolute:
        v = np.abs(folded)
        top = float(v.max()) if v.size and v.max() > 0 else 1.0
        ax.imshow(v / top, cmap="Reds", vmin=0, vmax=1, aspect=aspect, interpolation="nearest")
    else:
        limit = symmetric_limit(folded)
        ax.imshow(folded, cmap=DIVERGING, vmin=-limit, vmax=limit, aspect=aspect,
                  interpolation="nearest")
    hide_ticks(ax)
