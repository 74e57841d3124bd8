"""hiddenlens demo: the main job on the built-in digits."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from hiddenlens.cli._app import FORCE_HELP, app, console


@app.command()
def demo(
    output: Path = typer.Option(Path("hiddenlens-demo"), "-o", "--output",
                                help="Folder to write the model and figures into."),
    seed: int = typer.Option(0, help="Seed for the initial weights and shuffling."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
):
    """Train Nielsen's 784-100-10 network on the built-in digits and show what it learned.

    Writes the model, the hidden layer's receptive fields (one 28x28 image of incoming weights
    per unit, red excites, blue inhibits) and one test digit's forward trace.

    Example:  hiddenlens demo -o demo --force
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import hiddenlens as hl
    from hiddenlens.plot import ReceptiveFieldsDisplay, TraceDisplay, save_figure

    paths = {name: output / name for name in
             ("nielsen.safetensors", "receptive_fields.png", "trace.png")}
    output.mkdir(parents=True, exist_ok=True)
    for path in paths.values():
        hl._files.check_writable(path, force)
    ds = hl.load_dataset("mnist-embedded")
    console.print(f"Training the nielsen preset (784-100-10 sigmoid) on {ds!r}")
    t0 = time.perf_counter()
    net = hl.train_preset("nielsen", ds, seed=seed)
    seconds = time.perf_counter() - t0
    net.save(paths["nielsen.safetensors"], overwrite=force)
    fields = ReceptiveFieldsDisplay.from_model(net, layer=0)
    save_figure(fields.figure_, paths["receptive_fields.png"], force)
    trace = TraceDisplay.from_model(net, ds.X_test[0], label=int(ds.y_test[0]))
    save_figure(trace.figure_, paths["trace.png"], force)
    plt.close("all")
    h = net.history[-1]
    console.print(
        f"Test accuracy {h['test_accuracy']:.4f} after {len(net.history)} epochs "
        f"({seconds:.1f} s, {h['samples_per_second']:.0f} samples/s).\n"
        f"Output in {output.resolve()}:\n"
        + "\n".join(f"  {p}" for p in paths.values())
    )
