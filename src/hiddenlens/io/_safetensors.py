"""safetensors files read by hand, and a PyTorch state dict ("0.weight", "0.bias") -> DenseNet.

A safetensors file is an 8-byte little-endian header length, a JSON header naming each
tensor's dtype, shape and byte range, and the bytes. Reading it here rather than through the
safetensors package lets every dtype, shape and range be checked with one sentence, and the
header JSON be bounded like every other JSON hiddenlens reads.

Weights and biases must be floating-point: F64 and F32 are read as they are, F16 and BF16
widened exactly to float32 (numpy has no bfloat16). Integer and boolean tensors are read
(a checkpoint's generator state is U8, a state dict may hold a BatchNorm's I64 counter) but
never taken as weights; 8-bit floats and any other dtype are refused.
safetensors holds tensors and nothing that runs, but not the activations between them, so
those must be given.
"""

from __future__ import annotations

import math
import re

import numpy as np

from hiddenlens.io._arrays import from_arrays, require_activations
from hiddenlens.io._read import MB, check_path, parse_json, read_file, short

DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2", "I64": "<i8", "I32": "<i4",
          "I16": "<i2", "I8": "i1", "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1",
          "BOOL": "?"}
FLOAT_ADVICE = ("hiddenlens reads weights stored as F64 or F32 (and F16 or BF16, widened to "
                "float32): save them with tensor.float() instead")
MAX_HEADER_BYTES = 100 * MB  # the safetensors package's own limit


def read_safetensors(data: bytes, path) -> tuple[dict[str, np.ndarray], dict]:
    """(tensors by name, the header's "__metadata__" dict of strings) of a safetensors file."""
    damaged = f"{path} is truncated or is not a safetensors file; it cannot be read."
    n = int.from_bytes(data[:8], "little")
    if len(data) < 8 or n > min(len(data) - 8, MAX_HEADER_BYTES):
        raise ValueError(damaged)
    header = parse_json(data[8 : 8 + n], path, "safetensors header", damaged)
    meta = header.pop("__metadata__", None) if isinstance(header, dict) else None
    if not isinstance(header, dict) or not (meta is None or isinstance(meta, dict) and all(
            isinstance(v, str) for v in meta.values())):
        raise ValueError(damaged)
    body = memoryview(data)[8 + n :]
    return {name: _tensor(name, info, body, path) for name, info in header.items()}, meta or {}


def _tensor(name: str, info, body: memoryview, path) -> np.ndarray:
    try:
        dtype, shape, (start, end) = info["dtype"], list(info["shape"]), info["data_offsets"]
    except (TypeError, KeyError, ValueError):
        raise ValueError(f"{path} describes tensor {short(name)} without a dtype, shape and "
                         "byte range; the file is damaged.") from None
    if dtype not in DTYPES:
        raise ValueError(f"{path} stores tensor {short(name)} as {short(dtype, 20)}; "
                         f"{FLOAT_ADVICE}.")
    numbers = [x for x in (*shape, start, end) if isinstance(x, int) and not isinstance(x, bool)]
    itemsize = np.dtype(DTYPES[dtype]).itemsize
    if len(numbers) == len(shape) + 2 and 0 <= start <= end and end > len(body):
        raise ValueError(f"{path} is truncated or is not a safetensors file: tensor "
                         f"{short(name)} ends past the end of the file; it cannot be read.")
    if len(numbers) != len(shape) + 2 or min(numbers) < 0 or not start <= end \
            or math.prod(shape) * itemsize != end - start:
        raise ValueError(
            f"{path} gives tensor {short(name)} a shape and byte range "
            f"{short(shape, 40)} {short(start, 20)}..{short(end, 20)} that does not fit its "
            f"{len(body):,} bytes of data; the file is damaged."
        )
    array = np.frombuffer(body[start:end], dtype=DTYPES[dtype]).reshape(shape)
    if dtype == "BF16":  # the high half of a float32
        return (array.astype("<u4") << 16).view("<f4")
    return array.astype(np.float32) if dtype == "F16" else array


def from_safetensors(path, *, activation=None, output_activation=None, **metadata):
    """Import the Linear layers of an nn.Sequential saved with ``safetensors.torch.save_file``.

    Parameters
    ----------
    path : path
        Tensors named ``<layer>.weight`` (n_out, n_in) and ``<layer>.bias``, in layer order
        by name (``0.``, ``2.``, ``10.`` or ``fc1.``, ``fc2.``), stored as F32 or F64 (F16 and
        BF16 are widened to float32; other dtypes are refused).
    activation : str or sequence of str
        Hidden activation(s): the file does not say; required when there is a hidden layer.
    output_activation : {"softmax", "sigmoid", "linear"}
        Output activation; required.
    **metadata
        dtype, class_names, feature_names, image_shape, task.

    Returns
    -------
    DenseNet
    """
    path = check_path(path)
    return state_dict_from_bytes(read_file(path), path, activation, output_activation,
                                 **metadata)


def state_dict_from_bytes(data: bytes, path, activation=None, output_activation=None,
                          **metadata):
    """`from_safetensors` of the bytes of the file at `path`."""
    tensors, _ = read_safetensors(data, path)
    layers = _layers(tensors, path)
    require_activations(path, [name for name, _, _ in layers], activation, output_activation)
    weights = [w for _, w, _ in layers]
    biases = [b if b is not None else np.zeros(w.shape[0], w.dtype) for _, w, b in layers]
    return from_arrays(weights, biases, activation=activation,
                       output_activation=output_activation, orientation="out_in", **metadata)


def _layers(tensors: dict, path) -> list[tuple[str, np.ndarray, np.ndarray | None]]:
    """(name, weight (n_out, n_in), bias (n_out,) or None) per layer, in natural name order."""
    prefixes = [k[: -len(".weight")] for k, v in tensors.items()
                if k.endswith(".weight") and v.ndim == 2]
    used = {f"{p}.weight" for p in prefixes} | {f"{p}.bias" for p in prefixes}
    other = sorted(set(tensors) - used)
    if other or not prefixes:
        raise ValueError(
            f"{path} is a safetensors file but not a hiddenlens-model file, nor a state dict "
            "of dense layers ('<layer>.weight' matrices and '<layer>.bias' vectors): it also "
            f"holds {', '.join(other[:5]) or 'no weight matrix'}."
        )
    prefixes.sort(key=lambda p: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p)])
    for name in sorted(used & set(tensors)):
        if tensors[name].dtype.kind != "f":
            raise ValueError(f"{path} stores tensor {name!r} as {tensors[name].dtype}; "
                             f"{FLOAT_ADVICE}.")
    return [(p, tensors[f"{p}.weight"], tensors.get(f"{p}.bias")) for p in prefixes]
