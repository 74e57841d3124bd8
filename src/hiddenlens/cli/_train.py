"""hiddenlens train / evaluate."""

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


@app.command()
def train(
    preset: str = typer.Argument(
        None, help="One of the seeds' networks: nielsen, keras-blog, single-layer, zero-vs-one."
    ),
    output: Path = typer.Option(..., "-o", "--output", help="Model file to write."),
    sizes: str = typer.Option(None, help="Layer widths instead of a preset, e.g. 784-100-10."),
    activation: str = typer.Option(
        None, help="Hidden activation: sigmoid, tanh, relu, linear (default: the preset's, "
                   "else sigmoid)."),
    output_activation: str = typer.Option(
        None, "--output-activation",
        help="softmax, sigmoid or linear (default: the preset's, else softmax; linear for "
             "regression data)."),
    data: str = typer.Option(None, "--data", help=DATA_HELP),
    target_column: str = typer.Option(None, "--target-column", help=TARGET_COLUMN_HELP),
    epochs: int = typer.Option(
        None, help="Epochs (default: the preset's, else about 3,000 mini-batch updates: "
                   "10 to 500 epochs by data size)."),
    lr: float = typer.Option(None, help="Learning rate (default: the preset's, else 0.1)."),
    batch_size: int = typer.Option(None, help="Mini-batch size (default: preset's, else 32)."),
    optimizer: str = typer.Option(None, help="sgd, rmsprop or adam."),
    random_state: int = typer.Option(0, "--random-state",
                                     help="The initial weights and the shuffling: the same "
                                          "number, the same network."),
    checkpoint: Path = typer.Option(None, help="Write a resumable checkpoint after every epoch."),
    resume: Path = typer.Option(None, help="Continue an interrupted run from its checkpoint."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
):
    """Train a network and save it.

    Examples:

      hiddenlens train nielsen -o nielsen.safetensors

      hiddenlens train --sizes 4-8-3 --activation tanh --data iris -o iris.safetensors
    """
    import hiddenlens as hl
    from hiddenlens._files import check_writable

    check_writable(output, force)
    parsed = _parse_sizes(sizes) if sizes else None
    if preset is None and sizes is None:
        raise ValueError(
            "Give a preset (nielsen, keras-blog, single-layer, zero-vs-one) or --sizes."
        )
    if target_column is not None and data is None:
        raise ValueError("--target-column names the label column of the CSV file given with "
                         "--data.")
    options = {k: v for k, v in dict(epochs=epochs, lr=lr, batch_size=batch_size,
                                     optimizer=optimizer).items() if v is not None}
    shape = {k: v for k, v in dict(activation=activation,
                                   output_activation=output_activation).items()
             if v is not None}
    run = dict(checkpoint=checkpoint, resume=resume, overwrite=force)
    if preset is not None:
        ds = hl.load_dataset(data, target_column=target_column) if data else None
        if sizes:
            options["sizes"] = parsed
        net = hl.train_preset(preset, ds, random_state=random_state, **options, **shape, **run)
    else:
        ds = hl.load_dataset(data or "mnist-embedded", target_column=target_column)
        default_output = "linear" if ds.task == "regression" else "softmax"
        net = hl.DenseNet(parsed, shape.get("activation", "sigmoid"),
                          shape.get("output_activation", default_output),
                          random_state=random_state, task=ds.task)
        hl.train(net, ds, random_state=random_state, **options, **run)
    hl.save_model(net, output, overwrite=force)
    last = net.history[-1]
    score = {k: v for k, v in last.items() if k.startswith("test_") and k != "test_loss"}
    console.print(
        f"{net!r} trained on {net.data_name}: "
        + ", ".join(f"{k.removeprefix('test_')} {v:.4f}" for k, v in score.items())
        + f" on the test split, {last['samples_per_second']:.0f} samples/s.\n"
        f"Model written to {output}"
    )


@app.command()
def evaluate(
    model: str = typer.Argument(..., help="A model file."),
    data: str = typer.Option(None, "--data", help=DATA_HELP + " Default: the model's own."),
    target_column: str = typer.Option(None, "--target-column", help=TARGET_COLUMN_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the numbers as JSON."),
):
    """Accuracy, per-class accuracy and the confusion matrix on the test split.

    Example:  hiddenlens evaluate nielsen.safetensors --json
    """
    from hiddenlens._classes import dataset_labels
    from hiddenlens._evaluation import evaluate as evaluate_model

    net = load_model_arg(model)
    ds = load_data_arg(data, net, target_column)
    result = evaluate_model(net, ds.X_test, dataset_labels(net, ds.y_test))
    if as_json:
        console.print_json(json.dumps(result.to_dict()))
    else:
        console.print(result.to_text())


def _parse_sizes(text: str) -> list[int]:
    """--sizes as widths, refused at once (before any data is read) when they would make a
    network too large to allocate."""
    from hiddenlens._validation import check_network_size

    try:
        sizes = [int(s) for s in text.replace(",", "-").split("-")]
    except ValueError:
        raise ValueError(f"--sizes must look like 784-100-10. Got {text!r} instead.") from None
    check_network_size(sizes)
    return sizes
