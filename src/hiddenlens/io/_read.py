"""Reading a file a user names: a regular file of bounded size, or one sentence saying why not.

Every model, checkpoint and data file goes through `read_file`: the path must be a str or a
PathLike, the file a regular file (a FIFO would hang, /dev/zero never ends) no larger than a
stated limit, read with at most limit + 1 bytes so that a file growing under us is caught too.
`gunzip` inflates with the same kind of bound.
"""

from __future__ import annotations

import errno
import gzip
import io
import json
import os
import stat
import zlib
from pathlib import Path

from hiddenlens._files import check_path, file_kind

MB = 1_000_000
MAX_MODEL_BYTES = 1000 * MB  # a 100-million-parameter float64 network is 800 MB
MODEL_LIMIT_HINT = "pass max_bytes= to load_model (hiddenlens --max-model-mb N on the command line)"


def check_max_bytes(max_bytes) -> int:
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int):
        raise TypeError(
            f"`max_bytes` must be an int (a number of bytes). Got {short(max_bytes)} instead."
        )
    if max_bytes < 1:
        raise ValueError(f"`max_bytes` must be >= 1. Got {max_bytes} instead.")
    return max_bytes


def size_text(n: int) -> str:
    """A size as users read it: "1,000 MB", "1.5 MB", "300 bytes"."""
    return f"{n:,} bytes" if n < MB else f"{n / MB:,.6g} MB"


def read_file(path, what: str = "model file", max_bytes: int | None = None,
              hint: str = MODEL_LIMIT_HINT) -> bytes:
    """The bytes of the regular file at `path`, at most `max_bytes` of them.

    Parameters
    ----------
    path : str or os.PathLike
    what : str, default="model file"
        What the file should be, for messages ("checkpoint file", "data file").
    max_bytes : int, optional
        Refuse larger files. Default: `MAX_MODEL_BYTES`.
    hint : str
        How to raise the limit, said when a file is too large.
    """
    path = check_path(path)
    limit = MAX_MODEL_BYTES if max_bytes is None else check_max_bytes(max_bytes)
    st = _stat(path, what)
    _check_regular(st.st_mode, path, what)
    if st.st_size > limit:
        raise _too_big(path, what, limit, hint, st.st_size)
    try:  # O_NONBLOCK: if a FIFO took the file's place since the stat, open does not hang
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise _os_error(exc, path, what) from None
    with os.fdopen(fd, "rb") as f:
        _check_regular(os.fstat(fd).st_mode, path, what)
        data = f.read(limit + 1)
    if len(data) > limit:  # it grew, or it is a special file that reports no size
        raise _too_big(path, what, limit, hint)
    if not data:
        raise ValueError(f"{path} is empty; it holds no {what.removesuffix(' file')}.")
    return data


def _stat(path: Path, what: str) -> os.stat_result:
    try:
        return os.stat(path)
    except OSError as exc:
        raise _os_error(exc, path, what) from None


def _check_regular(mode: int, path: Path, what: str) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"{path} is a folder; give the {what} inside it.")
    if not stat.S_ISREG(mode):
        raise ValueError(
            f"{path} is {file_kind(mode)}, not a regular file; hiddenlens reads {_a(what)} only "
            "from a regular file, so save it to one and give that."
        )


def _too_big(path: Path, what: str, limit: int, hint: str, size: int | None = None):
    how = f"is {size_text(size)}, more than" if size is not None else "holds more than"
    return ValueError(
        f"{path} {how} the {size_text(limit)} {_a(what)} may be; if it really is one, {hint}."
    )


def _os_error(exc: OSError, path: Path, what: str) -> OSError | ValueError:
    """One sentence naming `path` for an error of the operating system."""
    if exc.errno == errno.ENOENT:
        return FileNotFoundError(f"No such {what}: {path}.")
    if exc.errno == errno.ENOTDIR:
        return FileNotFoundError(f"No such {what}: {path} (a part of the path is a file, not a "
                                 "folder).")
    if exc.errno == errno.ELOOP:
        return ValueError(
            f"{path} is a symbolic link that loops back on itself through other links; point "
            f"it at the {what}."
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return PermissionError(f"{path} cannot be read: permission denied; make the {what} "
                               "readable or copy it somewhere you can read.")
    if exc.errno == errno.ENAMETOOLONG:
        return ValueError(f"The path {str(path)[:60]}... is too long for the file system.")
    reason = (exc.strerror or type(exc).__name__).lower()
    return OSError(f"{path} cannot be read as a {what}: {reason}.")


def _a(what: str) -> str:
    return ("an " if what[:1] in "aeiou" else "a ") + what


def gunzip(data: bytes, path, what: str, max_bytes: int) -> bytes:
    """Inflate gzip `data` (every member) to at most `max_bytes` bytes, with one sentence for
    a corrupt stream or a bigger result."""
    out = bytearray()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            while chunk := f.read(1 << 20):
                out += chunk
                if len(out) > max_bytes:
                    raise ValueError(
                        f"{path} inflates to more than {size_text(max_bytes)}, more than a "
                        f"{what} holds; it is not one (or it is a decompression bomb)."
                    )
    except (OSError, EOFError, zlib.error):
        raise ValueError(
            f"{path} is a damaged or truncated gzip file: its compressed data does not inflate; "
            "download or write it again."
        ) from None
    return bytes(out)


def short(value, n: int = 60) -> str:
    """repr(value), cut to `n` characters, for quoting a user's value in a message."""
    text = repr(value)
    return text if len(text) <= n else text[: n - 3] + "..."


# ------------------------------------------------------------------ JSON
MAX_JSON_DEPTH = 100  # a Keras configuration nests about 10 levels, network2.py JSON 3
MAX_INT_DIGITS = 20  # int64 has 19


class _LongInt(Exception):
    pass


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _LongInt(len(text.lstrip("-")))
    return int(text)


def parse_json(raw: bytes | str, path, what: str, damaged: str):
    """The JSON document in `raw`, refused in one sentence when it is damaged (`damaged`),
    nests deeper than MAX_JSON_DEPTH or holds an integer longer than MAX_INT_DIGITS."""
    try:
        doc = json.loads(raw, parse_int=_bounded_int)
    except _LongInt as exc:
        raise ValueError(
            f"{path} holds an integer of {exc.args[0]:,} digits; a {what} holds none longer "
            f"than {MAX_INT_DIGITS} digits, so it is damaged or is not one."
        ) from None
    except RecursionError:
        raise _too_deep(path, what) from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError(damaged) from None
    if json_depth(doc) > MAX_JSON_DEPTH:
        raise _too_deep(path, what)
    return doc


def _too_deep(path, what: str) -> ValueError:
    return ValueError(
        f"{path} holds JSON nested more than {MAX_JSON_DEPTH} levels deep; a {what} nests a "
        "few levels, so it is damaged or is not one."
    )


def json_depth(doc) -> int:
    """How deep lists and dicts nest in `doc` (0 for a scalar), counted without recursion and
    stopping past MAX_JSON_DEPTH."""
    deepest, stack = 0, [(doc, 1)] if isinstance(doc, (list, dict)) else []
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, depth + 1) for c in children if isinstance(c, (list, dict)))
    return deepest
