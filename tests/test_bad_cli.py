"""Bad arguments through the command line, `python -m hiddenlens ...` in subprocesses (a few
side by side): counts that are negative, zero or huge, unknown names, bad --sizes text, bad
ports, bad CSVs and an existing -o without --force. Each must exit non-zero with one line on
stderr, no traceback, and leave the folder as it was."""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import hiddenlens as hl
from _bad_inputs import check_sentence, snapshot

HUGE = str(10**12)


def _folder(t: Path) -> None:
    """Every input the cases need, built in `t`."""
    hl.save_model(hl.DenseNet([4, 3, 3], "tanh", data_name="iris", random_state=0),
                  t / "iris.safetensors")
    hl.save_model(hl.DenseNet([784, 6, 10], data_name="mnist-embedded", image_shape=(28, 28),
                              random_state=0), t / "digits.safetensors")
    (t / "folder.safetensors").mkdir()
    (t / "empty.csv").write_text("")
    (t / "header-only.csv").write_text("a,b,c,d,label\n")
    rows = "".join(f"{i},{i % 3},{i % 5},{i % 7},{i % 3}\n" for i in range(30))
    (t / "ok.csv").write_text("a,b,c,d,label\n" + rows)
    (t / "words.csv").write_text("a,b,c,d,label\n" + rows.replace("1,", "one,", 3))
    (t / "nan.csv").write_text("a,b,c,d,label\n" + rows + "nan,1,1,1,0\n")
    (t / "inf.csv").write_text("a,b,c,d,label\n" + rows + "inf,1,1,1,0\n")
    (t / "existing.safetensors").write_text("precious")
    (t / "existing.png").write_text("precious")


IRIS, DIGITS = "{t}/iris.safetensors", "{t}/digits.safetensors"
OUT = ["-o", "{t}/out.png"]
CASES = [
    # id, arguments ({t} is the folder), words on stderr
    ("train-sizes-huge", ["train", "--sizes", "784-100000000-10", "-o", "{t}/m.safetensors"],
     "at most 100,000,000 parameters"),
    ("train-sizes-text", ["train", "--sizes", "784-abc-10", "-o", "{t}/m.safetensors"],
     "--sizes must look like 784-100-10. Got '784-abc-10' instead."),
    ("train-sizes-zero", ["train", "--sizes", "4-0-3", "--data", "iris", "-o",
                          "{t}/m.safetensors"], "each >= 1"),
    ("train-sizes-one", ["train", "--sizes", "4", "--data", "iris", "-o", "{t}/m.safetensors"],
     "at least two layer widths"),
    ("train-epochs-zero", ["train", "--sizes", "4-3", "--data", "iris", "--epochs", "0", "-o",
                           "{t}/m.safetensors"], "--epochs"),
    ("train-epochs-huge", ["train", "--sizes", "4-3", "--data", "iris", "--epochs", HUGE, "-o",
                           "{t}/m.safetensors"], "--epochs"),
    ("train-batch-negative", ["train", "--sizes", "4-3", "--data", "iris", "--batch-size",
                              "-4", "-o", "{t}/m.safetensors"], "--batch-size"),
    ("train-existing-output", ["train", "--sizes", "4-3", "--data", "iris", "-o",
                               "{t}/existing.safetensors"], "already exists; pass --force"),
    ("train-unknown-column", ["train", "--sizes", "4-3", "--data", "{t}/ok.csv",
                              "--target-column", "nope", "-o", "{t}/m.safetensors"], "nope"),
    ("attribute-steps-huge", ["attribute", DIGITS, "--n-steps", HUGE, *OUT],
     "--n-steps must be an integer in 1..1,000"),
    ("attribute-steps-zero", ["attribute", DIGITS, "--n-steps", "0", *OUT],
     "--n-steps must be an integer in 1..1,000"),
    ("attribute-steps-negative", ["attribute", DIGITS, "--n-steps", "-3", *OUT],
     "Got -3 instead"),
    ("attribute-samples-zero", ["attribute", DIGITS, "--method", "smoothgrad", "--n-samples",
                                "0", *OUT], "--n-samples must be an integer >= 1"),
    ("attribute-samples-huge", ["attribute", DIGITS, "--method", "smoothgrad", "--n-samples",
                                HUGE, *OUT], "use a smaller --n-samples"),
    ("attribute-window-zero", ["attribute", DIGITS, "--method", "occlusion", "--window", "0",
                               *OUT], "--window must be an integer >= 1"),
    ("attribute-stride-negative", ["attribute", DIGITS, "--method", "occlusion", "--stride",
                                   "-2", *OUT], "--stride must be an integer >= 1"),
    ("attribute-unknown-method", ["attribute", DIGITS, "--method", "telepathy", *OUT],
     "telepathy"),
    ("attribute-index-huge", ["attribute", DIGITS, "--index", HUGE, *OUT], "--index"),
    ("attribute-existing-output", ["attribute", DIGITS, "-o", "{t}/existing.png"],
     "already exists; pass --force"),
    ("maximize-iterations-huge", ["maximize", DIGITS, "--n-iterations", str(10**9), *OUT],
     "--n-iterations must be an integer in 1..1,000,000"),
    ("maximize-iterations-zero", ["maximize", DIGITS, "--n-iterations", "0", *OUT],
     "--n-iterations must be an integer in 1..1,000,000"),
    ("conductance-steps-huge", ["conductance", DIGITS, "--index", "0", "--n-steps", HUGE,
                                *OUT], "--n-steps must be an integer in 1..1,000"),
    ("importance-k-zero", ["importance", IRIS, "--k", "0", *OUT], "--k must be"),
    ("importance-k-negative", ["importance", IRIS, "--k", "-3", *OUT], "--k must be"),
    ("importance-repeats-zero", ["importance", IRIS, "--n-repeats", "0", *OUT],
     "--n-repeats must be an integer >= 1"),
    ("importance-repeats-huge", ["importance", IRIS, "--n-repeats", HUGE, *OUT],
     "use a smaller --n-repeats"),
    ("importance-unknown-method", ["importance", IRIS, "--method", "astrology", *OUT],
     "astrology"),
    ("importance-unknown-scoring", ["importance", IRIS, "--scoring", "happiness", *OUT],
     "happiness"),
    ("importance-lek-one-point", ["importance", IRIS, "--method", "lek", "--n-points", "1",
                                  *OUT], "--n-points must be an integer >= 2"),
    ("importance-empty-csv", ["importance", IRIS, "--data", "{t}/empty.csv", *OUT],
     "empty.csv"),
    ("importance-header-only-csv", ["importance", IRIS, "--data", "{t}/header-only.csv", *OUT],
     "header-only.csv"),
    ("importance-words-csv", ["importance", IRIS, "--data", "{t}/words.csv", *OUT],
     "words.csv"),
    ("importance-nan-csv", ["importance", IRIS, "--data", "{t}/nan.csv", *OUT], "nan.csv"),
    ("importance-inf-csv", ["importance", IRIS, "--data", "{t}/inf.csv", *OUT], "inf.csv"),
    ("importance-unknown-column", ["importance", IRIS, "--data", "{t}/ok.csv",
                                   "--target-column", "nope", *OUT], "nope"),
    ("ablate-k-zero", ["ablate", IRIS, "--k", "0", *OUT], "--k must be"),
    ("patch-k-zero", ["patch", IRIS, "--from", "0", "--to", "1", "--k", "0", *OUT],
     "--k must be"),
    ("show-jacobian-n-zero", ["show", "composite", DIGITS, "--method", "jacobian", "-n", "0",
                              *OUT], "-n must be an integer >= 1. Got 0 instead."),
    ("show-fields-layer-huge", ["show", "fields", IRIS, "--layer", "99", *OUT], "99"),
    ("describe-layer-negative", ["describe", IRIS, "--layer", "-9"], "-9"),
    ("serve-port-negative", ["serve", IRIS, "--port", "-1"], "The port must be in 0..65535"),
    ("serve-port-huge", ["serve", IRIS, "--port", "99999"], "The port must be in 0..65535"),
    # what typer itself refuses: one line too, not its boxed panel under a usage line
    ("serve-port-text", ["serve", IRIS, "--port", "abc"],
     "Invalid value for '--port': Input should be a valid integer"),
    ("unknown-option", ["evaluate", IRIS, "--bogus"],
     "No such option: --bogus; see hiddenlens evaluate --help."),
    ("unknown-command", ["nosuch"], "No such command 'nosuch'; see hiddenlens --help."),
    ("missing-model", ["attribute"], "Missing argument 'model'; see hiddenlens attribute --help."),
    ("model-is-a-folder", ["evaluate", "{t}/folder.safetensors"], "is a folder"),
]


def _run(t: Path, args: list[str]) -> tuple[int, str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), COLUMNS="400")
    run = subprocess.run([sys.executable, "-m", "hiddenlens", *(a.format(t=t) for a in args)],
                         capture_output=True, text=True, env=env, timeout=300)
    return run.returncode, run.stderr


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    t = tmp_path_factory.mktemp("badcli")
    _folder(t)
    before = snapshot(t)
    with ThreadPoolExecutor(4) as pool:  # four at a time: each imports torch
        results = pool.map(lambda case: _run(t, case[1]), CASES)
        out = {case[0]: result for case, result in zip(CASES, results)}
    return out, snapshot(t) == before


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_cli_refuses_in_one_line(runs, case):
    name, _, words = case
    code, err = runs[0][name]
    assert code != 0, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    text = lines[0].removeprefix("error: ")
    assert words in check_sentence(Exception(text)), text


def test_nothing_was_written_or_changed(runs):
    assert runs[1]
