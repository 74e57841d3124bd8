"""The `hiddenlens` command: thin wrappers over the public API.

Every command module registers on `app`; `main` turns a user's mistake (ValueError,
TypeError, OSError) into one sentence on stderr, in the command line's words (its flags, not
Python's arguments), and exit status 1, never a traceback; Ctrl-C into one sentence and exit
status 130.
"""

from __future__ import annotations

import inspect
import re
import sys
import warnings

import typer

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
    from hiddenlens import _interrupt
    from hiddenlens.cli._errors import cli_sentence

    _interrupt.install()
    warnings.showwarning = _one_line_warning
    try:
        status = app(standalone_mode=False)
    except typer.Abort:
        _interrupt.stop()
    except typer.TyperException as exc:  # a flag's value, an unknown option or command
        if type(exc).__name__ == "NoArgsIsHelpError":  # a group alone: its help, printed
            sys.exit(getattr(exc, "exit_code", 2))
        err_console.print("[bold red]error:[/] " + _escape(_usage_sentence(exc)),
                          highlight=False, soft_wrap=True)  # one line, not typer's box
        sys.exit(getattr(exc, "exit_code", 2))
    except (ValueError, TypeError, OSError) as exc:
        message = cli_sentence(str(exc), sys.argv[1:])
        err_console.print("[bold red]error:[/] " + _escape(message), highlight=False,
                          soft_wrap=True)
        sys.exit(1)
    except (_interrupt.Interrupted, KeyboardInterrupt):
        _interrupt.stop()
    if isinstance(status, int) and status:
        sys.exit(status)


def _usage_sentence(exc) -> str:
    """A usage error in one line: "Invalid value for '--port': ...; see hiddenlens serve
    --help." (typer would draw it in a box under the usage line)."""
    message = " ".join(exc.format_message().split()).rstrip(".")
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "hiddenlens"
    command = "hiddenlens" + command.split("hiddenlens", 1)[1] if "hiddenlens" in command \
        else command
    return f"{message}; see {command} --help."


def _escape(text: str) -> str:
    """`text` for rich's markup: a "[" from a file name or a message is shown as it is."""
    from rich.markup import escape

    return escape(text)


def _one_paragraph_lines(doc: str | None) -> str | None:
    """A docstring for a help panel: each paragraph on one line (rich keeps the source's line
    breaks, so "carry\nthe first one's class" would break mid-sentence), paragraphs apart."""
    if not doc:
        return doc
    paragraphs = re.split(r"\n\s*\n", inspect.cleandoc(doc))
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


def _tidy_help(typer_app) -> None:
    """Every command's help (and its sub-apps'), one line per paragraph."""
    for info in typer_app.registered_commands:
        info.callback.__doc__ = _one_paragraph_lines(info.callback.__doc__)
        if info.help:
            info.help = _one_paragraph_lines(info.help)
    for group in typer_app.registered_groups:
        group.typer_instance.info.help = _one_paragraph_lines(group.typer_instance.info.help)
        _tidy_help(group.typer_instance)


_tidy_help(app)
