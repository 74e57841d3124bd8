"""Training: one reproducible loop for every network (the seeds' presets are in presets.py)."""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from hiddenlens._activations import apply_activation
from hiddenlens._backprop import loss_gradients
from hiddenlens._files import check_writable
from hiddenlens._metrics import accuracy, r2
from hiddenlens._optim import KerasRMSprop
from hiddenlens._progress import progress_bar
from hiddenlens._threads import torch_threads
from hiddenlens._validation import (
    MAX_EPOCHS,
    check_choice,
    check_positive_int,
    check_real,
    integer_seed,
)
from hiddenlens.data import Dataset, load_dataset
from hiddenlens.net import DenseNet

LOSSES = ("cross-entropy", "quadratic", "mse")
OPTIMIZERS = ("sgd", "rmsprop", "adam")


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 10
    lr: float = 0.1
    batch_size: int = 32
    optimizer: str = "sgd"
    loss: str = "cross-entropy"
    random_state: int = 0  # the integer torch's shuffling generator starts from
    momentum: float = 0.0
    weight_decay: float = 0.0
    dropout: float = 0.0


def train(
    net: DenseNet,
    data: Dataset | str,
    *,
    epochs: int | None = None,
    lr: float = 0.1,
    batch_size: int = 32,
    optimizer: str = "sgd",
    loss: str | None = None,
    random_state=0,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
    dropout: float = 0.0,
    checkpoint=None,
    resume=None,
    overwrite: bool = False,
    threads: int | None = 1,
    progress: bool = True,
) -> DenseNet:
    """Train `net` in place on `data` with mini-batch gradient descent; return it.

    Parameters
    ----------
    net : DenseNet
    data : Dataset or str
        A data set or its name. Its training split is used for updates; both splits are
        scored after every epoch.
    epochs : int, optional
        Passes over the training split. Default: enough for about 3,000 mini-batch updates,
        between 10 and 500 epochs (`auto_epochs`): 500 for iris' 112 training rows, 24 for
        the 4,000 embedded digits, 10 for the full MNIST. At most `MAX_EPOCHS` (100,000).
    lr, batch_size : float, int
    optimizer : {"sgd", "rmsprop", "adam"}, default="sgd"
        RMSprop is Keras' (rho=0.9, epsilon=1e-7 inside the square root).
    loss : {"cross-entropy", "quadratic", "mse"}, optional
        Default: cross-entropy for classifiers, mse for regressors. "quadratic" is Nielsen's
        cost, 0.5 * ||a - y||^2 averaged over the mini-batch.
    random_state : int, None or numpy.random.Generator, default=0
        The shuffling (and dropout's masks): torch draws them from one integer, an int as
        is (the same int gives the same weights bit for bit), else one drawn from fresh
        entropy (None) or from the Generator. The integer is stored in a checkpoint; resume
        with the same int.
    dropout : float, default=0.0
        Probability of zeroing each hidden activation during training (inverted dropout, as
        Keras' Dropout layers); the trained network has no dropout.
    checkpoint : path, optional
        Written (atomically) after every epoch: weights, optimizer state, shuffling state.
    resume : path, optional
        A checkpoint of this same run to continue from; the result equals an uninterrupted run.
    threads : int or None, default=1
        Torch threads while training. One thread makes the weights independent of the
        machine's core count (and is fastest for small mini-batches); None keeps torch's.
    progress : bool, default=True
        Show a progress bar.

    Returns
    -------
    DenseNet
        The same object, trained; ``net.history`` has one dict per epoch.
    """
    from hiddenlens.io._checkpoint import load_checkpoint, save_checkpoint

    ds = load_dataset(data, progress=progress) if isinstance(data, str) else data
    check_fits(net, ds)
    loss = loss or ("mse" if ds.task == "regression" else "cross-entropy")
    config = TrainConfig(
        epochs=auto_epochs(len(ds.X_train), batch_size) if epochs is None else
        check_positive_int(epochs, "epochs", maximum=MAX_EPOCHS),
        lr=check_real(lr, "lr", 0, closed="neither"),
        batch_size=check_positive_int(batch_size, "batch_size"),
        optimizer=check_choice(optimizer, "optimizer", OPTIMIZERS),
        loss=check_choice(loss, "loss", LOSSES), random_state=integer_seed(random_state),
        momentum=float(momentum), weight_decay=float(weight_decay),
        dropout=check_real(dropout, "dropout", 0, 1, closed="left"),
    )
    if config.loss == "cross-entropy" and net.output_activation == "linear":
        raise ValueError("`loss` 'cross-entropy' needs a softmax or sigmoid output; a linear "
                         "output trains with loss='mse' or 'quadratic'.")
    # an existing checkpoint file is refused now, not after the first epoch
    own_checkpoint = resume is not None and checkpoint is not None and _same_file(checkpoint,
                                                                                   resume)
    if checkpoint is not None and not own_checkpoint:
        check_writable(checkpoint, overwrite)
    _adopt_dataset(net, ds, standardize=resume is None)
    opt = _make_optimizer(net, config)
    generator = torch.Generator().manual_seed(config.random_state)
    start = 0
    if resume is not None:
        start = load_checkpoint(resume, net, opt, generator, asdict(config))
        if start > config.epochs:
            raise ValueError(
                f"{resume} has already trained {start} epochs; ask for epochs >= {start} to "
                "continue it."
            )
    loop = _Loop(net, ds, config, opt, generator)
    total = (config.epochs - start) * loop.n_batches
    with torch_threads(threads), \
            progress_bar(progress, total, "training", transient=False) as advance:
        for epoch in range(start, config.epochs):
            seconds = loop.run_epoch(advance)
            net.history.append(loop.evaluate(epoch + 1, seconds))
            advance(0, description=_epoch_label(net.history[-1], config.epochs))
            if checkpoint is not None:
                save_checkpoint(checkpoint, net, opt, generator, asdict(config), epoch + 1,
                                overwrite=overwrite or epoch > start or own_checkpoint)
    net.module.eval()
    warn_if_near_chance(net, ds)
    return net


AUTO_UPDATES = 3000  # mini-batch updates the default epoch count aims for


def auto_epochs(n_train: int, batch_size: int) -> int:
    """Epochs giving about AUTO_UPDATES mini-batch updates, between 10 and 500: small tables
    need many passes (iris' 112 rows make 4 batches of 32), large sets few."""
    n_batches = -(-max(1, n_train) // check_positive_int(batch_size, "batch_size"))
    return min(500, max(10, -(-AUTO_UPDATES // n_batches)))


def chance_score(ds: Dataset) -> float:
    """What a network that learned nothing scores on the test split: the most common
    class's share for a classifier (always predicting it), 0 for a regressor's R^2."""
    if ds.task == "regression":
        return 0.0
    y = ds.y_test if len(ds.y_test) else ds.y_train
    return float(np.bincount(np.asarray(y, dtype=np.int64)).max() / max(1, len(y)))


def warn_if_near_chance(net: DenseNet, ds: Dataset) -> None:
    """A UserWarning when the trained network scores within 10% of the way from chance to
    perfect on the test split (e.g. below 0.40 for three balanced classes)."""
    if not net.history:
        return
    name = _metric_name(net)
    score, chance = net.history[-1][f"test_{name}"], chance_score(ds)
    if score < chance + 0.1 * (1 - chance):
        what = ("always predicting the most common class" if name == "accuracy"
                else "predicting the mean")
        warnings.warn(
            f"The network ends at test {name} {score:.3f}, near chance ({chance:.3f}, "
            f"{what}); train longer (epochs=), change the learning rate (lr=) or try "
            "optimizer='adam'.", UserWarning, stacklevel=3)


def check_fits(net: DenseNet, ds: Dataset) -> None:
    """One sentence when the network's input or output size does not fit the data set."""
    if net.n_inputs != ds.n_features:
        raise ValueError(
            f"The {net.describe_sizes()} network takes {net.n_inputs} inputs but {ds.name} has "
            f"{ds.n_features} features; use sizes starting with {ds.n_features}."
        )
    if ds.task == "regression":
        if net.n_outputs != 1 or net.task != "regression" or net.output_activation == "softmax":
            raise ValueError(
                f"{ds.name} is a regression task: the network needs one linear output unit "
                f"(output_activation='linear'). Got {net.n_outputs} {net.output_activation} "
                "outputs."
            )
        return
    n_classes = ds.n_classes
    if net.task != "classification" or net.n_classes != n_classes:
        raise ValueError(
            f"The {net.describe_sizes()} network has {net.n_outputs} outputs but {ds.name} has "
            f"{n_classes} classes; use sizes ending with {n_classes}."
        )


def _same_file(a, b) -> bool:
    return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


def _adopt_dataset(net: DenseNet, ds: Dataset, standardize: bool) -> None:
    """Copy names onto the model; learn standardisation on the training split (tabular only)."""
    net.data_name = ds.name
    net.image_shape = ds.image_shape
    net.feature_names = list(ds.feature_names)
    if ds.class_names is not None:
        net.class_names = list(ds.class_names)
        net.classes_ = None  # a Dataset's labels: the indices 0..K-1 of its class_names
    if standardize and not ds.is_image:
        mean = ds.X_train.mean(axis=0, dtype=np.float64)
        std = ds.X_train.std(axis=0, dtype=np.float64)
        net.set_preprocessing(mean, np.where(std > 0, std, 1.0))


def _make_optimizer(net: DenseNet, c: TrainConfig) -> torch.optim.Optimizer:
    params = net.module.parameters()
    if c.optimizer == "sgd":
        return torch.optim.SGD(params, lr=c.lr, momentum=c.momentum, weight_decay=c.weight_decay)
    if c.optimizer == "rmsprop" and not (c.momentum or c.weight_decay):
        return KerasRMSprop(params, lr=c.lr)
    if c.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=c.lr, alpha=0.9, eps=1e-7,
                                   momentum=c.momentum, weight_decay=c.weight_decay)
    return torch.optim.Adam(params, lr=c.lr, weight_decay=c.weight_decay)


class _Loop:
    """Tensors and loss for one training run; (n, n_inputs) inputs, targets per the loss."""

    def __init__(self, net, ds, config, opt, generator):
        self.net, self.config, self.opt, self.generator = net, config, opt, generator
        dtype = net.dtype
        self.X = {s: torch.as_tensor(getattr(ds, f"X_{s}"), dtype=dtype) for s in ("train", "test")}
        self.y = {s: torch.as_tensor(getattr(ds, f"y_{s}")) for s in ("train", "test")}
        self.target = {s: self._targets(self.y[s], dtype) for s in ("train", "test")}
        self.dense_target = self._dense_targets(self.y["train"], dtype)  # (n, n_out)
        self.n_batches = -(-len(self.X["train"]) // config.batch_size)

    def _targets(self, y, dtype):
        net = self.net
        if net.task == "regression":
            return y.to(dtype).reshape(-1, 1)
        if net.output_activation == "softmax" and self.config.loss == "cross-entropy":
            return y.long()
        if net.n_outputs == 1:  # one sigmoid unit: p(class 1)
            return y.to(dtype).reshape(-1, 1)
        return F.one_hot(y.long(), net.n_outputs).to(dtype)  # (n, n_outputs)

    def _dense_targets(self, y, dtype):
        """Targets as (n, n_out) floats for the closed-form gradients."""
        if self.net.output_activation == "softmax":
            return F.one_hot(y.long(), self.net.n_outputs).to(dtype)
        return self._targets(y, dtype)

    def loss(self, logits, target):
        net, loss = self.net, self.config.loss
        if loss == "cross-entropy" and net.output_activation == "softmax":
            return F.cross_entropy(logits, target)
        if loss == "cross-entropy" and net.output_activation == "sigmoid":
            return F.binary_cross_entropy_with_logits(logits, target, reduction="sum") / len(target)
        out = apply_activation(net.output_activation, logits)
        if loss == "quadratic":
            return 0.5 * ((out - target) ** 2).sum(dim=1).mean()  # Nielsen's cost
        return ((out - target) ** 2).mean()

    def run_epoch(self, advance) -> float:
        t0 = time.perf_counter()
        module, X, target = self.net.module, self.X["train"], self.dense_target
        params = list(module.parameters())
        module.train()
        order = torch.randperm(len(X), generator=self.generator)
        bs = self.config.batch_size
        for b, i in enumerate(range(0, len(X), bs)):
            idx = order[i : i + bs]
            with torch.no_grad():
                grads = loss_gradients(module, X[idx], target[idx], self.config.loss,
                                       self.config.dropout, self.generator)
            for p, g in zip(params, grads):
                p.grad = g
            self.opt.step()
            if b % 25 == 24:
                advance(25)
        advance(self.n_batches % 25)
        module.eval()
        return time.perf_counter() - t0

    def evaluate(self, epoch: int, seconds: float) -> dict:
        entry = {"epoch": epoch}
        with torch.no_grad():
            for split in ("train", "test"):
                logits = self.net.module.logits(self.X[split])
                entry[f"{split}_loss"] = float(self.loss(logits, self.target[split]))
                metric = _metric(self.net, logits, self.y[split])
                entry[f"{split}_{_metric_name(self.net)}"] = metric
        entry["seconds"] = round(seconds, 4)
        entry["samples_per_second"] = round(len(self.X["train"]) / max(seconds, 1e-9), 1)
        return entry


def _metric_name(net: DenseNet) -> str:
    return "r2" if net.task == "regression" else "accuracy"


def _metric(net: DenseNet, logits: torch.Tensor, y: torch.Tensor) -> float:
    """Accuracy or R² of one split from its logits (n, n_outputs); a linear output is its logit."""
    if net.task == "regression":
        return r2(y, logits[:, 0])
    pred = (logits[:, 0] > 0).long() if net.n_outputs == 1 else logits.argmax(dim=1)
    return accuracy(y, pred)


def _epoch_label(entry: dict, epochs: int) -> str:
    score = entry.get("test_accuracy", entry.get("test_r2"))
    name = "acc" if "test_accuracy" in entry else "R2"
    return f"epoch {entry['epoch']}/{epochs} test {name} {score:.3f}"
