"""Class selectivity against ablation importance (Morcos et al. 2018), with a bootstrap interval.

Does a unit that fires for one class matter more to the network than one that fires for all?
The rank correlation (Spearman) of the atlas's class selectivity and the ablation drop over
the units of a layer answers it for this network; resampling the units with replacement gives
a percentile interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

from hiddenlens._validation import check_choice, check_positive_int, check_random_state
from hiddenlens.explain._ablation import Ablation
from hiddenlens.explain._atlas import Atlas


@dataclass
class SelectivityImportance:
    """Each unit's class selectivity and ablation importance, and their rank correlation.

    Attributes
    ----------
    layer : int
    selectivity : ndarray of shape (n_units,)
        The atlas's class selectivity (0: all classes alike, 1: one class).
    importance : ndarray of shape (n_units,)
        The ablation's `drop` (or `loss_increase`, per `by`).
    by : str
        "drop" or "loss_increase".
    rho : float
        Spearman's rank correlation over the units (NaN when either is constant).
    interval : tuple of float
        The percentile bootstrap interval of rho at `confidence_level`.
    confidence_level : float
    n_resamples : int
    scoring, value : the ablation's score name and replacement value.
    """

    layer: int
    selectivity: np.ndarray
    importance: np.ndarray
    by: str
    rho: float
    interval: tuple
    confidence_level: float
    n_resamples: int
    scoring: str
    value: object

    def to_frame(self):
        """One row per unit: unit, selectivity, importance."""
        import pandas as pd

        return pd.DataFrame({"unit": np.arange(len(self.selectivity)),
                             "selectivity": self.selectivity, "importance": self.importance})


def selectivity_importance(
    atlas_result: Atlas, ablation: Ablation, *, by: str = "drop", n_resamples: int = 1000,
    confidence_level: float = 0.95, random_state=0,
) -> SelectivityImportance:
    """Rank-correlate the units' class selectivity with their ablation importance.

    Parameters
    ----------
    atlas_result : Atlas
        `atlas(net, data, layer)` with labels (its `class_selectivity`).
    ablation : Ablation
        `ablate(net, X, y, layer)` of the same layer: every unit alone, in order.
    by : {"drop", "loss_increase"}, default="drop"
    n_resamples : int, default=1000
        Bootstrap resamples of the units.
    confidence_level : float, default=0.95
    random_state : int, None or numpy.random.Generator, default=0
        Draws the resamples: ``rng.integers(0, n_units, (n_resamples, n_units))``.

    Returns
    -------
    SelectivityImportance
    """
    check_choice(by, "by", ("drop", "loss_increase"))
    n_resamples = check_positive_int(n_resamples, "n_resamples")
    if not 0 < confidence_level < 1:
        raise ValueError(f"`confidence_level` must be in (0, 1). Got {confidence_level!r} "
                         "instead.")
    sel = _selectivity(atlas_result)
    imp = _importance(ablation, atlas_result.layer, len(sel), by)
    rng = check_random_state(random_state)
    idx = rng.integers(0, len(sel), (n_resamples, len(sel)))
    rhos = _spearman(sel[idx], imp[idx])  # (n_resamples,)
    tail = 100 * (1 - confidence_level) / 2
    low, high = (np.nanpercentile(rhos, [tail, 100 - tail]) if np.isfinite(rhos).any()
                 else (np.nan, np.nan))
    return SelectivityImportance(
        layer=atlas_result.layer, selectivity=sel, importance=imp, by=by,
        rho=float(_spearman(sel[None], imp[None])[0]), interval=(float(low), float(high)),
        confidence_level=float(confidence_level), n_resamples=n_resamples,
        scoring=ablation.scoring, value=ablation.value,
    )


def _selectivity(at: Atlas) -> np.ndarray:
    if at.class_selectivity is None:
        raise ValueError("`atlas_result` must have class selectivity: compute it with labels "
                         "(a Dataset, or `y=` with an array). Got an atlas without labels "
                         "instead.")
    return np.asarray(at.class_selectivity, dtype=np.float64)


def _importance(ab: Ablation, layer: int, n_units: int, by: str) -> np.ndarray:
    alone = [ab.row_of(u) for u in range(n_units)]
    if ab.layer != layer or None in alone:
        raise ValueError(f"`ablation` must hold every unit of layer {layer} alone, as "
                         f"ablate(net, X, y, {layer}) returns. Got layer {ab.layer} with "
                         f"{len(ab.groups)} rows instead.")
    return np.asarray(getattr(ab, by)[alone], dtype=np.float64)


def _spearman(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman's rho per row of (R, m) arrays (average ranks for ties, as scipy)."""
    rx, ry = rankdata(x, axis=1), rankdata(y, axis=1)
    rx -= rx.mean(1, keepdims=True)
    ry -= ry.mean(1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (rx * ry).sum(1) / np.sqrt((rx * rx).sum(1) * (ry * ry).sum(1))
