"""hiddenlens ablate / patch / conductance: what a unit does, causally."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from hiddenlens.cli._app import DATA_HELP, FORCE_HELP, app, console, load_data_arg, load_model_arg

HIDDEN_HELP = "A hidden layer: 0 is the first, -2 the last."
FIGURE_HELP = "Figure to write (.png/.svg/.pdf)."
COLUMN_HELP = "Label column of a CSV --data file."
VALUES = ("zero", "mean", "resample")


def _agg():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _value(text: str):
    """--value as `ablate` takes it: "zero", "mean", "resample" or a number."""
    if text in VALUES:
        return text
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"--value must be zero, mean, resample or a number. Got {text!r} "
                         "instead.") from None


ABLATE_HINT = ("knock out a hidden layer's units with `hiddenlens ablate --per-class` to see "
               "what each class needs")


def _hidden_layer(net, layer: int, what: str = "--layer", hint: str = ABLATE_HINT) -> int:
    """--layer checked before the data is read; the output layer says what to use instead."""
    from hiddenlens._validation import check_layer

    idx = check_layer(net, layer)
    if idx == net.n_layers - 1:
        hidden = f"0..{idx - 1}" if idx else "none: this network has no hidden layer"
        raise ValueError(f"{what} must be a hidden layer ({hidden}) for this "
                         f"{net.describe_sizes()} network. Got {layer} (the output layer) "
                         f"instead; {hint}.")
    return idx


def _test_row(ds, i: int, flag: str) -> int:
    if not 0 <= i < len(ds.X_test):
        raise ValueError(f"{flag} must be in 0..{len(ds.X_test) - 1} (the test examples of "
                         f"{ds.name}). Got {i} instead.")
    return i


@app.command()
def ablate(
    model: str = typer.Argument(..., help="A model file."),
    layer: int = typer.Option(0, "--layer", "-l", help=HIDDEN_HELP),
    output: Path = typer.Option(..., "-o", "--output", help=FIGURE_HELP),
    value: str = typer.Option("zero", help="What a removed unit takes: zero, mean (its mean "
                                           "activation), resample (another example's value) "
                                           "or a number."),
    per_class: bool = typer.Option(False, "--per-class",
                                   help="Also score each class's examples: the figure gets a "
                                        "strip of per-class drops, the JSON their numbers."),
    k: int = typer.Option(10, "--k", help="Units to draw, those whose removal hurts most."),
    scoring: str = typer.Option(None, help="A scikit-learn scorer name: accuracy (default "
                                           "for classifiers), f1_macro, neg_log_loss, r2, ..."),
    random_state: int = typer.Option(0, "--random-state",
                                     help="Draws the donors of --value resample."),
    json_out: Path = typer.Option(None, "--json", help="Also write every unit's numbers as "
                                                       "JSON."),
    data: str = typer.Option(None, "--data", help=DATA_HELP + " Default: the model's own."),
    target_column: str = typer.Option(None, "--target-column", help=COLUMN_HELP),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
):
    """Switch off each unit of a hidden layer in turn and measure how much the test score
    drops; draw the units whose removal hurts most.

    Examples:

      hiddenlens ablate nielsen.safetensors --layer 0 -o ablation.png

      hiddenlens ablate nielsen.safetensors --layer 0 --per-class --json drops.json -o a.png

      hiddenlens ablate iris.safetensors --layer 0 --value mean --k 5 -o iris.png
    """
    from hiddenlens._classes import dataset_labels
    from hiddenlens._files import atomic_write_text, check_writable
    from hiddenlens._validation import check_positive_int
    from hiddenlens.cli._outputs import figure_output
    from hiddenlens.plot import AblationDisplay, save_figure

    figure_output(output, force)
    plt = _agg()
    if json_out is not None:
        check_writable(json_out, force)
    k = check_positive_int(k, "--k")
    value = _value(value)
    net = load_model_arg(model)
    _hidden_layer(net, layer)
    ds = load_data_arg(data, net, target_column)
    y = dataset_labels(net, ds.y_test)  # the model's labels
    view = AblationDisplay.from_model(net, ds.X_test, y, layer, k=k, value=value,
                                      scoring=scoring, per_class=per_class,
                                      random_state=random_state, progress=True)
    save_figure(view.figure_, output, overwrite=force)
    plt.close("all")
    r = view.result
    if json_out is not None:
        atomic_write_text(json_out, json.dumps(ablation_numbers(r), indent=1) + "\n", force)
    console.print(view.title.splitlines()[0] + ".", highlight=False, soft_wrap=True)
    console.print(f"Figure written to {output}" + (f" and numbers to {json_out}"
                                                   if json_out else ""), soft_wrap=True)


def ablation_numbers(r) -> dict:
    """An Ablation as JSON: one entry per row in every list, rows in the order of `units`."""
    numbers = {"layer": r.layer, "value": r.value, "scoring": r.scoring,
               "n_examples": r.n_examples, "baseline_score": r.baseline_score,
               "baseline_loss": r.baseline_loss, "units": r.labels,
               "score": r.score.tolist(), "drop": r.drop.tolist(),
               "loss_increase": r.loss_increase.tolist(), "ranking": r.ranking.tolist()}
    if r.per_class_drop is not None:
        numbers.update(class_names=r.class_names, class_counts=r.class_counts.tolist(),
                       per_class_baseline=_nan_to_none(r.per_class_baseline),
                       per_class_drop=_nan_to_none(r.per_class_drop))
    return numbers


def _nan_to_none(a):
    """A float array as nested lists, NaN (a class without examples) as null."""
    import numpy as np

    return np.where(np.isnan(a), None, a).tolist()


@app.command()
def patch(
    model: str = typer.Argument(..., help="A model file."),
    source: int = typer.Option(..., "--from", help="The test example units are copied from."),
    dest: int = typer.Option(..., "--to", help="The test example they are copied into."),
    layer: int = typer.Option(0, "--layer", "-l", help=HIDDEN_HELP),
    output: Path = typer.Option(..., "-o", "--output", help=FIGURE_HELP),
    k: int = typer.Option(8, "--k", help="Units to list, those that move it most."),
    data: str = typer.Option(None, "--data", help=DATA_HELP + " Default: the model's own."),
    target_column: str = typer.Option(None, "--target-column", help=COLUMN_HELP),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
):
    """Copy one unit at a time from one test example into another and see which units carry
    the first one's class (activation patching).

    --from and --to are test rows of --data that the network predicts as different classes.

    Example:  hiddenlens patch nielsen.safetensors --from 0 --to 7 --layer 0 -o patch.png
    """
    from hiddenlens._classes import label_indices
    from hiddenlens._validation import check_positive_int
    from hiddenlens.cli._outputs import figure_output
    from hiddenlens.plot import PatchDisplay, save_figure

    figure_output(output, force)
    plt = _agg()
    k = check_positive_int(k, "--k")
    net = load_model_arg(model)
    _hidden_layer(net, layer, hint="the patches are measured on the output, so patch the "
                                   "units of a layer below it")
    ds = load_data_arg(data, net, target_column)
    i, j = _test_row(ds, source, "--from"), _test_row(ds, dest, "--to")
    if net.task == "classification":
        ci, cj = label_indices(net, net.predict(ds.X_test[[i, j]]))  # predicted classes
        if ci == cj:
            name = net.class_names[ci] if net.class_names else str(net.classes_[ci])
            raise ValueError(f"--from and --to must be test examples predicted as different "
                             f"classes. Got {i} and {j}, both predicted as {name}; pick "
                             "another --to.")
    view = PatchDisplay.from_model(net, ds.X_test[i], ds.X_test[j], layer, k=k)
    save_figure(view.figure_, output, overwrite=force)
    plt.close("all")
    console.print(view.title.splitlines()[0] + ".", highlight=False, soft_wrap=True)
    console.print(f"Figure written to {output}", soft_wrap=True)


@app.command()
def conductance(
    model: str = typer.Argument(..., help="A model file."),
    index: int = typer.Option(..., "--index", help="Which test example of --data to explain."),
    layer: int = typer.Option(0, "--layer", "-l", help=HIDDEN_HELP),
    output: Path = typer.Option(..., "-o", "--output", help=FIGURE_HELP),
    unit: int = typer.Option(None, "--unit", "-u",
                             help="The unit whose inputs are shown (default: the unit the "
                                  "most flows through)."),
    target: str = typer.Option(None, help="The class to explain, by index or name (default: "
                                          "the predicted one)."),
    n_steps: int = typer.Option(50, "--n-steps", help="Integration steps along the path."),
    data: str = typer.Option(None, "--data", help=DATA_HELP + " Default: the model's own."),
    target_column: str = typer.Option(None, "--target-column", help=COLUMN_HELP),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
):
    """How much of one prediction flows through each unit of a hidden layer (conductance),
    and through one unit, from which inputs (neuron conductance).

    Examples:

      hiddenlens conductance nielsen.safetensors --layer 0 --index 3 -o flow.png

      hiddenlens conductance iris.safetensors --index 0 --unit 2 --target setosa -o flow.png
    """
    from hiddenlens.cli._outputs import figure_output
    from hiddenlens.plot import ConductanceDisplay, save_figure

    figure_output(output, force)
    plt = _agg()
    net = load_model_arg(model)
    _hidden_layer(net, layer, hint="conductance measures the flow into the output through a "
                                   "layer below it")
    ds = load_data_arg(data, net, target_column)
    i = _test_row(ds, index, "--index")
    view = ConductanceDisplay.from_model(net, ds.X_test[i], layer, unit=unit,
                                         target=_class(net, target), n_steps=n_steps)
    save_figure(view.figure_, output, overwrite=force)
    plt.close("all")
    console.print(view.title.splitlines()[0] + ".", highlight=False, soft_wrap=True)
    console.print(f"Figure written to {output}", soft_wrap=True)


def _class(net, text: str | None):
    """--target as a class index: a class name of the model, or its index."""
    if text is None:
        return None
    names = net.class_names or []
    if text in names:
        return names.index(text)
    try:
        return int(text)
    except ValueError:
        shown = ", ".join(names) if names else f"0..{net.n_outputs - 1}"
        raise ValueError(f"--target must be a class of the model ({shown}) or its index. Got "
                         f"{text!r} instead.") from None
