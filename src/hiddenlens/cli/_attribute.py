"""hiddenlens attribute / importance: which inputs drive a prediction, which features matter."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from hiddenlens.cli._app import DATA_HELP, FORCE_HELP, app, console, load_data_arg, load_model_arg

ATTRIBUTION_METHODS = ("ig", "saliency", "smoothgrad", "input-x-gradient", "occlusion")
IMPORTANCE_METHODS = ("permutation", "perturbation", "garson", "olden", "lek")
MAX_LEK_PANELS = 12


@app.command()
def attribute(
    model: str = typer.Argument(..., help="A model file."),
    method: str = typer.Option("ig", help="ig, saliency, smoothgrad, input-x-gradient or "
                                          "occlusion; several, comma-separated, side by side."),
    index: int = typer.Option(0, help="Which test example of --data to explain."),
    target: int = typer.Option(None, help="Class to explain (default: the predicted one)."),
    output: Path = typer.Option(..., "-o", "--output", help="Figure to write (.png/.svg/.pdf)."),
    data: str = typer.Option(None, "--data", help=DATA_HELP + " Default: the model's own."),
    steps: int = typer.Option(50, help="Integration steps of ig."),
    samples: int = typer.Option(50, help="Noisy copies for smoothgrad."),
    noise: float = typer.Option(0.15, help="Noise standard deviation for smoothgrad."),
    window: int = typer.Option(4, help="Occlusion window (square, pixels)."),
    stride: int = typer.Option(2, help="Occlusion stride (pixels)."),
    seed: int = typer.Option(0, help="Seeds smoothgrad's noise."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
):
    """Heat maps of which pixels raise or lower one class's logit for one image.

    Examples:

      hiddenlens attribute nielsen.safetensors --method ig --index 3 -o ig.png

      hiddenlens attribute nielsen.safetensors --method smoothgrad,ig --target 7 -o both.png
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hiddenlens._files import check_writable
    from hiddenlens.plot import AttributionDisplay, save_figure

    check_writable(output, force)
    methods = [m.strip() for m in method.split(",") if m.strip()]
    for m in methods:
        if m not in ATTRIBUTION_METHODS:
            raise ValueError(f"--method must be one of {', '.join(ATTRIBUTION_METHODS)}. "
                             f"Got {m!r} instead.")
    net = load_model_arg(model)
    ds = load_data_arg(data, net)
    if not 0 <= index < len(ds.X_test):
        raise ValueError(f"--index must be in 0..{len(ds.X_test) - 1} (the test examples of "
                         f"{ds.name}). Got {index} instead.")
    options = {"ig": {"steps": steps}, "smoothgrad": {"n_samples": samples, "noise": noise,
                                                      "random_state": seed},
               "occlusion": {"window": window, "stride": stride}}
    display = AttributionDisplay.from_model(net, ds.X_test[index], methods, target,
                                            method_options=options)
    save_figure(display.figure_, output, force)
    plt.close("all")
    console.print(f"Attributions of test example {index} (label {ds.y_test[index]}) by "
                  f"{', '.join(methods)} written to {output}")


@app.command()
def importance(
    model: str = typer.Argument(..., help="A model file."),
    method: str = typer.Option("permutation", help="permutation, perturbation, garson, olden "
                                                   "or lek."),
    output: Path = typer.Option(..., "-o", "--output", help="Figure to write (.png/.svg/.pdf)."),
    data: str = typer.Option(None, "--data", help=DATA_HELP + " Default: the model's own."),
    target: str = typer.Option(None, help="Label column of a CSV file."),
    json_out: Path = typer.Option(None, "--json", help="Also write the numbers as JSON."),
    repeats: int = typer.Option(5, help="Repeats of permutation / perturbation."),
    scoring: str = typer.Option(None, help="accuracy, balanced_accuracy, neg_log_loss, r2, "
                                           "neg_mean_squared_error, neg_mean_absolute_error."),
    noise: float = typer.Option(0.5, help="perturbation: noise half-width, fraction of range."),
    unit: int = typer.Option(0, "--output-unit", help="Output unit for garson, olden, lek."),
    feature: list[str] = typer.Option(None, help="lek: a feature to sweep (repeatable)."),
    hold: str = typer.Option("quantiles", help="lek: hold others at quantiles or kmeans."),
    top: int = typer.Option(20, help="Bars to show."),
    seed: int = typer.Option(0, help="random_state of permutation / perturbation / k-means."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
):
    """Rank the input features by importance and draw a bar chart (or Lek's profiles).

    Permutation and perturbation use the test split of --data; garson and olden read only the
    weights; lek sweeps each feature with the others held at quantiles or cluster centres.

    Examples:

      hiddenlens importance iris.safetensors --method permutation --json imp.json -o imp.png

      hiddenlens importance iris.safetensors --method lek --hold kmeans -o lek.png
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hiddenlens._files import atomic_write_text, check_writable
    from hiddenlens.plot import ImportanceDisplay, LekProfileDisplay, save_figure

    check_writable(output, force)
    if json_out is not None:
        check_writable(json_out, force)
    if method not in IMPORTANCE_METHODS:
        raise ValueError(f"--method must be one of {', '.join(IMPORTANCE_METHODS)}. "
                         f"Got {method!r} instead.")
    net = load_model_arg(model)
    if method == "lek":
        ds = load_data_arg(data, net, target)
        features = _lek_features(net, feature)
        display = LekProfileDisplay.from_model(net, ds.X_test, features, output=unit,
                                               hold=hold, random_state=seed)
        r = display.result
        numbers = {"method": "lek", "features": list(r.features), "groups": r.group_labels,
                   "grid": r.grid.tolist(), "held": r.held.tolist(),
                   "predictions": r.predictions[..., unit].tolist()}
    else:
        options = {}
        X = y = None
        if method in ("permutation", "perturbation"):
            ds = load_data_arg(data, net, target)
            X, y = ds.X_test, ds.y_test
            options = {"n_repeats": repeats, "scoring": scoring, "random_state": seed}
            if method == "perturbation":
                options["noise"] = noise
        display = ImportanceDisplay.from_model(net, X, y, method, output=unit, top=top,
                                               progress=True, **options)
        numbers = {"method": method, "features": display.names,
                   "importances_mean": display.importances.tolist(),
                   "importances_std": None if display.std is None else display.std.tolist()}
    save_figure(display.figure_, output, force)
    plt.close("all")
    if json_out is not None:
        atomic_write_text(json_out, json.dumps(numbers, indent=1) + "\n", force)
    console.print(_summary(numbers, output, json_out))


def _lek_features(net, feature):
    if feature:
        return [int(f) if f.isdigit() else f for f in feature]
    if net.n_inputs > MAX_LEK_PANELS:
        raise ValueError(
            f"lek draws one panel per feature and this network has {net.n_inputs} inputs; "
            f"choose up to {MAX_LEK_PANELS} with --feature."
        )
    return None


def _summary(numbers: dict, output: Path, json_out: Path | None) -> str:
    text = f"{numbers['method']} written to {output}" + (f" and {json_out}" if json_out else "")
    if "importances_mean" in numbers:
        pairs = sorted(zip(numbers["importances_mean"], numbers["features"]),
                       key=lambda p: -abs(p[0]))[:5]
        text = "Most important: " + ", ".join(f"{n} ({v:+.4f})" for v, n in pairs) + "\n" + text
    return text
