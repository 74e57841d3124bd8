"""Which picture to trust: every attribution method scored by every metric, in one table.

For each method the attributions of X for its labels y are computed once, then each metric
reads them: deletion and insertion curves against a random order (`_deletion`), faithfulness
correlation (`_faithfulness`), infidelity and max-sensitivity (`_robustness`), and the
sanity checks (`_randomization`: the weights randomized from the output down, and a copy
trained on permuted labels; the copies are made once and shared by every method).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hiddenlens._classes import label_indices
from hiddenlens._progress import progress_bar
from hiddenlens.explain._deletion import _curve
from hiddenlens.explain._faithfulness import faithfulness_correlation
from hiddenlens.explain._randomization import compare_copies, model_copies
from hiddenlens.explain._robustness import infidelity, max_sensitivity
from hiddenlens.explain._trust_checks import interval, output_units, rng_of
from hiddenlens.explain._trust_methods import IMAGE_ONLY, METHODS, attribution_method, explain
from hiddenlens.net import DenseNet

METRICS = ("deletion", "insertion", "faithfulness_correlation", "infidelity",
           "max_sensitivity", "randomization", "label_randomization")
SENSITIVITY_EXAMPLES = 100


@dataclass
class TrustReport:
    """Every method scored by every metric.

    Attributes
    ----------
    table : DataFrame
        One row per method: each metric's mean over examples with its 95% interval, the
        random-order references, the sanity checks, a `rank` (1 = deletes the score fastest
        relative to random order) and a `verdict` in words.
    attributions : dict of str -> ndarray of shape (n, n_inputs)
    curves : dict of str -> dict of {"deletion", "insertion"} -> DeletionCurve
    values : dict of str -> dict of metric -> ndarray of shape (n,)
        Per-example faithfulness correlation, infidelity and max-sensitivity.
    checks : dict of str -> dict of {"randomization", "label_randomization"} ->
        RandomizationCheck
    settings : dict
        What was run: examples, baseline, metrics, and metrics skipped with the reason.
    """

    table: pd.DataFrame
    attributions: dict = field(repr=False, default_factory=dict)
    curves: dict = field(repr=False, default_factory=dict)
    values: dict = field(repr=False, default_factory=dict)
    checks: dict = field(repr=False, default_factory=dict)
    settings: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def evaluate_attributions(
    net: DenseNet, X, y, *, methods=None, metrics=None, baseline=None, data=None,
    random_state=0, progress: bool = False,
) -> TrustReport:
    """Score attribution methods on X with every trust metric; one row per method.

    Parameters
    ----------
    net : DenseNet
    X : array of shape (n, n_inputs)
    y : array of n class labels
        The classes explained and scored, as the model knows them (`net.classes_`).
    methods : sequence of str or callable, optional
        Names (saliency, input_x_gradient, smoothgrad, integrated_gradients, occlusion) or
        callables ``f(net, X, target)``. Default: all five (occlusion only for images).
    metrics : sequence of str, optional
        Any of METRICS. Default: all; label_randomization only when the training data is
        known (`data`, or the data set the net records).
    baseline : optional
        What deletion/insertion replace features by; default "black" for images, "mean"
        (each feature's mean over X) for tabular data.
    data : Dataset or str, optional
        Training data for label_randomization.
    random_state : int, default=0
        Seeds random orders, subsets, perturbations, SmoothGrad and the randomized copies.
    progress : bool, default=False

    Returns
    -------
    TrustReport

    Notes
    -----
    Images use Quantus's and Captum's defaults: deletion/insertion one pixel per step, a
    "black" baseline, faithfulness correlation over 100 subsets of 224 pixels, infidelity
    over 10 removed 4x4 squares (attributions rescaled by the best beta, Captum's
    normalize=True, so methods on different scales compare), max-sensitivity over 10 uniform
    deltas of radius 0.02 on the first 100 examples (it explains 10 copies of each).
    Tabular data scales the perturbations by each feature's standard deviation over X:
    infidelity noise 0.1 sd, max-sensitivity radius 0.02 sd, subsets of 2/7 of the features.
    """
    X = net.tensor(X)
    units = output_units(net, X, _check_labels(net, y, len(X)))
    metrics = _check_metrics(metrics)
    image = net.image_shape is not None
    methods = list(methods) if methods is not None else [
        m for m in METHODS if image or m not in IMAGE_ONLY]
    named = [attribution_method(m, random_state) for m in methods]  # fails fast on a bad name
    settings = {"n_examples": len(X), "sensitivity_examples": min(len(X), SENSITIVITY_EXAMPLES),
                "baseline": baseline or ("black" if image else "mean"),
                "metrics": list(metrics), "skipped": {}}
    if "label_randomization" in metrics and data is None and net.data_name is None:
        settings["skipped"]["label_randomization"] = ("the network records no training data; "
                                                     "pass data= to run it")
        metrics = [m for m in metrics if m != "label_randomization"]
    report = TrustReport(pd.DataFrame(), settings=settings)
    copies = _copies(net, metrics, data, random_state)
    with progress_bar(progress, len(named) * (len(metrics) + 1), "trust metrics") as advance:
        for (name, fn), method in zip(named, methods):
            a = explain(fn, name, net, X, units)
            report.attributions[name] = a
            advance()
            for metric in metrics:
                _run(report, metric, net, X, units, name, method, a, copies, settings,
                     random_state)
                advance()
    report.table = _table(report, metrics)
    return report


def _check_labels(net: DenseNet, y, n: int) -> np.ndarray:
    """Class indices (n,) of the labels `y` (`net.classes_`): the output units explained."""
    y = np.asarray(y)
    if y.shape[:1] != (n,):
        raise ValueError(f"`y` must hold one class label per example ({n}). Got shape "
                         f"{y.shape} instead.")
    return label_indices(net, y)


def _check_metrics(metrics) -> list[str]:
    if metrics is None:
        return list(METRICS)
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    for m in metrics:
        if m not in METRICS:
            raise ValueError(f"`metrics` must name metrics among {', '.join(map(repr, METRICS))}"
                             f". Got {m!r} instead.")
    return metrics


def _copies(net, metrics, data, random_state) -> dict:
    """The randomized copies each sanity check compares against, made once."""
    out = {}
    if "randomization" in metrics:
        out["randomization"] = model_copies(net, "cascading", random_state)
    if "label_randomization" in metrics:
        out["label_randomization"] = model_copies(net, "labels", random_state, data)
    return out


def _run(report, metric, net, X, units, name, method, a, copies, settings, random_state):
    """Compute one metric for one method into the report."""
    image = net.image_shape is not None
    if metric in ("deletion", "insertion"):
        # every method's random-order reference is the same: computed for the first only
        earlier = next((c[metric] for c in report.curves.values() if metric in c), None)
        report.curves.setdefault(name, {})[metric] = _curve(
            metric, net, X, units, a, 1, settings["baseline"], None, None, False,
            random_state, None if earlier is None else earlier.random_scores)
    elif metric in copies:
        mode = "cascading" if metric == "randomization" else "labels"
        labelled, extra = copies[metric]
        report.checks.setdefault(name, {})[metric] = compare_copies(
            net, X, units, method, labelled, mode=mode, extra=extra,
            random_state=random_state, a0=a)
    else:
        report.values.setdefault(name, {})[metric] = _value(metric, net, X, units, method, a,
                                                            image, random_state)


def _value(metric, net, X, units, method, a, image, random_state) -> np.ndarray:
    n, d = X.shape
    sd = X.double().std(0).numpy() if n > 1 else np.ones(d)
    rng = rng_of(random_state)
    if metric == "faithfulness_correlation":
        size = 224 if d > 448 else max(1, d * 2 // 7)
        return faithfulness_correlation(net, X, units, a, subset_size=size,
                                        random_state=random_state)
    if metric == "infidelity":
        if image:
            return infidelity(net, X, units, a, perturbation="square", rescale=True,
                              random_state=random_state)
        return infidelity(net, X, units, a, perturbations=rng.normal(size=(n, 10, d)) * 0.1 * sd,
                          rescale=True)
    m = min(n, SENSITIVITY_EXAMPLES)  # it explains 10 perturbed copies of each example
    if image:
        return max_sensitivity(net, X[:m], units[:m], method, random_state=random_state)
    delta = rng.uniform(-1, 1, (m, 10, d)) * 0.02 * sd
    return max_sensitivity(net, X[:m], units[:m], method, perturbations=delta,
                           random_state=random_state)


def _table(report: TrustReport, metrics: list[str]) -> pd.DataFrame:
    rows = []
    for name in report.attributions:
        row = {"method": name}
        for kind, curve in report.curves.get(name, {}).items():
            s = curve.summary()
            row.update({f"{kind}_auc": s["auc"], f"{kind}_auc_low": s["auc_low"],
                        f"{kind}_auc_high": s["auc_high"], f"{kind}_random_auc": s["random_auc"],
                        f"{kind}_gain": s["gain"], f"{kind}_beats_random": s["beats_random"]})
        for metric, v in report.values.get(name, {}).items():
            row[metric], row[f"{metric}_low"], row[f"{metric}_high"] = interval(v)
        for metric, check in report.checks.get(name, {}).items():
            key = "weights" if metric == "randomization" else "labels"
            row[f"{key}_similarity"] = float(np.max(check.similarity[1:]))
            row[f"changes_with_{key}"] = check.passed
        rows.append(row)
    table = pd.DataFrame(rows)
    gain = next((f"{k}_gain" for k in ("deletion", "insertion") if f"{k}_gain" in table), None)
    if gain is not None:
        table["rank"] = table[gain].rank(ascending=False, method="min").astype(int)
    table["verdict"] = [_verdict(r) for r in table.to_dict("records")]
    return table


def _verdict(row: dict) -> str:
    """The row in words: faithfulness against random order, then the sanity checks."""
    parts = []
    if row.get("rank") == 1:
        parts.append("most faithful")
    for kind, verb in (("deletion", "deletes the score"), ("insertion", "restores the score")):
        if f"{kind}_beats_random" in row:
            parts.append(f"{verb} faster than random order" if row[f"{kind}_beats_random"]
                         else "no better than random order")
            break
    for key in ("weights", "labels"):
        if f"changes_with_{key}" in row:
            parts.append(f"changes with the {key}" if row[f"changes_with_{key}"]
                         else f"barely changes with the {key}")
    return "; ".join(parts)
