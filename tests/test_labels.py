"""Class labels: a model predicts and scores in its `classes_`, like the estimator it came from.

Known answers from scikit-learn itself: an MLPClassifier fitted on iris with labels 0..2, 1..3,
10/20/30 and strings, and its `predict`, `score`, `predict_proba`, scorers and
`permutation_importance`.
"""

import warnings

import numpy as np
import pytest
import torch
from sklearn.base import is_classifier, is_regressor
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.inspection import permutation_importance as sk_permutation_importance
from sklearn.metrics import confusion_matrix, f1_score, get_scorer, make_scorer
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import hiddenlens as hl
from hiddenlens.explain import ablate, permutation_importance, perturbation_importance
from hiddenlens.io import _native

NAMES = np.array(["setosa", "versicolor", "virginica"])
LABELINGS = {"0..2": lambda y: y, "1..3": lambda y: y + 1,
             "10/20/30": lambda y: np.array([10, 20, 30])[y], "strings": lambda y: NAMES[y]}


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return (X - X.mean(0)) / X.std(0), y


@pytest.fixture(scope="module", params=list(LABELINGS))
def labelled(request, iris):
    """(clf, net, X, labels) for one labelling of iris; the same weights for every one."""
    X, y = iris
    labels = LABELINGS[request.param](y)
    clf = _fit(MLPClassifier((6,), learning_rate_init=0.01, max_iter=300, random_state=0), X,
               labels)
    return clf, hl.from_sklearn(clf), X, labels


def test_predict_score_and_proba_are_the_estimators(labelled):
    clf, net, X, y = labelled
    assert net.classes_.tolist() == clf.classes_.tolist()
    assert net.predict(X).tolist() == clf.predict(X).tolist()  # labels, not indices
    assert net.score(X, y) == clf.score(X, y) > 0.9
    np.testing.assert_allclose(net.predict_proba(X), clf.predict_proba(X), atol=1e-12)
    assert net.class_names == [str(c) for c in clf.classes_]
    w = np.linspace(0.2, 3, len(X))
    assert net.score(X, y, sample_weight=w) == clf.score(X, y, sample_weight=w)


def test_scikit_learn_sees_a_classifier_and_scores_it_as_the_estimator(labelled):
    clf, net, X, y = labelled
    assert is_classifier(net) and not is_regressor(net)
    for name in ("accuracy", "balanced_accuracy", "f1_macro", "neg_log_loss", "roc_auc_ovr"):
        ours, theirs = get_scorer(name)(net, X, y), get_scorer(name)(clf, X, y)
        assert ours == pytest.approx(theirs, abs=1e-13), name


def test_permutation_importance_is_scikit_learns_for_any_labels(labelled):
    """iris with y + 1 gave [-0.039 0.008 -0.23 -0.11] against scikit-learn's
    [0.067 0.017 0.54 0.29]; 10/20/30 and strings gave zeros."""
    clf, net, X, y = labelled
    theirs = sk_permutation_importance(clf, X, y, n_repeats=5, random_state=0)
    ours = permutation_importance(net, X, y, n_repeats=5, random_state=0)
    np.testing.assert_array_equal(ours.importances, theirs.importances)
    assert ours.importances_mean.max() > 0.1


def test_a_pipeline_keeps_its_classes(iris):
    X, y = iris
    clf = _fit(make_pipeline(StandardScaler(), MLPClassifier((5,), max_iter=200,
                                                             random_state=0)), X, NAMES[y])
    net = hl.from_sklearn(clf)
    assert net.classes_.tolist() == NAMES.tolist()
    assert net.predict(X).tolist() == clf.predict(X).tolist()


def test_a_binary_estimator_predicts_its_two_labels(iris):
    X, y = iris
    keep = y > 0
    labels = np.where(y[keep] == 1, "no", "yes")
    clf = _fit(MLPClassifier((4,), max_iter=300, random_state=0), X[keep], labels)
    net = hl.from_sklearn(clf)
    assert net.n_outputs == 1 and net.classes_.tolist() == ["no", "yes"]
    assert net.predict(X[keep]).tolist() == clf.predict(X[keep]).tolist()
    scorers = [get_scorer(name) for name in ("accuracy", "roc_auc", "neg_log_loss")]
    for scorer in scorers + [make_scorer(f1_score, pos_label="yes")]:
        assert scorer(net, X[keep], labels) == pytest.approx(scorer(clf, X[keep], labels),
                                                             abs=1e-13)


def test_labels_the_model_does_not_know_are_refused(iris):
    """permutation_importance with labels 0..99 for a 10-class net returned numbers."""
    X, y = iris
    net = hl.DenseNet([4, 6, 10], random_state=0)
    y100 = np.arange(150) % 100
    sentence = (r"^`y` must hold class labels of this network, which predicts 0, 1, 2, 3, 4, 5, "
                r"6, 7, 8, 9\. Got 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, \.\.\. \(90 unknown "
                r"labels\) instead\.$")
    for call in (lambda: permutation_importance(net, X, y100, random_state=0),
                 lambda: perturbation_importance(net, X, y100, random_state=0),
                 lambda: ablate(net, X, y100, 0),
                 lambda: net.score(X, y100),
                 lambda: hl.evaluate(net, X, y100)):
        with pytest.raises(ValueError, match=sentence):
            call()
    clf = _fit(MLPClassifier((4,), max_iter=50, random_state=0), X, NAMES[y])
    strings = hl.from_sklearn(clf)
    with pytest.raises(ValueError, match=r"^`y` must hold class labels of this network, which "
                                         r"predicts 'setosa', 'versicolor', 'virginica'\. Got 0,"
                                         r" 1, 2 instead\.$"):
        permutation_importance(strings, X, y)  # indices where labels are due


def test_classes_are_kept_in_model_files(tmp_path, iris):
    X, y = iris
    clf = _fit(MLPClassifier((4,), max_iter=50, random_state=0), X, np.array([10, 20, 30])[y])
    net = hl.from_sklearn(clf)
    back = hl.load_model(hl.save_model(net, tmp_path / "m.safetensors"))
    assert back.classes_.tolist() == [10, 20, 30] and back.classes_.dtype.kind == "i"
    assert back.predict(X).tolist() == clf.predict(X).tolist()
    strings = hl.from_sklearn(_fit(MLPClassifier((4,), max_iter=50, random_state=0), X,
                                   NAMES[y]))
    back = hl.load_model(hl.save_model(strings, tmp_path / "s.safetensors"))
    assert back.classes_.tolist() == NAMES.tolist()
    # a file written before classes were kept: the default labels 0..K-1
    meta = _native.model_metadata(net)
    del meta["classes"]
    old = tmp_path / "old.safetensors"
    old.write_bytes(_native.pack(_native.model_tensors(net), meta))
    assert hl.load_model(old).classes_.tolist() == [0, 1, 2]


def test_a_dataset_trained_model_predicts_its_label_indices():
    ds = hl.load_dataset("iris")
    net = hl.train(hl.DenseNet([4, 8, 3], "tanh", random_state=0), ds, epochs=30,
                   progress=False)
    assert net.classes_.tolist() == [0, 1, 2] and net.class_names == ds.class_names
    assert set(net.predict(ds.X_test)) <= {0, 1, 2}
    assert net.score(ds.X_test, ds.y_test) > 0.8


def test_classes_are_checked_and_regressors_have_none():
    net = hl.DenseNet([3, 2], output_activation="linear")
    assert net.classes_ is None and is_regressor(net) and not is_classifier(net)
    with pytest.raises(ValueError, match=r"^`classes` must list the 3 class labels of the "
                                         r"network \(ints or strings, one per class\)\. Got 1, 2 "
                                         r"instead\.$"):
        hl.DenseNet([3, 3], classes=[1, 2])
    with pytest.raises(ValueError, match=r"^`classes` must hold distinct labels\. Got 'a', "
                                         r"'a', 'b' instead\.$"):
        hl.DenseNet([3, 3], classes=["a", "a", "b"])
    net = hl.DenseNet([3, 3], classes=["a", "b", "c"], dtype=torch.float64)
    assert net.class_names == ["a", "b", "c"] and net.predict(np.eye(3)).dtype.kind == "U"


def test_evaluate_orders_the_confusion_matrix_by_classes(iris):
    X, y = iris
    labels = NAMES[y]
    clf = _fit(MLPClassifier((3,), max_iter=40, random_state=1), X, labels)
    net = hl.from_sklearn(clf)
    ev = hl.evaluate(net, X, labels)
    assert ev.class_names == NAMES.tolist() and ev.classes.tolist() == NAMES.tolist()
    np.testing.assert_array_equal(ev.confusion_matrix,
                                  confusion_matrix(labels, clf.predict(X), labels=clf.classes_))
    assert ev.accuracy == clf.score(X, labels)
    assert "versicolor" in ev.to_text() and ev.to_dict()["classes"] == NAMES.tolist()


def test_ablation_reads_labels_and_names_classes(iris):
    X, y = iris
    clf = _fit(MLPClassifier((5,), max_iter=200, random_state=0), X, NAMES[y])
    strings = hl.from_sklearn(clf)
    indices = hl.from_sklearn(_fit(MLPClassifier((5,), max_iter=200, random_state=0), X, y))
    a, b = ablate(strings, X, NAMES[y], 0), ablate(indices, X, y, 0)
    np.testing.assert_array_equal(a.drop, b.drop)
    np.testing.assert_array_equal(a.per_class_drop, b.per_class_drop)
    assert a.class_names == NAMES.tolist()
    assert "drop[virginica]" in a.to_frame().columns


def test_a_regressor_is_a_regressor_to_scikit_learn():
    rng = np.random.RandomState(0)
    X = rng.randn(60, 3)
    reg = _fit(MLPRegressor(hidden_layer_sizes=(4,), max_iter=100, random_state=0), X,
               X[:, 0])
    net = hl.from_sklearn(reg)
    assert is_regressor(net) and net.classes_ is None
    assert get_scorer("r2")(net, X, X[:, 0]) == pytest.approx(reg.score(X, X[:, 0]), abs=1e-13)
