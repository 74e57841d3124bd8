"""The `hiddenlens` command: thin wrappers over the public API.

Every command module registers on `app`; `main` turns a user's mistake (ValueError,
TypeError, OSError) into one sentence on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import sys
import warnings

# Each module registers its commands on `app` when imported.
from hiddenlens.cli import (  # noqa: F401
    _attribute,
    _causal,
    _demo,
    _experiment,
    _import,
    _neuron,
    _report,
    _serve,
    _show,
    _train,
    _trust,
)
from hiddenlens.cli._app import app, err_console


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as one line on stderr, like errors: no file name, no source line."""
    err_console.print(f"[bold yellow]warning:[/] {message}", highlight=False, soft_wrap=True)


def main() -> None:
    warnings.showwarning = _one_line_warning
    try:
        app()
    except (ValueError, TypeError, OSError) as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("interrupted; nothing half-written was kept.")
        sys.exit(130)
