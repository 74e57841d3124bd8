"""from_torch: nn.Sequential of Linear and activations, against torch itself."""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import hiddenlens as hl


@pytest.fixture(scope="module")
def digits():
    return hl.load_dataset("mnist-embedded").X_test[::5]  # 200 digits, every class


def _reference(module, X, dtype=torch.float32):
    with torch.no_grad():
        return module.eval()(torch.as_tensor(X, dtype=dtype)).numpy()


def test_keras_blog_shape_matches_torch(digits):
    torch.manual_seed(0)
    module = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2),
                           nn.Linear(512, 256), nn.ReLU(), nn.Dropout(0.2),
                           nn.Linear(256, 10), nn.Softmax(dim=1))
    net = hl.from_torch(module)
    assert net.sizes == [784, 512, 256, 10] and net.activations == ["relu", "relu", "softmax"]
    assert net.image_shape == (28, 28)
    np.testing.assert_allclose(net.predict_proba(digits), _reference(module, digits), atol=1e-6)
    np.testing.assert_array_equal(net.weights[1], module[4].weight.detach().numpy())


def test_nested_float64_and_log_softmax(digits):
    torch.manual_seed(1)
    module = nn.Sequential(
        nn.Sequential(nn.Linear(784, 30, dtype=torch.float64), nn.Sigmoid()),
        nn.Sequential(nn.Linear(30, 20, dtype=torch.float64), nn.Tanh(), nn.Identity()),
        nn.Linear(20, 10, dtype=torch.float64), nn.LogSoftmax(dim=-1),
    )
    net = hl.from_torch(module, class_names=list("abcdefghij"))
    assert net.dtype == torch.float64 and net.activations == ["sigmoid", "tanh", "softmax"]
    assert net.class_names == list("abcdefghij")
    expected = np.exp(_reference(module, digits, torch.float64))
    np.testing.assert_allclose(net.predict_proba(digits), expected, atol=1e-12)


def test_linear_output_without_bias_and_a_bare_linear():
    torch.manual_seed(2)
    module = nn.Sequential(nn.Linear(4, 3, bias=False), nn.ReLU(), nn.Linear(3, 2))
    net = hl.from_torch(module)
    assert net.task == "regression" and net.output_activation == "linear"
    X = np.random.default_rng(0).random((20, 4))
    np.testing.assert_allclose(net.predict(X), _reference(module, X), atol=1e-6)
    assert hl.from_torch(nn.Linear(4, 2)).sizes == [4, 2]


@pytest.mark.parametrize(
    "layer, name",
    [(nn.Conv2d(1, 4, 3), "Conv2d"), (nn.BatchNorm1d(8), "BatchNorm1d"),
     (nn.LSTM(8, 8), "LSTM"), (nn.GELU(), "GELU")],
)
def test_unsupported_layers_are_named_with_their_index(layer, name):
    module = nn.Sequential(nn.Linear(4, 8), nn.Sequential(nn.ReLU(), layer), nn.Linear(8, 2))
    with pytest.raises(ValueError, match=re.escape(
        f"layer 1.1 ({name}) of the nn.Sequential is not supported; hiddenlens imports dense "
        "networks made of Linear, Sigmoid, Tanh, ReLU, Identity, Softmax, LogSoftmax, Flatten "
        "and Dropout.")):
        hl.from_torch(module)


def test_bad_modules_get_one_sentence():
    with pytest.raises(ValueError, match=re.escape(
        "The shapes do not chain in the nn.Sequential: layer 2 (Linear) takes 6 inputs but "
        "layer 0 (Linear) gives 5 outputs.")):
        hl.from_torch(nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(6, 2)))
    with pytest.raises(ValueError, match=re.escape(
        "layer 2 (Sigmoid) of the nn.Sequential applies sigmoid after relu on the same layer; "
        "hiddenlens supports one activation per dense layer.")):
        hl.from_torch(nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Sigmoid(), nn.Linear(5, 2)))
    with pytest.raises(ValueError, match=re.escape(
        "layer 0 (ReLU) of the nn.Sequential applies relu before any dense layer; hiddenlens "
        "models start with a dense layer.")):
        hl.from_torch(nn.Sequential(nn.ReLU(), nn.Linear(4, 2)))
    with pytest.raises(ValueError, match=re.escape(
        "layer 1 (Softmax) of the nn.Sequential normalises over dim=0; only dim=1 or -1 (over "
        "the units of a (n, units) batch) can be imported.")):
        hl.from_torch(nn.Sequential(nn.Linear(4, 2), nn.Softmax(dim=0)))
    with pytest.raises(ValueError, match=re.escape(
        "the nn.Sequential has no dense layer; there is nothing to import.")):
        hl.from_torch(nn.Sequential(nn.Flatten()))
    with pytest.raises(TypeError, match=re.escape(
        "`module` must be a torch nn.Module (an nn.Sequential of Linear, Sigmoid, Tanh, ReLU, "
        "Identity, Softmax, LogSoftmax, Flatten and Dropout layers, or a class whose forward "
        "chains them). Got str instead.")):
        hl.from_torch("model.pt")


# ---------------------------------------------------------------- classes of one's own
class Nielsen(nn.Module):
    """The usual hand-written MNIST net: fc1, fc2, view, sigmoid, log_softmax."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(784, 30), nn.Linear(30, 10)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        return F.log_softmax(self.fc2(torch.sigmoid(self.fc1(x))), dim=1)


class Stack(nn.Module):
    """Layers in a ModuleList, relu by function, dropout by function, a flatten first."""

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(784, 40), nn.Linear(40, 20), nn.Linear(20, 10)])

    def forward(self, x):
        x = torch.flatten(x, 1)
        for layer in self.layers[:-1]:
            x = F.dropout(F.relu(layer(x)), 0.3, training=self.training)
        return self.layers[-1](x).softmax(dim=-1)


class Mixed(nn.Module):
    """Modules and methods mixed: nn.Tanh, x.relu(), a Sequential inside."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(784, 16), nn.Tanh())
        self.head = nn.Linear(16, 8)
        self.out = nn.Linear(8, 10)

    def forward(self, x):
        return self.out(self.head(self.body(x.reshape(-1, 784))).relu())


@pytest.mark.parametrize("cls, sizes, activations", [
    (Nielsen, [784, 30, 10], ["sigmoid", "softmax"]),
    (Stack, [784, 40, 20, 10], ["relu", "relu", "softmax"]),
    (Mixed, [784, 16, 8, 10], ["tanh", "relu", "linear"]),
])
def test_a_class_of_ones_own_is_traced_and_equals_torch(digits, cls, sizes, activations):
    torch.manual_seed(1)
    module = cls()
    net = hl.from_torch(module)
    assert net.sizes == sizes and net.activations == activations
    theirs = _reference(module, digits.reshape(-1, 1, 28, 28))  # images, as a loader gives
    theirs = np.exp(theirs) if cls is Nielsen else theirs  # log-softmax -> probabilities
    np.testing.assert_allclose(net.forward(digits), theirs, rtol=1e-5, atol=1e-6)


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(8, 8), nn.Linear(8, 2)

    def forward(self, x):
        return self.fc2(x + torch.relu(self.fc1(x)))


class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(x) if x.sum() > 0 else -self.fc(x)


class Leaky(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(8, 8), nn.Linear(8, 2)

    def forward(self, x):
        return self.fc2(F.leaky_relu(self.fc1(x)))


class Raw(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(8, 2))

    def forward(self, x):
        return x @ self.w


@pytest.mark.parametrize("module, message", [
    (Residual(), "Residual.forward's add combines 2 tensors; hiddenlens imports a plain chain "
                 "of dense layers."),
    (Branchy(), "The forward of Branchy could not be traced by torch.fx (TraceError"),
    (Leaky(), "Leaky.forward's leaky_relu (leaky_relu) is not supported; hiddenlens imports "
              "dense networks made of Linear, Sigmoid, Tanh, ReLU"),
    (Raw(), "Raw.forward's matmul combines 2 tensors"),
])
def test_a_class_that_is_not_a_dense_chain_is_one_sentence(module, message):
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        hl.from_torch(module)
    assert "\n" not in str(info.value)


def test_nan_weights_are_refused():
    module = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    with torch.no_grad():
        module[2].weight[0, 0] = float("nan")
    with pytest.raises(ValueError, match=re.escape(
        "layer 2 (Linear) of the nn.Sequential contains NaN or infinite values; a network with "
        "such weights computes nothing meaningful, so fix or retrain it before importing.")):
        hl.from_torch(module)
