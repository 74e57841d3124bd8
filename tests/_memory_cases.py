"""Bad inputs that would exhaust memory if a size were not bounded, run by
test_bad_inputs_memory.py in one subprocess under RLIMIT_AS: each case builds its input in
`tmp` and calls the loader, which must refuse it in one sentence.

Run as a script: ``python _memory_cases.py LIMIT_MB TMP`` prints one JSON line per case.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import sys
import zlib
from pathlib import Path


def keras_bomb(tmp: Path):
    """A 2.3 MB .keras whose weights inflate to 2.3 GB."""
    import hiddenlens as hl
    from _bad_inputs import deflate_zeros, keras_config, raw_zip

    bomb = {"name": "model.weights.h5", "payload": deflate_zeros(2300), "method": 8,
            "size": 2300 << 20}
    config = {"name": "config.json", "payload": json.dumps(keras_config()).encode()}
    (tmp / "bomb.keras").write_bytes(raw_zip([config, bomb]))
    hl.load_model(tmp / "bomb.keras")


def keras_bomb_lying(tmp: Path):
    """The same bomb declaring 1 MB: inflation stops at the declared size."""
    import hiddenlens as hl
    from _bad_inputs import deflate_zeros, keras_config, raw_zip

    bomb = {"name": "model.weights.h5", "payload": deflate_zeros(2300), "method": 8,
            "size": 1 << 20, "crc": 0}
    config = {"name": "config.json", "payload": json.dumps(keras_config()).encode()}
    (tmp / "lying.keras").write_bytes(raw_zip([config, bomb]))
    hl.load_model(tmp / "lying.keras")


def native_huge_sizes(tmp: Path):
    """Metadata declaring [784, 4000000, 10]: 12.5 GB of float32 if allocated."""
    import hiddenlens as hl
    from hiddenlens.io import _native

    net = hl.DenseNet([784, 3, 10])
    meta = dict(_native.model_metadata(net), sizes=[784, 4_000_000, 10])
    (tmp / "m.safetensors").write_bytes(_native.pack(_native.model_tensors(net), meta))
    hl.load_model(tmp / "m.safetensors")


def dev_zero(tmp: Path):
    import hiddenlens as hl

    hl.load_model("/dev/zero")


def densenet_huge(tmp: Path):
    import hiddenlens as hl

    hl.DenseNet([784, 10**6, 10**4])


def h5_huge_dataset(tmp: Path):
    import hiddenlens as hl
    from _bad_inputs import keras_file, keras_weights

    def fill(h5):
        del h5["layers/dense/vars/0"]
        h5.create_dataset("layers/dense/vars/0", shape=(200_000, 200_000), dtype="f8",
                          chunks=(100, 100), fillvalue=1.0)

    (tmp / "h.keras").write_bytes(keras_file(weights=keras_weights(fill)))
    hl.load_model(tmp / "h.keras")


def onnx_huge_dims(tmp: Path):
    import onnx
    from onnx import TensorProto, helper

    import hiddenlens as hl

    w = TensorProto(name="W", data_type=1, dims=[1_000_000, 1_000_000])
    w.float_data.extend([0.0] * 8)
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "W"], ["y"], transB=1)], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2])], initializer=[w])
    onnx.save(helper.make_model(graph), tmp / "big.onnx")
    hl.load_model(tmp / "big.onnx")


def npz_huge_header(tmp: Path):
    import hiddenlens as hl
    from _bad_inputs import zip_of

    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }"
    npy = b"\x93NUMPY\x01\x00" + (118).to_bytes(2, "little") + header.ljust(117) + b"\n"
    (tmp / "w.npz").write_bytes(zip_of({"weights_0.npy": npy + bytes(64)}))
    hl.load_model(tmp / "w.npz", activation="relu", output_activation="softmax")


def safetensors_huge_tensor(tmp: Path):
    import hiddenlens as hl

    header = json.dumps({"0.weight": {"dtype": "F32", "shape": [10**6, 10**6],
                                      "data_offsets": [0, 4 * 10**12]}}).encode()
    (tmp / "sd.safetensors").write_bytes(len(header).to_bytes(8, "little") + header + bytes(8))
    hl.load_model(tmp / "sd.safetensors", activation="relu", output_activation="softmax")


def _gzip_bomb(n_mb: int) -> bytes:
    from _bad_inputs import deflate_zeros

    head = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    crc = 0
    for _ in range(n_mb):
        crc = zlib.crc32(bytes(1 << 20), crc)
    return head + deflate_zeros(n_mb) + crc.to_bytes(4, "little") + \
        ((n_mb << 20) & 0xFFFFFFFF).to_bytes(4, "little")


def idx_gzip_bomb(tmp: Path):
    from hiddenlens.data import _mnist

    (tmp / "train-images-idx3-ubyte.gz").write_bytes(_gzip_bomb(600))
    _mnist.read_idx(tmp / "train-images-idx3-ubyte.gz")


def pickle_gzip_bomb(tmp: Path):
    import hiddenlens as hl

    (tmp / "mnist.pkl.gz").write_bytes(_gzip_bomb(600))
    hl.load_dataset(tmp / "mnist.pkl.gz")


def pickle_10_12_elements(tmp: Path):
    import hiddenlens as hl
    from _bad_inputs import nielsen_pickle, pickled_array

    X = pickled_array((10**6, 10**6), b"f4", bytes(64))
    y = pickled_array((2,), b"i8", bytes(16))
    (tmp / "mnist.pkl.gz").write_bytes(gzip.compress(nielsen_pickle(X, y)))
    hl.load_dataset(tmp / "mnist.pkl.gz")


def pickle_huge_binbytes(tmp: Path):
    import hiddenlens as hl

    data = b"\x80\x04\x8e" + (10**12).to_bytes(8, "little") + b"abc."
    (tmp / "mnist.pkl.gz").write_bytes(gzip.compress(data))
    hl.load_dataset(tmp / "mnist.pkl.gz")


def json_huge_sizes(tmp: Path):
    import hiddenlens as hl

    doc = {"sizes": [784, 4_000_000, 10], "weights": [[[0.0] * 784]], "biases": [[[0.0]]]}
    (tmp / "net.json").write_text(json.dumps(doc))
    hl.load_model(tmp / "net.json")


CASES = {f.__name__: f for f in (
    keras_bomb, keras_bomb_lying, native_huge_sizes, dev_zero, densenet_huge,
    h5_huge_dataset, onnx_huge_dims, npz_huge_header, safetensors_huge_tensor, idx_gzip_bomb,
    pickle_gzip_bomb, pickle_10_12_elements, pickle_huge_binbytes, json_huge_sizes)}


def main(limit_mb: int, tmp: Path) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limit_mb << 20, limit_mb << 20))
    for name, case in CASES.items():
        folder = tmp / name
        folder.mkdir()
        try:
            case(folder)
            result = {"type": None, "message": "no error"}
        except Exception as exc:  # report whatever escaped; the test judges it
            result = {"type": type(exc).__name__, "message": str(exc)}
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss << 10
        print(json.dumps({"case": name, "peak_bytes": peak, **result}), flush=True)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(__file__))
    main(int(sys.argv[1]), Path(sys.argv[2]))
