"""The command line, run as a user runs it: a subprocess of `python -m hiddenlens`."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[1] / "src")


def run(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
               COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "hiddenlens", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)


def assert_one_sentence_error(result, *fragments):
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    message = " ".join(result.stderr.split())
    assert message.startswith("error:"), message
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize("command", ["train", "evaluate", "demo"])
def test_help_teaches_with_an_example(command):
    result = run(command, "--help")
    assert result.returncode == 0 and "Example" in result.stdout


def test_top_level_help_lists_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("train", "evaluate", "demo"):
        assert command in result.stdout


def test_train_then_evaluate(tmp_path):
    model = tmp_path / "single.safetensors"
    result = run("train", "single-layer", "--epochs", "2", "-o", model)
    assert result.returncode == 0, result.stderr
    assert "samples/s" in result.stdout and str(model) in result.stdout
    result = run("evaluate", model, "--json")
    assert result.returncode == 0, result.stderr
    numbers = json.loads(result.stdout)
    assert numbers["n"] == 1000 and 0.7 < numbers["accuracy"] <= 1
    assert len(numbers["confusion_matrix"]) == 10
    text = run("evaluate", model).stdout
    assert "per-class accuracy" in text and "confusion matrix" in text


def test_train_custom_sizes_on_iris(tmp_path):
    result = run("train", "--sizes", "4-6-3", "--activation", "tanh", "--data", "iris",
                 "--epochs", "5", "-o", tmp_path / "iris.safetensors")
    assert result.returncode == 0, result.stderr
    assert "4-6-3" in result.stdout


def test_existing_output_needs_force(tmp_path):
    model = tmp_path / "m.safetensors"
    model.write_text("keep me")
    result = run("train", "zero-vs-one", "-o", model)
    assert_one_sentence_error(result, "already exists", "--force")
    assert model.read_text() == "keep me"


@pytest.mark.parametrize("args,fragments", [
    (["train", "lenet", "-o", "x.safetensors"], ["Unknown preset 'lenet'"]),
    (["train", "--sizes", "784-100-10", "--data", "iris", "-o", "x.safetensors"],
     ["takes 784 inputs but iris has 4 features"]),
    (["train", "--sizes", "4-3", "--activation", "swish", "--data", "iris", "-o", "x.st"],
     ["--activation must be one of"]),
    (["train", "nielsen", "--data", "mnsit", "-o", "x.safetensors"], ["Unknown data set"]),
    (["evaluate", "missing.safetensors"], ["No such model file"]),
    (["train", "single-layer", "--target-column", "y", "-o", "x.safetensors"],
     ["--target-column names the label column of the CSV file given with --data"]),
])
def test_mistakes_print_one_sentence(tmp_path, args, fragments):
    assert_one_sentence_error(run(*args, cwd=tmp_path), *fragments)
    assert not (tmp_path / "x.safetensors").exists()


def test_corrupt_model_file(tmp_path):
    path = tmp_path / "broken.safetensors"
    path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\": 1")
    assert_one_sentence_error(run("evaluate", path), "truncated")


def test_evaluate_keeps_the_classes_the_model_was_trained_on(tmp_path):
    model = tmp_path / "zero.safetensors"
    assert run("train", "zero-vs-one", "--epochs", "1", "-o", model).returncode == 0
    result = run("evaluate", model, "--json")
    assert result.returncode == 0, result.stderr
    numbers = json.loads(result.stdout)
    assert numbers["class_names"] == ["0", "1"] and numbers["n"] == 200


def test_preset_takes_activation_options(tmp_path):
    model = tmp_path / "relu.safetensors"
    result = run("train", "zero-vs-one", "--activation", "relu", "--epochs", "1", "-o", model)
    assert result.returncode == 0, result.stderr
    assert "activation='relu'" in result.stdout


def test_csv_regression_defaults_to_a_linear_output(tmp_path):
    csv = tmp_path / "lin.csv"
    csv.write_text("a,b,y\n" + "\n".join(f"{i % 7},{i % 5},{0.3 * i}" for i in range(40)))
    model = tmp_path / "lin.safetensors"
    result = run("train", "--sizes", "2-1", "--data", csv, "--target-column", "y", "--epochs",
                 "2", "-o", model)
    assert result.returncode == 0, result.stderr
    assert "output_activation='linear'" in " ".join(result.stdout.split())
    assert_one_sentence_error(run("evaluate", model), "not a built-in data set", "--data")


def test_demo_output_that_is_a_file(tmp_path):
    (tmp_path / "taken").write_text("keep me")
    assert_one_sentence_error(run("demo", "-o", "taken", cwd=tmp_path), "taken is a file")


def test_tabular_model_without_a_data_set_needs_data(tmp_path):
    import hiddenlens as hl

    model = tmp_path / "imported.safetensors"
    hl.save_model(hl.DenseNet([4, 3]), model)  # as an import would: no data set recorded
    assert_one_sentence_error(run("evaluate", model), "takes 4 inputs and names no built-in "
                                                      "data set", "--data")
    result = run("evaluate", model, "--data", "iris", "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["n"] == 38
