"""Model files: exact round trip, atomic writes, and one sentence for every broken file."""

import json

import numpy as np
import pytest
import torch

import hiddenlens as hl
from hiddenlens.io import _native


@pytest.fixture(scope="module")
def trained():
    return hl.train(hl.DenseNet([4, 5, 3], "tanh"), hl.load_dataset("iris"), epochs=3,
                    progress=False)


def test_round_trip_is_exact(tmp_path, trained):
    path = tmp_path / "iris.safetensors"
    hl.save_model(trained, path)
    loaded = hl.load_model(path)
    X = hl.load_dataset("iris").X_test
    np.testing.assert_array_equal(loaded.predict_proba(X), trained.predict_proba(X))
    for a, b in zip(loaded.weights + loaded.biases, trained.weights + trained.biases):
        np.testing.assert_array_equal(a, b)
    assert loaded.sizes == [4, 5, 3] and loaded.activations == ["tanh", "softmax"]
    assert loaded.feature_names == trained.feature_names and loaded.data_name == "iris"
    assert loaded.class_names == ["setosa", "versicolor", "virginica"]
    assert loaded.history == trained.history
    np.testing.assert_array_equal(loaded.preprocessing["scale"], trained.preprocessing["scale"])


def test_float64_and_mixed_activations_round_trip(tmp_path):
    net = hl.DenseNet([6, 5, 4, 2], ["relu", "sigmoid"], "linear", dtype=torch.float64)
    hl.save_model(net, tmp_path / "m.safetensors")
    loaded = hl.load_model(tmp_path / "m.safetensors")
    assert loaded.dtype == torch.float64 and loaded.activation == ["relu", "sigmoid"]
    X = np.random.RandomState(0).randn(3, 6)
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))


def test_existing_path_is_refused_without_overwrite(tmp_path, trained):
    path = tmp_path / "m.safetensors"
    path.write_text("precious")
    with pytest.raises(FileExistsError, match="already exists; pass overwrite=True "
                                              r"\(--force on the command line\)"):
        hl.save_model(trained, path)
    assert path.read_text() == "precious"
    hl.save_model(trained, path, overwrite=True)
    assert hl.load_model(path).sizes == [4, 5, 3]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]  # no temp left


def test_truncated_file(tmp_path, trained):
    path = tmp_path / "m.safetensors"
    hl.save_model(trained, path)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ValueError, match="is truncated or is not a safetensors file"):
        hl.load_model(path)


def test_altered_file(tmp_path, trained):
    path = tmp_path / "m.safetensors"
    hl.save_model(trained, path)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF  # flip bits in the last tensor
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="has been altered since hiddenlens wrote it"):
        hl.load_model(path)


def test_newer_format_version(tmp_path, trained):
    tensors = _native.model_tensors(trained)
    meta = dict(_native.model_metadata(trained), format_version=99, hiddenlens_version="9.0")
    path = tmp_path / "m.safetensors"
    path.write_bytes(_native.pack(tensors, meta))
    with pytest.raises(ValueError, match="was written by hiddenlens 9.0 in file format version "
                                         "99; this hiddenlens .* reads up to version 2: upgrade"):
        hl.load_model(path)


def test_other_safetensors_file(tmp_path):
    from safetensors.numpy import save_file

    path = tmp_path / "other.safetensors"
    save_file({"w": np.zeros(3, np.float32)}, str(path))
    with pytest.raises(ValueError, match="is a safetensors file but not a hiddenlens-model file"):
        hl.load_model(path)


def test_empty_missing_and_pickle_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such model file"):
        hl.load_model(tmp_path / "nope.safetensors")
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(ValueError, match="is empty; it holds no model"):
        hl.load_model(tmp_path / "empty")
    import pickle

    (tmp_path / "model.pkl").write_bytes(pickle.dumps({"w": [1, 2]}))
    with pytest.raises(ValueError, match="is a Python pickle, which hiddenlens never loads"):
        hl.load_model(tmp_path / "model.pkl")


def test_metadata_is_readable_json(tmp_path, trained):
    path = tmp_path / "m.safetensors"
    hl.save_model(trained, path)
    header_len = int.from_bytes(path.read_bytes()[:8], "little")
    header = json.loads(path.read_bytes()[8 : 8 + header_len])
    meta = json.loads(header["__metadata__"]["hiddenlens"])
    assert meta["sizes"] == [4, 5, 3] and meta["format"] == "hiddenlens-model"


def test_altered_header_is_caught(tmp_path, trained):
    path = tmp_path / "m.safetensors"
    hl.save_model(trained, path)
    data = path.read_bytes()
    edited = data.replace(b'\\"tanh\\"', b'\\"relu\\"')  # same length: the header still parses
    assert edited != data
    path.write_bytes(edited)
    with pytest.raises(ValueError, match="has been altered since hiddenlens wrote it: its "
                                         "tensors or settings"):
        hl.load_model(path)


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    from hiddenlens._files import atomic_path

    path = tmp_path / "out.png"
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("the writer failed half way")
    assert list(tmp_path.iterdir()) == []


def test_version_1_files_still_load(tmp_path, trained):
    from safetensors.numpy import save

    tensors = _native.model_tensors(trained)
    meta = dict(_native.model_metadata(trained), format_version=1,
                sha256=_native.checksum(tensors, None))  # version 1: tensors only
    path = tmp_path / "v1.safetensors"
    path.write_bytes(save(tensors, metadata={"hiddenlens": json.dumps(meta)}))
    X = hl.load_dataset("iris").X_test
    np.testing.assert_array_equal(hl.load_model(path).predict_proba(X), trained.predict_proba(X))


def test_a_folder_is_not_a_file_to_write(tmp_path, trained):
    with pytest.raises(IsADirectoryError, match="is a folder; give a file name to write to"):
        hl.save_model(trained, tmp_path)
