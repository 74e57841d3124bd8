"""Figures: Display objects that draw what `hiddenlens.explain` computes."""

from hiddenlens.plot._ablation import AblationDisplay
from hiddenlens.plot._attribution import AttributionDisplay
from hiddenlens.plot._composite import CompositeDisplay
from hiddenlens.plot._conductance import ConductanceDisplay
from hiddenlens.plot._contributions import ContributionDisplay
from hiddenlens.plot._diagram import NetworkDiagramDisplay
from hiddenlens.plot._experiments import ExperimentDisplay
from hiddenlens.plot._grid import save_figure
from hiddenlens.plot._importance import ImportanceDisplay, LekProfileDisplay
from hiddenlens.plot._importance_trust import ImportanceTrustDisplay
from hiddenlens.plot._maximize import LayerMaximizeDisplay
from hiddenlens.plot._neuron import NeuronCardDisplay
from hiddenlens.plot._patching import PatchDisplay
from hiddenlens.plot._receptive_fields import ReceptiveFieldsDisplay
from hiddenlens.plot._selectivity import SelectivityImportanceDisplay
from hiddenlens.plot._top_units import TopUnitsDisplay
from hiddenlens.plot._trace import TraceDisplay
from hiddenlens.plot._trust import AttributionTrustDisplay

__all__ = [
    "AblationDisplay",
    "AttributionDisplay",
    "AttributionTrustDisplay",
    "CompositeDisplay",
    "ConductanceDisplay",
    "ContributionDisplay",
    "ExperimentDisplay",
    "ImportanceDisplay",
    "ImportanceTrustDisplay",
    "LayerMaximizeDisplay",
    "LekProfileDisplay",
    "NetworkDiagramDisplay",
    "NeuronCardDisplay",
    "PatchDisplay",
    "ReceptiveFieldsDisplay",
    "SelectivityImportanceDisplay",
    "TopUnitsDisplay",
    "TraceDisplay",
    "save_figure",
]
