"""The typer app every command module registers on, and what the commands share."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    name="hiddenlens",
    help=(
        "See what the hidden layers of a trained feed-forward network do to its data, and what "
        "each neuron is looking for.\n\n"
        "Start with:  hiddenlens demo"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
console = Console(stderr=False)
err_console = Console(stderr=True)

READ_LIMIT = {"max_bytes": None}  # set by --max-model-mb for this invocation


@app.callback()
def _options(
    max_model_mb: float = typer.Option(
        None, "--max-model-mb", envvar="HIDDENLENS_MAX_MODEL_MB", min=0.000001,
        help="Largest model file to read, in MB (default 1000); give it before the command."),
):
    """See what the hidden layers of a trained network do; start with: hiddenlens demo"""
    READ_LIMIT["max_bytes"] = None if max_model_mb is None else max(1, int(max_model_mb * 1e6))


DATA_HELP = "Data set: mnist-embedded, mnist, iris, wine, breast-cancer, or a CSV / mnist.pkl.gz."
TARGET_COLUMN_HELP = "The label column of a CSV file given with --data."
FORCE_HELP = "Replace output files that already exist."


def load_model_arg(path: str):
    """Load the MODEL argument of a command (any format `load_model` reads)."""
    from hiddenlens.io import load_model

    return load_model(path, max_bytes=READ_LIMIT["max_bytes"])


def load_data_arg(name: str | None, net, target_column: str | None = None):
    """The --data and --target-column options: `hiddenlens.data.for_model`, its sentences
    naming the CLI's options."""
    from hiddenlens.data._for_model import resolve

    return resolve(net, name, target_column=target_column,
                   arguments=("--data", "--target-column"))
