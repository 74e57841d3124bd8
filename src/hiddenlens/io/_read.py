"""JSON read within bounds, and (re-exported from hiddenlens._files) the bounded file reader
every model, checkpoint and data file goes through."""

from __future__ import annotations

import json

from hiddenlens._files import (  # noqa: F401  (the io modules import them from here)
    MAX_MODEL_BYTES,
    MB,
    MODEL_LIMIT_HINT,
    check_max_bytes,
    check_path,
    gunzip,
    read_file,
    short,
    size_text,
)

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
