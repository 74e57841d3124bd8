"""Builders of bad model files for test_bad_model_files.py: each returns a function of
the test's folder that writes one file there and returns its path."""

import json
import os
import socket

import numpy as np

import hiddenlens as hl
from _bad_inputs import keras_config, keras_file, keras_weights, npy, raw_zip, zip_of
from hiddenlens.io import _native

NET = hl.DenseNet([4, 3, 2], "relu", random_state=0)
DROP = object()


def put(name: str, data):
    def build(t):
        path = t / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        return path
    return build


def native(**changes):
    meta = {k: v for k, v in {**_native.model_metadata(NET), **changes}.items() if v is not DROP}
    return put("m.safetensors", _native.pack(_native.model_tensors(NET), meta))


def native_tensors(**changes):
    tensors = {k: v for k, v in {**_native.model_tensors(NET), **changes}.items()
               if v is not DROP}
    return put("m.safetensors", _native.pack(tensors, _native.model_metadata(NET)))


def raw_st(header, body: bytes = b"", name: str = "sd.safetensors"):
    text = (header if isinstance(header, str) else json.dumps(header)).encode()
    return put(name, len(text).to_bytes(8, "little") + text + body)


def tensor(dtype="F32", shape=(3, 4), start=0, end=48):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": [start, end]}


def fifo(t):
    os.mkfifo(t / "pipe.onnx")
    return t / "pipe.onnx"


def sock(t):
    path = t / "m.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()
    return path


def loop(t):
    (t / "a.keras").symlink_to(t / "b.keras")
    (t / "b.keras").symlink_to(t / "a.keras")
    return t / "a.keras"


def link_to(target_builder):
    def build(t):
        target = target_builder(t)
        (t / "link.onnx").symlink_to(target)
        return t / "link.onnx"
    return build


def folder(t):
    (t / "model.keras").mkdir()
    return t / "model.keras"


def keras(**kw):
    return put("m.keras", keras_file(**kw))


def keras_layer(**config):
    cfg = keras_config()
    cfg["config"]["layers"].insert(1, {"class_name": "Rescaling", "config": config})
    return keras(config=cfg)


def member_zip(name, method=0, flags=0, size=None, payload=b"x" * 10, members=()):
    entries = [{"name": n, "payload": b"{}"} for n in members]
    entries.append({"name": name, "payload": payload, "method": method, "flags": flags,
                    **({"size": size} if size is not None else {})})
    return raw_zip(entries)


def keras_with(member: dict):
    """A .keras whose model.weights.h5 entry is `member` (a raw_zip entry)."""
    config = {"name": "config.json", "payload": json.dumps(keras_config()).encode()}
    return put("bomb.keras", raw_zip([config, {"name": "model.weights.h5", **member}]))


def h5_extra(fill):
    return keras(weights=keras_weights(fill))


def huge_dataset(h5):
    del h5["layers/dense/vars/0"]
    h5.create_dataset("layers/dense/vars/0", shape=(100_000, 100_000), dtype="f4",
                      chunks=(100, 100))


def string_dataset(h5):
    del h5["layers/dense/vars/0"]
    h5["layers/dense/vars/0"] = np.array([b"ab", b"cd"])


def legacy_h5(config):
    def build(t):
        import h5py

        path = t / "legacy.h5"
        with h5py.File(path, "w") as h5:
            h5.attrs["model_config"] = config
        return path
    return build


def npz(**arrays):
    return put("w.npz", zip_of({f"{k}.npy": v if isinstance(v, bytes) else npy(v)
                                for k, v in arrays.items()}))


W0, B0, W1, B1 = np.ones((3, 4)), np.zeros(3), np.ones((2, 3)), np.zeros(2)
ARRAYS = dict(weights_0=W0, biases_0=B0, weights_1=W1, biases_1=B1)
NPY_HEADER = b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': %s, }"


def npy_raw(shape: str, body: bytes = b"") -> bytes:
    header = NPY_HEADER.replace(b"%s", shape.encode())
    return header.ljust(127, b" ")[:127] + b"\n" + body


def network2(doc):
    return put("net.json", doc if isinstance(doc, str) else json.dumps(doc))


N2 = {"sizes": [2, 1], "weights": [[[0.5, 0.5]]], "biases": [[[0.0]]],
      "cost": "CrossEntropyCost"}


def onnx_model(inits=None, nodes=None, name="m.onnx", outputs=("y",)):
    def build(t):
        from onnx import TensorProto, helper, numpy_helper

        default = {"W": numpy_helper.from_array(np.ones((2, 4), "f4"), "W"),
                   "b": numpy_helper.from_array(np.zeros(2, "f4"), "b")}
        tensors = {**default, **(inits or {})}
        graph = helper.make_graph(
            nodes or [helper.make_node("Gemm", ["x", "W", "b"], ["z"], transB=1),
                      helper.make_node("Softmax", ["z"], ["y"], axis=1)], "g",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])],
            [helper.make_tensor_value_info(o, TensorProto.FLOAT, ["n", 2]) for o in outputs],
            initializer=[v for v in tensors.values() if v is not None])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                                  ir_version=8)
        (t / name).write_bytes(model.SerializeToString())
        return t / name
    return build


def proto(name, dims, data_type=1, raw=b"", external=None):
    from onnx import TensorProto

    t = TensorProto(name=name, data_type=data_type, dims=dims, raw_data=raw)
    if external is not None:
        t.data_location = TensorProto.EXTERNAL
        for k, v in external.items():
            t.external_data.add(key=k, value=v)
    return t


def external(location, beside=None, **info):
    def build(t):
        if beside is not None:
            beside(t)
        w = proto("W", [2, 4], external={"location": location, **info})
        return onnx_model({"W": w})(t)
    return build


def node(op, inputs, outputs, **attrs):
    from onnx import helper

    return helper.make_node(op, inputs, outputs, **attrs)


def flip(path, index):
    data = bytearray(path.read_bytes())
    data[index] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def string_tensor():
    from onnx import helper

    return helper.make_tensor("k", 8, [1], [b"a"])
