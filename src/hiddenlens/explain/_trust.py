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
from hiddenlens._threads import blas_threads, torch_threads
from hiddenlens.explain._deletion import _curve
from hiddenlens.explain._faithfulness import _faithfulness_correlation
from hiddenlens.explain._progressive import check_score
from hiddenlens.explain._randomization import compare_copies, model_copies
from hiddenlens.explain._robustness import _infidelity_of, max_sensitivity
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
        random-order references, the sanity checks, `zero_share` (the share of attributions
        that are exactly 0: ties for the rank correlation), a `rank` (1 = deletes the score
        fastest relative to random order) and a `verdict` in words.
    attributions : dict of str -> ndarray of shape (n, n_inputs)
    curves : dict of str -> dict of {"deletion", "insertion"} -> DeletionCurve
    values : dict of str -> dict of metric -> ndarray of shape (n,)
        Per-example faithfulness correlation, infidelity and max-sensitivity.
    checks : dict of str -> dict of {"randomization", "label_randomization"} ->
        RandomizationCheck
    settings : dict
        What was run: examples, baseline, metrics, and metrics skipped with the reason; the
        model's sizes, image_shape or feature_names, the score read, and `black_share` (the
        share of inputs at their example's smallest value, "black" on digits).
    """

    table: pd.DataFrame
    attributions: dict = field(repr=False, default_factory=dict)
    curves: dict = field(repr=False, default_factory=dict)
    values: dict = field(repr=False, default_factory=dict)
    checks: dict = field(repr=False, default_factory=dict)
    settings: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        """What the table means on this network, in words with their numbers: the most
        faithful method, which pass the sanity checks, and why a method fails them when its
        maps are 0 wherever the input is (black pixels)."""
        from hiddenlens.explain._describe_trust import trust_summary

        return trust_summary(self)


def evaluate_attributions(
    net: DenseNet, X, y, *, methods=None, metrics=None, baseline=None, data=None,
    random_state=0, progress: bool = False, threads: int | None = 1,
) -> TrustReport:
    """Score attribution methods on X with every trust metric; one row per method.

    Parameters
    ----------
    net : DenseNet
    X : array of shape (n, n_inputs)
    y : array of n class labels
        The classes explained and scored, as the model knows them (`net.classes_`).
        A regressor's (or a single sigmoid unit's) one output is explained whatever `y`
        holds.
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
    threads : int or None, default=1
        Torch and BLAS threads while the metrics run. Their products are small (a step's
        changed rows through a dense chain), and one thread is fastest where the cores are
        shared: several threads per pool, and two pools (torch's, numpy's) that spin while
        waiting, slow each other down. None keeps the current settings.

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
    with torch_threads(threads), blas_threads(threads):
        return _evaluate(net, X, y, methods, metrics, baseline, data, random_state, progress)


def _evaluate(net, X, y, methods, metrics, baseline, data, random_state, progress):
    X = net.tensor(X)
    if net.task == "classification" and net.n_outputs > 1:
        target = _check_labels(net, y, len(X))
    else:  # a regressor's (or one sigmoid unit's) one output
        target = 0
    units = output_units(net, X, target)
    metrics = _check_metrics(metrics)
    image = net.image_shape is not None
    methods = list(methods) if methods is not None else [
        m for m in METHODS if image or m not in IMAGE_ONLY]
    named = [attribution_method(m, random_state) for m in methods]  # fails fast on a bad name
    x = X.numpy()
    settings = {"n_examples": len(X), "sensitivity_examples": min(len(X), SENSITIVITY_EXAMPLES),
                "baseline": baseline or ("black" if image else "mean"),
                "metrics": list(metrics), "skipped": {},
                "image_shape": tuple(net.image_shape) if image else None,
                "feature_names": None if image else list(net.feature_names or []) or None,
                "score": check_score(net, None),
                # the share of inputs at each example's smallest value ("black" on digits)
                "black_share": float(np.mean(x == x.min(1, keepdims=True))) if len(x) else 0.0,
                "model": _model_label(net)}
    if "label_randomization" in metrics and data is None and net.data_name is None:
        settings["skipped"]["label_randomization"] = ("the network records no training data; "
                                                     "pass data= to run it")
        metrics = [m for m in metrics if m != "label_randomization"]
    report = TrustReport(pd.DataFrame(), settings=settings)
    copies = _copies(net, metrics, data, random_state)
    shared = {}  # what every method's metric reads alike: perturbed scores, computed once
    with progress_bar(progress, len(named) * (len(metrics) + 1), "trust metrics") as advance:
        for (name, fn), method in zip(named, methods):
            a = explain(fn, name, net, X, units)
            report.attributions[name] = a
            advance()
            for metric in metrics:
                _run(report, metric, net, X, units, name, method, a, copies, settings,
                     random_state, shared)
                advance()
    report.table = _table(report, metrics)
    return report


def _model_label(net: DenseNet) -> str:
    """"784-100-10 sigmoid net on mnist-embedded", for titles."""
    act = net.activation
    act = "/".join(act) if isinstance(act, list) else (act or "")
    return (f"{net.describe_sizes()} {act} net".replace("  ", " ") +
            (f" on {net.data_name}" if net.data_name else ""))


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


def _run(report, metric, net, X, units, name, method, a, copies, settings, random_state,
         shared):
    """Compute one metric for one method into the report; `shared` keeps what does not
    depend on the method (the random-order curves, faithfulness correlation's score drops,
    infidelity's perturbed scores) from the first method for the others."""
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
                                                            image, random_state, shared)


def _value(metric, net, X, units, method, a, image, random_state, shared) -> np.ndarray:
    n, d = X.shape
    sd = X.double().std(0).numpy() if n > 1 else np.ones(d)
    rng = rng_of(random_state)
    if metric == "faithfulness_correlation":
        size = 224 if d > 448 else max(1, d * 2 // 7)
        v, shared[metric] = _faithfulness_correlation(
            net, X, units, a, 100, size, "black", None, None, True, False, random_state,
            shared.get(metric))
        return v
    if metric == "infidelity":
        if image:
            I, kind = None, "square"
        else:
            I = None if metric in shared else rng.normal(size=(n, 10, d)) * 0.1 * sd
            kind = None
        v, shared[metric] = _infidelity_of(net, X, units, a, I, kind, 10, 0.1, 4, True,
                                           "logit", random_state, shared.get(metric))
        return v
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
        a = report.attributions[name]
        row["zero_share"] = float(np.mean(a == 0)) if a.size else np.nan  # exact zeros: ties
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
