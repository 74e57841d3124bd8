"""DenseNet: the one canonical model every view, importer and explanation works on.

A stack of fully connected layers with torch inside and numpy at the boundary. Layer `l` is the
output of `weights[l]` (shape (n_out, n_in), as in Nielsen's network.py): layer 0 is the first
hidden layer, layer -1 the output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from hiddenlens import _chain as chain
from hiddenlens._activations import hidden_activations, output_activations
from hiddenlens._classes import LabelledOutputs, label_indices
from hiddenlens._validation import (
    check_choice,
    check_layer,
    check_network_size,
    check_positive_int,
    check_X,
    integer_seed,
)

DTYPES = {"float32": torch.float32, "float64": torch.float64}


class DenseModule(nn.Module):
    """The torch side of a DenseNet: optional input standardisation, then Linear layers.

    `forward(x)` returns the output activations (probabilities for softmax/sigmoid outputs);
    `forward_all(x)` returns every layer's pre-activations and activations. All three run
    the one dense chain (`hiddenlens._chain`).
    """

    def __init__(self, sizes: Sequence[int], activations: Sequence[str], dtype: torch.dtype):
        super().__init__()
        self.activations = list(activations)
        self.linears = nn.ModuleList(
            nn.Linear(n_in, n_out, dtype=dtype) for n_in, n_out in zip(sizes[:-1], sizes[1:])
        )
        self.register_buffer("mean", torch.zeros(sizes[0], dtype=dtype))
        self.register_buffer("scale", torch.ones(sizes[0], dtype=dtype))

    def standardize(self, x: torch.Tensor) -> torch.Tensor:
        return chain.standardize(self, x)  # (n, n_in)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """The output layer's pre-activation, from raw inputs."""
        L = len(self.linears) - 1
        return chain.run(self, x, stop=("z", L), keep=False).z[L]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return chain.run(self, x, keep=False).a[-1]

    def forward_all(self, x: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        p = chain.run(self, x)
        return p.z, p.a


@dataclass
class Trace:
    """Every layer's response to a batch of inputs.

    Attributes
    ----------
    input : ndarray of shape (n, n_inputs)
        What layer 0 multiplies: the inputs after the model's standardisation (the raw inputs
        for image models).
    pre_activations : list of ndarray, one (n, sizes[l + 1]) per layer
        z[l] = a[l - 1] @ weights[l].T + biases[l].
    activations : list of ndarray, one (n, sizes[l + 1]) per layer
        a[l] = activation(z[l]); the last is the output (probabilities for softmax).
    """

    input: np.ndarray
    pre_activations: list[np.ndarray] = field(default_factory=list)
    activations: list[np.ndarray] = field(default_factory=list)

    @property
    def output(self) -> np.ndarray:
        return self.activations[-1]


class DenseNet(LabelledOutputs):
    """A feed-forward network of dense layers.

    Parameters
    ----------
    sizes : sequence of int
        Units per layer, input first: ``[784, 100, 10]``.
    activation : str or sequence of str, default="sigmoid"
        Hidden activation, one of "sigmoid", "tanh", "relu", "linear"; a sequence gives one
        per hidden layer.
    output_activation : str, default="softmax"
        The output layer's activation: "softmax", "sigmoid" or "linear".
    dtype : torch.dtype, default=torch.float32
    random_state : int, None or numpy.random.Generator, default=0
        The initial weights (torch's default initialisation for nn.Linear), drawn after
        ``torch.manual_seed(random_state)`` for an int; None and a Generator give torch an
        integer drawn from fresh entropy or from the Generator.
    task : {"classification", "regression"}, default depends on `output_activation`
    classes : sequence of int or str, optional
        The class labels of a classifier, one per class in output order: what `predict`
        returns and `score` compares `y` with (scikit-learn's ``classes_``). Default
        ``0..n_classes - 1``, the labels of a `Dataset`.
    image_shape, class_names, feature_names : metadata kept with the model.
        `class_names` are display names, one per class; default: ``str`` of each class
        for `classes` other than 0..K-1, else none kept (a view shows the data set's names,
        or the labels).
    data_name : str, optional
        The name of the data set the model was trained on (``"iris"``, a CSV file's stem),
        kept with it so that `hiddenlens.data.for_model` can load it again.

    Attributes
    ----------
    module : DenseModule
        The torch module; ``net.module(x)`` returns output activations for raw inputs.
    weights : list of ndarray, weights[l] of shape (sizes[l + 1], sizes[l])
    biases : list of ndarray, biases[l] of shape (sizes[l + 1],)
    classes_ : ndarray of shape (n_classes,) or None
        The class labels, output unit k predicting ``classes_[k]``; None for a regressor.
    history : list of dict
        One entry per training epoch (losses, accuracies, time).

    Notes
    -----
    A classifier is a scikit-learn classifier to scikit-learn's scorers and
    ``sklearn.base.is_classifier`` (a regressor to ``is_regressor``): it has ``classes_``,
    ``predict``, ``predict_proba`` and ``score`` as scikit-learn's estimators do.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | Sequence[str] = "sigmoid",
        output_activation: str = "softmax",
        dtype: torch.dtype = torch.float32,
        *,
        random_state=0,
        task: str | None = None,
        classes: Sequence | None = None,
        image_shape: tuple[int, int] | None = None,
        class_names: Sequence[str] | None = None,
        feature_names: Sequence[str] | None = None,
        data_name: str | None = None,
    ):
        self.sizes = _check_sizes(sizes)
        hidden = _check_hidden_activations(activation, len(self.sizes) - 2)
        check_choice(output_activation, "output_activation", output_activations())
        if dtype not in DTYPES.values():
            raise ValueError(
                f"`dtype` must be torch.float32 or torch.float64. Got {dtype} instead."
            )
        self.activations = hidden + [output_activation]
        self.task = task or ("regression" if output_activation == "linear" else
                             "classification")
        check_choice(self.task, "task", ("classification", "regression"))
        self.image_shape = tuple(image_shape) if image_shape else None
        self._classes = None
        if classes is not None:
            self.classes_ = classes
            if class_names is None and not np.array_equal(self._classes,
                                                          np.arange(len(self._classes))):
                class_names = [str(c) for c in self._classes]  # 0..K-1: the data set's
        self.class_names = [str(c) for c in class_names] if class_names is not None else None
        self.feature_names = list(feature_names) if feature_names is not None else None
        self.data_name = data_name
        self.history: list[dict] = []
        torch_seed = integer_seed(random_state)
        generator_state = torch.random.get_rng_state()
        torch.manual_seed(torch_seed)  # nn.Linear draws from the global generator
        try:
            self.module = DenseModule(self.sizes, self.activations, dtype)
        finally:
            torch.random.set_rng_state(generator_state)
        self.module.eval()
        self._check_metadata()

    # ---------------------------------------------------------------- structure
    @property
    def n_inputs(self) -> int:
        return self.sizes[0]

    @property
    def n_outputs(self) -> int:
        return self.sizes[-1]

    @property
    def n_layers(self) -> int:
        """Number of weight matrices: hidden layers + the output layer."""
        return len(self.sizes) - 1

    @property
    def activation(self) -> str | list[str] | None:
        """The hidden activation, a list when the layers differ, None without hidden layers."""
        hidden = self.activations[:-1]
        if not hidden:
            return None
        return hidden[0] if len(set(hidden)) == 1 else list(hidden)

    @property
    def output_activation(self) -> str:
        """The output layer's activation: "softmax", "sigmoid" or "linear"."""
        return self.activations[-1]

    @property
    def dtype(self) -> torch.dtype:
        return self.module.linears[0].weight.dtype

    @property
    def dtype_name(self) -> str:
        return str(self.dtype).removeprefix("torch.")

    @property
    def n_classes(self) -> int | None:
        if self.task != "classification":
            return None
        return 2 if self._binary_sigmoid else self.n_outputs

    @property
    def _binary_sigmoid(self) -> bool:
        return (self.output_activation == "sigmoid" and self.n_outputs == 1
                and self.task == "classification")

    @property
    def weights(self) -> list[np.ndarray]:
        """Read-only views of weights[l], each of shape (n_out, n_in)."""
        return [_readonly(lin.weight) for lin in self.module.linears]

    @property
    def biases(self) -> list[np.ndarray]:
        """Read-only views of biases[l], each of shape (n_out,)."""
        return [_readonly(lin.bias) for lin in self.module.linears]

    @property
    def preprocessing(self) -> dict[str, np.ndarray] | None:
        """The input standardisation {"mean", "scale"} (n_inputs,), or None for identity."""
        mean, scale = _readonly(self.module.mean), _readonly(self.module.scale)
        if not mean.any() and np.all(scale == 1):
            return None
        return {"mean": mean, "scale": scale}

    def set_preprocessing(self, mean, scale) -> None:
        """Standardise raw inputs as (x - mean) / scale before layer 0."""
        mean = np.array(mean, dtype=float).reshape(-1)  # a copy: torch wants writable arrays
        scale = np.array(scale, dtype=float).reshape(-1)
        if mean.shape != (self.n_inputs,) or scale.shape != (self.n_inputs,):
            raise ValueError(
                f"`mean` and `scale` must have shape ({self.n_inputs},). "
                f"Got {mean.shape} and {scale.shape} instead."
            )
        if np.any(scale <= 0) or not np.all(np.isfinite(scale)) or not np.all(np.isfinite(mean)):
            raise ValueError("`scale` must be finite and > 0 and `mean` finite.")
        with torch.no_grad():
            self.module.mean.copy_(torch.as_tensor(mean))
            self.module.scale.copy_(torch.as_tensor(scale))

    def set_parameters(self, weights: Sequence, biases: Sequence) -> None:
        """Replace every weights[l] (n_out, n_in) and biases[l] (n_out,) with copies.

        The copies are made by numpy in the model's dtype and handed to torch as they are:
        no float64 detour, and no multi-threaded copy kernel (which stalls on busy cores).
        """
        if len(weights) != self.n_layers or len(biases) != self.n_layers:
            raise ValueError(
                f"Expected {self.n_layers} weight matrices and bias vectors. "
                f"Got {len(weights)} and {len(biases)} instead."
            )
        np_dtype = np.dtype(self.dtype_name)
        for l, (lin, w, b) in enumerate(zip(self.module.linears, weights, biases)):
            w = np.array(w, dtype=np_dtype, order="C")
            b = np.array(b, dtype=np_dtype).reshape(-1)
            if w.shape != tuple(lin.weight.shape) or b.shape != tuple(lin.bias.shape):
                raise ValueError(
                    f"weights[{l}] must be {tuple(lin.weight.shape)} and biases[{l}] "
                    f"({lin.bias.shape[0]},). Got {w.shape} and {b.shape} instead."
                )
            if not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
                raise ValueError(f"weights[{l}] or biases[{l}] contain NaN or infinity.")
            lin.weight.data = torch.from_numpy(w)
            lin.bias.data = torch.from_numpy(b)

    def describe_sizes(self) -> str:
        return "-".join(str(s) for s in self.sizes)

    def __repr__(self) -> str:
        acts = self.activation
        acts = "/".join(acts) if isinstance(acts, list) else acts
        return (
            f"DenseNet({self.describe_sizes()}, activation={acts!r}, "
            f"output_activation={self.output_activation!r}, dtype={self.dtype_name})"
        )

    # ---------------------------------------------------------------- inference
    def tensor(self, X) -> torch.Tensor:
        """Check X and return it as a (n, n_inputs) tensor of the model's dtype."""
        X = check_X(self, X)
        if not X.flags.writeable:  # torch warns on read-only arrays (pandas, our views)
            X = X.copy()
        return torch.as_tensor(X, dtype=self.dtype)

    def forward(self, X, batch_size: int = 8192) -> np.ndarray:
        """Output activations (n, n_outputs) for raw inputs X (n, n_inputs)."""
        X = self.tensor(X)
        batch_size = check_positive_int(batch_size, "batch_size")
        with torch.no_grad():
            return np.concatenate(
                [self.module(X[i : i + batch_size]).numpy() for i in range(0, len(X), batch_size)]
            ) if len(X) else np.empty((0, self.n_outputs), dtype=self.dtype_name)

    def predict_proba(self, X, batch_size: int = 8192) -> np.ndarray:
        """Class probabilities (n, n_classes), columns in `classes_` order; a single sigmoid
        output gives [1 - p, p]."""
        if self.task != "classification":
            raise ValueError("predict_proba needs a classifier; this network is a regressor.")
        return self.proba_of(self.forward(X, batch_size))

    def predict(self, X, batch_size: int = 8192) -> np.ndarray:
        """Class labels (n,) from `classes_` for classifiers; the outputs for regressors."""
        return self.predict_of(self.forward(X, batch_size))

    def trace(self, X, batch_size: int = 4096, layers: Sequence[int] | None = None) -> Trace:
        """Every layer's pre-activations and activations for X (n, n_inputs).

        Computed `batch_size` rows at a time into preallocated arrays, so memory is the
        result plus one batch. `layers` keeps only those layers (others are empty arrays).
        """
        X = self.tensor(X)
        batch_size = check_positive_int(batch_size, "batch_size")
        keep = set(range(self.n_layers)) if layers is None else {
            check_layer(self, layer) for layer in layers
        }
        n, np_dtype = len(X), self.dtype_name
        zs = [np.empty((n, s) if l in keep else (0, s), np_dtype)
              for l, s in enumerate(self.sizes[1:])]
        acts = [np.empty_like(z) for z in zs]
        inputs = np.empty((n, self.n_inputs), np_dtype)
        with torch.no_grad():
            for i in range(0, n, batch_size):
                batch = X[i : i + batch_size]
                p = chain.run(self.module, batch)
                inputs[i : i + len(batch)] = p.input.numpy()
                for l in keep:
                    zs[l][i : i + len(batch)] = p.z[l].numpy()
                    acts[l][i : i + len(batch)] = p.a[l].numpy()
        return Trace(input=inputs, pre_activations=zs, activations=acts)

    def score(self, X, y, sample_weight=None) -> float:
        """Accuracy of the labels `y` (n,) for classifiers, R^2 for regressors.

        Labels the model does not know (not in `classes_`) are refused.
        """
        from hiddenlens._metrics import score

        if self.task == "classification":
            label_indices(self, y)
        return score(self.task, y, self.predict(X), sample_weight)

    # ---------------------------------------------------------------- metadata
    def _check_metadata(self) -> None:
        if self.image_shape and int(np.prod(self.image_shape)) != self.n_inputs:
            raise ValueError(
                f"`image_shape` {self.image_shape} does not hold {self.n_inputs} inputs."
            )
        if self.class_names is not None and self.n_classes != len(self.class_names):
            raise ValueError(
                f"`class_names` has {len(self.class_names)} names but the network has "
                f"{self.n_classes} classes."
            )
        if self.feature_names is not None and len(self.feature_names) != self.n_inputs:
            raise ValueError(
                f"`feature_names` has {len(self.feature_names)} names but the network has "
                f"{self.n_inputs} inputs."
            )


def _readonly(t: torch.Tensor) -> np.ndarray:
    a = t.detach().numpy()
    a = a.view()
    a.flags.writeable = False
    return a


def _check_sizes(sizes) -> list[int]:
    try:
        sizes = [int(s) for s in sizes]
    except (TypeError, ValueError, OverflowError) as exc:
        raise TypeError(f"`sizes` must be a sequence of integers. Got {sizes!r} instead.") from exc
    shown = sizes if len(sizes) <= 12 else sizes[:5] + ["..."] + sizes[-5:]
    if len(sizes) < 2 or any(s < 1 for s in sizes):
        raise ValueError(
            f"`sizes` must list at least two layer widths, each >= 1 (e.g. [784, 100, 10]). "
            f"Got {shown} instead."
        )
    check_network_size(sizes)  # before nn.Linear allocates a weight
    return sizes


def _check_hidden_activations(activation, n_hidden: int) -> list[str]:
    if isinstance(activation, str):
        check_choice(activation, "activation", hidden_activations())
        activation = [activation] * n_hidden
    activation = list(activation)
    if len(activation) != n_hidden:
        raise ValueError(
            f"`activation` must be one name or one per hidden layer ({n_hidden}). "
            f"Got {len(activation)} instead."
        )
    for act in activation:
        check_choice(act, "activation", hidden_activations())
    return activation
