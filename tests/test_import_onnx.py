"""from_onnx and DenseNet.to_onnx, against onnxruntime and torch's own ONNX export."""

import re
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

import hiddenlens as hl


@pytest.fixture(scope="module")
def digits():
    return hl.load_dataset("mnist-embedded").X_test[::10]


def _run(path, X, dtype=np.float32):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return session.run(None, {name: np.asarray(X, dtype=dtype)})[0]


@pytest.mark.parametrize("activation, output, dtype", [
    ("sigmoid", "sigmoid", torch.float32), ("relu", "softmax", torch.float32),
    (["tanh", "linear"], "softmax", torch.float64),
])
def test_exported_graph_runs_in_onnxruntime_and_comes_back(tmp_path, digits, activation,
                                                          output, dtype):
    sizes = [784, 20, 10] if isinstance(activation, str) else [784, 20, 15, 10]
    net = hl.DenseNet(sizes, activation, output, dtype, random_state=3, image_shape=(28, 28),
                      class_names=list("abcdefghij"))
    path = hl.to_onnx(net, tmp_path / "net.onnx")
    np_dtype = np.float64 if dtype == torch.float64 else np.float32
    assert np.abs(_run(path, digits, np_dtype) - net.forward(digits)).max() <= 1e-5
    back = hl.load_model(path)
    assert back.activations == net.activations and back.class_names == net.class_names
    assert back.image_shape == (28, 28) and back.dtype == dtype
    np.testing.assert_array_equal(back.forward(digits), net.forward(digits))


def test_standardised_model_exports_its_preprocessing(tmp_path):
    ds = hl.load_dataset("iris")
    net = hl.DenseNet([4, 6, 3], "tanh", random_state=0, feature_names=ds.feature_names)
    net.set_preprocessing(ds.X_train.mean(axis=0), ds.X_train.std(axis=0))
    path = hl.to_onnx(net, tmp_path / "iris.onnx")
    assert np.abs(_run(path, ds.X_test) - net.forward(ds.X_test)).max() <= 1e-5
    back = hl.from_onnx(path)
    np.testing.assert_allclose(back.preprocessing["mean"], net.preprocessing["mean"])
    assert back.feature_names == ds.feature_names
    np.testing.assert_array_equal(back.forward(ds.X_test), net.forward(ds.X_test))


def test_torch_exported_onnx_imports(tmp_path, digits):
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10),
                           nn.Softmax(dim=1)).eval()
    path = tmp_path / "torch.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.zeros(1, 784),), str(path), dynamo=False,
                          input_names=["x"], dynamic_axes={"x": {0: "n"}})
    net = hl.from_onnx(path)
    assert net.sizes == [784, 32, 10] and net.activations == ["relu", "softmax"]
    assert np.abs(net.forward(digits) - _run(path, digits)).max() <= 1e-5


def _graph(nodes, inits, n_in, n_out, path):
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", n_in])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", n_out])],
        initializer=[numpy_helper.from_array(v.astype(np.float32), k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.save(model, path)
    return path


def test_matmul_add_and_gemm_with_alpha_beta(tmp_path):
    rng = np.random.default_rng(0)
    inits = {"W1": rng.standard_normal((5, 4)), "b1": rng.standard_normal(4),
             "W2": rng.standard_normal((4, 3)), "b2": rng.standard_normal((1, 3))}
    nodes = [helper.make_node("Flatten", ["x"], ["f"], axis=1),
             helper.make_node("MatMul", ["f", "W1"], ["m1"]),
             helper.make_node("Add", ["m1", "b1"], ["z1"]),
             helper.make_node("Tanh", ["z1"], ["a1"]),
             helper.make_node("Gemm", ["a1", "W2", "b2"], ["z2"], alpha=0.5, beta=2.0),
             helper.make_node("Sigmoid", ["z2"], ["y"])]
    path = _graph(nodes, inits, 5, 3, tmp_path / "matmul.onnx")
    net = hl.from_onnx(path)
    assert net.sizes == [5, 4, 3] and net.activations == ["tanh", "sigmoid"]
    X = rng.random((30, 5))
    assert np.abs(net.forward(X) - _run(path, X)).max() <= 1e-5


def test_unsupported_nodes_and_branches(tmp_path):
    w = {"W": np.ones((4, 3)), "b": np.zeros(3)}
    nodes = [helper.make_node("Gemm", ["x", "W", "b"], ["z"], name="fc"),
             helper.make_node("LeakyRelu", ["z"], ["y"], name="leaky")]
    path = _graph(nodes, w, 4, 3, tmp_path / "leaky.onnx")
    with pytest.raises(ValueError, match=re.escape(
        f"node 1 (LeakyRelu 'leaky') of {path} is not supported; hiddenlens imports graphs made "
        "of Gemm, MatMul+Add, Sigmoid, Relu, Tanh, Softmax, LogSoftmax, Identity, Dropout, "
        "Flatten, Reshape, Cast to float, Scaler, and a classifier's ArgMax and ZipMap.")):
        hl.load_model(path)
    nodes = [helper.make_node("Gemm", ["x", "W", "b"], ["z"], name="fc"),
             helper.make_node("Add", ["z", "x"], ["y"], name="skip")]
    path = _graph(nodes, w, 4, 3, tmp_path / "skip.onnx")
    with pytest.raises(ValueError, match=re.escape(
        f"node 1 (Add 'skip') of {path} reads ['z', 'x'] instead of the output of the layer "
        "before it; hiddenlens imports one chain of dense layers.")):
        hl.from_onnx(path)


def test_truncated_onnx_and_existing_output(tmp_path):
    net = hl.DenseNet([4, 3, 2], random_state=0)
    path = hl.to_onnx(net, tmp_path / "net.onnx")
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(path.read_bytes()[:100])
    message = f"{cut} is truncated or is not an ONNX model; it cannot be read."
    with pytest.raises(ValueError, match=re.escape(message)):
        hl.from_onnx(cut)
    with pytest.raises(ValueError, match=re.escape(message)):
        hl.load_model(cut)
    with pytest.raises(FileExistsError, match=re.escape(
        f"{path} already exists; pass overwrite=True (--force on the command line) to replace "
        "it.")):
        hl.to_onnx(net, path)


def test_external_data_is_read_from_beside_the_model(tmp_path, digits):
    net = hl.DenseNet([784, 16, 10], "relu", random_state=1)
    path = hl.to_onnx(net, tmp_path / "inline.onnx")
    external = tmp_path / "external.onnx"
    onnx.save_model(onnx.load(path), external, save_as_external_data=True,
                    all_tensors_to_one_file=True, location="external.data", size_threshold=0)
    np.testing.assert_array_equal(hl.load_model(external).forward(digits), net.forward(digits))
    (tmp_path / "external.data").unlink()
    with pytest.raises(FileNotFoundError, match=re.escape(
        f"initializer 'weights.0' of {external} keeps its values in the external data file "
        f"external.data, which is not beside the model; keep it next to {external} under that "
        "name.")):
        hl.from_onnx(external)


def test_input_scaling_ops_before_the_first_layer(tmp_path):
    rng = np.random.default_rng(1)
    inits = {"k255": np.array([1 / 255]), "half": np.array([0.5]), "sd": rng.random(6) + 0.5,
             "W": rng.standard_normal((3, 6)), "b": rng.standard_normal(3),
             "neg": np.array([-1.0])}
    nodes = [helper.make_node("Mul", ["x", "k255"], ["m"]),
             helper.make_node("Sub", ["m", "half"], ["s"]),
             helper.make_node("Div", ["s", "sd"], ["d"]),
             helper.make_node("Gemm", ["d", "W", "b"], ["z"], transB=1),
             helper.make_node("Softmax", ["z"], ["y"], axis=1)]
    path = _graph(nodes, inits, 6, 3, tmp_path / "scaled.onnx")
    X = rng.random((20, 6)) * 255
    net = hl.from_onnx(path)
    assert net.preprocessing is not None
    assert np.abs(net.forward(X) - _run(path, X)).max() <= 1e-5
    nodes[0] = helper.make_node("Mul", ["x", "neg"], ["m"])
    path = _graph(nodes, inits, 6, 3, tmp_path / "negative.onnx")
    with pytest.raises(ValueError, match=re.escape(
        f"{path} scales its input by a negative, zero or infinite factor.")):
        hl.from_onnx(path)


def test_constant_first_operands_are_refused(tmp_path):
    inits = {"c": np.array([0.5]), "W": np.ones((3, 6)), "b": np.zeros(3)}
    for op, inputs in [("Sub", ["c", "x"]), ("Div", ["c", "x"])]:
        nodes = [helper.make_node(op, inputs, ["s"]),
                 helper.make_node("Gemm", ["s", "W", "b"], ["y"], transB=1)]
        path = _graph(nodes, inits, 6, 3, tmp_path / f"{op}.onnx")
        with pytest.raises(ValueError, match=re.escape(
            f"node 0 ({op}) of {path} takes its data as the second operand; hiddenlens imports "
            "x @ W, x - c and x / c with the data first.")):
            hl.from_onnx(path)
        _run(path, np.ones((2, 6)))  # the graph itself is valid ONNX: c - x, c / x
