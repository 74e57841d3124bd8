"""Tabular data: scikit-learn's iris, wine and breast cancer, and any CSV file."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from hiddenlens._validation import integer_seed
from hiddenlens.data._dataset import Dataset

MAX_CLASSES_FOR_INTEGER_TARGET = 20
MISSING = {"", "na", "nan", "null", "none", "?"}
MISSING_TARGET = MISSING - {"none"}  # "none" can be a class ("none", "mild", "severe")


def load_sklearn_table(name: str, *, test_size: float = 0.25, random_state=0) -> Dataset:
    """iris, wine or breast-cancer, split once with a stratified random split."""
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
        test_size, random_state,
    )


def load_csv(path, target_column: str | None, *, test_size: float = 0.25,
             random_state=0) -> Dataset:
    """A CSV file with a header row; `target_column` names the label column.

    The label is a classification label when it is text, or integers with at most 20 distinct
    values; otherwise a regression target. Every other column must be numeric and complete.
    Read with `pandas.read_csv`; every problem is one sentence naming the file, and the column
    and row where there is one (row 2 is the first data row). A row with too few values is
    reported as missing values: pandas fills it, as it does an empty trailing field.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No such CSV file: {path}.")
    table = _read_table(path)
    header = list(table.columns)
    if target_column is None:
        raise ValueError(
            f"Loading {path.name} needs `target_column=` naming the label column, one of: "
            f"{', '.join(header)}."
        )
    if target_column not in header:
        raise ValueError(
            f"{path.name} has no column {target_column!r}; its columns are: "
            f"{', '.join(header)}."
        )
    features = [c for c in header if c != target_column]
    X, X_problem = _features(table, features, path.name)
    y, class_names, task, y_problem = _labels(table[target_column], target_column, path.name)
    problems = [p for p in (X_problem, y_problem) if p is not None]
    if problems:  # the first bad cell reading row by row, features before the label
        raise ValueError(min(problems)[1])
    if class_names is not None and len(class_names) < 2:
        raise ValueError(
            f"{path.name}'s column {target_column!r} holds one class ({class_names[0]}); a "
            "classifier needs at least two."
        )
    if len(y) < 2:
        raise ValueError(f"{path.name} has one data row; a train/test split needs at least two.")
    return _split(path.stem, X, y, features, class_names, test_size, random_state, task)


def _read_table(path: Path):
    """The file as a DataFrame: numeric columns parsed, the others text; blank rows dropped."""
    table = _parse(path)
    table.columns = [str(c).strip() for c in table.columns]
    _check_unique_header(path)
    text = [c for c in table.columns if not _is_number_column(table[c])]
    if len(text) == table.shape[1]:  # only then can a row be blank (",,,", "  ,  ")
        blank = (table[text].astype(str).apply(lambda c: c.str.strip()) == "").all(axis=1)
        table = table[~blank.to_numpy()].reset_index(drop=True)
    if not len(table):
        raise ValueError(f"{path.name} has a header but no data rows.")
    return table


def _parse(path: Path):
    """`pandas.read_csv` with "" kept as text (no NaN guessing); its errors as our sentences."""
    import pandas as pd

    options = dict(encoding="utf-8-sig", keep_default_na=False, na_values=[])
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            table = pd.read_csv(path, index_col=False, **options)
        for w in caught:
            if "Length of header" in str(w.message):  # row 2 is wider: pandas would drop data
                width = pd.read_csv(path, header=None, skiprows=1, nrows=1, **options).shape[1]
                raise ValueError(f"{path.name} row 2 has {width} values but the header has "
                                 f"{table.shape[1]}.")
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    except UnicodeDecodeError:
        raise ValueError(_not_utf8(path)) from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path.name} is empty; a CSV needs a header row and data rows.") from None
    except pd.errors.ParserError as exc:
        raise ValueError(_unparsable(path.name, exc)) from None
    except OSError as exc:
        raise ValueError(f"{path.name} is not a readable CSV file ({exc.strerror or exc}).") \
            from None
    return table


def _check_unique_header(path: Path) -> None:
    """Refuse a header that names a column twice (pandas would silently call the second
    "a.1", and the model's feature names would not be the file's)."""
    import csv

    with open(path, encoding="utf-8-sig", newline="") as f:
        header = [name.strip() for name in next(csv.reader(f), [])]
    seen, twice = set(), []
    for name in header:
        if name in seen and name not in twice:
            twice.append(name)
        seen.add(name)
    if twice:
        names = ", ".join(repr(n) for n in twice[:5]) + (", ..." if len(twice) > 5 else "")
        raise ValueError(f"{path.name} names {'a column' if len(twice) == 1 else 'columns'} "
                         f"twice in its header ({names}); give every column its own name.")


def _not_utf8(path: Path) -> str:
    try:  # pandas reports the offset within its buffer; the file's own offset helps more
        path.read_bytes().decode("utf-8")
        where = ""
    except UnicodeDecodeError as exc:
        where = f" (byte {exc.object[exc.start]:#x} at offset {exc.start})"
    return f"{path.name} is not UTF-8 text{where}; save it as a UTF-8 CSV."


def _unparsable(filename: str, exc: Exception) -> str:
    message = " ".join(str(exc).split())
    wide = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if wide:
        fields, line, values = wide.groups()
        return f"{filename} row {line} has {values} values but the header has {fields}."
    return f"{filename} is not a readable CSV file ({message})."


def _is_number_column(column) -> bool:
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return is_numeric_dtype(column) and not is_bool_dtype(column)


def _features(table, features: list[str], filename: str):
    """X (n, d) float32, and the first bad cell as ((row, column), sentence) or None."""
    X = np.empty((len(table), len(features)), dtype=np.float32)
    problem = None
    for j, column in enumerate(features):
        values = table[column]
        if _is_number_column(values):
            numbers = values.to_numpy(dtype=np.float64)
            bad = np.flatnonzero(~np.isfinite(numbers))
            cells = [(bad[0], str(numbers[bad[0]]))] if len(bad) else []
            X[:, j] = numbers
        else:  # text: somewhere a missing or non-numeric value, or a form pandas does not read
            cells = enumerate(values.astype(str))
        for i, text in cells:
            try:
                X[i, j] = _number(text, column, i + 2, filename)
            except ValueError as exc:
                problem = min(problem or ((i, j), str(exc)), ((i, j), str(exc)))
                break
    return X, problem


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


def _labels(values, column: str, filename: str):
    """(y, class names or None, task, the first bad label as ((row, column), sentence) or None)."""
    if _is_number_column(values):
        numbers = values.to_numpy(dtype=np.float64)
        bad = ~np.isfinite(numbers)
    else:
        labels = [v.strip() for v in values.astype(str)]
        bad = np.array([v.lower() in MISSING_TARGET or v.lower().lstrip("+-") in
                        ("inf", "infinity") for v in labels])
        numbers = labels
    if bad.any():
        row = int(np.argmax(bad))
        sentence = (f"{filename} has a missing or infinite value in column {column!r}, "
                    f"row {row + 2}.")
        return None, None, None, ((row, math.inf), sentence)
    return (*_encode_target(numbers), None)


def _encode_target(values) -> tuple[np.ndarray, list[str] | None, str]:
    """Labels from text (or numbers already parsed): classes, or a regression target."""
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


def _split(name, X, y, features, class_names, test_size, random_state, task="classification"):
    stratify = y if task == "classification" and np.bincount(y).min() >= 2 else None
    idx_tr, idx_te = train_test_split(
        np.arange(len(y)), test_size=test_size, stratify=stratify,
        random_state=integer_seed(random_state),
    )
    idx_tr, idx_te = np.sort(idx_tr), np.sort(idx_te)
    return Dataset(
        X_train=X[idx_tr], y_train=y[idx_tr], X_test=X[idx_te], y_test=y[idx_te],
        feature_names=features, class_names=class_names, name=name, task=task,
    )
