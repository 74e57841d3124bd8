"""The one registry of named methods (hiddenlens.explain.methods): names, lookups, errors,
--help."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import hiddenlens as hl
from hiddenlens.cli import app
from hiddenlens.explain import get_method, methods
from hiddenlens.explain._methods import methods_help

SRC = str(Path(__file__).resolve().parents[1] / "src")


@pytest.fixture(scope="module")
def iris():
    return hl.load_dataset("iris")


@pytest.fixture(scope="module")
def iris_net(iris):
    return hl.train(hl.DenseNet([4, 5, 3], "tanh", random_state=0), iris, epochs=5, progress=False)


def test_the_registry_names_every_method_once():
    assert list(methods("attribution")) == ["ig", "saliency", "smoothgrad", "input-x-gradient",
                                            "occlusion"]
    assert list(methods("importance")) == ["permutation", "perturbation", "garson", "olden"]
    assert list(methods(("importance", "profile"))) == ["permutation", "perturbation",
                                                        "garson", "olden", "lek"]
    assert get_method("ig").function is hl.integrated_gradients
    assert get_method("saliency").title == "saliency (gradient)"
    assert not get_method("olden", "importance").needs_data


def test_an_unknown_name_is_one_sentence_listing_the_known_ones():
    with pytest.raises(ValueError) as info:
        get_method("grad-cam")
    assert str(info.value) == (
        "`method` must be one of 'ig', 'saliency', 'smoothgrad', 'input-x-gradient', "
        "'occlusion' or a callable (net, X, target) -> attributions. Got 'grad-cam' instead.")
    with pytest.raises(ValueError) as info:
        get_method("shap", "importance")
    assert str(info.value) == ("`method` must be one of 'permutation', 'perturbation', "
                               "'garson', 'olden'. Got 'shap' instead.")
    with pytest.raises(ValueError, match=r"`method` must be one of 'ig'.* Got 'olden' "
                                         r"instead\."):
        get_method("olden")  # an importance method is not an attribution
    with pytest.raises(ValueError, match=r"`kind` must be one of 'attribution', 'importance', "
                                         r"'profile'\. Got 'trust' instead\."):
        methods("trust")


def test_a_callable_is_an_attribution_method(iris_net, iris):
    def half_gradient(net, X, target):
        """Half the gradient."""
        return 0.5 * hl.saliency(net, X, target)

    m = get_method(half_gradient)
    assert (m.name, m.kind, m.description) == ("half_gradient", "attribution",
                                               "Half the gradient.")
    np.testing.assert_allclose(m(iris_net, iris.X_test[:3], 1),
                               0.5 * hl.saliency(iris_net, iris.X_test[:3], 1))
    with pytest.raises(ValueError, match=r"`method` must be one of 'permutation'"):
        get_method(half_gradient, "importance")  # importances are looked up by name only


def test_a_name_calls_its_function(iris_net, iris):
    X = iris.X_test[:5]
    np.testing.assert_array_equal(get_method("saliency")(iris_net, X, 2),
                                  hl.saliency(iris_net, X, 2))


def test_importance_methods_return_one_bunch(iris_net, iris):
    X, y = iris.X_test, iris.y_test
    r = get_method("permutation", "importance")(iris_net, X, y, n_repeats=3, random_state=0)
    expected = hl.permutation_importance(iris_net, X, y, n_repeats=3, random_state=0)
    np.testing.assert_array_equal(r.importances_mean, expected.importances_mean)
    np.testing.assert_array_equal(r.importances, expected.importances)
    assert list(r.names) == iris.feature_names
    olden = get_method("olden", "importance")(iris_net, target=2)
    np.testing.assert_array_equal(olden.importances_mean, hl.olden(iris_net)[2])
    assert olden.importances_std is None and list(olden.names) == iris.feature_names
    with pytest.raises(ValueError, match=r"^permutation importance needs data: pass X and "
                                         r"y\.$"):
        get_method("permutation", "importance")(iris_net)
    with pytest.raises(ValueError, match=r"^`target` must be in 0\.\.2 for layer -1, which "
                                         r"has 3 units\. Got 3 instead\.$"):
        get_method("garson", "importance")(iris_net, target=3)


def test_help_lists_each_method_with_its_description():
    assert methods_help("importance").splitlines()[2] == (
        "garson: each input's share of |weight| into the hidden units (one hidden layer; "
        "weights only)")
    for command, names in (("attribute", methods("attribution")),
                           ("importance", methods(("importance", "profile")))):
        text = " ".join(CliRunner().invoke(app, [command, "--help"]).output.split())
        text = text.replace("│ ", "").replace(" │", "")  # rich's box
        for m in names.values():
            assert f"{m.name}: {m.description.split()[0]}" in text, (command, m.name)


def test_the_cli_checks_names_against_the_registry(tmp_path, iris_net):
    path = tmp_path / "iris.safetensors"
    hl.save_model(iris_net, path)
    result = CliRunner().invoke(app, ["attribute", str(path), "--method", "ig,gradcam", "-o",
                                      str(tmp_path / "a.png")])
    assert str(result.exception) == ("--method must be one of ig, saliency, smoothgrad, "
                                     "input-x-gradient, occlusion. Got 'gradcam' instead.")


def test_the_registry_is_public_and_reading_it_imports_no_torch():
    code = ("import sys\n"
            "from hiddenlens.explain import methods, readable_options\n"
            "assert 'ig' in methods('attribution') and callable(readable_options)\n"
            "assert 'torch' not in sys.modules\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=SRC), timeout=60)
    assert result.returncode == 0, result.stderr
