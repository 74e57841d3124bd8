"""Functions from sibling issues that the pages show when they are present in this build."""

from __future__ import annotations

import importlib

PUBLIC_MODULES = ("hiddenlens", "hiddenlens.explain", "hiddenlens.plot")


def optional(module: str, name: str):
    """Return `name` from `module` (or from any public module), or None when this build of
    hiddenlens does not have it."""
    for where in (module, *PUBLIC_MODULES):
        try:
            return getattr(importlib.import_module(where), name)
        except (ImportError, AttributeError):
            continue
    return None
