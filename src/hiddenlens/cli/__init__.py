"""The `hiddenlens` command: thin wrappers over the public API.

Every command module registers on `app`; `main` turns a user's mistake (ValueError,
TypeError, OSError) into one sentence on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import sys

from hiddenlens.cli import _demo, _train  # noqa: F401  (they register commands)
from hiddenlens.cli import _neuron as _neuron_commands  # noqa: F401
from hiddenlens.cli._app import app, err_console


def main() -> None:
    try:
        app()
    except (ValueError, TypeError, OSError) as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("interrupted; nothing half-written was kept.")
        sys.exit(130)
