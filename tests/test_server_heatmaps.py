"""/api/heatmaps, in process: one input's maps and deletion curves are the explain functions',
the network-level table is evaluate_attributions' on the test split (computed once), and a
mistake is one sentence."""

import numpy as np
import pytest

import hiddenlens as hl
from _explorer import client as _client
from hiddenlens.explain import get_method, methods
from hiddenlens.server import create_app
from hiddenlens.server._heatmaps import METRICS, N_RANDOM, N_TRUST

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")


@pytest.fixture(scope="module")
def net(embedded):
    net = hl.DenseNet([784, 16, 10], "sigmoid", image_shape=(28, 28),
                      class_names=embedded.class_names, data_name=embedded.name)
    return hl.train(net, embedded, epochs=1, progress=False)


@pytest.fixture(scope="module")
def app(net, embedded):
    return create_app(net, embedded)


def test_one_inputs_maps_and_curves_are_the_apis(app, net, embedded):
    x = embedded.X_test[7]
    d = _client(app).post("/api/heatmaps", json={"x": x.tolist()}).json()
    target = int(net.predict(x[None])[0])
    assert d["target"] == target and d["target_name"] == embedded.class_names[target]
    assert [m["name"] for m in d["methods"]] == list(methods("attribution"))
    ref = hl.deletion_curve(net, np.repeat(x[None], N_RANDOM, 0), target,
                            np.zeros((N_RANDOM, 784)), random_state=0)
    assert d["random_auc"] == round(float(ref.random_auc.mean()), 6)
    np.testing.assert_allclose(d["random_scores"], ref.random_scores.mean(0), atol=1e-5)
    for m in d["methods"]:
        kw = {"random_state": 0} if m["name"] == "smoothgrad" else {}
        a = get_method(m["name"])(net, x[None], target, **kw)
        np.testing.assert_allclose(m["map"], a[0], atol=1e-6)
        curve = hl.deletion_curve(net, x[None], target, a)
        assert m["auc"] == round(float(curve.auc[0]), 6)
        np.testing.assert_allclose(m["scores"], curve.scores[0], atol=1e-5)
        assert len(m["fractions"]) == 785


def test_the_network_table_is_the_test_splits_computed_once(app, net, embedded):
    c = _client(app)
    d = c.get("/api/heatmaps").json()
    report = hl.evaluate_attributions(net, embedded.X_test[:N_TRUST], embedded.y_test[:N_TRUST],
                                      metrics=METRICS)
    assert d["n_examples"] == N_TRUST and d["summary"] == report.summary()
    for got, want in zip(d["rows"], report.table.to_dict("records")):
        assert got["method"] == want["method"] and got["rank"] == want["rank"]
        assert got["deletion_auc"] == round(want["deletion_auc"], 6)
        assert got["faithfulness_correlation"] == round(want["faithfulness_correlation"], 6)
        assert got["weights_passed"] == want["changes_with_weights"]
        assert got["verdict"] == want["verdict"]
    first = app.state.explorer.heatmaps._report
    assert c.get("/api/heatmaps").json() == d and app.state.explorer.heatmaps._report is first


def test_without_a_data_set_there_is_no_table(net):
    d = _client(create_app(net)).get("/api/heatmaps").json()
    assert d == {"rows": None, "reason": "This explorer was started without a data set, so the "
                                         "methods are not scored on a test split."}


def test_bad_requests_are_one_sentence(app, iris_net, iris_data):
    c = _client(app)
    r = c.post("/api/heatmaps", json={"x": [0.5]})
    assert r.status_code == 400
    assert r.json() == {"error": "`x` must be a list of 784 numbers. Got 1 instead."}
    r = c.post("/api/heatmaps", content=b"[1, 2")
    assert r.status_code == 400 and r.json()["error"].startswith("The request body must be JSON")
    r = _client(create_app(iris_net, iris_data)).post("/api/heatmaps", json={"x": [1, 2, 3, 4]})
    assert r.status_code == 400
    assert r.json() == {"error": "The heat maps are drawn over images; this 4-3-3 network has "
                                 "named features (see the feature importance under the "
                                 "sliders)."}
    r = c.put("/api/heatmaps", json={"x": []})
    assert r.status_code == 405


def test_the_api_needs_the_token(app):
    from starlette.testclient import TestClient

    r = TestClient(app, base_url="http://127.0.0.1").get("/api/heatmaps")
    assert r.status_code == 403


def test_any_input_is_an_answer_or_one_sentence_never_a_500(app):
    """Extreme pixels included: a 200 with finite JSON, or a 400 that says why."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    c = _client(app, raise_server_exceptions=False)
    values = st.sampled_from([0.0, 1.0, 0.5, -1.0, 1e6, 1e20, 3e38, -3.4e38, 1e-45, -0.0])

    @settings(max_examples=20, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(values, min_size=784, max_size=784))
    def check(x):
        r = c.post("/api/heatmaps", json={"x": x})
        assert r.status_code in (200, 400), r.text
        body = r.json()
        if r.status_code == 400:
            assert body["error"].endswith(".") and body["error"].count(". ") <= 1
        else:
            assert len(body["methods"]) == 5

    check()
