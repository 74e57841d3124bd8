"""torch_threads: the one way to limit torch's threads for a block."""

import pytest
import torch

from hiddenlens._threads import torch_threads


def _other(n: int) -> int:
    return 1 if n != 1 else 2


def test_torch_threads_sets_and_restores_even_on_an_exception():
    before = torch.get_num_threads()
    with torch_threads(_other(before)):
        assert torch.get_num_threads() == _other(before)
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError, match="boom"), torch_threads(_other(before)):
        raise RuntimeError("boom")
    assert torch.get_num_threads() == before
    with torch_threads(None):
        assert torch.get_num_threads() == before


@pytest.mark.parametrize("n", [0, -1, "2", 2.0, True])
def test_torch_threads_refuses_what_is_not_a_count(n):
    before = torch.get_num_threads()
    with pytest.raises(ValueError) as info, torch_threads(n):
        pass
    assert str(info.value) == f"`threads` must be an integer >= 1. Got {n!r} instead."
    assert torch.get_num_threads() == before
