"""Hypothesis fuzzing of every reader: random bytes, mutated real files of each format, junk
metadata and junk Keras configurations. Whatever the input, a reader returns a network or
raises ValueError, TypeError or an OSError whose message is one sentence naming the file.
Bounded in examples so the module runs in seconds."""

import atexit
import gzip
import io
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hiddenlens as hl
from _bad_inputs import check_sentence, keras_config, keras_file, nielsen_pickle, pickled_array
from hiddenlens.data import _mnist
from hiddenlens.io import _isolate, _native

FOLDER = Path(tempfile.mkdtemp(prefix="hiddenlens-fuzz-"))
atexit.register(shutil.rmtree, FOLDER, True)
NET = hl.DenseNet([4, 3, 2], "relu", random_state=0, class_names=["a", "b"])
FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))
FUZZ_FORKING = settings(FUZZ, max_examples=80)  # each Keras/HDF5 example forks a child


def attempt(load, data: bytes, name: str = "fuzzed.bin"):
    """Write `data` and load it: a network, or one sentence naming the file."""
    path = FOLDER / name
    path.write_bytes(data)
    try:
        load(path)
    except (ValueError, TypeError, OSError) as exc:
        check_sentence(exc, path)


def _state_dict() -> bytes:
    from safetensors.numpy import save

    return save({"0.weight": np.ones((3, 4), "f4"), "0.bias": np.zeros(3, "f4"),
                 "2.weight": np.ones((2, 3), "f4"), "2.bias": np.zeros(2, "f4")})


def _h5() -> bytes:
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        h5.attrs["model_config"] = json.dumps(keras_config())
        for name, shape in (("dense", (4, 3)), ("dense_1", (3, 2))):
            group = h5.create_group(f"model_weights/{name}")
            group.attrs["weight_names"] = [b"kernel", b"bias"]
            group["kernel"], group["bias"] = np.ones(shape, "f4"), np.zeros(shape[1], "f4")
    return buffer.getvalue()


def _npz() -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, weights_0=np.ones((3, 4)), biases_0=np.zeros(3),
                        weights_1=np.ones((2, 3)), biases_1=np.zeros(2),
                        activation=np.array("relu"), output_activation=np.array("softmax"))
    return buffer.getvalue()


def _write(writer) -> bytes:
    path = FOLDER / "original"
    path.unlink(missing_ok=True)
    writer(path)
    return path.read_bytes()


REAL = {
    "hiddenlens": _write(lambda p: hl.save_model(NET, p)),
    "onnx": _write(lambda p: hl.to_onnx(NET, p)),
    "keras": keras_file(),
    "h5": _h5(),
    "npz": _npz(),
    "network2": json.dumps({"sizes": [4, 2], "weights": [[[1, 2, 3, 4]] * 2],
                            "biases": [[[0], [1]]]}).encode(),
    "state-dict": _state_dict(),
}
PREFIXES = [b"", b"PK\x03\x04", b"\x89HDF\r\n\x1a\n", b"\x1f\x8b\x08", b"{", b"[", b"\x80\x02",
            b"\x80\x05\x95", b"\x08\x08\x12", b"(\x00\x00\x00\x00\x00\x00\x00{"]


@pytest.fixture(autouse=True, scope="module")
def _short_hdf5_time_limit():
    """A mutated .h5 may hang libhdf5; here the child parsing it gets 3 s, not 30."""
    saved, _isolate.BASE_SECONDS = _isolate.BASE_SECONDS, 3.0
    yield
    _isolate.BASE_SECONDS = saved


def test_a_file_that_hangs_libhdf5_is_stopped_in_one_sentence():
    """Nine bytes inserted into a legacy .h5 make HDF5 2.0 loop forever reading its
    model_config attribute; the read is stopped, whatever this HDF5 version does with it."""
    import time

    data = bytearray(REAL["h5"])
    data[1007:1007] = b"\xaa\xb2\xd8\xbei\x00\xffC["
    data[6244] = ord("/")
    start = time.monotonic()
    attempt(hl.load_model, bytes(data), "hangs.h5")
    assert time.monotonic() - start < 3.0 + 10


def test_the_real_files_load():
    for kind, data in REAL.items():
        options = ({"activation": "relu", "output_activation": "softmax"}
                   if kind == "state-dict" else {})
        path = FOLDER / f"real-{kind}"
        path.write_bytes(data)
        assert hl.load_model(path, **options).n_inputs == 4


@FUZZ
@given(st.sampled_from(PREFIXES), st.binary(max_size=600))
def test_random_bytes(prefix, tail):
    attempt(hl.load_model, prefix + tail)


@st.composite
def mutated(draw, kind):
    data = bytearray(REAL[kind])
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        where = draw(st.integers(0, len(data) - 1))
        how = draw(st.sampled_from(["flip", "cut", "insert", "zero"]))
        if how == "flip":
            data[where] ^= draw(st.integers(1, 255))
        elif how == "cut":
            del data[where:where + draw(st.integers(1, 64))]
        elif how == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=16))
        else:
            data[where:where + 8] = bytes(8)
    return bytes(data or b"x")


@pytest.mark.parametrize("kind", list(REAL))
def test_mutated_real_files(kind):
    options = {"activation": "relu", "output_activation": "softmax"} if kind == "state-dict" else {}

    @(FUZZ_FORKING if kind in ("keras", "h5") else FUZZ)
    @given(mutated(kind))
    def check(data):
        attempt(lambda p: hl.load_model(p, **options), data, f"mutated-{kind}")

    check()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=4),
    max_leaves=12)
KEYS = ["sizes", "activations", "dtype", "task", "image_shape", "class_names",
        "feature_names", "dataset", "history", "format_version"]


@FUZZ
@given(st.sampled_from(KEYS), JSON)
def test_junk_metadata_in_a_hiddenlens_file(key, value):
    meta = dict(_native.model_metadata(NET), **{key: value})
    attempt(hl.load_model, _native.pack(_native.model_tensors(NET), meta), "junk.safetensors")


@FUZZ_FORKING
@given(st.integers(0, 2), st.sampled_from(["class_name", "config", "name", "units",
                                           "activation", "use_bias", "batch_shape", "scale"]),
       JSON)
def test_junk_keras_configuration(layer, key, value):
    config = keras_config()
    target = config["config"]["layers"][layer]
    (target if key in ("class_name", "config") else target["config"])[key] = value
    attempt(hl.load_model, keras_file(config=json.dumps(config)), "junk.keras")


@FUZZ
@given(st.sampled_from([b"", b"\x00\x00\x08\x01", b"\x00\x00\x08\x03"]), st.binary(max_size=300),
       st.booleans())
def test_idx_reader(prefix, tail, zipped):
    data = gzip.compress(prefix + tail) if zipped else prefix + tail
    attempt(_mnist.read_idx, data, "images-idx3-ubyte.gz" if zipped else "images-idx3-ubyte")


X = pickled_array((2, 784), b"f4", bytes(2 * 784 * 4))
Y = pickled_array((2,), b"i8", bytes(16))


@FUZZ
@given(st.integers(0, 200), st.binary(min_size=1, max_size=8))
def test_nielsen_pickle_reader(where, patch):
    data = bytearray(nielsen_pickle(X, Y))
    data[where:where + len(patch)] = patch
    attempt(_mnist.load_nielsen_pickle, gzip.compress(bytes(data)), "mnist.pkl.gz")
