"""What the bad-input suite shares: the one-sentence check, folder snapshots, and builders of
model files (valid and broken) made in memory, so that no test needs a binary fixture."""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

# Raw Python, numpy or library messages a user must never see.
FORBIDDEN = (
    "Traceback", "unhashable", "codec can't decode", "Expecting value", "Expecting property",
    "object has no attribute", "not subscriptable", "invalid literal", "NoneType", "[Errno",
    "is not iterable", "KeyError", "index out of range", "Error -3", "zlib", "RecursionError",
    "maximum recursion", "int_max_str_digits", "Exceeds the limit", "cannot reshape",
    "could not convert", "setting an array element", "not enough values to unpack",
    "too many values to unpack", "Unable to", "H5", "DecodeError", "SafetensorError",
    "buffer size", "BadZipFile", "Bad CRC", "Bad magic", "struct.error", "unpack requires",
    "MemoryError", "OverflowError", "out of range for", "data type '", "ufunc",
)


def check_sentence(exc: BaseException, *names) -> str:
    """Assert `exc` says one line naming every one of `names`, with no raw Python message."""
    text = str(exc)
    assert text.strip() and "\n" not in text.strip(), f"not one line: {text!r}"
    for name in names:
        assert str(name) in text, f"{name} not named in: {text}"
    for phrase in FORBIDDEN:
        assert phrase not in text, f"raw message {phrase!r} in: {text}"
    return text


def snapshot(folder: Path) -> dict:
    """Every entry under `folder` with its kind, size and modification time."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            st = os.lstat(p)
            out[str(p.relative_to(folder))] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


# ------------------------------------------------------------------ zip by hand
def raw_zip(entries) -> bytes:
    """A zip archive of `entries`: dicts with name, payload (as stored) and optionally
    method (0 stored, 8 deflated, 12 bzip2), flags, size (declared, uncompressed), crc."""
    body, central = b"", b""
    for e in entries:
        name, payload = e["name"].encode(), e["payload"]
        method, flags = e.get("method", 0), e.get("flags", 0)
        size, crc = e.get("size", len(payload)), e.get("crc", zlib.crc32(payload))
        fields = struct.pack("<HHHHHIIIHH", 20, flags, method, 0, 0, crc, len(payload), size,
                             len(name), 0)
        offset = len(body)
        body += b"PK\x03\x04" + fields + name + payload
        central += (b"PK\x01\x02" + struct.pack("<H", 20) + fields
                    + struct.pack("<HHHII", 0, 0, 0, 0, offset) + name)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                      len(central), len(body), 0)
    return body + central + end


def deflate_zeros(n_mb: int) -> bytes:
    """A raw deflate stream of n_mb MB of zeros, made without compressing them all: after a
    full flush the compressor starts afresh, so every 1 MB block compresses the same."""
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = block.compress(bytes(1 << 20)) + block.flush(zlib.Z_FULL_FLUSH)
    return chunk * n_mb + b"\x03\x00"  # an empty final block


def zip_of(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# ------------------------------------------------------------------ Keras by hand
def keras_config(activation: str = "relu") -> dict:
    """The config.json of a Keras 3 Sequential 4 -> 3 -> 2."""
    dense = [{"class_name": "Dense", "config": {"name": name, "units": units,
                                                "activation": act, "use_bias": True}}
             for name, units, act in (("dense", 3, activation), ("dense_1", 2, "softmax"))]
    return {"class_name": "Sequential", "config": {"name": "seq", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 4], "name": "in"}},
        *dense]}}


def keras_weights(fill=None) -> bytes:
    """model.weights.h5 for `keras_config`; `fill(h5)` may add or replace datasets."""
    import h5py

    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        for key, (n_in, n_out) in {"dense": (4, 3), "dense_1": (3, 2)}.items():
            h5[f"layers/{key}/vars/0"] = rng.standard_normal((n_in, n_out)).astype("f4")
            h5[f"layers/{key}/vars/1"] = np.zeros(n_out, "f4")
        if fill is not None:
            fill(h5)
    return buffer.getvalue()


def keras_file(config=None, weights: bytes | None = None) -> bytes:
    config = keras_config() if config is None else config
    text = config if isinstance(config, (str, bytes)) else json.dumps(config)
    return zip_of({"config.json": text, "model.weights.h5": weights or keras_weights()})


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def nested(depth: int, open_: str = "[", close: str = "]", inner: str = "0") -> str:
    return open_ * depth + inner + close * depth


# ------------------------------------------------------------------ pickles and IDX by hand
def _pstr(b: bytes) -> bytes:
    """A Python 2 str in a pickle: SHORT_BINSTRING or BINSTRING."""
    return (b"U" + bytes([len(b)]) if len(b) < 256 else b"T" + len(b).to_bytes(4, "little")) + b


def pickled_array(shape, dtype: bytes = b"u1", data: bytes = b"", first=(0,)) -> bytes:
    """The protocol-2 opcodes of a numpy array as Python 2's cPickle writes them, with any
    declared shape, dtype and data (and `first`, the shape _reconstruct is asked for)."""
    ints = lambda xs: b"(" + b"".join(b"J" + int(n).to_bytes(4, "little", signed=True)  # noqa
                                      for n in xs) + b"t"
    return (b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n" + ints(first)
            + _pstr(b"b") + b"\x87R(K\x01" + ints(shape) + b"cnumpy\ndtype\n" + _pstr(dtype)
            + b"K\x00K\x01\x87R(K\x03" + _pstr(b"<")
            + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89" + _pstr(data) + b"tb")


def nielsen_pickle(X, y) -> bytes:
    """Nielsen's (training, validation, test) tuple with the same (X, y) three times."""
    pair = X + y + b"\x86"
    return b"\x80\x02" + pair * 3 + b"\x87."


def idx(array: np.ndarray, shape=None, code: int = 0x08) -> bytes:
    shape = array.shape if shape is None else shape
    header = bytes([0, 0, code, len(shape)]) + b"".join(int(s).to_bytes(4, "big") for s in shape)
    return header + array.astype(np.uint8).tobytes()
