"""Dataset atlas: agreement with brute force on real digits, the tie rule, flags, memory."""

import tracemalloc

import numpy as np
import pytest

import hiddenlens as hl
from hiddenlens.explain import atlas
from hiddenlens.explain._atlas import chunk_top_k, class_selectivity


@pytest.fixture(scope="module")
def digits(embedded):
    return embedded


@pytest.fixture(scope="module")
def relu_net(digits):
    """784-32-16-10 relu: many exact zeros, so the tie rule matters."""
    net = hl.DenseNet([784, 32, 16, 10], "relu", random_state=2, image_shape=(28, 28))
    return hl.train(net, hl.load_dataset(train_size=800), epochs=2, lr=0.1, progress=False)


@pytest.fixture(scope="module")
def sigmoid_net(digits):
    net = hl.DenseNet([784, 20, 10], "sigmoid", random_state=3, image_shape=(28, 28))
    return hl.train(net, hl.load_dataset(train_size=800), epochs=2, lr=0.5, progress=False)


def brute_force(net, X, y, layer, k):
    a = net.trace(X).activations[layer].astype(np.float64)  # (n, units)
    order = np.arange(len(a))
    top = np.array([np.lexsort((order, -a[:, u]))[:k] for u in range(a.shape[1])])
    bottom = np.array([np.lexsort((order, a[:, u]))[:k] for u in range(a.shape[1])])
    means = np.stack([a[y == c].mean(0) for c in range(10)], axis=1)
    return a, top, bottom, means


@pytest.mark.parametrize("chunk_size", [4096, 1000])
@pytest.mark.parametrize("layer", [0, 1, -1])
def test_agrees_with_brute_force_on_the_embedded_digits(relu_net, digits, layer, chunk_size):
    at = atlas(relu_net, digits, layer, k=9, chunk_size=chunk_size)
    a, top, bottom, means = brute_force(relu_net, digits.X, digits.y, layer, 9)
    np.testing.assert_array_equal(at.top_indices, top)
    np.testing.assert_array_equal(at.bottom_indices, bottom)
    np.testing.assert_array_equal(at.top_activations, np.take_along_axis(a.T, top, 1))
    assert np.abs(at.class_means - means).max() <= 1e-6
    np.testing.assert_array_equal(at.class_counts, np.bincount(digits.y))
    np.testing.assert_allclose(at.mean, a.mean(0), atol=1e-6)
    np.testing.assert_allclose(at.std, a.std(0), atol=1e-6)
    z = relu_net.trace(digits.X).pre_activations[layer % 3]
    np.testing.assert_array_equal(at.active_fraction, (z > 0).mean(0))


def test_ties_go_to_the_lower_index(relu_net, digits):
    a = relu_net.trace(digits.X).activations[0]
    assert np.sum(a == 0) > 1000  # relu zeros: the bottom lists are all ties
    at = atlas(relu_net, digits, 0, k=5, chunk_size=700)
    zeros = a == 0
    for u in range(a.shape[1]):
        if zeros[:, u].sum() >= 5:
            np.testing.assert_array_equal(at.bottom_indices[u], np.flatnonzero(zeros[:, u])[:5])


def test_constant_units_rank_by_index():
    net = hl.DenseNet([4, 3, 2])
    net.set_parameters([np.zeros((3, 4)), np.ones((2, 3))], [np.zeros(3), np.zeros(2)])
    at = atlas(net, np.random.default_rng(0).random((50, 4)), 0, k=4, chunk_size=7)
    np.testing.assert_array_equal(at.top_indices, np.tile(np.arange(4), (3, 1)))
    np.testing.assert_array_equal(at.bottom_indices, np.tile(np.arange(4), (3, 1)))
    np.testing.assert_array_equal(at.correlation, 0.0)  # constant units correlate with nothing


def test_chunk_top_k_matches_lexsort_with_heavy_ties():
    values = np.random.default_rng(1).integers(0, 4, size=(300, 7)).astype(float)
    rows, vals = chunk_top_k(values, 11)
    for u in range(7):
        expected = np.lexsort((np.arange(300), -values[:, u]))[:11]
        np.testing.assert_array_equal(rows[:, u], expected)
        np.testing.assert_array_equal(vals[:, u], values[expected, u])


def test_dead_saturated_and_duplicate_units(digits):
    net = hl.DenseNet([784, 4, 10], "relu", image_shape=(28, 28))
    w = np.random.default_rng(0).normal(0, 0.05, (4, 784))
    w[1] = w[0]  # unit 1 duplicates unit 0
    b = np.array([0.5, 0.5, -1000.0, 0.2])  # unit 2 never fires
    net.set_parameters([w, np.zeros((10, 4))], [b, np.zeros(10)])
    at = atlas(net, digits.X_test, 0)
    np.testing.assert_array_equal(at.dead, [False, False, True, False])
    assert at.most_correlated[0] == 1 and at.most_correlated[1] == 0
    assert at.correlation[0] == pytest.approx(1.0)

    sig = hl.DenseNet([784, 2, 10], "sigmoid", image_shape=(28, 28))
    sig.set_parameters([np.zeros((2, 784)), np.zeros((10, 2))], [np.array([10.0, 0.0]),
                                                                  np.zeros(10)])
    at = atlas(sig, digits.X_test, 0)
    np.testing.assert_array_equal(at.saturated, [True, False])
    np.testing.assert_array_equal(at.saturated_fraction, [1.0, 0.0])
    np.testing.assert_array_equal(at.dead, [False, False])


def test_class_selectivity_known_answers():
    means = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.6, 0.2, 0.2]])
    np.testing.assert_allclose(class_selectivity(means, 0.0), [1.0, 0.0, 0.5])
    # tanh units are measured from -1: means of -1 are "silent"
    np.testing.assert_allclose(class_selectivity(np.array([[1.0, -1.0]]), -1.0), [1.0])


def test_images_of_the_top_examples(sigmoid_net, digits):
    at = atlas(sigmoid_net, digits, 0, k=3)
    np.testing.assert_array_equal(at.examples(4, "top"), digits.X[at.top_indices[4]])
    np.testing.assert_array_equal(at.examples(4, "bottom"), digits.X[at.bottom_indices[4]])
    assert at.top_images.shape == (20, 3, 784)
    np.testing.assert_array_equal(at.top_images[7], digits.X[at.top_indices[7]])


def test_array_data_with_labels(sigmoid_net, digits):
    from_ds = atlas(sigmoid_net, digits, 0)
    from_array = atlas(sigmoid_net, digits.X, 0, y=digits.y)
    np.testing.assert_array_equal(from_ds.top_indices, from_array.top_indices)
    np.testing.assert_allclose(from_ds.class_means, from_array.class_means)
    assert atlas(sigmoid_net, digits.X, 0).class_means is None


def test_memory_is_bounded_by_the_chunk():
    net = hl.DenseNet([784, 512, 10], "relu")
    X = np.random.default_rng(0).random((20_000, 784), dtype=np.float32)
    full = 20_000 * 512 * 4  # the activations a non-streaming atlas would hold
    tracemalloc.start()
    try:
        atlas(net, X, 0, chunk_size=1024)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 0.6 * full


@pytest.mark.parametrize("kwargs, message", [
    (dict(layer=2), r"`layer` must be in -2..1 for this 784-20-10 network"),
    (dict(layer=0, k=5001), r"`k` must be <= the number of examples \(5000\)\. "
                            r"Got 5001 instead\."),
    (dict(layer=0, k=0), r"`k` must be an integer >= 1\. Got 0 instead\."),
    (dict(layer=0, chunk_size=0), r"`chunk_size` must be an integer >= 1"),
])
def test_errors(sigmoid_net, digits, kwargs, message):
    with pytest.raises(ValueError, match=message):
        atlas(sigmoid_net, digits, **kwargs)


def test_error_feature_count(sigmoid_net):
    with pytest.raises(ValueError, match=r"The data has 4 features per example but the "
                                         r"network takes 784 inputs\."):
        atlas(sigmoid_net, hl.load_dataset("iris"), 0)


def test_error_labels(sigmoid_net, digits):
    with pytest.raises(ValueError, match=r"^`y` must hold one class label per example \(1000\)\. "
                                         r"Got 3 instead\.$"):
        atlas(sigmoid_net, digits.X_test, 0, y=[0, 1, 2])
    with pytest.raises(ValueError, match=r"^`y` must hold class labels of this network, which "
                                         r"predicts 0, 1, 2, 3, 4, 5, 6, 7, 8, 9\. Got 10 "):
        atlas(sigmoid_net, digits.X_test, 0, y=digits.y_test + 1)
    with pytest.raises(ValueError, match=r"Pass `y` only with an array"):
        atlas(sigmoid_net, digits, 0, y=digits.y)
