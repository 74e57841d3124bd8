"""Explanations: pure functions returning numbers; nothing here draws."""

from hiddenlens.explain._atlas import Atlas, atlas
from hiddenlens.explain._describe import (
    LayerDescription,
    UnitDescription,
    composite_weights,
    describe,
    describe_layer,
)
from hiddenlens.explain._maximize import MaximizeResult, maximize_activation
from hiddenlens.explain._receptive_fields import receptive_fields

__all__ = ["receptive_fields"]
__all__ += ["Atlas", "LayerDescription", "MaximizeResult", "UnitDescription", "atlas",
            "composite_weights", "describe", "describe_layer", "maximize_activation"]
