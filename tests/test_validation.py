"""The shared argument checks: one sentence each, "`name` must be <what>. Got <value> instead"."""

import math

import numpy as np
import pytest

from hiddenlens._validation import (
    check_choice,
    check_fraction,
    check_positive_int,
    check_random_state,
    check_real,
    integer_seed,
)


@pytest.mark.parametrize("call,value", [
    (lambda v: check_real(v, "lr", 0, closed="neither"), 0.5),
    (lambda v: check_real(v, "dropout", 0, 1, closed="left"), 0.0),
    (lambda v: check_real(v, "threshold", 0), 0),
    (lambda v: check_real(v, "shift"), -3.5),
    (lambda v: check_fraction(v, "max_samples"), 1),
    (lambda v: check_positive_int(v, "k"), np.int64(3)),
    (lambda v: check_choice(v, "by", ("norm", "influence")), "norm"),
])
def test_a_valid_argument_is_returned(call, value):
    assert call(value) == value


@pytest.mark.parametrize("call,value,message", [
    (lambda v: check_real(v, "lr", 0, closed="neither"), 0, "`lr` must be a number > 0."),
    (lambda v: check_real(v, "lr", 0, closed="neither"), math.inf, "`lr` must be a number > 0."),
    (lambda v: check_real(v, "dropout", 0, 1, closed="left"), 1, "`dropout` must be in [0, 1)."),
    (lambda v: check_real(v, "threshold", 0), -1e-9, "`threshold` must be a number >= 0."),
    (lambda v: check_real(v, "gamma", high=1, closed="neither"), 1,
     "`gamma` must be a number < 1."),
    (lambda v: check_real(v, "shift"), math.nan, "`shift` must be a finite number."),
    (lambda v: check_real(v, "shift"), "1", "`shift` must be a finite number."),
    (lambda v: check_real(v, "shift"), True, "`shift` must be a finite number."),
    (lambda v: check_fraction(v, "max_samples"), 0.0, "`max_samples` must be in (0, 1]."),
    (lambda v: check_fraction(v, "max_samples"), 1.5, "`max_samples` must be in (0, 1]."),
    (lambda v: check_positive_int(v, "k"), 0, "`k` must be an integer >= 1."),
    (lambda v: check_positive_int(v, "k"), 2.0, "`k` must be an integer >= 1."),
    (lambda v: check_choice(v, "by", ("norm", "influence")), "rank",
     "`by` must be one of 'norm', 'influence'."),
])
def test_a_bad_argument_is_one_sentence(call, value, message):
    with pytest.raises(ValueError) as info:
        call(value)
    assert str(info.value) == f"{message} Got {value!r} instead."


def test_check_random_state_same_int_same_draws():
    a, b = check_random_state(7), check_random_state(np.int64(7))
    np.testing.assert_array_equal(a.random(5), b.random(5))
    assert isinstance(check_random_state(None), np.random.Generator)
    fresh = [check_random_state(None).random(5) for _ in range(2)]
    assert not np.array_equal(*fresh)  # fresh entropy each time
    rng = np.random.default_rng(0)
    assert check_random_state(rng) is rng  # its stream continues, it is not reseeded


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True, np.random.RandomState(0)])
def test_check_random_state_refuses_anything_else(bad):
    with pytest.raises(ValueError) as info:
        check_random_state(bad)
    assert str(info.value) == ("`random_state` must be an int >= 0, None or a "
                               f"numpy.random.Generator. Got {bad!r} instead.")


def test_integer_seed_keeps_an_int_and_draws_one_from_a_generator():
    assert integer_seed(7) == 7 and integer_seed(np.int64(7)) == 7
    rng = np.random.default_rng(3)
    assert integer_seed(rng) == int(np.random.default_rng(3).integers(2**32))
    assert integer_seed(rng) != integer_seed(np.random.default_rng(3))  # the stream moved on
    assert 0 <= integer_seed(None) < 2**32
    with pytest.raises(ValueError, match=r"^`random_state` must be an int >= 0, None or a "):
        integer_seed("7")
