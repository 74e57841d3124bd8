"""ONNX files written by other exporters import: skl2onnx (MLPClassifier and MLPRegressor,
with and without a StandardScaler, with and without ZipMap) and Keras 3's model.export."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")  # before keras is imported: no TensorFlow

import warnings  # noqa: E402

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler, StandardScaler  # noqa: E402

import hiddenlens as hl  # noqa: E402

skl2onnx = pytest.importorskip("skl2onnx")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning",
                                        "ignore::sklearn.exceptions.ConvergenceWarning")
X, Y = load_iris(return_X_y=True)
X = X.astype(np.float32)


def _export(estimator, path, zipmap: bool = True):
    last = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    options = None if zipmap or not hasattr(last, "classes_") else {id(last): {"zipmap": False}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = skl2onnx.to_onnx(estimator, X[:1], options=options)
    path.write_bytes(model.SerializeToString())
    return path


def _mlp(hidden=(6,), **kw):
    return MLPClassifier(hidden, max_iter=400, random_state=0, **kw)


@pytest.mark.parametrize("scaler", [None, StandardScaler, MinMaxScaler])
@pytest.mark.parametrize("zipmap", [True, False])
def test_skl2onnx_mlp_classifier(tmp_path, scaler, zipmap):
    est = _mlp() if scaler is None else make_pipeline(scaler(), _mlp())
    est.fit(X, Y)
    net = hl.load_model(_export(est, tmp_path / "mlp.onnx", zipmap))
    assert net.sizes == [4, 6, 3] and net.activations == ["relu", "softmax"]
    assert (net.preprocessing is None) == (scaler is None)
    np.testing.assert_allclose(net.predict_proba(X), est.predict_proba(X), atol=1e-5)
    assert net.class_names is None  # labels 0, 1, 2: nothing to name


def test_skl2onnx_string_labels_become_class_names(tmp_path):
    est = make_pipeline(StandardScaler(), _mlp((5, 4), activation="tanh"))
    est.fit(X, np.array(["setosa", "versicolor", "virginica"])[Y])
    net = hl.load_model(_export(est, tmp_path / "named.onnx"))
    assert net.sizes == [4, 5, 4, 3] and net.activations == ["tanh", "tanh", "softmax"]
    assert net.class_names == ["setosa", "versicolor", "virginica"]
    np.testing.assert_allclose(net.predict_proba(X), est.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("zipmap", [True, False])
def test_skl2onnx_binary_classifier_is_one_sigmoid_output(tmp_path, zipmap):
    est = _mlp().fit(X, Y > 0)
    net = hl.load_model(_export(est, tmp_path / "binary.onnx", zipmap))
    assert net.sizes == [4, 6, 1] and net.activations == ["relu", "sigmoid"]
    np.testing.assert_allclose(net.predict_proba(X), est.predict_proba(X), atol=1e-5)


def test_skl2onnx_regressor(tmp_path):
    mlp = MLPRegressor(hidden_layer_sizes=(6,), max_iter=400, random_state=0)
    est = make_pipeline(StandardScaler(), mlp)
    est.fit(X[:, 1:], X[:, 0])
    path = tmp_path / "reg.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path.write_bytes(skl2onnx.to_onnx(est, X[:1, 1:]).SerializeToString())
    net = hl.load_model(path)
    assert net.sizes == [3, 6, 1] and net.activations == ["relu", "linear"]
    np.testing.assert_allclose(net.predict(X[:, 1:]), est.predict(X[:, 1:]), rtol=1e-4,
                               atol=1e-4)


def test_keras_model_export_onnx(tmp_path):
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model(X[:2])  # export needs a model that has been called
    path = tmp_path / "keras.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.export(str(path), format="onnx", verbose=False)
    net = hl.load_model(path)
    assert net.sizes == [4, 5, 3] and net.activations == ["relu", "softmax"]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    expected = session.run(None, {session.get_inputs()[0].name: X})[0]
    np.testing.assert_allclose(net.predict_proba(X), expected, atol=1e-5)
    keras_proba = keras.ops.convert_to_numpy(model.predict(X, verbose=0))
    np.testing.assert_allclose(net.predict_proba(X), keras_proba, atol=1e-5)
