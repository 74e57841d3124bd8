"""hiddenlens trust / experiment importance-recovery: which picture (or bar) to trust."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from hiddenlens.cli._app import (
    DATA_HELP,
    FORCE_HELP,
    TARGET_COLUMN_HELP,
    app,
    console,
    load_data_arg,
    load_model_arg,
)
from hiddenlens.cli._experiment import experiment_app

METRICS = ("deletion", "insertion", "faithfulness_correlation", "infidelity",
           "max_sensitivity", "randomization", "label_randomization")
MAX_NETS, MAX_ROWS, MAX_EPOCHS = 1000, 100_000, 10_000  # importance-recovery's bounds
DEFAULT_N = 500  # test examples `trust` scores
MAX_THREADS = 256


def _names(text: str | None, flag: str, known: tuple[str, ...]) -> list[str] | None:
    """A comma-separated flag as a list of known names (dashes and underscores alike)."""
    if text is None:
        return None
    names = [t.strip() for t in text.split(",") if t.strip()]
    spelled = {k.replace("_", "-"): k for k in known}
    out = []
    for name in names or [text]:
        key = name.replace("_", "-")
        if key not in spelled:
            raise ValueError(f"{flag} must be a comma-separated list of {', '.join(known)}. "
                             f"Got {name!r} instead.")
        out.append(spelled[key])
    return out


def _methods(text: str | None) -> tuple[list[str] | None, bool]:
    """(--methods as names or None, whether they are importance methods)."""
    if text is None:
        return None, False
    from hiddenlens.explain import methods  # the one registry of method names

    attribution, importance = tuple(methods("attribution")), tuple(methods("importance"))
    names = _names(text, "--methods", attribution + importance)
    kinds = {name in importance for name in names}
    if len(kinds) > 1:
        raise ValueError(f"--methods must name attribution methods ({', '.join(attribution)}) "
                         f"or importance methods ({', '.join(importance)}), not both. Got "
                         f"{text!r} instead.")
    return names, kinds.pop()


def _rows(ds, n: int | None) -> int:
    total = len(ds.X_test)
    if n is None:
        return min(DEFAULT_N, total)
    if isinstance(n, bool) or not 1 <= n <= total:
        raise ValueError(f"--n must be in 1..{total} (the test examples of {ds.name}). Got {n} "
                         "instead.")
    return n


def _in_range(value: int, flag: str, low: int, high: int) -> int:
    """A count flag bounded before anything is allocated or trained."""
    if not low <= value <= high:
        raise ValueError(f"{flag} must be in {low}..{high}. Got {value} instead.")
    return value


def _none_for_nan(value):
    import math

    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _none_for_nan(value.item())
    return value


def trust_numbers(report, model: str, data: str) -> dict:
    """A TrustReport as JSON: the table, the summary, each method's mean curves and checks."""
    table = [{k: _none_for_nan(v) for k, v in row.items()}
             for row in report.table.to_dict("records")]
    curves = {m: {kind: {"fractions": c.fractions.round(6).tolist(),
                         "mean_score": c.scores.mean(0).round(6).tolist(),
                         "random_mean_score": c.random_scores.mean(0).round(6).tolist(),
                         "auc": float(c.auc.mean()), "random_auc": float(c.random_auc.mean())}
                  for kind, c in kinds.items()} for m, kinds in report.curves.items()}
    checks = {m: {metric: {"steps": c.steps, "similarity": [_none_for_nan(float(v))
                                                            for v in c.similarity],
                           "threshold": c.threshold, "passed": c.passed}
                  for metric, c in kinds.items()} for m, kinds in report.checks.items()}
    settings = {k: (list(v) if isinstance(v, tuple) else v)
                for k, v in report.settings.items()}
    return {"model": model, "data": data, "settings": settings, "table": table,
            "summary": report.summary(), "curves": curves, "checks": checks}


def _print_table(report) -> None:
    """The table as plain columns (any terminal width): one line per method."""
    t = report.table
    columns = [("deletion AUC", "deletion_auc"), ("random", "deletion_random_auc"),
               ("insertion AUC", "insertion_auc"), ("random", "insertion_random_auc"),
               ("faithfulness", "faithfulness_correlation"), ("infidelity", "infidelity"),
               ("max-sens.", "max_sensitivity"), ("rank", "rank")]
    columns = [(h, c) for h, c in columns if c in t]
    width = max(len("method"), *(len(m) for m in t["method"]))
    lines = ["  ".join([f"{'method':<{width}}"] + [f"{h:>{len(h)}}" for h, _ in columns] +
                       (["sanity checks (largest rank correlation)"] if report.checks else []))]
    for row in t.to_dict("records"):
        cells = [f"{row['method']:<{width}}"]
        for h, c in columns:
            cells.append(f"{int(row[c]):>{len(h)}}" if c == "rank" else f"{row[c]:>{len(h)}.3f}")
        checks = report.checks.get(row["method"], {})
        if report.checks:
            cells.append("; ".join(
                f"{'weights' if m == 'randomization' else 'labels'}: "
                f"{'pass' if c.passed else 'fail'} ({max(c.similarity[1:]):.2f})"
                for m, c in checks.items()) or "-")
        lines.append("  ".join(cells))
    console.print("\n".join(lines), highlight=False, soft_wrap=True)


@app.command()
def trust(
    model: str = typer.Argument(..., help="A model file."),
    output: Path = typer.Option(..., "-o", "--output", help="Figure to write (.png/.svg/.pdf)."),
    methods: str = typer.Option(
        None, "--methods", help="Comma-separated attribution methods (ig, saliency, smoothgrad, "
        "input-x-gradient, occlusion; default: all that apply) or importance methods "
        "(permutation, perturbation, garson, olden) for a tabular model."),
    metrics: str = typer.Option(
        None, "--metrics", help="Comma-separated metrics: deletion, insertion, "
        "faithfulness_correlation, infidelity, max_sensitivity, randomization, "
        "label_randomization (default: all; importance methods: deletion, insertion)."),
    n: int = typer.Option(None, "--n", help="Test examples scored, the first n of --data "
                                            "(default: 500, or all when fewer)."),
    json_out: Path = typer.Option(None, "--json", help="Also write the table, the curves and "
                                                       "the checks as JSON."),
    random_state: int = typer.Option(0, "--random-state",
                                     help="Random orders, subsets, perturbations, SmoothGrad's "
                                          "noise and the randomized copies."),
    data: str = typer.Option(None, "--data", help=DATA_HELP + " Default: the model's own."),
    target_column: str = typer.Option(None, "--target-column", help=TARGET_COLUMN_HELP),
    threads: int = typer.Option(1, "--threads", help="Torch and BLAS threads while the "
                                "attribution metrics run (one is fastest on shared cores)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
):
    """Which attribution map to trust on this network: every method scored by deletion and
    insertion against a random order, faithfulness correlation, infidelity, max-sensitivity
    and the sanity checks (randomized weights, permuted labels), in one table and figure.

    Examples:

      hiddenlens trust nielsen.safetensors -o trust.png

      hiddenlens trust nielsen.safetensors --methods ig,smoothgrad --n 200 --json t.json -o t.png

      hiddenlens trust iris.safetensors --methods permutation,olden -o iris-trust.png
    """
    from hiddenlens._files import atomic_write_text, check_writable

    if output.suffix.lower() not in (".png", ".svg", ".pdf"):  # before minutes of work
        raise ValueError(f"Figures are written as .png, .svg or .pdf. Got {output} instead.")
    check_writable(output, force)
    if json_out is not None:
        check_writable(json_out, force)
    chosen, importance = _methods(methods)
    _in_range(threads, "--threads", 1, MAX_THREADS)
    chosen_metrics = _names(metrics, "--metrics", METRICS)
    if importance and chosen_metrics and set(chosen_metrics) - {"deletion", "insertion"}:
        raise ValueError("--metrics must be deletion and/or insertion for importance methods "
                         f"(one number per feature, not per example). Got {metrics!r} "
                         "instead.")
    net = load_model_arg(model)
    ds = load_data_arg(data, net, target_column)
    n = _rows(ds, n)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hiddenlens._classes import dataset_labels
    from hiddenlens.explain import evaluate_attributions, evaluate_importances
    from hiddenlens.plot import save_figure
    from hiddenlens.plot._importance_trust import ImportanceTrustDisplay
    from hiddenlens.plot._trust import AttributionTrustDisplay

    X, y = ds.X_test[:n], dataset_labels(net, ds.y_test[:n])  # the model's labels
    if importance:
        report = evaluate_importances(net, X, y, methods=chosen, random_state=random_state)
        view = ImportanceTrustDisplay.from_result(report)
    else:
        report = evaluate_attributions(net, X, y, methods=chosen, metrics=chosen_metrics,
                                       data=ds, random_state=random_state, progress=True,
                                       threads=threads)
        view = AttributionTrustDisplay.from_result(report)
    save_figure(view.figure_, output, overwrite=force)
    plt.close("all")
    if json_out is not None:
        numbers = trust_numbers(report, model, ds.name)
        atomic_write_text(json_out, json.dumps(numbers, indent=1) + "\n", force)
    _print_table(report)
    console.print(report.summary(), highlight=False, soft_wrap=True)
    for metric, why in report.settings.get("skipped", {}).items():
        console.print(f"{metric} was not run: {why}.", highlight=False, soft_wrap=True)
    console.print(f"Figure written to {output}" + (f" and numbers to {json_out}"
                                                   if json_out else ""), soft_wrap=True)


@experiment_app.command("importance-recovery")
def importance_recovery(
    output: Path = typer.Option(Path("."), "-o", "--output",
                                help="Folder for importance-recovery.png and .json."),
    n_nets: int = typer.Option(20, "--n-nets", help="Networks, each on its own simulated "
                                                    "data set."),
    n_rows: int = typer.Option(50, "--n-rows", help="Rows of each simulated data set."),
    epochs: int = typer.Option(100, help="Training epochs of each network."),
    random_state: int = typer.Option(0, "--random-state", help="The data, the initial weights "
                                     "and the shuffling: the same number, the same result."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
    fmt: str = typer.Option("png", "--format", help="png or svg."),
):
    """Olden, Joy & Death (2004) again: do the importance methods recover the true ranking of
    simulated predictors? Trains --n-nets small networks and scores each method.

    Example:  hiddenlens experiment importance-recovery -o results
    """
    from hiddenlens._files import atomic_write_text, check_writable
    from hiddenlens._validation import check_choice

    check_choice(fmt, "--format", ("png", "svg"))
    _in_range(n_nets, "--n-nets", 1, MAX_NETS)
    _in_range(n_rows, "--n-rows", 8, MAX_ROWS)
    _in_range(epochs, "--epochs", 1, MAX_EPOCHS)
    output.mkdir(parents=True, exist_ok=True)
    figure, numbers = output / f"importance-recovery.{fmt}", output / "importance-recovery.json"
    for path in (figure, numbers):
        check_writable(path, force)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hiddenlens._recovery import experiment_importance_recovery
    from hiddenlens.plot import ExperimentDisplay, save_figure

    result = experiment_importance_recovery(n_nets=n_nets, n_rows=n_rows, epochs=epochs,
                                            random_state=random_state, progress=True)
    display = ExperimentDisplay.from_result(result)
    save_figure(display.figure_, figure, overwrite=force)
    plt.close(display.figure_)
    summary = result.to_frame()
    out = result.to_dict()
    out["summary"] = summary.round(6).to_dict("records")
    atomic_write_text(numbers, json.dumps(out) + "\n", force)
    best = summary.iloc[0]
    console.print(f"importance-recovery: {len(result.accuracies)} networks; best agreement "
                  f"with the true ranking: {best['method']} (Spearman {best['spearman']:.2f}); "
                  f"Olden et al. 2004 reported 0.92 for the connection weights (olden).\n"
                  f"  {figure}\n  {numbers}", highlight=False, soft_wrap=True)
