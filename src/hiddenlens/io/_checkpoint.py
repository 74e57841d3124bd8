"""Training checkpoints: weights, optimizer state and the shuffling generator, no pickle.

The file is a safetensors file like a model file, with "optimizer.<param>.<key>" tensors, the
generator state as "rng" (uint8) and the run's configuration and epoch in its JSON metadata.
"""

from __future__ import annotations

import numpy as np
import torch

from hiddenlens.io._native import (
    model_metadata,
    model_tensors,
    net_from_parts,
    pack,
    unpack,
)
from hiddenlens.io._read import MAX_MODEL_BYTES, read_file

KIND = "hiddenlens-checkpoint"
MAX_CHECKPOINT_BYTES = 4 * MAX_MODEL_BYTES  # weights and an optimizer's two moments


def save_checkpoint(path, net, opt, generator, config: dict, epoch: int, overwrite: bool) -> None:
    from hiddenlens._files import atomic_write_bytes

    tensors = model_tensors(net)
    scalars = {}
    for p_idx, state in opt.state_dict()["state"].items():
        for key, value in state.items():
            if torch.is_tensor(value):
                tensors[f"optimizer.{p_idx}.{key}"] = value.detach().numpy().copy()
            else:
                scalars[f"{p_idx}.{key}"] = value
    tensors["rng"] = generator.get_state().numpy().copy()
    meta = dict(model_metadata(net), format=KIND, config=config, epoch=epoch,
                optimizer_scalars=scalars)
    atomic_write_bytes(path, pack(tensors, meta), overwrite=overwrite)


def load_checkpoint(path, net, opt, generator, config: dict) -> int:
    """Restore `net`, `opt` and `generator` in place; return the number of epochs done."""
    data = read_file(path, "checkpoint file", MAX_CHECKPOINT_BYTES,
                     "start a new run: a checkpoint holds the network and its optimizer state")
    tensors, meta = unpack(data, path, kind=KIND)
    saved = meta.get("config", {})
    differ = [f"{k}={saved.get(k)!r} (now {v!r})" for k, v in config.items()
              if k != "epochs" and saved.get(k) != v]
    if meta.get("dataset") != net.dataset:
        differ.append(f"data set {meta.get('dataset')!r} (now {net.dataset!r})")
    if meta["sizes"] != net.sizes or meta["activations"] != net.activations:
        differ.append(f"network {meta['sizes']} {meta['activations']}")
    if differ:
        raise ValueError(
            f"{path} is a checkpoint of a different run ({', '.join(differ)}); resume with the "
            "same settings or start a new run."
        )
    restored = net_from_parts(tensors, meta, path)
    net.set_parameters(restored.weights, restored.biases)
    with torch.no_grad():
        net.module.mean.copy_(restored.module.mean)
        net.module.scale.copy_(restored.module.scale)
    net.history = restored.history
    state = {}
    for name, value in tensors.items():
        if name.startswith("optimizer."):
            _, p_idx, key = name.split(".", 2)
            state.setdefault(int(p_idx), {})[key] = torch.from_numpy(np.array(value))
    for name, value in meta.get("optimizer_scalars", {}).items():
        p_idx, key = name.split(".", 1)
        state.setdefault(int(p_idx), {})[key] = value
    opt.load_state_dict({"state": state, "param_groups": opt.state_dict()["param_groups"]})
    generator.set_state(torch.from_numpy(np.array(tensors["rng"])))
    return int(meta["epoch"])
