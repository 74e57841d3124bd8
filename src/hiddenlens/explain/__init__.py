"""Explanations: pure functions returning numbers; nothing here draws."""

from hiddenlens.explain._ablation import Ablation, ablate
from hiddenlens.explain._atlas import Atlas, atlas
from hiddenlens.explain._composite import composite_weights
from hiddenlens.explain._conductance import conductance, neuron_conductance
from hiddenlens.explain._contributions import ContributionMap, contribution_map
from hiddenlens.explain._describe import LayerDescription, UnitDescription, describe, describe_layer
from hiddenlens.explain._diagram import LayerLinks, diagram_links
from hiddenlens.explain._gradients import (
    input_x_gradient,
    jacobian,
    loss_sensitivity,
    saliency,
    smoothgrad,
)
from hiddenlens.explain._groups import image_patches
from hiddenlens.explain._integrated import integrated_gradients
from hiddenlens.explain._maximize import MaximizeResult, maximize_activation
from hiddenlens.explain._patching import PatchEffect, patch, patch_effect
from hiddenlens.explain._permutation import permutation_importance
from hiddenlens.explain._perturbation import occlusion, perturbation_importance
from hiddenlens.explain._receptive_fields import normalize_fields, receptive_fields, unit_order
from hiddenlens.explain._selectivity import SelectivityImportance, selectivity_importance
from hiddenlens.explain._tabular_importance import garson, lek_profile, olden
from hiddenlens.explain._top_units import TopUnits, top_units

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
# what a unit does, causally
__all__ += ["Ablation", "PatchEffect", "SelectivityImportance", "ablate", "conductance",
            "neuron_conductance", "patch", "patch_effect", "selectivity_importance"]
