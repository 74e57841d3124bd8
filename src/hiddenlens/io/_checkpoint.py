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
from hiddenlens.io._read import MAX_MODEL_BYTES, read_file, short

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
    """Restore `net`, `opt` and `generator` in place; return the number of epochs done.

    Everything is checked before anything is restored: a checkpoint refused in one sentence
    leaves the network, the optimizer and the generator as they were.
    """
    data = read_file(path, "checkpoint file", MAX_CHECKPOINT_BYTES,
                     "it is not a checkpoint of a network hiddenlens can train")
    tensors, meta = unpack(data, path, kind=KIND)
    saved, epoch = meta.get("config"), meta.get("epoch")
    if not isinstance(saved, dict):
        raise _damaged(path, f"records its run's settings as {short(saved)}")
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise _damaged(path, f"records {short(epoch)} epochs done")
    differ = [f"{k}={short(saved.get(k), 30)} (now {v!r})" for k, v in config.items()
              if k != "epochs" and saved.get(k) != v]
    if meta.get("dataset") != net.data_name:
        differ.append(f"data set {short(meta.get('dataset'), 30)} (now {net.data_name!r})")
    if meta["sizes"] != net.sizes or meta["activations"] != net.activations:
        differ.append(f"network {short(meta['sizes'], 40)} {short(meta['activations'], 40)}")
    if differ:
        raise ValueError(
            f"{path} is a checkpoint of a different run ({', '.join(differ)}); resume with the "
            "same settings or start a new run."
        )
    restored = net_from_parts(tensors, meta, path)
    state = _optimizer_state(tensors, meta.get("optimizer_scalars", {}), opt, path)
    rng = _generator_state(tensors.get("rng"), generator, path)
    try:
        opt.load_state_dict({"state": state, "param_groups": opt.state_dict()["param_groups"]})
    except (ValueError, KeyError, TypeError, RuntimeError):
        raise _damaged(path, "holds optimizer state this optimizer cannot take") from None
    net.set_parameters(restored.weights, restored.biases)
    with torch.no_grad():
        net.module.mean.copy_(restored.module.mean)
        net.module.scale.copy_(restored.module.scale)
    net.history = restored.history
    generator.set_state(rng)
    return epoch


def _optimizer_state(tensors: dict, scalars, opt, path) -> dict:
    """{parameter index: {key: value}} from "optimizer.<index>.<key>" tensors and
    "<index>.<key>" scalars, each checked against the parameter it belongs to."""
    params = [p for group in opt.param_groups for p in group["params"]]
    if not isinstance(scalars, dict):
        raise _damaged(path, f"records optimizer scalars {short(scalars)}")
    state: dict[int, dict] = {}
    entries = [(name.removeprefix("optimizer."), value, True) for name, value in tensors.items()
               if name.startswith("optimizer.")] + [(k, v, False) for k, v in scalars.items()]
    for name, value, is_tensor in entries:
        index, _, key = name.partition(".")
        if not (index.isdigit() and key and int(index) < len(params)):
            raise _damaged(path, f"holds optimizer state {name!r}, which names none of the "
                                 f"network's {len(params)} parameters (<index>.<key>)")
        shape = tuple(params[int(index)].shape)
        if is_tensor and (value.dtype.kind != "f" or value.ndim and value.shape != shape):
            raise _damaged(path, f"holds optimizer state {name!r} of shape {value.shape} and "
                                 f"dtype {value.dtype} for a parameter of shape {shape}")
        if not is_tensor and not isinstance(value, (int, float, bool, type(None))):
            raise _damaged(path, f"holds optimizer state {name!r} = {short(value)}")
        state.setdefault(int(index), {})[key] = \
            torch.from_numpy(np.array(value)) if is_tensor else value
    return state


def _generator_state(rng, generator, path) -> torch.Tensor:
    """The saved state of the shuffling generator, checked on a scratch generator first."""
    expected = generator.get_state()
    if rng is None or rng.dtype != np.uint8 or rng.shape != tuple(expected.shape):
        raise _damaged(path, f"holds a shuffling-generator state that is not the "
                             f"{expected.numel():,} bytes torch keeps")
    state = torch.from_numpy(np.array(rng))
    try:
        torch.Generator().set_state(state)
    except (RuntimeError, ValueError):
        raise _damaged(path, "holds a shuffling-generator state torch refuses") from None
    return state


def _damaged(path, what: str) -> ValueError:
    return ValueError(f"{path} {what}; the checkpoint is damaged: start a new run.")
