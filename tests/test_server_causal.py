"""The explorer's causal endpoints, in process: a unit's ablation per class (`ablate` once per
layer, cached), the layer means a knock-out may use, every unit's patch effect
(`patch_effect`); the numbers equal the public API's, and every bad request gets one sentence."""

from __future__ import annotations

import json
import math
import threading
from urllib.parse import quote

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hiddenlens as hl
from _explorer import LOCAL, TestClient, client
from hiddenlens.server import _causal, create_app

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")


@pytest.fixture(scope="module")
def digits():
    return hl.load_dataset("mnist-embedded")


@pytest.fixture(scope="module")
def net(digits):
    net = hl.DenseNet([784, 24, 12, 10], "relu", image_shape=(28, 28),
                      class_names=digits.class_names, random_state=0)
    return hl.train(net, digits, epochs=2, progress=False)


@pytest.fixture(scope="module")
def app(net, digits):
    return create_app(net, digits)


@pytest.fixture(scope="module")
def c(app):
    return client(app)


def _pair(net, X) -> tuple[int, int]:
    """Two test examples the network predicts as different classes."""
    p = net.predict(X[:50])
    return 0, int(np.flatnonzero(p != p[0])[0])


def _error(r, status: int) -> str:
    assert r.status_code == status, (r.status_code, r.text)
    message = r.json()["error"]
    assert message.endswith(".") and "\n" not in message
    return message


# ------------------------------------------------------------------ ablation
@pytest.mark.parametrize("value", ["zero", "mean"])
def test_a_units_ablation_is_ablates_numbers(c, net, digits, value):
    expected = hl.ablate(net, digits.X_test, digits.y_test, 1, value=value)
    for unit in (0, 7):
        d = c.get(f"/api/units/1/{unit}/ablation?value={value}").json()
        assert (d["layer"], d["unit"], d["value"], d["scoring"]) == (1, unit, value, "accuracy")
        assert d["n_examples"] == len(digits.X_test) and d["layer_size"] == 12
        assert d["drop"] == pytest.approx(expected.drop[unit], abs=1e-7)
        assert d["baseline_score"] == pytest.approx(expected.baseline_score, abs=1e-7)
        np.testing.assert_allclose(d["per_class_drop"], expected.per_class_drop[unit], atol=1e-7)
        np.testing.assert_allclose(d["per_class_baseline"], expected.per_class_baseline,
                                   atol=1e-7)
        assert d["class_counts"] == expected.class_counts.tolist()
        assert d["class_names"] == digits.class_names
        assert d["loss_increase"] == pytest.approx(expected.loss_increase[unit], abs=1e-6)


def test_ablate_runs_once_per_layer_however_many_cards_ask(net, digits, monkeypatch):
    calls = []
    real = _causal.ablate

    def counted(*args, **kwargs):
        calls.append((args[3], kwargs.get("value")))
        return real(*args, **kwargs)

    monkeypatch.setattr(_causal, "ablate", counted)
    c = client(create_app(net, digits))
    answers = []
    threads = [threading.Thread(target=lambda u=u: answers.append(
        c.get(f"/api/units/0/{u}/ablation").status_code)) for u in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [200] * 8 and calls == [(0, "zero")]  # eight cards at once: one run
    for u in range(8, 24):
        assert c.get(f"/api/units/0/{u}/ablation").status_code == 200
    assert c.get("/api/units/0/3/ablation?value=mean").status_code == 200
    assert c.get("/api/units/1/3/ablation").status_code == 200
    assert calls == [(0, "zero"), (0, "mean"), (1, "zero")]


def test_ablation_refuses_what_it_cannot_score_in_one_sentence(c, net):
    assert _error(c.get("/api/units/2/3/ablation"), 400) == (
        "Layer 2 is the output layer; ablation works on hidden units (layers 0..1). Ask for a "
        "hidden layer instead.")
    assert _error(c.get("/api/units/-1/3/ablation"), 400).startswith("Layer 2 is the output")
    assert "`layer` must be in -3..2" in _error(c.get("/api/units/3/0/ablation"), 404)
    assert "`unit` must be in 0..11" in _error(c.get("/api/units/1/12/ablation"), 404)
    assert _error(c.get("/api/units/0/x/ablation"), 404) == (
        "There is no unit 'x': units are integers.")
    assert _error(c.get("/api/units/0/1/ablation?value=resample"), 400) == (
        "`value` must be one of zero, mean. Got 'resample' instead.")
    long = _error(c.get("/api/units/0/1/ablation?value=" + "z" * 5000), 400)
    assert len(long) < 200
    bare = client(create_app(net))  # no data set: no test split to score on
    assert _error(bare.get("/api/units/0/1/ablation"), 404) == (
        "This explorer was started without a data set, so it has no test split for an "
        "ablation; start it with --data.")
    assert _error(bare.get("/api/layers/0/means"), 404).startswith("This explorer was started")


def test_a_regressors_ablation_is_its_r2_drop_without_classes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3)).astype(np.float32)
    y = (X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=120)).astype(np.float32)
    data = hl.Dataset(X[:80], y[:80], X[80:], y[80:], ["a", "b", "c"], None, "linear",
                      task="regression")
    net = hl.train(hl.DenseNet([3, 4, 1], "tanh", output_activation="linear", random_state=0),
                   data, epochs=20, progress=False)
    d = client(create_app(net, data)).get("/api/units/0/2/ablation").json()
    expected = hl.ablate(net, data.X_test, data.y_test, 0)
    assert d["scoring"] == "r2" and d["per_class_drop"] is None and d["class_names"] is None
    assert d["drop"] == pytest.approx(expected.drop[2], abs=1e-7)


# ------------------------------------------------------------------ means
def test_layer_means_are_the_test_splits_mean_activations(c, net, digits):
    for layer in (0, 1, -2):
        d = c.get(f"/api/layers/{layer}/means").json()
        l = layer % 3
        a = net.trace(digits.X_test).activations[l].astype(np.float64)
        assert d["layer"] == l and d["n_examples"] == len(digits.X_test)
        np.testing.assert_allclose(d["means"], a.mean(0), atol=1e-6)
    assert _error(c.get("/api/layers/2/means"), 400).startswith(
        "Layer 2 is the output layer; a knock-out works on hidden units (layers 0..1).")
    assert _error(c.get("/api/layers/9/means"), 404).startswith("`layer` must be in -3..2")


# ------------------------------------------------------------------ patching
def test_patch_gives_patch_effects_numbers(c, net, digits):
    i, j = _pair(net, digits.X_test)
    for layer in (0, 1):
        body = {"layer": layer, "source": {"example": i}, "dest": {"x": digits.X_test[j].tolist()}}
        d = c.post("/api/patch", json=body).json()
        e = hl.patch_effect(net, digits.X_test[i], digits.X_test[j], layer)
        np.testing.assert_allclose(d["effect"], e.effect, atol=1e-7)
        assert d["predicted"] == e.predicted.tolist()
        assert (d["source_class"], d["dest_class"]) == (e.source_class, e.dest_class)
        assert d["source_name"] == digits.class_names[e.source_class]
        assert d["flips"] == int((e.predicted == e.source_class).sum())
        assert d["layer_size"] == net.sizes[layer + 1]
        positive = [int(u) for u in e.ranking if e.effect[u] > 0][:10]
        assert d["top"] == positive and all(d["effect"][u] < 0 for u in d["bottom"])


def test_patch_refuses_bad_bodies_in_one_sentence(c, net, digits):
    i, j = _pair(net, digits.X_test)
    good = {"layer": 0, "source": {"example": i}, "dest": {"example": j}}
    same = int(np.flatnonzero(net.predict(digits.X_test[:50]) == net.predict(
        digits.X_test[i:i + 1])[0])[1])
    cases = [
        ({**good, "layer": 2}, 400, "Layer 2 is the output layer; patching works on hidden "
                                    "units (layers 0..1). Ask for a hidden layer instead."),
        ({**good, "layer": 7}, 404, "`layer` must be in -3..2"),
        ({**good, "layer": "0"}, 400, "`layer` must be an integer, like"),
        ({**good, "layer": True}, 400, "`layer` must be an integer, like"),
        ({**good, "layer": 10**40}, 404, "`layer` must be in -3..2"),
        ({k: v for k, v in good.items() if k != "dest"}, 400, '`dest` must be {"example"'),
        ({**good, "source": {"example": i, "x": [0]}}, 400, '`source` must be {"example"'),
        ({**good, "source": [i]}, 400, '`source` must be {"example"'),
        ({**good, "source": {"example": 1.5}}, 400, "`source.example` must be an integer"),
        ({**good, "source": {"example": 10**30}}, 404, "Example 1000000000000000000000000000000 "
                                                        "does not exist"),
        ({**good, "source": {"example": -1}}, 404, "Example -1 does not exist"),
        ({**good, "dest": {"x": [0.5] * 10}}, 400, "`x` must be a list of 784 numbers. Got 10"),
        ({**good, "dest": {"x": [3e38] * 784}}, 400, "This input (its largest number"),
        ({**good, "dest": {"example": same}}, 400, "`x_source` and `x_dest` must be predicted "
                                                   "as different classes"),
    ]
    for body, status, start in cases:
        assert _error(c.post("/api/patch", json=body), status).startswith(start), body
    assert _error(c.post("/api/patch", content=b"[1, 2]"), 400).startswith(
        "The request body must be a JSON object")
    assert c.get("/api/patch").status_code == 405


def test_patch_needs_a_classifier():
    X = np.random.default_rng(0).normal(size=(40, 3))
    net = hl.from_arrays([np.ones((2, 3)), np.ones((1, 2))], [np.zeros(2), np.zeros(1)],
                         activation="tanh", output_activation="linear")
    body = {"layer": 0, "source": {"x": X[0].tolist()}, "dest": {"x": X[1].tolist()}}
    assert _error(client(create_app(net)).post("/api/patch", json=body), 400) == (
        "Patching measures the move from one predicted class to another, so it needs a "
        "classifier; this network is a regressor.")


def test_the_causal_endpoints_need_the_page_token(app, net):
    bare = TestClient(app, base_url=LOCAL)
    calls = []
    causal = app.state.explorer.causal
    for name in ("ablation", "means", "patch"):
        real = getattr(causal, name)
        setattr(causal, name, lambda *a, _n=name, _r=real, **k: calls.append(_n) or _r(*a, **k))
    try:
        for method, path in [("GET", "/api/units/0/1/ablation"), ("GET", "/api/layers/0/means"),
                             ("POST", "/api/patch")]:
            r = bare.request(method, path, json={"layer": 0} if method == "POST" else None)
            assert r.status_code == 403 and "X-Hiddenlens-Token" in r.json()["error"], path
        assert calls == []
    finally:
        for name in ("ablation", "means", "patch"):
            del causal.__dict__[name]


# ------------------------------------------------------------------ fuzz: never a 500
FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**40), max_value=10**40),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=12)
sides = st.one_of(values, st.builds(lambda i: {"example": i}, scalars),
                  st.builds(lambda x: {"x": x}, values))
patch_bodies = st.builds(lambda layer, s, d: {"layer": layer, "source": s, "dest": d},
                         st.one_of(scalars, st.integers(-4, 4)), sides, sides)
segments = st.one_of(st.integers(min_value=-5, max_value=30).map(str), st.text(min_size=1,
                     max_size=10), st.sampled_from(["9" * 400, "1e3", "-0", "٣"]))


def _never_500(r) -> None:
    assert r.status_code in (200, 400, 404, 413), (r.status_code, r.text[:300])
    data = r.json()
    if r.status_code != 200:
        assert list(data) == ["error"] and data["error"].endswith(".")
    else:
        assert all(math.isfinite(v) for v in data["effect"])


@FUZZ
@given(body=patch_bodies)
def test_any_patch_body_gets_json_and_never_a_500(c, body):
    _never_500(c.post("/api/patch", content=json.dumps(body, allow_nan=True).encode(),
                      headers={"content-type": "application/json"}))


@FUZZ
@given(a=segments, b=segments, value=st.sampled_from(["zero", "mean", "", "x"]))
def test_any_causal_path_gets_json_and_never_a_500(c, a, b, value):
    for path in (f"/api/units/{quote(a, safe='')}/{quote(b, safe='')}/ablation?value={value}",
                 f"/api/layers/{quote(a, safe='')}/means"):
        r = c.get(path)
        assert r.status_code in (200, 400, 404), (path, r.status_code, r.text[:200])
        assert r.status_code == 200 or r.json()["error"].endswith(".")
