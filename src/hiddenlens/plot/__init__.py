"""Figures: Display objects that draw what `hiddenlens.explain` computes."""

from hiddenlens.plot._grid import save_figure
from hiddenlens.plot._receptive_fields import ReceptiveFieldsDisplay
from hiddenlens.plot._trace import TraceDisplay

__all__ = ["ReceptiveFieldsDisplay", "TraceDisplay", "save_figure"]
from hiddenlens.plot._attribution import AttributionDisplay  # noqa: E402
from hiddenlens.plot._importance import ImportanceDisplay, LekProfileDisplay  # noqa: E402

__all__ += ["AttributionDisplay", "ImportanceDisplay", "LekProfileDisplay"]
