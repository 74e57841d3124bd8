"""The dense chain (hiddenlens._chain) against DenseNet.trace and torch.autograd.

Small float64 nets with a non-trivial standardisation, every hidden activation, every output.
"""

import itertools

import numpy as np
import pytest
import torch

import hiddenlens as hl
from hiddenlens import _chain as chain
from hiddenlens._activations import apply_activation, hidden_activations, output_activations

NETS = [([5, 4, 3, 3], [act, act], out)
        for act, out in itertools.product(hidden_activations(), output_activations())]


def _net(sizes, act, out, random_state=1):
    net = hl.DenseNet(sizes, act, out, dtype=torch.float64, random_state=random_state)
    net.set_preprocessing(np.arange(sizes[0]) * 0.1, np.arange(1, sizes[0] + 1) * 0.5)
    return net


def _X(n=6, d=5, random_state=0):
    return torch.as_tensor(np.random.RandomState(random_state).randn(n, d) * 2)


def _by_hand(net, x, interventions=None):
    """z and a of every layer, written out with torch ops (the test's own forward)."""
    a = (x - net.module.mean) / net.module.scale
    zs, acts = [], []
    for l, (lin, name) in enumerate(zip(net.module.linears, net.activations)):
        z = a @ lin.weight.T + lin.bias
        a = apply_activation(name, z)
        if interventions and l in interventions:
            a = interventions[l](a)
        zs.append(z)
        acts.append(a)
    return zs, acts


@pytest.mark.parametrize("sizes,act,out", NETS)
@torch.no_grad()
def test_run_from_any_point_to_any_point_equals_trace(sizes, act, out):
    net = _net(sizes, act, out)
    X = _X()
    t = net.trace(X.numpy())
    np.testing.assert_allclose(chain.run(net.module, X).input.numpy(), t.input, atol=1e-15)
    for start_layer, kind in itertools.product(range(net.n_layers), "za"):
        values = (t.pre_activations if kind == "z" else t.activations)[start_layer]
        for stop_layer in range(start_layer, net.n_layers):
            for stop_kind in "za":
                if stop_layer == start_layer and (kind == "a" or stop_kind == "z"):
                    continue
                p = chain.run(net.module, torch.as_tensor(values), (kind, start_layer),
                              (stop_kind, stop_layer))
                expected = (t.pre_activations if stop_kind == "z" else
                            t.activations)[stop_layer]
                np.testing.assert_allclose(p.value(stop_layer, stop_kind == "z").numpy(),
                                           expected, atol=1e-12)


@torch.no_grad()
def test_keep_false_keeps_only_the_last_layer():
    net = _net(*NETS[0])
    p = chain.run(net.module, _X(), keep=False)
    assert p.z[:2] == [None, None] and p.a[:2] == [None, None] and p.a[2] is not None


@pytest.mark.parametrize("sizes,act,out", NETS)
@pytest.mark.parametrize("pre", [True, False])
def test_pull_back_equals_autograd_for_every_layer_and_point(sizes, act, out, pre):
    net = _net(sizes, act, out)
    X = _X(4)
    with torch.no_grad():
        p = chain.run(net.module, X)
    for layer in range(net.n_layers):
        width = net.sizes[layer + 1]
        G = torch.eye(width, dtype=torch.float64).expand(len(X), -1, -1)  # every unit
        targets = [chain.INPUT] + [(k, j) for j in range(layer + 1) for k in "za"]
        for to in targets:
            if to != chain.INPUT and (to[1] == layer and (to[0] == "a" or not pre)):
                continue  # nothing to pull back through
            with torch.no_grad():
                got = chain.pull_back(net.module, p, G, layer, pre, to).numpy()
            np.testing.assert_allclose(got, _autograd(net, X, layer, pre, to), atol=1e-12,
                                       err_msg=f"layer {layer} pre={pre} to={to}")


def _autograd(net, X, layer, pre, to):
    """d (layer's z or a) / d `to` for each example, by torch.autograd.functional.jacobian."""
    rows = []
    for x in X:
        zs, acts = _by_hand(net, x[None])
        if to == chain.INPUT:
            def f(v):
                zs, acts = _by_hand(net, v[None])
                return (zs if pre else acts)[layer][0]
            rows.append(torch.autograd.functional.jacobian(f, x))
            continue
        kind, k = to
        start = (zs if kind == "z" else acts)[k][0]

        def g(v, kind=kind, k=k):
            p = chain.run(net.module, v[None], (kind, k), ("z" if pre else "a", layer))
            return p.value(layer, pre)[0]
        rows.append(torch.autograd.functional.jacobian(g, start))
    return torch.stack(rows).detach().numpy()


@torch.no_grad()
def test_pull_back_carries_many_rows_per_example():
    net = _net(*NETS[4])
    X = _X(3)
    p = chain.run(net.module, X)
    G = torch.randn(3, 2, 7, 3, dtype=torch.float64)  # (n, 2, 7, width_out)
    got = chain.pull_back(net.module, p, G, 2, True)
    for i, j in itertools.product(range(2), range(7)):
        one = chain.pull_back(net.module, p, G[:, i, j], 2, True)
        np.testing.assert_allclose(got[:, i, j].numpy(), one.numpy(), atol=1e-14)


@pytest.mark.parametrize("op,value,by_hand", [
    ("replace", 0.25, lambda a: torch.cat([a[:, :1], torch.full_like(a[:, 1:3], 0.25),
                                           a[:, 3:]], 1)),
    ("scale", 3.0, lambda a: torch.cat([a[:, :1], 3 * a[:, 1:3], a[:, 3:]], 1)),
    ("clamp", (-0.1, 0.2), lambda a: torch.cat([a[:, :1], a[:, 1:3].clamp(-0.1, 0.2),
                                               a[:, 3:]], 1)),
])
@pytest.mark.parametrize("sizes,act,out", [NETS[0], NETS[5], NETS[8]])
def test_interventions_equal_a_forward_by_hand_and_their_gradients_autograd(
        op, value, by_hand, sizes, act, out):
    net = _net(sizes, act, out)
    X = _X(5)
    iv = chain.Intervention(0, torch.tensor([1, 2]), op, value)
    with torch.no_grad():
        p = chain.run(net.module, X, interventions=[iv])
        zs, acts = _by_hand(net, X, {0: by_hand})
        np.testing.assert_allclose(p.a[-1].numpy(), acts[-1].numpy(), atol=1e-14)
        G = torch.eye(3, dtype=torch.float64).expand(5, -1, -1)
        got = chain.pull_back(net.module, p, G, 2, True)
    expected = np.stack([torch.autograd.functional.jacobian(
        lambda v: _by_hand(net, v[None], {0: by_hand})[0][-1][0], x).detach().numpy()
        for x in X])
    np.testing.assert_allclose(got.numpy(), expected, atol=1e-12)


@torch.no_grad()
def test_a_per_example_intervention_and_two_on_one_layer():
    net = _net(*NETS[0])
    X = _X(4)
    values = torch.arange(4.0, dtype=torch.float64)[:, None]  # one value per example
    ivs = [chain.Intervention(1, torch.tensor([0]), "replace", values),
           chain.Intervention(1, None, "scale", 2.0)]
    p = chain.run(net.module, X, interventions=ivs)

    def change(a):
        a = a.clone()
        a[:, 0] = values[:, 0]
        return 2 * a
    np.testing.assert_allclose(p.a[-1].numpy(), _by_hand(net, X, {1: change})[1][-1].numpy(),
                               atol=1e-14)


@torch.no_grad()
def test_low_rank_shift_equals_a_full_forward():
    net = _net(*NETS[0])
    X = _X(6)
    cols = torch.tensor([0, 3])
    dX = torch.randn(6, 2, dtype=torch.float64)
    rows = chain.column_weights(net.module, chain.INPUT)[cols]  # (2, h)
    z0 = chain.run(net.module, X, stop=("z", 0)).z[0]
    moved = X.clone()
    moved[:, cols] += dX
    expected = chain.run(net.module, moved, stop=("z", 0)).z[0]
    np.testing.assert_allclose(chain.shift(z0, dX, rows).numpy(), expected.numpy(), atol=1e-13)
    one = chain.shift(z0.clone(), dX[:, :1], rows[:1].expand(6, -1), inplace=True)
    moved = X.clone()
    moved[:, 0] += dX[:, 0]
    np.testing.assert_allclose(one.numpy(), chain.run(net.module, moved, stop=("z", 0)).z[0],
                               atol=1e-13)
    # a hidden layer's columns: changing unit 2 of layer 0 moves z_1 by its column
    p = chain.run(net.module, X)
    a = p.a[0].clone()
    a[:, 2] += 1.5
    np.testing.assert_allclose(
        chain.shift(p.z[1], torch.full((6, 1), 1.5, dtype=torch.float64),
                    chain.column_weights(net.module, 0)[[2]]).numpy(),
        chain.run(net.module, a, ("a", 0), ("z", 1)).z[1].numpy(), atol=1e-13)


def test_linear_chain_is_the_weight_product():
    net = _net(*NETS[0])
    W = [w.astype(float) for w in net.weights]
    np.testing.assert_allclose(chain.linear_chain(net.module, 2, 0).numpy(),
                               W[2] @ W[1] @ W[0], atol=1e-14)
    np.testing.assert_array_equal(chain.linear_chain(net.module, 1, 1).numpy(), W[1])
    np.testing.assert_array_equal(chain.linear_chain(net.module, 2, 3).numpy(), np.eye(3))


@pytest.mark.parametrize("out,loss", [("softmax", "cross-entropy"), ("sigmoid", "cross-entropy"),
                                      ("softmax", "quadratic"), ("sigmoid", "quadratic"),
                                      ("linear", "mse"), ("softmax", "mse")])
def test_loss_gradient_equals_autograd(out, loss):
    z = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    t = torch.nn.functional.one_hot(torch.tensor([0, 2, 1, 1, 0]), 3).double()
    a = apply_activation(out, z)
    if loss == "cross-entropy" and out == "softmax":
        value = -(t * torch.log_softmax(z, 1)).sum()
    elif loss == "cross-entropy":
        value = torch.nn.functional.binary_cross_entropy_with_logits(z, t, reduction="sum")
    elif loss == "quadratic":
        value = 0.5 * ((a - t) ** 2).sum()
    else:
        value = ((a - t) ** 2).mean(1).sum()
    (expected,) = torch.autograd.grad(value / 5, z)
    got = chain.loss_gradient(out, z.detach(), a.detach(), t, loss, per=5)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), atol=1e-14)


@torch.no_grad()
def test_layer_input_is_what_a_layer_multiplies():
    net = _net(*NETS[0])
    X = _X()
    t = net.trace(X.numpy())
    np.testing.assert_allclose(chain.layer_input(net.module, X, 0).numpy(), t.input)
    np.testing.assert_allclose(chain.layer_input(net.module, X, 2).numpy(), t.activations[1])
