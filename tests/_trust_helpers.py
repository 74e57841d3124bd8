"""Shared pieces of the trust-metric tests: a float64 copy of a trained net, the model a
Quantus or Captum user would pass (logits out), and a few digits with their attributions."""

import numpy as np
import torch

import hiddenlens as hl


def float64_copy(net):
    """The same weights in float64, so the peers' arithmetic and ours agree to ~1e-12."""
    copy = hl.DenseNet(net.sizes, net.activations[:-1], net.output_activation, dtype=torch.float64,
                       image_shape=net.image_shape, data_name=net.data_name)
    copy.set_parameters([np.array(w) for w in net.weights], [np.array(b) for b in net.biases])
    return copy


class Logits(torch.nn.Module):
    """images or flat inputs -> logits; the module is registered so Quantus's MPRT finds and
    re-draws its Linear layers."""

    def __init__(self, net):
        super().__init__()
        self.m = net.module
        self.dtype = net.dtype

    def forward(self, x):
        return self.m.logits(x.reshape(len(x), -1).to(self.dtype))


def digits(embedded, n):
    """The first n test digits (float64) and their labels."""
    return embedded.X_test[:n].astype(np.float64), embedded.y_test[:n]
