"""What a Captum user wraps around a DenseNet: the model without its softmax (or with it)."""

import torch

from hiddenlens._activations import apply_activation


class Logits(torch.nn.Module):
    """forward(x) -> logits (n, n_outputs), or probabilities; x may be images (n, 28, 28)."""

    def __init__(self, net, probability=False):
        super().__init__()
        self.net, self.probability = net, probability

    def forward(self, x):
        x = x.reshape(len(x), -1)
        return self.net.module(x) if self.probability else self.net.module.logits(x)


ACTIVATIONS = {"sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU, "tanh": torch.nn.Tanh,
               "linear": torch.nn.Identity}


class Layers(torch.nn.Module):
    """The net as Linear and activation modules, for Captum's layer methods to hook.

    forward(x) -> logits (n, n_outputs); `probability` applies the output activation;
    `stop=(layer, "a" or "z")` returns that layer's values instead (a hidden target).
    """

    def __init__(self, net, probability=False, stop=None):
        super().__init__()
        self.net, self.probability, self.stop = net, probability, stop
        self.acts = torch.nn.ModuleList(ACTIVATIONS[a]() for a in net.activations[:-1])

    def forward(self, x):
        a = self.net.module.standardize(x.reshape(len(x), -1))
        for l, (lin, act) in enumerate(zip(self.net.module.linears[:-1], self.acts)):
            z = lin(a)
            a = act(z)
            if self.stop is not None and self.stop[0] == l:
                return a if self.stop[1] == "a" else z
        z = self.net.module.linears[-1](a)
        return apply_activation(self.net.output_activation, z) if self.probability else z
