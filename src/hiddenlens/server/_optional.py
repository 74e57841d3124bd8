"""Functions from sibling issues that the pages show when they are present in this build."""

from __future__ import annotations

import importlib


def optional(module: str, name: str):
    """Return `module.name`, or None when this build of hiddenlens does not have it yet."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None
