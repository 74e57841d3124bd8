"""Accuracy, R² and the confusion matrix: scikit-learn's numbers, wherever they are shown."""

import numpy as np
import pytest
import torch
from sklearn import metrics

import hiddenlens as hl
from hiddenlens import _metrics

Y_TRUE = np.array([0, 1, 2, 2, 1, 0, 2, 3])
Y_PRED = np.array([0, 2, 2, 2, 1, 1, 2, 0])
VALUES = np.array([3.0, -0.5, 2.0, 7.0, 4.25])
FITTED = np.array([2.5, 0.0, 2.0, 8.0, 4.0])


def test_accuracy_and_confusion_matrix_are_sklearns():
    assert _metrics.accuracy(Y_TRUE, Y_PRED) == metrics.accuracy_score(Y_TRUE, Y_PRED) == 0.625
    cm = _metrics.confusion(Y_TRUE, Y_PRED, 5)  # class 4 appears nowhere
    np.testing.assert_array_equal(cm, metrics.confusion_matrix(Y_TRUE, Y_PRED, labels=range(5)))
    assert cm.shape == (5, 5) and cm.dtype == np.int64 and cm[3, 0] == 1
    np.testing.assert_array_equal(_metrics.per_class_accuracy(cm), [0.5, 0.5, 1.0, 0.0, 0.0])
    assert _metrics.accuracy(torch.as_tensor(Y_TRUE), torch.as_tensor(Y_PRED)) == 0.625


def test_r2_is_sklearns_and_zero_for_a_constant_target():
    assert _metrics.r2(VALUES, FITTED) == metrics.r2_score(VALUES, FITTED)
    assert _metrics.r2(VALUES.astype(np.float32), FITTED[:, None]) == pytest.approx(
        metrics.r2_score(VALUES, FITTED), abs=1e-7)  # (n,) labels against (n, 1) outputs
    assert _metrics.r2(torch.as_tensor(VALUES), torch.as_tensor(FITTED)) == \
        metrics.r2_score(VALUES, FITTED)
    assert _metrics.r2(np.full(4, 2.0), np.arange(4.0)) == 0.0  # nothing to explain
    two = np.column_stack([VALUES, 2 * VALUES]), np.column_stack([FITTED, VALUES + 1])
    ss_res = ((two[0] - two[1]) ** 2).sum()
    ss_tot = ((two[0] - two[0].mean(axis=0)) ** 2).sum()
    assert _metrics.r2(*two) == pytest.approx(1 - ss_res / ss_tot, rel=1e-12)  # pooled


def test_the_networks_scores_are_sklearns(iris_net, iris_data):
    X, y = iris_data.X_test, iris_data.y_test
    pred = iris_net.predict(X)
    assert iris_net.score(X, y) == metrics.accuracy_score(y, pred)
    ev = hl.evaluate(iris_net, X, y)
    assert ev.accuracy == metrics.accuracy_score(y, pred)
    np.testing.assert_array_equal(ev.confusion_matrix, metrics.confusion_matrix(y, pred))
    np.testing.assert_array_equal(ev.per_class_accuracy,
                                  metrics.recall_score(y, pred, average=None))
    assert iris_net.history[-1]["test_accuracy"] == ev.accuracy


def test_a_regressors_score_and_history_are_sklearns_r2():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3)).astype(np.float32)
    y = (X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=60)).astype(np.float32)
    ds = hl.Dataset(X_train=X[:40], y_train=y[:40], X_test=X[40:], y_test=y[40:],
                    feature_names=["a", "b", "c"], class_names=None, name="toy",
                    task="regression")
    net = hl.train(hl.DenseNet([3, 4, 1], "tanh", output_activation="linear", random_state=0), ds,
                   epochs=3, progress=False)
    expected = metrics.r2_score(y[40:].astype(np.float64), net.predict(X[40:]).astype(np.float64))
    assert net.score(X[40:], y[40:]) == expected
    assert hl.evaluate(net, X[40:], y[40:]).r2 == expected
    assert net.history[-1]["test_r2"] == pytest.approx(expected, abs=1e-6)
