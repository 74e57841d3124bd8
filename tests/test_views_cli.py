"""hiddenlens show ... and hiddenlens experiment ...: files written, one-sentence errors."""

import json

import pytest
from matplotlib.image import imread
from typer.testing import CliRunner

import hiddenlens as hl
from hiddenlens.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def model_files(tmp_path_factory, nielsen_net, iris_net):
    folder = tmp_path_factory.mktemp("models")
    hl.save_model(nielsen_net, folder / "nielsen.safetensors")
    hl.save_model(iris_net, folder / "iris.safetensors")
    return folder


@pytest.mark.parametrize("args", [
    ["fields", "nielsen", "--by", "norm", "--k", "20"],
    ["fields", "nielsen", "--layer", "0", "--by", "influence", "--next-unit", "3"],
    ["contributions", "nielsen", "--unit", "12", "--index", "3"],
    ["top-units", "nielsen", "--unit", "3", "-k", "4"],
    ["composite", "nielsen", "--method", "jacobian", "-n", "100", "--per-class"],
    ["trace", "iris"],
    ["diagram", "iris", "--bias"],
    ["diagram", "iris", "--k", "2"],
])
def test_show_writes_a_png(args, model_files, tmp_path):
    out = tmp_path / "view.png"
    model = str(model_files / f"{args[1]}.safetensors")
    result = runner.invoke(app, ["show", args[0], model, *args[2:], "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "written to" in result.output and imread(out).shape[0] > 200


def test_show_svg_and_refusal_to_overwrite(model_files, tmp_path):
    out = tmp_path / "net.svg"
    model = str(model_files / "nielsen.safetensors")
    assert runner.invoke(app, ["show", "diagram", model, "-o", str(out)]).exit_code == 0
    assert out.read_text().startswith("<?xml")
    result = runner.invoke(app, ["show", "diagram", model, "-o", str(out)])
    assert isinstance(result.exception, FileExistsError)


def test_show_errors_are_one_sentence(model_files, tmp_path):
    model = str(model_files / "nielsen.safetensors")
    result = runner.invoke(app, ["show", "fields", model, "--layer", "4", "-o",
                                 str(tmp_path / "f.png")])
    assert "`layer` must be in -2..1" in str(result.exception)
    result = runner.invoke(app, ["show", "top-units", model, "--unit", "3", "-k", "500",
                                 "-o", str(tmp_path / "t.png")])
    assert str(result.exception) == "`k` must be in 1..100: layer 0 has 100 units. Got 500 " \
                                    "instead."
    result = runner.invoke(app, ["show", "trace", model, "--index", "1000", "-o",
                                 str(tmp_path / "t.png")])
    assert "`--index` must be in 0..999" in str(result.exception)


def test_experiment_command(tmp_path):
    result = runner.invoke(app, ["experiment", "zero-vs-one", "--epochs", "1", "-o",
                                 str(tmp_path)])
    assert result.exit_code == 0, result.output
    numbers = json.loads((tmp_path / "zero-vs-one.json").read_text())
    assert numbers["accuracies"]["784-1-2"] > 0.95
    assert imread(tmp_path / "zero-vs-one.png").shape[1] > 1000


def test_help_has_examples():
    for cmd in (["show", "fields"], ["show", "diagram"], ["experiment", "depth"]):
        result = runner.invoke(app, [*cmd, "--help"])
        assert result.exit_code == 0 and "Example" in result.output


def test_experiment_on_full_mnist_says_where_the_files_go(tmp_path, monkeypatch):
    monkeypatch.setenv("HIDDENLENS_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("HIDDENLENS_MNIST_URL", "http://127.0.0.1:9/")  # nothing listens there
    result = runner.invoke(app, ["experiment", "depth", "--data", "mnist", "-o",
                                 str(tmp_path)])
    assert isinstance(result.exception, FileNotFoundError)
    assert "Full MNIST is not in" in str(result.exception)
    assert "load_dataset('mnist-embedded')" in str(result.exception)
