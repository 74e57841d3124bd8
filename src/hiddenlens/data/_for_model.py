"""Which data goes with a model: its own data set, as the network sees it.

The network is read duck-typed (`n_inputs`, `data_name`, `task`, `n_classes`, `class_names`):
data/ sits below net.py in the pipeline and imports nothing from it.
"""

from __future__ import annotations

import os

from hiddenlens.data._dataset import Dataset, select_classes

IMAGE_INPUTS = 784  # a model of this many inputs that names no data set sees the digits
FALLBACK = "mnist-embedded"
UNLOADABLE = ("mnist-nielsen",)  # recorded by a model, but needs the user's file
PYTHON_ARGUMENTS = ("data=", "target_column=")  # how the sentences name `data` and the column


def for_model(net, data: Dataset | str | os.PathLike | None = None, *,
              target_column: str | None = None, progress: bool = True) -> Dataset:
    """The data set that goes with `net`, as the network sees it.

    Parameters
    ----------
    net : DenseNet
    data : Dataset, str or path, optional
        A Dataset, a data-set name or a file (see `load_dataset`). Default: the data set the
        model records, else "mnist-embedded" for a 784-input model.
    target_column : str, optional
        The label column when `data` is a CSV file.
    progress : bool, default=True
        Show a progress bar if full MNIST must be downloaded.

    Returns
    -------
    Dataset
        The same inputs the network takes; for a classifier trained on some of the data
        set's classes (the zero-vs-one network on the ten digits), only those classes,
        relabelled as the network numbers them.

    Raises
    ------
    ValueError
        When the model names no data set that can be loaded, or the data set's features or
        classes do not fit the network: one sentence saying which.
    """
    return resolve(net, data, target_column=target_column, progress=progress)


def resolve(net, data=None, *, target_column=None, progress: bool = True,
            arguments: tuple[str, str] = PYTHON_ARGUMENTS) -> Dataset:
    """`for_model`, with `arguments` naming `data` and the label column in its sentences
    (the CLI passes ("--data", "--target-column"))."""
    from hiddenlens.data import load_dataset

    if not isinstance(data, Dataset):
        name = default_name(net, arguments) if data is None else data
        data = load_dataset(name, target_column=target_column, progress=progress)
    return as_seen_by(net, data)


def default_name(net, arguments: tuple[str, str] = PYTHON_ARGUMENTS) -> str:
    """The data set a model records, else "mnist-embedded" for a 784-input model."""
    from hiddenlens.data import DATASETS

    data_arg, column_arg = arguments
    recorded = getattr(net, "data_name", None)
    if recorded and recorded not in UNLOADABLE:
        if recorded.lower() not in DATASETS:
            raise ValueError(
                f"The model was trained on {recorded!r}, which is not a built-in data set; "
                f"pass its file with {data_arg} (and {column_arg} for a CSV)."
            )
        return recorded
    if net.n_inputs != IMAGE_INPUTS:
        raise ValueError(
            f"The model takes {net.n_inputs} inputs and names no built-in data set to use; "
            f"pass one with {data_arg} (and {column_arg} for a CSV)."
        )
    return FALLBACK


def as_seen_by(net, ds: Dataset) -> Dataset:
    """`ds` with the network's inputs checked and only the classes it tells apart."""
    if ds.n_features != net.n_inputs:
        raise ValueError(f"The data set {ds.name} has {ds.n_features} features but the network "
                         f"takes {net.n_inputs} inputs; give the data set it was trained on.")
    if net.task != "classification" or ds.task != "classification" or \
            ds.n_classes == net.n_classes:
        return ds
    names = net.class_names or []
    if len(names) == net.n_classes and set(names) <= set(ds.class_names):
        return select_classes(ds, names)
    raise ValueError(f"The data set {ds.name} has {ds.n_classes} classes but the network "
                     f"tells {net.n_classes} apart; give the data set it was trained on.")
