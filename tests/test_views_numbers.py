"""The numbers behind the views: known answers and exact error sentences."""

import numpy as np
import pytest
import torch

import hiddenlens as hl


def _linear_net(random_state=3):
    """A 6-5-4-3 network with linear activations: every composite is a matrix product."""
    net = hl.DenseNet([6, 5, 4, 3], "linear", "linear", dtype=torch.float64,
                      random_state=random_state)
    return net


# ------------------------------------------------------------------ receptive fields
def test_receptive_fields_equal_the_weights(nielsen_net):
    for layer in (0, 1, -1):
        fields = hl.receptive_fields(nielsen_net, layer)
        np.testing.assert_array_equal(fields, nielsen_net.weights[layer])
    assert hl.receptive_fields(nielsen_net).shape == (100, 784)


def test_normalisations():
    w = np.array([[-2.0, 0.0, 1.0], [-4.0, -1.0, -3.0]])
    np.testing.assert_allclose(hl.normalize_fields(w), w / 4)
    np.testing.assert_allclose(hl.normalize_fields(w, scale="unit"),
                               [[-1, 0, 0.5], [-1, -0.25, -0.75]])
    # minmax: every unit spans 0..255, even the all-negative one (the caveat)
    np.testing.assert_allclose(hl.normalize_fields(w, method="minmax"),
                               [[0, 170, 255], [0, 255, 85]])
    np.testing.assert_allclose(hl.normalize_fields(w, method="abs"), np.abs(w) / 4)


def test_unit_orders(nielsen_net):
    np.testing.assert_array_equal(hl.unit_order(nielsen_net), np.arange(100))
    norms = np.linalg.norm(nielsen_net.weights[0], axis=1)
    assert np.all(np.diff(norms[hl.unit_order(nielsen_net, by="norm")]) <= 0)
    influence = hl.unit_order(nielsen_net, by="influence", next_unit=3)
    np.testing.assert_array_equal(influence, np.argsort(-nielsen_net.weights[1][3],
                                                        kind="stable"))


def test_unit_order_errors(nielsen_net):
    with pytest.raises(ValueError, match="Ordering by influence needs `next_unit`"):
        hl.unit_order(nielsen_net, by="influence")
    with pytest.raises(ValueError, match=r"layer -1 is the output of this 784-100-10"):
        hl.unit_order(nielsen_net, -1, by="influence", next_unit=0)
    with pytest.raises(ValueError, match=r"`next_unit` must be in 0..9 for layer 1"):
        hl.unit_order(nielsen_net, by="influence", next_unit=10)


# ------------------------------------------------------------------ contributions
def test_contribution_map_sums_to_the_pre_activation(nielsen_net, embedded):
    x = embedded.X_test[7]
    z = nielsen_net.trace(x).pre_activations
    for layer, unit in [(0, 0), (0, 42), (0, 99), (1, 3), (-1, 9)]:
        r = hl.contribution_map(nielsen_net, x, layer, unit)
        assert abs(r.contributions.sum(dtype=np.float64) + r.bias - z[layer][0, unit]) <= 1e-5
        assert abs(r.total - r.pre_activation) <= 1e-5
    r = hl.contribution_map(nielsen_net, x, 0, 5)
    np.testing.assert_array_equal(r.contributions, x * nielsen_net.weights[0][5])


def test_contribution_map_on_a_standardised_tabular_net(iris_net, iris_data):
    x = iris_data.X_test[0]
    r = hl.contribution_map(iris_net, x, 0, 1)
    standardised = (x - iris_net.preprocessing["mean"]) / iris_net.preprocessing["scale"]
    np.testing.assert_allclose(r.inputs, standardised, rtol=1e-5)
    assert abs(r.total - iris_net.trace(x).pre_activations[0][0, 1]) <= 1e-5


def test_contribution_map_errors(nielsen_net, embedded):
    x = embedded.X_test[0]
    with pytest.raises(ValueError, match=r"`unit` must be in 0..99 for layer 0, which has 100 "
                                         r"units. Got 100 instead."):
        hl.contribution_map(nielsen_net, x, 0, 100)
    with pytest.raises(ValueError, match=r"`layer` must be in -2..1 for this 784-100-10 "
                                         r"network"):
        hl.contribution_map(nielsen_net, x, 2, 0)
    with pytest.raises(ValueError, match="`X` has 783 features per example but the network "
                                         "takes 784 inputs."):
        hl.contribution_map(nielsen_net, x[:-1], 0, 0)
    with pytest.raises(ValueError, match="`x` must be one example. Got 2 examples instead."):
        hl.contribution_map(nielsen_net, embedded.X_test[:2], 0, 0)


# ------------------------------------------------------------------ top units
def test_top_units_by_weight_is_argsort(nielsen_net):
    r = hl.top_units(nielsen_net, -1, 3, k=5)
    order = nielsen_net.weights[1][3].argsort()  # the seeds' one-liner
    np.testing.assert_array_equal(r.positive, order[::-1][:5])
    np.testing.assert_array_equal(r.negative, order[:5])
    np.testing.assert_array_equal(r.positive_scores, nielsen_net.weights[1][3][r.positive])
    assert r.source_layer == 0 and r.layer == 1


def test_top_units_by_contribution(nielsen_net, embedded):
    x = embedded.X_test[embedded.y_test == 3][0]
    r = hl.top_units(nielsen_net, -1, 3, k=4, by="contribution", x=x)
    a = nielsen_net.trace(x).activations[0][0]
    scores = nielsen_net.weights[1][3] * a
    np.testing.assert_allclose(r.scores, scores, rtol=1e-6)
    np.testing.assert_array_equal(r.positive, np.argsort(scores)[::-1][:4])
    # the scores are the terms of output 3's logit
    z = nielsen_net.trace(x).pre_activations[1][0, 3]
    assert abs(r.scores.sum() + nielsen_net.biases[1][3] - z) <= 1e-5


def test_top_units_errors(nielsen_net, single_layer_net):
    with pytest.raises(ValueError, match=r"`k` must be in 1..100: layer 0 has 100 units. "
                                         r"Got 101 instead."):
        hl.top_units(nielsen_net, -1, 3, k=101)
    with pytest.raises(ValueError, match=r"`unit` must be in 0..9 for layer -1"):
        hl.top_units(nielsen_net, -1, 10)
    with pytest.raises(ValueError, match="by='contribution' needs an input `x`"):
        hl.top_units(nielsen_net, -1, 3, by="contribution")
    with pytest.raises(ValueError, match="top_units needs a hidden layer; this 784-10"):
        hl.top_units(single_layer_net, -1, 3)
    with pytest.raises(ValueError, match=r"`layer` must have a hidden layer below it \(1..1"):
        hl.top_units(nielsen_net, 0, 3)


# ------------------------------------------------------------------ composite weights
def test_linear_composite_is_the_exact_matrix_product_and_the_jacobian():
    net = _linear_net()
    W0, W1, W2 = (torch.as_tensor(np.array(w)) for w in net.weights)
    exact = (W2 @ W1 @ W0).numpy()
    np.testing.assert_allclose(hl.composite_weights(net, -1, method="linear"), exact, atol=1e-12)
    X = np.random.RandomState(0).randn(50, 6)
    np.testing.assert_allclose(hl.composite_weights(net, -1, method="jacobian", X=X), exact,
                               atol=1e-12)
    np.testing.assert_allclose(hl.composite_weights(net, 1, method="linear"), (W1 @ W0).numpy(),
                               atol=1e-12)
    np.testing.assert_array_equal(hl.composite_weights(net, 0), net.weights[0])


def test_jacobian_composite_matches_autograd_per_class(nielsen_net, embedded):
    X, y = embedded.X_test[:60], embedded.y_test[:60]
    J = hl.composite_weights(nielsen_net, -1, method="jacobian", X=X, y=y, per_class=True)
    assert J.shape == (10, 10, 784)
    c = int(y[0])
    rows = torch.as_tensor(X[y == c])
    auto = torch.stack([torch.autograd.functional.jacobian(
        lambda v: nielsen_net.module.logits(v[None])[0], r) for r in rows]).mean(0)
    np.testing.assert_allclose(J[c], auto.numpy(), atol=1e-5)
    # on a sigmoid net the faithful map differs from the naive product
    linear = hl.composite_weights(nielsen_net, -1)
    assert not np.allclose(hl.composite_weights(nielsen_net, -1, method="jacobian", X=X), linear)


def test_composite_errors(nielsen_net, embedded):
    with pytest.raises(ValueError, match="method='jacobian' needs data `X`"):
        hl.composite_weights(nielsen_net, -1, method="jacobian")
    with pytest.raises(ValueError, match="`per_class=True` needs labels `y`"):
        hl.composite_weights(nielsen_net, -1, method="jacobian", X=embedded.X_test[:5],
                             per_class=True)
    X = embedded.X_test[:5]
    known = r"^`y` must hold class labels of this network, which predicts 0, 1, 2, 3, 4, 5, " \
        r"6, 7, 8, 9\. Got "
    with pytest.raises(ValueError, match=known + r"-1 instead\.$"):
        hl.composite_weights(nielsen_net, -1, method="jacobian", X=X, y=[0, 1, -1, 2, 3],
                             per_class=True)
    with pytest.raises(ValueError, match=known + r"10 instead\.$"):
        hl.composite_weights(nielsen_net, -1, method="jacobian", X=X, y=[0, 1, 10, 2, 3],
                             per_class=True)
    with pytest.raises(ValueError, match=known + r"0\.5 instead\.$"):
        hl.composite_weights(nielsen_net, -1, method="jacobian", X=X, y=np.full(5, 0.5),
                             per_class=True)
    with pytest.raises(ValueError, match=r"`y` has 4 labels but `X` has 5 rows\."):
        hl.composite_weights(nielsen_net, -1, method="jacobian", X=X, y=[0, 1, 2, 3],
                             per_class=True)
    with pytest.raises(ValueError, match="`method` must be one of 'linear', 'jacobian'"):
        hl.composite_weights(nielsen_net, -1, method="product")
    with pytest.raises(ValueError, match=r"`layer` must be in -2..1"):
        hl.composite_weights(nielsen_net, 3)


# ------------------------------------------------------------------ diagram links
def test_diagram_links_k_and_threshold(iris_net, nielsen_net):
    every = hl.diagram_links(iris_net)
    assert [len(l.weight) for l in every] == [12, 9]
    top = hl.diagram_links(nielsen_net, k=3)
    assert len(top[0].weight) == 300 and len(top[1].weight) == 30
    W = nielsen_net.weights[0]
    for d in range(0, 100, 17):  # each unit keeps its 3 largest |w|
        kept = np.sort(top[0].source[top[0].dest == d])
        np.testing.assert_array_equal(kept, np.sort(np.argsort(-np.abs(W[d]))[:3]))
    strong = hl.diagram_links(iris_net, threshold=0.5)
    assert all(np.all(np.abs(l.weight) >= 0.5) for l in strong)
    np.testing.assert_array_equal(every[1].weight, iris_net.weights[1][every[1].dest,
                                                                       every[1].source])
    with pytest.raises(ValueError, match="`k` must be an integer >= 1. Got 0 instead."):
        hl.diagram_links(iris_net, k=0)


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid"])
def test_jacobian_composite_equals_the_primitive_mean(act):
    from hiddenlens.explain._jacobian import mean_jacobian

    net = hl.DenseNet([6, 5, 4, 3], act, "softmax", dtype=torch.float64, random_state=2)
    net.set_preprocessing(np.arange(6) * 0.1, np.arange(1, 7) * 0.5)
    X = np.random.RandomState(4).randn(40, 6)
    y = np.random.RandomState(5).randint(0, 3, 40)
    for layer in (0, 1, 2):
        np.testing.assert_allclose(hl.composite_weights(net, layer, method="jacobian", X=X),
                                   mean_jacobian(net, X, layer, pre_activation=True),
                                   atol=1e-12)
    np.testing.assert_allclose(
        hl.composite_weights(net, -1, method="jacobian", X=X, y=y, per_class=True,
                             pre_activation=False),
        mean_jacobian(net, X, -1, y=y, n_classes=3), atol=1e-12)
