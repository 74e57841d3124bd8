"""Safe file writing: nothing is overwritten unless asked, nothing but a regular file is ever
replaced, nothing is left half-written, and every failure names the user's file.

Every file hiddenlens writes (models, checkpoints, ONNX, figures, reports, tables, JSON,
downloads) goes through `atomic_path` or its two wrappers.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
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
