"""Gradient attributions against Captum and torch.autograd, on real digits."""

import numpy as np
import pytest
import torch
from captum.attr import (
    InputXGradient,
    IntegratedGradients,
    NoiseTunnel,
    Saliency,
)

import hiddenlens as hl
from _captum_models import Logits
from hiddenlens.explain import (
    input_x_gradient,
    integrated_gradients,
    jacobian,
    loss_sensitivity,
    saliency,
    smoothgrad,
)

pytestmark = pytest.mark.filterwarnings("ignore:Input Tensor 0 did not already require")


@pytest.fixture(scope="module")
def digits():
    ds = hl.load_dataset("mnist-embedded")
    pick = np.arange(12) * 83  # the test split is sorted by class: take every digit
    return ds.X_test[pick], ds.y_test[pick]


@pytest.fixture(scope="module", params=[("sigmoid", "softmax"), ("relu", "softmax"),
                                        ("tanh", "sigmoid")])
def net(request):
    act, out = request.param
    return hl.DenseNet([784, 30, 20, 10], act, out, random_state=3, image_shape=(28, 28))


def test_saliency_equals_captum(net, digits):
    X, y = digits
    x = torch.tensor(X)
    for abs_ in (False, True):
        ours = saliency(net, X, y, abs=abs_)
        theirs = Saliency(Logits(net)).attribute(x, target=torch.tensor(y), abs=abs_)
        np.testing.assert_allclose(ours, theirs.detach().numpy(), atol=1e-5)


def test_probability_target_and_hidden_unit_equal_autograd(net, digits):
    X, _ = digits
    ours = saliency(net, X, 3, pre_activation=False)
    theirs = Saliency(Logits(net, probability=True)).attribute(torch.tensor(X), target=3,
                                                              abs=False)
    np.testing.assert_allclose(ours, theirs.detach().numpy(), atol=1e-5)
    x = torch.tensor(X, requires_grad=True)
    _, acts = net.module.forward_all(x)
    acts[1][:, 7].sum().backward()
    np.testing.assert_allclose(saliency(net, X, (1, 7)), x.grad.numpy(), atol=1e-6)


def test_input_x_gradient_equals_captum(net, digits):
    X, y = digits
    theirs = InputXGradient(Logits(net)).attribute(torch.tensor(X), target=torch.tensor(y))
    np.testing.assert_allclose(input_x_gradient(net, X, y), theirs.detach().numpy(), atol=1e-5)


@pytest.mark.parametrize("method", ["gausslegendre", "riemann_left", "riemann_right",
                                    "riemann_middle", "riemann_trapezoid"])
def test_integrated_gradients_equal_captum(net, digits, method):
    X, y = digits
    baseline = np.full(784, 0.1, dtype=np.float32)
    ours, gap = integrated_gradients(net, X, y, baseline=baseline, n_steps=20, method=method,
                                     return_gap=True)
    theirs, delta = IntegratedGradients(Logits(net)).attribute(
        torch.tensor(X), baselines=torch.tensor(baseline)[None], target=torch.tensor(y),
        n_steps=20, method=method, return_convergence_delta=True)
    np.testing.assert_allclose(ours, theirs.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(gap, delta.numpy(), atol=1e-4)


def test_integrated_gradients_completeness_gap_is_small_with_enough_steps(digits):
    X, _ = digits
    net = hl.DenseNet([784, 30, 10], "sigmoid", dtype=torch.float64, random_state=0)
    _, gap = integrated_gradients(net, X, 4, n_steps=64, return_gap=True)
    assert np.abs(gap).max() < 1e-3
    _, coarse = integrated_gradients(net, X, 4, n_steps=4, method="riemann_left",
                                     return_gap=True)
    assert np.abs(coarse).max() > np.abs(gap).max()


def test_smoothgrad_equals_captum_noise_tunnel_with_the_same_draws(net, digits):
    X, y = digits
    torch.manual_seed(7)
    theirs = NoiseTunnel(Saliency(Logits(net))).attribute(
        torch.tensor(X), nt_type="smoothgrad", nt_samples=9, stdevs=0.2,
        target=torch.tensor(y), abs=False)
    ours = smoothgrad(net, X, y, n_samples=9, noise=0.2, random_state=7)
    np.testing.assert_allclose(ours, theirs.detach().numpy(), atol=1e-5)


def test_smoothgrad_draws_do_not_depend_on_blocking(digits):
    X, _ = digits
    net = hl.DenseNet([784, 8, 10], random_state=0)
    Xbig = np.repeat(X, 4, axis=0)  # 48 rows: three blocks of 16 rows
    many = smoothgrad(net, Xbig, 2, n_samples=300, random_state=1)
    torch.manual_seed(1)
    one = NoiseTunnel(Saliency(Logits(net))).attribute(
        torch.tensor(Xbig), nt_type="smoothgrad", nt_samples=300, stdevs=0.15, target=2,
        abs=False)
    np.testing.assert_allclose(many, one.detach().numpy(), atol=1e-5)


@pytest.mark.parametrize("pre", [False, True])
def test_jacobian_of_any_unit_equals_autograd(pre):
    net = hl.DenseNet([5, 4, 3, 2], "tanh", dtype=torch.float64, random_state=2)
    X = np.random.RandomState(0).randn(6, 5)

    def layer1(v):
        zs, acts = net.module.forward_all(v[None])
        return (zs if pre else acts)[1][0]

    full = np.stack([torch.autograd.functional.jacobian(layer1, torch.tensor(r)).numpy()
                     for r in X])
    np.testing.assert_allclose(jacobian(net, X, target=(1, None), pre_activation=pre), full,
                               atol=1e-12)
    np.testing.assert_allclose(jacobian(net, X, target=(1, 2), pre_activation=pre),
                               full[:, 2], atol=1e-12)
    per = np.array([0, 1, 2, 0, 1, 2])
    np.testing.assert_allclose(jacobian(net, X, target=(1, per), pre_activation=pre),
                               full[np.arange(6), per], atol=1e-12)
    wrt0 = jacobian(net, X, target=(-1, 1), wrt=0)
    assert wrt0.shape == (6, 4)
    with pytest.raises(ValueError, match=r"`target` must give one unit per example \(6\)\. Got "
                                         r"shape \(2,\) instead\."):
        jacobian(net, X, target=(1, [0, 1]))


@pytest.mark.parametrize("out,loss", [("softmax", "cross-entropy"), ("sigmoid", "quadratic"),
                                      ("softmax", "quadratic")])
def test_loss_sensitivity_equals_autograd(out, loss):
    net = hl.DenseNet([6, 5, 3], "sigmoid", out, dtype=torch.float64, random_state=4)
    X = np.random.RandomState(1).rand(8, 6)
    y = np.array([0, 1, 2, 2, 1, 0, 1, 2])
    x = torch.tensor(X, requires_grad=True)
    t = torch.nn.functional.one_hot(torch.tensor(y), 3).double()
    if loss == "cross-entropy":
        total = torch.nn.functional.cross_entropy(net.module.logits(x), torch.tensor(y),
                                                  reduction="sum")
    else:
        total = 0.5 * ((net.module(x) - t) ** 2).sum()
    total.backward()
    np.testing.assert_allclose(loss_sensitivity(net, X, y, loss=loss), x.grad.numpy(),
                               atol=1e-12)


def test_bad_targets_and_baselines_say_what_to_do(digits):
    X, _ = digits
    net = hl.DenseNet([784, 8, 10], random_state=0)
    with pytest.raises(ValueError, match=r"`target` must be a class index in 0\.\.9 for this "
                                         r"784-8-10 network\. Got 10 instead\."):
        saliency(net, X, 10)
    with pytest.raises(ValueError, match=r"`target` must hold one class index per example "
                                         r"\(12\)\. Got shape \(3,\) instead\."):
        saliency(net, X, [1, 2, 3])
    with pytest.raises(ValueError, match=r"`unit` must be in 0\.\.7 for layer 0"):
        saliency(net, X, (0, 8))
    with pytest.raises(ValueError, match=r"`baseline` must be a number, one input of shape "
                                         r"\(784,\) or one per example \(12, 784\)\. Got shape "
                                         r"\(28,\) instead\."):
        integrated_gradients(net, X, 1, baseline=np.zeros(28))
    with pytest.raises(ValueError, match=r"`method` must be one of 'gausslegendre'"):
        integrated_gradients(net, X, 1, method="simpson")
    with pytest.raises(ValueError, match=r"`n_samples` must be an integer >= 1\. Got 0"):
        smoothgrad(net, X, 1, n_samples=0)
