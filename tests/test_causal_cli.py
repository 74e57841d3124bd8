"""hiddenlens ablate / patch / conductance and describe --ablation, run in-process."""

import json

import matplotlib
import numpy as np
import pytest

import hiddenlens as hl
from _cli import iris_model as iris_file
from _cli import refusal, run, small_digit_model

matplotlib.use("Agg")
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return small_digit_model(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def iris_model(tmp_path_factory):
    return iris_file(tmp_path_factory.mktemp("models"))




def test_ablate_writes_the_figure_and_the_apis_numbers(model, tmp_path):
    out, numbers = tmp_path / "a.png", tmp_path / "a.json"
    result = run("ablate", model, "--layer", 0, "--per-class", "--k", 5, "--json", numbers,
                 "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == PNG
    net, ds = hl.load_model(model), hl.load_dataset()
    ab = hl.ablate(net, ds.X_test, ds.y_test, 0)
    got = json.loads(numbers.read_text())
    assert got["units"] == [str(u) for u in range(12)] and got["value"] == "zero"
    assert got["baseline_score"] == ab.baseline_score and got["n_examples"] == 1000
    np.testing.assert_array_equal(got["drop"], ab.drop)
    np.testing.assert_array_equal(got["loss_increase"], ab.loss_increase)
    np.testing.assert_array_equal(got["per_class_drop"], ab.per_class_drop)
    assert got["ranking"] == ab.ranking.tolist() and got["class_names"] == ab.class_names
    best = ab.ranking[0]
    assert f"unit {best} of layer 0 lowers accuracy most: by {100 * ab.drop[best]:.1f} " \
           "points" in " ".join(result.output.split())


def test_ablate_values_and_the_json_without_per_class(iris_model, tmp_path):
    numbers = tmp_path / "m.json"
    result = run("ablate", iris_model, "--value", "0.5", "--json", numbers, "-o",
                 tmp_path / "m.svg")
    assert result.exit_code == 0, result.output
    got = json.loads(numbers.read_text())
    net, ds = hl.load_model(iris_model), hl.load_dataset("iris")
    ab = hl.ablate(net, ds.X_test, ds.y_test, 0, value=0.5, per_class=False)
    assert got["value"] == 0.5 and "per_class_drop" not in got
    np.testing.assert_array_equal(got["drop"], ab.drop)
    assert run("ablate", iris_model, "--value", "resample", "--random-state", 3, "-o",
               tmp_path / "r.png").exit_code == 0


def test_ablate_refuses_to_overwrite_its_json(model, tmp_path):
    numbers = tmp_path / "a.json"
    numbers.write_text("mine")
    with pytest.raises(FileExistsError, match="already exists; pass overwrite=True"):
        run("ablate", model, "--json", numbers, "-o", tmp_path / "a.png")
    assert numbers.read_text() == "mine" and not (tmp_path / "a.png").exists()
    assert run("ablate", model, "--json", numbers, "-o", tmp_path / "a.png",
               "--force").exit_code == 0
    assert json.loads(numbers.read_text())["layer"] == 0


def test_patch_and_conductance_write_figures(model, iris_model, tmp_path):
    net, ds = hl.load_model(model), hl.load_dataset()
    pred = net.predict(ds.X_test[:50])
    j = int(np.flatnonzero(pred != pred[0])[0])
    result = run("patch", model, "--from", 0, "--to", j, "--layer", 0, "-o", tmp_path / "p.png")
    assert result.exit_code == 0, result.output
    pe = hl.patch_effect(net, ds.X_test[0], ds.X_test[j], 0)
    best = pe.ranking[0]
    assert f"unit {best} moves it {100 * pe.effect[best]:.0f}% of the way" in \
        " ".join(result.output.split())
    assert (tmp_path / "p.png").read_bytes()[:8] == PNG
    result = run("conductance", iris_model, "--index", 2, "--unit", 1, "--target", "virginica",
                 "-o", tmp_path / "c.png")
    assert result.exit_code == 0, result.output
    assert "How the logit of class virginica flows through layer 0" in \
        " ".join(result.output.split())
    assert run("conductance", model, "--index", 0, "--n-steps", 5, "-o",
               tmp_path / "c2.png").exit_code == 0


def test_describe_with_ablation(iris_model):
    net, ds = hl.load_model(iris_model), hl.load_dataset("iris")
    one = run("describe", iris_model, "--unit", 2, "--ablation").output
    ab = hl.ablate(net, ds.X_test, ds.y_test, 0, [2])
    assert one == hl.describe(net, ds, 0, 2, ablation=ab).text + "\n"
    assert "Knocking it out" in one
    table = run("describe", iris_model, "--ablation").output.splitlines()
    assert "ablation_drop" in table[0] and len(table) == 2 + 5
    assert "ablation_drop" not in run("describe", iris_model).output.splitlines()[0]


@pytest.mark.parametrize("args, message", [
    (["ablate", "{model}", "--layer", "-1", "-o", "{tmp}/a.png"],
     "--layer must be a hidden layer (0..0) for this 784-12-10 network. Got -1 (the output "
     "layer) instead; knock out a hidden layer's units with `hiddenlens ablate --per-class` "
     "to see what each class needs."),
    (["ablate", "{model}", "--layer", "4", "-o", "{tmp}/a.png"],
     "--layer must be in -2..1 for this 784-12-10 network (0 is the first hidden layer, -1 "
     "the output). Got 4 instead."),
    (["ablate", "{model}", "--value", "half", "-o", "{tmp}/a.png"],
     "--value must be zero, mean, resample or a number. Got 'half' instead."),
    (["ablate", "{model}", "--k", "0", "-o", "{tmp}/a.png"],
     "--k must be an integer >= 1. Got 0 instead."),
    (["ablate", "{model}", "-o", "{tmp}/a.gif"],
     "-o/--output must name a .png, .svg or .pdf file (the format follows the suffix). Got "
     "{tmp}/a.gif instead."),
    (["patch", "{model}", "--from", "0", "--to", "1000", "-o", "{tmp}/p.png"],
     "--to must be in 0..999 (the test examples of mnist-embedded). Got 1000 instead."),
    (["patch", "{model}", "--from", "0", "--to", "0", "-o", "{tmp}/p.png"],
     "--from and --to must be test examples predicted as different classes. Got 0 and 0, "
     "both predicted as"),
    (["patch", "{model}", "--layer", "1", "--from", "0", "--to", "1", "-o", "{tmp}/p.png"],
     "--layer must be a hidden layer (0..0) for this 784-12-10 network. Got 1 (the output "
     "layer) instead; the patches are measured on the output, so patch the units of a layer "
     "below it."),
    (["conductance", "{model}", "--index", "-1", "-o", "{tmp}/c.png"],
     "--index must be in 0..999 (the test examples of mnist-embedded). Got -1 instead."),
    (["conductance", "{model}", "--index", "0", "--unit", "12", "-o", "{tmp}/c.png"],
     "--unit must be in 0..11 for layer 0, which has 12 units. Got 12 instead."),
    (["conductance", "{model}", "--index", "0", "--target", "seven", "-o", "{tmp}/c.png"],
     "--target must be a class of the model (0, 1, 2, 3, 4, 5, 6, 7, 8, 9) or its index. Got "
     "'seven' instead."),
    (["describe", "{model}", "--layer", "-1", "--ablation"],
     "--ablation knocks out hidden units, so --layer must be a hidden layer (0..0)"),
])
def test_errors_are_one_sentence(model, tmp_path, monkeypatch, capsys, args, message):
    err = refusal([a.format(model=model, tmp=tmp_path) for a in args], monkeypatch, capsys)
    assert message.format(tmp=tmp_path) in err
    assert not list(tmp_path.iterdir())  # nothing written, not even half


@pytest.mark.parametrize("command", ["ablate", "patch", "conductance"])
def test_help_teaches_with_an_example(command):
    out = run(command, "--help").output
    assert "Example" in out and f"hiddenlens {command} " in out
