"""hiddenlens show ...: one figure per view, written as PNG or SVG."""

from __future__ import annotations

from pathlib import Path

import typer

from hiddenlens.cli._app import DATA_HELP, FORCE_HELP, app, console, load_data_arg, load_model_arg

show_app = typer.Typer(
    help="Draw one view of a trained model to a PNG or SVG file.\n\n"
         "Example:  hiddenlens show fields nielsen.safetensors -o fields.png",
    no_args_is_help=True,
)
app.add_typer(show_app, name="show")

OUT = typer.Option(..., "-o", "--output", help="Figure file to write (.png or .svg).")
FORCE = typer.Option(False, "--force", help=FORCE_HELP)
DATA = typer.Option(None, "--data", help=DATA_HELP + " Default: the model's own.")
INDEX = typer.Option(0, "--index", help="Which test example to use (row of the test split).")


def _write(display, output: Path, force: bool, what: str) -> None:
    import matplotlib.pyplot as plt

    from hiddenlens.plot import save_figure

    save_figure(display.figure_, output, force)
    plt.close(display.figure_)
    console.print(f"{what} written to {output}")


def _example(net, data, index: int):
    ds = load_data_arg(data, net)
    if not 0 <= index < len(ds.X_test):
        raise ValueError(f"`--index` must be in 0..{len(ds.X_test) - 1} for the test split of "
                         f"{ds.name}. Got {index} instead.")
    return ds, ds.X_test[index], int(ds.y_test[index]) if ds.task == "classification" else None


def _agg() -> None:
    import matplotlib

    matplotlib.use("Agg")


@show_app.command("fields")
def fields(
    model: str = typer.Argument(..., help="A model file."),
    output: Path = OUT,
    layer: int = typer.Option(0, help="Layer (0 = first hidden layer, -1 = output)."),
    normalize: str = typer.Option("diverging", help="diverging, minmax or abs."),
    scale: str = typer.Option("shared", help="shared (one scale for the layer) or unit."),
    order: str = typer.Option("index", help="index, norm, or influence (needs --target)."),
    target: int = typer.Option(None, help="Unit of the next layer for --order influence."),
    max_units: int = typer.Option(None, help="Draw only the first N units in that order."),
    bars: bool = typer.Option(False, "--bars", help="Bar charts over the inputs, not images."),
    force: bool = FORCE,
):
    """Each unit's incoming weights: 28x28 images (image models) or bars (tabular models).

    Example:  hiddenlens show fields nielsen.safetensors --order norm -o fields.png
    """
    _agg()
    from hiddenlens.plot import ReceptiveFieldsDisplay

    net = load_model_arg(model)
    d = ReceptiveFieldsDisplay.from_model(net, layer=layer, normalize=normalize, scale=scale,
                                          by=order, next_unit=target, k=max_units,
                                          kind="bars" if bars else "auto")
    _write(d, output, force, f"Receptive fields of layer {layer}")


@show_app.command("contributions")
def contributions(
    model: str = typer.Argument(..., help="A model file."),
    output: Path = OUT,
    unit: int = typer.Option(..., help="The unit of --layer."),
    layer: int = typer.Option(0, help="Layer (0 = first hidden layer, -1 = output)."),
    data: str = DATA,
    index: int = INDEX,
    force: bool = FORCE,
):
    """Input x weight for one test example and one unit, and how it sums to the unit's z.

    Example:  hiddenlens show contributions nielsen.safetensors --unit 12 --index 3 -o c.png
    """
    _agg()
    from hiddenlens.plot import ContributionDisplay

    net = load_model_arg(model)
    _, x, _ = _example(net, data, index)
    d = ContributionDisplay.from_model(net, x, unit=unit, layer=layer)
    r = d.result
    _write(d, output, force, f"sum(x * w) {r.total - r.bias:+.4f} + bias {r.bias:+.4f} = "
           f"z {r.pre_activation:+.4f}; contribution map")


@show_app.command("top-units")
def top_units_cmd(
    model: str = typer.Argument(..., help="A model file."),
    output: Path = OUT,
    target: int = typer.Option(..., help="The output class (or unit of --layer)."),
    k: int = typer.Option(5, "-k", help="How many positive and how many negative units."),
    by: str = typer.Option("weight", help="weight, or contribution (on test example --index)."),
    layer: int = typer.Option(-1, help="The target's layer (default: the output)."),
    data: str = DATA,
    index: int = INDEX,
    force: bool = FORCE,
):
    """The hidden units that push a class up most and down most, with their fields.

    Example:  hiddenlens show top-units nielsen.safetensors --target 3 -k 5 -o top3.png
    """
    _agg()
    from hiddenlens.plot import TopUnitsDisplay

    net = load_model_arg(model)
    x = _example(net, data, index)[1] if by == "contribution" else None
    d = TopUnitsDisplay.from_model(net, x, target=target, k=k, by=by, layer=layer)
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
    data: str = DATA,
    force: bool = FORCE,
):
    """What each unit of a layer looks for in input space (10 x 784 for MNIST outputs).

    Example:  hiddenlens show composite keras.safetensors --method jacobian -o templates.png
    """
    _agg()
    from hiddenlens.plot import CompositeDisplay

    net = load_model_arg(model)
    X = y = None
    if method == "jacobian":
        ds = load_data_arg(data, net)
        X, y = ds.X_test[:n], ds.y_test[:n]
    d = CompositeDisplay.from_model(net, X, y, layer=layer, method=method, per_class=per_class)
    _write(d, output, force, f"{method.capitalize()} composite weights")


@show_app.command("trace")
def trace(
    model: str = typer.Argument(..., help="A model file."),
    output: Path = OUT,
    data: str = DATA,
    index: int = INDEX,
    force: bool = FORCE,
):
    """One test example through every layer: input, hidden grids, output bars.

    Example:  hiddenlens show trace nielsen.safetensors --index 7 -o trace.png
    """
    _agg()
    from hiddenlens.plot import TraceDisplay

    net = load_model_arg(model)
    _, x, label = _example(net, data, index)
    d = TraceDisplay.from_model(net, x, label=label)
    _write(d, output, force, "Forward trace")


@show_app.command("diagram")
def diagram(
    model: str = typer.Argument(..., help="A model file."),
    output: Path = OUT,
    top_k: str = typer.Option("auto", help="Strongest incoming links kept per unit: N, "
                              "auto (3 for big layers) or all."),
    threshold: float = typer.Option(None, help="Keep only links with |w| >= this."),
    bias: bool = typer.Option(False, "--bias", help="Draw bias nodes."),
    force: bool = FORCE,
):
    """Nodes and links, coloured by sign with width by |w| (as NeuralNetTools' plotnet).

    Example:  hiddenlens show diagram iris.safetensors --bias -o net.svg
    """
    _agg()
    from hiddenlens.plot import NetworkDiagramDisplay

    net = load_model_arg(model)
    k = {"auto": "auto", "all": None}.get(top_k)
    if top_k not in ("auto", "all"):
        try:
            k = int(top_k)
        except ValueError:
            raise ValueError(f"`--top-k` must be an integer, auto or all. Got {top_k!r} "
                             "instead.") from None
    d = NetworkDiagramDisplay.from_model(net, k=k, threshold=threshold, bias=bias)
    _write(d, output, force, "Network diagram")
