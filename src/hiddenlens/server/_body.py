"""Reading a request body: bounded in bytes, in JSON nesting and number length, then the input.

Python's parser fails on its own terms past these bounds: a RecursionError for JSON nested a
thousand deep, a message about ``sys.set_int_max_str_digits()`` for a 5,000-digit integer (and
quadratic time before it). `check_json` scans the bytes first, so each gets one sentence that
says what to send instead. An input's numbers must fit the model's float type: 3e39 is finite
in JSON and infinite in float32.
"""

from __future__ import annotations

import json
import re

import numpy as np
from starlette.requests import Request

from hiddenlens.server._errors import BadRequest

MAX_DEPTH = 32    # {"x": [...]} is 2 deep
MAX_DIGITS = 50   # JavaScript and Python write at most 17 significant digits, 21 before the point
# a JSON string, escapes included; an unterminated one runs to the end (one pass, no backtracking)
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"?', re.S)
_LONG_NUMBER = re.compile(rb"[0-9]{%d,}" % (MAX_DIGITS + 1))
_OPEN = np.frombuffer(b"[{", dtype=np.uint8)
_CLOSE = np.frombuffer(b"]}", dtype=np.uint8)
EXAMPLE = 'like {"x": [0.0, 0.5, ...]}'


def check_json(body: bytes) -> None:
    """Refuse (400) JSON nested deeper than MAX_DEPTH or with a run of over MAX_DIGITS digits,
    before a parser sees it. Strings are blanked first: their brackets and digits are text."""
    bare = _STRING.sub(b'""', body)
    long = _LONG_NUMBER.search(bare)
    if long:
        raise BadRequest(f"Numbers in the request body must have at most {MAX_DIGITS} digits. "
                         f"Got one of {len(long.group())} digits instead.")
    b = np.frombuffer(bare, dtype=np.uint8)
    steps = np.isin(b, _OPEN).astype(np.int64) - np.isin(b, _CLOSE)
    depth = int(np.cumsum(steps).max(initial=0))
    if depth > MAX_DEPTH:
        raise BadRequest(f"The request body's JSON must be nested at most {MAX_DEPTH} levels "
                         f"deep, {EXAMPLE}. Got {depth} levels instead.")


async def read_body(request: Request) -> bytes:
    """The request's bytes, refusing (413) bodies over the app's limit before reading them all."""
    limit = request.app.state.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BadRequest(f"The request body is {declared} bytes; the limit is {limit}.", 413)
    chunks, size = [], 0
    async for chunk in request.stream():  # ClientDisconnect if the client hangs up: CatchAll
        size += len(chunk)
        if size > limit:
            raise BadRequest(f"The request body is over the limit of {limit} bytes.", 413)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request) -> dict:
    """The request's JSON object: bounded in size, nesting and digits."""
    body = await read_body(request)
    check_json(body)
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest(f"The request body must be JSON, {EXAMPLE}.") from None
    if not isinstance(data, dict):
        raise BadRequest('The request body must be a JSON object, like {"x": [...]}.')
    return data


def check_input(x, n_inputs: int, dtype: str) -> list:
    """`x` as a list of exactly n_inputs numbers (booleans refused), each finite in `dtype`."""
    if not isinstance(x, list) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in x
    ):
        raise BadRequest(f"`x` must be a list of {n_inputs} numbers.")
    if len(x) != n_inputs:
        raise BadRequest(f"`x` must be a list of {n_inputs} numbers. Got {len(x)} instead.")
    big = float(np.finfo(dtype).max)
    a = np.asarray(x, dtype=np.float64)  # an int of <= 50 digits is a finite float64
    out = np.flatnonzero(~(np.abs(a) <= big))  # NaN too
    if out.size:
        i = int(out[0])
        raise BadRequest(f"`x[{i}]` must be a finite number within ±{big:.6g}, the range of "
                         f"the model's {dtype}. Got {x[i]!r} instead.")
    return x


async def read_input(request: Request) -> list:
    """The body's `x`, checked against the explorer's model."""
    net = request.app.state.explorer.net
    return check_input((await read_json(request)).get("x"), net.n_inputs, net.dtype_name)
