"""The command line's own words for the API's sentences.

The Python API names its arguments (`target_column`, ``overwrite=True``); a user of the
command line gives flags. `cli_sentence` rewrites a message for the command that was run: a
backticked argument the command has as a flag becomes the flag, and the few phrases that
speak of Python become the command line's. The API's messages stay as they are.
"""

from __future__ import annotations

import re

# Python phrases and what the command line says instead.
PHRASES = {
    "pass overwrite=True (--force on the command line) to replace it": "pass --force to "
                                                                       "replace it",
    "pass max_bytes= to load_model (hiddenlens --max-model-mb N on the command line)":
        "give hiddenlens --max-model-mb N before the command",
    "with or without overwrite (--force)": "with or without --force",
    ", None or a numpy.random.Generator": "",
    " (or None)": "",
}
# Python arguments whose flag is not their name with dashes.
RENAMED = {"overwrite": "--force", "output": "-o/--output"}
_BACKTICKED = re.compile(r"`(-{0,2}[A-Za-z_][A-Za-z0-9_-]*)(=?)`")


def cli_sentence(message: str, args: list[str]) -> str:
    """`message` in the words of the command `args` runs: its flags for Python arguments."""
    for python, cli in PHRASES.items():
        message = message.replace(python, cli)
    flags = command_flags(args)

    def flag(match: re.Match) -> str:
        name = match.group(1)
        if name.startswith("-"):  # already a flag: drop the code quotes
            return name
        candidate = RENAMED.get(name, "--" + name.replace("_", "-"))
        return candidate if candidate.split("/")[-1] in flags else match.group(0)

    return _BACKTICKED.sub(flag, message)


def command_flags(args: list[str]) -> set[str]:
    """The long flags of the (sub)command that `args` names, e.g. {"--layer", "--k", ...}."""
    import typer

    from hiddenlens.cli._app import app

    command = typer.main.get_command(app)
    for token in args:  # a group's subcommand by name; options and values are passed over
        if token in getattr(command, "commands", {}):
            command = command.commands[token]
    return {opt for param in command.params for opt in param.opts if opt.startswith("--")}
