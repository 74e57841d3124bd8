"""Infidelity and max-sensitivity (Yeh et al. 2019) with Captum's numbers.

infidelity: E_I[(I . a - (f(x) - f(x - I)))^2] over random perturbations I; the scores of
x - I come from layer 0's low-rank update (`_progressive`). max-sensitivity: the largest
relative change ||a(x) - a(x + delta)|| / ||a(x)|| of an attribution over random delta in an
L-infinity ball, the attributions of the perturbed copies from the batched methods.

Captum's argument names -> ours: inputs -> X, attributions -> attributions, target ->
target, n_perturb_samples -> n_samples, perturb_func's output -> perturbations, normalize ->
rescale (infidelity), explanation_func -> method, perturb_radius -> radius (sensitivity_max).
"""

from __future__ import annotations

import numpy as np
import torch

from hiddenlens import _chain as chain
from hiddenlens._validation import check_choice, check_positive_int
from hiddenlens.explain._progressive import (
    TargetScore,
    check_score,
    dense_scores,
    independent_scores,
)
from hiddenlens.explain._trust_checks import check_attributions, output_units, rng_of
from hiddenlens.explain._trust_methods import attribution_method, explain
from hiddenlens.net import DenseNet

BLOCK_ELEMENTS = 2**23  # perturbed inputs (rows * n_inputs) explained at once


def infidelity(
    net: DenseNet, X, target, attributions, *, perturbations=None, perturbation=None,
    n_samples: int = 10, noise: float = 0.1, window: int = 4, rescale: bool = False,
    score: str = "logit", random_state=0,
) -> np.ndarray:
    """Infidelity of attributions: how badly I . a predicts the score change f(x) - f(x - I).

    With `perturbations`, equal to ``captum.metrics.infidelity(forward_func, perturb_func,
    X, attributions, target=target, n_perturb_samples=n_samples, normalize=rescale)`` whose
    `perturb_func` returns ``(perturbations, X - perturbations)`` and whose `forward_func`
    returns the logits (`score="logit"`).

    Parameters
    ----------
    net : DenseNet
    X : array of shape (n, n_inputs)
    target : int, array of n ints, or None (the predicted class)
    attributions : array of shape (n, n_inputs)
    perturbations : array of shape (n, n_samples, n_inputs), optional
        The I of each sample (the perturbed input is x - I); overrides `perturbation`.
    perturbation : {"square", "noise"}, optional
        How I is drawn: "square" removes a random window x window square (I = x on it, 0
        elsewhere: Yeh et al.'s square removal, the default for image models); "noise" is
        Gaussian noise of standard deviation `noise` on every input (the default otherwise).
    n_samples : int, default=10
    noise : float, default=0.1
    window : int, default=4
    rescale : bool, default=False
        Scale the attributions by the least-squares beta first (Captum's `normalize=True`).
    score : {"logit", "softmax", "output"}, default="logit"
    random_state : int, Generator or None, default=0

    Returns
    -------
    ndarray of shape (n,), lower is better.
    """
    return _infidelity_of(net, X, target, attributions, perturbations, perturbation,
                          n_samples, noise, window, rescale, score, random_state)[0]


def _infidelity_of(net, X, target, attributions, perturbations, perturbation, n_samples,
                   noise, window, rescale, score, random_state, shared=None):
    """(infidelity (n,), shared). The perturbations and the scores after them do not depend
    on the attributions: `shared` from a call with the same arguments but the attributions is
    reused (evaluate_attributions scores every method on the same perturbations)."""
    X = net.tensor(X)
    n, d = X.shape
    ts = TargetScore(net, X, output_units(net, X, target), check_score(net, score))
    a = check_attributions(attributions, n, d).astype(np.float64)
    if shared is None:
        shared = _perturbed(net, ts, X.numpy(), perturbations, perturbation, n_samples, noise,
                            window, random_state)
    f_after, I, cols = shared
    if cols is None:
        aI = np.einsum("nsd,nd->ns", I, a)
    else:  # I is x on the square's pixels `cols` (n, S, w*w), 0 elsewhere
        aI = (I * a[np.arange(n)[:, None, None], cols]).sum(-1)
    return _infidelity(aI, ts.base[:, None] - f_after, rescale), shared


def _perturbed(net, ts, x, perturbations, perturbation, n_samples, noise, window,
               random_state):
    """(scores after each perturbation (n, S), I, the squares' columns or None): I is (n, S,
    d), or for squares x on their pixels (n, S, w*w)."""
    n, d = x.shape
    if perturbations is not None:
        I = _check_perturbations(perturbations, n, d)
        return dense_scores(ts, -I), I, None
    n_samples = check_positive_int(n_samples, "n_samples")
    kind = perturbation or ("square" if net.image_shape else "noise")
    check_choice(kind, "perturbation", ("square", "noise"))
    rng = rng_of(random_state)
    if kind == "square":
        return _square(net, ts, x, n_samples, window, rng)
    I = rng.normal(0.0, _nonnegative(noise, "noise"), (n, n_samples, d))
    return dense_scores(ts, -I), I, None


def _infidelity(aI: np.ndarray, df: np.ndarray, rescale: bool) -> np.ndarray:
    """Captum's arithmetic on (n, S) products I . a and score differences."""
    S = aI.shape[1]
    if not rescale:
        return ((aI - df) ** 2).sum(1) / S
    sq, cross, dsq = (aI**2).sum(1), (aI * df).sum(1), (df**2).sum(1)
    beta = cross / np.where(sq != 0, sq, 1.0)  # Captum's safe_div
    return (beta * beta * sq - 2 * beta * cross + dsq) / S


def _square(net, ts, x, n_samples, window, rng):
    """(scores after removing random squares (n, S), the pixels removed (n, S, w*w) float64,
    their columns (n, S, w*w))."""
    (H, W), n = net.image_shape, len(x)
    window = check_positive_int(window, "window")
    if window > min(H, W):
        raise ValueError(f"`window` must fit in the {H}x{W} image. Got {window} instead.")
    top = rng.integers(0, H - window + 1, (n, n_samples))
    left = rng.integers(0, W - window + 1, (n, n_samples))
    r, c = np.meshgrid(np.arange(window), np.arange(window), indexing="ij")
    cols = ((top[..., None] + r.ravel()) * W + left[..., None] + c.ravel())  # (n, S, w*w)
    removed = x[np.arange(n)[:, None, None], cols].astype(np.float64)  # x - I: the square to 0
    return independent_scores(ts, cols, None, -removed), removed, cols


def _check_perturbations(perturbations, n, d, dtype=np.float64) -> np.ndarray:
    """(n, S, d) finite numbers, as `dtype` (None: any float dtype as given)."""
    I = np.asarray(perturbations, dtype=dtype)
    if I.dtype.kind != "f":
        I = I.astype(np.float64)
    if I.ndim != 3 or I.shape[0] != n or I.shape[2] != d or not np.all(np.isfinite(I)):
        raise ValueError(f"`perturbations` must be finite, of shape ({n}, n_samples, {d}). "
                         f"Got shape {I.shape} instead.")
    return I


def _nonnegative(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f"`{name}` must be a number >= 0. Got {value!r} instead.")
    return float(value)


def max_sensitivity(
    net: DenseNet, X, target, method, *, perturbations=None, n_samples: int = 10,
    radius: float = 0.02, random_state=0,
) -> np.ndarray:
    """The largest relative change of an attribution under small input perturbations.

    max over samples of ||a(x) - a(x + delta)|| / ||a(x)|| (Frobenius norms; a zero
    ||a(x)|| counts as 1). With `perturbations`, equal to ``captum.metrics.sensitivity_max(
    explanation_func, X, perturb_func, n_perturb_samples=n_samples, target=target)`` whose
    `perturb_func` returns X repeated n_samples times (row i * n_samples + s) plus delta.

    Parameters
    ----------
    net : DenseNet
    X : array of shape (n, n_inputs)
    target : int, array of n ints, or None (the predicted class, fixed for every copy)
    method : str or callable
        An attribution method's name or ``f(net, X, target) -> (n, n_inputs)``.
    perturbations : array of shape (n, n_samples, n_inputs), optional
        The deltas; overrides the uniform draws.
    n_samples : int, default=10
    radius : float, default=0.02
        Deltas are uniform in [-radius, radius] per input (Captum's default perturbation).
    random_state : int, Generator or None, default=0
        Seeds the deltas and a method's own randomness (SmoothGrad's noise).

    Returns
    -------
    ndarray of shape (n,), lower is better.
    """
    X = net.tensor(X)
    n, d = X.shape
    units = output_units(net, X, target)
    name, fn = attribution_method(method, random_state)
    if perturbations is not None:
        delta = _check_perturbations(perturbations, n, d, dtype=None)
    else:
        S = check_positive_int(n_samples, "n_samples")
        delta = rng_of(random_state).uniform(-1, 1, (n, S, d)) * _nonnegative(radius, "radius")
    if isinstance(method, str) and name == "saliency":
        return _saliency_sensitivity(net, X, units, delta)
    a0 = explain(fn, name, net, X, units)  # (n, d)
    S = delta.shape[1]
    out = np.empty(n)
    rows, x_dtype = max(1, BLOCK_ELEMENTS // (S * d)), X.numpy().dtype
    for i in range(0, n, rows):
        x = X[i : i + rows].numpy()[:, None, :] + delta[i : i + rows].astype(x_dtype)
        m = len(x)
        u = units[i : i + rows].repeat_interleave(S)
        ap = explain(fn, name, net, x.reshape(m * S, d), u).reshape(m, S, d)
        norm = np.linalg.norm(a0[i : i + m], axis=1)[:, None]
        out[i : i + m] = (np.linalg.norm(a0[i : i + m, None] - ap, axis=2) /
                          np.where(norm == 0, 1.0, norm)).max(1)
    return out


def _saliency_sensitivity(net: DenseNet, X, units, delta: np.ndarray) -> np.ndarray:
    """max_sensitivity of saliency without forming the maps of the perturbed inputs.

    Saliency is a(x) = g(x) A, with g = d logit / d z0 (h,) and A (h, d) layer 0's weights on
    raw inputs, so ||a(x) - a(x')||^2 = (g - g') M (g - g')^T with M = A A^T (h, h). The
    perturbed inputs still go through layer 0 (dense deltas change every pixel), but their
    gradients never go back out to the d inputs: (rows, h) @ (h, h) instead of (rows, h) @
    (h, d), and no (rows, d) maps to subtract.
    """
    from hiddenlens.explain._targets import from_z0, grad_z0, one_hot, z0_of

    A = chain.input_weights(net.module).detach().double()
    M = (A @ A.T).numpy()  # (h, h)
    top = net.n_layers - 1

    def grads(x: torch.Tensor, u: torch.Tensor) -> np.ndarray:  # (rows, h) float64
        with torch.no_grad():
            p = from_z0(net, z0_of(net, x))
            G = one_hot(u, net.sizes[-1], x.dtype)
            return grad_z0(net, p, G, top, True).double().numpy()

    def norms(g: np.ndarray) -> np.ndarray:
        return np.sqrt(np.maximum(np.einsum("rh,hk,rk->r", g, M, g, optimize=True), 0.0))

    n, S, d = delta.shape
    g0 = grads(X, units)
    norm0 = norms(g0)
    out = np.empty(n)
    rows = max(1, BLOCK_ELEMENTS // (S * d))
    for i in range(0, n, rows):
        x = X[i : i + rows].numpy()[:, None, :] + delta[i : i + rows].astype(X.numpy().dtype)
        m = len(x)
        gp = grads(torch.from_numpy(x.reshape(m * S, d)), units[i : i + m].repeat_interleave(S))
        change = norms(np.repeat(g0[i : i + m], S, axis=0) - gp).reshape(m, S)
        norm = norm0[i : i + m, None]
        out[i : i + m] = (change / np.where(norm == 0, 1.0, norm)).max(1)
    return out
