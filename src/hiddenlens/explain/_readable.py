"""The options that make `maximize_activation`'s images readable to a person.

Used by the neuron views (plot/), the `neuron` and `maximize` commands (cli/) and the explorer
(server/): one place, so the three show the same pictures.
"""

from __future__ import annotations

import numpy as np

# Regularisers that turn a maximising image into a picture a person can read: blur,
# shrinkage towards blank paper, robustness to small shifts. On the nielsen preset the hidden
# units still beat the best real example for 99% of units. Output units get stronger ones:
# their unregularised optimum is a scatter of pixels that hardly looks like a digit; with
# these, 6 of the nielsen preset's 10 outputs still beat the best real example (--raw: 10).
READABLE = {"blur": 1.0, "l2": 0.02, "jitter": 1}
READABLE_OUTPUT = {"blur": 1.0, "l2": 0.05, "tv": 0.3, "jitter": 1}


def readable_options(net, layer: int = 0, X=None, *, regularize: bool = True) -> dict:
    """Keyword arguments of `maximize_activation` that give readable images.

    Parameters
    ----------
    net : DenseNet
    layer : int, default=0
        -1 (or the last index) gets the output layer's stronger regularisers.
    X : array of shape (n, n_inputs), optional
        For a tabular model: each input is held to its range over `X` (a constant column
        gets a range of width 1).
    regularize : bool, default=True
        False leaves out the regularisers (blur, shrinkage, smoothness, jitter) and keeps only
        the bounds: the plain box-constrained optimum (``hiddenlens maximize --raw``).

    Returns
    -------
    dict
        `READABLE` (`READABLE_OUTPUT` for the output layer) for image models (``{}`` when not
        `regularize`: `maximize_activation`'s own bounds are the data's [0, 1]); for tabular
        models ``{"bounds": (low, high)}`` (each of shape (n_inputs,)) when `X` is given,
        else ``{}``: they have no pixels to smooth.
    """
    if not net.image_shape:
        if X is None:
            return {}
        X = np.asarray(X, dtype=float).reshape(len(X), -1)
        lo, hi = X.min(0), X.max(0)
        return {"bounds": (lo, np.where(hi > lo, hi, lo + 1))}
    if not regularize:
        return {}
    return dict(READABLE_OUTPUT if layer in (-1, net.n_layers - 1) else READABLE)
