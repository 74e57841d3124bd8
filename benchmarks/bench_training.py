"""Training the nielsen preset: hiddenlens' loop against Nielsen's network.py algorithm.

The peer is a plain NumPy re-implementation of network.py's SGD (backpropagation one example
at a time inside each mini-batch, as network.py does), started from the same weights and fed
the same mini-batches, so the weights after one epoch must agree. Both run in float64 for the
comparison; the hiddenlens preset itself trains in float32.

    python benchmarks/bench_training.py
"""

from __future__ import annotations

import time

import numpy as np
import torch

import hiddenlens as hl
from _common import report
from hiddenlens.presets import _normal_init


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def network_py_epoch(weights, biases, X, Y, order, eta, batch):
    """One epoch of network.py's update_mini_batch: per-example backprop, quadratic cost."""
    for i in range(0, len(order), batch):
        idx = order[i : i + batch]
        nabla_w = [np.zeros_like(w) for w in weights]
        nabla_b = [np.zeros_like(b) for b in biases]
        for j in idx:
            x, y = X[j][:, None], Y[j][:, None]  # column vectors, as network.py
            acts, zs = [x], []
            for w, b in zip(weights, biases):
                zs.append(w @ acts[-1] + b)
                acts.append(sigmoid(zs[-1]))
            delta = (acts[-1] - y) * acts[-1] * (1 - acts[-1])
            nabla_b[-1] += delta
            nabla_w[-1] += delta @ acts[-2].T
            for layer in range(2, len(weights) + 1):
                s = acts[-layer]
                delta = (weights[-layer + 1].T @ delta) * s * (1 - s)
                nabla_b[-layer] += delta
                nabla_w[-layer] += delta @ acts[-layer - 1].T
        weights = [w - eta / len(idx) * nw for w, nw in zip(weights, nabla_w)]
        biases = [b - eta / len(idx) * nb for b, nb in zip(biases, nabla_b)]
    return weights, biases


def main() -> None:
    ds = hl.load_dataset()
    p = hl.PRESETS["nielsen"]
    net = hl.DenseNet(p.sizes, p.activation, p.output_activation, dtype=torch.float64)
    _normal_init(net, random_state=0, weight_scale=True)
    w0 = [np.array(w) for w in net.weights]
    b0 = [np.array(b)[:, None] for b in net.biases]
    order = torch.randperm(len(ds.X_train), generator=torch.Generator().manual_seed(0)).numpy()

    options = dict(epochs=1, lr=p.lr, batch_size=p.batch_size, loss=p.loss, random_state=0,
                   progress=False)
    hl.train(hl.DenseNet(p.sizes, p.activation, p.output_activation, dtype=torch.float64), ds,
             **options)
    t0 = time.perf_counter()  # timed after a warm-up run: torch's first call costs ~1 s
    hl.train(net, ds, **options)
    ours_epoch = time.perf_counter() - t0
    X = ds.X_train.astype(np.float64)
    Y = np.eye(10)[ds.y_train]
    t0 = time.perf_counter()
    w1, b1 = network_py_epoch(w0, b0, X, Y, order, p.lr, p.batch_size)
    peer_epoch = time.perf_counter() - t0
    diff = max(np.abs(a - b).max() for a, b in zip(net.weights + net.biases,
                                                   w1 + [b[:, 0] for b in b1]))

    t0 = time.perf_counter()
    full = hl.train_preset("nielsen", ds, progress=False)
    full_s = time.perf_counter() - t0
    rows = [{"method": "train 1 epoch, float64", "peer": "network.py loop (NumPy)",
             "ours_s": ours_epoch, "peer_s": peer_epoch, "ratio": peer_epoch / ours_epoch,
             "max_abs_diff": float(diff)}]
    note = (f"nielsen preset, 30 epochs on 4,000 digits (float32): {full_s:.1f} s, "
            f"{full.history[-1]['samples_per_second']:.0f} samples/s in the last epoch, "
            f"test accuracy {full.history[-1]['test_accuracy']:.4f}")
    report("training", rows, note)


if __name__ == "__main__":
    main()
