"""The importance-recovery experiment's figure (`ExperimentDisplay` draws it by name).

Left: each method's Spearman agreement with the true ranking, one dot per network, the mean
and its 95% interval, beside what Olden, Joy & Death (2004) reported. Right: each method's
mean |importance| per predictor (each network's scaled to its largest), against the truth.
"""

from __future__ import annotations

import numpy as np

from hiddenlens.explain._describe_trust import method_title
from hiddenlens.plot._axes import finish, panel_axes
from hiddenlens.plot._trust import method_colors

OLDEN_COLOR = "#7f7f7f"
TITLES = {"partial_derivatives": "partial derivatives (PaD)"}


def _title(method: str) -> str:
    return TITLES.get(method) or method_title(method)


def plot_recovery(display, ax):
    """Draw `display.result` (a RecoveryResult) in `ax`; returns the display."""
    r = display.result
    frame = r.to_frame()  # one row per method, best agreement first
    fig, axes = panel_axes(ax, 1, 2, (13.0, 4.6), width_ratios=[1.05, 1])
    axes = axes[0]
    colors = method_colors(list(frame["method"]))
    _agreement(axes[0], r, frame, colors)
    _importances(axes[1], r, frame, colors)
    r2 = np.array(list(r.accuracies.values()), dtype=float)
    n_rows = _n_rows(r)
    fig.suptitle(f"Importance recovery (after Olden, Joy & Death 2004): {len(r2)} networks, each "
                 f"trained on its own simulated data set{n_rows}; test R² {np.mean(r2):.2f} on "
                 f"average (range {np.min(r2):.2f} to {np.max(r2):.2f})", fontsize=10)
    return finish(display, axes, axes[0])


def _n_rows(r) -> str:
    nets = list(r.nets.values())
    return f" ({nets[0].describe_sizes()} nets)" if nets else ""


def _agreement(ax, r, frame, colors) -> None:
    rng = np.random.default_rng(0)  # jitter only: where the dots sit sideways
    y = np.arange(len(frame))
    for i, row in frame.iterrows():
        rho = r.extra[f"spearman {row['method']}"]
        ax.scatter(rho, i + rng.uniform(-0.18, 0.18, len(rho)), s=12, alpha=0.55,
                   color=colors[row["method"]], lw=0)
        ax.errorbar(row["spearman"], i, xerr=[[row["spearman"] - row["low"]],
                                              [row["high"] - row["spearman"]]],
                    fmt="D", color="black", ms=5, capsize=3, lw=1.2)
        ax.text(1.04, i, f"{row['spearman']:.2f}  (top predictor first in "
                f"{100 * row['top_feature_found']:.0f}%)", va="center", fontsize=7,
                transform=ax.get_yaxis_transform())
    ax.axvspan(0.28, 0.74, color=OLDEN_COLOR, alpha=0.12, lw=0,
               label="Olden et al. 2004: the other methods, 0.28-0.74")
    ax.axvline(0.92, color=OLDEN_COLOR, ls="--", lw=1,
               label="Olden et al. 2004: connection weights, 0.92")
    ax.set_yticks(y, [_title(m) for m in frame["method"]], fontsize=8)
    ax.set_ylim(len(frame) - 0.5, -0.5)  # the best on top
    lowest = min(float(np.min(r.extra[f"spearman {m}"])) for m in frame["method"])
    ax.set_xlim(min(0.0, lowest) - 0.05, 1.03)
    ax.axvline(0, color="0.3", lw=0.6)
    ax.set_xlabel("Spearman correlation of |importance| with the true |effect|, one dot per "
                  "network (diamond: mean, 95% interval)", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=7, loc="lower left")
    ax.set_title("Does the method rank the predictors as the truth does?", fontsize=9)


def _importances(ax, r, frame, colors) -> None:
    truth = np.asarray(r.extra["true_importance"], dtype=float)
    d = len(truth)
    methods = list(frame["method"])
    width = 0.8 / (len(methods) + 1)
    x = np.arange(d)
    ax.bar(x - 0.4 + width / 2, truth / truth.max(), width, color="black",
           label="truth: |effect| / largest")
    for k, m in enumerate(methods):
        imp = np.abs(np.asarray(r.extra[f"importances {m}"], dtype=float))  # (n_nets, d)
        top = imp.max(1, keepdims=True)
        scaled = imp / np.where(top > 0, top, 1.0)
        ax.bar(x - 0.4 + width * (k + 1.5), scaled.mean(0), width, color=colors[m],
               label=_title(m))
    ax.set_xticks(x, [f"x{j + 1}\n(effect {truth[j]:.1f})" for j in range(d)], fontsize=8)
    ax.set_ylabel("mean |importance| / the network's largest", fontsize=8)
    ax.set_ylim(0, 1.08)
    ax.tick_params(axis="y", labelsize=7)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, ncols=2)
    ax.set_title("What each method finds, averaged over the networks", fontsize=9)
