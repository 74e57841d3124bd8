"""hiddenlens attribute / importance: which inputs drive a prediction, which features matter."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.core import TyperCommand

from hiddenlens.cli._app import (
    DATA_HELP,
    FORCE_HELP,
    TARGET_COLUMN_HELP,
    app,
    console,
    load_data_arg,
    load_model_arg,
)

MAX_LEK_PANELS = 12
ATTRIBUTION = ("attribution",)
IMPORTANCE = ("importance", "profile")


class _MethodsHelp(TyperCommand):
    """A command whose --method help lists the methods of `kinds` from the one registry
    (hiddenlens.explain.methods), read only when the help is shown: `hiddenlens --help` and
    every other command stay free of torch."""

    kinds: tuple[str, ...] = ()

    def format_help(self, ctx, formatter) -> None:
        from hiddenlens.explain import methods_help

        for param in self.params:
            if param.name == "method":
                base = getattr(param, "base_help", None) or param.help or ""
                param.base_help = base
                listed = "; ".join(methods_help(self.kinds).splitlines())
                param.help = f"{base} One of: {listed}."
        return super().format_help(ctx, formatter)


def _listing(kinds: tuple[str, ...]) -> type:
    return type("MethodsHelp", (_MethodsHelp,), {"kinds": kinds})


def _check_method(name: str, kinds: tuple[str, ...]) -> str:
    from hiddenlens.explain import methods

    known = methods(kinds)
    if name not in known:
        raise ValueError(f"--method must be one of {', '.join(known)}. Got {name!r} instead.")
    return name


@app.command(cls=_listing(ATTRIBUTION))
def attribute(
    model: str = typer.Argument(..., help="A model file."),
    method: str = typer.Option("ig", help="Several, comma-separated, are drawn side by side."),
    index: int = typer.Option(0, help="Which test example of --data to explain."),
    target: int = typer.Option(None, help="Class to explain (default: the predicted one)."),
    output: Path = typer.Option(..., "-o", "--output", help="Figure to write (.png/.svg/.pdf)."),
    data: str = typer.Option(None, "--data", help=DATA_HELP + " Default: the model's own."),
    target_column: str = typer.Option(None, "--target-column", help=TARGET_COLUMN_HELP),
    n_steps: int = typer.Option(50, "--n-steps", help="Quadrature points of ig."),
    n_samples: int = typer.Option(50, "--n-samples", help="Noisy copies for smoothgrad."),
    noise: float = typer.Option(0.15, help="Noise standard deviation for smoothgrad."),
    window: int = typer.Option(4, help="Occlusion window (square, pixels)."),
    stride: int = typer.Option(2, help="Occlusion stride (pixels)."),
    random_state: int = typer.Option(0, "--random-state",
                                     help="smoothgrad's noise: the same number, the same maps."),
    probability: bool = typer.Option(False, "--probability",
                                     help="Explain the class probability, not its logit."),
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

    from hiddenlens.cli._outputs import figure_output
    from hiddenlens.plot import AttributionDisplay, save_figure

    figure_output(output, force)
    methods = [_check_method(m.strip(), ATTRIBUTION) for m in method.split(",") if m.strip()]
    net = load_model_arg(model)
    ds = load_data_arg(data, net, target_column)
    if not 0 <= index < len(ds.X_test):
        raise ValueError(f"--index must be in 0..{len(ds.X_test) - 1} (the test examples of "
                         f"{ds.name}). Got {index} instead.")
    options = {"ig": {"n_steps": n_steps},
               "smoothgrad": {"n_samples": n_samples, "noise": noise,
                              "random_state": random_state},
               "occlusion": {"window": window, "stride": stride}}
    display = AttributionDisplay.from_model(net, ds.X_test[index], method=methods,
                                            target=target, probability=probability,
                                            method_options=options)
    save_figure(display.figure_, output, overwrite=force)
    plt.close("all")
    console.print(f"Attributions of test example {index} (label {ds.y_test[index]}) by "
                  f"{', '.join(methods)} written to {output}")


@app.command(cls=_listing(IMPORTANCE))
def importance(
    model: str = typer.Argument(..., help="A model file."),
    method: str = typer.Option("permutation", help="The importance method."),
    output: Path = typer.Option(..., "-o", "--output", help="Figure to write (.png/.svg/.pdf)."),
    data: str = typer.Option(None, "--data", help=DATA_HELP + " Default: the model's own."),
    target_column: str = typer.Option(None, "--target-column", help=TARGET_COLUMN_HELP),
    json_out: Path = typer.Option(None, "--json", help="Also write the numbers as JSON."),
    n_repeats: int = typer.Option(5, "--n-repeats",
                                  help="Repeats of permutation / perturbation."),
    scoring: str = typer.Option(None, help="A scikit-learn scorer name: accuracy, f1_macro, "
                                           "neg_log_loss, r2, neg_mean_squared_error, ..."),
    noise: float = typer.Option(0.5, help="perturbation: noise half-width, fraction of range."),
    target: int = typer.Option(0, help="The output (class) garson, olden and lek explain."),
    feature: list[str] = typer.Option(None, help="lek: a feature to sweep (repeatable)."),
    hold: str = typer.Option("quantiles", help="lek: hold others at quantiles or kmeans."),
    n_points: int = typer.Option(100, "--n-points", help="lek: points of each sweep."),
    k: int = typer.Option(20, "--k", "-k", help="Bars to show."),
    random_state: int = typer.Option(0, "--random-state",
                                     help="The shuffles, noise or k-means start: the same "
                                          "number, the same importances."),
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
    from hiddenlens._validation import check_positive_int
    from hiddenlens.cli._outputs import figure_output
    from hiddenlens.plot import ImportanceDisplay, LekProfileDisplay, save_figure

    figure_output(output, force)
    if json_out is not None:
        check_writable(json_out, force)
    check_positive_int(k, "--k")
    _check_method(method, IMPORTANCE)
    net = load_model_arg(model)
    if method == "lek":
        ds = load_data_arg(data, net, target_column)
        features = _lek_features(net, feature)
        display = LekProfileDisplay.from_model(net, ds.X_test, feature=features, target=target,
                                               n_points=n_points, hold=hold,
                                               random_state=random_state)
        r = display.result
        numbers = {"method": "lek", "features": list(r.features),
                   "held_labels": r.held_labels, "grid": r.grid.tolist(),
                   "held": r.held.tolist(), "predictions": r.predictions[..., target].tolist()}
    else:
        from hiddenlens._classes import dataset_labels
        from hiddenlens.explain import get_method

        X = y = None
        if get_method(method, IMPORTANCE).needs_data:
            ds = load_data_arg(data, net, target_column)
            X, y = ds.X_test, dataset_labels(net, ds.y_test)  # the model's labels
        display = ImportanceDisplay.from_model(
            net, X, y, method=method, target=target, scoring=scoring, n_repeats=n_repeats,
            random_state=random_state, method_options={"perturbation": {"noise": noise}},
            progress=True, k=k)
        numbers = {"method": method, "features": display.names,
                   "importances_mean": display.importances.tolist(),
                   "importances_std": None if display.std is None else display.std.tolist()}
    save_figure(display.figure_, output, overwrite=force)
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
        signed = numbers["method"] != "olden"
        pairs = sorted(zip(numbers["importances_mean"], numbers["features"]),
                       key=lambda p: -p[0] if signed else -abs(p[0]))[:5]
        text = "Most important: " + ", ".join(f"{n} ({v:+.4f})" for v, n in pairs) + "\n" + text
    return text
