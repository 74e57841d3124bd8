"""`scoring=` takes what scikit-learn takes, with scikit-learn's numbers.

Known answers: ``sklearn.inspection.permutation_importance`` on the same MLPs, for scorer
names, scorer objects, callables ``(estimator, X, y)`` and dicts of several. Scorers of
predicted labels give the same importances bit for bit; scorers of probabilities and values
agree to BOUND x max(1, |baseline score|), the bound the docstring of
`permutation_importance` states (our float64 outputs are computed in another order than
scikit-learn's numpy forward pass).
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.inspection import permutation_importance as sk_permutation_importance
from sklearn.metrics import f1_score, get_scorer, make_scorer
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils import Bunch

import hiddenlens as hl
from hiddenlens.explain import ablate, permutation_importance, perturbation_importance

BOUND = 1e-13
NAMES = np.array(["setosa", "versicolor", "virginica"])
LABELINGS = {"0..2": lambda y: y, "1..3": lambda y: y + 1,
             "10/20/30": lambda y: np.array([10, 20, 30])[y], "strings": lambda y: NAMES[y]}
LABEL_SCORERS = ["accuracy", "balanced_accuracy", "f1_macro"]
VALUE_SCORERS = ["neg_log_loss", "roc_auc_ovr"]
REGRESSION_SCORERS = [None, "r2", "neg_mean_absolute_error", "neg_mean_squared_error"]


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def hits(estimator, X, y):
    """A scorer as scikit-learn calls it: the number of correct predictions."""
    return float(np.sum(estimator.predict(X) == y))


@pytest.fixture(scope="module", params=list(LABELINGS))
def classifier(request):
    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    labels = LABELINGS[request.param](y)
    clf = _fit(MLPClassifier((6,), learning_rate_init=0.01, max_iter=300, random_state=0), X,
               labels)
    return clf, hl.from_sklearn(clf), X, labels


@pytest.fixture(scope="module")
def regressor():
    rng = np.random.RandomState(0)
    X = rng.randn(120, 5)
    y = 3 * X[:, 0] - 2 * np.tanh(X[:, 3]) + 0.1 * rng.randn(120) + 10
    reg = _fit(MLPRegressor(hidden_layer_sizes=(8,), activation="tanh", max_iter=400,
                            random_state=0), X, y)
    return reg, hl.from_sklearn(reg), X, y


def _both(est, net, X, y, scoring, **kw):
    options = dict(n_repeats=4, random_state=3, **kw)
    return (permutation_importance(net, X, y, scoring=scoring, **options),
            sk_permutation_importance(est, X, y, scoring=scoring, **options))


def _close(ours: Bunch, theirs: Bunch, baseline: float) -> None:
    assert set(ours) == set(theirs)
    for key in theirs:
        diff = np.abs(ours[key] - theirs[key]).max()
        assert diff <= BOUND * max(1.0, abs(baseline)), (key, diff)


@pytest.mark.parametrize("scoring", LABEL_SCORERS + [
    make_scorer(f1_score, average="weighted"), get_scorer("balanced_accuracy"), hits])
def test_label_scorers_give_scikit_learns_importances_bit_for_bit(classifier, scoring):
    clf, net, X, y = classifier
    ours, theirs = _both(clf, net, X, y, scoring)
    assert isinstance(ours, Bunch) and set(ours) == set(theirs)
    for key in theirs:
        np.testing.assert_array_equal(ours[key], theirs[key])  # difference 0
    np.testing.assert_array_equal(
        _both(clf, net, X, y, scoring, max_samples=0.5)[0].importances,
        _both(clf, net, X, y, scoring, max_samples=0.5)[1].importances)


@pytest.mark.parametrize("scoring", VALUE_SCORERS)
def test_probability_scorers_agree_to_the_stated_bound(classifier, scoring):
    clf, net, X, y = classifier
    ours, theirs = _both(clf, net, X, y, scoring)
    _close(ours, theirs, get_scorer(scoring)(clf, X, y))


@pytest.mark.parametrize("scoring", REGRESSION_SCORERS)
def test_regression_scorers_agree_to_the_stated_bound(regressor, scoring):
    reg, net, X, y = regressor
    ours, theirs = _both(reg, net, X, y, scoring)
    baseline = get_scorer(scoring or "r2")(reg, X, y)
    _close(ours, theirs, baseline)
    assert ours.importances_mean[0] > ours.importances_mean[[1, 2, 4]].max()


def test_several_scores_give_a_dict_of_bunches(classifier):
    clf, net, X, y = classifier
    scoring = {"acc": "accuracy", "f1": make_scorer(f1_score, average="macro"), "hits": hits,
               "ll": "neg_log_loss"}
    ours, theirs = _both(clf, net, X, y, scoring)
    assert isinstance(ours, dict) and list(ours) == list(theirs) == list(scoring)
    for name in ("acc", "f1", "hits"):
        np.testing.assert_array_equal(ours[name].importances, theirs[name].importances)
    _close(ours["ll"], theirs["ll"], get_scorer("neg_log_loss")(clf, X, y))
    listed, sk_listed = _both(clf, net, X, y, ["accuracy", "balanced_accuracy"])
    assert list(listed) == ["accuracy", "balanced_accuracy"]
    for name in listed:
        np.testing.assert_array_equal(listed[name].importances, sk_listed[name].importances)


def test_a_callable_returning_a_dict_is_several_scores(classifier):
    clf, net, X, y = classifier

    def two(estimator, X, y):
        pred = estimator.predict(X)
        return {"right": float(np.sum(pred == y)), "wrong": float(np.sum(pred != y))}

    ours, theirs = _both(clf, net, X, y, two)
    assert list(ours) == list(theirs) == ["right", "wrong"]
    for name in ours:
        np.testing.assert_array_equal(ours[name].importances, theirs[name].importances)


def test_sample_weight_reaches_every_scorer(classifier):
    clf, net, X, y = classifier
    w = np.linspace(0.5, 2, len(X))
    for scoring in ("accuracy", "f1_macro", None):
        ours, theirs = _both(clf, net, X, y, scoring, sample_weight=w)
        np.testing.assert_array_equal(ours.importances, theirs.importances)


def test_perturbation_and_ablation_take_the_same_scorers(classifier):
    clf, net, X, y = classifier
    scoring = {"acc": "accuracy", "hits": hits, "f1": make_scorer(f1_score, average="macro")}
    several = perturbation_importance(net, X, y, scoring=scoring, n_repeats=3, random_state=0)
    for name, scorer in scoring.items():
        one = perturbation_importance(net, X, y, scoring=scorer, n_repeats=3, random_state=0)
        np.testing.assert_array_equal(several[name].importances, one.importances)
    np.testing.assert_allclose(several["hits"].importances,
                               several["acc"].importances * len(X), rtol=0, atol=1e-12)
    ab = ablate(net, X, y, 0, scoring=scoring)
    assert set(ab) == set(scoring) and ab["f1"].scoring == "f1"
    plain = ablate(net, X, y, 0)
    np.testing.assert_array_equal(ab["acc"].drop, plain.drop)
    np.testing.assert_array_equal(ab["acc"].per_class_drop, plain.per_class_drop)
    np.testing.assert_allclose(ab["hits"].drop, plain.drop * len(X), rtol=0, atol=1e-12)
    named = ablate(net, X, y, 0, scoring=make_scorer(f1_score, average="macro"))
    np.testing.assert_array_equal(named.drop, ab["f1"].drop)
    assert named.scoring == "f1_score"


def test_a_scorer_reads_the_network_not_a_stale_copy(classifier):
    """The stand-in answers only for the data it was built for; other data runs the net."""
    clf, net, X, y = classifier
    seen = []

    def on_other_data(estimator, X_given, y_true):
        seen.append(estimator.predict(X_given[:5]).tolist() == net.predict(X_given[:5]).tolist())
        return hits(estimator, X_given, y_true)

    permutation_importance(net, X, y, scoring=on_other_data, n_repeats=1, random_state=0)
    assert all(seen) and len(seen) == 1 + X.shape[1]


def test_scorers_a_regressor_cannot_take_are_refused(regressor):
    _, net, X, y = regressor
    for name in ("accuracy", "neg_log_loss", "f1_macro", "roc_auc"):
        with pytest.raises(ValueError, match=rf"^`scoring` '{name}' needs a classifier; this "
                                             r"network is a regressor \(use 'r2' or "):
            permutation_importance(net, X, y, scoring=name)
