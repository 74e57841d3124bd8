"""Activation maximization: the input each unit of a layer responds to most.

Erhan, Bengio, Courville and Vincent (2009): gradient ascent on the input from a random start,
the input held to a fixed norm. Every requested unit of a layer (and every diverse image of
each unit) is one row of a single batch: row i only feeds unit `units[i]`'s objective, and Adam
updates each element on its own, so the batch gives the same images as one run per unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real

import numpy as np
import torch

from hiddenlens import _chain as chain
from hiddenlens._threads import torch_threads
from hiddenlens._validation import (
    MAX_ITERATIONS,
    check_layer,
    check_positive_int,
    check_unit,
    check_work,
    counted,
    integer_seed,
)
from hiddenlens.explain._ascent import (
    RowAdam,
    SphereAscent,
    blur_matrices,
    flush_denormals,
    projector,
    render,
    shift,
    similarity,
    total_variation,
)
from hiddenlens.net import DenseNet


@dataclass
class MaximizeResult:
    """What `maximize_activation` found, one row per unit.

    Attributes
    ----------
    layer : int
        The non-negative layer index.
    units : ndarray of shape (n_units,)
    images : ndarray of shape (n_units, n_inputs)
        The best maximising input of each unit (raw input space, like the data).
    pre_activations : ndarray of shape (n_units,)
        What each unit's pre-activation (the logit for outputs) reached on its image.
    activations : ndarray of shape (n_units,)
        The unit's activation on its image (softmax outputs: that class's probability).
    all_images : ndarray of shape (n_units, n_images, n_inputs)
        Every diverse image per unit (n_images=1 without diversity).
    all_pre_activations : ndarray of shape (n_units, n_images)
    best_example_activations, best_example_pre_activations : ndarray of shape (n_units,) or None
        The highest activation and pre-activation over `X`, when `X` was given.
    best_example_indices : ndarray of shape (n_units,) or None
        The row of `X` reaching it (lowest index on ties).
    """

    layer: int
    units: np.ndarray
    images: np.ndarray
    pre_activations: np.ndarray
    activations: np.ndarray
    all_images: np.ndarray
    all_pre_activations: np.ndarray
    best_example_activations: np.ndarray | None = None
    best_example_pre_activations: np.ndarray | None = None
    best_example_indices: np.ndarray | None = None

    @property
    def reached(self) -> np.ndarray | None:
        """Bool (n_units,): the image's pre-activation >= the best example's, given `X`."""
        if self.best_example_pre_activations is None:
            return None
        return self.pre_activations >= self.best_example_pre_activations

    @property
    def reached_share(self) -> float | None:
        """The fraction of units whose image beats (or ties) every example of `X`."""
        reached = self.reached
        return None if reached is None else float(reached.mean())


def maximize_activation(
    net: DenseNet,
    layer: int,
    units: Sequence[int] | None = None,
    *,
    n_iterations: int = 256,
    lr: float = 0.05,
    norm: float | None = None,
    bounds: tuple | None = (0.0, 1.0),
    start: str | np.ndarray = "random",
    l2: float = 0.0,
    tv: float = 0.0,
    blur: float = 0.0,
    jitter: int = 0,
    n_images: int = 1,
    diversity: float = 0.0,
    X=None,
    random_state=0,
    threads: int | None = 1,
) -> MaximizeResult:
    """Optimise one input per unit so that the unit's pre-activation is as large as possible.

    All units (and all their diverse images) are optimised together in one batch, by Adam
    (or, with `norm`, by projected gradient ascent).
    The objective of row i is ``z[units[i]] - l2 * ||x||^2 - tv * TV(x)`` (minus the diversity
    penalty), where z is the unit's pre-activation: the activation for the monotone hidden
    activations, and the pre-softmax logit for outputs (Simonyan et al. 2014 advise the logit).

    Parameters
    ----------
    net : DenseNet
    layer : int
        0 is the first hidden layer, -1 the output.
    units : sequence of int, optional
        Units of `layer` to maximise; None means the whole layer.
    n_iterations : int, default=256
        Gradient-ascent steps.
    lr : float, default=0.05
        Adam's step size, in input units; with `norm`, the step along the normalised
        gradient is ``lr * norm``.
    norm : float, optional
        Keep ||x|| = norm after every step (Erhan et al. 2009): projected gradient ascent
        along each row's normalised gradient instead of Adam. With `bounds` too, the image
        is scaled to the norm and then clipped, so the bounds win where they conflict.
    bounds : (low, high) or None, default=(0, 1)
        Clip the input to the data range after every step. `low`, `high` are numbers or
        arrays of shape (n_inputs,).
    start : {"random", "mean"} or ndarray of shape (n_inputs,), default="random"
        "random": the middle of `bounds` plus noise (0.1 x the range) drawn from
        `random_state`, a different draw per unit and image; "mean": the mean of `X`; an
        array: that input for every unit.
    l2 : float, default=0
        Weight of the penalty ||x||^2.
    tv : float, default=0
        Weight of the total variation penalty (squared differences of neighbouring pixels);
        needs an image model.
    blur : float, default=0
        Gaussian blur (sigma in pixels) built into the image: x = blur(p), p is optimised.
    jitter : int, default=0
        Shift the image by up to this many pixels (the same random shift for every row) at
        each step, so that the picture must work wherever it lands.
    n_images : int, default=1
        Maximising images per unit.
    diversity : float, default=0
        Weight of the penalty on the mean cosine similarity between one unit's images, so a
        unit that responds to several patterns shows several.
    X : array of shape (n, n_inputs), optional
        Data to compare with: fills the ``best_example_*`` fields and allows start="mean".
    random_state : int, None or numpy.random.Generator, default=0
        The random start and the jitter: the same int gives the same images, batched or unit
        by unit (each unit's start is drawn from the int and the unit's index). None and a
        Generator draw that int once.
    threads : int or None, default=1
        Torch threads for the loop: a dense layer's small matrices run fastest on one thread
        (more threads fight over shared cores); None keeps torch's setting.

    Returns
    -------
    MaximizeResult
    """
    idx = check_layer(net, layer)
    units = _check_units(net, layer, units)
    n_iterations = check_positive_int(n_iterations, "n_iterations", maximum=MAX_ITERATIONS)
    random_state = integer_seed(random_state)
    n_images = check_positive_int(n_images, "n_images")
    rows, width = len(units) * n_images, max(net.sizes)  # a step holds each row of each layer
    check_work(f"maximize_activation of {counted(rows, 'image')} x "
               f"{counted(n_iterations, 'iteration')} over {counted(width, 'unit')}",
               rows * width, n_iterations * rows * width,
               "maximize fewer `units` at a time, ask for fewer `n_images` or use a smaller "
               "`n_iterations`")
    lo, hi = _check_bounds(net, bounds)
    _check_options(net, lr=lr, norm=norm, l2=l2, tv=tv, blur=blur, jitter=jitter,
                   diversity=diversity)
    data = net.tensor(X) if X is not None else None
    dtype = net.dtype
    lo_t, hi_t = (None, None) if lo is None else (_as(lo, dtype), _as(hi, dtype))
    param = _start(net, start, units, n_images, lo, hi, data, random_state).requires_grad_(True)
    kernel = blur_matrices(blur, net.image_shape, dtype) if blur > 0 else None
    rows = torch.as_tensor(np.repeat(units, n_images))  # (n_rows,) unit of each row
    shifts = np.random.default_rng([random_state, 7919]).integers(-jitter, jitter + 1,
                                                                  (n_iterations, 2))
    project = projector(norm, lo_t, hi_t, kernel, net.image_shape)
    with torch_threads(threads), flush_denormals():
        stepper = RowAdam(param, lr) if norm is None else SphereAscent(param, lr * norm)
        _ascend(net, idx, param, rows, n_iterations, shifts, project, stepper, kernel,
                dict(l2=l2, tv=tv, diversity=diversity, n_images=n_images, jitter=jitter))
    return _result(net, idx, units, n_images, param, kernel, data)


def _ascend(net, idx, param, rows, n_iterations, shifts, project, adam, kernel, opt) -> None:
    """The gradient-ascent loop, in place on `param` (n_rows, n_inputs)."""
    shape = net.image_shape
    linear = net.module.linears[idx]
    w_rows, b_rows = linear.weight.detach()[rows], linear.bias.detach()[rows]  # row i's unit
    with torch.no_grad():
        project(param)
    for step in range(n_iterations):
        x = render(param, kernel, shape)  # (n_rows, n_inputs)
        objective = _unit_pre_activation(net, idx, shift(x, shifts[step], shape, opt["jitter"]),
                                         w_rows, b_rows)  # (n_rows,)
        if opt["l2"]:
            objective = objective - opt["l2"] * (x * x).sum(1)
        if opt["tv"]:
            objective = objective - opt["tv"] * total_variation(x, shape)
        if opt["diversity"] and opt["n_images"] > 1:
            objective = objective - opt["diversity"] * similarity(x, opt["n_images"])
        (grad,) = torch.autograd.grad(objective.sum(), param)
        with torch.no_grad():
            adam.ascend(grad)
            project(param)


# ---------------------------------------------------------------- checks
def _check_units(net: DenseNet, layer: int, units) -> np.ndarray:
    width = net.sizes[check_layer(net, layer) + 1]
    if units is None:
        return np.arange(width)
    if isinstance(units, (int, np.integer)):
        units = [units]
    units = [check_unit(net, layer, u) for u in units]
    if not units:
        raise ValueError("`units` must list at least one unit. Got an empty list instead.")
    return np.asarray(units, dtype=np.int64)


def _check_bounds(net: DenseNet, bounds):
    if bounds is None:
        return None, None
    try:
        lo, hi = bounds
        lo = np.broadcast_to(np.asarray(lo, dtype=float), (net.n_inputs,))
        hi = np.broadcast_to(np.asarray(hi, dtype=float), (net.n_inputs,))
    except (TypeError, ValueError):
        raise ValueError(
            f"`bounds` must be (low, high) with numbers or arrays of {net.n_inputs} values. "
            f"Got {bounds!r} instead."
        ) from None
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)) and np.all(lo < hi)):
        raise ValueError(
            f"`bounds` must be (low, high) with low < high. Got {_short(bounds)} instead."
        )
    return lo, hi


def _short(bounds) -> str:
    lo, hi = (np.asarray(b) for b in bounds)
    if lo.size == 1 and hi.size == 1:
        return f"({lo.item():g}, {hi.item():g})"
    return "arrays with low >= high somewhere"


def _check_options(net: DenseNet, **options) -> None:
    lr, norm = options.pop("lr"), options.pop("norm")
    if not (isinstance(lr, Real) and np.isfinite(lr) and lr > 0):
        raise ValueError(f"`lr` must be a number > 0. Got {lr!r} instead.")
    if norm is not None and not (isinstance(norm, Real) and np.isfinite(norm)
                                 and norm > 0):
        raise ValueError(f"`norm` must be a number > 0 (or None). Got {norm!r} instead.")
    check_positive_int(options["jitter"], "jitter", minimum=0)
    for name, value in options.items():
        if not (isinstance(value, Real) and np.isfinite(value) and value >= 0):
            raise ValueError(f"`{name}` must be a number >= 0. Got {value!r} instead.")
        if value and name in ("tv", "blur", "jitter") and net.image_shape is None:
            raise ValueError(
                f"`{name}` works on images, and this network's inputs are not an image "
                "(it has no image_shape); leave it at 0."
            )


def _as(values: np.ndarray, dtype) -> torch.Tensor:
    return torch.tensor(np.array(values), dtype=dtype)  # a writable copy of a broadcast view


# ---------------------------------------------------------------- start and projection
def _start(net, start, units, n_images, lo, hi, data, random_state: int) -> torch.Tensor:
    """(n_units * n_images, n_inputs) starting parameters; each row's noise is drawn from
    (random_state, unit, image), so a unit's start does not depend on the other units."""
    n = net.n_inputs
    if isinstance(start, str):
        if start not in ("random", "mean"):
            raise ValueError(
                f"`start` must be 'random', 'mean' or an array. Got {start!r} instead.")
        if start == "mean":
            if data is None:
                raise ValueError("start='mean' needs data: pass `X`.")
            return data.mean(0).repeat(len(units) * n_images, 1)
        mid = np.zeros(n) if lo is None else (lo + hi) / 2
        spread = np.ones(n) if lo is None else hi - lo
        rows = [mid + 0.1 * spread
                * np.random.default_rng([random_state, int(u), k]).standard_normal(n)
                for u in units for k in range(n_images)]
        return torch.as_tensor(np.stack(rows), dtype=net.dtype)
    x = np.asarray(start, dtype=float).reshape(-1)
    if x.shape != (n,) or not np.all(np.isfinite(x)):
        raise ValueError(
            f"`start` must be 'random', 'mean' or an array of {n} finite values. "
            f"Got an array of shape {np.shape(start)} instead."
        )
    return torch.as_tensor(x, dtype=net.dtype).repeat(len(units) * n_images, 1)


def _unit_pre_activation(net: DenseNet, layer: int, x: torch.Tensor, w_rows: torch.Tensor,
                         b_rows: torch.Tensor) -> torch.Tensor:
    """z of row i's own unit (n_rows,): the last layer as a row-wise dot product, since each
    row needs one unit, not the whole layer (100x fewer flops for a 100-unit layer)."""
    return (chain.layer_input(net.module, x, layer) * w_rows).sum(1) + b_rows


# ---------------------------------------------------------------- the result
def _result(net, idx, units, n_images, param, kernel, data) -> MaximizeResult:
    with torch.no_grad():
        x = render(param.detach(), kernel, net.image_shape)  # (n_rows, n_inputs)
        p = chain.run(net.module, x, stop=("a", idx), keep=False)
        z, a = p.z[idx], p.a[idx]  # (n_rows, width)
    rows = np.repeat(units, n_images)
    picked_z = z.numpy()[np.arange(len(rows)), rows].reshape(len(units), n_images)
    picked_a = a.numpy()[np.arange(len(rows)), rows].reshape(len(units), n_images)
    images = x.numpy().reshape(len(units), n_images, -1)
    best = picked_z.argmax(1)  # the best of each unit's diverse images
    take = np.arange(len(units))
    result = MaximizeResult(
        layer=idx, units=units, images=images[take, best], pre_activations=picked_z[take, best],
        activations=picked_a[take, best], all_images=images, all_pre_activations=picked_z,
    )
    if data is not None:
        _compare_with_data(net, idx, result, data)
    return result


def _compare_with_data(net: DenseNet, idx: int, result: MaximizeResult, data) -> None:
    trace = net.trace(data.numpy(), layers=[idx])
    z = trace.pre_activations[idx][:, result.units]  # (n, n_units)
    a = trace.activations[idx][:, result.units]
    best = z.argmax(0)  # argmax returns the first (lowest) index on ties
    take = np.arange(len(result.units))
    result.best_example_indices = best
    result.best_example_pre_activations = z[best, take]
    result.best_example_activations = a[best, take]
