"""DenseNet: shapes, conventions, forward pass by hand, traces in batches, bad input."""

import numpy as np
import pytest
import torch

import hiddenlens as hl


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_weights_follow_the_seed_convention():
    net = hl.DenseNet([784, 100, 10])
    assert net.weights[0].shape == (100, 784) and net.biases[0].shape == (100,)
    assert net.weights[1].shape == (10, 100) and net.n_layers == 2
    with pytest.raises(ValueError):
        net.weights[0][0, 0] = 1.0  # read-only views: change weights with set_parameters


def test_forward_pass_equals_the_formula_by_hand():
    net = hl.DenseNet([5, 4, 3], "sigmoid", "softmax", dtype=torch.float64, random_state=3)
    X = np.random.RandomState(0).rand(6, 5)
    W0, b0, W1, b1 = net.weights[0], net.biases[0], net.weights[1], net.biases[1]
    z = _sigmoid(X @ W0.T + b0) @ W1.T + b1
    expected = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    np.testing.assert_allclose(net.predict_proba(X), expected, atol=1e-12)
    np.testing.assert_array_equal(net.predict(X), expected.argmax(1))


def test_trace_gives_every_layer_and_matches_in_batches():
    net = hl.DenseNet([6, 5, 4, 3], ["relu", "tanh"], "softmax", dtype=torch.float64)
    X = np.random.RandomState(1).randn(50, 6)
    whole, batched = net.trace(X), net.trace(X, batch_size=7)
    assert [a.shape for a in whole.activations] == [(50, 5), (50, 4), (50, 3)]
    for a, b in zip(whole.pre_activations + whole.activations,
                    batched.pre_activations + batched.activations):
        np.testing.assert_allclose(a, b, atol=1e-12)  # batch size may reorder sums
    np.testing.assert_allclose(whole.activations[0], np.maximum(whole.pre_activations[0], 0))
    np.testing.assert_allclose(whole.output, net.predict_proba(X), atol=1e-12)
    only_last = net.trace(X, layers=[-1])
    assert only_last.activations[0].shape == (0, 5) and only_last.output.shape == (50, 3)


def test_standardisation_is_applied_to_raw_inputs():
    net = hl.DenseNet([3, 1], output_activation="linear", dtype=torch.float64)
    net.set_preprocessing([1.0, 2.0, 3.0], [2.0, 2.0, 2.0])
    X = np.array([[3.0, 2.0, 1.0]])
    expected = ((X - [1, 2, 3]) / 2) @ net.weights[0].T + net.biases[0]
    np.testing.assert_allclose(net.predict(X), expected[:, 0], atol=1e-12)  # (n,)
    np.testing.assert_allclose(net.trace(X).input, (X - [1, 2, 3]) / 2)


def test_single_sigmoid_output_gives_two_class_probabilities():
    net = hl.DenseNet([3, 2, 1], "tanh", "sigmoid", dtype=torch.float64)
    X = np.random.RandomState(2).randn(4, 3)
    p = net.forward(X)[:, 0]
    np.testing.assert_allclose(net.predict_proba(X), np.c_[1 - p, p])
    np.testing.assert_array_equal(net.predict(X), (p > 0.5).astype(int))


def test_column_vector_and_image_inputs_are_accepted():
    net = hl.DenseNet([784, 10, 10])
    x = np.random.RandomState(3).rand(784)
    expected = net.forward(x[None])
    np.testing.assert_array_equal(net.forward(x.reshape(784, 1)), expected)
    np.testing.assert_array_equal(net.forward(x.reshape(1, 28, 28)), expected)


@pytest.mark.parametrize("kwargs,message", [
    ({"sizes": [784]}, "`sizes` must list at least two layer widths"),
    ({"sizes": [784, 0, 10]}, "`sizes` must list at least two layer widths"),
    ({"sizes": [4, 3], "activation": "swish"}, "`activation` must be one of 'sigmoid', 'tanh', "
                                               "'relu', 'linear'. Got 'swish' instead."),
    ({"sizes": [4, 3], "output_activation": "relu"},
     "`output_activation` must be one of 'softmax', 'sigmoid', 'linear'. Got 'relu' instead."),
    ({"sizes": [4, 3, 2], "activation": ["relu", "tanh"]},
     r"`activation` must be one name or one per hidden layer \(1\). Got 2 instead."),
])
def test_bad_construction(kwargs, message):
    with pytest.raises(ValueError, match=message):
        hl.DenseNet(**kwargs)


def test_input_of_the_wrong_length():
    net = hl.DenseNet([784, 10, 10])
    with pytest.raises(ValueError, match="`X` has 4 features per example but the network takes "
                                         "784 inputs."):
        net.predict(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="NaN or infinite"):
        net.predict(np.full((1, 784), np.nan))


def test_trace_and_forward_check_layers_and_batch_size():
    net = hl.DenseNet([4, 3, 2])
    X = np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"`layer` must be in -2..1 for this 4-3-2 network"):
        net.trace(X, layers=[5])
    assert net.trace(X, layers=[-1]).activations[1].shape == (2, 2)
    with pytest.raises(ValueError, match="`batch_size` must be an integer >= 1. Got 0 instead."):
        net.forward(X, batch_size=0)
    with pytest.raises(ValueError, match=r"`X` must be an array of examples, \(n, 4\). Got the "
                                         "single number 5.0 instead."):
        net.forward(5)


def test_random_state_takes_an_int_a_generator_or_none():
    same = [hl.DenseNet([6, 4, 2], random_state=5).weights[0] for _ in range(2)]
    np.testing.assert_array_equal(*same)
    torch.manual_seed(5)  # an int is what nn.Linear's initialisation starts from, as before
    np.testing.assert_array_equal(same[0], torch.nn.Linear(6, 4).weight.detach().numpy())
    a = hl.DenseNet([6, 4, 2], random_state=np.random.default_rng(1)).weights[0]
    b = hl.DenseNet([6, 4, 2], random_state=np.random.default_rng(1)).weights[0]
    np.testing.assert_array_equal(a, b)  # the same Generator state draws the same integer
    fresh = [hl.DenseNet([6, 4, 2], random_state=None).weights[0] for _ in range(2)]
    assert not np.array_equal(*fresh)
    net = hl.DenseNet([6, 4, 2], output_activation="sigmoid")
    assert net.output_activation == "sigmoid" and net.activations[-1] == "sigmoid"
    with pytest.raises(ValueError, match=r"^`random_state` must be an int >= 0, None or a "):
        hl.DenseNet([6, 2], random_state=-1)
