"""from_arrays and from_npz: the seeds' lists of numpy arrays."""

import re

import numpy as np
import pytest
import torch

import hiddenlens as hl


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@pytest.fixture(scope="module")
def seed_arrays():
    """network.py's layout: weights[l] (n_out, n_in), biases[l] (n_out, 1), N(0, 1)."""
    rng = np.random.default_rng(0)
    sizes = [784, 100, 10]
    weights = [rng.standard_normal((y, x)) for x, y in zip(sizes[:-1], sizes[1:])]
    biases = [rng.standard_normal((y, 1)) for y in sizes[1:]]
    return weights, biases


def test_network_py_shapes_match_its_feedforward(seed_arrays):
    weights, biases = seed_arrays
    net = hl.from_arrays(weights, biases)
    assert net.sizes == [784, 100, 10]
    assert net.activations == ["sigmoid", "sigmoid"]
    assert net.dtype == torch.float64 and net.image_shape == (28, 28)
    x = np.random.default_rng(1).random((784, 1))  # a column vector, as network.py takes
    expected = sigmoid(np.dot(weights[1], sigmoid(np.dot(weights[0], x) + biases[0])) + biases[1])
    np.testing.assert_allclose(net.predict_proba(x), expected.T, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(net.weights[0], weights[0])


def test_in_out_orientation_is_detected_and_transposed(seed_arrays):
    weights, biases = seed_arrays
    net = hl.from_arrays([w.T for w in weights], [b.ravel() for b in biases])
    np.testing.assert_array_equal(net.weights[1], weights[1])
    explicit = hl.from_arrays([w.T for w in weights], biases, orientation="in_out")
    np.testing.assert_array_equal(explicit.weights[0], weights[0])


def test_options_per_layer_activation_softmax_and_float32():
    rng = np.random.default_rng(2)
    w = [rng.standard_normal((5, 4)), rng.standard_normal((3, 5)), rng.standard_normal((2, 3))]
    net = hl.from_arrays(w, None, activation=["relu", "tanh"], output_activation="softmax",
                         dtype=torch.float32, class_names=["no", "yes"])
    assert net.activations == ["relu", "tanh", "softmax"] and net.dtype == torch.float32
    assert net.class_names == ["no", "yes"] and net.image_shape is None
    np.testing.assert_array_equal(net.biases[0], np.zeros(5, np.float32))


def test_square_matrices_are_ambiguous_unless_told():
    w = [np.eye(3), np.ones((3, 3))]
    with pytest.raises(ValueError, match=re.escape(
        "The weight shapes (3, 3), (3, 3) chain both as (n_out, n_in) and as (n_in, n_out), "
        "so which way they are stored is ambiguous; pass orientation='out_in' (network.py) or "
        "orientation='in_out' (Keras, scikit-learn).")):
        hl.from_arrays(w, [np.zeros(3), np.zeros(3)])
    net = hl.from_arrays(w, [np.zeros(3), np.zeros(3)], orientation="in_out")
    np.testing.assert_array_equal(net.weights[1], np.ones((3, 3)))


def test_biases_resolve_a_chain_that_fits_both_ways():
    w = [np.ones((4, 6)), np.ones((6, 4))]  # 6->4->6 or 4->6->4
    net = hl.from_arrays(w, [np.zeros(4), np.zeros(6)])
    assert net.sizes == [6, 4, 6]


def test_shapes_that_do_not_chain_are_refused():
    w = [np.ones((100, 784)), np.ones((10, 50))]
    with pytest.raises(ValueError, match=re.escape(
        "The weight shapes (100, 784), (10, 50) do not chain, neither read as (n_out, n_in) "
        "like network.py nor as (n_in, n_out) like Keras: each layer's outputs must be the next "
        "layer's inputs and each bias as long as its layer's outputs.")):
        hl.from_arrays(w, [np.zeros(100), np.zeros(10)])
    with pytest.raises(ValueError, match=re.escape(
        "The shapes do not chain in the arrays: weights[1] takes 50 inputs but weights[0] "
        "gives 100 outputs.")):
        hl.from_arrays(w, [np.zeros(100), np.zeros(10)], orientation="out_in")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_infinite_weights_are_refused(seed_arrays, bad):
    weights, biases = seed_arrays
    broken = [weights[0], weights[1].copy()]
    broken[1][3, 7] = bad
    with pytest.raises(ValueError, match=re.escape(
        "weights[1] of the arrays contains NaN or infinite values; a network with such weights "
        "computes nothing meaningful, so fix or retrain it before importing.")):
        hl.from_arrays(broken, biases)
    nan_bias = [biases[0], np.full((10, 1), bad)]
    with pytest.raises(ValueError, match=re.escape(
        "the biases of weights[1] of the arrays contains NaN or infinite values")):
        hl.from_arrays(weights, nan_bias)


def test_bad_arguments_get_one_sentence():
    with pytest.raises(ValueError, match=re.escape(
        "`weights` must hold at least one matrix. Got an empty list instead.")):
        hl.from_arrays([], [])
    with pytest.raises(ValueError, match=re.escape(
        "`weights[0]` must be a 2-D matrix. Got shape (3, 4, 5) instead.")):
        hl.from_arrays([np.ones((3, 4, 5))])
    with pytest.raises(ValueError, match=re.escape(
        "`biases` must hold one vector per weight matrix (2). Got 1 instead.")):
        hl.from_arrays([np.ones((3, 4)), np.ones((2, 3))], [np.zeros(3)])
    with pytest.raises(ValueError, match=re.escape(
        "`biases[0]` must be a vector, (n,), (n, 1) or (1, n). Got shape (3, 2) instead.")):
        hl.from_arrays([np.ones((3, 4))], [np.zeros((3, 2))])
    with pytest.raises(ValueError, match=re.escape(
        "`orientation` must be one of 'auto', 'out_in', 'in_out'. Got 'rows' instead.")):
        hl.from_arrays([np.ones((3, 4))], orientation="rows")
    with pytest.raises(ValueError, match=re.escape(
        "`activation` must be one name or one per hidden layer (1). Got 2 instead.")):
        hl.from_arrays([np.ones((3, 4)), np.ones((2, 3))], activation=["relu", "tanh"])
    with pytest.raises(ValueError, match=re.escape(
        "weights[0] of the arrays is a hidden layer with activation 'softmax'; hidden layers "
        "may use sigmoid, tanh, relu, linear (softmax only on the output).")):
        hl.from_arrays([np.ones((3, 4)), np.ones((2, 3))], [np.zeros(3), np.zeros(2)],
                       activation="softmax")
    with pytest.raises(TypeError, match=re.escape(
        "weights[0] of the arrays must hold real numbers. Got dtype <U1.")):
        hl.from_arrays([np.array([["a", "b"], ["c", "d"]])], [np.zeros(2)], orientation="out_in")


def test_npz_of_arrays_imports_without_pickle(tmp_path, seed_arrays):
    weights, biases = seed_arrays
    path = tmp_path / "net.npz"
    np.savez(path, weights_0=weights[0], biases_0=biases[0], weights_1=weights[1],
             biases_1=biases[1], activation="relu", output_activation="softmax")
    net = hl.load_model(path)
    assert net.activations == ["relu", "softmax"]
    np.testing.assert_array_equal(net.weights[1], weights[1])
    assert hl.from_npz(path, activation="tanh").activations == ["tanh", "softmax"]


def test_npz_with_other_names_or_objects_is_refused(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, np.ones((3, 4)), np.ones(3))
    with pytest.raises(ValueError, match=re.escape(
        f"{path} holds arrays arr_0, arr_1; name them weights_0, weights_1, ... and biases_0, "
        "biases_1, ... (one of each per layer) to import them.")):
        hl.load_model(path)
    objects = tmp_path / "objects.npz"
    np.savez(objects, weights_0=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match=re.escape(
        f"{objects}'s array weights_0.npy holds pickled Python objects, which are never "
        "loaded; save plain numeric arrays (and strings) with numpy.savez.")):
        hl.load_model(objects)


def test_npz_with_a_gap_in_its_layer_numbers_is_refused(tmp_path):
    path = tmp_path / "gap.npz"
    np.savez(path, weights_0=np.ones((3, 4)), weights_2=np.ones((2, 3)))
    with pytest.raises(ValueError, match=re.escape(
        f"{path} holds arrays weights_0, weights_2; name them weights_0, weights_1, ...")):
        hl.load_model(path)
