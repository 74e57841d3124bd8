"""Gradients of any unit: Jacobians, saliency, input x gradient, SmoothGrad, loss sensitivity.

Everything is the closed form of a dense net's derivative (see `_jacobian.py`): one forward
pass, then the target's row of the Jacobian carried back through the weight matrices, batched
over examples. SmoothGrad sums the noisy samples' gradients at layer 0's pre-activation before
the last (widest) product with the first weight matrix, so that product is done once per input.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from hiddenlens import _chain as chain
from hiddenlens._validation import (
    check_choice,
    check_layer,
    check_positive_int,
    check_unit,
    check_work,
    counted,
    integer_seed,
)
from hiddenlens.explain._jacobian import _wrt_index, layer_jacobian, wrt_point
from hiddenlens.explain._targets import (
    ROWS_PER_CHUNK,
    from_z0,
    grad_z0,
    input_gradient,
    one_hot,
    resolve_target,
    z0_of,
)
from hiddenlens.net import DenseNet

LOSSES = ("cross-entropy", "quadratic", "mse")


def jacobian(net: DenseNet, X, target=(-1, None), *, wrt="input",
             pre_activation: bool | None = None) -> np.ndarray:
    """Derivatives of any unit with respect to the input or any earlier layer's activations.

    Parameters
    ----------
    net : DenseNet
    X : array of shape (n, n_inputs)
    target : (layer, unit), default=(-1, None)
        The unit differentiated. `unit` is an int, None (every unit of the layer) or an array
        of n ints (one unit per example, e.g. each example's true class); a bare `layer`
        means every unit of it.
    wrt : "input" or int, default="input"
        The raw input, or the activations of an earlier layer.
    pre_activation : bool, optional
        Differentiate the unit's pre-activation z instead of f(z). Default: True for output
        units (the logit), False for hidden units.

    Returns
    -------
    ndarray of shape (n, n_wrt) for one unit, (n, n_units, n_wrt) when `unit` is None.
    """
    layer, unit = target if isinstance(target, tuple) else (target, None)
    L = check_layer(net, layer)
    pre = (L == net.n_layers - 1) if pre_activation is None else bool(pre_activation)
    if unit is None:
        return layer_jacobian(net, X, L, None, wrt, pre)
    if np.ndim(unit) == 0:
        check_unit(net, layer, unit)
        return layer_jacobian(net, X, L, [int(unit)], wrt, pre)[:, 0]
    X = net.tensor(X)
    units = _per_example_units(net, layer, unit, len(X))
    to = wrt_point(_wrt_index(net, wrt, L))
    chunks = []
    with torch.no_grad():
        for i in range(0, len(X), ROWS_PER_CHUNK):
            p = chain.run(net.module, X[i : i + ROWS_PER_CHUNK], stop=("z" if pre else "a", L))
            G = one_hot(units[i : i + ROWS_PER_CHUNK], net.sizes[L + 1], X.dtype)
            chunks.append(chain.pull_back(net.module, p, G, L, pre, to)[:, 0].numpy())
    return np.concatenate(chunks) if chunks else np.empty((0, 0), net.dtype_name)


def _per_example_units(net, layer, unit, n) -> torch.Tensor:
    unit = np.asarray(unit)
    if unit.shape != (n,):
        raise ValueError(f"`target` must give one unit per example ({n}). Got shape "
                         f"{unit.shape} instead.")
    for u in np.unique(unit):
        check_unit(net, layer, int(u))
    return torch.as_tensor(unit, dtype=torch.int64)


def saliency(net: DenseNet, X, target=None, *, abs: bool = False,
             pre_activation: bool | None = None) -> np.ndarray:
    """The gradient of the target unit with respect to every input (Simonyan et al. 2014).

    Parameters
    ----------
    net : DenseNet
    X : array of shape (n, n_inputs)
    target : int, array of n ints, (layer, unit) or None, default=None
        A class for every example, one class per example, or any unit. None: the predicted
        class (output 0 for a regressor).
    abs : bool, default=False
        Return |gradient| (Captum's Saliency default) instead of the signed gradient.
    pre_activation : bool, optional
        Default: the logit for output units, the activation for hidden units.

    Returns
    -------
    ndarray of shape (n, n_inputs)
    """
    X = net.tensor(X)
    layer, units, pre = resolve_target(net, X, target, pre_activation)
    grad = input_gradient(net, X, layer, units, pre)
    return np.abs(grad) if abs else grad


def input_x_gradient(net: DenseNet, X, target=None, *,
                     pre_activation: bool | None = None) -> np.ndarray:
    """The input times the gradient of the target, (n, n_inputs); see `saliency` for targets."""
    X = net.tensor(X)
    layer, units, pre = resolve_target(net, X, target, pre_activation)
    return X.numpy() * input_gradient(net, X, layer, units, pre)


def smoothgrad(net: DenseNet, X, target=None, *, n_samples: int = 50, noise: float = 0.15,
               random_state=None, pre_activation: bool | None = None,
               ) -> np.ndarray:
    """The gradient averaged over noisy copies of each input (Smilkov et al. 2017).

    Parameters
    ----------
    net, X, target, pre_activation : see `saliency`.
    n_samples : int, default=50
        Noisy copies per input.
    noise : float, default=0.15
        Standard deviation of the Gaussian noise, in input units (0.15 is 15% of a [0, 1]
        pixel's range).
    random_state : int, None or numpy.random.Generator, optional
        The noise, drawn by a torch generator from one integer: an int as is, else one drawn
        from fresh entropy (None) or from the Generator. For an int the draws are those of
        Captum's ``NoiseTunnel(Saliency(f)).attribute(X, nt_type="smoothgrad",
        nt_samples=n_samples, stdevs=noise, abs=False)`` after
        ``torch.manual_seed(random_state)``: row i's copies are rows i * n_samples ... of one
        (n * n_samples, n_inputs) float32 normal draw.

    Returns
    -------
    ndarray of shape (n, n_inputs)
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    if not noise >= 0:
        raise ValueError(f"`noise` must be a standard deviation >= 0. Got {noise!r} instead.")
    X = net.tensor(X)
    width = max(net.sizes)  # a noisy copy holds one row of the input and of each layer
    check_work(f"smoothgrad of {counted(len(X), 'example')} x "
               f"{counted(n_samples, 'noisy copy', 'noisy copies')} over "
               f"{counted(width, 'unit')}", min(16, len(X)) * n_samples * width,
               len(X) * n_samples * width, "explain fewer examples per call or use a smaller "
               "`n_samples`")
    layer, units, pre = resolve_target(net, X, target, pre_activation)
    gen = torch.Generator().manual_seed(integer_seed(random_state))
    W = chain.input_weights(net.module)
    # rows per block a multiple of 16 so blockwise draws equal one big draw (torch fills
    # normals 16 at a time and redraws only a final partial group)
    rows = max(16, (2**22 // (n_samples * X.shape[1])) // 16 * 16)
    out = np.empty(tuple(X.shape), dtype=net.dtype_name)
    with torch.no_grad():
        for i in range(0, len(X), rows):
            batch = X[i : i + rows]
            # torch.normal(0, std tensor) draws N(0, 1) then multiplies by std: the same
            # numbers, bit for bit, without the (b * S, d) std tensor and twice as fast
            eps = torch.randn((len(batch) * n_samples, X.shape[1]), generator=gen)
            eps = eps.mul_(float(noise)).to(X.dtype)  # (b * S, d)
            noisy = batch.repeat_interleave(n_samples, dim=0) + eps
            p = from_z0(net, z0_of(net, noisy))
            G = one_hot(units[i : i + rows].repeat_interleave(n_samples), net.sizes[layer + 1],
                        X.dtype)
            g = grad_z0(net, p, G, layer, pre)  # (b * S, h)
            g = g.reshape(len(batch), n_samples, -1).sum(1) / n_samples
            out[i : i + len(batch)] = (g @ W).numpy()
    return out


def loss_sensitivity(net: DenseNet, X, y, *, loss: str | None = None) -> np.ndarray:
    """d loss / d input for each example and its true label: which inputs the error hinges on.

    Parameters
    ----------
    net : DenseNet
    X : array of shape (n, n_inputs)
    y : array of shape (n,)
        Class indices, or regression targets.
    loss : {"cross-entropy", "quadratic", "mse"}, optional
        The per-example loss; default cross-entropy for classifiers (softmax or sigmoid
        outputs), mse for regressors. "quadratic" is Nielsen's 0.5 * ||a - y||^2.

    Returns
    -------
    ndarray of shape (n, n_inputs)
    """
    X = net.tensor(X)
    loss = check_choice(loss or ("mse" if net.task == "regression" else "cross-entropy"),
                        "loss", LOSSES)
    T = _loss_targets(net, y, len(X))
    out = np.empty(tuple(X.shape), dtype=net.dtype_name)
    L = net.n_layers - 1
    with torch.no_grad():
        for i in range(0, len(X), ROWS_PER_CHUNK):
            p = chain.run(net.module, X[i : i + ROWS_PER_CHUNK])
            G = chain.loss_gradient(net.output_activation, p.z[L], p.a[L],
                                    T[i : i + ROWS_PER_CHUNK], loss)
            G = chain.pull_back(net.module, p, G[:, None, :], L, True)  # (rows, 1, d)
            out[i : i + len(G)] = G[:, 0].numpy()
    return out


def _loss_targets(net: DenseNet, y, n: int) -> torch.Tensor:
    """Targets (n, n_outputs) in the output's own coding, as `train` uses them."""
    y = np.asarray(y)
    if y.shape[0] != n:
        raise ValueError(f"`y` must hold one label per example ({n}). Got {y.shape[0]} instead.")
    if net.task == "regression" or net.n_outputs == 1:
        return torch.as_tensor(y.reshape(n, -1), dtype=net.dtype)
    if y.ndim != 1 or y.dtype.kind not in "iu" or y.min(initial=0) < 0 or \
            y.max(initial=0) >= net.n_outputs:
        raise ValueError(
            f"`y` must be class indices in 0..{net.n_outputs - 1}. Got {y[:5]!r}... instead.")
    return F.one_hot(torch.as_tensor(y, dtype=torch.int64), net.n_outputs).to(net.dtype)
