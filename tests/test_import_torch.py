"""from_torch: nn.Sequential of Linear and activations, against torch itself."""

import re

import numpy as np
import pytest
import torch
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
        "`module` must be an nn.Sequential of Linear, Sigmoid, Tanh, ReLU, Identity, Softmax, "
        "LogSoftmax, Flatten and Dropout layers. Got MLP instead; rebuild it as "
        "nn.Sequential(...) with the same weights, or pass its weight arrays to "
        "hiddenlens.from_arrays.")):
        hl.from_torch(MLP())


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)


def test_nan_weights_are_refused():
    module = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    with torch.no_grad():
        module[2].weight[0, 0] = float("nan")
    with pytest.raises(ValueError, match=re.escape(
        "layer 2 (Linear) of the nn.Sequential contains NaN or infinite values; a network with "
        "such weights computes nothing meaningful, so fix or retrain it before importing.")):
        hl.from_torch(module)
