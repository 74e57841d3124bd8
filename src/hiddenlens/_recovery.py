"""Importance recovery (after Olden, Joy & Death 2004): do the importance methods find the
true importances of simulated data?

Olden et al. simulated data whose predictors relate to the response by known amounts,
trained networks on it, and compared each method's ranking of the predictors with the true
ranking: the connection-weight product (`olden`) agreed best (0.92 on average; the other
methods, Garson's among them, 0.28-0.74). This is our version of that design, not a copy of
their generator: each network gets its own data set, y = X @ beta + noise with independent
standard-normal predictors, so the true importance of predictor j is |beta_j|; the
agreement is Spearman's rank correlation between |importance| and |beta|, per network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hiddenlens._validation import check_positive_int
from hiddenlens.data import Dataset
from hiddenlens.experiments import ExperimentResult
from hiddenlens.net import DenseNet

BETA = (0.8, 0.6, 0.4, 0.2, 0.0)  # the true effects of the five simulated predictors
NOISE = 0.55  # sd of y's noise: R^2 of the true model is 1.2 / (1.2 + 0.3) = 0.8
METHODS = ("olden", "garson", "partial_derivatives", "perturbation", "permutation")
OLDEN_2004 = {"olden": 0.92, "others (lowest)": 0.28, "others (highest)": 0.74}


@dataclass
class RecoveryResult(ExperimentResult):
    """An ExperimentResult whose `extra` holds, per method, "importances <method>"
    (n_nets, n_features) and "spearman <method>" (n_nets,), and "true_importance"."""

    def to_frame(self) -> pd.DataFrame:
        """One row per method: the mean Spearman agreement with the truth over networks,
        its 95% interval, and how often the truly most important predictor came first."""
        from hiddenlens.explain._trust_checks import interval

        truth = self.extra["true_importance"]
        rows = []
        for m in METHODS:
            rho = self.extra[f"spearman {m}"]
            top = np.argmax(np.abs(self.extra[f"importances {m}"]), axis=1) == np.argmax(truth)
            mean, low, high = interval(rho)
            rows.append({"method": m, "spearman": mean, "low": low, "high": high,
                         "top_feature_found": float(top.mean())})
        return pd.DataFrame(rows).sort_values("spearman", ascending=False, ignore_index=True)


def experiment_importance_recovery(
    *, n_nets: int = 20, n_rows: int = 50, hidden: int = 5, epochs: int = 100,
    random_state: int = 0, progress: bool = False,
) -> RecoveryResult:
    """Train `n_nets` 5-hidden-1 networks on simulated data; score each importance method.

    Parameters
    ----------
    n_nets : int, default=20
        Networks, each on its own simulated data set and from its own initial weights.
    n_rows : int, default=50
        Rows per data set (three quarters train, the rest test): a small data set, as
        ecological studies often have; more rows make every method agree better.
    hidden : int, default=5
        Units of the one sigmoid hidden layer (Olden et al.'s networks had one).
    epochs : int, default=100
        SGD epochs (lr 0.05, mini-batch 16, mean squared error).
    random_state : int, default=0
    progress : bool, default=False

    Returns
    -------
    RecoveryResult
        accuracies: each network's test R^2; extra: "true_importance" (|beta|), and per
        method "importances <method>" and "spearman <method>"; `to_frame()` summarises.
    """
    n_nets = check_positive_int(n_nets, "n_nets")
    n_rows = check_positive_int(n_rows, "n_rows", minimum=8)
    hidden, epochs = check_positive_int(hidden, "hidden"), check_positive_int(epochs, "epochs")
    from hiddenlens._progress import progress_bar

    truth = np.abs(np.array(BETA))
    seeds = np.random.SeedSequence(random_state).spawn(n_nets)
    result = RecoveryResult("importance-recovery", "simulated (after Olden et al. 2004)", {},
                            {}, image_shape=None, class_names=[])
    found = {m: [] for m in METHODS}
    with progress_bar(progress, n_nets, "importance recovery") as advance:
        for i, seq in enumerate(seeds):
            net, ds = _trained_net(np.random.default_rng(seq), n_rows, hidden, epochs, i)
            result.nets[f"net {i}"] = net
            result.accuracies[f"net {i}"] = float(net.score(ds.X_test, ds.y_test))
            for m in METHODS:
                found[m].append(_importance(m, net, ds, i))
            advance()
    result.extra["true_importance"] = truth
    for m in METHODS:
        imp = np.array(found[m])
        result.extra[f"importances {m}"] = imp
        result.extra[f"spearman {m}"] = np.array([_spearman(np.abs(v), truth) for v in imp])
    result.extra["olden_2004_reported"] = str(OLDEN_2004)
    return result


def _trained_net(rng: np.random.Generator, n_rows: int, hidden: int, epochs: int,
                 seed: int) -> tuple[DenseNet, Dataset]:
    from hiddenlens._training import train

    X = rng.standard_normal((n_rows, len(BETA))).astype(np.float32)
    y = (X @ np.array(BETA) + NOISE * rng.standard_normal(n_rows)).astype(np.float32)
    cut = n_rows * 3 // 4
    names = [f"x{j + 1}" for j in range(len(BETA))]
    ds = Dataset(X[:cut], y[:cut], X[cut:], y[cut:], names, None, "simulated", task="regression")
    net = DenseNet([len(BETA), hidden, 1], "sigmoid", "linear", random_state=seed)
    return train(net, ds, epochs=epochs, lr=0.05, batch_size=16, loss="mse", random_state=seed,
                 progress=False), ds


def _importance(method: str, net: DenseNet, ds: Dataset, seed: int) -> np.ndarray:
    """One importance per predictor (n_features,)."""
    from hiddenlens.explain import (
        garson,
        olden,
        permutation_importance,
        perturbation_importance,
        saliency,
    )

    X, y = ds.X, ds.y
    if method == "olden":
        return olden(net)[0]
    if method == "garson":
        return garson(net)[0]
    if method == "partial_derivatives":  # Dimopoulos et al.'s PaD: mean squared derivative
        return (saliency(net, X, 0) ** 2).mean(0)
    f = permutation_importance if method == "permutation" else perturbation_importance
    return f(net, X, y, random_state=seed).importances_mean


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)
