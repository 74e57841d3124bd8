"""Run a parser that may never return in a forked child, with a time limit.

libhdf5 (2.0.0, bundled with h5py 3.16) loops forever on some damaged files: a .h5 or
.keras with nine bytes inserted in the right place hangs `h5py.File(...).attrs[...]` in C,
where no Python signal can interrupt it. So the HDF5 part of a Keras import runs in a child
process made by fork (cheap: the file's bytes are shared, nothing is imported again) that
sends back a small JSON document and numpy arrays (np.save without pickle); the parent kills
it past the deadline and says so in one sentence. Where fork is not available (or not
safe, as on macOS) the parser runs in-process.
"""

from __future__ import annotations

import io
import json
import os
import select
import signal
import sys
import time
from collections.abc import Callable

import numpy as np

BASE_SECONDS = 30.0
ERRORS = {"ValueError": ValueError, "TypeError": TypeError,
          "FileNotFoundError": FileNotFoundError, "OSError": OSError}


def time_limit(n_bytes: int) -> float:
    """Seconds a parser of `n_bytes` may take: BASE_SECONDS (30), plus 1 s per 20 MB."""
    return BASE_SECONDS + n_bytes / 20e6


def run_isolated(work: Callable[[], tuple[dict, list[np.ndarray]]], path,
                 timeout: float) -> tuple[dict, list[np.ndarray]]:
    """work() -> (JSON-able dict, arrays), computed in a child process killed after
    `timeout` seconds; ValueError, TypeError and OSError raised by `work` are raised here."""
    if not hasattr(os, "fork") or not sys.platform.startswith("linux"):
        return work()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(work, write_end)
    os.close(write_end)
    try:
        raw = _read_until(read_end, time.monotonic() + timeout)
    except TimeoutError:
        os.kill(pid, signal.SIGKILL)
        raise ValueError(
            f"{path} could not be read in {timeout:.0f} seconds: the HDF5 library loops on it, "
            "so it is damaged or was made to hang readers; save the model again."
        ) from None
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    return _decode(raw, path)


def _child(work, fd: int) -> None:
    code = 0
    try:
        try:
            doc, arrays = work()
            payload = {"doc": doc}
        except tuple(ERRORS.values()) as exc:
            name = next(n for n, t in ERRORS.items() if isinstance(exc, t))
            payload, arrays = {"error": [name, str(exc)]}, []
        header = json.dumps(payload).encode()
        out = io.BytesIO()  # np.save to a real file writes past Python's buffer: not here
        out.write(len(header).to_bytes(8, "little") + header)
        for array in arrays:
            np.save(out, array, allow_pickle=False)
        view = memoryview(out.getbuffer())
        while view:
            view = view[os.write(fd, view):]
    except BaseException:  # anything else: the parent reports a failed read
        code = 1
    finally:
        os._exit(code)


def _read_until(fd: int, deadline: float) -> bytes:
    chunks = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _decode(raw: bytes, path) -> tuple[dict, list[np.ndarray]]:
    n = int.from_bytes(raw[:8], "little")
    if len(raw) < 8 + n:
        raise ValueError(f"{path} could not be read: its HDF5 parser stopped unexpectedly.")
    payload = json.loads(raw[8 : 8 + n])
    if "error" in payload:
        kind, message = payload["error"]
        raise ERRORS[kind](message)
    stream, arrays = io.BytesIO(raw[8 + n :]), []
    while stream.tell() < len(raw) - 8 - n:
        arrays.append(np.load(stream, allow_pickle=False))
    return payload["doc"], arrays
