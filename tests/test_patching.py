"""Activation patching: every unit reproduces the source, a few units equal a forward by hand,
and patch_effect equals patching each unit alone."""

import numpy as np
import pytest
import torch

import hiddenlens as hl
from hiddenlens._activations import apply_activation
from hiddenlens.explain import patch, patch_effect


@pytest.fixture(scope="module")
def pair(embedded):
    """The first test 3 and the first test 8 of the embedded digits."""
    X, y = embedded.X_test, embedded.y_test
    return X[y == 3][0], X[y == 8][0]


@torch.no_grad()
def by_hand(net, S, D, layer, units):
    """Outputs of D with a[layer][:, units] taken from S, written out with torch ops."""
    m = net.module
    a_s = (torch.as_tensor(S) - m.mean) / m.scale
    a_d = (torch.as_tensor(D) - m.mean) / m.scale
    for l, (lin, name) in enumerate(zip(m.linears, net.activations)):
        z_s, z_d = lin(a_s), lin(a_d)
        a_s, a_d = apply_activation(name, z_s), apply_activation(name, z_d)
        if l == layer:
            a_d = a_d.clone()
            a_d[:, units] = a_s[:, units]
    return a_d.numpy(), z_d.numpy()


def test_patching_every_unit_reproduces_the_source_exactly(nielsen_net, embedded):
    S, D = embedded.X_test[:64], embedded.X_test[64:128]
    np.testing.assert_array_equal(patch(nielsen_net, S, D, 0), nielsen_net.forward(S))
    np.testing.assert_array_equal(patch(nielsen_net, S, D, 0, range(100)),
                                  nielsen_net.forward(S))
    with torch.no_grad():
        logits = nielsen_net.module.logits(torch.as_tensor(S)).numpy()
    np.testing.assert_array_equal(patch(nielsen_net, S, D, 0, pre_activation=True), logits)


@pytest.mark.parametrize("layer, units", [(0, [1, 4]), (1, 2), (1, [0, 3, 5])])
def test_some_units_equal_a_forward_by_hand(layer, units):
    net = hl.DenseNet([6, 7, 6, 3], "tanh", dtype=torch.float64, random_state=3)
    net.set_preprocessing(np.full(6, 0.3), np.full(6, 2.0))
    rng = np.random.RandomState(0)
    S, D = rng.randn(9, 6), rng.randn(9, 6)
    out, logits = by_hand(net, S, D, layer, units)
    np.testing.assert_allclose(patch(net, S, D, layer, units), out, atol=1e-15)
    np.testing.assert_allclose(patch(net, S, D, layer, units, pre_activation=True), logits,
                               atol=1e-14)


def test_patch_effect_equals_patching_each_unit_alone(nielsen_net, pair):
    x3, x8 = pair
    e = patch_effect(nielsen_net, x3, x8, 0)
    assert (e.source_class, e.dest_class) == (3, 8)
    assert e.source_difference > 0 > e.dest_difference
    for j in (0, 17, 55, 99):
        z = patch(nielsen_net, x3[None], x8[None], 0, [j], pre_activation=True)[0]
        m = float(z[3]) - float(z[8])
        assert e.difference[j] == pytest.approx(m, abs=1e-5)
        assert e.effect[j] == pytest.approx(
            (m - e.dest_difference) / (e.source_difference - e.dest_difference), abs=1e-5)
        np.testing.assert_allclose(e.outputs[j], patch(nielsen_net, x3[None], x8[None], 0,
                                                       [j])[0], atol=1e-6)
    df = e.to_frame()
    assert list(df.columns) == ["unit", "effect", "difference", "predicted", "flips"]
    assert e.ranking[0] == np.argmax(e.effect) and len(df) == 100


def test_patch_effect_of_a_unit_without_outgoing_weights_is_zero():
    net = hl.DenseNet([5, 4, 3], "sigmoid", dtype=torch.float64, random_state=0)
    W = [np.array(w) for w in net.weights]
    W[1][:, 2] = 0
    net.set_parameters(W, net.biases)
    X = np.random.RandomState(2).randn(200, 5) * 3
    pred = net.predict(X)
    xs, xd = X[pred == pred[0]][0], X[pred != pred[0]][0]
    e = patch_effect(net, xs, xd, 0)
    assert e.effect[2] == 0 and e.difference[2] == e.dest_difference


def test_one_sigmoid_output_uses_the_signed_logit(embedded):
    net = hl.DenseNet([784, 3, 1], "relu", "sigmoid", random_state=1)
    X = embedded.X_test[:200]
    with torch.no_grad():
        z = net.module.logits(torch.as_tensor(X))[:, 0].numpy()
    net.set_parameters(net.weights, [net.biases[0], net.biases[1] - np.median(z)])
    pred = net.predict(X)  # half of each class
    xs, xd = X[pred == 1][0], X[pred == 0][0]
    e = patch_effect(net, xs, xd, 0)
    z = patch(net, xs[None], xd[None], 0, [1], pre_activation=True)[0, 0]
    assert e.difference[1] == pytest.approx(z, abs=1e-6)  # class 1 against class 0: +z


def test_bad_input_is_one_sentence(nielsen_net, pair):
    x3, x8 = pair
    with pytest.raises(ValueError) as err:
        patch(nielsen_net, np.stack([x3, x8]), x8[None], 0)
    assert str(err.value) == ("`X_source` and `X_dest` must hold the same number of examples "
                              "(row i of one is patched into row i of the other). Got 2 and 1 "
                              "instead.")
    with pytest.raises(ValueError) as err:
        patch(nielsen_net, x3, x8, 0, [100])
    assert str(err.value) == ("`units` must hold unit indices in 0..99 for layer 0, which has "
                              "100 units. Got 100 instead.")
    with pytest.raises(ValueError, match=r"^`layer` must be a hidden layer \(0\.\.0\) for this "
                                         r"784-100-10 network\. Got 1 \(the output layer\) "
                                         r"instead\.$"):
        patch_effect(nielsen_net, x3, x8, 1)
    with pytest.raises(ValueError) as err:
        patch_effect(nielsen_net, x3, x3, 0)
    assert str(err.value) == ("`x_source` and `x_dest` must be predicted as different classes "
                              "(patch_effect measures the move from one to the other). Got "
                              "both predicted as 3 instead.")
    with pytest.raises(ValueError, match=r"^`x_source` must be one input, \(784,\)\. Got 2 "):
        patch_effect(nielsen_net, np.stack([x3, x8]), x8, 0)
