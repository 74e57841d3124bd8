"""Explanations: pure functions returning numbers; nothing here draws."""

from hiddenlens.explain._gradients import (
    input_x_gradient,
    jacobian,
    loss_sensitivity,
    saliency,
    smoothgrad,
)
from hiddenlens.explain._groups import image_patches
from hiddenlens.explain._integrated import integrated_gradients
from hiddenlens.explain._permutation import permutation_importance
from hiddenlens.explain._perturbation import occlusion, perturbation_importance
from hiddenlens.explain._receptive_fields import receptive_fields
from hiddenlens.explain._tabular_importance import garson, lek_profile, olden

__all__ = ["receptive_fields"]
__all__ += ["garson", "image_patches", "input_x_gradient", "integrated_gradients", "jacobian",
            "lek_profile", "loss_sensitivity", "occlusion", "olden", "permutation_importance",
            "perturbation_importance", "saliency", "smoothgrad"]
