"""Bad files through the command line, `python -m hiddenlens ...` in subprocesses run side by
side: a non-zero exit, one line on stderr, no traceback, and nothing written."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import hiddenlens as hl
from _bad_inputs import check_sentence, deflate_zeros, keras_config, nested, raw_zip, snapshot
from hiddenlens.io import _checkpoint, _native


def _folder(t: Path) -> dict:
    """Every input the cases need, built in `t`; returns names -> paths."""
    model = hl.save_model(hl.DenseNet([4, 3, 3], "tanh", data_name="iris"), t / "iris.safetensors")
    os.mkfifo(t / "pipe.safetensors")
    (t / "loop.onnx").symlink_to(t / "loop.onnx")
    (t / "deep.json").write_text(nested(100_000))
    bomb = {"name": "model.weights.h5", "payload": deflate_zeros(2300), "method": 8,
            "size": 2300 << 20}
    config = {"name": "config.json", "payload": json.dumps(keras_config()).encode()}
    (t / "bomb.keras").write_bytes(raw_zip([config, bomb]))
    try:
        os.mknod(t / "null.csv", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        (t / "null.csv").unlink(missing_ok=True)
        os.mkfifo(t / "null.csv")  # not root: a FIFO stands in for the device
    ckpt = t / "run.ckpt"
    hl.train(hl.DenseNet([4, 3]), "iris", epochs=1, checkpoint=ckpt, progress=False)
    tensors, meta = _native.unpack(ckpt.read_bytes(), ckpt, kind=_checkpoint.KIND)
    tensors["rng"] = np.arange(7, dtype=np.uint8)
    (t / "bad.ckpt").write_bytes(_native.pack(tensors, meta))
    ckpt.unlink()
    return {"model": model}


CASES = [
    # id, arguments ({t} is the folder), words on stderr
    ("dev-zero", ["evaluate", "/dev/zero"], "/dev/zero is a character device, not a regular"),
    ("fifo", ["evaluate", "{t}/pipe.safetensors"], "is a named pipe (FIFO), not a regular file"),
    ("symlink-loop", ["evaluate", "{t}/loop.onnx"], "is a symbolic link that loops back"),
    ("missing", ["evaluate", "{t}/nope.keras"], "No such model file"),
    ("limit", ["--max-model-mb", "0.0001", "evaluate", "{t}/iris.safetensors"],
     "more than the 100 bytes a model file may be; if it really is one, give hiddenlens "
     "--max-model-mb N before the command"),
    ("deep-json", ["import", "{t}/deep.json", "-o", "{t}/out.safetensors"],
     "nested more than 100 levels deep"),
    ("zip-bomb", ["evaluate", "{t}/bomb.keras"], "would inflate to more than 1,000 MB"),
    ("device-output-force", ["describe", "{t}/iris.safetensors", "--format", "csv", "-o",
                             "{t}/null.csv", "--force"], "not a regular file; hiddenlens "
                                                         "replaces only regular files"),
    ("resume-garbage-rng", ["train", "--sizes", "4-3", "--data", "iris", "--epochs", "2",
                            "--resume", "{t}/bad.ckpt", "-o", "{t}/new.safetensors"],
     "holds a shuffling-generator state that is not the 5,056 bytes torch keeps"),
]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    t = tmp_path_factory.mktemp("cli")
    _folder(t)
    before = snapshot(t)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), COLUMNS="400")
    procs = {name: subprocess.Popen(
        [sys.executable, "-m", "hiddenlens", *(a.format(t=t) for a in args)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for name, args, _ in CASES}
    out = {name: (p.wait(timeout=240), p.stderr.read()) for name, p in procs.items()}
    return out, snapshot(t) == before


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_cli_refuses_in_one_line(runs, case):
    name, _, words = case
    code, err = runs[0][name]
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    text = lines[0].removeprefix("error: ")
    assert words in check_sentence(Exception(text))


def test_the_cli_wrote_nothing(runs):
    assert runs[1]
