"""hiddenlens report: everything hiddenlens knows about a network, in one HTML file."""

from __future__ import annotations

import time
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
def report(
    model: str = typer.Argument(..., help="A model file (any format hiddenlens reads)."),
    output: Path = typer.Option(Path("report.html"), "-o", "--output", help="HTML file to write."),
    data: str = typer.Option(None, "--data", help=DATA_HELP + " Default: the model's own."),
    target_column: str = typer.Option(None, "--target-column", help=TARGET_COLUMN_HELP),
    only: str = typer.Option(None, "--only", help="Comma-separated sections to include: "
                             "model, diagram, layers, classes, importance, traces."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
):
    """Write a self-contained HTML report: the model, its layers, units, classes, feature
    importance and forward traces. Every picture is inside the file; it opens offline.

    Example:  hiddenlens report nielsen.safetensors -o report.html
    """
    from hiddenlens.cli._outputs import report_output
    from hiddenlens.report import write_report

    report_output(output, force)  # before the model and the data are read
    net = load_model_arg(model)
    ds = load_data_arg(data, net, target_column)
    t0 = time.perf_counter()
    sections = [s.strip() for s in only.split(",")] if only else None
    path = write_report(net, output, ds, overwrite=force, sections=sections)
    size = path.stat().st_size / 1e6
    console.print(f"Report written to {path.resolve()} ({size:.1f} MB, "
                  f"{time.perf_counter() - t0:.1f} s).")
