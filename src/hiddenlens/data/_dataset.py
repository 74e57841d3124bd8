"""The Dataset record every loader returns, and the options every image set takes."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from sklearn.model_selection import train_test_split

from hiddenlens._validation import integer_seed


@dataclass(frozen=True)
class Dataset:
    """A train/test split with the names a view needs.

    Attributes
    ----------
    X_train, X_test : ndarray of shape (n, n_features), float32
        Raw values: images in [0, 1]; tabular features unscaled (standardisation is learned by
        `train` on X_train and stored with the model).
    y_train, y_test : ndarray of shape (n,)
        int64 class indices for classification, float32 targets for regression.
    image_shape : (28, 28) or None
    feature_names : list of str
    class_names : list of str or None (regression)
    name : str
    task : "classification" or "regression"
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: list[str]
    class_names: list[str] | None
    name: str
    image_shape: tuple[int, int] | None = None
    task: str = "classification"

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    @property
    def n_classes(self) -> int | None:
        return len(self.class_names) if self.class_names is not None else None

    @property
    def is_image(self) -> bool:
        return self.image_shape is not None

    @property
    def X(self) -> np.ndarray:
        """Train and test examples together, (n_train + n_test, n_features)."""
        return np.concatenate([self.X_train, self.X_test])

    @property
    def y(self) -> np.ndarray:
        return np.concatenate([self.y_train, self.y_test])

    def __repr__(self) -> str:
        kind = f"images {self.image_shape}" if self.image_shape else f"{self.n_features} features"
        return (
            f"Dataset({self.name!r}: {len(self.X_train)} train / {len(self.X_test)} test, "
            f"{kind}, {self.task})"
        )


def image_pixel_names(image_shape: tuple[int, int]) -> list[str]:
    rows, cols = image_shape
    return [f"pixel ({r}, {c})" for r in range(rows) for c in range(cols)]


def select_classes(ds: Dataset, classes) -> Dataset:
    """Keep only the listed classes (names or indices), relabelled 0..k-1 in the given order."""
    if ds.task != "classification":
        raise ValueError(f"`classes` needs a classification data set; {ds.name} is regression.")
    wanted = []
    for c in classes:
        idx = _class_index(ds, c)
        if idx in wanted:
            raise ValueError(f"`classes` lists {c!r} twice.")
        wanted.append(idx)
    if len(wanted) < 2:
        raise ValueError(f"`classes` must name at least two classes. Got {list(classes)} instead.")
    lookup = np.full(ds.n_classes, -1, dtype=np.int64)
    lookup[wanted] = np.arange(len(wanted))
    keep_tr, keep_te = lookup[ds.y_train] >= 0, lookup[ds.y_test] >= 0
    return replace(
        ds,
        X_train=ds.X_train[keep_tr],
        y_train=lookup[ds.y_train[keep_tr]],
        X_test=ds.X_test[keep_te],
        y_test=lookup[ds.y_test[keep_te]],
        class_names=[ds.class_names[i] for i in wanted],
    )


def _class_index(ds: Dataset, c) -> int:
    names = ds.class_names
    if str(c) in names:
        return names.index(str(c))
    if isinstance(c, (int, np.integer)) and 0 <= c < len(names):
        return int(c)
    raise ValueError(f"`classes` must name classes of {ds.name} ({', '.join(names)}). Got {c!r}.")


def subsample_train(ds: Dataset, train_size: int, random_state=0) -> Dataset:
    """A random subsample of the training split, stratified by class for classification;
    `random_state` as in `load_dataset`."""
    n = len(ds.X_train)
    if isinstance(train_size, bool) or not isinstance(train_size, (int, np.integer)):
        raise TypeError(f"`train_size` must be an integer. Got {train_size!r} instead.")
    if train_size == n:
        return ds
    min_size = ds.n_classes or 1
    if not min_size <= train_size < n:
        raise ValueError(
            f"`train_size` must be in {min_size}..{n} for {ds.name}. Got {train_size} instead."
        )
    stratify = ds.y_train if ds.task == "classification" else None
    idx, _ = train_test_split(
        np.arange(n), train_size=int(train_size), stratify=stratify,
        random_state=integer_seed(random_state),
    )
    idx = np.sort(idx)
    return replace(ds, X_train=ds.X_train[idx], y_train=ds.y_train[idx])


def apply_image_options(ds: Dataset, classes=None, train_size=None, random_state=0) -> Dataset:
    """The options every data set takes: `classes` first, then `train_size`."""
    if classes is not None:
        ds = select_classes(ds, classes)
    if train_size is not None:
        ds = subsample_train(ds, train_size, random_state)
    return ds
