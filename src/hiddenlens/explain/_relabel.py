"""The data-randomization test's network: a fresh copy trained on permuted labels.

The recipe: `recipe` (train keywords) when given; else the preset with the network's
architecture (sizes, hidden activation, output) and its training recipe; else `train`'s
defaults. Epochs: as many as `net.history` records (the preset's or 10 without history).
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np

from hiddenlens._classes import dataset_labels
from hiddenlens.data import Dataset, load_dataset
from hiddenlens.net import DenseNet

TRAIN_KEYS = ("epochs", "lr", "batch_size", "optimizer", "loss", "momentum", "weight_decay",
              "dropout")


def retrain_on_permuted_labels(net: DenseNet, data, recipe: dict | None,
                               seed: int) -> tuple[DenseNet, dict]:
    """(the relabelled net, {"recipe": ..., "train_accuracy": ...})."""
    from hiddenlens._training import train
    from hiddenlens.presets import train_preset

    ds = _training_data(net, data)
    if ds.task != "classification":
        raise ValueError(f"mode='labels' permutes class labels; {ds.name} is a regression "
                         "data set.")
    y = np.random.default_rng(seed).permutation(ds.y_train)
    shuffled = replace(ds, y_train=y, name=f"{ds.name} (permuted labels)")
    preset, kw = _recipe(net, recipe)
    with warnings.catch_warnings():  # chance accuracy on permuted labels is the point
        warnings.filterwarnings("ignore", message="The network ends at test")
        if preset is not None:
            new = train_preset(preset, shuffled, random_state=seed, progress=False, **kw)
        else:
            new = DenseNet(net.sizes, net.activations[:-1], net.output_activation,
                           dtype=net.dtype, random_state=seed)
            new = train(new, shuffled, random_state=seed, progress=False, **kw)
    accuracy = float(new.score(shuffled.X_train, dataset_labels(new, y)))
    return new, {"recipe": {"preset": preset, **kw}, "train_accuracy": accuracy}


def _training_data(net: DenseNet, data) -> Dataset:
    if data is None and net.data_name is None:
        raise ValueError("mode='labels' retrains the network, so it needs its training data; "
                         "this network records none. Pass data= (a Dataset or a data-set "
                         "name).")
    data = net.data_name if data is None else data
    return data if isinstance(data, Dataset) else load_dataset(data, progress=False)


def _recipe(net: DenseNet, recipe: dict | None) -> tuple[str | None, dict]:
    """(preset name or None, train keywords)."""
    from hiddenlens.presets import PRESETS

    if recipe is not None:
        unknown = set(recipe) - set(TRAIN_KEYS)
        if unknown:
            raise ValueError(f"`recipe` must hold train keywords ({', '.join(TRAIN_KEYS)}). "
                             f"Got {sorted(unknown)} instead.")
        return None, dict(recipe)
    epochs = len(net.history) or None
    hidden = net.activations[:-1]
    for p in PRESETS.values():
        if p.sizes == net.sizes and p.output_activation == net.output_activation and \
                all(a == p.activation for a in hidden):
            return p.name, ({"epochs": epochs} if epochs else {})
    return None, {"epochs": epochs or 10}
