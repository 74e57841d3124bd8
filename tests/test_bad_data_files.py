"""Bad MNIST data files (the IDX folder and Nielsen's mnist.pkl.gz), each built here: one
sentence naming the file, nothing written."""

import gzip
import os
import pickle

import numpy as np
import pytest

import hiddenlens as hl
from _bad_inputs import check_sentence, idx, nielsen_pickle, pickled_array, snapshot
from hiddenlens.data import _mnist

IMAGES, LABELS = np.zeros((5, 28, 28), np.uint8), np.arange(5, dtype=np.uint8)
TRAIN_IMAGES = "train-images-idx3-ubyte.gz"


def idx_folder(t, name=TRAIN_IMAGES, data=None, make=None):
    """The four IDX files in `t`, with `name` holding `data` (gzipped) or made by `make`."""
    for file in _mnist.MNIST_FILES:
        (t / file).write_bytes(gzip.compress(idx(IMAGES if "images" in file else LABELS)))
    (t / name).unlink()
    if make is not None:
        make(t / name)
    else:
        (t / name).write_bytes(data if data[:2] == b"\x1f\x8b" else gzip.compress(data))
    return t / name


IDX_CASES = [
    ("zero-images", dict(data=idx(IMAGES[:0])), ValueError, "holds no images or labels"),
    ("zero-labels", dict(name="t10k-labels-idx1-ubyte.gz", data=idx(LABELS[:0])), ValueError,
     "holds no images or labels"),
    ("declares-more", dict(data=idx(IMAGES, shape=(10**6, 28, 28))), ValueError,
     "declares 1000000 x 28 x 28 values but holds 3,920"),
    ("declares-fewer", dict(data=idx(IMAGES, shape=(2, 28, 28))), ValueError,
     "declares 2 x 28 x 28 values but holds 3,920"),
    ("bad-magic", dict(data=b"\x01\x02" + idx(IMAGES)[2:]), ValueError,
     "is not an IDX file of bytes"),
    ("float-code", dict(data=idx(IMAGES, code=0x0D)), ValueError, "is not an IDX file of bytes"),
    ("ndim-zero", dict(data=b"\x00\x00\x08\x00"), ValueError, "is not an IDX file of bytes"),
    ("ndim-nine", dict(data=b"\x00\x00\x08\x09" + bytes(36)), ValueError, "its header is wrong"),
    ("short-header", dict(data=b"\x00\x00"), ValueError, "is not an IDX file of bytes"),
    ("header-cut", dict(data=b"\x00\x00\x08\x03\x00\x00"), ValueError, "its header is wrong"),
    ("corrupt-deflate", dict(data=b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + b"\xff" * 40),
     ValueError, "is a damaged or truncated gzip file"),
    ("truncated-gzip", dict(data=gzip.compress(idx(IMAGES))[:30]), ValueError,
     "is a damaged or truncated gzip file"),
    ("fifo", dict(make=os.mkfifo), ValueError, "is a named pipe (FIFO), not a regular file"),
    ("folder", dict(make=lambda p: p.mkdir()), IsADirectoryError, "give the data file inside"),
    ("empty", dict(make=lambda p: p.write_bytes(b"")), ValueError, "is empty; it holds no data"),
    ("sparse-600-mb", dict(make=lambda p: (p.write_bytes(b""), os.truncate(p, 600 * 10**6))),
     ValueError, "is 600 MB, more than the 500 MB a data file may be; the MNIST files are "
                 "far smaller"),
    ("symlink-loop", dict(make=lambda p: p.symlink_to(p)), ValueError,
     "is a symbolic link that loops back on itself"),
    ("labels-mismatch", dict(name="t10k-labels-idx1-ubyte.gz", data=idx(LABELS[:3])),
     ValueError, "labels, not (n, 28, 28) and (n,)"),
    ("images-27", dict(data=idx(np.zeros((5, 27, 27)))), ValueError, "not (n, 28, 28)"),
]


@pytest.mark.parametrize("case", IDX_CASES, ids=[c[0] for c in IDX_CASES])
def test_bad_idx_file(tmp_path, case):
    _, spec, kind, words = case
    path = idx_folder(tmp_path, **spec)
    before = snapshot(tmp_path)
    with pytest.raises(kind) as info:
        _mnist.load_mnist(tmp_path, download=False, progress=False)
    named = tmp_path if words.startswith("labels, not") or "28)" in words else path
    assert words in check_sentence(info.value, named)
    assert snapshot(tmp_path) == before


X = pickled_array((2, 784), b"f4", bytes(2 * 784 * 4))
Y = pickled_array((2,), b"i8", bytes(16))
PKL_CASES = [
    ("10**12-elements", nielsen_pickle(pickled_array((10**6, 10**6), b"f4", bytes(16)), Y),
     "is not a readable mnist.pkl.gz: its pickle is damaged or holds something other than "
     "numpy arrays"),
    ("reconstruct-huge", nielsen_pickle(pickled_array((2, 784), b"f4", bytes(6272),
                                                      first=(10**9,)), Y),
     "was refused: it builds an array in a way numpy never pickles one"),
    ("dtype-zzzzz", nielsen_pickle(pickled_array((2,), b"zzzzz", bytes(16)), Y),
     "was refused: it asks for the dtype 'zzzzz'"),
    ("dtype-object", nielsen_pickle(pickled_array((2,), b"O", bytes(16)), Y),
     "asks for the dtype 'O'"),
    ("negative-shape", nielsen_pickle(pickled_array((-2, 784), b"f4", bytes(16)), Y),
     "its pickle is damaged"),
    ("data-too-short", nielsen_pickle(pickled_array((2, 784), b"f4", bytes(10)), Y),
     "its pickle is damaged"),
    ("codec-rot13", b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x05\x00\x00\x00rot13\x86R.",
     "it encodes text in a way numpy never pickles"),
    ("os-system", b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00echo\x85R.",
     "was refused: it asks for os.system"),
    ("builtins-eval", pickle.dumps(eval, protocol=2), "was refused: it asks for __builtin__.eval"),
    ("truncated-pickle", nielsen_pickle(X, Y)[:200], "its pickle is damaged"),
    ("garbage-pickle", b"\x80\x02" + bytes(range(256)), "its pickle is damaged"),
    ("stack-underflow", b"\x80\x02t.", "its pickle is damaged"),
    ("memo-miss", b"\x80\x02h\x07.", "its pickle is damaged"),
    ("huge-binbytes", b"\x80\x04\x8e" + (10**12).to_bytes(8, "little") + b"abc.",
     "its pickle is damaged"),
    ("zero-images", nielsen_pickle(pickled_array((0, 784), b"f4", b""),
                                   pickled_array((0,), b"i8", b"")),
     "does not hold Nielsen's (training, validation, test) tuple"),
    ("text-arrays", nielsen_pickle(pickled_array((2,), b"S3", bytes(6)), Y),
     "asks for the dtype 'S3'"),
]


@pytest.mark.parametrize("case", PKL_CASES, ids=[c[0] for c in PKL_CASES])
def test_bad_nielsen_pickle(tmp_path, case):
    _, payload, words = case
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(gzip.compress(payload))
    before = snapshot(tmp_path)
    with pytest.raises(ValueError) as info:
        hl.load_dataset(path)
    assert words in check_sentence(info.value, path)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("name, data, kind, words", [
    ("not-gzip", b"plain bytes", ValueError, "is a damaged or truncated gzip file"),
    ("corrupt-deflate", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + b"\xff" * 40, ValueError,
     "is a damaged or truncated gzip file"),
    ("empty", b"", ValueError, "is empty"),
    ("fifo", None, ValueError, "is a named pipe (FIFO)"),
])
def test_bad_nielsen_gzip(tmp_path, name, data, kind, words):
    path = tmp_path / "mnist.pkl.gz"
    if data is None:
        os.mkfifo(path)
    else:
        path.write_bytes(data)
    with pytest.raises(kind) as info:
        hl.load_dataset(path)
    assert words in check_sentence(info.value, path)


def test_the_pickle_of_a_real_array_still_reads(tmp_path):
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(gzip.compress(nielsen_pickle(X, Y)))
    ds = hl.load_dataset(path)
    assert ds.X_train.shape == (2, 784) and ds.y_test.tolist() == [0, 0]
