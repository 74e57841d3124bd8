"""hiddenlens: see what the hidden layers of a trained feed-forward network do to its data,
and what each neuron is looking for.

The public API lives here; every other module is private.
"""

from hiddenlens import _files  # noqa: F401
from hiddenlens._version import __version__
from hiddenlens.data import DATASETS, Dataset, load_dataset
from hiddenlens.experiments import (
    ExperimentResult,
    experiment_depth,
    experiment_train_size,
    experiment_zero_vs_one,
)
from hiddenlens.explain import (
    ContributionMap,
    TopUnits,
    atlas,
    composite_weights,
    contribution_map,
    describe,
    describe_layer,
    diagram_links,
    garson,
    image_patches,
    input_x_gradient,
    integrated_gradients,
    jacobian,
    lek_profile,
    loss_sensitivity,
    maximize_activation,
    normalize_fields,
    occlusion,
    olden,
    permutation_importance,
    perturbation_importance,
    receptive_fields,
    saliency,
    smoothgrad,
    top_units,
    unit_order,
)
from hiddenlens.io import load_model
from hiddenlens.io._arrays import from_arrays
from hiddenlens.io._keras import from_keras
from hiddenlens.io._nielsen import from_nielsen
from hiddenlens.io._npz import from_npz
from hiddenlens.io._onnx import from_onnx
from hiddenlens.io._safetensors import from_safetensors
from hiddenlens.io._sklearn import from_sklearn
from hiddenlens.io._torch import from_torch
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
    "ContributionMap",
    "ExperimentResult",
    "TopUnits",
    "composite_weights",
    "contribution_map",
    "diagram_links",
    "experiment_depth",
    "experiment_train_size",
    "experiment_zero_vs_one",
    "normalize_fields",
    "receptive_fields",
    "top_units",
    "unit_order",
    "load_model",
    "from_arrays",
    "from_keras",
    "from_nielsen",
    "from_npz",
    "from_onnx",
    "from_safetensors",
    "from_sklearn",
    "from_torch",
    "train",
    "train_preset",
    "build_report",
    "write_report",
]
__all__ += ["atlas", "describe", "describe_layer", "maximize_activation"]
__all__ += ["garson", "image_patches", "input_x_gradient", "integrated_gradients", "jacobian",
            "lek_profile", "loss_sensitivity", "occlusion", "olden", "permutation_importance",
            "perturbation_importance", "saliency", "smoothgrad"]
