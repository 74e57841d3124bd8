"""hiddenlens experiment train-size | depth | zero-vs-one: the seeds' experiments."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from hiddenlens.cli._app import FORCE_HELP, app, console

experiment_app = typer.Typer(
    help="Re-run one of the seeds' experiments; writes a figure and its numbers (JSON).\n\n"
         "Example:  hiddenlens experiment depth -o depth",
    no_args_is_help=True,
)
app.add_typer(experiment_app, name="experiment")

OUT = typer.Option(Path("."), "-o", "--output", help="Folder for <experiment>.png and .json.")
DATA = typer.Option("mnist-embedded", "--data", help="mnist-embedded (built in) or mnist "
                    "(the full 60,000 / 10,000, downloaded once).")
EPOCHS = typer.Option(None, help="Override the presets' epochs (fewer: a quicker, rougher run).")
RANDOM_STATE = typer.Option(0, "--random-state", help="The initial weights and the shuffling "
                            "(and train-size's small set): the same number, the same result.")
FORCE = typer.Option(False, "--force", help=FORCE_HELP)
FORMAT = typer.Option("png", "--format", help="png or svg.")


def _run(name: str, output: Path, data: str, epochs, random_state: int, force: bool, fmt: str,
         **kw):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hiddenlens._files import atomic_write_text, check_writable, make_folder
    from hiddenlens._validation import check_choice
    from hiddenlens.experiments import run_experiment
    from hiddenlens.plot import ExperimentDisplay, save_figure

    check_choice(fmt, "--format", ("png", "svg"))
    make_folder(output)
    figure, numbers = output / f"{name}.{fmt}", output / f"{name}.json"
    for path in (figure, numbers):
        check_writable(path, force)
    if epochs is not None:
        kw["epochs"] = epochs
    result = run_experiment(name, data, random_state=random_state, **kw)
    display = ExperimentDisplay.from_result(result)
    save_figure(display.figure_, figure, overwrite=force)
    plt.close(display.figure_)
    atomic_write_text(numbers, json.dumps(result.to_dict()), force)
    accs = ", ".join(f"{k}: {v:.4f}" for k, v in result.accuracies.items())
    console.print(f"{name} on {result.data}: test accuracy {accs}\n  {figure}\n  {numbers}")


@experiment_app.command("train-size")
def train_size(output: Path = OUT, data: str = DATA,
               small: int = typer.Option(500, help="Size of the small training set."),
               preset: str = typer.Option("single-layer", help="The architecture to train."),
               epochs: int = EPOCHS, random_state: int = RANDOM_STATE, force: bool = FORCE,
               fmt: str = FORMAT):
    """The same network trained on 500 images and on all of them: templates side by side.

    Example:  hiddenlens experiment train-size -o results --data mnist
    """
    _run("train-size", output, data, epochs, random_state, force, fmt, small=small,
         preset=preset)


@experiment_app.command("depth")
def depth(output: Path = OUT, data: str = DATA, epochs: int = EPOCHS,
          random_state: int = RANDOM_STATE, force: bool = FORCE, fmt: str = FORMAT):
    """784-10 against 784-512-256-10: one layer's templates against composite templates.

    Example:  hiddenlens experiment depth -o results
    """
    _run("depth", output, data, epochs, random_state, force, fmt)


@experiment_app.command("zero-vs-one")
def zero_vs_one(output: Path = OUT, data: str = DATA, epochs: int = EPOCHS,
                random_state: int = RANDOM_STATE, force: bool = FORCE, fmt: str = FORMAT):
    """The 784-1-2 net on 0s and 1s: the one hidden unit's weights and what separates them.

    Example:  hiddenlens experiment zero-vs-one -o results
    """
    _run("zero-vs-one", output, data, epochs, random_state, force, fmt)
