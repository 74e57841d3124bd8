"""Figures: Display objects that draw what `hiddenlens.explain` computes."""

from hiddenlens.plot._grid import save_figure
from hiddenlens.plot._neuron import LayerMaximizeDisplay, NeuronCardDisplay
from hiddenlens.plot._receptive_fields import ReceptiveFieldsDisplay
from hiddenlens.plot._trace import TraceDisplay

__all__ = ["ReceptiveFieldsDisplay", "TraceDisplay", "save_figure"]
__all__ += ["LayerMaximizeDisplay", "NeuronCardDisplay"]
