"""Explanations: pure functions returning numbers; nothing here draws."""

from hiddenlens.explain._composite import composite_weights
from hiddenlens.explain._contributions import ContributionMap, contribution_map
from hiddenlens.explain._diagram import LayerLinks, diagram_links
from hiddenlens.explain._receptive_fields import normalize_fields, receptive_fields, unit_order
from hiddenlens.explain._top_units import TopUnits, top_units

__all__ = [
    "ContributionMap",
    "LayerLinks",
    "TopUnits",
    "composite_weights",
    "contribution_map",
    "diagram_links",
    "normalize_fields",
    "receptive_fields",
    "top_units",
    "unit_order",
]
