"""The explorer's HTTP endpoints, in process: the JSON they return and every error they give."""

from __future__ import annotations

import base64
import posixpath
import re
from pathlib import Path, PurePosixPath

import numpy as np
import pytest

import hiddenlens as hl
from _explorer import client as _client
from hiddenlens.server import create_app

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")
STATIC = Path(hl.__file__).parent / "server" / "static"


@pytest.fixture(scope="module")
def digits():
    return hl.load_dataset("mnist-embedded")


@pytest.fixture(scope="module")
def net(digits):
    net = hl.DenseNet([784, 16, 10], "sigmoid", image_shape=(28, 28),
                      class_names=digits.class_names, data_name=digits.name)
    return hl.train(net, digits, epochs=1, progress=False)


@pytest.fixture(scope="module")
def client(net, digits):
    return _client(create_app(net, digits))


@pytest.fixture(scope="module")
def iris():
    return hl.load_dataset("iris")


@pytest.fixture(scope="module")
def iris_client(iris):
    net = hl.train(hl.DenseNet([4, 3, 3], "tanh", random_state=1), iris, epochs=5, progress=False)
    return _client(create_app(net, iris)), net


def _decode(b64: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), dtype="<f4")


# ------------------------------------------------------------------ page and static files
def test_page_and_static_files_come_from_the_package_with_a_csp(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<canvas id=\"draw\"" in r.text
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert '<script type="module" src="/static/main.js"></script>' in r.text
    kinds = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}
    for name in _static_names():
        r = client.get(f"/static/{name}")
        assert r.status_code == 200, name
        assert r.headers["content-type"].startswith(kinds[PurePosixPath(name).suffix])
        assert "content-security-policy" in r.headers
        expected = (STATIC / name).read_bytes()
        if name == "index.html":  # the run's token, in the page's <meta>
            expected = expected.replace(b'"hiddenlens-token" content=""', b'"hiddenlens-token" '
                                        b'content="' + client.app.state.token.encode() + b'"')
        assert r.content == expected


def _static_names() -> list[str]:
    return sorted(p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*")
                  if p.suffix in (".js", ".css", ".html"))


def test_every_module_import_is_a_served_module_of_this_package(client):
    """No build step and no outside code: each import is a relative path the server serves."""
    names = _static_names()
    assert {"main.js", "panels/layers.js", "panels/draw.js", "forward.js"} <= set(names)
    for name in (n for n in names if n.endswith(".js")):
        text = (STATIC / name).read_text()
        assert not re.search(r"\.(inner|outer)HTML|insertAdjacentHTML|document\.write|eval\(|"
                             r"Function\(|setAttribute\(|createContextualFragment|DOMParser|"
                             r"srcdoc", text), name  # text goes in through textContent only
        for spec in re.findall(r'^import .* from "([^"]+)";$', text, flags=re.M):
            assert spec.startswith(("./", "../")), (name, spec)
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), spec))
            assert target in names, (name, spec)


@pytest.mark.parametrize("path", ["/static/net.py", "/static/..%2F_app.py",
                                  "/static/%2e%2e%2f%2e%2e%2fnet.py", "/static/../__init__.py"])
def test_no_other_file_is_served(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert r.json()["error"].startswith(("There is no file", "There is nothing at"))


def test_favicon_is_empty_rather_than_a_404(client):
    r = client.get("/favicon.ico")
    assert r.status_code == 204 and r.content == b""


def test_unknown_route_and_wrong_method(client):
    r = client.get("/api/nothing")
    assert r.status_code == 404
    assert r.json() == {"error": "There is nothing at /api/nothing; the page is at /."}
    r = client.get("/api/trace")
    assert r.status_code == 405
    assert r.json() == {"error": "GET is not accepted at /api/trace."}


def test_foreign_host_header_is_refused(net, digits):
    r = _client(create_app(net, digits), "http://evil.example").get("/api/model")
    assert r.status_code == 400
    anywhere = _client(create_app(net, digits, allowed_hosts=("*",)), "http://evil.example")
    assert anywhere.get("/api/model").status_code == 200


def test_a_data_set_that_does_not_fit_is_refused(net, iris):
    with pytest.raises(ValueError, match="The data set iris has 4 features but the network "
                                         "takes 784 inputs"):
        create_app(net, iris)


# ------------------------------------------------------------------ model and weights
def test_model_info(client, net, digits):
    info = client.get("/api/model").json()
    assert info["sizes"] == [784, 16, 10]
    assert info["activations"] == ["sigmoid", "softmax"] and info["output_activation"] == "softmax"
    assert info["image_shape"] == [28, 28]
    assert info["class_names"] == [str(d) for d in range(10)]
    assert info["test_score"] == pytest.approx(net.score(digits.X_test, digits.y_test), abs=1e-6)
    assert info["n_examples"] == 1000 and info["feature_names"] is None


def test_weights_decode_to_the_network_exactly(client, net):
    w = client.get("/api/weights").json()
    for l in range(net.n_layers):
        np.testing.assert_array_equal(_decode(w["weights"][l]).reshape(net.weights[l].shape),
                                      net.weights[l])
        np.testing.assert_array_equal(_decode(w["biases"][l]), net.biases[l])
    np.testing.assert_array_equal(_decode(w["scale"]), np.ones(784))


def test_tabular_model_info_gives_slider_ranges(iris_client, iris):
    client, _ = iris_client
    info = client.get("/api/model").json()
    names = [f["name"] for f in info["features"]]
    assert names == iris.feature_names == info["feature_names"]
    assert [f["min"] for f in info["features"]] == pytest.approx(iris.X_train.min(axis=0))
    assert [f["max"] for f in info["features"]] == pytest.approx(iris.X_train.max(axis=0))
    w = client.get("/api/weights").json()
    assert not np.allclose(_decode(w["scale"]), 1)  # the page standardises as the model does


# ------------------------------------------------------------------ forward pass
def test_trace_equals_the_networks_own(client, net, digits):
    x = digits.X_test[7]
    r = client.post("/api/trace", json={"x": x.tolist()}).json()
    t = net.trace(x)
    for l in range(net.n_layers):
        np.testing.assert_allclose(r["activations"][l], t.activations[l][0], atol=1e-6)
        np.testing.assert_allclose(r["pre_activations"][l], t.pre_activations[l][0], atol=1e-5)
    assert r["predicted"] == int(net.predict(x)[0])
    assert r["predicted_name"] == str(r["predicted"])


@pytest.mark.parametrize("body, message", [
    (b"{not json", 'The request body must be JSON, like {"x": [0.0, 0.5, ...]}.'),
    (b"[1, 2, 3]", 'The request body must be a JSON object, like {"x": [...]}.'),
    (b'{"y": []}', "`x` must be a list of 784 numbers."),
    (b'{"x": [1, "a"]}', "`x` must be a list of 784 numbers."),
    (b'{"x": [true]}', "`x` must be a list of 784 numbers."),
    (b'{"x": [1, 2]}', "`x` must be a list of 784 numbers. Got 2 instead."),
    (b"\xff\xfe", 'The request body must be JSON, like {"x": [0.0, 0.5, ...]}.'),
])
def test_malformed_bodies_are_400_with_a_sentence(client, body, message):
    r = client.post("/api/trace", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json() == {"error": message}


def test_non_finite_input_is_400(client):
    r = client.post("/api/trace", content=b'{"x": [' + b"NaN, " * 783 + b"1]}")
    assert r.status_code == 400
    assert r.json()["error"] == ("`x[0]` must be a finite number within ±3.40282e+38, the range "
                                 "of the model's float32. Got nan instead.")


def test_oversized_bodies_are_413(client):
    big = b'{"x": [' + b"0.0, " * 60000 + b"0]}"
    r = client.post("/api/trace", content=big)
    assert r.status_code == 413
    assert r.json() == {"error": f"The request body is {len(big)} bytes; the limit is 262144."}

    def chunks():  # no Content-Length: the limit holds while streaming
        for _ in range(40):
            yield b" " * 10000

    r = client.post("/api/trace", content=chunks())
    assert r.status_code == 413
    assert r.json() == {"error": "The request body is over the limit of 262144 bytes."}


# ------------------------------------------------------------------ examples
def test_examples_list_ten_per_class_and_return_the_pixels(client, digits):
    listed = client.get("/api/examples").json()["examples"]
    labels = [e["label"] for e in listed]
    assert len(listed) == 100 and all(labels.count(str(d)) == 10 for d in range(10))
    first = listed[0]
    r = client.get(f"/api/examples/{first['index']}").json()
    assert r["label"] == str(digits.y_test[first["index"]])
    np.testing.assert_allclose(r["x"], digits.X_test[first["index"]], atol=1e-6)


@pytest.mark.parametrize("index", ["1000", "-1", "abc"])
def test_unknown_example_is_404(client, index):
    r = client.get(f"/api/examples/{index}")
    assert r.status_code == 404
    if index == "abc":
        assert r.json() == {"error": "There is no example 'abc': examples are integers."}
    else:
        assert r.json() == {"error": f"Example {index} does not exist: the test split has "
                                     "1000 examples (0..999)."}


def test_without_a_data_set_there_are_no_examples(net):
    client = _client(create_app(net))
    assert client.get("/api/examples").json() == {"examples": []}
    assert client.get("/api/examples/0").json() == {
        "error": "This explorer was started without a data set, so it has no examples."}
    card = client.get("/api/units/0/1").json()
    assert "top" not in card and card["field"]["over"] == "input"


# ------------------------------------------------------------------ units
def test_unit_card_matches_a_brute_force_computation(client, net, digits):
    card = client.get("/api/units/0/5").json()
    np.testing.assert_allclose(card["field"]["values"], net.weights[0][5], atol=1e-6)
    assert card["field"]["image_shape"] == [28, 28]
    a = net.trace(digits.X_test).activations[0][:, 5]
    assert [e["index"] for e in card["top"]] == np.argsort(-a, kind="stable")[:9].tolist()
    assert [e["index"] for e in card["bottom"]] == np.argsort(a, kind="stable")[:9].tolist()
    means = [a[digits.y_test == k].mean() for k in range(10)]
    np.testing.assert_allclose(card["class_means"], means, atol=1e-6)
    assert len(card["top"][0]["x"]) == 784
    assert card["description"] == hl.describe(net, digits.X_test, 0, 5, y=digits.y_test).text
    best = hl.maximize_activation(net, 0, units=[5], random_state=0, blur=1.0, l2=0.02, jitter=1)
    np.testing.assert_allclose(card["maximizing_input"], best.images[0], atol=1e-4)


def test_output_unit_field_is_over_the_last_hidden_layer(client, net):
    field = client.get("/api/units/-1/3/field").json()
    assert field["layer"] == 1 and field["over"].startswith(("layer 0", "input"))
    if field["over"] == "layer 0":
        np.testing.assert_allclose(field["values"], net.weights[1][3], atol=1e-6)


@pytest.mark.parametrize("path, message", [
    ("/api/units/2/0", "`layer` must be in -2..1 for this 784-16-10 network (0 is the first "
                       "hidden layer, -1 the output). Got 2 instead."),
    ("/api/units/0/16", "`unit` must be in 0..15 for layer 0, which has 16 units. "
                        "Got 16 instead."),
    ("/api/units/1/10/field", "`unit` must be in 0..9 for layer 1, which has 10 units. "
                              "Got 10 instead."),
    ("/api/units/x/0", "There is no layer 'x': layers are integers."),
    ("/api/units/0/1.5", "There is no unit '1.5': units are integers."),
    ("/api/outputs/10/top-units", "`unit` must be in 0..9 for layer 1, which has 10 units. "
                                  "Got 10 instead."),
])
def test_unknown_layer_or_unit_is_404_with_a_sentence(client, path, message):
    r = client.get(path)
    assert r.status_code == 404
    assert r.json() == {"error": message}


def test_contribution_sums_to_the_pre_activation(client, net, digits):
    x = digits.X_test[3]
    r = client.post("/api/units/0/4/contribution", json={"x": x.tolist()}).json()
    np.testing.assert_allclose(r["contribution"], x * net.weights[0][4], atol=1e-6)
    assert r["sum"] + r["bias"] == pytest.approx(r["pre_activation"], abs=1e-5)
    assert r["pre_activation"] == pytest.approx(net.trace(x).pre_activations[0][0, 4], abs=1e-5)
    out = client.post("/api/units/1/2/contribution", json={"x": x.tolist()}).json()
    a0 = net.trace(x).activations[0][0]
    np.testing.assert_allclose(out["contribution"], a0 * net.weights[1][2], atol=1e-6)
    assert out["over"] == "layer 0" and out["image_shape"] is None


def test_contribution_errors(client):
    r = client.post("/api/units/0/99/contribution", content=b"not json")
    assert r.status_code == 404  # the unit is checked before the body is read
    assert r.json() == {"error": "`unit` must be in 0..15 for layer 0, which has 16 units. "
                                 "Got 99 instead."}
    r = client.post("/api/units/0/1/contribution", content=b"not json")
    assert r.status_code == 400
    assert r.json() == {"error": 'The request body must be JSON, like {"x": [0.0, 0.5, ...]}.'}
    big = b'{"x": [' + b"0.0, " * 60000 + b"0]}"
    r = client.post("/api/units/0/1/contribution", content=big)
    assert r.status_code == 413
    assert r.json() == {"error": f"The request body is {len(big)} bytes; the limit is 262144."}


def test_contribution_uses_the_standardised_input_on_tabular_models(iris_client, iris):
    client, net = iris_client
    x = iris.X_test[0]
    r = client.post("/api/units/0/1/contribution", json={"x": x.tolist()}).json()
    z = (x - net.preprocessing["mean"]) / net.preprocessing["scale"]
    np.testing.assert_allclose(r["contribution"], z * net.weights[0][1], atol=1e-5)
    assert r["sum"] + r["bias"] == pytest.approx(r["pre_activation"], abs=1e-5)


def test_top_units_of_an_output_follow_its_weights(client, net):
    r = client.get("/api/outputs/3/top-units").json()
    order = np.argsort(net.weights[1][3])
    assert [u["unit"] for u in r["positive"]] == order[::-1][:5].tolist()
    assert [u["unit"] for u in r["negative"]] == order[:5].tolist()
    assert r["layer"] == 0


def test_importance_endpoint_is_permutation_importance(iris_client, iris):
    client, net = iris_client
    r = client.get("/api/importance").json()
    assert r["names"] == iris.feature_names
    expected = hl.permutation_importance(net, iris.X_test, iris.y_test, n_repeats=5,
                                         random_state=0)
    np.testing.assert_allclose(r["values"], expected.importances_mean, atol=1e-6)
    np.testing.assert_allclose(r["std"], expected.importances_std, atol=1e-6)


# ------------------------------------------------------------------ other models
def test_an_imported_scikit_learn_model_is_served(iris):
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    mlp = make_pipeline(StandardScaler(), MLPClassifier((6,), max_iter=2000, random_state=0))
    mlp.fit(iris.X_train, iris.y_train)
    net = hl.from_sklearn(mlp, feature_names=iris.feature_names,
                          class_names=iris.class_names)
    client = _client(create_app(net, iris))
    x = iris.X_test[:5]
    for row, p in zip(x, mlp.predict_proba(x)):
        out = client.post("/api/trace", json={"x": row.tolist()}).json()
        np.testing.assert_allclose(out["activations"][-1], p, atol=1e-5)
    assert client.get("/api/units/0/5").json()["field"]["names"] == iris.feature_names
    alone = _client(create_app(net)).get("/api/model").json()
    scaler = mlp[0]  # without data, sliders span 3 standard deviations of the scaler
    assert [f["value"] for f in alone["features"]] == pytest.approx(scaler.mean_)
    assert [f["max"] for f in alone["features"]] == pytest.approx(scaler.mean_ + 3 * scaler.scale_)


def test_a_deep_relu_model_shows_composite_fields(digits):
    net = hl.DenseNet([784, 12, 8, 10], "relu", image_shape=(28, 28), random_state=0)
    client = _client(create_app(net, digits))
    field = client.get("/api/units/1/3/field").json()
    assert field["over"] == "input (linear composite)" and field["image_shape"] == [28, 28]
    np.testing.assert_allclose(field["values"], (net.weights[1] @ net.weights[0])[3], atol=1e-5)
    card = client.get("/api/units/1/3").json()
    assert len(card["top"]) == 9 and len(card["class_means"]) == 10
    r = client.post("/api/units/1/3/contribution", json={"x": digits.X_test[0].tolist()}).json()
    assert r["sum"] + r["bias"] == pytest.approx(r["pre_activation"], abs=1e-5)
    assert len(r["contribution"]) == 12


def test_only_local_hosts_are_quiet():
    from hiddenlens.server import host_warning

    assert host_warning("127.0.0.1", 8000) is None and host_warning("localhost", 80) is None
    assert host_warning("0.0.0.0", 8000) == (
        "Serving on 0.0.0.0: anyone who can reach this machine on port 8000 can use the "
        "explorer. Use --host 127.0.0.1 to keep it local.")


def test_requests_from_other_sites_are_refused(client, digits):
    x = {"x": digits.X_test[0].tolist()}
    r = client.post("/api/trace", json=x, headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    assert r.json() == {"error": "Requests from other web sites are refused; open the "
                                 "explorer's own page instead."}
    assert client.get("/api/model", headers={"origin": "null"}).status_code == 403
    same = client.post("/api/trace", json=x, headers={"origin": "http://127.0.0.1"})
    assert same.status_code == 200


def test_top_units_never_list_a_unit_both_ways(iris_client):
    client, net = iris_client  # 3 hidden units: one up, one down
    r = client.get("/api/outputs/1/top-units").json()
    top = hl.top_units(net, -1, 1, k=1)
    assert r["positive"] == [{"unit": int(top.positive[0]),
                              "weight": round(float(top.positive_scores[0]), 6)}]
    assert [u["unit"] for u in r["negative"]] == top.negative.tolist()
    assert r["positive"][0]["unit"] != r["negative"][0]["unit"]


def test_a_model_of_a_few_classes_gets_only_their_examples(digits):
    net = hl.DenseNet([784, 3, 2], "sigmoid", image_shape=(28, 28), class_names=["0", "1"])
    client = _client(create_app(net, digits))
    labels = [e["label"] for e in client.get("/api/examples").json()["examples"]]
    assert sorted(set(labels)) == ["0", "1"] and len(labels) == 20
    assert len(client.get("/api/units/0/1").json()["class_means"]) == 2


def test_a_one_unit_layer_lists_its_unit_once_by_the_sign_of_its_weight(digits):
    net = hl.DenseNet([784, 1, 2], "sigmoid", image_shape=(28, 28), random_state=0)
    client = _client(create_app(net))
    for c in range(2):
        r = client.get(f"/api/outputs/{c}/top-units").json()
        w = float(net.weights[1][c, 0])
        assert r[("positive", "negative")[w < 0]] == [{"unit": 0, "weight": round(w, 6)}]
        assert r[("negative", "positive")[w < 0]] == []
