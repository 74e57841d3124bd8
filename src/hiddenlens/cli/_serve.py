"""hiddenlens serve: the local explorer."""

from __future__ import annotations

import typer

from hiddenlens.cli._app import (
    DATA_HELP,
    TARGET_COLUMN_HELP,
    app,
    console,
    err_console,
    load_data_arg,
    load_model_arg,
)


@app.command()
def serve(
    model: str = typer.Argument(..., help="A model file (any format hiddenlens reads)."),
    data: str = typer.Option(None, "--data", help=DATA_HELP + " Default: the model's own."),
    target_column: str = typer.Option(None, "--target-column", help=TARGET_COLUMN_HELP),
    host: str = typer.Option("127.0.0.1", help="Address to listen on; anything but 127.0.0.1 "
                                               "or localhost exposes the explorer to others."),
    port: int = typer.Option(8000, help="Port to listen on (0: any free port)."),
):
    """Open a local web explorer: draw a digit (or move a feature's slider) and watch every
    layer respond; click a unit to see what it looks for.

    Example:  hiddenlens serve nielsen.safetensors --port 8000   (then open http://127.0.0.1:8000)
    """
    from hiddenlens.server import host_warning, listen
    from hiddenlens.server import serve as run

    sock = listen(host, port)  # a port out of range or taken: one sentence, before any work
    net = load_model_arg(model)
    try:
        ds = load_data_arg(data, net, target_column)  # e.g. only digits 0 and 1 for zero-vs-one
    except ValueError as exc:
        if data is not None:
            raise
        console.print(f"{exc} Serving without examples{_ranges(net)}.", highlight=False)
        ds = None
    port = sock.getsockname()[1]  # the one picked, for --port 0; uvicorn serves on `sock`
    with_data = f" with {ds!r}" if ds is not None else ""
    console.print(f"Serving {net!r}{with_data} at http://{host}:{port}  (Ctrl+C stops it)")
    message = host_warning(host, port)
    if message:
        err_console.print(f"[bold yellow]warning:[/] {message}", highlight=False)
    run(net, ds, host=host, port=port, warn=False, sock=sock)


def _ranges(net) -> str:
    """What the sliders of a tabular model span without a data set."""
    if net.image_shape or net.n_inputs == 784:
        return ""
    if net.preprocessing:
        return "; the sliders span the model's standardisation (mean ± 3 scale)"
    return "; the sliders span -3..3 (the model records no standardisation)"
