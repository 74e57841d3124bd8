"""What a Captum user wraps around a DenseNet: the model without its softmax (or with it)."""

import torch


class Logits(torch.nn.Module):
    """forward(x) -> logits (n, n_outputs), or probabilities; x may be images (n, 28, 28)."""

    def __init__(self, net, probability=False):
        super().__init__()
        self.net, self.probability = net, probability

    def forward(self, x):
        x = x.reshape(len(x), -1)
        return self.net.module(x) if self.probability else self.net.module.logits(x)
