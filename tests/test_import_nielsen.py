"""from_nielsen: network2.py's JSON, written by a small stand-in for its Network.save."""

import json
import re

import numpy as np
import pytest
import torch

import hiddenlens as hl


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class Network2:
    """What network2.py keeps and saves: column-vector biases, (n_out, n_in) weights."""

    def __init__(self, sizes, random_state=0):
        rng = np.random.default_rng(random_state)
        self.sizes = sizes
        self.biases = [rng.standard_normal((n, 1)) for n in sizes[1:]]
        self.weights = [rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)
                        for n_in, n_out in zip(sizes[:-1], sizes[1:])]

    def feedforward(self, a):  # a: (n_in, 1)
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(np.dot(w, a) + b)
        return a

    def save(self, path, cost="CrossEntropyCost"):
        doc = {"sizes": self.sizes, "weights": [w.tolist() for w in self.weights],
               "biases": [b.tolist() for b in self.biases], "cost": cost}
        with open(path, "w") as f:
            json.dump(doc, f)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    network = Network2([784, 30, 10])
    path = tmp_path_factory.mktemp("nielsen") / "network2.json"
    network.save(path)
    return network, path


def test_network2_json_predicts_like_feedforward(saved):
    network, path = saved
    net = hl.from_nielsen(path)
    assert net.sizes == [784, 30, 10] and net.activations == ["sigmoid", "sigmoid"]
    assert net.dtype == torch.float64 and net.image_shape == (28, 28)
    digits = hl.load_dataset("mnist-embedded").X_test[::50]
    expected = np.hstack([network.feedforward(x.reshape(-1, 1).astype(float)) for x in digits])
    assert np.abs(net.predict_proba(digits) - expected.T).max() <= 1e-12
    assert hl.load_model(path).describe_sizes() == "784-30-10"  # recognised by content


def test_a_live_network_object(saved):
    network, _ = saved
    net = hl.from_nielsen(network)
    np.testing.assert_array_equal(net.weights[1], network.weights[1])
    x = np.linspace(0, 1, 784)
    np.testing.assert_allclose(net.forward(x)[0], network.feedforward(x.reshape(-1, 1))[:, 0],
                               atol=1e-12)
    broken = Network2([784, 30, 10])
    broken.weights = broken.weights[:1]
    with pytest.raises(ValueError, match=re.escape(
        "this Network2 declares sizes [784, 30, 10], so its weights should be [(30, 784), "
        "(10, 30)]; they are [(30, 784)]: the shapes do not chain.")):
        hl.from_nielsen(broken)


def test_quadratic_cost_and_any_extension(tmp_path):
    network = Network2([4, 3, 2], random_state=1)
    path = tmp_path / "trained.model"
    network.save(path, cost="QuadraticCost")
    net = hl.load_model(path)
    x = np.arange(4.0)
    np.testing.assert_allclose(net.forward(x)[0], network.feedforward(x.reshape(-1, 1))[:, 0],
                               atol=1e-15)


def _write(path, **changes):
    network = Network2([4, 3, 2])
    network.save(path)
    doc = json.loads(path.read_text())
    doc.update(changes)
    path.write_text(json.dumps(doc))
    return path


def test_bad_files_get_one_sentence(tmp_path):
    path = _write(tmp_path / "a.json", sizes=[4, 5, 2])
    with pytest.raises(ValueError, match=re.escape(
        f"{path} declares sizes [4, 5, 2], so its weights should be [(5, 4), (2, 5)]; they are "
        "[(3, 4), (2, 3)]: the shapes do not chain.")):
        hl.from_nielsen(path)
    weights = Network2([4, 3, 2]).weights
    weights[0][1][2] = float("nan")
    path = _write(tmp_path / "b.json", weights=[w.tolist() for w in weights])
    with pytest.raises(ValueError, match=re.escape(
        f"weights[0] of {path} contains NaN or infinite values; a network with such weights "
        "computes nothing meaningful, so fix or retrain it before importing.")):
        hl.load_model(path)
    path = _write(tmp_path / "c.json", cost="HingeCost")
    with pytest.raises(ValueError, match=re.escape(
        f"{path} names the cost 'HingeCost'; network2.py writes one of CrossEntropyCost, "
        "QuadraticCost.")):
        hl.from_nielsen(path)
    path = _write(tmp_path / "d.json", weights=[[[1, 2], [3]], [[1]]])
    with pytest.raises(ValueError, match=re.escape(
        f"{path} has weights or biases that are not rectangular lists of numbers")):
        hl.from_nielsen(path)
    path = tmp_path / "e.json"
    path.write_text(json.dumps({"sizes": [4, 2], "eta": 0.5}))
    with pytest.raises(ValueError, match=re.escape(
        f"{path} is JSON but not a network2.py file: it lacks weights, biases (network2.py's "
        "save writes sizes, weights, biases and cost).")):
        hl.load_model(path)


def test_truncated_json(saved, tmp_path):
    path = tmp_path / "cut.json"
    path.write_bytes(saved[1].read_bytes()[:5000])
    with pytest.raises(ValueError, match=re.escape(
        f"{path} starts like JSON but does not parse; it is truncated or damaged.")):
        hl.load_model(path)
    with pytest.raises(ValueError, match=re.escape(f"{path} is truncated or is not a JSON file")):
        hl.from_nielsen(path)


def test_sizes_that_are_not_a_list_of_ints(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"sizes": 4, "weights": [], "biases": []}))
    with pytest.raises(ValueError, match=re.escape(
        f"{path} declares sizes 4; network2.py writes a list of ints.")):
        hl.from_nielsen(path)
