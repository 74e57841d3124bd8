"""Infidelity and max-sensitivity against captum.metrics on the same perturbations."""

import captum.metrics as captum_metrics  # a dev dependency: missing, the file fails, never skips
import numpy as np
import pytest
import torch
from captum.attr import InputXGradient, Saliency

import hiddenlens as hl
from _trust_helpers import Logits, digits, float64_copy

pytestmark = pytest.mark.filterwarnings("ignore:Input Tensor 0 did not already require")


@pytest.fixture(scope="module")
def net64(nielsen_net):
    return float64_copy(nielsen_net)


N, S = 16, 6


@pytest.mark.parametrize("rescale", [False, True])
def test_infidelity_equals_captum(net64, embedded, rescale):
    X, y = digits(embedded, N)
    A = hl.saliency(net64, X, y)
    I = np.random.default_rng(0).normal(0, 0.1, (N, S, 784))
    flat = torch.as_tensor(I.reshape(N * S, 784))  # Captum's rows: example-major
    theirs = captum_metrics.infidelity(
        Logits(net64), lambda x: (flat, x - flat), torch.as_tensor(X), torch.as_tensor(A),
        target=torch.as_tensor(y), n_perturb_samples=S, normalize=rescale).numpy()
    ours = hl.infidelity(net64, X, y, A, perturbations=I, rescale=rescale)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_square_removal_equals_the_same_squares_given_explicitly(net64, embedded):
    X, y = digits(embedded, N)
    A = hl.input_x_gradient(net64, X, y)
    ours = hl.infidelity(net64, X, y, A, perturbation="square", n_samples=S, random_state=4)
    rng = np.random.default_rng(4)  # the draws `perturbation="square"` makes
    top, left = rng.integers(0, 25, (N, S)), rng.integers(0, 25, (N, S))
    I = np.zeros((N, S, 28, 28))
    for i, s in np.ndindex(N, S):
        sl = (slice(top[i, s], top[i, s] + 4), slice(left[i, s], left[i, s] + 4))
        I[i, s][sl] = X[i].reshape(28, 28)[sl]
    np.testing.assert_allclose(ours, hl.infidelity(net64, X, y, A,
                                                   perturbations=I.reshape(N, S, 784)))


@pytest.mark.parametrize("method,peer", [("saliency", Saliency),
                                         ("input-x-gradient", InputXGradient)])
def test_max_sensitivity_equals_captum(net64, embedded, method, peer):
    X, y = digits(embedded, N)
    delta = np.random.default_rng(1).uniform(-0.02, 0.02, (N, S, 784))
    flat = torch.as_tensor(delta.reshape(N * S, 784))
    explainer = peer(Logits(net64))
    kw = {"abs": False} if peer is Saliency else {}
    theirs = captum_metrics.sensitivity_max(
        lambda x, target: explainer.attribute(x, target=target, **kw), torch.as_tensor(X),
        perturb_func=lambda x, radius: x + flat, n_perturb_samples=S,
        target=torch.as_tensor(y)).numpy()
    ours = hl.max_sensitivity(net64, X, y, method, perturbations=delta)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_max_sensitivity_takes_any_callable(nielsen_net, embedded):
    X, y = embedded.X_test[:5], embedded.y_test[:5]
    assert np.all(hl.max_sensitivity(nielsen_net, X, y, lambda net, X, t: X) > 0)
    constant = hl.max_sensitivity(nielsen_net, X, y, lambda net, X, t: np.ones_like(X))
    np.testing.assert_array_equal(constant, 0)


def test_a_method_returning_the_wrong_shape(nielsen_net, embedded):
    X, y = embedded.X_test[:2], embedded.y_test[:2]
    with pytest.raises(ValueError, match=r"^`method` 'half' must return attributions of shape "
                       r"\(2, 784\)\. Got shape \(2, 392\) instead\.$"):
        def half(net, X, target):
            return X[:, :392]

        hl.max_sensitivity(nielsen_net, X, y, half)


def test_perturbations_of_the_wrong_shape(nielsen_net, embedded):
    X, y = embedded.X_test[:2], embedded.y_test[:2]
    with pytest.raises(ValueError, match=r"^`perturbations` must be finite, of shape \(2, "
                       r"n_samples, 784\)\. Got shape \(2, 784\) instead\.$"):
        hl.infidelity(nielsen_net, X, y, np.zeros((2, 784)), perturbations=np.zeros((2, 784)))
