"""permutation_importance: scikit-learn's Bunch and numbers, for the same random_state."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.inspection import permutation_importance as sk_permutation_importance
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils import Bunch

import hiddenlens as hl
from hiddenlens.explain import permutation_importance


def _from_mlp(mlp) -> hl.DenseNet:
    """The MLP imported as a float64 DenseNet."""
    net = hl.from_sklearn(mlp)
    assert net.dtype == torch.float64
    return net


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


@pytest.fixture(scope="module")
def wine():
    ds = hl.load_dataset("wine")
    X = (ds.X_train - ds.X_train.mean(0)) / ds.X_train.std(0)
    Xt = ((ds.X_test - ds.X_train.mean(0)) / ds.X_train.std(0)).astype(np.float64)
    clf = _fit(MLPClassifier((6,), activation="tanh", max_iter=60, random_state=0), X,
               ds.y_train)
    return clf, _from_mlp(clf), Xt, ds.y_test


@pytest.mark.parametrize("options", [
    dict(random_state=0),
    dict(random_state=3, n_repeats=7),
    dict(random_state=np.random.RandomState(11)),
    dict(random_state=1, max_samples=0.6),
    dict(random_state=2, max_samples=20),
    dict(random_state=4, scoring="neg_log_loss"),
    dict(random_state=4, scoring="balanced_accuracy"),
    dict(random_state=5, sample_weight=np.linspace(0.5, 2, 45)),
])
def test_same_numbers_as_scikit_learn(wine, options):
    clf, net, X, y = wine
    ours_opts = dict(options)
    theirs_opts = dict(options)
    if isinstance(options["random_state"], np.random.RandomState):
        ours_opts["random_state"] = np.random.RandomState(11)
    theirs = sk_permutation_importance(clf, X, y, **theirs_opts)
    ours = permutation_importance(net, X, y, **ours_opts)
    assert isinstance(ours, Bunch) and set(ours) == set(theirs)
    for key in theirs:
        assert ours[key].shape == theirs[key].shape
        if options.get("scoring") == "neg_log_loss":  # continuous: float rounding only
            np.testing.assert_allclose(ours[key], theirs[key], atol=1e-12)
        else:
            np.testing.assert_array_equal(ours[key], theirs[key])  # max difference 0


@pytest.mark.parametrize("activation", ["logistic", "relu"])
def test_same_numbers_on_real_digits_with_a_float64_mlp(activation):
    ds = hl.load_dataset("mnist-embedded")
    pick = np.arange(0, 1000, 16)
    clf = _fit(MLPClassifier((12,), activation=activation, max_iter=8, random_state=0),
               ds.X_train[::4].astype(np.float64), ds.y_train[::4])
    X, y = ds.X_test[pick].astype(np.float64), ds.y_test[pick]
    theirs = sk_permutation_importance(clf, X, y, n_repeats=2, random_state=0)
    ours = permutation_importance(_from_mlp(clf), X, y, n_repeats=2, random_state=0)
    np.testing.assert_array_equal(ours.importances, theirs.importances)


def test_regression_r2_matches_scikit_learn():
    rng = np.random.RandomState(0)
    X = rng.randn(80, 5)
    y = X[:, 0] * 2 - X[:, 3] + 0.1 * rng.randn(80)
    reg = _fit(MLPRegressor(hidden_layer_sizes=(7,), activation="relu", max_iter=200,
                            random_state=0), X, y)
    theirs = sk_permutation_importance(reg, X, y, n_repeats=4, random_state=0)
    ours = permutation_importance(_from_mlp(reg), X, y, n_repeats=4, random_state=0)
    np.testing.assert_allclose(ours.importances, theirs.importances, atol=1e-12)
    assert ours.importances_mean[[0, 3]].min() > ours.importances_mean[[1, 2, 4]].max()


def test_groups_shuffle_columns_together(wine):
    _, net, X, y = wine
    res = permutation_importance(net, X, y, groups={"first": [0, 1], "rest": range(2, 13)},
                                 random_state=0)
    assert res.importances.shape == (2, 5)
    single = permutation_importance(net, X, y, groups=[[4]], random_state=0)
    full = permutation_importance(net, X, y, random_state=0)
    np.testing.assert_array_equal(single.importances[0], full.importances[4])


def hits(y_true, y_pred):  # a metric, not a scorer: the old convention, now refused
    return float(np.sum(y_true == y_pred))


def test_callable_scoring_is_scikit_learns_estimator_X_y(wine):
    _, net, X, y = wine
    seen = []

    def accuracy(estimator, X_perturbed, y_true):
        seen.append(X_perturbed)
        return float(np.mean(estimator.predict(X_perturbed) == y_true))

    res = permutation_importance(net, X, y, scoring=accuracy, random_state=0, n_repeats=2)
    np.testing.assert_array_equal(
        res.importances, permutation_importance(net, X, y, random_state=0,
                                                n_repeats=2).importances)
    assert len(seen) == 1 + 13 * 2  # the baseline, then each column and repeat
    np.testing.assert_array_equal(seen[0], X)  # the data as given, then permuted copies
    np.testing.assert_array_equal(seen[1][:, 1:], X[:, 1:])  # column 0 permuted, no other
    np.testing.assert_array_equal(np.sort(seen[1][:, 0]), np.sort(X[:, 0]))


def test_bad_arguments_say_what_is_wrong(wine):
    _, net, X, y = wine
    with pytest.raises(ValueError, match=r"`n_repeats` must be an integer >= 1\. Got 0 "
                                         r"instead\."):
        permutation_importance(net, X, y, n_repeats=0)
    with pytest.raises(ValueError, match=r"^`scoring` must be None, a scorer name \(sklearn\."
                                         r"metrics\.get_scorer_names\(\)\), a scorer object, a "
                                         r"callable \(estimator, X, y\) or a list/dict of them\. "
                                         r"Got 'f1_macr' instead\.$"):
        permutation_importance(net, X, y, scoring="f1_macr")
    with pytest.raises(TypeError, match=r"^`scoring` as a callable must take \(estimator, X, "
                                        r"y\), as scikit-learn's scorers do \(make_scorer\(f\) "
                                        r"turns a metric f\(y_true, y_pred\) into one\)\. Got "
                                        r"hits, which does not take three arguments, instead\.$"):
        permutation_importance(net, X, y, scoring=hits)
    with pytest.raises(ValueError, match=r"^`scoring` as a list must hold distinct scorer "):
        permutation_importance(net, X, y, scoring=["r2", "r2"])
    with pytest.raises(ValueError, match=r"^`y` must hold class labels of this network, which "
                                         r"predicts 0, 1, 2\. Got 3, 4, 5, 6, 7, 8, 9, 10, 11, "
                                         r"12, \.\.\. \(97 unknown labels\) instead\.$"):
        permutation_importance(net, X[:1].repeat(100, 0), np.arange(100))
    with pytest.raises(ValueError, match=r"`max_samples` must be in 1\.\.45"):
        permutation_importance(net, X, y, max_samples=46)
    with pytest.raises(ValueError, match=r"Unknown feature 'colour'; the features are: x0"):
        permutation_importance(net, X, y, groups=[["colour"]])


def test_float32_screen_keeps_near_ties_exact():
    """Outputs 0 and 1 differ by 1e-9: float32 cannot call them, float64 rows decide."""
    from hiddenlens.explain._permutation import _shuffle_chain

    rng = np.random.RandomState(0)
    net = hl.DenseNet([6, 5, 3], "sigmoid", dtype=torch.float64, random_state=0)
    V = rng.randn(3, 5)
    V[1] = V[0] + 1e-9 * rng.randn(5)
    net.set_parameters([rng.randn(5, 6), V], [rng.randn(5), np.zeros(3)])
    X = rng.rand(300, 6)
    y = net.predict(X)
    y[::3] = (y[::3] + 1) % 3
    ours = permutation_importance(net, X, y, n_repeats=4, random_state=0)
    random_state = np.random.RandomState(0).randint(np.iinfo(np.int32).max + 1)
    perms = _shuffle_chain(np.random.RandomState(random_state), len(X), 4)
    base = np.mean(net.predict(X) == y)
    for j in range(6):
        for r, p in enumerate(perms):
            Xp = X.copy()
            Xp[:, j] = X[p, j]
            assert ours.importances[j, r] == base - np.mean(net.predict(Xp) == y)
