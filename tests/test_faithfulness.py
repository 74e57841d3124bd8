"""Faithfulness metrics: Quantus's numbers, known answers, and the bad-input sentences."""

import itertools
import warnings

import numpy as np
import pytest
import quantus  # a dev dependency (plain, no extras): missing, the file fails, never skips
import torch

import hiddenlens as hl
from _trust_helpers import Logits, digits, float64_copy


@pytest.fixture(scope="module")
def net64(nielsen_net):
    return float64_copy(nielsen_net)


@pytest.fixture(scope="module")
def case(net64, embedded):
    X, y = digits(embedded, 24)
    return X, y, hl.input_x_gradient(net64, X, y)


def _quantus(metric, net, X, y, A):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.array(metric(Logits(net).eval(), X.reshape(-1, 1, 28, 28), y,
                               A.reshape(-1, 1, 28, 28)))


def test_pixel_flipping_equals_quantus_on_digits(net64, case):
    X, y, A = case
    ours = hl.pixel_flipping(net64, X, y, A, features_in_step=16)
    theirs = _quantus(quantus.PixelFlipping(features_in_step=16, disable_warnings=True),
                      net64, X, y, A)
    assert ours.shape == theirs.shape == (len(X), 49)
    np.testing.assert_allclose(ours, theirs, atol=1e-10)


def test_pixel_flipping_one_pixel_a_step_equals_quantus():
    # Quantus runs one forward pass per step (~10+ ms): 64 pixels, not 784
    net = hl.DenseNet([64, 16, 10], "relu", dtype=torch.float64, image_shape=(8, 8), random_state=2)
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (12, 64)) * (rng.uniform(size=(12, 64)) < 0.4)  # sparse "ink"
    y = rng.integers(0, 10, 12)
    A = hl.saliency(net, X, y)
    ours = hl.pixel_flipping(net, X, y, A)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = np.array(quantus.PixelFlipping(disable_warnings=True)(
            Logits(net).eval(), X.reshape(-1, 1, 8, 8), y, A.reshape(-1, 1, 8, 8)))
    np.testing.assert_allclose(ours, theirs, atol=1e-10)


@pytest.mark.parametrize("window,order", [(8, "morf"), (5, "lerf")])
def test_region_perturbation_equals_quantus(net64, case, window, order):
    X, y, A = case
    ours = hl.region_perturbation(net64, X, y, A, window=window, order=order)
    theirs = _quantus(quantus.RegionPerturbation(patch_size=window, order=order,
                                                 disable_warnings=True), net64, X, y, A)
    np.testing.assert_allclose(ours.drops, theirs, atol=1e-10)
    # Samek's AOPC: the mean drop over k = 0..L, the k = 0 drop being 0
    np.testing.assert_allclose(ours.aopc, theirs.sum(1) / (theirs.shape[1] + 1))


def test_faithfulness_correlation_equals_quantus_on_the_same_subsets(net64, case, monkeypatch):
    X, y, A = case
    drawn, choice = [], np.random.choice

    def recording_choice(*args, **kw):  # Quantus draws subset r of example i with this
        drawn.append(choice(*args, **kw))
        return drawn[-1]

    monkeypatch.setattr(np.random, "choice", recording_choice)
    theirs = _quantus(quantus.FaithfulnessCorrelation(nr_runs=12, subset_size=100,
                                                      return_aggregate=False,
                                                      disable_warnings=True), net64, X, y, A)
    monkeypatch.undo()
    # one batch (24 < 64): run-major, then example
    subsets = np.array(drawn).reshape(12, len(X), 100).transpose(1, 0, 2)
    ours = hl.faithfulness_correlation(net64, X, y, A, n_samples=12, subset_size=100,
                                       subsets=subsets)
    np.testing.assert_allclose(ours, theirs, atol=1e-10)


def test_float32_net_matches_quantus_within_its_rounding(nielsen_net, embedded):
    X, y = embedded.X_test[:8], embedded.y_test[:8]
    A = hl.saliency(nielsen_net, X, y)
    ours = hl.pixel_flipping(nielsen_net, X, y, A, features_in_step=28)
    theirs = _quantus(quantus.PixelFlipping(features_in_step=28, disable_warnings=True),
                      nielsen_net, X, y, A)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_deletion_curve_is_pixel_flipping_with_the_unchanged_score_first(net64, case):
    X, y, A = case
    curve = hl.deletion_curve(net64, X, y, A, features_in_step=4)
    np.testing.assert_allclose(curve.scores[:, 1:],
                               hl.pixel_flipping(net64, X, y, A, features_in_step=4))
    full = torch.softmax(net64.module.logits(torch.as_tensor(X)), 1).detach().numpy()
    np.testing.assert_allclose(curve.scores[:, 0], full[np.arange(len(X)), y])
    assert curve.fractions[0] == 0 and curve.fractions[-1] == 1
    assert curve.summary()["beats_random"]  # input x gradient deletes faster than random
    assert list(curve.to_frame().columns)[:2] == ["fraction", "score"]


def test_insertion_curve_starts_at_the_baseline_and_ends_at_the_input(net64, case):
    X, y, A = case
    curve = hl.insertion_curve(net64, X, y, A, features_in_step=16)

    def probs(Z):
        p = torch.softmax(net64.module.logits(torch.as_tensor(Z)), 1).detach().numpy()
        return p[np.arange(len(X)), y]

    np.testing.assert_allclose(curve.scores[:, 0], probs(np.zeros_like(X)))
    np.testing.assert_allclose(curve.scores[:, -1], probs(X))
    assert curve.summary()["beats_random"]


def _linear_net(seed=3):
    net = hl.DenseNet([5, 3], output_activation="linear", dtype=torch.float64,
                     random_state=seed)
    net.set_preprocessing(np.zeros(5), np.ones(5))
    return net


def test_linear_net_exact_attribution_is_w_times_x_and_deletes_best():
    net, target = _linear_net(), 1
    X = np.random.default_rng(0).uniform(-1, 1, (6, 5))
    A = hl.input_x_gradient(net, X, target)
    np.testing.assert_allclose(A, net.weights[0][target] * X)
    curve = hl.deletion_curve(net, X, target, A, baseline=0.0, score="logit")
    w, b = net.weights[0][target], net.biases[0][target]
    for i, x in enumerate(X):  # every order of the 5 features, by brute force
        best = np.full(6, np.inf)
        for order in itertools.permutations(range(5)):
            kept = np.ones(5)
            scores = [b + w @ x]
            for j in order:
                kept[j] = 0
                scores.append(b + w @ (x * kept))
            best = np.minimum(best, scores)
        np.testing.assert_allclose(curve.scores[i], best, atol=1e-12)


def test_groups_delete_sets_of_columns_together(iris_net, iris_data):
    X, y = iris_data.X_test, iris_data.y_test
    groups = [[0, 1], [2, 3]]
    A = np.tile([[1.0, 0.0]], (len(X), 1))  # sepals first, then petals
    curve = hl.deletion_curve(iris_net, X, y, A, groups=groups, baseline="mean")
    assert curve.scores.shape == (len(X), 3)
    Z = X.copy().astype(np.float64)
    Z[:, :2] = X[:, :2].mean(0)
    np.testing.assert_allclose(curve.scores[:, 1], iris_net.predict_proba(Z)[np.arange(len(X)),
                                                                             y], atol=1e-6)


# ------------------------------------------------------------------ bad input, one sentence
def test_attributions_of_the_wrong_shape(nielsen_net, embedded):
    X = embedded.X_test[:3]
    with pytest.raises(ValueError, match=r"^`attributions` must hold one value per input for "
                       r"each example, shape \(3, 784\)\. Got shape \(3, 10\) instead\.$"):
        hl.pixel_flipping(nielsen_net, X, 0, np.zeros((3, 10)))


def test_target_out_of_range(nielsen_net, embedded):
    X = embedded.X_test[:3]
    with pytest.raises(ValueError, match=r"^`target` must be a class index in 0\.\.9 for this "
                       r"784-100-10 network\. Got 12 instead\.$"):
        hl.deletion_curve(nielsen_net, X, 12, np.zeros((3, 784)))


@pytest.mark.parametrize("bad", [5, 0, -1, 2.0])
def test_features_in_step_must_divide_and_be_positive(nielsen_net, embedded, bad):
    X = embedded.X_test[:2]
    with pytest.raises(ValueError, match=r"^`features_in_step` must be an integer >= 1 that "
                       r"divides the 784 features \(1, 2, 4, 7, 8, 14, 16, 28, \.\.\.\)\. Got "
                       + f"{bad!r}".replace(".", r"\.") + r" instead\.$"):
        hl.pixel_flipping(nielsen_net, X, 0, np.zeros((2, 784)), features_in_step=bad)


def test_quantus_has_no_mean_baseline(nielsen_net, embedded):
    X = embedded.X_test[:2]
    with pytest.raises(ValueError, match=r"^`baseline` must be one of 'black', 'white', a "
                       r"number or an array of shape \(784,\) or \(2, 784\)\. Got 'mean' "
                       r"instead\.$"):
        hl.pixel_flipping(nielsen_net, X, 0, np.zeros((2, 784)), baseline="mean")


def test_region_perturbation_needs_an_image_model(iris_net, iris_data):
    with pytest.raises(ValueError, match=r"^region_perturbation replaces square regions of "
                       r"images, but this 4-3-3 network has no image_shape; use deletion_curve "
                       r"with groups= for tabular features\.$"):
        hl.region_perturbation(iris_net, iris_data.X_test, 0, np.zeros((38, 4)))


def test_subsets_out_of_range(nielsen_net, embedded):
    X = embedded.X_test[:2]
    with pytest.raises(ValueError, match=r"^`subsets` must be feature indices in 0\.\.783"):
        hl.faithfulness_correlation(nielsen_net, X, 0, np.zeros((2, 784)),
                                    subsets=np.full((3, 10), 784))
