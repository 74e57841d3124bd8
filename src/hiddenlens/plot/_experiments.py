"""ExperimentDisplay: the figure of each of the seeds' three experiments."""

from __future__ import annotations

import numpy as np

from hiddenlens.plot._axes import finish, panel_axes
from hiddenlens.plot._grid import DIVERGING, hide_ticks, symmetric_limit


class ExperimentDisplay:
    """Rows of templates (train-size, depth), the zero-vs-one unit's story, or the
    importance-recovery experiment's agreement with the truth.

    There is no `from_model`: an experiment trains its own networks (`run_experiment`).

    Parameters
    ----------
    result : ExperimentResult

    Attributes
    ----------
    figure_ : Figure
    ax_ : Axes
        The first panel.
    axes_ : ndarray of Axes
        (rows, n_classes) templates, or the zero-vs-one story's 5 panels.
    """

    def __init__(self, *, result):
        self.result = result

    @classmethod
    def from_result(cls, result, *, ax=None, **plot_kw) -> ExperimentDisplay:
        """Draw an `ExperimentResult` in `ax` (Axes, Figure or SubFigure; None: new)."""
        return cls(result=result).plot(ax=ax, **plot_kw)

    def plot(self, ax=None) -> ExperimentDisplay:
        """Draw in `ax` (Axes, Figure or SubFigure; None: a new figure); self."""
        if self.result.name == "zero-vs-one":
            return self._plot_zero_vs_one(ax)
        if self.result.name == "importance-recovery":
            from hiddenlens.plot._recovery import plot_recovery

            return plot_recovery(self, ax)
        return self._plot_rows(ax)

    def _plot_rows(self, ax) -> ExperimentDisplay:
        r = self.result
        rows = list(r.maps.items())
        n = len(rows[0][1])
        fig, axes = panel_axes(ax, len(rows), n, (1.45 * n + 2.2, 1.75 * len(rows) + 0.9))
        for i, (key, maps) in enumerate(rows):
            limit = symmetric_limit(maps)  # one scale per row: the rows' units differ
            for j, a in enumerate(axes[i]):
                m = a.imshow(maps[j].reshape(r.image_shape), cmap=DIVERGING, vmin=-limit,
                             vmax=limit, interpolation="nearest")
                hide_ticks(a)
                if i == 0:
                    a.set_title(f"class {r.class_names[j]}", fontsize=9)
            a0 = axes[i, 0]
            a0.set_ylabel(_row_label(r, key), fontsize=8)
            net = r.nets.get(key)
            unit = ("mean d logit / d pixel" if "jacobian" in key else
                    "linear composite weight" if "composite" in key or (net and net.n_layers > 1)
                    else "weight")
            fig.colorbar(m, ax=axes[i], fraction=0.02, pad=0.01).set_label(unit, fontsize=7)
        nets = list(r.nets.values())
        arch = (f" of the {nets[0].describe_sizes()} net ({r.extra.get('preset', 'preset')})"
                if nets else "")
        what = {"train-size": f"Output templates{arch} after training on few and on many images",
                "depth": "One layer's templates against a deep net's composite templates"}
        fig.suptitle(f"{what[r.name]} ({r.data}; red: pixel raises the class score, blue: "
                     "lowers it)", fontsize=10)
        return finish(self, axes, axes[0, 0])

    def _plot_zero_vs_one(self, ax) -> ExperimentDisplay:
        r = self.result
        fig, axes = panel_axes(ax, 1, 5, (17.5, 3.9), width_ratios=[1, 1, 1, 1, 1.3])
        axes = axes[0]
        panels = [("hidden unit weights", DIVERGING, "weight", "the hidden unit's weights"),
                  ("mean 0", "gray_r", "mean pixel value", "average test 0"),
                  ("mean 1", "gray_r", "mean pixel value", "average test 1"),
                  ("separation", DIVERGING, "w x (mean 1 - mean 0)",
                   "pixels that separate 0 from 1")]
        for a, (key, cmap, label, title) in zip(axes, panels):
            img = r.maps[key][0].reshape(r.image_shape)
            lim = symmetric_limit(img) if cmap == DIVERGING else None
            m = a.imshow(img, cmap=cmap, vmin=-lim if lim else 0, vmax=lim if lim else 1,
                         interpolation="nearest")
            hide_ticks(a)
            a.set_title(title, fontsize=9)
            fig.colorbar(m, ax=a, fraction=0.046, pad=0.03).set_label(label, fontsize=8)
        a = axes[4]
        bins = np.linspace(0, 1, 26)
        for digit, color in (("0", "tab:blue"), ("1", "tab:orange")):
            values = r.extra[f"activation_{digit}"]
            a.hist(values, bins=bins, alpha=0.7, color=color,
                   label=f"{digit}s ({len(values)} test images)")
        a.set_xlabel("hidden unit activation (sigmoid)", fontsize=8)
        a.set_ylabel("test images", fontsize=8)
        a.legend(fontsize=8)
        a.set_title("the one unit alone separates them", fontsize=9)
        acc = r.accuracies["784-1-2"]
        fig.suptitle(f"Zero vs one with a single hidden unit (784-1-2 on {r.data}): test "
                     f"accuracy {acc:.4f}; mean pre-activation gap 1s - 0s = "
                     f"{r.extra['gap']:+.2f}", fontsize=10)
        return finish(self, axes, axes[0])


def _row_label(r, key: str) -> str:
    if r.name == "train-size":
        return f"{key}\ntest acc {r.accuracies[key]:.3f}"
    sizes = key.split(" ")[0]
    kind = key.split(" ", 1)[1]
    return f"{sizes}\n{kind}\ntest acc {r.accuracies[sizes]:.3f}"
