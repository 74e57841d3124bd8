"""The one progress bar: a terminal, a pipe or a notebook; free when it is off."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from hiddenlens._progress import progress_bar

SRC = str(Path(__file__).resolve().parents[1] / "src")


def test_a_disabled_bar_imports_and_draws_nothing():
    code = ("import sys\n"
            "from hiddenlens._progress import progress_bar\n"
            "with progress_bar(False, 10, 'work') as advance:\n"
            "    advance(); advance(3, description='epoch 1/2')\n"
            "assert 'rich' not in sys.modules and 'torch' not in sys.modules\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=SRC), timeout=60)
    assert result.returncode == 0 and result.stdout == "", result.stderr


def _drawn(**options) -> str:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=100)  # a pipe, a log file
    with progress_bar(True, 10, "training", console=console, **options) as advance:
        advance(4)
        advance(0, description="epoch 1/2 test acc 0.900")
        advance(6)
    return out.getvalue()


def test_an_enabled_bar_draws_to_a_non_terminal_with_its_new_description():
    text = _drawn(transient=False)
    assert "epoch 1/2 test acc 0.900" in text and "100%" in text and "training" not in text
    assert "\x1b" not in text  # no cursor control codes in a file
    assert "bytes" in _drawn(transient=False, unit="bytes")
    assert _drawn(transient=True).strip() == ""  # a transient bar leaves nothing behind


def test_a_bar_of_unknown_length_and_a_bad_unit():
    with progress_bar(True, None, "download", console=Console(file=io.StringIO())) as advance:
        advance(1 << 16)
    with pytest.raises(ValueError, match="`unit` must be one of 'steps', 'bytes'. Got 'kg' "
                                         "instead."):
        with progress_bar(False, 1, "x", unit="kg"):
            pass
