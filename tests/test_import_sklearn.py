"""from_sklearn: MLPClassifier / MLPRegressor against their own predict_proba / predict."""

import re
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

import hiddenlens as hl


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def digits():
    ds = hl.load_dataset("mnist-embedded", train_size=500)  # stratified: 50 per digit
    return ds.X_train.astype(np.float64), ds.y_train, ds.X_test[::5]


def test_multiclass_digits_with_labels(digits):
    X, y, X_test = digits
    labels = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                       "nine"])
    clf = MLPClassifier(hidden_layer_sizes=(24, 12), activation="relu", max_iter=10,
                        random_state=0).fit(X, labels[y])
    net = hl.from_sklearn(clf)
    assert net.sizes == [784, 24, 12, 10] and net.activations == ["relu", "relu", "softmax"]
    assert net.dtype == torch.float64 and net.image_shape == (28, 28)
    assert net.class_names == sorted(labels)  # classes_ order, as predict_proba's columns
    assert np.abs(net.predict_proba(X_test) - clf.predict_proba(X_test)).max() <= 1e-9
    assert net.predict(X_test).tolist() == clf.predict(X_test).tolist()  # the labels
    assert net.classes_.tolist() == clf.classes_.tolist()


@pytest.mark.parametrize("activation", ["logistic", "tanh", "identity"])
def test_binary_classifier_has_one_logistic_unit(activation):
    ds = hl.load_dataset("breast-cancer")
    X, X_test = ds.X_train.astype(np.float64), ds.X_test.astype(np.float64)  # float32 data
    clf = make_pipeline(StandardScaler(), MLPClassifier(
        hidden_layer_sizes=(8,), activation=activation, max_iter=50, random_state=0))
    clf.fit(X, ds.y_train)  # would make scikit-learn compute in float32
    net = hl.from_sklearn(clf)
    expected_act = {"logistic": "sigmoid", "tanh": "tanh", "identity": "linear"}[activation]
    assert net.sizes == [30, 8, 1] and net.activations == [expected_act, "sigmoid"]
    assert net.n_classes == 2 and net.class_names == ["0", "1"]
    assert net.preprocessing is not None  # the scaler became the input standardisation
    assert np.abs(net.predict_proba(X_test) - clf.predict_proba(X_test)).max() <= 1e-9
    np.testing.assert_array_equal(net.predict(X_test), clf.predict(X_test))


def test_min_max_scaler_in_front():
    ds = hl.load_dataset("wine")
    X, X_test = ds.X_train.astype(np.float64), ds.X_test.astype(np.float64)
    clf = make_pipeline(MinMaxScaler(), MLPClassifier(hidden_layer_sizes=(6,), max_iter=100,
                                                      random_state=0)).fit(X, ds.y_train)
    net = hl.from_sklearn(clf)
    assert np.abs(net.predict_proba(X_test) - clf.predict_proba(X_test)).max() <= 1e-9
    clipped = make_pipeline(MinMaxScaler(clip=True), MLPClassifier(max_iter=5)).fit(X, ds.y_train)
    with pytest.raises(ValueError, match=re.escape(
        "A MinMaxScaler with clip=True cannot be imported; refit with clip=False.")):
        hl.from_sklearn(clipped)


def test_regressor_and_feature_names():
    import pandas as pd

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.random((200, 3)), columns=["age", "dose", "weight"])
    y = 2 * X["age"] - X["dose"] ** 2
    reg = MLPRegressor(hidden_layer_sizes=(10, 5), activation="tanh", max_iter=200,
                       random_state=0).fit(X, y)
    net = hl.from_sklearn(reg)
    assert net.task == "regression" and net.output_activation == "linear"
    assert net.feature_names == ["age", "dose", "weight"] and net.class_names is None
    assert np.abs(net.predict(X.to_numpy().copy()) - reg.predict(X)).max() <= 1e-9


def test_bad_estimators_get_one_sentence():
    with pytest.raises(ValueError, match=re.escape(
        "This MLPClassifier is not fitted yet; call fit(X, y) before importing it.")):
        hl.from_sklearn(MLPClassifier())
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(TypeError, match=re.escape(
        "`estimator` must be a fitted MLPClassifier or MLPRegressor (alone or after a "
        "StandardScaler or MinMaxScaler in a Pipeline). Got LogisticRegression instead.")):
        hl.from_sklearn(LogisticRegression())
    from sklearn.decomposition import PCA

    with pytest.raises(ValueError, match=re.escape(
        "The Pipeline PCA -> StandardScaler -> MLPRegressor cannot be imported; hiddenlens "
        "reads an MLPClassifier or MLPRegressor, optionally after one StandardScaler or "
        "MinMaxScaler.")):
        hl.from_sklearn(make_pipeline(PCA(), StandardScaler(), MLPRegressor()))
    rng = np.random.default_rng(0)
    poisson = MLPRegressor(hidden_layer_sizes=(4,), loss="poisson", max_iter=5).fit(
        rng.random((30, 2)), rng.integers(0, 5, 30))
    with pytest.raises(ValueError, match=re.escape(
        "The activation 'exp' of this network is not supported; hiddenlens imports identity, "
        "logistic, tanh and relu layers and softmax, logistic or identity outputs (an "
        "MLPRegressor with loss='poisson' has an exponential output).")):
        hl.from_sklearn(poisson)


def test_nan_coefficients_are_refused():
    rng = np.random.default_rng(0)
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5).fit(rng.random((30, 2)),
                                                                  rng.integers(0, 3, 30))
    clf.coefs_[1][0, 0] = np.nan
    with pytest.raises(ValueError, match=re.escape(
        "coefs_[1] of the MLPClassifier contains NaN or infinite values; a network with such "
        "weights computes nothing meaningful, so fix or retrain it before importing.")):
        hl.from_sklearn(clf)
