"""The seeds' three experiments, as functions returning numbers (figures: plot/_experiments).

- train-size: the same network trained on 500 images and on all of them; output templates.
- depth: 784-10 against 784-512-256-10; the single layer's templates against the deep net's
  composite templates.
- zero-vs-one: the 784-1-2 network; its one hidden unit's weights and which pixels separate
  0 from 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hiddenlens._validation import integer_seed
from hiddenlens.data import Dataset, load_dataset
from hiddenlens.explain import composite_weights
from hiddenlens.net import DenseNet
from hiddenlens.presets import train_preset

EXPERIMENTS = ("train-size", "depth", "zero-vs-one")
JACOBIAN_EXAMPLES = 1000  # test images the jacobian composite is averaged over


@dataclass
class ExperimentResult:
    """What an experiment measured.

    Attributes
    ----------
    name : str, one of EXPERIMENTS
    data : str, the data set's name
    accuracies : dict of str -> float, test accuracy of each network
    maps : dict of str -> ndarray of shape (n_maps, n_inputs)
        The input-space pictures compared (templates, weights, separation maps).
    nets : dict of str -> DenseNet, the trained networks
    extra : dict, experiment-specific numbers (arrays or floats)
    image_shape : (int, int)
    class_names : list of str
    """

    name: str
    data: str
    accuracies: dict[str, float]
    maps: dict[str, np.ndarray]
    nets: dict[str, DenseNet] = field(repr=False, default_factory=dict)
    extra: dict = field(default_factory=dict)
    image_shape: tuple[int, int] = (28, 28)
    class_names: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready numbers: accuracies, every map as nested lists, scalar extras."""
        return {
            "experiment": self.name, "data": self.data, "accuracies": self.accuracies,
            "networks": {k: repr(v) for k, v in self.nets.items()},
            "maps": {k: np.round(v, 6).tolist() for k, v in self.maps.items()},
            "extra": {k: (np.round(v, 6).tolist() if isinstance(v, np.ndarray) else v)
                      for k, v in self.extra.items()},
        }


def _data(data: Dataset | str, classes=None, progress: bool = True) -> Dataset:
    """The named data set (only `classes` of it), or `data` itself; an image set either way."""
    ds = data if isinstance(data, Dataset) else load_dataset(data, classes=classes,
                                                             progress=progress)
    if ds.image_shape is None:
        raise ValueError(f"The experiments need an image data set (mnist-embedded or mnist). "
                         f"Got {ds.name} instead.")
    return ds


def _accuracy(net: DenseNet, ds: Dataset) -> float:
    return float(net.score(ds.X_test, ds.y_test))


def experiment_train_size(data: Dataset | str = "mnist-embedded", *, small: int = 500,
                          preset: str = "single-layer", random_state=0,
                          progress: bool = True, **overrides) -> ExperimentResult:
    """Train `preset` on `small` images and on the whole training split; compare templates.

    Parameters
    ----------
    data : Dataset or str, default="mnist-embedded"
    small : int, default=500
        Size of the small (stratified, random) training set.
    preset : str, default="single-layer"
        The architecture; its output templates are its linear composite weights (the weights
        themselves for 784-10).
    random_state : int, None or numpy.random.Generator, default=0
        The small training set, the initial weights and the shuffling (one integer for all,
        as `train_preset`).
    progress : bool, default=True
    **overrides : preset options (epochs, lr, ...), e.g. epochs=2 for a quick run.

    Returns
    -------
    ExperimentResult with maps {"<small> images", "<n> images"}, each (10, 784).
    """
    ds = _data(data, progress=progress)
    from hiddenlens.data._dataset import subsample_train

    n, least = len(ds.X_train), ds.n_classes or 1
    if isinstance(small, bool) or not isinstance(small, (int, np.integer)) or \
            not least <= small < n:
        raise ValueError(f"`small` must be in {least}..{n - 1}, fewer than the {n} training "
                         f"images of {ds.name}. Got {small!r} instead.")
    random_state = integer_seed(random_state)
    small_ds = subsample_train(ds, small, random_state)
    result = ExperimentResult("train-size", ds.name, {}, {}, image_shape=ds.image_shape,
                              class_names=list(ds.class_names))
    for part in (small_ds, ds):
        key = f"{len(part.X_train)} images"
        net = train_preset(preset, part, random_state=random_state, progress=progress,
                           **overrides)
        result.nets[key], result.accuracies[key] = net, _accuracy(net, ds)
        result.maps[key] = composite_weights(net, -1, method="linear")
    result.extra["preset"] = preset
    return result


def experiment_depth(data: Dataset | str = "mnist-embedded", *, random_state=0,
                     progress: bool = True, **overrides) -> ExperimentResult:
    """784-10 ("single-layer") against 784-512-256-10 ("keras-blog").

    Parameters
    ----------
    data : Dataset or str, default="mnist-embedded"
    random_state : int, None or numpy.random.Generator, default=0
        Both networks' initial weights and shuffling (one integer for both).
    progress : bool, default=True
    **overrides : preset options (epochs, lr, ...).

    Returns
    -------
    ExperimentResult with maps "784-10 weights", "784-512-256-10 linear composite" and
    "784-512-256-10 jacobian composite" (logit Jacobian averaged over up to 1,000 test
    images), each (10, 784).
    """
    ds = _data(data, progress=progress)
    result = ExperimentResult("depth", ds.name, {}, {}, image_shape=ds.image_shape,
                              class_names=list(ds.class_names))
    random_state = integer_seed(random_state)
    shallow = train_preset("single-layer", ds, random_state=random_state, progress=progress,
                           **overrides)
    deep = train_preset("keras-blog", ds, random_state=random_state, progress=progress,
                        **overrides)
    for net in (shallow, deep):
        result.nets[net.describe_sizes()] = net
        result.accuracies[net.describe_sizes()] = _accuracy(net, ds)
    result.maps["784-10 weights"] = np.array(shallow.weights[0])
    result.maps["784-512-256-10 linear composite"] = composite_weights(deep, -1,
                                                                       method="linear")
    X = ds.X_test[:JACOBIAN_EXAMPLES]
    result.maps["784-512-256-10 jacobian composite"] = composite_weights(
        deep, -1, method="jacobian", X=X)
    result.extra["jacobian_examples"] = len(X)
    return result


def experiment_zero_vs_one(data: Dataset | str = "mnist-embedded", *, random_state=0,
                           progress: bool = True, **overrides) -> ExperimentResult:
    """The 784-1-2 network on zeros and ones.

    Parameters
    ----------
    data : Dataset or str, default="mnist-embedded"
        Its digits 0 and 1 are used.
    random_state : int, None or numpy.random.Generator, default=0
        The initial weights and the shuffling.
    progress : bool, default=True
    **overrides : preset options (epochs, lr, ...).

    Returns
    -------
    ExperimentResult with maps (each (1, 784)):
        "hidden unit weights"; "mean 0" and "mean 1" (mean test images of each class);
        "separation": weights * (mean 1 - mean 0), how much each pixel moves the hidden
        unit's pre-activation between an average 1 and an average 0 (its sum is the gap).
    extra: "output_weights" (2,), "activation_0"/"activation_1" (the hidden unit's activation
    on every test 0 and 1), "gap" (mean pre-activation of 1s minus that of 0s).
    """
    ds = _data(data, classes=[0, 1], progress=progress)
    if ds.n_classes != 2:
        raise ValueError(f"zero-vs-one needs a two-class data set (digits 0 and 1). Got "
                         f"{ds.n_classes} classes instead.")
    net = train_preset("zero-vs-one", ds, random_state=random_state, progress=progress,
                       **overrides)
    w = np.array(net.weights[0][0])  # (784,)
    mean0 = ds.X_test[ds.y_test == 0].mean(axis=0)
    mean1 = ds.X_test[ds.y_test == 1].mean(axis=0)
    separation = w * (mean1 - mean0)
    act = net.trace(ds.X_test).activations[0][:, 0]
    result = ExperimentResult(
        "zero-vs-one", ds.name, {"784-1-2": _accuracy(net, ds)},
        {"hidden unit weights": w[None], "mean 0": mean0[None], "mean 1": mean1[None],
         "separation": separation[None]},
        nets={"784-1-2": net}, image_shape=ds.image_shape, class_names=list(ds.class_names),
    )
    result.extra.update(output_weights=np.array(net.weights[1][:, 0]),
                        activation_0=act[ds.y_test == 0], activation_1=act[ds.y_test == 1],
                        gap=float(separation.sum()))
    return result


def run_experiment(name: str, data: Dataset | str = "mnist-embedded", **kw) -> ExperimentResult:
    """Run one of EXPERIMENTS by name."""
    from hiddenlens._validation import check_choice

    check_choice(name, "experiment", EXPERIMENTS)
    return {"train-size": experiment_train_size, "depth": experiment_depth,
            "zero-vs-one": experiment_zero_vs_one}[name](data, **kw)
