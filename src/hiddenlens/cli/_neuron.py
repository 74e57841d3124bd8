"""hiddenlens neuron / maximize / describe: what each neuron looks for."""

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

LAYER_HELP = "Layer: 0 is the first hidden layer, -1 the output."


def _agg():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _maximize_options(n_iterations, lr, norm, l2, tv, blur, jitter, random_state) -> dict:
    """The options given on the command line, for maximize_activation; the Displays add the
    readable regularisers underneath unless --raw (regularize=False)."""
    given = dict(n_iterations=n_iterations, lr=lr, norm=norm, l2=l2, tv=tv, blur=blur,
                 jitter=jitter)
    return {**{k: v for k, v in given.items() if v is not None}, "random_state": random_state}


@app.command()
def neuron(
    model: str = typer.Argument(..., help="A model file."),
    layer: int = typer.Option(0, "--layer", "-l", help=LAYER_HELP),
    unit: int = typer.Option(..., "--unit", "-u", help="Unit of the layer (0-based)."),
    output: Path = typer.Option(..., "-o", "--output", help="Figure to write (.png/.svg/.pdf)."),
    data: str = typer.Option(None, "--data", help=DATA_HELP + " Default: the model's own."),
    target_column: str = typer.Option(None, "--target-column", help=TARGET_COLUMN_HELP),
    n_iterations: int = typer.Option(None, "--n-iterations",
                                     help="Gradient-ascent steps (default 256)."),
    random_state: int = typer.Option(0, "--random-state",
                                     help="The maximization's random start: the same number, "
                                          "the same image."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
):
    """One neuron's card: incoming weights, the input it responds to most, its 9 most and 9
    least activating examples, its mean activation per class and a description in words.

    Example:  hiddenlens neuron nielsen.safetensors --layer 0 --unit 42 -o card.png
    """
    from hiddenlens.cli._outputs import figure_output
    from hiddenlens.plot import NeuronCardDisplay, save_figure

    figure_output(output, force)
    plt = _agg()
    net = load_model_arg(model)
    ds = load_data_arg(data, net, target_column)
    options = _maximize_options(n_iterations, None, None, None, None, None, None, random_state)
    with console.status(f"Reading {ds.name} and optimising unit {unit}..."):
        card = NeuronCardDisplay.from_model(net, ds, layer=layer, unit=unit,
                                            maximize_kw=options)
    save_figure(card.figure_, output, overwrite=force)
    plt.close("all")
    console.print(card.description.text, highlight=False)
    console.print(f"Card written to {output}", soft_wrap=True)


@app.command()
def maximize(
    model: str = typer.Argument(..., help="A model file."),
    layer: int = typer.Option(-1, "--layer", "-l", help=LAYER_HELP),
    output: Path = typer.Option(..., "-o", "--output", help="Figure to write (.png/.svg/.pdf)."),
    data: str = typer.Option(None, "--data",
                             help=DATA_HELP + " Marks dead units and compares with the best "
                                              "real example. Default: the model's own."),
    target_column: str = typer.Option(None, "--target-column", help=TARGET_COLUMN_HELP),
    n_iterations: int = typer.Option(None, "--n-iterations",
                                     help="Gradient-ascent steps (default 256)."),
    lr: float = typer.Option(None, help="Adam step size (default 0.05)."),
    norm: float = typer.Option(None, help="Hold every image to this L2 norm (Erhan et al.)."),
    l2: float = typer.Option(None, help="Weight of the ||x||^2 penalty (default 0.02; "
                                        "0.05 for the output layer)."),
    tv: float = typer.Option(None, help="Weight of the total-variation penalty (default 0; "
                                        "0.3 for the output layer)."),
    blur: float = typer.Option(None, help="Gaussian blur sigma in pixels (default 1)."),
    jitter: int = typer.Option(None, help="Random shift in pixels per step (default 1)."),
    raw: bool = typer.Option(False, "--raw",
                             help="No regularisers: the plain box-constrained optimum."),
    random_state: int = typer.Option(0, "--random-state",
                                     help="The random start and jitter: the same number, the "
                                          "same images."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
):
    """The input every unit of a layer responds to most, all units optimised in one batch.

    On the output layer this shows what each class looks like to the network (the
    pre-softmax logit is maximised).

    Examples:

      hiddenlens maximize nielsen.safetensors --layer -1 -o outputs.png

      hiddenlens maximize nielsen.safetensors --layer 0 --norm 8 --raw -o layer0.png
    """
    from hiddenlens.cli._outputs import figure_output
    from hiddenlens.plot import LayerMaximizeDisplay, save_figure
    from hiddenlens.plot._grid import unit_count

    figure_output(output, force)
    plt = _agg()
    net = load_model_arg(model)
    ds = load_data_arg(data, net, target_column)
    options = _maximize_options(n_iterations, lr, norm, l2, tv, blur, jitter, random_state)
    with console.status("Optimising every unit of the layer in one batch..."):
        view = LayerMaximizeDisplay.from_model(net, ds, layer=layer, maximize_kw=options,
                                               regularize=not raw)
    save_figure(view.figure_, output, overwrite=force)
    plt.close("all")
    r = view.result
    console.print(
        f"{unit_count(len(r.units))} of layer {r.layer}: {r.reached_share:.0%} reach at least the "
        f"best of the {len(ds.X):,} examples of {ds.name}; "
        f"{int(view.dead.sum())} dead.\nFigure written to {output}", soft_wrap=True
    )


@app.command()
def describe(
    model: str = typer.Argument(..., help="A model file."),
    layer: int = typer.Option(0, "--layer", "-l", help=LAYER_HELP),
    unit: int = typer.Option(None, "--unit", "-u", help="Describe one unit in a paragraph."),
    fmt: str = typer.Option("md", "--format", "-f", help="Table format: md or csv."),
    output: Path = typer.Option(None, "-o", "--output", help="Write the table to a file."),
    data: str = typer.Option(None, "--data", help=DATA_HELP + " Default: the model's own."),
    target_column: str = typer.Option(None, "--target-column", help=TARGET_COLUMN_HELP),
    ablation: bool = typer.Option(False, "--ablation",
                                  help="Add what knocking each unit out does to the test "
                                       "score, per class (the layer is ablated once)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
):
    """Every unit of a layer in words and numbers: the inputs it works with, the classes
    that fire it, the outputs it pushes, and whether it is dead, saturated or a duplicate.

    Examples:

      hiddenlens describe nielsen.safetensors --layer 0 --format md

      hiddenlens describe iris.safetensors --layer 0 --unit 2 --ablation

      hiddenlens describe nielsen.safetensors --format csv -o layer0.csv
    """
    import hiddenlens as hl
    from hiddenlens._files import atomic_write_text, check_writable
    from hiddenlens._validation import check_choice

    check_choice(fmt, "--format", ("md", "csv"))
    if output is not None:
        check_writable(output, force)
    net = load_model_arg(model)
    if ablation:
        from hiddenlens.cli._causal import _hidden_layer

        _hidden_layer(net, layer, "--ablation knocks out hidden units, so --layer")
    ds = load_data_arg(data, net, target_column)
    if unit is not None:
        ab = None
        if ablation:  # only this unit, on the test split
            from hiddenlens.explain._describe_causal import ablation_data

            ab = hl.ablate(net, *ablation_data(net, ds, None), layer, [unit])
        text = hl.describe(net, ds, layer, unit, ablation=ab).text + "\n"
    else:
        table = hl.describe_layer(net, ds, layer, ablation=ablation)
        text = table.to_markdown() if fmt == "md" else table.to_csv()
    if output is None:
        typer.echo(text, nl=False)
    else:
        atomic_write_text(output, text, overwrite=force)
        console.print(f"Written to {output}", soft_wrap=True)
