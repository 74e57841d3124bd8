"""Explanations: pure functions returning numbers; nothing here draws."""

from hiddenlens.explain._receptive_fields import receptive_fields

__all__ = ["receptive_fields"]
