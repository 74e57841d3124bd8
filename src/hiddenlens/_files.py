"""Safe file reading and writing, every failure said in one sentence naming the user's file.

Reading: every model, checkpoint and data file goes through `read_file`. The path must be a
str or a PathLike, the file a regular file (a FIFO would hang, /dev/zero never ends) no
larger than a stated limit, read with at most limit + 1 bytes so that a file growing under
us is caught too; `gunzip` inflates with the same kind of bound.

Writing: nothing is overwritten unless asked, nothing but a regular file is ever replaced,
nothing is left half-written. Every file hiddenlens writes (models, checkpoints, ONNX,
figures, reports, tables, JSON, downloads) goes through `atomic_path` or its two wrappers.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import io
import os
import stat
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path


def check_path(path, name: str = "path") -> Path:
    """`path` as a Path; TypeError for anything that is not a str or os.PathLike."""
    if isinstance(path, (str, os.PathLike)):
        try:
            path = os.fspath(path)
        except TypeError:
            path = None
    if not isinstance(path, str):
        text = repr(path)
        text = text if len(text) <= 60 else text[:57] + "..."
        raise TypeError(
            f"`{name}` must be a file path (a str or a pathlib.Path). Got {text} instead."
        )
    if not path or "\0" in path:
        what = "is empty" if not path else "contains a NUL character"
        raise ValueError(f"`{name}` {what}; give the path of a file. Got {path!r} instead.")
    return Path(path)


def file_kind(mode: int) -> str:
    """What a file of st_mode `mode` is, for messages: "a named pipe (FIFO)", "a socket"."""
    kinds = [(stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link"),
             (stat.S_ISREG, "a regular file")]
    return next((name for test, name in kinds if test(mode)), "a special file")


def check_writable(path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Return `path` as a Path, refusing what must not be replaced.

    A folder, FIFO, device or socket is refused with or without `overwrite` (replacing
    /dev/null with a regular file would break the system); an existing regular file is
    refused unless `overwrite`; the folder must exist.
    """
    path = check_path(path)
    try:
        st = os.stat(path)  # through symbolic links: what a write would replace
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _write_error(exc, path) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(f"{path} is a folder; give a file name to write to.")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise ValueError(
            f"{path} is {file_kind(st.st_mode)}, not a regular file; hiddenlens replaces only "
            "regular files, with or without overwrite (--force): choose another output file."
        )
    if (st is not None or os.path.islink(path)) and not overwrite:
        raise FileExistsError(
            f"{path} already exists; pass overwrite=True (--force on the command line) "
            "to replace it."
        )
    if not path.parent.exists():
        raise FileNotFoundError(f"{path} cannot be written: the folder {path.parent} does not "
                                "exist; create it first.")
    if not path.parent.is_dir():
        raise NotADirectoryError(f"{path.parent} is a file, not a folder; {path} cannot be "
                                 "written inside it.")
    return path


def make_folder(path: str | os.PathLike) -> Path:
    """Create the folder `path` (and its parents) unless it exists, in one sentence if not."""
    path = check_path(path)
    if path.exists() and not path.is_dir():
        raise FileExistsError(f"{path} is a file, not a folder; give a folder to write into.")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = _REASONS.get(exc.errno, (exc.strerror or type(exc).__name__).lower())
        raise type(exc)(f"Cannot create the folder {path}: {reason}.") from None
    return path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds.

    The temporary name keeps the suffix so that writers which look at it (matplotlib) work.
    An OSError (a read-only folder, a full disk) names `path`, never the temporary file.
    """
    path = check_writable(path, overwrite)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix,
                                   dir=path.parent)
    except OSError as exc:
        raise _write_error(exc, path) from None
    os.close(fd)
    tmp = Path(tmp)
    try:
        try:
            yield tmp
        except OSError as exc:
            if tmp.name in str(exc) or exc.filename is not None:
                raise _write_error(exc, path) from None
            raise
        check_writable(path, overwrite)  # again: the name may have been taken meanwhile
        try:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file a normal mode
            os.replace(tmp, path)
        except OSError as exc:
            raise _write_error(exc, path) from None
    finally:
        if tmp.exists():
            tmp.unlink()


_REASONS = {
    errno.EACCES: "permission denied (the folder is not writable)",
    errno.EPERM: "the operation is not permitted there",
    errno.EROFS: "the folder is on a read-only file system",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.ENAMETOOLONG: "the name is too long",
    errno.ELOOP: "the path is a symbolic link that loops back on itself",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
}


def _write_error(exc: OSError, path: Path) -> OSError:
    """The OSError `exc` met writing `path`, said in one sentence that names `path`."""
    reason = _REASONS.get(exc.errno, (exc.strerror or type(exc).__name__).lower())
    return type(exc)(f"Cannot write {path}: {reason}; choose another place to write it.")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike, data: bytes, overwrite: bool = False) -> Path:
    """Write `data` to `path` through a temporary file and a rename."""
    with atomic_path(path, overwrite) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str, overwrite: bool = False) -> Path:
    """Write `text` to `path` as UTF-8 through a temporary file and a rename."""
    return atomic_write_bytes(path, text.encode("utf-8"), overwrite)


# ------------------------------------------------------------------ reading
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
              hint: str | None = None) -> bytes:
    """The bytes of the regular file at `path`, at most `max_bytes` of them.

    Parameters
    ----------
    path : str or os.PathLike
    what : str, default="model file"
        What the file should be, for messages ("checkpoint file", "data file").
    max_bytes : int, optional
        Refuse larger files. Default: `MAX_MODEL_BYTES`.
    hint : str, optional
        What to do about a file that is too large, said after the limit. Default: if it
        really is a model, raise the limit (`MODEL_LIMIT_HINT`).
    """
    path = check_path(path)
    hint = hint or f"if it really is one, {MODEL_LIMIT_HINT}"
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
        data = f.read(min(st.st_size, limit) + 1)  # read(n) allocates n bytes at once
        if len(data) > st.st_size:  # it grew, or a special file reports no size: go on
            buffer = bytearray(data)
            while len(buffer) <= limit and (chunk := f.read(min(1 << 20, limit + 1 - len(buffer)))):
                buffer += chunk
            data = bytes(buffer)
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
        f"{path} {how} the {size_text(limit)} {_a(what)} may be; {hint}."
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
