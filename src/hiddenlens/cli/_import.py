"""hiddenlens import: another framework's model file -> a hiddenlens model (or ONNX)."""

from __future__ import annotations

from pathlib import Path

import typer

from hiddenlens.cli._app import FORCE_HELP, READ_LIMIT, app, console


@app.command("import")
def import_model(
    source: Path = typer.Argument(
        ..., help="Model file: .keras, .h5, ONNX, network2.py JSON, .npz of arrays, a "
                  "safetensors state dict, or a hiddenlens model. Recognised by content, "
                  "whatever its name."),
    output: Path = typer.Option(..., "-o", "--output",
                                help="Model file to write; a name ending in .onnx writes ONNX."),
    activation: str = typer.Option(
        None, help="Hidden activation of an .npz of arrays or a safetensors state dict, "
                   "which may not record it."),
    output_activation: str = typer.Option(
        None, "--output-activation",
        help="softmax or sigmoid on a network that ends in logits; for arrays, the output."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
):
    """Import a trained dense network so that every hiddenlens view works on it.

    Pickles (.pkl, torch.save's .pt) are refused: loading one can run any code.

    Examples:

      hiddenlens import mnist_mlp.keras -o mnist_mlp.safetensors

      hiddenlens import network2.json -o nielsen.safetensors

      hiddenlens import model.safetensors -o model.onnx

      hiddenlens import net.npz --activation relu -o net.safetensors
    """
    import numpy as np

    from hiddenlens._files import check_writable
    from hiddenlens.io import describe_format, load_model, save_model, to_onnx

    check_writable(output, force)
    options = {k: v for k, v in dict(activation=activation,
                                     output_activation=output_activation).items()
               if v is not None}
    limit = READ_LIMIT["max_bytes"]
    net = load_model(source, max_bytes=limit, **options)
    kind = describe_format(source, max_bytes=limit)
    if output.suffix.lower() == ".onnx":
        to_onnx(net, output, overwrite=force)
    else:
        save_model(net, output, overwrite=force)
    X = np.random.default_rng(0).random((64, net.n_inputs))
    diff = float(np.abs(load_model(output, max_bytes=limit).forward(X) - net.forward(X)).max())
    classes = f", classes {', '.join(net.class_names)}" if net.class_names else ""
    console.print(
        f"Imported {net!r} from {source} ({kind}{classes}).\n"
        f"Written to {output}; reloaded, it predicts the same (max abs difference {diff:.1e} "
        "on 64 random inputs)."
    )
