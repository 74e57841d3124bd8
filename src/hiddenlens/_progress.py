"""The one progress bar: a rich bar in a terminal or a Jupyter notebook, free when disabled.

rich draws it on stdout (the CLI's errors go to stderr, undisturbed); its Console detects
Jupyter and draws the bar there too (through ipywidgets: ``pip install hiddenlens[notebook]``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from hiddenlens._validation import check_choice

UNITS = ("steps", "bytes")


def _nothing(k: float = 1, description: str | None = None) -> None:
    """The `advance` of a disabled bar."""


@contextmanager
def progress_bar(enabled: bool, total: int | None, description: str, *,
                 unit: str = "steps", transient: bool = True,
                 console=None) -> Iterator[Callable[..., None]]:
    """Show a progress bar while the block runs; yield ``advance(k=1, description=None)``.

    Parameters
    ----------
    enabled : bool
        False: nothing is imported or drawn, and `advance` does nothing.
    total : int or None
        Steps (or bytes) of the whole task; None while unknown (a pulsing bar).
    description : str
        The bar's label; ``advance(0, description=...)`` changes it (training's epoch line).
    unit : {"steps", "bytes"}, default="steps"
        "bytes" shows the size done and the transfer speed (downloads) instead of a percentage.
    transient : bool, default=True
        Remove the bar when the block ends; False leaves its last state on screen.
    console : rich.console.Console, optional
        Where to draw (default: rich's console on stdout).

    Yields
    ------
    advance : callable
        ``advance(k=1, description=None)``: k more steps done, and optionally a new label.
    """
    check_choice(unit, "unit", UNITS)
    if not enabled:
        yield _nothing
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    amount = (DownloadColumn(), TransferSpeedColumn()) if unit == "bytes" else \
        (TaskProgressColumn(),)
    with Progress(TextColumn("{task.description}"), BarColumn(), *amount,
                  TimeRemainingColumn(), transient=transient, console=console) as bar:
        task = bar.add_task(description, total=total)

        def advance(k: float = 1, description: str | None = None) -> None:
            bar.update(task, advance=k, description=description)

        yield advance
