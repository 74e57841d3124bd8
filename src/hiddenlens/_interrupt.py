"""Ctrl-C on the command line: one sentence and exit status 130, never a traceback.

click and typer turn KeyboardInterrupt into a silent exit (typer: status 130, no word), and a
long computation may be deep in torch when it comes. `install` makes SIGINT raise
`Interrupted` instead, which neither catches, so it reaches `hiddenlens.cli.main`; every file
hiddenlens writes goes through a temporary name that is removed on the way out.
"""

from __future__ import annotations

import signal
import sys

MESSAGE = "interrupted; nothing half-written was kept."


class Interrupted(BaseException):
    """Ctrl-C (SIGINT) while a command runs; a BaseException, like KeyboardInterrupt, so that
    no `except Exception` swallows it."""


def _raise(signum, frame) -> None:
    raise Interrupted


def install() -> None:
    """Make SIGINT raise `Interrupted` (in the main thread; a no-op where signals are not
    ours to set, e.g. a thread or an embedding program that ignores them)."""
    try:
        if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
            signal.signal(signal.SIGINT, _raise)
    except ValueError:  # not the main thread
        pass


def stop() -> None:
    """Say so on stderr and exit with the shell's status for SIGINT."""
    sys.stderr.write(MESSAGE + "\n")
    sys.stderr.flush()
    sys.exit(130)
