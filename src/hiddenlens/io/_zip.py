"""Zip containers (.keras, .npz) read within bounds, and .npy arrays read without numpy.load.

Sizes come from the central directory and are checked before anything is inflated: the
number of members, each member's compression (stored or deflated) and encryption, and the
total inflated size against the caller's limit. zipfile never inflates a member past the
size the directory declares, so a member that lies about its size is caught by its CRC.
An .npy member's header is read by hand and its declared shape checked against the bytes
that hold it before an array is made over them.
"""

from __future__ import annotations

import io
import math
import zipfile
import zlib

import numpy as np

from hiddenlens.io._read import size_text

MAX_MEMBERS = 10_000
METHODS = {0: "stored", 1: "shrunk", 6: "imploded", 8: "deflated", 9: "deflate64",
           12: "bzip2", 14: "lzma", 93: "zstandard", 98: "ppmd", 99: "AES-encrypted"}


def zip_names(data: bytes) -> list[str] | None:
    """The member names of a zip archive, or None when it is damaged or holds too many."""
    count = _declared_members(data)
    if count is None or count > MAX_MEMBERS:
        return None
    try:
        return zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, NotImplementedError):
        return None


def read_members(data: bytes, path, names, max_bytes: int, hint: str) -> dict[str, bytes]:
    """Inflate the members `names` (every member when None) of the archive `data`.

    Refused in one sentence naming `path`: a damaged archive, more than MAX_MEMBERS members,
    an encrypted member or one compressed other than stored/deflated, members that would
    inflate to more than `max_bytes` together, and a corrupt compressed stream.
    """
    count = _declared_members(data)
    if count is not None and count > MAX_MEMBERS:
        raise ValueError(f"{path} is a zip archive of {count:,} members; a model file has a "
                         f"few, and at most {MAX_MEMBERS:,} are read.")
    damaged = f"{path} is a truncated or damaged zip archive; save the model again."
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if names is None or i.filename in names]
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, NotImplementedError):
        raise ValueError(damaged) from None
    total = 0
    for info in infos:
        _check_member(info, path)
        total += info.file_size
        if total > max_bytes:
            raise ValueError(
                f"{path} would inflate to more than {size_text(max_bytes)} ({info.filename} "
                f"alone is {size_text(info.file_size)}), more than a model file may hold; if "
                f"it really is a model, {hint}."
            )
    out = {}
    for info in infos:
        try:
            with archive.open(info) as f:
                out[info.filename] = f.read(info.file_size)
        except zlib.error:
            raise ValueError(
                f"{path} holds a corrupt compressed stream in {info.filename}; the archive is "
                "damaged: save the model again."
            ) from None
        except (zipfile.BadZipFile, EOFError, ValueError, OSError, NotImplementedError,
                RuntimeError):
            raise ValueError(damaged) from None
    return out


def _check_member(info: zipfile.ZipInfo, path) -> None:
    if info.flag_bits & 0x1:
        raise ValueError(
            f"{path} is password-protected ({info.filename} is encrypted); hiddenlens reads "
            "unencrypted archives: save the model again without a password."
        )
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        method = METHODS.get(info.compress_type, f"method {info.compress_type}")
        raise ValueError(
            f"{path} compresses {info.filename} as {method}; hiddenlens reads zip members that "
            "are stored or deflated, as Keras and NumPy write them: save the file again."
        )


def _declared_members(data: bytes) -> int | None:
    """The member count in the end-of-central-directory record (zip64 too), None if absent."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 12 > len(data):
        return None
    count = int.from_bytes(data[end + 10 : end + 12], "little")
    if count == 0xFFFF:  # zip64: the real count is in the zip64 end record before
        end64 = data.rfind(b"PK\x06\x06", 0, end)
        if end64 >= 0 and end64 + 40 <= len(data):
            count = int.from_bytes(data[end64 + 32 : end64 + 40], "little")
    return count


def npy_array(raw: bytes, name: str, path) -> np.ndarray:
    """The array in the .npy bytes `raw` (member `name` of `path`), read-only, no pickle."""
    damaged = (f"{path}'s array {name} has a damaged .npy header; save the arrays again with "
               "numpy.savez.")
    f = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(f)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}[version]
        shape, fortran, dtype = read_header(f)
    except (ValueError, KeyError, TypeError, SyntaxError, OverflowError, MemoryError,
            RecursionError):
        raise ValueError(damaged) from None
    if dtype.hasobject:
        raise ValueError(
            f"{path}'s array {name} holds pickled Python objects, which are never loaded; save "
            "plain numeric arrays (and strings) with numpy.savez."
        )
    size = math.prod(shape) * dtype.itemsize
    if dtype.itemsize == 0 or any(d < 0 for d in shape) or size != len(raw) - f.tell():
        raise ValueError(
            f"{path}'s array {name} declares shape {shape} of {dtype}, which does not match the "
            f"{size_text(len(raw) - f.tell())} stored for it; the file is damaged."
        )
    array = np.frombuffer(raw, dtype=dtype, count=math.prod(shape), offset=f.tell())
    return array.reshape(shape, order="F" if fortran else "C")
