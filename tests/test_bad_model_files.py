"""Bad model files of every format, each built here: one sentence naming the file, nothing
written. Each row: (id, builder(tmp) -> path, exception type, words the sentence holds[,
load_model options]); the builders are in _model_builders.py."""

import json
import os
import zipfile

import numpy as np
import pytest

import hiddenlens as hl
from _bad_inputs import (
    check_sentence,
    deflate_zeros,
    keras_config,
    keras_file,
    keras_weights,
    nested,
    raw_zip,
    snapshot,
)
from _model_builders import (
    ARRAYS,
    DROP,
    N2,
    NET,
    W0,
    external,
    fifo,
    flip,
    folder,
    h5_extra,
    huge_dataset,
    keras,
    keras_layer,
    keras_with,
    legacy_h5,
    link_to,
    loop,
    member_zip,
    native,
    native_tensors,
    network2,
    node,
    npy_raw,
    npz,
    onnx_model,
    proto,
    put,
    raw_st,
    sock,
    string_dataset,
    string_tensor,
    tensor,
)

GEMM = [node("Gemm", ["x", "W", "b"], ["z"], transB=1)]
CASES = [
    # ---- the path itself
    ("missing", lambda t: t / "nope.keras", FileNotFoundError, "No such model file"),
    ("folder", folder, IsADirectoryError, "is a folder; give the model file inside it"),
    ("fifo", fifo, ValueError, "is a named pipe (FIFO), not a regular file"),
    ("socket", sock, ValueError, "is a socket, not a regular file"),
    ("device", lambda t: os.devnull, ValueError, "is a character device, not a regular file"),
    ("symlink-loop", loop, ValueError, "is a symbolic link that loops back on itself"),
    ("symlink-to-fifo", link_to(fifo), ValueError, "is a named pipe (FIFO)"),
    ("file-as-folder", lambda t: put("f", b"x")(t) / "model.onnx", FileNotFoundError,
     "a part of the path is a file"),
    ("empty", put("m.onnx", b""), ValueError, "is empty; it holds no model"),
    ("too-big", put("m.onnx", b"x" * 101), ValueError,
     "is 101 bytes, more than the 100 bytes a model file may be; if it really is one, pass "
     "max_bytes= to load_model (hiddenlens --max-model-mb N on the command line)",
     {"max_bytes": 100}),
    ("unknown-bytes", put("m.bin", b"\x00\x01garbage"), ValueError, "is not a model file"),
    # ---- hiddenlens model files (safetensors + JSON metadata; checksums recomputed)
    ("native-huge-sizes", native(sizes=[784, 4_000_000, 10]), ValueError,
     "at most 100,000,000 parameters"),
    ("native-no-sizes", native(sizes=DROP), ValueError, "does not record the network's sizes"),
    ("native-sizes-text", native(sizes="784"), ValueError, "records sizes '784'"),
    ("native-sizes-zero", native(sizes=[4, 0, 2]), ValueError, "records sizes [4, 0, 2]"),
    ("native-no-activations", native(activations=DROP), ValueError,
     "does not record the network's activations"),
    ("native-activations-count", native(activations=["relu"]), ValueError,
     "one activation name per layer"),
    ("native-activation-unknown", native(activations=["swish", "softmax"]), ValueError,
     "holds an inconsistent model"),
    ("native-dtype", native(dtype="float16"), ValueError, "records dtype 'float16'"),
    ("native-task", native(task="poetry"), ValueError, "records task 'poetry'"),
    ("native-image-shape", native(image_shape=[0, 28]), ValueError, "records image_shape"),
    ("native-class-names", native(class_names=5), ValueError, "records class_names 5"),
    ("native-class-count", native(class_names=["a", "b", "c"]), ValueError,
     "holds an inconsistent model"),
    ("native-feature-names", native(feature_names=[1, 2, 3, 4]), ValueError,
     "records feature_names"),
    ("native-dataset", native(dataset=["mnist"]), ValueError, "records dataset ['mnist']"),
    ("native-history-text", native(history="abc"), ValueError, "records history 'abc'"),
    ("native-history-junk", native(history=[{"loss": [1, 2]}]), ValueError, "records history"),
    ("native-long-int", native(epoch=int("9" * 400)), ValueError,
     "holds an integer of 400 digits"),
    ("native-deep-json", native(history=json.loads(nested(150))), ValueError,
     "nested more than 100 levels deep"),
    ("native-format", native(format="other"), ValueError, "is a 'other' file"),
    ("native-version", native(format_version="2"), ValueError, "in file format version 2"),
    ("native-missing-tensor", native_tensors(**{"weights.1": DROP}), ValueError,
     "is missing the tensor 'weights.1'"),
    ("native-wrong-shape", native_tensors(**{"weights.0": np.ones((4, 3), "f4")}), ValueError,
     "holds an inconsistent model"),
    ("native-nan", native_tensors(**{"biases.0": np.array([np.nan, 0, 0], "f4")}), ValueError,
     "NaN or infinity"),
    ("native-altered", lambda t: flip(native()(t), -3), ValueError, "has been altered"),
    ("native-metadata-not-json", raw_st({"__metadata__": {"hiddenlens": "{"}}), ValueError,
     "not a hiddenlens-model file written by hiddenlens"),
    ("native-metadata-list", raw_st({"__metadata__": {"hiddenlens": "[1]"}}), ValueError,
     "no hiddenlens metadata"),
    # ---- safetensors headers and tensors
    ("st-header-past-end", put("t.safetensors", (10**6).to_bytes(8, "little") + b"{}"),
     ValueError, "is truncated or is not a safetensors file"),
    ("st-header-damaged", raw_st('{"0.weight": '), ValueError, "is truncated or is not a"),
    ("st-header-deep", raw_st("{" + '"a":{' * 100_000 + "}" * 100_001), ValueError,
     "nested more than 100 levels deep"),
    ("st-int-weights", raw_st({"0.weight": tensor("I64", (3, 4), 0, 96)}, bytes(96)),
     ValueError, "stores tensor '0.weight' as int64"),
    ("st-f8", raw_st({"0.weight": tensor("F8_E4M3", (3, 4), 0, 12)}, bytes(12)), ValueError,
     "as 'F8_E4M3'"),
    ("st-negative-shape", raw_st({"0.weight": tensor(shape=(-3, 4))}, bytes(48)), ValueError,
     "a shape and byte range"),
    ("st-shape-mismatch", raw_st({"0.weight": tensor(shape=(3, 5))}, bytes(48)), ValueError,
     "does not fit its 48 bytes"),
    ("st-past-end", raw_st({"0.weight": tensor(end=4800)}, bytes(48)), ValueError,
     "ends past the end of the file"),
    ("st-offsets-text", raw_st({"0.weight": {**tensor(), "data_offsets": "ab"}}, bytes(48)),
     ValueError, "a shape and byte range"),
    ("st-no-dtype", raw_st({"0.weight": {"shape": [3, 4]}}), ValueError,
     "without a dtype, shape and byte range"),
    ("st-metadata-not-strings", raw_st({"__metadata__": {"a": 1}}), ValueError,
     "is truncated or is not a safetensors file"),
    ("st-no-activations", raw_st({"0.weight": tensor()}, bytes(48)), ValueError,
     "but not their activations"),
    ("st-other-tensors", raw_st({"0.weight": tensor(), "x": tensor("F32", (1,), 48, 52)},
                                bytes(52)), ValueError, "it also holds x",
     {"activation": "relu", "output_activation": "softmax"}),
    # ---- Keras .keras (zip) and .h5
    ("keras-bomb", keras_with({"payload": deflate_zeros(2300), "method": 8,
                               "size": 2300 << 20}), ValueError,
     "would inflate to more than 1,000 MB"),
    ("keras-lying-size", keras_with({"payload": deflate_zeros(3), "method": 8, "size": 100,
                                     "crc": 0}), ValueError, "is a truncated or damaged zip"),
    ("keras-corrupt-deflate", keras_with({"payload": b"\xff" * 64, "method": 8, "size": 500}),
     ValueError, "holds a corrupt compressed stream in model.weights.h5"),
    ("keras-bzip2", keras_with({"payload": b"BZh9", "method": 12, "size": 10}), ValueError,
     "compresses model.weights.h5 as bzip2"),
    ("keras-lzma", keras_with({"payload": b"x", "method": 14, "size": 10}), ValueError,
     "as lzma"),
    ("keras-password", keras_with({"payload": b"x" * 12, "flags": 1}), ValueError,
     "is password-protected (model.weights.h5 is encrypted)"),
    ("keras-many-members", put("many.keras", raw_zip([{"name": f"{i}.json", "payload": b""}
                                                      for i in range(10_001)])),
     ValueError, "is a zip archive of 10,001 members"),
    ("keras-truncated", lambda t: put("cut.keras", keras_file()[:300])(t), ValueError,
     "is a truncated or damaged zip archive"),
    ("keras-config-deep", keras(config=nested(200_000, "{\"a\":", "}", "1")), ValueError,
     "nested more than 100 levels deep"),
    ("keras-config-long-int", keras(config='{"class_name": ' + "7" * 400 + "}"), ValueError,
     "holds an integer of 400 digits"),
    ("keras-config-not-json", keras(config="{not json"), ValueError,
     "holds a damaged Keras configuration"),
    ("keras-config-bad-utf8", keras(config=b"{\"a\": \"\xff\xfe\"}"), ValueError,
     "holds a damaged Keras configuration"),
    ("keras-config-list", keras(config=[1, 2]), ValueError,
     "holds a configuration that does not describe a Keras model"),
    ("keras-config-int", keras(config={"class_name": "Sequential", "config": 5}), ValueError,
     "is missing part of its Keras model"),
    ("keras-layers-junk", keras(config={"class_name": "Sequential", "config": {"layers": [5]}}),
     ValueError, "is missing part of its Keras model"),
    ("keras-weights-not-h5", keras(weights=b"not hdf5 at all"), ValueError,
     "is truncated or is not a Keras/HDF5 file"),
    ("keras-weights-missing", keras(weights=keras_weights(lambda h5: h5.__delitem__("layers"))),
     ValueError, "has no weights for layer 'dense'"),
    ("keras-huge-dataset", h5_extra(huge_dataset), ValueError,
     "declares weights of shape (100000, 100000) for layer 'dense'"),
    ("keras-string-dataset", h5_extra(string_dataset), ValueError,
     "holds something other than numbers as weights of layer 'dense'"),
    ("keras-rescaling-text", keras_layer(name="r", scale="abc"), ValueError,
     "has a scale that is not a number"),
    ("keras-unknown-activation", keras(config=keras_config("gelu")), ValueError,
     "uses activation 'gelu'"),
    ("h5-config-deep", legacy_h5(nested(100_000)), ValueError, "nested more than 100 levels"),
    ("h5-config-int", legacy_h5(5), ValueError, "without a Keras model configuration"),
    ("h5-config-junk", legacy_h5("{junk"), ValueError, "holds a damaged Keras configuration"),
    ("h5-truncated", lambda t: put("cut.h5", b"\x89HDF\r\n\x1a\n" + bytes(50))(t), ValueError,
     "is truncated or is not a Keras/HDF5 file"),
    # ---- .npz of arrays
    ("npz-objects", npz(**{**ARRAYS, "weights_0": np.array([{}], dtype=object)}), ValueError,
     "holds pickled Python objects, which are never loaded"),
    ("npz-header-damaged", npz(**{**ARRAYS, "weights_0": b"\x93NUMPY\x01\x00\x05\x00{'de"}),
     ValueError, "has a damaged .npy header"),
    ("npz-not-npy", npz(**{**ARRAYS, "weights_0": b"plain bytes"}), ValueError,
     "has a damaged .npy header"),
    ("npz-huge-shape", npz(**{**ARRAYS, "weights_0": npy_raw("(1000000, 1000000)")}),
     ValueError, "declares shape (1000000, 1000000) of float64"),
    ("npz-negative-shape", npz(**{**ARRAYS, "weights_0": npy_raw("(-3, 4)", bytes(96))}),
     ValueError, "declares shape (-3, 4)"),
    ("npz-bomb", put("b.npz", raw_zip([{"name": "weights_0.npy", "method": 8,
                                        "payload": deflate_zeros(1100), "size": 1100 << 20}])),
     ValueError, "would inflate to more than 1,000 MB"),
    ("npz-small-limit", npz(weights_0=np.zeros((300, 4)), weights_1=np.zeros((2, 300))),
     ValueError, "would inflate to more than 5,000 bytes", {"max_bytes": 5000}),
    ("npz-corrupt-deflate", put("c.npz", member_zip("weights_0.npy", 8, size=80,
                                                     payload=b"\xff" * 40)), ValueError,
     "holds a corrupt compressed stream in weights_0.npy"),
    ("npz-encrypted", put("e.npz", member_zip("weights_0.npy", flags=1)), ValueError,
     "is password-protected"),
    ("npz-activation-int", npz(**ARRAYS, activation=np.array(3)), ValueError,
     "`activation` must be a string"),
    ("npz-names", npz(a=W0), ValueError, "name them weights_0"),
    ("npz-no-activations", npz(**ARRAYS), ValueError,
     "holds the weights of 2 dense layers (weights_0, weights_1) but not their activations; "
     "pass activation= and output_activation= (--activation and --output-activation on the command "
     "line)."),
    ("npz-no-output", npz(**ARRAYS, activation=np.array("relu")), ValueError,
     "but not their activations"),
    ("npz-shapes", npz(weights_0=W0, weights_1=np.ones((5, 5)), activation=np.array("relu"),
                       output_activation=np.array("softmax")), ValueError, "do not chain"),
    # ---- network2.py JSON
    ("json-long-int", network2('{"sizes": [2, 1], "weights": [[[' + "9" * 400 + ', 1]]], '
                               '"biases": [[[0]]]}'), ValueError,
     "holds an integer of 400 digits"),
    ("json-deep", network2(nested(100_000)), ValueError, "nested more than 100 levels deep"),
    ("json-damaged", network2('{"sizes": [2, 1], '), ValueError,
     "starts like JSON but does not parse"),
    ("json-bad-utf8", put("net.json", b'{"sizes": "\xff"}'), ValueError,
     "starts like JSON but does not parse"),
    ("json-huge-sizes", network2({**N2, "sizes": [784, 4_000_000, 10]}), ValueError,
     "the shapes do not chain"),
    ("json-ragged", network2({**N2, "weights": [[[1, 2], [3]]]}), ValueError,
     "not rectangular lists of numbers"),
    ("json-text-weights", network2({**N2, "weights": [[["a", "b"]]]}), ValueError,
     "not rectangular lists of numbers"),
    ("json-sizes-text", network2({**N2, "sizes": "2-1"}), ValueError, "declares sizes '2-1'"),
    ("json-cost", network2({**N2, "cost": {"x": 1}}), ValueError, "names the cost {'x': 1}"),
    ("json-list", network2([1, 2]), ValueError, "is JSON but not a network2.py file"),
    ("json-infinite", network2({**N2, "weights": [[[1e999, 1]]]}), ValueError,
     "NaN or infinite values"),
    # ---- ONNX
    ("onnx-negative-dims", onnx_model({"W": proto("W", [-2, 4], raw=bytes(32))}), ValueError,
     "initializer 'W' of"),
    ("onnx-dims-mismatch", onnx_model({"W": proto("W", [2, 4], raw=bytes(12))}), ValueError,
     "initializer 'W' of"),
    ("onnx-huge-dims", onnx_model({"W": proto("W", [1_000_000, 1_000_000])}), ValueError,
     "declares 1,000,000,000,000 values, more than the 1,000 MB"),
    ("onnx-unknown-type", onnx_model({"W": proto("W", [2, 4], data_type=99, raw=bytes(32))}),
     ValueError, "has an element type (99) ONNX does not define"),
    ("onnx-external-parent", external("../w.data"), ValueError,
     "keeps its values in the external file '../w.data', which is not a file beside the model"),
    ("onnx-external-absolute", external("/dev/zero"), ValueError, "'/dev/zero'"),
    ("onnx-external-missing", external("w.data"), FileNotFoundError,
     "keeps its values in the external data file w.data, which is not beside the model"),
    ("onnx-external-fifo", external("w.data", lambda t: os.mkfifo(t / "w.data")), ValueError,
     "is a named pipe (FIFO), not a regular file; hiddenlens reads an external data file"),
    ("onnx-external-offset", external("w.data", put("w.data", bytes(64)), offset="ab"),
     ValueError, "gives an offset 'ab'"),
    ("onnx-cast-int", onnx_model(nodes=[node("Cast", ["x"], ["c"], to=7),
                                        node("Gemm", ["c", "W", "b"], ["y"], transB=1)]),
     ValueError, "casts to INT64, which changes the values"),
    ("onnx-no-output", onnx_model(nodes=GEMM + [node("Softmax", ["z"], [])]), ValueError,
     "has no output"),
    ("onnx-gemm-vector", onnx_model({"W": proto("W", [8], raw=bytes(32))}), ValueError,
     "is not a dense layer x @ W.T + b"),
    ("onnx-string-constant", onnx_model(nodes=GEMM + [
        node("Constant", [], ["k"], value=string_tensor()), node("Add", ["z", "k"], ["y"])]),
     ValueError, "computes with a constant of object values"),
    ("onnx-after-argmax", onnx_model(nodes=GEMM + [node("ArgMax", ["z"], ["a"]),
                                                   node("Relu", ["z"], ["y"])]),
     ValueError, "computes on after the class probabilities"),
    ("onnx-branch", onnx_model(nodes=GEMM + [node("Relu", ["x"], ["y"])]), ValueError,
     "instead of the output of the layer before it"),
    ("onnx-output-elsewhere", onnx_model(outputs=("q",)), ValueError,
     "graph output is not the end of its chain"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_model_file_is_one_sentence_and_writes_nothing(tmp_path, case):
    _, build, kind, words, *options = case
    path = build(tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(kind) as info:
        hl.load_model(path, **(options[0] if options else {}))
    check_sentence(info.value, path)
    assert words in str(info.value)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("value, kind, words", [
    (123, TypeError, "`path` must be a file path (a str or a pathlib.Path). Got 123 instead."),
    (None, TypeError, "Got None instead."),
    (b"/tmp/m.onnx", TypeError, "Got b'/tmp/m.onnx' instead."),
    (["m.onnx"], TypeError, "Got ['m.onnx'] instead."),
    ("", ValueError, "`path` is empty"),
    ("m\0.onnx", ValueError, "`path` contains a NUL character"),
])
def test_path_argument_that_is_not_a_path(value, kind, words):
    with pytest.raises(kind) as info:
        hl.load_model(value)
    assert words in check_sentence(info.value)


@pytest.mark.parametrize("value, kind", [("big", TypeError), (True, TypeError),
                                         (1.5, TypeError), (0, ValueError), (-5, ValueError)])
def test_max_bytes_argument(tmp_path, value, kind):
    with pytest.raises(kind) as info:
        hl.load_model(tmp_path / "m.onnx", max_bytes=value)
    assert "`max_bytes` must be" in check_sentence(info.value)


def test_max_bytes_raises_the_limit(tmp_path):
    path = hl.save_model(NET, tmp_path / "m.safetensors")
    with pytest.raises(ValueError, match="more than the 500 bytes"):
        hl.load_model(path, max_bytes=500)
    assert hl.load_model(path, max_bytes=path.stat().st_size).sizes == [4, 3, 2]


def test_a_bf16_or_f16_state_dict_is_widened_exactly(tmp_path):
    import torch
    from safetensors.torch import save_file

    module = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    for dtype in (torch.bfloat16, torch.float16):
        path = tmp_path / f"{dtype}.safetensors"
        save_file({k: v.to(dtype) for k, v in module.state_dict().items()}, path)
        net = hl.load_model(path, activation="relu", output_activation="softmax")
        expected = module.state_dict()["0.weight"].to(dtype).float().numpy()
        np.testing.assert_array_equal(net.weights[0], expected)
        assert net.dtype_name == "float32"


def test_densenet_refuses_sizes_past_the_parameter_bound():
    with pytest.raises(ValueError) as info:
        hl.DenseNet([784, 10**6, 10**4])
    assert check_sentence(info.value).startswith(
        "`sizes` must make a network of at most 100,000,000 parameters in at most 1,000 "
        "layers. Got [784, 1000000, 10000] (10,785,010,000 parameters) instead.")
    with pytest.raises(ValueError, match="at most 1,000 layers"):
        hl.DenseNet([2] * 1002)
    with pytest.raises(TypeError, match="`sizes` must be a sequence of integers"):
        hl.DenseNet([4, float("inf"), 2])


def test_zip_members_the_keras_reader_does_not_need_are_not_inflated(tmp_path):
    data = raw_zip([{"name": "config.json", "payload": json.dumps(keras_config()).encode()},
                    {"name": "model.weights.h5", "payload": keras_weights()},
                    {"name": "assets/huge.bin", "payload": deflate_zeros(1200), "method": 8,
                     "size": 1200 << 20}])
    (tmp_path / "m.keras").write_bytes(data)
    assert hl.load_model(tmp_path / "m.keras").sizes == [4, 3, 2]
    assert zipfile.ZipFile(tmp_path / "m.keras").getinfo("assets/huge.bin").file_size > 10**9
