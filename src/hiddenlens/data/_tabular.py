"""Tabular data: scikit-learn's iris, wine and breast cancer, and any CSV file."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from hiddenlens.data._dataset import Dataset

MAX_CLASSES_FOR_INTEGER_TARGET = 20
MISSING = {"", "na", "nan", "null", "none", "?"}
MISSING_TARGET = MISSING - {"none"}  # "none" can be a class ("none", "mild", "severe")


def load_sklearn_table(name: str, *, test_size: float = 0.25, seed: int = 0) -> Dataset:
    """iris, wine or breast-cancer, split once with a stratified, seeded split."""
    from sklearn import datasets

    loader = {
        "iris": datasets.load_iris,
        "wine": datasets.load_wine,
        "breast-cancer": datasets.load_breast_cancer,
    }[name]
    bunch = loader()
    return _split(
        name, bunch.data.astype(np.float32), bunch.target.astype(np.int64),
        [str(f) for f in bunch.feature_names], [str(c) for c in bunch.target_names],
        test_size, seed,
    )


def load_csv(path, target: str | None, *, test_size: float = 0.25, seed: int = 0) -> Dataset:
    """A CSV file with a header row; `target` names the label column.

    The target is a classification label when it is text, or integers with at most 20 distinct
    values; otherwise a regression target. Every other column must be numeric and complete.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No such CSV file: {path}.")
    header, rows = _read_rows(path)
    if target is None:
        raise ValueError(
            f"Loading {path.name} needs `target=` naming the label column, one of: "
            f"{', '.join(header)}."
        )
    if target not in header:
        raise ValueError(
            f"{path.name} has no column {target!r}; its columns are: {', '.join(header)}."
        )
    t = header.index(target)
    features = [c for i, c in enumerate(header) if i != t]
    X = np.empty((len(rows), len(features)), dtype=np.float32)
    raw_target = []
    for r, row in enumerate(rows, start=2):  # row 1 is the header
        if len(row) != len(header):
            raise ValueError(
                f"{path.name} row {r} has {len(row)} values but the header has {len(header)}."
            )
        values = [v for i, v in enumerate(row) if i != t]
        for j, (column, value) in enumerate(zip(features, values)):
            X[r - 2, j] = _number(value, column, r, path.name)
        label = row[t].strip()
        if label.lower() in MISSING_TARGET or label.lower().lstrip("+-") in ("inf", "infinity"):
            raise ValueError(
                f"{path.name} has a missing or infinite value in column {target!r}, row {r}."
            )
        raw_target.append(label)
    y, class_names, task = _encode_target(raw_target)
    if class_names is not None and len(class_names) < 2:
        raise ValueError(
            f"{path.name}'s column {target!r} holds one class ({class_names[0]}); a classifier "
            "needs at least two."
        )
    if len(y) < 2:
        raise ValueError(f"{path.name} has one data row; a train/test split needs at least two.")
    return _split(path.stem, X, y, features, class_names, test_size, seed, task)


def _read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            rows = [row for row in reader if any(cell.strip() for cell in row)]
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{path.name} is not UTF-8 text (byte {exc.object[exc.start]:#x} at offset "
            f"{exc.start}); save it as a UTF-8 CSV."
        ) from None
    except csv.Error as exc:
        raise ValueError(f"{path.name} is not a readable CSV file ({exc}).") from None
    if not header:
        raise ValueError(f"{path.name} is empty; a CSV needs a header row and data rows.")
    if not rows:
        raise ValueError(f"{path.name} has a header but no data rows.")
    return [h.strip() for h in header], rows


def _number(value: str, column: str, row: int, filename: str) -> float:
    text = value.strip()
    if text.lower() in MISSING:
        raise ValueError(f"{filename} has a missing value in column {column!r}, row {row}.")
    try:
        number = float(text)
    except ValueError:
        raise ValueError(
            f"{filename} has a non-numeric value {text!r} in column {column!r}, row {row}; "
            "encode it as numbers (one-hot for categories) or drop the column."
        ) from None
    if not math.isfinite(number):
        raise ValueError(f"{filename} has an infinite value in column {column!r}, row {row}.")
    return number


def _encode_target(values: list[str]) -> tuple[np.ndarray, list[str] | None, str]:
    try:
        numbers = np.array([float(v) for v in values])
    except ValueError:
        numbers = None
    is_integer = numbers is not None and np.all(numbers == np.round(numbers))
    if numbers is not None and not (
        is_integer and len(np.unique(numbers)) <= MAX_CLASSES_FOR_INTEGER_TARGET
    ):
        return numbers.astype(np.float32), None, "regression"
    if numbers is not None:
        labels = np.unique(numbers.astype(np.int64))
        names = [str(v) for v in labels]
        y = np.searchsorted(labels, numbers.astype(np.int64))
    else:
        names = sorted(set(values))
        y = np.array([names.index(v) for v in values])
    return y.astype(np.int64), names, "classification"


def _split(name, X, y, features, class_names, test_size, seed, task="classification"):
    stratify = y if task == "classification" and np.bincount(y).min() >= 2 else None
    idx_tr, idx_te = train_test_split(
        np.arange(len(y)), test_size=test_size, stratify=stratify, random_state=seed
    )
    idx_tr, idx_te = np.sort(idx_tr), np.sort(idx_te)
    return Dataset(
        X_train=X[idx_tr], y_train=y[idx_tr], X_test=X[idx_te], y_test=y[idx_te],
        feature_names=features, class_names=class_names, name=name, task=task,
    )
