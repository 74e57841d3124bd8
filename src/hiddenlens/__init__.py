"""hiddenlens: see what the hidden layers of a trained feed-forward network do to its data,
and what each neuron is looking for.

The public API lives here; every other module is private.
"""

from hiddenlens import _files  # noqa: F401
from hiddenlens._version import __version__
from hiddenlens.data import DATASETS, Dataset, load_dataset
from hiddenlens.io import load_model
from hiddenlens.net import DenseNet, Trace
from hiddenlens.presets import PRESETS, train_preset
from hiddenlens.report import build_report, write_report
from hiddenlens.train import train

__all__ = [
    "__version__",
    "DATASETS",
    "Dataset",
    "DenseNet",
    "PRESETS",
    "Trace",
    "load_dataset",
    "load_model",
    "train",
    "train_preset",
    "build_report",
    "write_report",
]
