"""Argument checks shared by every public function, with one error-message form:

    "`name` must be <what>. Got <value> instead."
"""

from __future__ import annotations

import math
from numbers import Real
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from hiddenlens.net import DenseNet


def check_layer(net: DenseNet, layer: int) -> int:
    """Return the non-negative index of `layer` (0 = first hidden layer, -1 = output)."""
    n = net.n_layers
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)):
        raise TypeError(f"`layer` must be an integer. Got {layer!r} instead.")
    if not -n <= layer < n:
        raise ValueError(
            f"`layer` must be in {-n}..{n - 1} for this {net.describe_sizes()} network "
            f"(0 is the first hidden layer, -1 the output). Got {layer} instead."
        )
    return int(layer) % n


def check_hidden_layer(net: DenseNet, layer: int) -> int:
    """Like `check_layer`, but the output layer is refused."""
    idx = check_layer(net, layer)
    if idx == net.n_layers - 1:
        hidden = net.n_layers - 1
        valid = f"0..{hidden - 1}" if hidden else "none: this network has no hidden layer"
        raise ValueError(
            f"`layer` must be a hidden layer ({valid}) for this {net.describe_sizes()} "
            f"network. Got {layer} (the output layer) instead."
        )
    return idx


def check_unit(net: DenseNet, layer: int, unit: int, name: str = "unit") -> int:
    """Return `unit` checked against the width of `layer`; errors call it `name`."""
    idx = check_layer(net, layer)
    width = net.sizes[idx + 1]
    if isinstance(unit, bool) or not isinstance(unit, (int, np.integer)):
        raise TypeError(f"`{name}` must be an integer. Got {unit!r} instead.")
    if not 0 <= unit < width:
        raise ValueError(
            f"`{name}` must be in 0..{width - 1} for layer {layer}, which has {width} units. "
            f"Got {unit} instead."
        )
    return int(unit)


def check_X(net: DenseNet, X, name: str = "X") -> np.ndarray:
    """Return `X` as a 2-D float array of shape (n, n_inputs); a single input becomes (1, n)."""
    try:
        X = np.asarray(X, dtype=np.float64 if net.dtype_name == "float64" else np.float32)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`{name}` must be an array of numbers. Got {short(X)} "
                        "instead.") from exc
    if X.ndim == 0:
        raise ValueError(
            f"`{name}` must be an array of examples, (n, {net.n_inputs}). Got the single "
            f"number {X.item()!r} instead."
        )
    if X.ndim == 1 or (X.ndim == 2 and X.shape[1] == 1 and X.shape[0] == net.n_inputs != 1):
        X = X.reshape(1, -1)  # one example, possibly a column vector as in network.py
    elif X.ndim > 2:
        X = X.reshape(X.shape[0], -1)  # (n, 28, 28) images -> (n, 784)
    if X.shape[1] != net.n_inputs:
        raise ValueError(
            f"`{name}` has {X.shape[1]} features per example but the network takes "
            f"{net.n_inputs} inputs."
        )
    if not np.all(np.isfinite(X)):
        raise ValueError(f"`{name}` contains NaN or infinite values; clean them first.")
    return X


def check_positive_int(value, name: str, minimum: int = 1, maximum: int | None = None,
                       why: str = "") -> int:
    """Return `value` as an int in `minimum`..`maximum` (not a bool, not a string of digits):
    the one check of every count argument.

    Parameters
    ----------
    value : int
    name : str
        The argument's name, for the error.
    minimum : int, default=1
    maximum : int, optional
        The largest count one call may ask for (see the bounds below); None: no bound.
    why : str, default=""
        Said after the range, e.g. " (quadrature points; 50 is usually plenty)".
    """
    ok = not isinstance(value, bool) and isinstance(value, (int, np.integer)) \
        and value >= minimum and (maximum is None or value <= maximum)
    if not ok:
        what = f">= {minimum}" if maximum is None else f"in {minimum}..{maximum:,}"
        raise ValueError(f"`{name}` must be an integer {what}{why}. Got {short(value)} "
                         "instead.")
    return int(value)


def short(value) -> str:
    """`value` for a message: its repr, but a huge int by its size and a long repr cut."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and \
            abs(int(value)) >= 10**15:
        return f"{int(value):.3e}".replace("e+", "e")  # 1.000e12, not 13 digits (or 4,301)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def counted(n: int, noun: str, nouns: str | None = None) -> str:
    """'1 example', '2,000 examples' ('1 noisy copy', '50 noisy copies' with `nouns`)."""
    return f"{n:,} {noun if n == 1 else nouns or noun + 's'}"


# ---------------------------------------------------------------- bounds
# What one call may ask for, stated once. Each check refuses a request in one sentence
# before anything is allocated: a count past its bound, a network past MAX_PARAMETERS, or a
# computation that would hold more than MAX_CHUNK values at once or pass more than MAX_WORK
# values through the network in all (the computations run in blocks of about 2**22 values,
# so MAX_WORK bounds the time, about half an hour, and MAX_CHUNK the memory, 256 MB).
MAX_PARAMETERS = 100_000_000  # 400 MB of float32 weights, 800 MB of float64
MAX_LAYERS = 1000
MAX_STEPS = 1000  # quadrature points (integrated gradients, conductance); Captum's default: 50
MAX_ITERATIONS = 1_000_000  # gradient-ascent steps of activation maximization
MAX_EPOCHS = 100_000  # training epochs (each adds a line to net.history); iris takes 500
MAX_CHUNK = 2**26  # values held at once by one block of a computation
MAX_WORK = 10**10  # values one call may pass through the network in all


def check_network_size(sizes) -> None:
    """Refuse widths `sizes` (a list of ints >= 1) whose network would exceed
    `MAX_PARAMETERS` or `MAX_LAYERS`, before a weight is allocated."""
    n_params = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    if n_params > MAX_PARAMETERS or len(sizes) > MAX_LAYERS + 1:
        shown = sizes if len(sizes) <= 12 else [*sizes[:5], "...", *sizes[-5:]]
        raise ValueError(
            f"`sizes` must make a network of at most {MAX_PARAMETERS:,} parameters in at most "
            f"{MAX_LAYERS:,} layers. Got {shown} ({n_params:,} parameters) instead."
        )


def check_work(what: str, chunk: int, total: int, fewer: str) -> None:
    """Refuse a computation, before it allocates, that would hold more than `MAX_CHUNK`
    values at once (`chunk`: its smallest block) or pass more than `MAX_WORK` in all
    (`total`). `what` names the request ("integrated_gradients of 10 examples x 50 steps");
    `fewer` says what to ask for instead ("explain fewer examples per call"), naming
    arguments in backticks so that the command line can give its flags instead."""
    if chunk > MAX_CHUNK:
        raise ValueError(f"{what} needs {chunk:,} values at once, more than the {MAX_CHUNK:,} "
                         f"hiddenlens computes in one block; {fewer}.")
    if total > MAX_WORK:
        raise ValueError(f"{what} would pass {total:,} values through the network, more than "
                         f"the {MAX_WORK:,} one call may (about half an hour of work); "
                         f"{fewer}.")


def check_repeat_work(net: DenseNet, what: str, n: int, n_groups: int, n_repeats: int) -> None:
    """Refuse an importance of `n_groups` features x `n_repeats` shuffles or draws of `n`
    examples that would not fit one block (a feature's repeats are drawn at once) or one call."""
    check_work(f"{what} of {counted(n_groups, 'feature')} x {counted(n_repeats, 'repeat')} "
               f"of {counted(n, 'example')}", n_repeats * n,
               n_groups * n_repeats * n * max(net.sizes),
               "use a smaller `n_repeats` or fewer examples")


def check_choice(value, name: str, choices) -> str:
    """Return `value` when it is one of `choices`."""
    if value not in choices:
        known = ", ".join(repr(c) for c in choices)
        raise ValueError(f"`{name}` must be one of {known}. Got {value!r} instead.")
    return value


def check_real(value, name: str, low: float | None = None, high: float | None = None, *,
               closed: str = "both") -> float:
    """Return `value` as a finite float within [low, high] (`closed` says which ends count).

    Parameters
    ----------
    value : number
        A real number: not a bool, not NaN or infinite.
    name : str
        The argument's name, for the error.
    low, high : float, optional
        Bounds; None leaves that side open.
    closed : {"both", "left", "right", "neither"}, default="both"
        Which bounds are allowed values: ``check_real(lr, "lr", 0, closed="neither")`` wants
        lr > 0, ``check_real(p, "dropout", 0, 1, closed="left")`` wants 0 <= p < 1.
    """
    check_choice(closed, "closed", ("both", "left", "right", "neither"))
    low_ok, high_ok = closed in ("both", "left"), closed in ("both", "right")
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
    if ok and low is not None:
        ok = value >= low if low_ok else value > low
    if ok and high is not None:
        ok = value <= high if high_ok else value < high
    if not ok:
        raise ValueError(f"`{name}` must be {_interval(low, high, low_ok, high_ok)}. "
                         f"Got {value!r} instead.")
    return float(value)


def _interval(low, high, low_ok: bool, high_ok: bool) -> str:
    if low is not None and high is not None:
        return f"in {'[' if low_ok else '('}{low}, {high}{']' if high_ok else ')'}"
    if low is not None:
        return f"a number {'>=' if low_ok else '>'} {low}"
    if high is not None:
        return f"a number {'<=' if high_ok else '<'} {high}"
    return "a finite number"


def check_fraction(value, name: str) -> float:
    """Return `value` as a float in (0, 1]: a share of the rows, of the features..."""
    return check_real(value, name, 0, 1, closed="right")


def check_random_state(random_state) -> np.random.Generator:
    """The Generator behind `random_state`: an int >= 0 (the same int, the same draws), None
    (fresh entropy) or a `numpy.random.Generator` (used as is, so draws continue its stream).
    """
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool) \
            and random_state >= 0:
        return np.random.default_rng(int(random_state))
    raise ValueError("`random_state` must be an int >= 0, None or a numpy.random.Generator. "
                     f"Got {random_state!r} instead.")


def integer_seed(random_state) -> int:
    """The integer behind `random_state`, for torch (``Generator().manual_seed``, nn.Linear's
    initialisation) and scikit-learn (``random_state=`` of a split or of k-means), which take
    integers only.

    An int >= 0 is returned as is, so it gives exactly the draws it always gave; None draws
    one from fresh entropy; a `numpy.random.Generator` draws one from its stream, in
    [0, 2**32), advancing it (the same Generator state, the same integer).
    """
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool) \
            and random_state >= 0:
        return int(random_state)
    return int(check_random_state(random_state).integers(2**32))
