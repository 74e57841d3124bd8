"""The causal sentence of a unit's description: what knocking it out does, with its numbers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hiddenlens.explain._ablation import Ablation

INTERVENTIONS = {"zero": "Knocking it out", "mean": "Holding it at its mean",
                 "resample": "Giving it other examples' values"}


def ablation_row(ab, layer: int, unit: int) -> int:
    """The row of `ab` that ablates `unit` of `layer` alone."""
    row = ab.row_of(unit) if isinstance(ab, Ablation) and ab.layer == layer else None
    if row is None:
        got = (f"an ablation of layer {ab.layer} with {len(ab.groups)} rows"
               if isinstance(ab, Ablation) else repr(ab))
        raise ValueError(f"`ablation` must be ablate(net, X, y, {layer}) with unit {unit} "
                         f"alone among its rows. Got {got} instead.")
    return row


def in_points(scoring: str) -> bool:
    """Whether a score is a fraction said in points (x 100): accuracy and balanced accuracy."""
    return scoring in ("accuracy", "balanced_accuracy")


def score_amount(scoring: str, v: float) -> str:
    """A score or a change of it as said: "4.1" (points) for accuracies, "0.0123" otherwise."""
    return f"{100 * v:.1f}" if in_points(scoring) else f"{v:.3g}"


def causal_sentence(ab: Ablation, row: int, class_label: Callable) -> tuple[str, dict]:
    """"Knocking it out lowers accuracy on 7s by 4.1 points (overall 0.6).", and its numbers.

    Accuracies are fractions, said in points (x 100); other scores as they are. `class_label`
    names a class in the plural ("7s").
    """
    unit = " points" if in_points(ab.scoring) else ""

    def amount(v: float) -> str:
        return score_amount(ab.scoring, v)

    what = INTERVENTIONS.get(ab.value) if isinstance(ab.value, str) else None
    what = what or f"Setting it to {ab.value:g}"
    score = ab.scoring.replace("_", " ")
    drop = float(ab.drop[row])
    numbers = {"value": ab.value, "scoring": ab.scoring, "drop": drop,
               "loss_increase": float(ab.loss_increase[row]), "n_examples": ab.n_examples}
    if ab.per_class_drop is None:
        change = "lowers" if drop >= 0 else "raises"
        return f"{what} {change} {score} by {amount(abs(drop))}{unit}.", numbers
    per = ab.per_class_drop[row]
    c = int(np.nanargmax(per)) if np.isfinite(per).any() else 0
    numbers.update(per_class_drop=per, class_names=ab.class_names,
                   **{"class": c, "class_drop": float(per[c])})
    overall = f"overall {amount(drop)}" if drop >= 0 else f"overall it rises {amount(-drop)}"
    if per[c] > 0:
        return (f"{what} lowers {score} on {class_label(ab.class_names[c])} by "
                f"{amount(per[c])}{unit} ({overall})."), numbers
    return f"{what} lowers {score} on no class ({overall}).", numbers


def ablation_data(net, data, y):
    """(X, y) to ablate on: a Dataset's test examples (all of them without a test split),
    with its labels as `net` knows them (`net.classes_`)."""
    from hiddenlens._classes import dataset_labels
    from hiddenlens.data import Dataset

    if isinstance(data, Dataset):
        if len(data.X_test):
            return data.X_test, dataset_labels(net, data.y_test)
        return data.X, dataset_labels(net, data.y)
    if data is None or y is None:
        raise ValueError("`ablation`=True scores the network, so it needs labelled data: a "
                         "Dataset, or an array with `y`. Got no labels instead.")
    return data, y


def signed(v: float, digits: int = 2) -> str:
    """A number with a true minus sign ("−0.42"), as the report and the figures print it."""
    return f"{v:.{digits}f}".replace("-", "\u2212")


def selectivity_sentence(si) -> str:
    """"On this network a unit's class selectivity predicts its importance poorly: Spearman
    −0.42 (95% interval −0.58 to −0.24) over 100 units of layer 0; ...", from a
    `SelectivityImportance`."""
    n, score = len(si.selectivity), si.scoring.replace("_", " ")
    if not np.isfinite(si.rho):
        why = ("it has one unit" if n == 1 else f"the {n} units' selectivities or their "
               f"effects on {score} are all equal")
        return (f"On this network Spearman's rank correlation of class selectivity and "
                f"importance is undefined for layer {si.layer}: {why}, so there is nothing to "
                "rank.")
    strength = "poorly" if abs(si.rho) < 0.3 else "moderately" if abs(si.rho) < 0.6 else "well"
    low, high = si.interval
    if low > 0 or high < 0:
        sign = "more" if si.rho > 0 else "less"
        direction = f"the more selective a unit, the {sign} the network needs it"
    else:
        direction = "the interval holds zero, so not even the direction is certain"
    level = f"{100 * si.confidence_level:g}%"
    return (f"On this network a unit's class selectivity predicts its importance {strength}: "
            f"Spearman {signed(si.rho)} ({level} interval {signed(low)} to {signed(high)}) over "
            f"{n} units of layer {si.layer}; {direction}.")
