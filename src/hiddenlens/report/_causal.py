"""A hidden layer's causal parts: the units whose removal hurts most, class selectivity
against importance, and the dead units checked by removing them. One ablation per layer
(`Context.ablation`) feeds all three and the descriptions' causal sentences."""

from __future__ import annotations

import numpy as np

from hiddenlens import explain
from hiddenlens.explain._describe_causal import in_points, score_amount, selectivity_sentence
from hiddenlens.report import _figures as figs
from hiddenlens.report._sections import Context, Figure, Note, figure, note

K_BARS = 10  # units whose removal hurts most, drawn as bars
K_LABELS = 5  # units named on the scatter


def causal_parts(ctx: Context, l: int) -> list:
    """The two causal figures of hidden layer l, in the order the section shows them."""
    return [_hurts_most(ctx, l), _selectivity(ctx, l)]


def selectivity(ctx: Context, l: int):
    """`selectivity_importance` of layer l from the shared atlas and ablation; None for a
    network without classes."""
    at = ctx.atlas(l)
    if at.class_selectivity is None:
        return None
    return explain.selectivity_importance(at, ctx.ablation(l))


def _hurts_most(ctx: Context, l: int) -> Figure:
    from hiddenlens.plot import AblationDisplay
    from hiddenlens.plot._ablation import ablation_title

    ab = ctx.ablation(l)
    d = AblationDisplay.from_result(ab, k=K_BARS,
                                    title=f"{ablation_title(ab)}; {ctx.net.describe_sizes()}")
    score = ab.scoring.replace("_", " ")
    per_class = (" The strip beside the bars splits each drop by true class: a red cell is a "
                 "class whose examples the network gets wrong more often without the unit."
                 if ab.per_class_drop is not None else "")
    grain = (f" (one test example is {100 / ab.n_examples:.2g} points)"
             if ab.scoring == "accuracy" else "")
    shown = min(K_BARS, len(ab.drop))
    which = ("the layer's one unit is shown" if shown == 1 else f"the {shown} units of largest "
             "drop are shown, the largest on top (ties: the larger loss increase first)")
    return figure("Units whose removal hurts most",
                  f"Each bar is how much the test {score} falls when that one unit is knocked "
                  f"out (its activation set to zero) on the {ab.n_examples} test examples"
                  f"{grain}; {which}.{per_class}",
                  figs.inline_png(d.figure_, f"ablation of layer {l}"))


def _selectivity(ctx: Context, l: int) -> Figure | Note:
    from hiddenlens.plot import SelectivityImportanceDisplay

    si = selectivity(ctx, l)
    if si is None:
        return note("This network is a regressor: its units have no class selectivity to "
                    "set against their importance.")
    from hiddenlens.plot._selectivity import selectivity_title

    d = SelectivityImportanceDisplay.from_result(
        si, k=K_LABELS, title=f"{selectivity_title(si)}\n{ctx.net.describe_sizes()}")
    return figure("Class selectivity against importance",
                  "Each dot is a unit: how much more it fires for its favourite class than for "
                  "the others (right: one class only), against how much the test score drops "
                  f"without it (up: needed). {selectivity_sentence(si)}",
                  figs.inline_png(d.figure_, f"selectivity against importance, layer {l}"))


def removal_change(ctx: Context, l: int, units) -> str:
    """The largest change of the test score when one of `units` is removed: "0.0 points"."""
    ab = ctx.ablation(l)
    if not len(units):
        return "\u2013"  # no unit to remove
    drop = float(np.max(np.abs(ab.drop[[ab.row_of(int(u)) for u in units]])))
    return score_amount(ab.scoring, drop) + (" points" if in_points(ab.scoring) else "")


def dead_sentence(ctx: Context, l: int) -> str:
    """"Ablation confirms it: removing them changes accuracy by 0.0 points (the loss by at
    most 3e-09)." for the dead units of layer l; "" when none is dead."""
    ab, dead = ctx.ablation(l), np.flatnonzero(np.asarray(ctx.atlas(l).dead))
    if not len(dead):
        return ""
    rows = [ab.row_of(int(u)) for u in dead]
    moved = bool(np.any(ab.drop[rows] != 0))
    loss = float(np.max(np.abs(ab.loss_increase[rows])))
    verdict = "Ablation only partly confirms it" if moved else "Ablation confirms it"
    return (f"{verdict}: removing {'any of them' if len(dead) > 1 else 'it'} changes the "
            f"test {ab.scoring.replace('_', ' ')} by {'at most ' if moved else ''}"
            f"{removal_change(ctx, l, dead)} (the loss by at most {loss:.2g}).")
