"""Descriptions: every claim of the text checked against numbers computed here by hand."""

import csv
import io
import re

import numpy as np
import pytest
import torch

import hiddenlens as hl
from hiddenlens.explain import describe, describe_layer
from hiddenlens.explain._describe import REGION_NAMES, downstream_weights


@pytest.fixture(scope="module")
def digits(embedded):
    return embedded


@pytest.fixture(scope="module")
def net(digits):
    net = hl.DenseNet([784, 16, 8, 10], "sigmoid", random_state=4, image_shape=(28, 28),
                      class_names=[str(i) for i in range(10)])
    return hl.train(net, hl.load_dataset(train_size=1000), epochs=15, lr=0.5, progress=False)


@pytest.fixture(scope="module")
def layer0(net, digits):
    return describe_layer(net, digits, 0)


def hand_region_mass(w):
    """Positive and negative weight per 3x3 region with plain loops: rows 0-9, 10-18, 19-27."""
    bands = [range(0, 10), range(10, 19), range(19, 28)]
    img = w.reshape(28, 28)
    pos, neg = np.zeros(9), np.zeros(9)
    for i, rows in enumerate(bands):
        for j, cols in enumerate(bands):
            for r in rows:
                for c in cols:
                    if img[r, c] > 0:
                        pos[3 * i + j] += img[r, c]
                    else:
                        neg[3 * i + j] -= img[r, c]
    return pos / pos.sum(), neg / neg.sum()


def test_every_class_claim_matches_the_class_means(net, digits, layer0):
    a = net.trace(digits.X).activations[0]
    means = np.stack([a[digits.y == c].mean(0) for c in range(10)], axis=1)
    for d in layer0.units:
        fires = re.search(r"fires most for (\d)s \(mean activation ([\d.]+)\)", d.text)
        quiet = re.search(r"quietest for (\d)s \(([\d.]+)\)", d.text)
        assert int(fires.group(1)) == means[d.unit].argmax()
        assert float(fires.group(2)) == pytest.approx(means[d.unit].max(), abs=0.006)
        assert int(quiet.group(1)) == means[d.unit].argmin()


def test_every_region_claim_matches_the_weights(net, layer0):
    for d in layer0.units:
        pos, neg = hand_region_mass(net.weights[0][d.unit].astype(float))
        first_up = re.search(r"excited by ink in the ([a-z ]+?) \((\d+)%\)", d.text)
        first_down = re.search(r"inhibited by ink in the ([a-z ]+?) \((\d+)%\)", d.text)
        assert first_up.group(1) == REGION_NAMES[pos.argmax()]
        assert int(first_up.group(2)) == round(100 * pos.max())
        assert first_down.group(1) == REGION_NAMES[neg.argmax()]
        np.testing.assert_allclose(d.numbers["inputs"]["positive_share"], pos, atol=1e-12)


def test_downstream_weights_equal_the_jacobian_of_a_linear_chain(net):
    # with linear later layers, d logits / d a[0] is exactly W[2] @ W[1]
    linear = hl.DenseNet([784, 16, 8, 10], ["sigmoid", "linear"], image_shape=(28, 28))
    linear.set_parameters(net.weights, net.biases)
    a0 = torch.rand(1, 16, dtype=torch.float32, requires_grad=True)
    m = linear.module
    jac = torch.autograd.functional.jacobian(lambda a: m.linears[2](m.linears[1](a)), a0)
    np.testing.assert_allclose(downstream_weights(linear, 0), jac[0, :, 0, :].numpy(),
                               atol=1e-5)
    np.testing.assert_allclose(downstream_weights(net, 1), net.weights[2], atol=0)
    np.testing.assert_array_equal(downstream_weights(net, -1), np.eye(10))


def test_every_output_claim_matches_the_composite(net, layer0):
    c = net.weights[2].astype(float) @ net.weights[1].astype(float)  # (10, 16)
    for d in layer0.units:
        up = re.search(r"pushes up the output for (\d) \(([+-][\d.]+)\)", d.text)
        down = re.search(r"pushes down (\d) \(([+-][\d.]+)\)", d.text)
        col = c[:, d.unit]
        if up:
            assert int(up.group(1)) == col.argmax() and col.max() > 0
            assert float(up.group(2)) == pytest.approx(col.max(), abs=0.006)
        if down:
            assert int(down.group(1)) == col.argmin() and col.min() < 0
        assert "product of the weights of layers 1..2" in d.text


def test_status_claims_match_the_activations(net, digits, layer0):
    z = net.trace(digits.X).pre_activations[0]
    for d in layer0.units:
        active = re.search(r"active \(pre-activation > 0\) on ([\d.]+)% of the 5,000", d.text)
        assert float(active.group(1)) == pytest.approx(100 * (z[:, d.unit] > 0).mean(), abs=0.6)


def test_tabular_inputs_by_share_of_weight():
    iris = hl.load_dataset("iris")
    net = hl.DenseNet([4, 2, 3], "tanh", feature_names=iris.feature_names,
                      class_names=iris.class_names)
    w0 = np.array([[0.1, -0.2, 0.48, 0.22], [0.0, 0.0, 0.0, 0.0]])
    net.set_parameters([w0, np.ones((3, 2))], [np.zeros(2), np.zeros(3)])
    d = describe(net, iris, 0, 0)
    assert d.sentences["inputs"] == (
        "Unit 0 of layer 0 works primarily with petal length (cm) (+, 48%) and "
        "petal width (cm) (+, 22%).")
    np.testing.assert_allclose(d.numbers["inputs"]["share"], [0.1, 0.2, 0.48, 0.22])
    assert "class 'setosa'" in d.text or "class 'versicolor'" in d.text or \
        "class 'virginica'" in d.text
    dead = describe(net, iris, 0, 1)
    assert dead.sentences["inputs"] == "Unit 1 of layer 0 has all-zero incoming weights."


def test_dead_saturated_and_duplicate_sentences(digits):
    net = hl.DenseNet([784, 4, 10], "sigmoid", image_shape=(28, 28))
    w = np.random.default_rng(0).normal(0, 0.05, (4, 784))
    w[3] = w[2]
    net.set_parameters([w, np.random.default_rng(1).normal(0, 1, (10, 4))],
                       [np.array([-50.0, 50.0, 0.0, 0.0]), np.zeros(10)])
    dead, saturated, original, duplicate = (describe(net, digits, 0, u) for u in range(4))
    assert "It is dead: it never rises above 0.01 on the 5,000 examples" in dead.text
    assert dead.numbers["status"]["dead"]
    assert "It is saturated: above 0.99 on 100.0% of the 5,000 examples." in saturated.text
    assert "It is a near duplicate of unit 2 (correlation 1.00)." in duplicate.text
    assert "It is a near duplicate of unit 3 (correlation 1.00)." in original.text
    assert duplicate.numbers["status"]["most_correlated"] == 2
    assert "near duplicate" not in dead.text + saturated.text


def test_output_unit_and_deeper_layer(net, digits):
    d = describe(net, digits, -1, 3)
    assert "It is the pre-softmax score (logit) of output 3." in d.text
    deep = describe(net, digits, 1, 2)
    assert "layer 0 unit" in deep.sentences["inputs"]
    assert "(through its outgoing weights)" in deep.text


def test_layer_table_markdown_and_csv(net, digits, layer0):
    md = layer0.to_markdown().splitlines()
    assert len(md) == 2 + 16 and md[0].startswith("| unit | fires_most_for |")
    rows = list(csv.DictReader(io.StringIO(layer0.to_csv())))
    assert len(rows) == 16
    a = net.trace(digits.X).activations[0]
    means = np.stack([a[digits.y == c].mean(0) for c in range(10)], axis=1)
    assert [int(r["fires_most_for"]) for r in rows] == list(means.argmax(1))
    assert rows[5]["description"] == layer0.units[5].text


def test_without_data_only_weight_sentences(net):
    d = describe(net, None, 0, 1)
    assert set(d.sentences) == {"inputs", "outputs"}


@pytest.mark.parametrize("layer, unit, message", [
    (0, 16, r"`unit` must be in 0..15 for layer 0, which has 16 units\. Got 16 instead\."),
    (3, 0, r"`layer` must be in -3..2 for this 784-16-8-10 network"),
    (0, -1, r"`unit` must be in 0..15"),
])
def test_errors(net, digits, layer, unit, message):
    with pytest.raises(ValueError, match=message):
        describe(net, digits, layer, unit)


def test_error_feature_count(net):
    with pytest.raises(ValueError, match=r"The data has 4 features per example but the "
                                         r"network takes 784 inputs\."):
        describe_layer(net, hl.load_dataset("iris"), 0)
