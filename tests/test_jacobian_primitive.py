"""The closed-form Jacobian against torch.autograd on small float64 nets."""

import numpy as np
import pytest
import torch

import hiddenlens as hl
from hiddenlens._activations import apply_activation
from hiddenlens.explain._jacobian import layer_jacobian, mean_jacobian

CASES = [([6, 5, 3], "sigmoid", "softmax"), ([6, 5, 3], "relu", "softmax"),
         ([6, 5, 3], "tanh", "sigmoid"), ([6, 5, 4, 3], ["relu", "tanh"], "linear")]


def _net(sizes, act, out):
    net = hl.DenseNet(sizes, act, out, dtype=torch.float64, random_state=1)
    net.set_preprocessing(np.arange(6) * 0.1, np.arange(1, 7) * 0.5)
    return net


def _autograd(f, rows):
    return np.stack([torch.autograd.functional.jacobian(lambda v: f(v[None])[0],
                                                        torch.tensor(r)).numpy() for r in rows])


@pytest.mark.parametrize("sizes,act,out", CASES)
@pytest.mark.parametrize("pre", [False, True])
def test_output_jacobian_equals_autograd(sizes, act, out, pre):
    net = _net(sizes, act, out)
    X = np.random.RandomState(0).randn(7, 6)
    f = net.module.logits if pre else net.module
    np.testing.assert_allclose(layer_jacobian(net, X, -1, pre_activation=pre),
                               _autograd(f, X), atol=1e-12)


@pytest.mark.parametrize("sizes,act,out", CASES)
def test_jacobian_with_respect_to_a_hidden_layer(sizes, act, out):
    net = _net(sizes, act, out)
    X = np.random.RandomState(1).randn(5, 6)

    def from_layer0(a):
        for lin, name in zip(net.module.linears[1:], net.activations[1:]):
            a = apply_activation(name, lin(a))
        return a

    J = layer_jacobian(net, X, -1, wrt=0)
    np.testing.assert_allclose(J, _autograd(from_layer0, net.trace(X).activations[0]),
                               atol=1e-12)


def test_mean_jacobian_overall_and_per_class():
    net = _net(*CASES[0])
    X = np.random.RandomState(2).randn(9, 6)
    y = np.array([0, 1, 0, 2, 1, 0, 2, 2, 1])
    J = layer_jacobian(net, X, -1)
    np.testing.assert_allclose(mean_jacobian(net, X, -1), J.mean(0), atol=1e-15)
    per_class = mean_jacobian(net, X, -1, y=y, n_classes=3)
    for c in range(3):
        np.testing.assert_allclose(per_class[c], J[y == c].mean(0), atol=1e-15)


def test_wrt_must_come_before_the_layer():
    net = _net(*CASES[3])
    with pytest.raises(ValueError, match="`wrt` must be 'input' or a layer before layer 1"):
        layer_jacobian(net, np.zeros((1, 6)), 1, wrt=1)
