"""Which importance bars to trust: deletion and insertion over features for tabular nets.

Each importance method gives one number per feature (or group); deleting the features in
that order (replaced by their mean over X, or a baseline) should lower each example's score
faster than a random order, and inserting them back should raise it faster. The curves are
`deletion_curve` / `insertion_curve`; the table is `evaluate_attributions`'s.
"""

from __future__ import annotations

import numpy as np

from hiddenlens._classes import label_indices
from hiddenlens.explain._deletion import deletion_curve, insertion_curve
from hiddenlens.explain._groups import check_groups
from hiddenlens.explain._permutation import permutation_importance
from hiddenlens.explain._perturbation import perturbation_importance
from hiddenlens.explain._progressive import check_score
from hiddenlens.explain._tabular_importance import garson, olden
from hiddenlens.explain._trust import TrustReport, _model_label, _table
from hiddenlens.explain._trust_checks import output_units
from hiddenlens.net import DenseNet

IMPORTANCE_METHODS = ("permutation", "perturbation", "garson", "olden")


def evaluate_importances(
    net: DenseNet, X, y, *, methods=None, groups=None, baseline="mean",
    features_in_step: int = 1, random_state=0,
) -> TrustReport:
    """Rank feature-importance methods by deletion and insertion over features.

    Parameters
    ----------
    net : DenseNet
        A tabular model; an image model needs `groups` (e.g. ``image_patches``).
    X : array of shape (n, n_inputs)
    y : array of shape (n,)
        Labels: the importances are scored on them, and each example's curve reads its
        class (the output of a regressor).
    methods : sequence of str, optional
        Any of "permutation" (`permutation_importance`), "perturbation" (the seed's noise
        bump, `perturbation_importance`), "garson", "olden". Default: all that apply
        (Garson needs exactly one hidden layer).
    groups : sequence or dict of column sets, optional
        Score and delete sets of columns together.
    baseline : "mean", "black", "white", float or array, default="mean"
        What a deleted feature becomes (see `deletion_curve`); "mean" is its mean over X.
    features_in_step : int, default=1
    random_state : int, default=0
        Seeds the importances' draws and the random-order reference.

    Returns
    -------
    TrustReport
        `attributions` holds each method's importances, (n_groups,) or (n_outputs,
        n_groups) for Garson and Olden (the row of each example's class is used).

    Notes
    -----
    Garson and Olden are signed (Olden) or per-output weight products of the raw
    standardised network; deletion orders by the signed value, most positive first.
    """
    if net.image_shape is not None and groups is None:
        raise ValueError(
            f"evaluate_importances deletes tabular features, but this {net.describe_sizes()} "
            "network is an image model; pass groups= (e.g. image_patches(net.image_shape)) "
            "to delete patches, or use evaluate_attributions for pixel maps."
        )
    X = net.tensor(X)
    y = np.asarray(y)
    # the model's labels (`net.classes_`) -> the output units scored; a regressor's one
    target = label_indices(net, y) if net.task == "classification" else 0
    units = output_units(net, X, target).numpy()
    methods, skipped = _methods(net, methods)
    _, names = check_groups(net, groups)
    report = TrustReport(None, settings={"n_examples": len(X), "baseline": baseline,
                                         "metrics": ["deletion", "insertion"],
                                         "skipped": skipped, "image_shape": None,
                                         "feature_names": names,
                                         "class_names": list(net.class_names or []) or None,
                                         "score": check_score(net, None),
                                         "model": _model_label(net)})
    for name in methods:
        imp = _importance(name, net, X, y, groups, random_state)
        report.attributions[name] = imp
        per_example = imp[units] if imp.ndim == 2 else np.broadcast_to(imp, (len(X), len(imp)))
        report.curves[name] = {
            kind: f(net, X, units, per_example, features_in_step=features_in_step,
                    baseline=baseline, groups=groups, random_state=random_state)
            for kind, f in (("deletion", deletion_curve), ("insertion", insertion_curve))}
    report.table = _table(report, ["deletion", "insertion"])
    return report


def _methods(net: DenseNet, methods) -> tuple[list[str], dict]:
    if methods is None:
        if net.n_layers == 2:
            return list(IMPORTANCE_METHODS), {}
        return [m for m in IMPORTANCE_METHODS if m != "garson"], {
            "garson": "it needs exactly one hidden layer"}
    methods = [methods] if isinstance(methods, str) else list(methods)
    for m in methods:
        if m not in IMPORTANCE_METHODS:
            raise ValueError(f"`methods` must name importance methods among "
                             f"{', '.join(map(repr, IMPORTANCE_METHODS))}. Got {m!r} instead.")
    return methods, {}


def _importance(name: str, net: DenseNet, X, y, groups, random_state) -> np.ndarray:
    """(n_groups,) or (n_outputs, n_groups) importances."""
    if name == "permutation":
        return permutation_importance(net, X, y, groups=groups,
                                      random_state=random_state).importances_mean
    if name == "perturbation":
        return perturbation_importance(net, X, y, groups=groups,
                                       random_state=random_state).importances_mean
    weights = garson(net) if name == "garson" else olden(net)  # (n_outputs, n_inputs)
    if groups is None:
        return weights
    cols, _ = check_groups(net, groups)
    return np.stack([weights[:, c].sum(1) for c in cols], axis=1)
