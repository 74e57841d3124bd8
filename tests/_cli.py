"""What the in-process command-line tests share: running `hiddenlens` through typer's runner
and the small model files they run it on."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

import hiddenlens as hl
from hiddenlens.cli import app

runner = CliRunner()


def run(*args):
    """`hiddenlens *args` in-process; an exception other than the exit is raised, not kept."""
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def small_digit_model(folder: Path) -> Path:
    """A 784-12-10 sigmoid net trained briefly on 600 digits, saved in `folder`."""
    net = hl.DenseNet([784, 12, 10], "sigmoid", random_state=5)
    hl.train(net, hl.load_dataset(train_size=600), epochs=2, lr=0.5, progress=False)
    hl.save_model(net, folder / "small.safetensors")
    return folder / "small.safetensors"


def iris_model(folder: Path) -> Path:
    """A 4-5-3 tanh net trained for 20 epochs on iris, saved in `folder`."""
    net = hl.train(hl.DenseNet([4, 5, 3], "tanh", random_state=0), hl.load_dataset("iris"),
                   epochs=20, progress=False)
    hl.save_model(net, folder / "iris.safetensors")
    return folder / "iris.safetensors"


def refusal(argv: list[str], monkeypatch, capsys) -> str:
    """Run `hiddenlens *argv` through its entry point, which must exit with status 1; return
    what it printed on stderr, its whitespace collapsed, after checking it has no traceback."""
    import sys

    import pytest

    from hiddenlens.cli import main

    monkeypatch.setattr(sys, "argv", ["hiddenlens", *argv])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "Traceback" not in err, err
    return err
