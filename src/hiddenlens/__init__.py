"""hiddenlens: see what the hidden layers of a trained feed-forward network do to its data,
and what each neuron is looking for.

The public API lives here; every other module is private. Names are imported on first use
(PEP 562), so `import hiddenlens` and `hiddenlens --help` do not pay for torch and
scikit-learn until something needs them.
"""

import importlib

from hiddenlens._version import __version__

_EXPORTS = {
    "hiddenlens.data": ["DATASETS", "Dataset", "load_dataset"],
    "hiddenlens.net": ["DenseNet", "Trace"],
    "hiddenlens._training": ["train"],
    "hiddenlens.presets": ["PRESETS", "train_preset"],
    "hiddenlens._evaluation": ["Evaluation", "evaluate"],
    "hiddenlens.io": ["load_model", "save_model", "to_onnx", "from_arrays", "from_keras",
                      "from_nielsen", "from_npz", "from_onnx", "from_safetensors", "from_sklearn",
                      "from_torch"],
    "hiddenlens.explain": [
        # views (receptive fields, contributions, top units, composites, diagram)
        "ContributionMap", "TopUnits", "composite_weights", "contribution_map",
        "diagram_links", "normalize_fields", "receptive_fields", "top_units", "unit_order",
        # attribution and feature importance
        "garson", "image_patches", "input_x_gradient", "integrated_gradients", "jacobian",
        "lek_profile", "loss_sensitivity", "occlusion", "olden", "permutation_importance",
        "perturbation_importance", "saliency", "smoothgrad",
        # what each neuron looks for
        "atlas", "describe", "describe_layer", "maximize_activation",
        # what a unit does, causally
        "Ablation", "PatchEffect", "SelectivityImportance", "ablate", "conductance",
        "neuron_conductance", "patch", "patch_effect", "selectivity_importance",
        # which picture to trust
        "DeletionCurve", "RandomizationCheck", "RegionCurve", "TrustReport",
        "deletion_curve", "evaluate_attributions", "evaluate_importances",
        "faithfulness_correlation", "infidelity", "insertion_curve", "max_sensitivity",
        "pixel_flipping", "randomization_check", "region_perturbation",
    ],
    "hiddenlens.experiments": ["ExperimentResult", "experiment_depth", "experiment_train_size",
                               "experiment_zero_vs_one"],
    "hiddenlens._recovery": ["RecoveryResult", "experiment_importance_recovery"],
    "hiddenlens.report": ["build_report", "write_report"],
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
# Public subpackages, so that `hl.plot.AttributionDisplay` works after `import hiddenlens as hl`.
_SUBPACKAGES = ("data", "explain", "io", "plot", "report")

__all__ = ["__version__", *sorted(_MODULE_OF)]


def __getattr__(name: str):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"hiddenlens.{name}")
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'hiddenlens' has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULE_OF[name]), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(_SUBPACKAGES))
