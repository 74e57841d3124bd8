"""The attribute / importance commands and the three Displays, on real files."""

import json
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

import hiddenlens as hl  # noqa: E402
from hiddenlens.cli import app  # noqa: E402
from hiddenlens.plot import AttributionDisplay, ImportanceDisplay, LekProfileDisplay  # noqa: E402

SRC = str(Path(hl.__file__).parents[1])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    iris = hl.DenseNet([4, 6, 3], "tanh", random_state=0)
    hl.train(iris, hl.load_dataset("iris"), epochs=20, progress=False)
    hl.save_model(iris, folder / "iris.safetensors")
    digits = hl.DenseNet([784, 16, 10], random_state=0, image_shape=(28, 28),
                         data_name="mnist-embedded")
    hl.save_model(digits, folder / "digits.safetensors")
    return folder, iris, digits


def _run(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result


def test_attribute_writes_side_by_side_heat_maps(models, tmp_path):
    folder, *_ = models
    out = tmp_path / "attr.png"
    result = _run("attribute", folder / "digits.safetensors", "--method", "smoothgrad,ig",
                  "--index", 3, "--target", 7, "--n-samples", 5, "--n-steps", 8, "-o", out)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 5000 and "smoothgrad, ig" in result.output
    again = _run("attribute", folder / "digits.safetensors", "-o", out)
    assert isinstance(again.exception, FileExistsError)


@pytest.mark.parametrize("method", ["permutation", "perturbation", "garson", "olden", "lek"])
def test_importance_writes_a_figure_and_json(models, tmp_path, method):
    folder, *_ = models
    out, js = tmp_path / f"{method}.png", tmp_path / f"{method}.json"
    result = _run("importance", folder / "iris.safetensors", "--method", method, "--data",
                  "iris", "--n-repeats", 2, "--n-points", 9, "--k", 3, "--json", js, "-o", out)
    assert result.exit_code == 0, result.output
    numbers = json.loads(js.read_text())
    assert numbers["method"] == method and out.stat().st_size > 5000
    assert len(numbers["features"]) == 4
    if method == "lek":  # --n-points 9, and the six default quantiles held
        assert len(numbers["grid"][0]) == 9 and len(numbers["held_labels"]) == 6


def test_cli_errors_are_one_sentence(models, tmp_path):
    folder, *_ = models
    run = [sys.executable, "-m", "hiddenlens"]
    env = {"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(run + ["attribute", str(folder / "iris.safetensors"), "-o",
                                 str(tmp_path / "x.png")], capture_output=True, text=True,
                          env=env)
    assert proc.returncode == 1
    assert "Attribution heat maps are drawn over images, but this 4-6-3 network has no " \
           "image_shape" in " ".join(proc.stderr.split())
    assert "Traceback" not in proc.stderr
    result = _run("importance", folder / "digits.safetensors", "--method", "lek", "-o",
                  tmp_path / "l.png")
    assert "choose up to 12 with --feature" in str(result.exception)
    result = _run("importance", folder / "iris.safetensors", "--method", "shap", "-o",
                  tmp_path / "l.png")
    assert "--method must be one of permutation, perturbation, garson, olden, lek" in \
        str(result.exception)


def test_displays_draw_what_explain_returns(models):
    _, iris, digits = models
    ds = hl.load_dataset("iris")
    bars = ImportanceDisplay.from_model(iris, ds.X_test, ds.y_test, method="permutation",
                                        n_repeats=3, random_state=0)
    res = hl.explain.permutation_importance(iris, ds.X_test, ds.y_test, n_repeats=3,
                                            random_state=0)
    widths = sorted(p.get_width() for p in bars.ax_.patches)
    np.testing.assert_allclose(widths, sorted(res.importances_mean), atol=1e-12)
    assert bars.ax_.get_yticklabels()[-1].get_text() == ds.feature_names[
        int(np.argmax(res.importances_mean))]  # the most important on top
    lek = LekProfileDisplay.from_model(iris, ds.X_test, feature=["petal width (cm)"],
                                       n_points=20)
    assert len(lek.ax_.lines) == 6 and len(lek.ax_.lines[0].get_xdata()) == 20
    x = hl.load_dataset("mnist-embedded").X_test[0]
    maps = AttributionDisplay.from_model(digits, x, method=["saliency", "occlusion"], target=2)
    assert len(maps.axes_) == 3
    assert [a.get_title() for a in maps.axes_] == ["input", "saliency (gradient)", "occlusion"]
    np.testing.assert_allclose(maps.maps["saliency"], hl.explain.saliency(digits, x, 2)[0])
    digits_ds = hl.load_dataset("mnist-embedded")
    image_bars = ImportanceDisplay.from_model(digits, digits_ds.X_test[:40],
                                              digits_ds.y_test[:40], method="perturbation",
                                              n_repeats=1, random_state=0)
    assert image_bars.axes_[1].images[0].get_array().shape == (28, 28)
    with pytest.raises(ValueError, match=r"garson needs exactly one hidden layer"):
        ImportanceDisplay.from_model(hl.DenseNet([4, 3, 3, 2]), method="garson")


def test_a_target_out_of_range_is_one_sentence(models, tmp_path):
    folder, iris, _ = models
    for method in ("garson", "olden", "lek"):
        result = _run("importance", folder / "iris.safetensors", "--method", method,
                      "--target", 7, "--data", "iris", "-o", tmp_path / "x.png")
        assert isinstance(result.exception, ValueError), result.output
        assert str(result.exception) == ("`target` must be in 0..2 for layer -1, which has 3 "
                                         "units. Got 7 instead.")
    with pytest.raises(ValueError, match=r"`target` must be in 0\.\.2 for layer -1"):
        LekProfileDisplay.from_model(iris, np.zeros((5, 4)), target=3)


def test_every_colour_bar_says_what_its_values_are(models):
    _, _, digits = models
    ds = hl.load_dataset("mnist-embedded")
    maps = AttributionDisplay.from_model(digits, ds.X_test[0],
                                         method=["ig", "saliency", "occlusion"],
                                         probability=True)
    labels = [a.get_ylabel() for a in maps.figure_.axes[len(maps.axes_):]]  # the colour bars
    assert labels == ["share of probability(x) - probability(baseline)",
                      "d probability / d pixel", "drop of the probability when covered"]
    bars = ImportanceDisplay.from_model(digits, ds.X_test[:30], ds.y_test[:30],
                                        method="perturbation", n_repeats=1, random_state=0)
    assert bars.figure_.axes[-1].get_ylabel() == "drop in accuracy"


def test_a_callable_scoring_is_named_by_its_function(models):
    _, iris, _ = models
    ds = hl.load_dataset("iris")

    def hits(estimator, X, y):  # a scorer, as scikit-learn calls it
        return float(np.sum(estimator.predict(X) == y))

    bars = ImportanceDisplay.from_model(iris, ds.X_test, ds.y_test, method="permutation",
                                        scoring=hits, n_repeats=1, random_state=0)
    assert bars.ax_.get_xlabel().startswith("drop in hits when the feature is shuffled")
