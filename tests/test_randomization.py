"""Sanity checks (Adebayo et al. 2018): quantus.MPRT's numbers and the known answers."""

import warnings

import numpy as np
import pytest
import quantus  # a dev dependency (plain, no extras): missing, the file fails, never skips
import torch
from captum.attr import Saliency  # noqa: E402
from scipy import ndimage

import hiddenlens as hl
from _trust_helpers import Logits, digits, float64_copy


def _captum_saliency(model, inputs, targets, **kw):
    x = torch.as_tensor(inputs, dtype=torch.float64).reshape(len(inputs), -1)
    a = Saliency(model).attribute(x, target=torch.as_tensor(targets), abs=False)
    return a.detach().numpy().reshape(inputs.shape)


@pytest.mark.parametrize("mode,order", [("cascading", "top_down"),
                                        ("independent", "independent")])
def test_model_randomization_equals_quantus_mprt(nielsen_net, embedded, mode, order):
    net = float64_copy(nielsen_net)
    X, y = digits(embedded, 20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = quantus.MPRT(layer_order=order, seed=7, disable_warnings=True)(
            Logits(net).eval(), X.reshape(-1, 1, 28, 28), y,
            hl.saliency(net, X, y).reshape(-1, 1, 28, 28), explain_func=_captum_saliency)
    ours = hl.randomization_check(net, X, y, "saliency", mode=mode, random_state=7)
    assert len(theirs) == len(ours.steps) == 3
    np.testing.assert_allclose(ours.similarities, np.array(list(theirs.values())), atol=1e-10)
    assert np.array_equal(net.weights[0], nielsen_net.weights[0])  # the user's net untouched


def test_saliency_passes_once_the_output_layer_is_random(nielsen_net, embedded):
    X, y = embedded.X_test[:60], embedded.y_test[:60]
    check = hl.randomization_check(nielsen_net, X, y, "saliency")
    assert check.steps == ["intact", "layer 1 random", "layers 1..0 random"]
    assert check.similarity[0] == 1 and check.similarity[1] < 0.5
    assert check.passed
    assert list(check.to_frame()["step"]) == check.steps


def _edges(net, X, target):
    images = np.asarray(X).reshape(-1, 28, 28)
    return np.hypot(ndimage.sobel(images, 1), ndimage.sobel(images, 2)).reshape(len(images), -1)


@pytest.mark.parametrize("explanation", [lambda net, X, target: np.asarray(X), _edges],
                         ids=["the input itself", "an edge detector"])
def test_a_model_independent_explanation_fails(nielsen_net, embedded, explanation):
    X, y = embedded.X_test[:30], embedded.y_test[:30]
    check = hl.randomization_check(nielsen_net, X, y, explanation)
    np.testing.assert_allclose(check.similarity, 1)
    assert not check.passed


def test_randomized_labels_change_gradient_maps(single_layer_net, embedded):
    X, y = embedded.X_test[:40], embedded.y_test[:40]
    check = hl.randomization_check(single_layer_net, X, y, "saliency", mode="labels",
                                   data=embedded)
    assert check.extra["recipe"]["preset"] == "single-layer"
    assert check.similarity[1] < 0.5 and check.passed


def test_a_net_without_a_recipe_gets_trains_defaults(embedded):
    from hiddenlens.explain._relabel import _recipe

    net = hl.DenseNet([784, 7, 10], "tanh")
    assert _recipe(net, None) == (None, {"epochs": 10})
    net.history = [{}] * 3
    assert _recipe(net, None) == (None, {"epochs": 3})
    assert _recipe(hl.DenseNet([784, 100, 10], "sigmoid", "sigmoid"), None) == ("nielsen", {})
    assert _recipe(net, {"epochs": 2, "lr": 0.5}) == (None, {"epochs": 2, "lr": 0.5})


# ------------------------------------------------------------------ bad input, one sentence
def test_an_unknown_method_lists_the_known_ones(nielsen_net, embedded):
    with pytest.raises(ValueError, match=r"^`method` must be one of 'ig', 'saliency', "
                       r"'smoothgrad', 'input-x-gradient', 'occlusion' "
                       r"or a callable \(net, X, target\) -> attributions\. Got 'lrp' "
                       r"instead\.$"):
        hl.randomization_check(nielsen_net, embedded.X_test[:2], 0, "lrp")


def test_an_unknown_mode(nielsen_net, embedded):
    with pytest.raises(ValueError, match=r"^`mode` must be one of 'cascading', 'independent', "
                       r"'labels'\. Got 'bottom_up' instead\.$"):
        hl.randomization_check(nielsen_net, embedded.X_test[:2], 0, "saliency",
                               mode="bottom_up")


def test_labels_mode_needs_training_data(embedded):
    net = hl.DenseNet([784, 10])
    with pytest.raises(ValueError, match=r"^mode='labels' retrains the network, so it needs "
                       r"its training data; this network records none\. Pass data= \(a "
                       r"Dataset or a data-set name\)\.$"):
        hl.randomization_check(net, embedded.X_test[:2], 0, "saliency", mode="labels")
