"""Activation maximization: known optima, batched == one unit at a time, the nielsen claim."""

import numpy as np
import pytest
import torch

import hiddenlens as hl
from hiddenlens.explain import maximize_activation
from hiddenlens.explain._readable import READABLE


@pytest.fixture(scope="module")
def digits(embedded):
    return embedded


@pytest.fixture(scope="module")
def deep_net(digits):
    """A briefly trained 784-24-12-10 sigmoid/tanh net: two hidden layers and an output."""
    net = hl.DenseNet([784, 24, 12, 10], ["sigmoid", "tanh"], random_state=1,
                      image_shape=(28, 28))
    ds = hl.load_dataset("mnist-embedded", train_size=800)
    return hl.train(net, ds, epochs=2, lr=0.5, progress=False)


def test_first_layer_box_optimum_is_the_sign_of_the_weights(deep_net):
    # z = w.x + b on [0, 1]^784 is largest at x = 1 where w > 0 and 0 where w < 0
    result = maximize_activation(deep_net, 0, [3, 7], n_iterations=200, lr=0.1)
    w = deep_net.weights[0][[3, 7]]
    np.testing.assert_array_equal(result.images, (w > 0).astype(np.float32))
    best = np.clip(w, 0, None).sum(1) + deep_net.biases[0][[3, 7]]
    np.testing.assert_allclose(result.pre_activations, best, rtol=1e-5)


def test_norm_constraint_gives_the_scaled_weight_vector(deep_net):
    # max w.x subject to ||x|| = rho is x = rho * w / ||w|| (Erhan et al. 2009)
    result = maximize_activation(deep_net, 0, [5], norm=3.0, bounds=None, n_iterations=400, lr=0.02)
    w = deep_net.weights[0][5]
    np.testing.assert_allclose(np.linalg.norm(result.images, axis=1), 3.0, rtol=1e-5)
    cosine = result.images[0] @ w / (3.0 * np.linalg.norm(w))
    assert cosine > 0.999


def test_norm_and_bounds_together_stay_in_bounds(deep_net):
    result = maximize_activation(deep_net, 1, norm=6.0, n_iterations=30)
    assert result.images.min() >= 0 and result.images.max() <= 1
    assert np.all(np.linalg.norm(result.images, axis=1) <= 6.0 + 1e-4)


def test_per_feature_bounds(deep_net):
    lo, hi = np.full(784, 0.2), np.full(784, 0.6)
    result = maximize_activation(deep_net, 0, [0], bounds=(lo, hi), n_iterations=50)
    assert result.images.min() >= 0.2 - 1e-7 and result.images.max() <= 0.6 + 1e-7


@pytest.mark.parametrize("layer", [0, 1, -1])
def test_batched_equals_one_unit_at_a_time(deep_net, layer):
    options = dict(n_iterations=40, blur=0.8, l2=0.01, tv=0.05, jitter=2, n_images=2, diversity=0.3,
                   random_state=3)
    batched = maximize_activation(deep_net, layer, **options)
    for u in (0, 4, batched.units[-1]):
        alone = maximize_activation(deep_net, layer, [u], **options)
        assert np.abs(alone.all_images[0] - batched.all_images[u]).max() <= 1e-5
        np.testing.assert_allclose(alone.pre_activations[0], batched.pre_activations[u],
                                   atol=1e-4)


def test_deterministic_for_a_seed(deep_net):
    a = maximize_activation(deep_net, 1, n_iterations=20, jitter=1, random_state=5)
    b = maximize_activation(deep_net, 1, n_iterations=20, jitter=1, random_state=5)
    c = maximize_activation(deep_net, 1, n_iterations=20, jitter=1, random_state=6)
    np.testing.assert_array_equal(a.images, b.images)
    assert not np.array_equal(a.images, c.images)


def test_output_layer_maximises_the_logit(deep_net):
    result = maximize_activation(deep_net, -1, n_iterations=60)
    with torch.no_grad():
        logits = deep_net.module.logits(torch.as_tensor(result.images)).numpy()
    np.testing.assert_allclose(result.pre_activations, np.diag(logits), rtol=1e-5)
    probs = deep_net.predict_proba(result.images)
    np.testing.assert_allclose(result.activations, np.diag(probs), rtol=1e-5)


def test_best_example_activation_is_the_brute_force_maximum(deep_net, digits):
    result = maximize_activation(deep_net, 1, n_iterations=10, X=digits.X_test)
    trace = deep_net.trace(digits.X_test)
    z, a = trace.pre_activations[1], trace.activations[1]
    np.testing.assert_array_equal(result.best_example_indices, z.argmax(0))
    np.testing.assert_array_equal(result.best_example_pre_activations, z.max(0))
    np.testing.assert_array_equal(result.best_example_activations, a[z.argmax(0), range(12)])
    assert result.reached_share == pytest.approx(np.mean(result.reached))


def test_mean_and_array_starts(deep_net, digits):
    mean = maximize_activation(deep_net, 0, [1], start="mean", X=digits.X_test, n_iterations=1,
                               lr=1e-9)
    np.testing.assert_allclose(mean.images[0], digits.X_test.mean(0), atol=1e-5)
    given = maximize_activation(deep_net, 0, [1, 2], start=np.full(784, 0.3), n_iterations=1,
                                lr=1e-9)
    np.testing.assert_allclose(given.images, 0.3, atol=1e-6)


def test_diversity_spreads_a_units_images(deep_net):
    plain = maximize_activation(deep_net, 1, [2], n_images=3, n_iterations=60)
    diverse = maximize_activation(deep_net, 1, [2], n_images=3, n_iterations=60, diversity=20.0)
    assert diverse.all_images.shape == (1, 3, 784)

    def mean_cosine(images):
        v = images[0] / np.linalg.norm(images[0], axis=1, keepdims=True)
        sim = v @ v.T
        return (sim.sum() - 3) / 6

    assert mean_cosine(diverse.all_images) < mean_cosine(plain.all_images) - 0.05
    assert diverse.pre_activations[0] == diverse.all_pre_activations[0].max()


def test_blur_makes_smoother_images(deep_net):
    def roughness(images):
        img = images.reshape(-1, 28, 28)
        return np.abs(np.diff(img, axis=1)).mean() + np.abs(np.diff(img, axis=2)).mean()

    sharp = maximize_activation(deep_net, 0, n_iterations=50)
    smooth = maximize_activation(deep_net, 0, n_iterations=50, blur=1.5, tv=0.2)
    assert roughness(smooth.images) < 0.5 * roughness(sharp.images)


def test_float64_network(digits):
    net = hl.DenseNet([784, 6, 10], dtype=torch.float64, image_shape=(28, 28))
    result = maximize_activation(net, 0, n_iterations=5, X=digits.X_test[:50])
    assert result.images.dtype == np.float64 and result.images.shape == (6, 784)


def test_tabular_network():
    iris = hl.load_dataset("iris")
    net = hl.train(hl.DenseNet([4, 5, 3], "tanh"), iris, epochs=5, progress=False)
    lo, hi = iris.X.min(0), iris.X.max(0)
    result = maximize_activation(net, -1, bounds=(lo, hi), X=iris.X, n_iterations=100)
    assert result.images.shape == (3, 4)
    assert np.all(result.images >= lo - 1e-6) and np.all(result.images <= hi + 1e-6)


def test_nielsen_hidden_layer_beats_the_best_real_example(nielsen_net, digits):
    plain = maximize_activation(nielsen_net, 0, X=digits.X)
    readable = maximize_activation(nielsen_net, 0, X=digits.X, **READABLE)
    assert plain.reached_share >= 0.9
    assert readable.reached_share >= 0.9


@pytest.mark.parametrize("kwargs, message", [
    (dict(layer=3), r"`layer` must be in -3..2 for this 784-24-12-10 network"),
    (dict(layer=0, units=[24]), r"`unit` must be in 0..23 for layer 0, which has 24 units\. "
                                r"Got 24 instead\."),
    (dict(layer=0, units=[]), r"`units` must list at least one unit"),
    (dict(layer=0, norm=0), r"`norm` must be a number > 0 \(or None\)\. Got 0 instead\."),
    (dict(layer=0, norm=-2.0), r"`norm` must be a number > 0 \(or None\)\. Got -2\.0 instead\."),
    (dict(layer=0, bounds=(1, 0)), r"`bounds` must be \(low, high\) with low < high\. "
                                   r"Got \(1, 0\) instead\."),
    (dict(layer=0, bounds=(0, 1, 2)), r"`bounds` must be \(low, high\)"),
    (dict(layer=0, n_iterations=0), r"`n_iterations` must be an integer in 1\.\.1,000,000\. Got 0 "
     r"instead\."),
    (dict(layer=0, lr=0), r"`lr` must be a number > 0\. Got 0 instead\."),
    (dict(layer=0, l2=-1), r"`l2` must be a number >= 0\. Got -1 instead\."),
    (dict(layer=0, jitter=-1), r"`jitter` must be an integer >= 0\. Got -1 instead\."),
    (dict(layer=0, start="zeros"), r"`start` must be 'random', 'mean' or an array\. "
                                   r"Got 'zeros' instead\."),
    (dict(layer=0, start="mean"), r"start='mean' needs data: pass `X`\."),
    (dict(layer=0, start=np.zeros(5)), r"`start` must be 'random', 'mean' or an array of 784"),
    (dict(layer=0, X=np.zeros((3, 5))), r"`X` has 5 features per example but the network "
                                        r"takes 784 inputs\."),
])
def test_errors(deep_net, kwargs, message):
    with pytest.raises(ValueError, match=message):
        maximize_activation(deep_net, **kwargs)


def test_image_regularisers_refused_on_tabular_nets():
    net = hl.DenseNet([4, 3, 2])
    with pytest.raises(ValueError, match=r"`tv` works on images, and this network's inputs "
                                         r"are not an image"):
        maximize_activation(net, 0, tv=0.1)
