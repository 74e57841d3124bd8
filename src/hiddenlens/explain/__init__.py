"""Explanations: pure functions returning numbers; nothing here draws."""

from hiddenlens.explain._atlas import Atlas, atlas
from hiddenlens.explain._composite import composite_weights
from hiddenlens.explain._contributions import ContributionMap, contribution_map
from hiddenlens.explain._deletion import DeletionCurve, deletion_curve, insertion_curve
from hiddenlens.explain._describe import LayerDescription, UnitDescription, describe, describe_layer
from hiddenlens.explain._diagram import LayerLinks, diagram_links
from hiddenlens.explain._faithfulness import (
    RegionCurve,
    faithfulness_correlation,
    pixel_flipping,
    region_perturbation,
)
from hiddenlens.explain._gradients import (
    input_x_gradient,
    jacobian,
    loss_sensitivity,
    saliency,
    smoothgrad,
)
from hiddenlens.explain._groups import image_patches
from hiddenlens.explain._importance_trust import evaluate_importances
from hiddenlens.explain._integrated import integrated_gradients
from hiddenlens.explain._maximize import MaximizeResult, maximize_activation
from hiddenlens.explain._permutation import permutation_importance
from hiddenlens.explain._perturbation import occlusion, perturbation_importance
from hiddenlens.explain._randomization import RandomizationCheck, randomization_check
from hiddenlens.explain._receptive_fields import normalize_fields, receptive_fields, unit_order
from hiddenlens.explain._robustness import infidelity, max_sensitivity
from hiddenlens.explain._tabular_importance import garson, lek_profile, olden
from hiddenlens.explain._top_units import TopUnits, top_units
from hiddenlens.explain._trust import TrustReport, evaluate_attributions

__all__ = [
    "Atlas",
    "ContributionMap",
    "LayerDescription",
    "LayerLinks",
    "MaximizeResult",
    "TopUnits",
    "UnitDescription",
    "atlas",
    "composite_weights",
    "contribution_map",
    "describe",
    "describe_layer",
    "diagram_links",
    "maximize_activation",
    "normalize_fields",
    "receptive_fields",
    "top_units",
    "unit_order",
]
__all__ += ["garson", "image_patches", "input_x_gradient", "integrated_gradients", "jacobian",
            "lek_profile", "loss_sensitivity", "occlusion", "olden", "permutation_importance",
            "perturbation_importance", "saliency", "smoothgrad"]
# which picture to trust: faithfulness, robustness and sanity checks of attributions
__all__ += ["DeletionCurve", "RandomizationCheck", "RegionCurve", "TrustReport",
            "deletion_curve", "evaluate_attributions", "evaluate_importances",
            "faithfulness_correlation", "infidelity", "insertion_curve", "max_sensitivity",
            "pixel_flipping", "randomization_check", "region_perturbation"]
