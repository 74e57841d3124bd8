"""from_keras: real Keras 3 files (.keras and legacy .h5) read with json and h5py only."""

import os

os.environ["KERAS_BACKEND"] = "torch"  # before keras is imported: no TensorFlow here

import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import zipfile  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from keras import layers  # noqa: E402

import hiddenlens as hl  # noqa: E402

# keras' torch backend warns about numpy 2's __array__ copy keyword; not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
SUPPORTED = ("Dense, Activation, ReLU, Softmax, InputLayer, Flatten, Dropout, and Rescaling or "
             "Normalization before the first Dense")


@pytest.fixture(scope="module")
def digits():
    ds = hl.load_dataset("mnist-embedded", train_size=300)
    return ds.X_train, ds.y_train, ds.X_test[::10]  # 100 test digits of every class


def _save(model, folder, name):
    paths = folder / f"{name}.keras", folder / f"{name}.h5"
    for path in paths:
        model.save(path)
    return paths


@pytest.fixture(scope="module")
def trained(tmp_path_factory, digits):
    """A small MLP fitted one epoch on 300 real digits, saved as .keras and .h5."""
    X, y, _ = digits
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((784,)), layers.Dense(16, activation="relu"), layers.Dropout(0.2),
        layers.Dense(12), layers.Activation("tanh"), layers.Dense(10, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(X, y, epochs=1, batch_size=32, verbose=0)
    return model, _save(model, tmp_path_factory.mktemp("keras"), "mlp")


@pytest.mark.parametrize("which", [0, 1], ids=["keras", "h5"])
def test_trained_sequential_predicts_like_keras(trained, digits, which):
    model, paths = trained
    net = hl.from_keras(paths[which])
    assert net.sizes == [784, 16, 12, 10] and net.activations == ["relu", "tanh", "softmax"]
    assert net.image_shape == (28, 28)
    X_test = digits[2]
    expected = model.predict(X_test, verbose=0)
    assert np.abs(net.predict_proba(X_test) - expected).max() <= 1e-5
    np.testing.assert_array_equal(net.weights[2], model.layers[-1].kernel.numpy().T)


def test_format_found_by_content_not_name(trained, digits, tmp_path):
    model, paths = trained
    for path, disguise in zip(paths, ("model.bin", "model.keras")):  # .h5 named .keras too
        shutil.copy(path, tmp_path / disguise)
        net = hl.load_model(tmp_path / disguise)
        assert np.abs(net.forward(digits[2]) - model.predict(digits[2], verbose=0)).max() <= 1e-5


def test_functional_chain_with_flatten_relu_and_binary_output(tmp_path, digits):
    keras.utils.set_random_seed(1)
    inputs = keras.Input((28, 28), name="digit")
    x = layers.Flatten(name="flat")(inputs)
    x = layers.Dense(8, name="h1")(x)
    x = layers.ReLU(name="r1")(x)
    x = layers.Dense(4, activation="sigmoid", name="h2")(x)
    outputs = layers.Dense(1, activation="sigmoid", name="out")(x)
    model = keras.Model(inputs, outputs)
    images = digits[2].reshape(-1, 28, 28)
    for path in _save(model, tmp_path, "functional"):
        net = hl.from_keras(path)
        assert net.activations == ["relu", "sigmoid", "sigmoid"] and net.n_classes == 2
        assert net.image_shape == (28, 28)
        assert np.abs(net.forward(images) - model.predict(images, verbose=0)).max() <= 1e-5


def test_keras_blog_784_512_256_10_imports(tmp_path, digits):
    keras.utils.set_random_seed(2)
    model = keras.Sequential([keras.Input((784,)), layers.Dense(512, activation="relu"),
                              layers.Dropout(0.2), layers.Dense(256, activation="relu"),
                              layers.Dropout(0.2), layers.Dense(10, activation="softmax")])
    path = tmp_path / "keras_blog.keras"
    model.save(path)
    net = hl.load_model(path)
    assert net.sizes == [784, 512, 256, 10]
    assert np.abs(net.predict_proba(digits[2]) - model.predict(digits[2], verbose=0)).max() <= 1e-5


@pytest.mark.parametrize("layer, label", [
    (lambda: layers.Conv2D(2, 3, name="conv"), "layer 'conv' (Conv2D)"),
    (lambda: layers.BatchNormalization(name="bn"), "layer 'bn' (BatchNormalization)"),
    (lambda: layers.LSTM(4, name="lstm"), "layer 'lstm' (LSTM)"),
])
def test_unsupported_layers_are_named(tmp_path, layer, label):
    shape = {"Conv2D": (8, 8, 1), "LSTM": (5, 3)}.get(label.split("(")[1][:-1], (6,))
    model = keras.Sequential([keras.Input(shape), layer(), layers.Flatten(),
                              layers.Dense(2, activation="softmax")])
    path = tmp_path / "unsupported.keras"
    model.save(path)
    with pytest.raises(ValueError, match=re.escape(
        f"{label} of {path} is not supported; hiddenlens imports dense networks made of "
        f"{SUPPORTED} layers.")):
        hl.from_keras(path)


def test_unsupported_activation_unflattened_input_and_branches(tmp_path):
    model = keras.Sequential([keras.Input((6,)), layers.Dense(4, activation="gelu", name="h"),
                              layers.Dense(2)])
    path = tmp_path / "gelu.keras"
    model.save(path)
    with pytest.raises(ValueError, match=re.escape(
        f"layer 'h' (Dense) of {path} uses activation 'gelu', which is not supported; "
        "hiddenlens imports linear, sigmoid, tanh, relu and softmax.")):
        hl.load_model(path)
    model = keras.Sequential([keras.Input((28, 28)), layers.Dense(4, name="rows"),
                              layers.Flatten(), layers.Dense(2)])
    path = tmp_path / "rows.keras"
    model.save(path)
    with pytest.raises(ValueError, match=re.escape(
        f"layer 'rows' (Dense) of {path} is applied to inputs of shape (28, 28) with no Flatten "
        "before it, so it acts on the last axis only; hiddenlens imports dense networks on flat "
        "inputs.")):
        hl.load_model(path)
    inputs = keras.Input((6,), name="x")
    a = layers.Dense(3, name="a")(inputs)
    b = layers.Dense(3, name="b")(inputs)
    model = keras.Model(inputs, layers.Add(name="sum")([a, b]))
    path = tmp_path / "branches.keras"
    model.save(path)
    with pytest.raises(ValueError, match=re.escape(
        f"{path} is a functional model whose layer 'b' takes ['x'], not the single layer before "
        "it; hiddenlens imports one chain of layers.")):
        hl.load_model(path)


def test_damaged_and_partial_files(tmp_path, trained):
    _, (keras_path, h5_path) = trained
    data = keras_path.read_bytes()
    cut = tmp_path / "cut.keras"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=re.escape(
        f"{cut} is a truncated or damaged zip archive")):
        hl.from_keras(cut)
    with pytest.raises(ValueError, match=re.escape(
        f"{cut} is a truncated or damaged zip archive; save the model again.")):
        hl.load_model(cut)
    cut_h5 = tmp_path / "cut.h5"
    cut_h5.write_bytes(h5_path.read_bytes()[:3000])
    with pytest.raises(ValueError, match=re.escape(f"{cut_h5} is truncated or is not a Keras/HDF5 "
                                                   "file; it cannot be read.")):
        hl.load_model(cut_h5)


def test_a_zip_that_is_not_keras(tmp_path):
    path = tmp_path / "notes.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")
    message = (f"{path} is a zip archive but not a Keras file: a .keras file holds config.json "
               "and model.weights.h5, this one holds notes.txt.")
    with pytest.raises(ValueError, match=re.escape(message)):
        hl.load_model(path)
    with pytest.raises(ValueError, match=re.escape(message)):
        hl.from_keras(path)


def test_weights_only_and_architecture_only_files(tmp_path):
    model = keras.Sequential([keras.Input((6,)), layers.Dense(2)])
    weights = tmp_path / "only.weights.h5"
    model.save_weights(weights)
    with pytest.raises(ValueError, match=re.escape(
        f"{weights} is an HDF5 file without a Keras model configuration (a weights-only file?); "
        "save the whole model with model.save('model.keras') and import that.")):
        hl.load_model(weights)
    architecture = tmp_path / "model.json"
    architecture.write_text(model.to_json())
    with pytest.raises(ValueError, match=re.escape(
        f"{architecture} holds a Keras architecture (model.to_json()) but no weights; save the "
        "whole model with model.save('model.keras') and import that.")):
        hl.load_model(architecture)


def test_import_needs_neither_keras_nor_tensorflow(trained, tmp_path):
    """The command line imports a .keras file in a Python where keras cannot be imported."""
    _, (keras_path, _) = trained
    out = tmp_path / "imported.safetensors"
    code = ("import sys; sys.modules['keras'] = None; sys.modules['tensorflow'] = None; "
            "from hiddenlens.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", code, "import", str(keras_path), "-o", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    X = np.random.default_rng(0).random((5, 784))
    expected = hl.from_keras(keras_path).forward(X)
    np.testing.assert_array_equal(hl.load_model(out).forward(X), expected)


def test_keras2_style_h5_written_by_hand(tmp_path):
    """tf.keras 2 .h5 layout: a list of layers, "batch_input_shape", "<name>/kernel:0"."""
    import json

    import h5py

    rng = np.random.default_rng(0)
    kernels = [rng.standard_normal((784, 20)), rng.standard_normal((20, 10))]
    biases = [rng.standard_normal(20), rng.standard_normal(10)]
    config = {"class_name": "Sequential", "config": [
        {"class_name": "Dense", "config": {"name": "dense_1", "units": 20, "activation": "relu",
                                           "use_bias": True, "batch_input_shape": [None, 784]}},
        {"class_name": "Dropout", "config": {"name": "dropout_1", "rate": 0.2}},
        {"class_name": "Dense", "config": {"name": "dense_2", "units": 10,
                                           "activation": "softmax", "use_bias": True}},
    ]}
    path = tmp_path / "keras2.h5"
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config).encode()
        f.attrs["keras_version"] = b"2.4.0"
        group = f.create_group("model_weights")
        for name, k, b in zip(("dense_1", "dense_2"), kernels, biases):
            layer = group.create_group(name)
            layer.attrs["weight_names"] = [f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()]
            layer[f"{name}/kernel:0"] = k.astype(np.float32)
            layer[f"{name}/bias:0"] = b.astype(np.float32)
    net = hl.load_model(path)
    X = np.random.default_rng(1).random((20, 784))
    hidden = np.maximum(X @ kernels[0].astype(np.float32) + biases[0].astype(np.float32), 0)
    logits = hidden @ kernels[1].astype(np.float32) + biases[1].astype(np.float32)
    expected = np.exp(logits - logits.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    assert net.sizes == [784, 20, 10] and np.abs(net.predict_proba(X) - expected).max() <= 1e-5


def test_nan_weights_in_a_keras_file(tmp_path):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="h"), layers.Dense(2)])
    kernel, bias = model.layers[0].get_weights()
    kernel[1, 1] = np.inf
    model.layers[0].set_weights([kernel, bias])
    path = tmp_path / "inf.keras"
    model.save(path)
    with pytest.raises(ValueError, match=re.escape(
        f"layer 'h' (Dense) of {path} contains NaN or infinite values; a network with such "
        "weights computes nothing meaningful, so fix or retrain it before importing.")):
        hl.load_model(path)


def test_rescaling_and_normalization_become_the_input_standardisation(tmp_path, digits):
    keras.utils.set_random_seed(3)
    ds = hl.load_dataset("iris")
    norm = layers.Normalization(name="norm")
    norm.adapt(ds.X_train)
    model = keras.Sequential([keras.Input((4,)), norm, layers.Dense(5, activation="tanh"),
                              layers.Dense(3, activation="softmax")])
    pixels = keras.Sequential([keras.Input((28, 28)), layers.Rescaling(1 / 255, offset=-0.5),
                               layers.Flatten(), layers.Dense(10, activation="softmax")])
    images = digits[2].reshape(-1, 28, 28) * 255
    for source, X in ((model, ds.X_test), (pixels, images)):
        for path in _save(source, tmp_path, source.name):
            net = hl.load_model(path)
            assert net.preprocessing is not None
            assert np.abs(net.forward(X) - source.predict(X, verbose=0)).max() <= 1e-5
    late = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Rescaling(2.0, name="r")])
    path = tmp_path / "late.keras"
    late.save(path)
    with pytest.raises(ValueError, match=re.escape(
        f"layer 'r' (Rescaling) after a dense layer of {path} is not supported")):
        hl.load_model(path)
