"""Explanations: pure functions returning numbers; nothing here draws.

Names are imported on first use (PEP 562), as in `hiddenlens`: plot/, report/, server/ and cli/
import from here, and the command line's ``--help`` reads the method registry (`methods`)
without importing torch.
"""

import importlib

_EXPORTS = {
    "_ablation": ["Ablation", "ablate"],
    "_atlas": ["Atlas", "atlas"],
    "_composite": ["composite_weights"],
    "_conductance": ["conductance", "neuron_conductance"],
    "_contributions": ["ContributionMap", "contribution_map"],
    "_deletion": ["DeletionCurve", "deletion_curve", "insertion_curve"],
    "_describe": ["LayerDescription", "UnitDescription", "describe", "describe_layer"],
    "_diagram": ["LayerLinks", "diagram_links"],
    "_faithfulness": ["RegionCurve", "faithfulness_correlation", "pixel_flipping",
                      "region_perturbation"],
    "_gradients": ["input_x_gradient", "jacobian", "loss_sensitivity", "saliency", "smoothgrad"],
    "_groups": ["image_patches"],
    "_importance_trust": ["evaluate_importances"],
    "_integrated": ["integrated_gradients"],
    "_maximize": ["MaximizeResult", "maximize_activation"],
    # the one registry of named methods, and the options that make maximizing images readable
    "_methods": ["Method", "get_method", "methods", "methods_help"],
    "_readable": ["readable_options"],
    "_patching": ["PatchEffect", "patch", "patch_effect"],
    "_permutation": ["permutation_importance"],
    "_perturbation": ["occlusion", "perturbation_importance"],
    "_randomization": ["RandomizationCheck", "randomization_check"],
    "_receptive_fields": ["normalize_fields", "receptive_fields", "shown_units", "unit_order"],
    "_robustness": ["infidelity", "max_sensitivity"],
    "_selectivity": ["SelectivityImportance", "selectivity_importance"],
    "_tabular_importance": ["garson", "lek_profile", "olden"],
    "_top_units": ["TopUnits", "top_units"],
    "_trust": ["TrustReport", "evaluate_attributions"],
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'hiddenlens.explain' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
