"""Torch's thread count for the length of a block: `with torch_threads(1): ...`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from hiddenlens._validation import check_positive_int


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with `n` torch threads, then restore the count, even on an exception.

    Parameters
    ----------
    n : int or None
        Threads (>= 1). None keeps torch's setting. One thread makes results independent of
        the machine's core count and is fastest for small matrices.
    """
    if n is not None:
        n = check_positive_int(n, "threads")
    before = torch.get_num_threads()
    if n is not None and n != before:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


@contextmanager
def blas_threads(n: int | None) -> Iterator[None]:
    """Run the block with `n` BLAS threads for numpy and scipy (threadpoolctl), then restore.

    Parameters
    ----------
    n : int or None
        Threads (>= 1). None keeps the setting. numpy's BLAS threads and torch's OpenMP
        threads spin while they wait: on a shared machine the two pools running small
        products in turn slow each other down several times over.
    """
    if n is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(check_positive_int(n, "threads"), user_api="blas"):
        yield
