"""Conductance against Captum's LayerConductance and NeuronConductance, and completeness."""

import numpy as np
import pytest
import torch
from captum.attr import LayerConductance, NeuronConductance

import hiddenlens as hl
from _captum_models import Layers
from hiddenlens.explain import conductance, integrated_gradients, neuron_conductance


def _net(act, out="softmax", random_state=1):
    net = hl.DenseNet([12, 7, 5, 4], act, out, dtype=torch.float64, random_state=random_state)
    net.set_preprocessing(np.arange(12) * 0.1, np.arange(1, 13) * 0.5)
    return net


X = np.random.RandomState(0).randn(6, 12)
Y = np.array([0, 1, 2, 3, 1, 2])


def theirs_layer(f, module, x, target, n_steps, method, baseline=0.0):
    return LayerConductance(f, module).attribute(
        torch.as_tensor(x), baselines=baseline, target=target, n_steps=n_steps,
        method=method).detach().numpy()


def theirs_neuron(f, module, x, target, unit, n_steps, method, baseline=0.0):
    return NeuronConductance(f, module).attribute(
        torch.as_tensor(x), neuron_selector=unit, baselines=baseline, target=target,
        n_steps=n_steps, method=method).detach().numpy()


@pytest.mark.parametrize("act", ["sigmoid", "relu", "tanh"])
@pytest.mark.parametrize("method", ["gausslegendre", "riemann_trapezoid", "riemann_middle"])
@pytest.mark.parametrize("layer", [0, 1])
def test_equal_to_captum_for_every_activation_layer_and_rule(act, method, layer):
    net = _net(act)
    f, t = Layers(net), torch.as_tensor(Y)
    ours = conductance(net, X, Y, layer, n_steps=12, method=method)
    assert ours.shape == (6, net.sizes[layer + 1])
    np.testing.assert_allclose(ours, theirs_layer(f, f.acts[layer], X, t, 12, method),
                               atol=1e-12)
    z = conductance(net, X, Y, layer, n_steps=12, method=method, layer_pre_activation=True)
    np.testing.assert_allclose(
        z, theirs_layer(f, net.module.linears[layer], X, t, 12, method), atol=1e-12)
    for module in (f.acts[layer], net.module.linears[layer]):  # the same either way
        ours = neuron_conductance(net, X, Y, layer, 3, n_steps=12, method=method)
        np.testing.assert_allclose(ours, theirs_neuron(f, module, X, t, 3, 12, method),
                                   atol=1e-12)


@pytest.mark.parametrize("target", [2, "predicted", "hidden", "probability"])
def test_equal_to_captum_for_every_kind_of_target(target):
    net, baseline = _net("tanh", random_state=4), np.linspace(-1, 1, 12)
    f, pre, t = Layers(net), None, target
    if target == "predicted":
        t = torch.as_tensor(net.predict(X))
        ours = conductance(net, X, None, 0, n_steps=9, baseline=baseline)
        mine = neuron_conductance(net, X, None, 0, 1, n_steps=9, baseline=baseline)
    else:
        if target == "hidden":  # unit 3 of layer 1, at its activation
            f, t, target = Layers(net, stop=(1, "a")), 3, (1, 3)
        elif target == "probability":
            f, t, target, pre = Layers(net, probability=True), 1, 1, False
        ours = conductance(net, X, target, 0, n_steps=9, baseline=baseline, pre_activation=pre)
        mine = neuron_conductance(net, X, target, 0, 1, n_steps=9, baseline=baseline,
                                  pre_activation=pre)
    b = torch.as_tensor(baseline)[None]
    np.testing.assert_allclose(ours, theirs_layer(f, f.acts[0], X, t, 9, "gausslegendre", b),
                               atol=1e-12)
    np.testing.assert_allclose(
        mine, theirs_neuron(f, f.acts[0], X, t, 1, 9, "gausslegendre", b), atol=1e-12)


def test_nielsen_digits_equal_captum_to_1e5(nielsen_net, embedded):
    X, y = embedded.X_test[:40], embedded.y_test[:40]
    f, t = Layers(nielsen_net), torch.as_tensor(y)
    ours = conductance(nielsen_net, X, y, 0)
    assert np.abs(ours - theirs_layer(f, f.acts[0], X, t, 50, "gausslegendre")).max() < 1e-5
    ours = neuron_conductance(nielsen_net, X, y, 0, 7, method="riemann_trapezoid")
    theirs = theirs_neuron(f, f.acts[0], X, t, 7, 50, "riemann_trapezoid")
    assert np.abs(ours - theirs).max() < 1e-5


def test_completeness_layer_sums_to_integrated_gradients(nielsen_net, embedded):
    """Units sum to F(x) - F(b), as integrated gradients' inputs do, within the quadrature
    gap; a unit's neuron conductance sums over inputs to its layer conductance."""
    X, y = embedded.X_test[:20], embedded.y_test[:20]
    net64 = hl.DenseNet(nielsen_net.sizes, "sigmoid", "sigmoid", dtype=torch.float64)
    net64.set_parameters(nielsen_net.weights, nielsen_net.biases)
    cond = conductance(net64, X, y, 0, n_steps=200)
    ig, gap = integrated_gradients(net64, X, y, n_steps=200, return_gap=True)
    with torch.no_grad():
        logits = net64.module.logits(torch.as_tensor(X, dtype=torch.float64)).numpy()
        at_zero = net64.module.logits(torch.zeros(1, 784, dtype=torch.float64)).numpy()[0]
    change = logits[np.arange(20), y] - at_zero[y]
    assert np.abs(cond.sum(1) - change).max() < 1e-3 * np.abs(change).max()
    assert np.abs(cond.sum(1) - ig.sum(1)).max() < 1e-3 * np.abs(change).max() + np.abs(gap).max()
    for unit in (5, 60):
        flow = neuron_conductance(net64, X, y, 0, unit, n_steps=200)
        np.testing.assert_allclose(flow.sum(1), cond[:, unit], atol=1e-3 * np.abs(cond).max())


def test_bad_input_is_one_sentence():
    net = _net("relu")
    with pytest.raises(ValueError) as err:
        conductance(net, X, Y, -1)
    assert str(err.value) == ("`layer` must be a hidden layer (0..1) for this 12-7-5-4 network. "
                              "Got -1 (the output layer) instead.")
    with pytest.raises(ValueError) as err:
        conductance(net, X, (0, 2), 1)
    assert str(err.value) == ("`target` must be a class or a unit of a layer above layer 1, "
                              "whose units the flow goes through. Got (0, 2) instead.")
    with pytest.raises(ValueError) as err:
        neuron_conductance(net, X, Y, 0, 7)
    assert str(err.value) == ("`unit` must be in 0..6 for layer 0, which has 7 units. Got 7 "
                              "instead.")
    with pytest.raises(ValueError) as err:
        neuron_conductance(net, X, Y, 0, 1, n_steps=1, method="riemann_left")
    assert str(err.value) == "`n_steps` must be >= 2 for Riemann sums. Got 1 instead."
    with pytest.raises(ValueError, match=r"^`method` must be one of 'gausslegendre', "):
        conductance(net, X, Y, 0, method="simpson")
