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
FORCE_HELP = "Replace output files that already exist."


def load_model_arg(path: str):
    """Load the MODEL argument of a command (any format `load_model` reads)."""
    from hiddenlens.io import load_model

    return load_model(path, max_bytes=READ_LIMIT["max_bytes"])


def load_data_arg(name: str | None, net=None, target: str | None = None):
    """The --data option: the model's own data set by default, else mnist-embedded."""
    from hiddenlens.data import DATASETS, load_dataset

    if name is None and net is not None and net.dataset and net.dataset != "mnist-nielsen":
        if net.dataset not in DATASETS:
            raise ValueError(
                f"The model was trained on {net.dataset!r}, which is not a built-in data set; "
                "pass its file with --data (and --target for a CSV)."
            )
        name = net.dataset
    if name is None and net is not None and net.n_inputs != 784:
        raise ValueError(
            f"The model takes {net.n_inputs} inputs and names no built-in data set to use; "
            "pass one with --data (and --target for a CSV)."
        )
    ds = load_dataset(name or "mnist-embedded", target=target)
    return _model_classes(ds, net)


def _model_classes(ds, net):
    """Keep the classes a model was trained on (zero-vs-one: digits 0 and 1 of the 10)."""
    from hiddenlens.data._dataset import select_classes

    names = net.class_names if net is not None else None
    if not names or not ds.class_names or names == ds.class_names:
        return ds
    if set(names) < set(ds.class_names):
        return select_classes(ds, names)
    return ds
