"""hiddenlens trust and hiddenlens experiment importance-recovery, run in-process: the files
they write hold the API's numbers, and a mistake is one sentence."""

import json

import matplotlib
import numpy as np
import pytest

import hiddenlens as hl
from _cli import iris_model as iris_file
from _cli import refusal, run, runner, small_digit_model
from hiddenlens.cli import app

matplotlib.use("Agg")
PNG = b"\x89PNG\r\n\x1a\n"
METRICS = ["deletion", "insertion", "faithfulness_correlation", "randomization"]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return small_digit_model(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def iris_model(tmp_path_factory):
    return iris_file(tmp_path_factory.mktemp("models"))




def _same_table(rows: list[dict], table) -> None:
    assert [r["method"] for r in rows] == list(table["method"])
    for got, want in zip(rows, table.to_dict("records")):
        assert set(got) == set(want)
        for key, value in want.items():
            if isinstance(value, float) and np.isnan(value):
                assert got[key] is None
            else:
                assert got[key] == value, key


def test_trust_writes_the_figure_and_the_apis_table(model, tmp_path):
    out, numbers = tmp_path / "t.png", tmp_path / "t.json"
    result = run("trust", model, "--n", 40, "--metrics", ",".join(METRICS), "--json", numbers,
                 "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == PNG
    net, ds = hl.load_model(model), hl.load_dataset()
    report = hl.evaluate_attributions(net, ds.X_test[:40], ds.y_test[:40], metrics=METRICS,
                                      data=ds)
    got = json.loads(numbers.read_text())
    _same_table(got["table"], report.table)
    assert got["summary"] == report.summary()
    assert got["settings"]["n_examples"] == 40 and got["data"] == "mnist-embedded"
    curve = report.curves["ig"]["deletion"]
    np.testing.assert_allclose(got["curves"]["ig"]["deletion"]["mean_score"],
                               curve.scores.mean(0), atol=1e-6)
    assert got["curves"]["ig"]["deletion"]["auc"] == curve.auc.mean()
    check = report.checks["saliency"]["randomization"]
    assert got["checks"]["saliency"]["randomization"]["similarity"] == check.similarity.tolist()
    text = " ".join(result.output.split())
    assert " ".join(report.summary().split()) in text
    best = report.table.loc[report.table["rank"] == 1].iloc[0]
    assert f"{best['method']} {best['deletion_auc']:.3f}" in " ".join(text.split())


def test_trust_ranks_importance_methods_of_a_tabular_net(iris_model, tmp_path):
    numbers = tmp_path / "i.json"
    result = run("trust", iris_model, "--methods", "permutation,olden", "--json", numbers,
                 "-o", tmp_path / "i.svg")
    assert result.exit_code == 0, result.output
    net, ds = hl.load_model(iris_model), hl.load_dataset("iris")
    n = min(500, len(ds.X_test))
    report = hl.evaluate_importances(net, ds.X_test[:n], ds.y_test[:n],
                                     methods=["permutation", "olden"])
    _same_table(json.loads(numbers.read_text())["table"], report.table)
    assert (tmp_path / "i.svg").read_text().lstrip().startswith("<?xml")


def test_trust_explains_a_tabular_net_with_attribution_methods(iris_model, tmp_path):
    result = run("trust", iris_model, "--methods", "saliency,input_x_gradient", "--metrics",
                 "deletion,randomization", "-o", tmp_path / "a.png")
    assert result.exit_code == 0, result.output
    assert "input-x-gradient" in result.output and "weights:" in result.output


def test_importance_recovery_writes_the_figure_and_the_experiments_numbers(tmp_path):
    result = run("experiment", "importance-recovery", "-o", tmp_path, "--n-nets", 3,
                 "--epochs", 20, "--random-state", 1)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "importance-recovery.png").read_bytes()[:8] == PNG
    got = json.loads((tmp_path / "importance-recovery.json").read_text())
    want = hl.experiment_importance_recovery(n_nets=3, epochs=20, random_state=1)
    assert got["experiment"] == "importance-recovery"
    assert got["accuracies"] == want.accuracies
    frame = want.to_frame().round(6)
    assert [r["method"] for r in got["summary"]] == list(frame["method"])
    np.testing.assert_allclose([r["spearman"] for r in got["summary"]], frame["spearman"])
    np.testing.assert_allclose(got["extra"]["spearman olden"],
                               want.extra["spearman olden"], atol=1e-6)
    best = frame.iloc[0]
    assert f"best agreement with the true ranking: {best['method']}" in \
        " ".join(result.output.split())


@pytest.mark.parametrize("args, message", [
    (["trust", "{model}", "--methods", "ig,lrp", "-o", "{tmp}/t.png"],
     "--methods must be a comma-separated list of ig, saliency, smoothgrad, input-x-gradient, "
     "occlusion, permutation, perturbation, garson, olden. Got 'lrp' instead."),
    (["trust", "{model}", "--methods", "ig,olden", "-o", "{tmp}/t.png"],
     "--methods must name attribution methods (ig, saliency, smoothgrad, input-x-gradient, "
     "occlusion) or importance methods (permutation, perturbation, garson, olden), not both. "
     "Got 'ig,olden' instead."),
    (["trust", "{model}", "--metrics", "deletion,fidelity", "-o", "{tmp}/t.png"],
     "--metrics must be a comma-separated list of deletion, insertion, "
     "faithfulness_correlation, infidelity, max_sensitivity, randomization, "
     "label_randomization. Got 'fidelity' instead."),
    (["trust", "{model}", "--methods", "olden", "--metrics", "infidelity", "-o", "{tmp}/t.png"],
     "--metrics must be deletion and/or insertion for importance methods (one number per "
     "feature, not per example). Got 'infidelity' instead."),
    (["trust", "{model}", "--n", "0", "-o", "{tmp}/t.png"],
     "--n must be in 1..1000 (the test examples of mnist-embedded). Got 0 instead."),
    (["trust", "{model}", "--n", "5000", "-o", "{tmp}/t.png"],
     "--n must be in 1..1000 (the test examples of mnist-embedded). Got 5000 instead."),
    (["trust", "{model}", "-o", "{tmp}/t.gif", "--n", "3", "--metrics", "deletion"],
     "Figures are written as .png, .svg or .pdf. Got {tmp}/t.gif instead."),
    (["trust", "{model}", "--threads", "0", "-o", "{tmp}/t.png"],
     "--threads must be in 1..256. Got 0 instead."),
    (["experiment", "importance-recovery", "-o", "{tmp}", "--n-nets", "0"],
     "--n-nets must be in 1..1000. Got 0 instead."),
    (["experiment", "importance-recovery", "-o", "{tmp}", "--n-rows", "4"],
     "--n-rows must be in 8..100000. Got 4 instead."),
    (["experiment", "importance-recovery", "-o", "{tmp}", "--format", "gif"],
     "--format must be one of 'png', 'svg'. Got 'gif' instead."),
])
def test_errors_are_one_sentence(model, tmp_path, monkeypatch, capsys, args, message):
    err = refusal([a.format(model=model, tmp=tmp_path) for a in args], monkeypatch, capsys)
    assert message.format(tmp=tmp_path) in err
    assert not list(tmp_path.iterdir())  # nothing written, not even half


def test_trust_refuses_to_overwrite(model, tmp_path):
    out = tmp_path / "t.png"
    out.write_bytes(b"mine")
    result = runner.invoke(app, ["trust", str(model), "--n", "3", "--metrics", "deletion",
                                 "-o", str(out)])
    assert isinstance(result.exception, FileExistsError) and out.read_bytes() == b"mine"
    assert run("trust", model, "--n", 3, "--metrics", "deletion", "-o", out,
               "--force").exit_code == 0
    assert out.read_bytes()[:8] == PNG


@pytest.mark.parametrize("command", [["trust"], ["experiment", "importance-recovery"]])
def test_help_teaches_with_an_example(command):
    out = run(*command, "--help").output
    assert "Example" in out and f"hiddenlens {' '.join(command)} " in out
