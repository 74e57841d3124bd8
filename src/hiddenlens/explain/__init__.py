"""Explanations: pure functions returning numbers; nothing here draws."""

from hiddenlens.explain._receptive_fields import receptive_fields

__all__ = ["receptive_fields"]
from hiddenlens.explain._gradients import (  # noqa: E402
    input_x_gradient,
    jacobian,
    loss_sensitivity,
    saliency,
    smoothgrad,
)
from hiddenlens.explain._integrated import integrated_gradients  # noqa: E402

__all__ += ["input_x_gradient", "integrated_gradients", "jacobian", "loss_sensitivity",
            "saliency", "smoothgrad"]
from hiddenlens.explain._groups import image_patches  # noqa: E402
from hiddenlens.explain._permutation import permutation_importance  # noqa: E402

__all__ += ["image_patches", "permutation_importance"]
from hiddenlens.explain._perturbation import occlusion, perturbation_importance  # noqa: E402

__all__ += ["occlusion", "perturbation_importance"]
from hiddenlens.explain._tabular_importance import garson, lek_profile, olden  # noqa: E402

__all__ += ["garson", "lek_profile", "olden"]
