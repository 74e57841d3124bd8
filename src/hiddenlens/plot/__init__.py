"""Figures: Display objects that draw what `hiddenlens.explain` computes."""

from hiddenlens.plot._attribution import AttributionDisplay
from hiddenlens.plot._composite import CompositeDisplay
from hiddenlens.plot._contributions import ContributionDisplay
from hiddenlens.plot._diagram import NetworkDiagramDisplay
from hiddenlens.plot._experiments import ExperimentDisplay
from hiddenlens.plot._grid import save_figure
from hiddenlens.plot._importance import ImportanceDisplay, LekProfileDisplay
from hiddenlens.plot._maximize import LayerMaximizeDisplay
from hiddenlens.plot._neuron import NeuronCardDisplay
from hiddenlens.plot._receptive_fields import ReceptiveFieldsDisplay
from hiddenlens.plot._top_units import TopUnitsDisplay
from hiddenlens.plot._trace import TraceDisplay

__all__ = [
    "AttributionDisplay",
    "CompositeDisplay",
    "ContributionDisplay",
    "ExperimentDisplay",
    "ImportanceDisplay",
    "LayerMaximizeDisplay",
    "LekProfileDisplay",
    "NetworkDiagramDisplay",
    "NeuronCardDisplay",
    "ReceptiveFieldsDisplay",
    "TopUnitsDisplay",
    "TraceDisplay",
    "save_figure",
]
