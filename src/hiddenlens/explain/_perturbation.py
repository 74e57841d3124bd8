"""The seeds' perturbation importance, and occlusion, on the low-rank first-layer update.

perturbation_importance: "randomly bump every value of a single feature and record how the
fitness degrades". Each repeat adds uniform noise in [-noise, +noise] x (the feature's range in
X) to one feature (or group) of every example and records the score drop.

occlusion: slide a window over an image, replace the pixels under it by a baseline, and give
every pixel the mean drop of the target over the windows that cover it (Zeiler & Fergus 2014;
Captum's Occlusion).
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils import Bunch

from hiddenlens._progress import progress_bar
from hiddenlens._validation import (
    check_positive_int,
    check_repeat_work,
    check_work,
    counted,
    integer_seed,
)
from hiddenlens.explain._groups import check_groups, image_patches
from hiddenlens.explain._integrated import check_baseline
from hiddenlens.explain._lowrank import FirstLayerCache, iter_blocks
from hiddenlens.explain._scoring import Scorer
from hiddenlens.explain._targets import resolve_target
from hiddenlens.net import DenseNet


def perturbation_importance(
    net: DenseNet, X, y, *, noise: float = 0.5, n_repeats: int = 5, scoring=None,
    random_state=None, groups=None, progress: bool = False,
) -> Bunch:
    """Score drop when uniform noise is added to one feature (or group) at a time.

    Parameters
    ----------
    net : DenseNet
    X : array of shape (n, n_inputs)
    y : array of shape (n,)
        Class labels as the model knows them (`net.classes_`), or regression targets.
    noise : float, default=0.5
        Half-width of the uniform noise as a fraction of each feature's range (max - min over
        X): 0.5 bumps a feature by up to half its range either way. A constant feature is
        never bumped.
    n_repeats : int, default=5
    scoring : str, callable, list, tuple, dict or None, default=None
        As `permutation_importance` (what scikit-learn takes; a callable gets the noisy X).
        None: the network's `score`, accuracy for classifiers, R^2 for regressors.
    random_state : int, None or numpy.random.Generator, optional
        The noise. Group g's draws come from its own generator
        (``numpy.random.SeedSequence(random_state).spawn``, one per group; a Generator gives
        one integer drawn from it), so they do not depend on how the work is batched.
    groups : sequence or dict of column sets, optional
        Bump each set's columns together (an image patch, a one-hot block).
    progress : bool, default=False

    Returns
    -------
    Bunch with importances_mean (n_groups,), importances_std (n_groups,), importances
    (n_groups, n_repeats), ranking (n_groups,) group indices from most to least important, and
    names (n_groups,); with several scores, a dict name -> such a Bunch.
    """
    n_repeats = check_positive_int(n_repeats, "n_repeats")
    if not (isinstance(noise, (int, float)) and noise > 0):
        raise ValueError(f"`noise` must be a fraction of each feature's range > 0. Got "
                         f"{noise!r} instead.")
    X = net.tensor(X)
    y = np.asarray(y)
    if y.ndim == 0 or y.shape[0] != len(X):
        got = "a single value" if y.ndim == 0 else y.shape[0]
        raise ValueError(f"`y` must hold one label per example ({len(X)}). Got {got} instead.")
    cols, names = check_groups(net, groups)
    check_repeat_work(net, "perturbation_importance", len(X), len(cols), n_repeats)
    scorer = Scorer(net, scoring, y)
    cache = FirstLayerCache(net, X, -1, scorer.from_logits, scorer.from_logits)
    baseline = scorer(cache.base[None].numpy(), inputs=lambda b: X.numpy())
    span = (X.max(0).values - X.min(0).values) * noise  # (d,) half-width of the noise
    children = np.random.SeedSequence(
        None if random_state is None else integer_seed(random_state)).spawn(len(cols))
    drawn: dict[int, torch.Tensor] = {}

    def delta(g, r):  # (n, k) noise for repeat r of group g, drawn once per group
        if g not in drawn:
            drawn.clear()
            u = np.random.default_rng(children[g]).uniform(-1, 1, (n_repeats, len(X),
                                                                    len(cols[g])))
            drawn[g] = torch.as_tensor(u, dtype=X.dtype) * span[torch.as_tensor(cols[g])]
        return drawn[g][r]

    def inputs(tasks):  # copy b of X with its noise, for a scorer that reads X
        def build(b):
            (g, r), Xp = tasks[b], X.numpy().copy()
            Xp[:, cols[g]] += delta(g, r).numpy()
            return Xp
        return build

    scores: dict[str, np.ndarray] = {}
    with progress_bar(progress, len(cols) * n_repeats, "perturbation importance") as advance:
        for tasks, out in iter_blocks(cache, cols, n_repeats, delta):
            for name, values in scorer(out.numpy(), inputs(tasks)).items():
                into = scores.setdefault(name, np.empty((len(cols), n_repeats)))
                for (g, r), v in zip(tasks, values):
                    into[g, r] = v
            advance(len(tasks))
    bunches = {name: _bunch(baseline[name] - v, names) for name, v in scores.items()}
    return bunches if scorer.multi else bunches[scorer.name]


def _bunch(importances: np.ndarray, names: list) -> Bunch:
    mean = importances.mean(axis=1)
    return Bunch(importances_mean=mean, importances_std=importances.std(axis=1),
                 importances=importances, ranking=np.argsort(-mean, kind="stable"),
                 names=np.array(names))


def occlusion(
    net: DenseNet, X, target=None, *, window=(4, 4), stride=2, baseline=0.0,
    pre_activation: bool | None = None, progress: bool = False,
) -> np.ndarray:
    """Drop of the target when a window of pixels is replaced by a baseline, per pixel.

    Equal to Captum's ``Occlusion(f).attribute(X.reshape(n, *image_shape),
    sliding_window_shapes=window, strides=stride, baselines=baseline, target=target)``.

    Parameters
    ----------
    net : DenseNet
        An image model (with `image_shape`).
    X : array of shape (n, n_inputs) or (n, *image_shape)
    target : int, array of n ints, (layer, unit) or None, default=None
        See `saliency`. None: the predicted class.
    window : int or (int, int), default=(4, 4)
    stride : int or (int, int), default=2
    baseline : float or array of shape (n_inputs,) or (n, n_inputs), default=0.0
    pre_activation : bool, optional
        Default: the logit for output units, the activation for hidden units.
    progress : bool, default=False

    Returns
    -------
    ndarray of shape (n, n_inputs): the mean target drop over the windows covering each pixel
    (positive: hiding the pixel lowers the target).
    """
    if net.image_shape is None:
        raise ValueError(
            f"occlusion slides a window over images, but this {net.describe_sizes()} network "
            "has no image_shape; for tabular features use perturbation_importance or "
            "permutation_importance (with groups= for sets of columns)."
        )
    patches = image_patches(net.image_shape, window=window, stride=stride)
    patches = [np.asarray(p) for p in patches.values()]
    X = net.tensor(X)
    pixels = sum(len(p) for p in patches)  # every patch's baseline-minus-input, held at once
    check_work(f"occlusion of {counted(len(X), 'example')} x "
               f"{counted(len(patches), 'window')}", len(X) * pixels,
               len(X) * len(patches) * max(net.sizes),
               "explain fewer examples per call or use a larger `stride`")
    B = check_baseline(net, baseline, len(X))
    layer, units, pre = resolve_target(net, X, target, pre_activation)
    cache = FirstLayerCache(net, X, layer, pre)
    index = units[:, None]  # (n, 1): each example's target unit
    full = cache.base.gather(1, index)[:, 0]  # (n,)
    total = torch.zeros_like(X)
    counts = torch.zeros(X.shape[1], dtype=X.dtype)
    deltas = _patch_deltas(X, B, patches)

    with progress_bar(progress, len(patches), "occlusion") as advance:
        for tasks, values in iter_blocks(cache, patches, 1, lambda g, _r: deltas[g]):
            drops = full - values.gather(2, index.expand(len(tasks), -1, -1))[..., 0]  # (B, n)
            cols = torch.as_tensor(np.concatenate([patches[g] for g, _ in tasks]))
            k = len(patches[tasks[0][0]])  # every patch of a block has the same size
            total.index_add_(1, cols, drops.T.repeat_interleave(k, dim=1))  # (n, B * k)
            counts.index_add_(0, cols, torch.ones(len(cols), dtype=X.dtype))
            advance(len(tasks))
    return (total / counts).numpy()


def _patch_deltas(X: torch.Tensor, B: torch.Tensor, patches: list) -> list:
    """(n, k) baseline-minus-input under each patch, gathered once per patch size."""
    out = [None] * len(patches)
    for k in sorted({len(p) for p in patches}):
        ids = [g for g, p in enumerate(patches) if len(p) == k]
        idx = torch.as_tensor(np.stack([patches[g] for g in ids]))  # (G, k)
        D = (B[:, idx] - X[:, idx]).permute(1, 0, 2)  # (G, n, k); B is 1 or n rows
        for i, g in enumerate(ids):
            out[g] = D[i]
    return out
