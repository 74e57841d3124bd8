"""The command line reads well: help panels without the source's line breaks, a figure's
format checked before any work, Ctrl-C as one sentence and status 130, flags in messages."""

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import hiddenlens as hl
from hiddenlens.cli import app, main

SRC = str(Path(__file__).resolve().parents[1] / "src")
runner = CliRunner()


def _commands(command=None, path=()):
    """(path, click command) of every command and subcommand of the app."""
    command = command or typer.main.get_command(app)
    for name, sub in getattr(command, "commands", {}).items():
        yield (*path, name), sub
        yield from _commands(sub, (*path, name))


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("m") / "iris.safetensors"
    net = hl.train(hl.DenseNet([4, 3, 3], "tanh", random_state=0), "iris", epochs=2,
                   progress=False)
    return hl.save_model(net, path)


# ------------------------------------------------------------------ help
def test_every_help_keeps_each_paragraph_on_one_line():
    seen = 0
    for path, command in _commands():
        for text in (command.help or "", command.short_help or ""):
            assert not re.search(r"[^\n]\n[^\n]", text), (path, text)
        seen += 1
    assert seen >= 25  # every command, the show and experiment groups and theirs


def test_the_command_list_breaks_no_sentence(monkeypatch):
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "200"}, terminal_width=200)
    assert result.exit_code == 0
    lines = [line for line in result.output.splitlines() if "│" in line]
    patch = next(line for line in lines if " patch " in line)
    assert "carry the first one's class (activation patching)" in patch
    neuron = next(line for line in lines if " neuron " in line)
    assert "its 9 most and 9 least activating examples" in neuron


@pytest.mark.parametrize("path", [p for p, c in _commands() if not hasattr(c, "commands")],
                         ids=lambda p: " ".join(p))
def test_every_command_help_renders(path):
    result = runner.invoke(app, [*path, "--help"], terminal_width=100)
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert "Usage:" in result.output


# ------------------------------------------------------------------ the output, first
@pytest.mark.parametrize("args", [
    ["show", "fields", "{model}"], ["show", "trace", "{model}"], ["show", "diagram", "{model}"],
    ["ablate", "{model}"], ["maximize", "{model}"], ["neuron", "{model}", "--unit", "0"],
    ["importance", "{model}"], ["conductance", "{model}", "--index", "0"],
    ["patch", "{model}", "--from", "0", "--to", "1"], ["attribute", "{model}"],
], ids=lambda a: a[0] if a[0] != "show" else "show " + a[1])
def test_a_bad_figure_extension_is_refused_before_the_model_is_read(model, tmp_path,
                                                                    monkeypatch, capsys, args):
    from hiddenlens.cli import _app

    def never(*a, **k):
        raise AssertionError("the model was read before the output was checked")

    monkeypatch.setattr(_app, "load_model_arg", never)
    for module in ("_show", "_causal", "_neuron", "_attribute"):
        monkeypatch.setattr(f"hiddenlens.cli.{module}.load_model_arg", never)
    out = tmp_path / "figure.jpg"
    argv = [a.format(model=model) for a in args] + ["-o", str(out)]
    monkeypatch.setattr(sys, "argv", ["hiddenlens", *argv])
    t0 = time.perf_counter()
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 1 and time.perf_counter() - t0 < 1.0
    assert capsys.readouterr().err.strip() == (
        f"error: -o/--output must name a .png, .svg or .pdf file (the format follows the "
        f"suffix). Got {out} instead.")
    assert not out.exists()


def test_a_report_needs_an_html_name_before_anything_is_read(model, tmp_path, monkeypatch,
                                                             capsys):
    monkeypatch.setattr("hiddenlens.cli._report.load_model_arg",
                        lambda *a: pytest.fail("the model was read first"))
    monkeypatch.setattr(sys, "argv", ["hiddenlens", "report", str(model), "-o",
                                      str(tmp_path / "r.pdf")])
    with pytest.raises(SystemExit):
        main()
    assert "-o/--output must name an .html file (the report is one web page)" in \
        capsys.readouterr().err


# ------------------------------------------------------------------ Ctrl-C
@pytest.mark.parametrize("where, args", [
    ("hiddenlens.explain._ascent.RowAdam.ascend",
     ["maximize", "{model}", "--layer", "0", "--n-iterations", "100000", "-o", "{t}/m.png"]),
    ("hiddenlens._training._Loop.run_epoch",
     ["train", "--sizes", "4-3-3", "--data", "iris", "--epochs", "100000", "-o",
      "{t}/new.safetensors"]),
    ("hiddenlens.report._figures.inline_png",
     ["report", "{model}", "-o", "{t}/report.html"]),
], ids=["maximize", "train", "report"])
def test_ctrl_c_is_one_sentence_and_status_130(model, tmp_path, where, args):
    script = tmp_path / "run.py"
    script.write_text(_script(where))
    out = tmp_path / "out"
    out.mkdir()
    argv = [a.format(model=model, t=out) for a in args]
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    run = subprocess.run([sys.executable, str(script), "-", *argv], capture_output=True,
                         text=True, env=env, timeout=300,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert run.returncode == 130, run.stderr[-3000:]
    assert run.stderr == "interrupted; nothing half-written was kept.\n", run.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == []  # no output, no temporary file


def _script(where: str) -> str:
    """A Python script that runs the command line with `where` (module.attr or
    module.Class.method) wrapped to send SIGINT to itself on its third call."""
    module, *attrs = where.split(".")
    while True:  # the longest importable module prefix
        try:
            __import__(module + "." + attrs[0])
            module, attrs = module + "." + attrs[0], attrs[1:]
        except ImportError:
            break
    return textwrap.dedent(f"""
        import importlib, os, signal, sys
        sys.argv = ["hiddenlens", *sys.argv[2:]]
        owner = importlib.import_module({module!r})
        for attr in {attrs[:-1]!r}:
            owner = getattr(owner, attr)
        real, calls = getattr(owner, {attrs[-1]!r}), [0]

        def interrupting(*args, **kwargs):
            calls[0] += 1
            if calls[0] == 3:  # well inside the long part: Ctrl-C, as a user presses it
                os.kill(os.getpid(), signal.SIGINT)
            return real(*args, **kwargs)

        setattr(owner, {attrs[-1]!r}, interrupting)
        from hiddenlens.cli import main
        main()
    """)


def test_readme_says_saliency_is_signed_by_default():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    line = next(line for line in readme.splitlines() if line.startswith("hl.saliency(net, X, y)"))
    assert "signed" in line and "abs=True as Captum's default" not in line
