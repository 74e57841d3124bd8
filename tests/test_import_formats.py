"""load_model and `hiddenlens import`: formats recognised by content, pickles refused."""

import gzip
import pickle
import re
import sys
import zipfile

import numpy as np
import pytest
import torch
from torch import nn
from typer.testing import CliRunner

import hiddenlens as hl
from hiddenlens.cli import app, main
from hiddenlens.io import sniff

ADVICE = (
    "which hiddenlens never loads because unpickling runs whatever code the file names; "
    "export the network instead as a Keras (.keras/.h5), ONNX or network2.py JSON file, or "
    "as arrays with numpy.savez, or pass the live object to hiddenlens.from_torch, "
    "from_sklearn or from_arrays"
)


class Payload:
    """Unpickling this creates a file: proof that a loader ran code from the file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return open, (self.marker, "w")


@pytest.fixture
def torch_net():
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 3), nn.Softmax(dim=1))
    return module, hl.from_torch(module, class_names=["a", "b", "c"])


def test_sniff_names_each_format(tmp_path, torch_net):
    module, net = torch_net
    hl.save_model(net, tmp_path / "m.safetensors")
    hl.to_onnx(net, tmp_path / "m.onnx")
    torch.save(module.state_dict(), tmp_path / "m.pt")
    np.savez(tmp_path / "m.npz", weights_0=np.ones((2, 3)))
    kinds = {name: sniff((tmp_path / name).read_bytes())
             for name in ("m.safetensors", "m.onnx", "m.pt", "m.npz")}
    assert kinds == {"m.safetensors": "hiddenlens", "m.onnx": "onnx", "m.pt": "torch-zip",
                     "m.npz": "npz"}
    assert sniff(pickle.dumps([1, 2], protocol=0)) == "pickle"
    assert sniff(pickle.dumps({"w": np.ones(3)}, protocol=5)) == "pickle"
    assert sniff(gzip.compress(pickle.dumps((1, 2), protocol=2))) == "gzip-pickle"
    assert sniff(b"\x89HDF\r\n\x1a\n" + bytes(100)) == "hdf5"
    assert sniff(b'{"sizes": [2, 1]}') == "json"
    assert sniff(b"plain text, no model") == "unknown"


def test_round_trip_save_load_predict_is_exact(tmp_path, torch_net):
    _, net = torch_net
    wide = hl.from_arrays([np.random.default_rng(0).standard_normal((4, 784))],
                          [np.zeros(4)], output_activation="softmax")
    X = np.random.default_rng(1).random((50, 784))
    for model, inputs in ((net, X[:, :6]), (wide, X)):
        path = hl.save_model(model, tmp_path / f"{model.describe_sizes()}.safetensors")
        back = hl.load_model(path)
        np.testing.assert_array_equal(back.predict_proba(inputs), model.predict_proba(inputs))
        assert (back.class_names, back.image_shape, back.dtype) == \
            (model.class_names, model.image_shape, model.dtype)


def test_pickles_are_refused_without_running_them(tmp_path, torch_net):
    marker = tmp_path / "ran"
    path = tmp_path / "network.pkl"
    path.write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises(ValueError, match=re.escape(f"{path} is a Python pickle, {ADVICE}.")):
        hl.load_model(path)
    old = tmp_path / "old.p"
    old.write_bytes(pickle.dumps(Payload(marker), protocol=0))
    with pytest.raises(ValueError, match=re.escape(f"{old} is a Python pickle, {ADVICE}.")):
        hl.load_model(old)
    assert not marker.exists()


def test_torch_save_and_gzip_pickles_are_refused(tmp_path, torch_net):
    module, _ = torch_net
    path = tmp_path / "model.pt"
    torch.save(module.state_dict(), path)
    with pytest.raises(ValueError, match=re.escape(
        f"{path} was written by torch.save and holds a pickle, {ADVICE} (e.g. rebuild the "
        "nn.Sequential, load the state dict yourself with torch.load(..., weights_only=True) "
        "and call hiddenlens.from_torch).")):
        hl.load_model(path)
    gz = tmp_path / "mnist.pkl.gz"
    gz.write_bytes(gzip.compress(pickle.dumps((np.zeros(3), np.ones(3)), protocol=2)))
    with pytest.raises(ValueError, match=re.escape(
        f"{gz} is a gzip-compressed Python pickle, {ADVICE}. If it is Nielsen's mnist.pkl.gz, "
        "it is a data set, not a model: pass it with --data.")):
        hl.load_model(gz)


def test_empty_missing_and_unknown_files(tmp_path):
    empty = tmp_path / "empty.keras"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=re.escape(f"{empty} is empty; it holds no model.")):
        hl.load_model(empty)
    with pytest.raises(FileNotFoundError, match=re.escape(
        f"No such model file: {tmp_path / 'nope.h5'}.")):
        hl.load_model(tmp_path / "nope.h5")
    text = tmp_path / "notes.txt"
    text.write_text("these are not weights\n")
    with pytest.raises(ValueError, match=re.escape(
        f"{text} is not a model file hiddenlens can read: it is none of a hiddenlens model, a "
        "Keras .keras/.h5 file, a network2.py JSON file, an ONNX model or an .npz of weights "
        "(is it truncated?).")):
        hl.load_model(text)
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("readme.md", "hi")
        z.writestr("weights.bin", b"\x00" * 8)
    with pytest.raises(ValueError, match=re.escape(
        f"{archive} is a zip archive but not a Keras file: a .keras file holds config.json and "
        "model.weights.h5, this one holds readme.md, weights.bin.")):
        hl.load_model(archive)


def test_truncated_hiddenlens_model(tmp_path, torch_net):
    path = hl.save_model(torch_net[1], tmp_path / "m.safetensors")
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match=re.escape(f"{cut} is truncated or is not a safetensors "
                                                   "file")):
        hl.load_model(cut)


def test_cli_imports_and_exports_onnx(tmp_path, torch_net):
    _, net = torch_net
    onnx_path = hl.to_onnx(net, tmp_path / "in.onnx")
    out = tmp_path / "out.safetensors"
    result = CliRunner().invoke(app, ["import", str(onnx_path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # rich wraps lines at the terminal width
    assert said.startswith("Imported DenseNet(6-5-3, activation='tanh', "
                           "output_activation='softmax', dtype=float32) from ")
    assert "in.onnx (ONNX model, classes a, b, c). Written to " in said
    assert said.endswith("it predicts the same (max abs difference 0.0e+00 on 64 random "
                         "inputs).")
    X = np.random.default_rng(0).random((10, 6))
    np.testing.assert_array_equal(hl.load_model(out).forward(X), net.forward(X))
    again = CliRunner().invoke(app, ["import", str(out), "-o", str(tmp_path / "again.onnx")])
    assert again.exit_code == 0 and (tmp_path / "again.onnx").exists()


def test_cli_npz_activations_and_refusals(tmp_path, monkeypatch, capsys):
    rng = np.random.default_rng(0)
    npz = tmp_path / "net.npz"
    np.savez(npz, w0=rng.standard_normal((3, 4)), b0=np.zeros(3), w1=rng.standard_normal((2, 3)),
             b1=np.zeros(2))
    out = tmp_path / "net.safetensors"
    result = CliRunner().invoke(app, ["import", str(npz), "-o", str(out), "--activation", "relu",
                                      "--output-activation", "softmax"])
    assert result.exit_code == 0, result.output
    assert hl.load_model(out).activations == ["relu", "softmax"]
    # main() prints the one sentence and exits 1, no traceback
    monkeypatch.setattr(sys, "argv", ["hiddenlens", "import", str(npz), "-o", str(out)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    assert "already exists; pass --force to replace it" in capsys.readouterr().err
    path = tmp_path / "net.pkl"
    path.write_bytes(pickle.dumps({"w": [1.0]}))
    monkeypatch.setattr(sys, "argv", ["hiddenlens", "import", str(path), "-o",
                                      str(tmp_path / "x.safetensors")])
    with pytest.raises(SystemExit):
        main()
    err = " ".join(capsys.readouterr().err.split())
    assert "is a Python pickle, which hiddenlens never loads because unpickling runs" in err
    with pytest.raises(ValueError, match=re.escape(
        f"{out} is a hiddenlens model, which carries its own settings; the options activation "
        "are for importing other formats.")):
        result = CliRunner().invoke(app, ["import", str(out), "-o", str(tmp_path / "y.onnx"),
                                          "--activation", "tanh"])
        raise result.exception


def test_logits_get_an_output_activation_on_request(tmp_path):
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))  # CrossEntropyLoss style
    X = np.random.default_rng(0).random((20, 6)).astype(np.float32)
    with torch.no_grad():
        expected = torch.softmax(module(torch.from_numpy(X)), dim=1).numpy()
    net = hl.from_torch(module, output_activation="softmax")
    assert net.task == "classification"
    assert np.abs(net.predict_proba(X) - expected).max() <= 1e-6
    path = hl.to_onnx(hl.from_torch(module), tmp_path / "logits.onnx")
    assert hl.load_model(path).task == "regression"
    out = tmp_path / "probabilities.safetensors"
    result = CliRunner().invoke(app, ["import", str(path), "-o", str(out),
                                      "--output-activation", "softmax"])
    assert result.exit_code == 0, result.output
    assert np.abs(hl.load_model(out).predict_proba(X) - expected).max() <= 1e-6
    with pytest.raises(ValueError, match=re.escape(
        "the nn.Sequential already ends in softmax; `output_activation='sigmoid'` can only be "
        "put on a network that ends in logits (a linear output layer).")):
        hl.from_torch(nn.Sequential(nn.Linear(6, 3), nn.Softmax(dim=1)),
                      output_activation="sigmoid")
    with pytest.raises(ValueError, match=re.escape(
        f"activation cannot be set when loading {path}, a ONNX model; the options are "
        "class_names, feature_names, image_shape, output_activation, task (activation only for "
        "files of arrays).")):
        hl.load_model(path, activation="relu")


def test_safetensors_state_dict_needs_its_activations(tmp_path):
    from safetensors.torch import save_file

    torch.manual_seed(0)
    module = nn.Sequential(*[m for i in range(6) for m in (nn.Linear(4, 4), nn.ReLU())],
                           nn.Linear(4, 2), nn.Softmax(dim=1))  # layers 0, 2, ..., 10, 12
    path = tmp_path / "state_dict.safetensors"
    save_file(module.state_dict(), path)
    assert sniff(path.read_bytes()) == "safetensors"
    with pytest.raises(ValueError, match=re.escape(
        f"{path} holds the weights of 7 dense layers (0, 2, 4, 6, 8, 10, 12) but not their "
        "activations; pass activation= and output_activation= (--activation and "
        "--output-activation on the command line).")):
        hl.load_model(path)
    net = hl.load_model(path, activation="relu", output_activation="softmax")
    X = np.random.default_rng(0).random((10, 4)).astype(np.float32)
    with torch.no_grad():
        expected = module(torch.from_numpy(X)).numpy()
    assert np.abs(net.predict_proba(X) - expected).max() <= 1e-6
    norm = tmp_path / "batchnorm.safetensors"
    save_file(nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3)).state_dict(), norm)
    with pytest.raises(ValueError, match=re.escape(
        f"{norm} is a safetensors file but not a hiddenlens-model file, nor a state dict of "
        "dense layers ('<layer>.weight' matrices and '<layer>.bias' vectors): it also holds "
        "1.bias, 1.num_batches_tracked, 1.running_mean, 1.running_var, 1.weight.")):
        hl.load_model(norm)
