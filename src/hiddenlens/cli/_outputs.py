"""The files a command writes, checked before any work: a figure's format follows its suffix,
so `-o fields.jpg` is refused at once, not after seconds of loading and drawing."""

from __future__ import annotations

from pathlib import Path

FIGURE_SUFFIXES = (".png", ".svg", ".pdf")
REPORT_SUFFIXES = (".html", ".htm")


def figure_output(path: Path, force: bool) -> Path:
    """-o/--output of a command that draws: a .png, .svg or .pdf file that may be written."""
    return _output(path, force, FIGURE_SUFFIXES, "a .png, .svg or .pdf file (the format "
                                                 "follows the suffix)")


def report_output(path: Path, force: bool) -> Path:
    """-o/--output of `hiddenlens report`: an .html file that may be written."""
    return _output(path, force, REPORT_SUFFIXES, "an .html file (the report is one web page)")


def _output(path: Path, force: bool, suffixes: tuple[str, ...], what: str) -> Path:
    from hiddenlens._files import check_writable

    if Path(path).suffix.lower() not in suffixes:
        raise ValueError(f"-o/--output must name {what}. Got {path} instead.")
    return check_writable(path, force)
