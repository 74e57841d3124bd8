"""What the explorer refuses before any work: calls without the page's token, and request bodies
that Python's JSON parser or the model's float32 arithmetic cannot take. One sentence each."""

from __future__ import annotations

import re

import pytest
import torch

import hiddenlens as hl
from _explorer import LOCAL, TestClient, client
from hiddenlens.server import create_app
from hiddenlens.server._middleware import TOKEN_HEADER

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")

API_CALLS = [("GET", "/api/model"), ("GET", "/api/weights"), ("POST", "/api/trace"),
             ("GET", "/api/examples"), ("GET", "/api/examples/0"), ("GET", "/api/units/0/1"),
             ("GET", "/api/units/0/1/field"), ("POST", "/api/units/0/1/contribution"),
             ("GET", "/api/outputs/1/top-units"), ("GET", "/api/importance"),
             ("GET", "/api/nothing")]
EXPLORER_METHODS = ["model_info", "weights", "trace", "examples", "example", "card", "field",
                    "contribution", "top_units", "importance"]


@pytest.fixture(scope="module")
def iris():
    return hl.load_dataset("iris")


@pytest.fixture(scope="module")
def net(iris):
    return hl.train(hl.DenseNet([4, 3, 3], "tanh", random_state=1), iris, epochs=3, progress=False)


def count_calls(app) -> list[str]:
    """Wrap every Explorer method an endpoint calls; the list grows by one name per call."""
    calls, explorer = [], app.state.explorer
    for name in EXPLORER_METHODS:
        method = getattr(explorer, name)

        def counted(*args, _name=name, _method=method, **kwargs):
            calls.append(_name)
            return _method(*args, **kwargs)

        setattr(explorer, name, counted)
    return calls


# ------------------------------------------------------------------ the page token
def test_api_calls_without_the_page_token_do_no_work(net, iris):
    app = create_app(net, iris)
    calls = count_calls(app)
    bare = TestClient(app, base_url=LOCAL)
    body = {"x": iris.X_test[0].tolist()}
    for method, path in API_CALLS:
        r = bare.request(method, path, json=body if method == "POST" else None)
        assert r.status_code == 403, path
        assert r.json() == {"error": "API calls need the X-Hiddenlens-Token header that the "
                                     "explorer's page sends; open the page at / instead."}
        r = bare.request(method, path, json=body if method == "POST" else None,
                         headers={TOKEN_HEADER: app.state.token[:-1] + "x"})
        assert r.status_code == 403, path
        assert r.json() == {"error": "The X-Hiddenlens-Token header is not this explorer's; "
                                     "reload the page at / (the server may have restarted)."}
    r = bare.get("/api/model", headers={TOKEN_HEADER: "é".encode("latin-1") * 43})  # not ASCII
    assert r.status_code == 403
    assert calls == []
    ok = client(app)
    for method, path in API_CALLS[:-1]:
        assert ok.request(method, path, json=body if method == "POST" else None).is_success, path
    assert sorted(set(calls)) == sorted(EXPLORER_METHODS)


def test_the_page_and_its_modules_need_no_token_and_carry_it(net):
    app = create_app(net)
    bare = TestClient(app, base_url=LOCAL)
    page = bare.get("/")
    assert page.status_code == 200
    [token] = re.findall(r'<meta name="hiddenlens-token" content="([A-Za-z0-9_-]{43})">',
                         page.text)
    assert token == app.state.token != create_app(net).state.token  # one per run
    assert bare.get("/static/api.js").status_code == 200
    assert bare.get("/favicon.ico").status_code == 204


def test_host_and_origin_checks_still_come_first(net):
    app = create_app(net)
    r = client(app, "http://evil.example").get("/api/model")
    assert r.status_code == 400  # DNS rebinding: the Host is checked even with the token
    r = client(app).get("/api/model", headers={"origin": "https://evil.example"})
    assert r.status_code == 403 and r.json()["error"].startswith("Requests from other web sites")


def test_a_token_given_to_create_app_is_used(net):
    app = create_app(net, token="fixed-token_1")
    assert TestClient(app, base_url=LOCAL).get(
        "/api/model", headers={TOKEN_HEADER: "fixed-token_1"}).status_code == 200
    with pytest.raises(ValueError, match=r"`token` must hold only letters, digits, - and _\. "
                                         r"Got '\"><script>' instead\."):
        create_app(net, token='"><script>')


# ------------------------------------------------------------------ bounded JSON, finite numbers
@pytest.mark.parametrize("path", ["/api/trace", "/api/units/0/1/contribution"])
@pytest.mark.parametrize("body, message", [
    (b'{"x": [' + b"1" * 51 + b", 2, 3, 4]}",
     "Numbers in the request body must have at most 50 digits. Got one of 51 digits instead."),
    (b'{"x": [' + b"7" * 4301 + b", 2, 3, 4]}",  # past Python's own limit for int()
     "Numbers in the request body must have at most 50 digits. Got one of 4301 digits instead."),
    (b'{"x": ' + b"[" * 33 + b"]" * 33 + b"}",
     'The request body\'s JSON must be nested at most 32 levels deep, like {"x": [0.0, 0.5, '
     '...]}. Got 34 levels instead.'),
    (b"{" * 50_000, 'The request body\'s JSON must be nested at most 32 levels deep, like {"x": '
                    '[0.0, 0.5, ...]}. Got 50000 levels instead.'),
    (b'{"x": [3e38, 3e38, 3e38, 3e38]}',
     "This input (its largest number x[0] = 3e+38) drives layer 0 past ±3.40282e+38, the range "
     "of the model's float32; give inputs nearer the data's range."),
    (b'{"x": [1, 2, -3.5e38, 4]}', "`x[2]` must be a finite number within ±3.40282e+38, the "
                                   "range of the model's float32. Got -3.5e+38 instead."),
    (b'{"x": [1, Infinity, 3, 4]}', "`x[1]` must be a finite number within ±3.40282e+38, the "
                                    "range of the model's float32. Got inf instead."),
])
def test_bodies_past_the_parsers_or_the_models_range_get_one_sentence(net, path, body, message):
    r = client(create_app(net)).post(path, content=body)
    assert r.status_code == 400
    assert r.json() == {"error": message}


def test_brackets_and_digits_inside_strings_are_text(net):
    body = b'{"note": "' + b"[{" * 40 + b"9" * 80 + b'\\" ]]", "x": [5.1, 3.5, 1.4, 0.2]}'
    assert client(create_app(net)).post("/api/trace", content=body).status_code == 200


def test_a_float64_model_takes_float64_numbers(iris):
    net = hl.DenseNet([4, 3, 3], "tanh", dtype=torch.float64, random_state=0)
    c = client(create_app(net))
    assert c.post("/api/trace", json={"x": [1e39, 0, 0, 0]}).status_code == 200
    r = c.post("/api/trace", content=b'{"x": [1e309, 0, 0, 0]}')
    assert r.json() == {"error": "`x[0]` must be a finite number within ±1.79769e+308, the range "
                                 "of the model's float64. Got inf instead."}


def test_an_answer_holding_nan_is_a_500_not_a_misleading_400(net, monkeypatch, caplog):
    app = create_app(net)
    monkeypatch.setattr(app.state.explorer, "model_info", lambda: {"score": float("nan")})
    with caplog.at_level("ERROR", logger="hiddenlens.server"):
        r = client(app).get("/api/model")
    assert r.status_code == 500 and "JSON compliant" not in r.text
    assert caplog.messages == ["GET /api/model failed: NotFinite: an answer held NaN or infinity"]
