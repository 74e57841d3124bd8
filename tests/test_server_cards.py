"""What the explorer's cards are built from: one name per feature and class everywhere, the
factors of a tabular contribution on the scale the unit uses, an output's units ranked by this
input's contributions beside their weights, and `serve` without a data set."""

from __future__ import annotations

import json
import re
import urllib.request

import numpy as np
import pytest

import hiddenlens as hl
from _explorer import client, page_token, serve_process
from hiddenlens.server import create_app

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")


@pytest.fixture(scope="module")
def wine():
    return hl.load_dataset("wine")


@pytest.fixture(scope="module")
def unnamed(wine):
    """A wine model that records no names (an imported one, say)."""
    net = hl.train(hl.DenseNet([13, 6, 3], "tanh", random_state=0), wine, epochs=5, progress=False)
    net.feature_names, net.class_names = None, None
    return net


def test_a_model_without_names_uses_the_data_sets_names_everywhere(unnamed, wine):
    c = client(create_app(unnamed, wine))
    info = c.get("/api/model").json()
    assert info["feature_names"] == wine.feature_names == [f["name"] for f in info["features"]]
    assert info["class_names"] == wine.class_names
    card = c.get("/api/units/0/2").json()
    assert card["field"]["names"] == wine.feature_names
    text = card["description"]
    assert not re.search(r"\binput \d|\bx\d", text), text  # no other naming scheme
    assert any(name in text for name in wine.feature_names)
    assert any(name in text for name in wine.class_names)
    assert c.get("/api/importance").json()["names"] == wine.feature_names
    labels = {e["label"] for e in c.get("/api/examples").json()["examples"]}
    assert labels == set(wine.class_names)
    x = wine.X_test[0].tolist()
    assert c.post("/api/trace", json={"x": x}).json()["predicted_name"] in wine.class_names
    assert unnamed.feature_names is None and unnamed.class_names is None  # the user's net


def test_without_names_or_data_features_are_x0_as_everywhere_else(unnamed):
    info = client(create_app(unnamed)).get("/api/model").json()
    assert info["feature_names"] == [f"x{j}" for j in range(13)]
    assert info["class_names"] == ["0", "1", "2"]


def test_a_tabular_contribution_gives_each_factor_on_its_scale(unnamed, wine):
    c, x = client(create_app(unnamed, wine)), wine.X_test[5]
    r = c.post("/api/units/0/1/contribution", json={"x": x.tolist()}).json()
    pre = unnamed.preprocessing
    z = (x - pre["mean"]) / pre["scale"]
    assert r["standardised"] is True
    np.testing.assert_allclose(r["raw"], x, rtol=1e-6)
    np.testing.assert_allclose(r["inputs"], z, atol=1e-5)
    np.testing.assert_allclose(r["weights"], unnamed.weights[0][1], atol=1e-6)
    np.testing.assert_allclose(r["contribution"], np.array(r["inputs"]) * r["weights"],
                               atol=1e-5)  # the product is on the standardised value
    deeper = c.post("/api/units/1/0/contribution", json={"x": x.tolist()}).json()
    a0 = unnamed.trace(x).activations[0][0]
    np.testing.assert_allclose(deeper["inputs"], a0, atol=1e-6)
    assert "raw" not in deeper and deeper["over"] == "layer 0"
    assert client(create_app(unnamed, wine)).get("/api/model").json()["standardised"] is True


def test_an_image_contribution_stays_a_picture(embedded):
    net = hl.DenseNet([784, 8, 10], "sigmoid", image_shape=(28, 28), random_state=0)
    r = client(create_app(net)).post("/api/units/0/3/contribution",
                                     json={"x": embedded.X_test[0].tolist()}).json()
    assert r["image_shape"] == [28, 28] and "inputs" not in r and "raw" not in r


def test_an_outputs_units_are_ranked_by_this_inputs_contribution_too(embedded):
    net = hl.train(hl.DenseNet([784, 20, 10], "sigmoid", image_shape=(28, 28), random_state=0),
                   embedded, epochs=1, progress=False)
    c, x = client(create_app(net, embedded)), embedded.X_test[3]
    r = c.post("/api/outputs/4/top-units", json={"x": x.tolist()}).json()
    assert (r["layer"], r["layer_size"], r["activation"]) == (0, 20, "sigmoid")
    a, w = net.trace(x).activations[0][0], net.weights[1][4]
    ranked = hl.top_units(net, -1, 4, k=5, by="contribution", x=x)
    assert [u["unit"] for u in r["by_contribution"]["positive"]] == [
        int(u) for u, s in zip(ranked.positive, ranked.positive_scores) if s > 0]
    assert [u["unit"] for u in r["by_contribution"]["negative"]] == [
        int(u) for u, s in zip(ranked.negative, ranked.negative_scores) if s < 0]
    for u in r["by_contribution"]["positive"] + r["negative"]:
        assert u["weight"] == pytest.approx(w[u["unit"]], abs=1e-6)
        assert u["activation"] == pytest.approx(a[u["unit"]], abs=1e-6)
        assert u["contribution"] == pytest.approx(w[u["unit"]] * a[u["unit"]], abs=1e-5)
    by_weight = c.get("/api/outputs/4/top-units").json()  # GET: by weight, as before
    assert by_weight["positive"] == [{"unit": u["unit"], "weight": u["weight"]}
                                     for u in r["positive"]]
    bad = c.post("/api/outputs/10/top-units", content=b"not json")
    assert bad.status_code == 404  # the output is checked before the body is read


def test_serve_without_data_falls_back_to_the_models_standardisation(tmp_path):
    net = hl.DenseNet([4, 3, 3], "tanh", random_state=0)
    mean, scale = np.array([5.8, 3.0, 3.7, 1.2]), np.array([0.8, 0.4, 1.7, 0.7])
    net.set_preprocessing(mean, scale)
    hl.save_model(net, tmp_path / "alone.safetensors")
    out = tmp_path / "stdout.txt"
    with open(out, "w") as stdout, serve_process(tmp_path / "alone.safetensors",
                                                 stdout=stdout) as (url, _):
        request = urllib.request.Request(url + "/api/model",
                                         headers={"X-Hiddenlens-Token": page_token(url)})
        info = json.loads(urllib.request.urlopen(request, timeout=10).read())
    assert [f["min"] for f in info["features"]] == pytest.approx(mean - 3 * scale)
    assert [f["max"] for f in info["features"]] == pytest.approx(mean + 3 * scale)
    assert info["n_examples"] == 0 and info["feature_names"] == ["x0", "x1", "x2", "x3"]
    printed = " ".join(out.read_text().split())
    assert ("Serving without examples; the sliders span the model's standardisation "
            "(mean ± 3 scale).") in printed
    assert "Serving DenseNet(4-3-3" in printed
