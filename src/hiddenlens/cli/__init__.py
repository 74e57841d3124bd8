"""The `hiddenlens` command: thin wrappers over the public API.

Every command module registers on `app`; `main` turns a user's mistake (ValueError,
TypeError, OSError) into one sentence on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import sys

import hiddenlens.cli._attribute  # noqa: F401  (registers `attribute` and `importance`)
import hiddenlens.cli._import  # noqa: F401  (registers `hiddenlens import`)
import hiddenlens.cli._report  # noqa: F401  (registers `report`)
import hiddenlens.cli._serve  # noqa: F401  (registers `serve`)
from hiddenlens.cli import (  # noqa: F401  (they register commands)  # noqa: F401
    _demo,
    _experiment,
    _neuron,  # noqa: F401
    _show,
    _train,
)
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
