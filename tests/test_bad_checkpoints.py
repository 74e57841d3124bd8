"""Bad checkpoints given to train(resume=...): one sentence naming the file, nothing written,
and the network, optimizer and generator left as they were."""

import json
import os

import numpy as np
import pytest
import torch

import hiddenlens as hl
from _bad_inputs import check_sentence, nested, snapshot
from hiddenlens.io import _checkpoint, _native

OPTIONS = dict(optimizer="adam", lr=0.01, batch_size=16, progress=False)
DROP = object()


@pytest.fixture(scope="module")
def iris():
    return hl.load_dataset("iris")


@pytest.fixture(scope="module")
def saved(tmp_path_factory, iris):
    """The bytes of a real one-epoch Adam checkpoint of a 4-3-3 network."""
    path = tmp_path_factory.mktemp("ckpt") / "run.ckpt"
    hl.train(hl.DenseNet([4, 3, 3], random_state=0), iris, epochs=1, checkpoint=path, **OPTIONS)
    return path.read_bytes()


def edit(tensors=None, **meta_changes):
    """A builder of a checkpoint whose tensors and metadata are changed (checksum redone)."""
    def build(data, t):
        tensors_, meta = _native.unpack(data, "x", kind=_checkpoint.KIND)
        tensors_ = {k: v for k, v in {**tensors_, **(tensors or {})}.items() if v is not DROP}
        meta = {k: v for k, v in {**meta, **meta_changes}.items() if v is not DROP}
        path = t / "bad.ckpt"
        path.write_bytes(_native.pack(tensors_, meta))
        return path
    return build


def raw(data_or_fn):
    def build(data, t):
        path = t / "bad.ckpt"
        path.write_bytes(data_or_fn(data) if callable(data_or_fn) else data_or_fn)
        return path
    return build


def fifo(data, t):
    os.mkfifo(t / "bad.ckpt")
    return t / "bad.ckpt"


def model_file(data, t):
    return hl.save_model(hl.DenseNet([4, 3, 3]), t / "model.safetensors")


ADAM = "optimizer.0.exp_avg"
CASES = [
    ("missing", lambda data, t: t / "nope.ckpt", FileNotFoundError, "No such checkpoint file"),
    ("fifo", fifo, ValueError, "is a named pipe (FIFO), not a regular file"),
    ("folder", lambda data, t: t, IsADirectoryError, "give the checkpoint file inside it"),
    ("empty", raw(b""), ValueError, "is empty; it holds no checkpoint"),
    ("random-bytes", raw(bytes(range(256)) * 4), ValueError, "is truncated or is not a"),
    ("truncated", raw(lambda d: d[: len(d) // 2]), ValueError, "is truncated"),
    ("model-not-checkpoint", model_file, ValueError,
     "is a 'hiddenlens-model' file, not a hiddenlens-checkpoint file"),
    ("rng-garbage", edit({"rng": np.arange(10, dtype=np.uint8)}), ValueError,
     "holds a shuffling-generator state that is not the 5,056 bytes torch keeps"),
    ("rng-float", edit({"rng": np.zeros(5056, np.float32)}), ValueError,
     "shuffling-generator state"),
    ("rng-missing", edit({"rng": DROP}), ValueError, "shuffling-generator state"),
    ("optimizer-wrong-shape", edit({ADAM: np.zeros((2, 2), np.float32)}), ValueError,
     "holds optimizer state '0.exp_avg' of shape (2, 2) and dtype float32 for a parameter of "
     "shape (3, 4)"),
    ("optimizer-int", edit({ADAM: np.zeros((3, 4), np.int64)}), ValueError,
     "'0.exp_avg' of shape (3, 4) and dtype int64"),
    ("optimizer-key-without-dot", edit({"optimizer.0": np.zeros(1, np.float32)}), ValueError,
     "holds optimizer state '0', which names none of the network's 4 parameters"),
    ("optimizer-key-not-index", edit({"optimizer.w.exp_avg": np.zeros(1, np.float32)}),
     ValueError, "holds optimizer state 'w.exp_avg'"),
    ("optimizer-index-too-big", edit({"optimizer.99.exp_avg": np.zeros(1, np.float32)}),
     ValueError, "'99.exp_avg', which names none"),
    ("scalar-key-without-dot", edit(optimizer_scalars={"0step": 1}), ValueError,
     "holds optimizer state '0step'"),
    ("scalar-junk", edit(optimizer_scalars={"0.step": [1, 2]}), ValueError,
     "holds optimizer state '0.step' = [1, 2]"),
    ("scalars-not-dict", edit(optimizer_scalars=[1]), ValueError,
     "records optimizer scalars [1]"),
    ("no-sizes", edit(sizes=DROP), ValueError, "does not record the network's sizes"),
    ("sizes-text", edit(sizes="4-3-3"), ValueError, "records sizes '4-3-3'"),
    ("no-activations", edit(activations=DROP), ValueError, "does not record the network's"),
    ("history-junk", edit(history=["epoch one"]), ValueError, "records history ['epoch one']"),
    ("history-not-list", edit(history={"a": 1}), ValueError, "records history {'a': 1}"),
    ("dataset-junk", edit(dataset=["iris"]), ValueError, "records dataset ['iris']"),
    ("dataset-huge", edit(dataset="x" * 5000), ValueError, "records dataset 'xxx"),
    ("config-junk", edit(config=[1, 2]), ValueError,
     "records its run's settings as [1, 2]; the checkpoint is damaged"),
    ("epoch-text", edit(epoch="three"), ValueError, "records 'three' epochs done"),
    ("epoch-negative", edit(epoch=-1), ValueError, "records -1 epochs done"),
    ("epoch-bool", edit(epoch=True), ValueError, "records True epochs done"),
    ("class-names-junk", edit(class_names="abc"), ValueError, "records class_names 'abc'"),
    ("deep-json", edit(config={"y": json.loads(nested(120))}), ValueError,
     "nested more than 100 levels deep"),
    ("long-int", edit(epoch=10**50), ValueError, "holds an integer of 51 digits"),
    ("other-run", edit(config={**dict(OPTIONS, epochs=1, lr=0.5)}), ValueError,
     "is a checkpoint of a different run"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_checkpoint_is_one_sentence_and_changes_nothing(tmp_path, saved, iris, case):
    _, build, kind, words = case
    path = build(saved, tmp_path)
    before = snapshot(tmp_path)
    net = hl.DenseNet([4, 3, 3], random_state=0)
    with pytest.raises(kind) as info:
        hl.train(net, iris, epochs=2, resume=path, **OPTIONS)
    assert words in check_sentence(info.value, path)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("name", ["rng-garbage", "optimizer-wrong-shape", "scalar-junk",
                                  "optimizer-key-without-dot"])
def test_a_refused_checkpoint_restores_nothing(tmp_path, saved, name):
    build = dict((c[0], c[1]) for c in CASES)[name]
    path = build(saved, tmp_path)
    net = hl.DenseNet([4, 3, 3], random_state=5, data_name="iris")
    opt = torch.optim.Adam(net.module.parameters(), lr=0.01)
    generator = torch.Generator().manual_seed(3)
    weights, state = [w.copy() for w in net.weights], generator.get_state().clone()
    with pytest.raises(ValueError):
        _checkpoint.load_checkpoint(path, net, opt, generator, {})
    assert all(np.array_equal(a, b) for a, b in zip(weights, net.weights))
    assert torch.equal(generator.get_state(), state) and not opt.state_dict()["state"]
