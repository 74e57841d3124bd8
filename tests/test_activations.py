"""Adding an activation is one entry in `hiddenlens._activations`: this test adds softplus
there and nowhere else, and every part of the library takes it (the chain and its pull-back,
training's gradients, the atlas, the importers and the ONNX export)."""

import math

import numpy as np
import pytest
import torch
from torch import nn

import hiddenlens as hl
from hiddenlens import _activations
from hiddenlens import _chain as chain
from hiddenlens._backprop import loss_gradients

SOFTPLUS = _activations.Activation(
    "softplus", nn.functional.softplus, lambda z, a: torch.sigmoid(z),
    (0.0, math.inf), floor=0.01, ceiling=None, base=0.0, output=False,
    aliases={"torch": ("Softplus",), "onnx": ("Softplus",)})


@pytest.fixture
def softplus():
    _activations.add_activation(SOFTPLUS)
    try:
        yield
    finally:
        del _activations.ACTIVATIONS["softplus"]


def _torch_twin(net):
    """The same network written with torch modules."""
    layers = []
    for lin, name in zip(net.module.linears, net.activations):
        layers += [lin, {"softplus": nn.Softplus(), "tanh": nn.Tanh(),
                         "softmax": nn.Softmax(dim=1)}[name]]
    return nn.Sequential(*layers)


def test_a_new_activation_runs_pulls_back_and_trains(softplus):
    net = hl.DenseNet([6, 5, 4, 3], ["softplus", "tanh"], dtype=torch.float64, random_state=0)
    X = torch.randn(7, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    twin = _torch_twin(net)
    np.testing.assert_allclose(net.forward(X.numpy()), twin(X).detach().numpy(), atol=1e-14)
    with torch.no_grad():
        p = chain.run(net.module, X)
        got = chain.pull_back(net.module, p, torch.eye(3, dtype=X.dtype).expand(7, -1, -1), 2,
                              pre=False)
    expected = np.stack([torch.autograd.functional.jacobian(lambda v: twin(v[None])[0], x)
                         .numpy() for x in X])
    np.testing.assert_allclose(got.numpy(), expected, atol=1e-12)
    target = nn.functional.one_hot(torch.tensor([0, 1, 2, 0, 1, 2, 0]), 3).double()
    with torch.no_grad():
        grads = loss_gradients(net.module, X, target, "cross-entropy")
    nn.functional.nll_loss(torch.log(twin(X)), target.argmax(1)).backward()
    for mine, theirs in zip(grads, [p.grad for p in net.module.parameters()]):
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), atol=1e-12)


def test_the_atlas_and_describe_use_its_floor(softplus):
    net = hl.DenseNet([4, 3, 2], "softplus", random_state=0)
    with torch.no_grad():
        net.module.linears[0].bias[:] = torch.tensor([-30.0, 0.0, 0.0])  # unit 0 never fires
    X = np.random.default_rng(0).normal(size=(50, 4)).astype(np.float32)
    at = hl.atlas(net, X, 0)
    assert at.dead.tolist() == [True, False, False]
    assert "never rises above 0.01" in hl.describe(net, X, 0, 0).sentences["status"]


def test_it_imports_from_torch_and_exports_to_onnx(softplus, tmp_path):
    import onnxruntime as ort

    model = nn.Sequential(nn.Linear(4, 5), nn.Softplus(), nn.Linear(5, 3), nn.Softmax(dim=1))
    net = hl.from_torch(model)
    assert net.activations == ["softplus", "softmax"]
    X = np.random.default_rng(2).normal(size=(9, 4)).astype(np.float32)
    np.testing.assert_allclose(net.forward(X), model(torch.as_tensor(X)).detach().numpy(),
                               atol=1e-6)
    path = hl.to_onnx(net, tmp_path / "softplus.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (out,) = session.run(None, {"input": X})
    np.testing.assert_allclose(out, net.forward(X), atol=1e-6)
    assert hl.load_model(path).activations == ["softplus", "softmax"]
