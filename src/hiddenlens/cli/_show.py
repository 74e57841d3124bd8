"""hiddenlens show ...: one figure per view, written as PNG or SVG."""

from __future__ import annotations

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

show_app = typer.Typer(
    help="Draw one view of a trained model to a PNG, SVG or PDF file.\n\n"
         "Example:  hiddenlens show fields nielsen.safetensors -o fields.png",
    no_args_is_help=True,
)
app.add_typer(show_app, name="show")

OUT = typer.Option(..., "-o", "--output", help="Figure file to write (.png, .svg or .pdf).")
FORCE = typer.Option(False, "--force", help=FORCE_HELP)
DATA = typer.Option(None, "--data", help=DATA_HELP + " Default: the model's own.")
TARGET_COLUMN = typer.Option(None, "--target-column", help=TARGET_COLUMN_HELP)
INDEX = typer.Option(0, "--index", help="Which test example to use (row of the test split).")


def _write(display, output: Path, force: bool, what: str) -> None:
    import matplotlib.pyplot as plt

    from hiddenlens.plot import save_figure

    save_figure(display.figure_, output, overwrite=force)
    plt.close(display.figure_)
    console.print(f"{what} written to {output}")


def _example(net, data, target_column, index: int):
    ds = load_data_arg(data, net, target_column)
    if not 0 <= index < len(ds.X_test):
        raise ValueError(f"`--index` must be in 0..{len(ds.X_test) - 1} for the test split of "
                         f"{ds.name}. Got {index} instead.")
    y = ds.y_test[index]
    return ds, ds.X_test[index], int(y) if ds.task == "classification" else float(y)


def _count(text: str):
    """A --k of "auto", "all" or a number: "auto", None or the int."""
    if text in ("auto", "all"):
        return None if text == "all" else "auto"
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"--k must be an integer, auto or all. Got {text!r} instead.") from None


def _agg(output: Path, force: bool) -> None:
    """Check -o/--output before any work, then draw without a window."""
    import matplotlib

    from hiddenlens.cli._outputs import figure_output

    figure_output(output, force)
    matplotlib.use("Agg")


@show_app.command("fields")
def fields(
    model: str = typer.Argument(..., help="A model file."),
    output: Path = OUT,
    layer: int = typer.Option(0, help="Layer (0 = first hidden layer, -1 = output)."),
    normalize: str = typer.Option("diverging", help="diverging, minmax or abs."),
    scale: str = typer.Option("shared", help="shared (one scale for the layer) or unit."),
    by: str = typer.Option("auto", help="The units' order: index, norm, outgoing (weight "
                                        "mass into the next layer), influence (needs "
                                        "--next-unit), or auto: index up to 100 units, "
                                        "outgoing beyond."),
    next_unit: int = typer.Option(None, "--next-unit",
                                  help="The unit of the next layer whose incoming weights "
                                       "order the units, for --by influence."),
    k: str = typer.Option("auto", "--k", "-k", help="Units to draw, the first in that order: "
                          "a number, all, or auto (all up to 100 units, 64 beyond)."),
    bars: bool = typer.Option(False, "--bars", help="Bar charts over the inputs, not images."),
    force: bool = FORCE,
):
    """Each unit's incoming weights: 28x28 images (image models) or bars (tabular models).

    A deeper layer of an image model is drawn through its linear composites (its weights
    multiplied down to the input image); a layer of more than 100 units shows its 64 most
    influential units unless --k says otherwise.

    Example:  hiddenlens show fields nielsen.safetensors --by norm -o fields.png
    """
    _agg(output, force)
    from hiddenlens.plot import ReceptiveFieldsDisplay

    net = load_model_arg(model)
    d = ReceptiveFieldsDisplay.from_model(net, layer=layer, normalize=normalize, scale=scale,
                                          by=by, next_unit=next_unit, k=_count(k),
                                          kind="bars" if bars else "auto")
    _write(d, output, force, f"Receptive fields of layer {layer}")


@show_app.command("contributions")
def contributions(
    model: str = typer.Argument(..., help="A model file."),
    output: Path = OUT,
    layer: int = typer.Option(0, help="Layer (0 = first hidden layer, -1 = output)."),
    unit: int = typer.Option(..., help="The unit of --layer."),
    data: str = DATA,
    target_column: str = TARGET_COLUMN,
    index: int = INDEX,
    force: bool = FORCE,
):
    """Input x weight for one test example and one unit, and how it sums to the unit's z.

    Example:  hiddenlens show contributions nielsen.safetensors --unit 12 --index 3 -o c.png
    """
    _agg(output, force)
    from hiddenlens.plot import ContributionDisplay

    net = load_model_arg(model)
    _, x, _ = _example(net, data, target_column, index)
    d = ContributionDisplay.from_model(net, x, layer=layer, unit=unit)
    r = d.result
    what = "standardised input" if r.raw_inputs is not None else "input" if r.layer == 0 \
        else f"layer {r.layer - 1} activation"
    _write(d, output, force, f"sum of {what} × weight {r.total - r.bias:+.4f} + bias "
           f"{r.bias:+.4f} = z {r.pre_activation:+.4f}; contribution map")


@show_app.command("top-units")
def top_units_cmd(
    model: str = typer.Argument(..., help="A model file."),
    output: Path = OUT,
    layer: int = typer.Option(-1, help="The layer of --unit (default: the output)."),
    unit: int = typer.Option(..., help="The unit of --layer (an output class) whose feeding "
                                       "units are ranked."),
    k: int = typer.Option(5, "--k", "-k", help="How many positive and how many negative units."),
    by: str = typer.Option("weight", help="weight, or contribution (on test example --index)."),
    data: str = DATA,
    target_column: str = TARGET_COLUMN,
    index: int = INDEX,
    force: bool = FORCE,
):
    """The hidden units that push a class up most and down most, with their fields.

    Example:  hiddenlens show top-units nielsen.safetensors --unit 3 -k 5 -o top3.png
    """
    _agg(output, force)
    from hiddenlens.plot import TopUnitsDisplay

    net = load_model_arg(model)
    x = _example(net, data, target_column, index)[1] if by == "contribution" else None
    d = TopUnitsDisplay.from_model(net, x, layer=layer, unit=unit, k=k, by=by)
    r = d.result
    _write(d, output, force, f"Top units (up: {r.positive.tolist()}, down: "
           f"{r.negative.tolist()})")


@show_app.command("composite")
def composite(
    model: str = typer.Argument(..., help="A model file."),
    output: Path = OUT,
    layer: int = typer.Option(-1, help="Layer (default: the output)."),
    method: str = typer.Option("linear", help="linear (weights multiplied) or jacobian."),
    n: int = typer.Option(1000, "-n", help="Test examples the jacobian is averaged over."),
    per_class: bool = typer.Option(False, "--per-class", help="Average per class (jacobian)."),
    k: str = typer.Option("auto", "--k", "-k", help="Units to draw: a number, all, or auto "
                          "(all up to 100 units, else the 64 with the largest outgoing weight "
                          "mass)."),
    data: str = DATA,
    target_column: str = TARGET_COLUMN,
    force: bool = FORCE,
):
    """What each unit of a layer looks for in input space (10 x 784 for MNIST outputs).

    Example:  hiddenlens show composite keras.safetensors --method jacobian -o templates.png
    """
    _agg(output, force)
    from hiddenlens._classes import dataset_labels
    from hiddenlens.plot import CompositeDisplay

    net = load_model_arg(model)
    X = y = None
    if method == "jacobian":
        from hiddenlens._validation import check_positive_int

        n = check_positive_int(n, "-n")  # before the data are read
        ds = load_data_arg(data, net, target_column)
        X, y = ds.X_test[:n], dataset_labels(net, ds.y_test[:n])  # the model's labels
    d = CompositeDisplay.from_model(net, X, y, layer=layer, method=method, per_class=per_class,
                                    k=_count(k))
    _write(d, output, force, f"{method.capitalize()} composite weights")


@show_app.command("trace")
def trace(
    model: str = typer.Argument(..., help="A model file."),
    output: Path = OUT,
    data: str = DATA,
    target_column: str = TARGET_COLUMN,
    index: int = INDEX,
    force: bool = FORCE,
):
    """One test example through every layer: input, hidden grids, output bars.

    Example:  hiddenlens show trace nielsen.safetensors --index 7 -o trace.png
    """
    _agg(output, force)
    from hiddenlens.plot import TraceDisplay

    net = load_model_arg(model)
    _, x, label = _example(net, data, target_column, index)
    d = TraceDisplay.from_model(net, x, label=label)
    _write(d, output, force, "Forward trace")


@show_app.command("diagram")
def diagram(
    model: str = typer.Argument(..., help="A model file."),
    output: Path = OUT,
    k: str = typer.Option("auto", "--k", "-k", help="Strongest incoming links kept per unit: "
                          "a number, auto (3 for big layers) or all."),
    threshold: float = typer.Option(None, help="Keep only links with |w| >= this."),
    bias: bool = typer.Option(False, "--bias", help="Draw bias nodes."),
    force: bool = FORCE,
):
    """Nodes and links, coloured by sign with width by |w| (as NeuralNetTools' plotnet).

    Example:  hiddenlens show diagram iris.safetensors --bias -o net.svg
    """
    _agg(output, force)
    from hiddenlens.plot import NetworkDiagramDisplay

    net = load_model_arg(model)
    d = NetworkDiagramDisplay.from_model(net, k=_count(k), threshold=threshold, bias=bias)
    _write(d, output, force, "Network diagram")
