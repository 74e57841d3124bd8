"""hiddenlens demo: the main job on the built-in digits."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from hiddenlens.cli._app import FORCE_HELP, app, console


@app.command()
def demo(
    output: Path = typer.Option(Path("hiddenlens-demo"), "-o", "--output",
                                help="Folder to write the model and the report into."),
    random_state: int = typer.Option(0, "--random-state", help="The initial weights and the "
                                     "shuffling: the same number, the same network."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
):
    """Train Nielsen's 784-100-10 network on the built-in digits and write its report.

    The report (one HTML file, opens offline) shows what every hidden unit looks for:
    receptive fields, composite templates, activation maximization, top units per digit,
    feature importance and forward traces, each with the numbers behind it.

    Example:  hiddenlens demo -o demo --force
    """
    import hiddenlens as hl
    from hiddenlens._files import check_writable, make_folder

    model_path, report_path = output / "nielsen.safetensors", output / "report.html"
    if output.exists() and not output.is_dir():
        raise ValueError(f"{output} is a file; -o/--output names the folder to write into.")
    make_folder(output)
    for path in (model_path, report_path):
        check_writable(path, force)
    ds = hl.load_dataset("mnist-embedded")
    console.print(f"Training the nielsen preset (784-100-10 sigmoid) on {ds!r}")
    t0 = time.perf_counter()
    net = hl.train_preset("nielsen", ds, random_state=random_state)
    trained = time.perf_counter() - t0
    hl.save_model(net, model_path, overwrite=force)
    console.print("Writing the report")
    t0 = time.perf_counter()
    hl.write_report(net, report_path, ds, overwrite=force)
    reported = time.perf_counter() - t0
    h = net.history[-1]
    console.print(
        f"Test accuracy {h['test_accuracy']:.4f} after {len(net.history)} epochs "
        f"(trained in {trained:.1f} s, {h['samples_per_second']:.0f} samples/s; "
        f"report in {reported:.1f} s).\n"
        f"Model:  {model_path.resolve()}\n"
        f"Report: {report_path.resolve()}  (open it in a browser)"
    )
