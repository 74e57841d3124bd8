"""describe's causal sentence: every number it states is the ablation's."""

import csv
import io
import re

import numpy as np
import pytest
import torch

import hiddenlens as hl
from hiddenlens.explain import ablate, describe, describe_layer


@pytest.fixture(scope="module")
def ablation(nielsen_net, embedded):
    return ablate(nielsen_net, embedded.X_test, embedded.y_test, 0)


def test_the_sentence_states_the_ablation_numbers(nielsen_net, embedded, ablation):
    for unit in ablation.ranking[:5]:
        d = describe(nielsen_net, None, 0, int(unit), ablation=ablation)
        m = re.fullmatch(r"Knocking it out lowers accuracy on (\d)s by ([\d.]+) points "
                         r"\(overall ([\d.]+)\)\.", d.sentences["causal"])
        per = ablation.per_class_drop[unit]
        assert int(m.group(1)) == np.argmax(per)
        assert float(m.group(2)) == pytest.approx(100 * per.max(), abs=0.051)
        assert float(m.group(3)) == pytest.approx(100 * ablation.drop[unit], abs=0.051)
        k = d.numbers["causal"]
        assert k["class"] == np.argmax(per) and k["drop"] == ablation.drop[unit]
        assert k["n_examples"] == 1000 and k["value"] == "zero"


def test_a_unit_whose_removal_hurts_no_class_and_other_values():
    net = hl.DenseNet([6, 4, 3], "relu", dtype=torch.float64, random_state=0)
    W = [np.array(w) for w in net.weights]
    W[1][:, 2] = 0
    net.set_parameters(W, net.biases)
    X = np.random.RandomState(0).randn(30, 6)
    y = net.predict(X)
    d = describe(net, X, 0, 2, y=y, ablation=ablate(net, X, y, 0))
    assert d.sentences["causal"] == "Knocking it out lowers accuracy on no class (overall 0.0)."
    mean = describe(net, None, 0, 0, ablation=ablate(net, X, y, 0, value="mean"))
    assert mean.sentences["causal"].startswith("Holding it at its mean lowers accuracy ")
    reg = hl.DenseNet([6, 4, 1], "tanh", "linear", dtype=torch.float64, random_state=0)
    t = reg.forward(X)[:, 0] + 0.1
    r = ablate(reg, X, t, 0, [1], value=0.5)
    s = describe(reg, None, 0, 1, ablation=r).sentences["causal"]
    verb = "lowers" if r.drop[0] >= 0 else "raises"
    assert s == f"Setting it to 0.5 {verb} r2 by {abs(r.drop[0]):.3g}."


def test_describe_layer_ablates_once_on_the_test_digits(embedded):
    net = hl.DenseNet([784, 6, 10], "sigmoid", random_state=2, image_shape=(28, 28))
    net = hl.train(net, hl.load_dataset(train_size=500), epochs=2, lr=1.0, progress=False)
    table = describe_layer(net, embedded, 0, ablation=True)
    ab = ablate(net, embedded.X_test, embedded.y_test, 0)
    rows = list(csv.DictReader(io.StringIO(table.to_csv())))
    for u, row in enumerate(rows):
        assert float(row["ablation_drop"]) == pytest.approx(ab.drop[u], abs=1e-6)
        assert row["hurts_most"] == str(np.argmax(ab.per_class_drop[u]))
        assert "Knocking it out lowers accuracy" in table.units[u].text
    assert "ablation_drop" in table.to_markdown().splitlines()[0]
    assert "ablation_drop" not in describe_layer(net, embedded, 0).to_markdown()


def test_bad_ablation_is_one_sentence(nielsen_net, ablation, embedded):
    one = ablate(nielsen_net, embedded.X_test[:50], embedded.y_test[:50], 0, [[1, 2]])
    with pytest.raises(ValueError) as err:
        describe(nielsen_net, None, 0, 1, ablation=one)
    assert str(err.value) == ("`ablation` must be ablate(net, X, y, 0) with unit 1 alone among "
                              "its rows. Got an ablation of layer 0 with 1 rows instead.")
    with pytest.raises(ValueError, match=r"needs labelled data: a Dataset, or an array with "):
        describe_layer(nielsen_net, embedded.X_test, 0, ablation=True)
    with pytest.raises(TypeError, match=r"^`ablation` must be an Ablation, True or False\. "):
        describe_layer(nielsen_net, embedded, 0, ablation="yes")
