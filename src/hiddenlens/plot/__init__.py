"""Figures: Display objects that draw what `hiddenlens.explain` computes."""

from hiddenlens.plot._attribution import AttributionDisplay
from hiddenlens.plot._grid import save_figure
from hiddenlens.plot._importance import ImportanceDisplay, LekProfileDisplay
from hiddenlens.plot._receptive_fields import ReceptiveFieldsDisplay
from hiddenlens.plot._trace import TraceDisplay

__all__ = ["ReceptiveFieldsDisplay", "TraceDisplay", "save_figure"]
__all__ += ["AttributionDisplay", "ImportanceDisplay", "LekProfileDisplay"]
