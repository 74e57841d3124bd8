"""perturbation_importance: the low-rank fast path equals a plain loop of forward passes."""

import numpy as np
import pytest
import torch

import hiddenlens as hl
from hiddenlens.explain import perturbation_importance


def _slow(net, X, y, noise, n_repeats, random_state, groups, score):
    """The seeds' method written out: bump one group, run the whole network, score."""
    span = (X.max(0) - X.min(0)) * noise
    children = np.random.SeedSequence(random_state).spawn(len(groups))
    base = score(y, net.predict(X))
    out = np.empty((len(groups), n_repeats))
    for g, cols in enumerate(groups):
        u = np.random.default_rng(children[g]).uniform(-1, 1, (n_repeats, len(X), len(cols)))
        for r in range(n_repeats):
            Xp = X.copy()
            Xp[:, cols] += u[r] * span[cols]
            out[g, r] = base - score(y, net.predict(Xp))
    return out


@pytest.fixture(scope="module")
def iris_net():
    ds = hl.load_dataset("iris")
    net = hl.DenseNet([4, 8, 3], "tanh", dtype=torch.float64, random_state=0,
                      feature_names=ds.feature_names)
    hl.train(net, ds, epochs=40, lr=0.1, progress=False)
    return net, ds.X_test.astype(np.float64), ds.y_test


def test_fast_path_equals_the_plain_loop(iris_net):
    net, X, y = iris_net
    groups = [[0], [1], [2], [3], [2, 3]]
    ours = perturbation_importance(net, X, y, noise=0.3, n_repeats=4, random_state=9,
                                   groups=groups)
    slow = _slow(net, X, y, 0.3, 4, 9, groups, lambda t, p: np.mean(t == p))
    np.testing.assert_array_equal(ours.importances, slow)
    assert list(ours.names) == ["sepal length (cm)", "sepal width (cm)", "petal length (cm)",
                                "petal width (cm)", "petal length (cm)+petal width (cm)"]
    assert ours.ranking[0] in (2, 3, 4)  # petals separate the irises


def test_known_answer_on_a_linear_regressor():
    # y = 3 x0 - x1, noise on x2 changes nothing: its importance is exactly 0
    net = hl.DenseNet([3, 1], output_activation="linear", dtype=torch.float64)
    net.set_parameters([np.array([[3.0, -1.0, 0.0]])], [np.zeros(1)])
    X = np.random.RandomState(0).rand(200, 3)
    y = X @ np.array([3.0, -1.0, 0.0])
    res = perturbation_importance(net, X, y, random_state=0, n_repeats=3,
                                  scoring="neg_mean_squared_error")
    # E[(3 u span)^2] with u ~ U(-0.5, 0.5): 9 span^2 / 12 against span^2 / 12 for x1
    span = X.max(0) - X.min(0)
    np.testing.assert_allclose(res.importances_mean[:2] * 12 / span[:2] ** 2, [9, 1],
                               rtol=0.25)
    assert res.importances_mean[2] == 0
    slow = _slow(net, X, y, 0.5, 3, 0, [[0], [1], [2]],
                 lambda t, p: -np.mean((t - p) ** 2))
    np.testing.assert_allclose(res.importances, slow, atol=1e-12)


def test_draws_do_not_depend_on_blocking(iris_net):
    net, X, y = iris_net
    from hiddenlens.explain import _lowrank

    a = perturbation_importance(net, X, y, random_state=3)
    old = _lowrank.MAX_BLOCK_ELEMENTS
    _lowrank.MAX_BLOCK_ELEMENTS = 1  # one perturbation per block
    try:
        b = perturbation_importance(net, X, y, random_state=3)
    finally:
        _lowrank.MAX_BLOCK_ELEMENTS = old
    np.testing.assert_array_equal(a.importances, b.importances)


def test_bad_arguments_say_what_is_wrong(iris_net):
    net, X, y = iris_net
    with pytest.raises(ValueError, match=r"`n_repeats` must be an integer >= 1\. Got 0 "
                                         r"instead\."):
        perturbation_importance(net, X, y, n_repeats=0)
    with pytest.raises(ValueError, match=r"^`scoring` must be None, a scorer name \(sklearn\."
                                         r"metrics\.get_scorer_names\(\)\), .* Got 'precison' "
                                         r"instead\.$"):
        perturbation_importance(net, X, y, scoring="precison")
    with pytest.raises(ValueError, match=r"`noise` must be a fraction of each feature's "
                                         r"range > 0\. Got -1 instead\."):
        perturbation_importance(net, X, y, noise=-1)
    with pytest.raises(ValueError,
                       match=r"`y` must hold one label per example \(38\)\. Got 3 instead\."):
        perturbation_importance(net, X, y[:3])
