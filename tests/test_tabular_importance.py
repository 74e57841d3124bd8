"""Garson and Olden worked by hand on fixed weights; Lek's profiles on a known function."""

import numpy as np
import pytest
import torch

import hiddenlens as hl
from hiddenlens.explain import garson, lek_profile, olden


def _net(weights, activation="sigmoid", output_activation="linear"):
    sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
    net = hl.DenseNet(sizes, activation, output_activation, dtype=torch.float64)
    net.set_parameters(weights, [np.full(w.shape[0], 0.7) for w in weights])  # biases ignored
    return net


def test_garson_on_neuraltools_documented_example():
    # NeuralNetTools' example: wts_in <- c(13.12, 1.49, 0.16, -0.11, -0.19, -0.16, 0.56,
    # -0.52, 0.81), struct 2-2-1: hidden 1 gets 1.49, 0.16; hidden 2 gets -0.19, -0.16;
    # the output gets -0.52, 0.81 (the first of each triple is a bias).
    W = np.array([[1.49, 0.16], [-0.19, -0.16]])
    V = np.array([[-0.52, 0.81]])
    # c_ji = |w_ji| |v_j|; row j normalised: hidden 1 -> [1.49, 0.16] / 1.65,
    # hidden 2 -> [0.19, 0.16] / 0.35; summed over hidden units, then scaled to sum 1.
    s = np.array([1.49 / 1.65 + 0.19 / 0.35, 0.16 / 1.65 + 0.16 / 0.35])
    np.testing.assert_allclose(garson(_net([W, V])), [s / s.sum()], atol=1e-15)
    np.testing.assert_allclose(garson(_net([W, V]))[0], [0.72294372, 0.27705628], atol=1e-8)
    # Olden: sum over hidden units of w_ji v_j, signed
    np.testing.assert_allclose(olden(_net([W, V])),
                               [[1.49 * -0.52 + -0.19 * 0.81, 0.16 * -0.52 + -0.16 * 0.81]],
                               atol=1e-15)


def test_garson_and_olden_per_output_on_a_3_2_2_net():
    W = np.array([[1.0, -2.0, 0.5], [3.0, 1.0, -1.0]])  # (hidden, inputs)
    V = np.array([[2.0, -1.0], [0.5, 4.0]])  # (outputs, hidden)
    # hidden 1: |w| = [1, 2, 0.5], share [2, 4, 1] / 7; hidden 2: [3, 1, 1] / 5
    # sum: [2/7 + 3/5, 4/7 + 1/5, 1/7 + 1/5] = [31, 27, 12] / 35, scaled: [31, 27, 12] / 70
    expected = np.array([31, 27, 12]) / 70
    np.testing.assert_allclose(garson(_net([W, V])), [expected, expected], atol=1e-15)
    # Olden: V @ W; output 0, input 0: 2 * 1 + (-1) * 3 = -1
    np.testing.assert_allclose(olden(_net([W, V])),
                               [[-1.0, -5.0, 2.0], [12.5, 3.0, -3.75]], atol=1e-15)


def test_olden_chains_through_two_hidden_layers():
    W0 = np.array([[1.0, 2.0], [0.0, -1.0], [1.0, 1.0]])  # 2 inputs -> 3
    W1 = np.array([[1.0, -1.0, 2.0], [0.5, 0.0, 1.0]])  # 3 -> 2
    W2 = np.array([[2.0, -3.0]])  # 2 -> 1
    # paths input 0: W2 @ W1 = [[0.5, -2, 1]]; times W0 column 0 [1, 0, 1] -> 1.5
    np.testing.assert_allclose(olden(_net([W0, W1, W2])), [[1.5, 4.0]], atol=1e-15)
    with pytest.raises(ValueError, match=r"garson needs exactly one hidden layer; this "
                                         r"2-3-2-1 network has 2\. Use olden, which chains "
                                         r"through any number of hidden layers\."):
        garson(_net([W0, W1, W2]))


def test_lek_profile_sweeps_one_feature_with_the_others_held():
    net = hl.DenseNet([3, 1], output_activation="linear", dtype=torch.float64)
    # y = 2 x0 - x1 + 0.5 x2
    net.set_parameters([np.array([[2.0, -1.0, 0.5]])], [np.zeros(1)])
    X = np.random.RandomState(0).rand(50, 3)
    res = lek_profile(net, X, 0, n_points=11)
    assert res.grid.shape == (1, 11) and res.predictions.shape == (1, 6, 11, 1)
    np.testing.assert_allclose(res.grid[0], np.linspace(X[:, 0].min(), X[:, 0].max(), 11))
    q = np.quantile(X, 0.4, axis=0)
    np.testing.assert_allclose(res.predictions[0, 2, :, 0],
                               2 * res.grid[0] - q[1] + 0.5 * q[2], atol=1e-12)
    km = lek_profile(net, X, [1, 2], hold="kmeans", n_clusters=3, n_points=5)
    assert km.predictions.shape == (2, 3, 5, 1) and km.held.shape == (3, 3)
    assert km.held_labels[0].startswith("cluster 1 (n=")
    levels = lek_profile(net, X, 0, quantiles=[0.5], n_points=3)
    assert levels.held_labels == ["quantile 0.5"] and levels.predictions.shape == (1, 1, 3, 1)
    again = lek_profile(net, X, [1, 2], hold="kmeans", n_clusters=3, n_points=5,
                        random_state=np.random.default_rng(0))
    assert again.held.shape == (3, 3)  # a Generator gives k-means one integer


def test_lek_profile_bad_arguments():
    net = hl.DenseNet([3, 2, 1], output_activation="linear", dtype=torch.float64)
    X = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"`hold` must be one of 'quantiles', 'kmeans'\. "
                                         r"Got 'median' instead\."):
        lek_profile(net, X, 0, hold="median")
    with pytest.raises(ValueError, match=r"`quantiles` must be levels in \[0, 1\]\. Got "
                                         r"\[50\] instead\."):
        lek_profile(net, X, 0, quantiles=[50])
    with pytest.raises(ValueError) as info:
        lek_profile(net, X, 0, n_clusters=3)
    assert str(info.value) == ("`n_clusters` (3) is for hold='kmeans'; with hold='quantiles' "
                               "give `quantiles` instead.")
    with pytest.raises(ValueError) as info:
        lek_profile(net, X, 0, hold="kmeans", quantiles=[0.5])
    assert str(info.value) == ("`quantiles` ([0.5]) is for hold='quantiles'; with "
                               "hold='kmeans' give `n_clusters` instead.")
    with pytest.raises(ValueError, match=r"`n_clusters` \(5\) must not exceed the rows of X"):
        lek_profile(net, X, 0, hold="kmeans", n_clusters=5)
