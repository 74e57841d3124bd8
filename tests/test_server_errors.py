"""The explorer's exception handlers and headers: each error kind inside an endpoint gives its
status and one sentence, anything unexpected a 500 with one logged line and no traceback, and
every answer carries the security headers."""

from __future__ import annotations

import pytest

import hiddenlens as hl
from _explorer import client as client_for
from hiddenlens.server import create_app
from hiddenlens.server._errors import BadRequest
from hiddenlens.server._middleware import CSP
from hiddenlens.server._payloads import UnknownItem

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")


@pytest.fixture(scope="module")
def net():
    return hl.DenseNet([784, 16, 10], "sigmoid", image_shape=(28, 28), random_state=0)


@pytest.fixture(scope="module")
def client(net):
    return client_for(create_app(net))


# ------------------------------------------------------------------ exception handlers
def _raising(exc):
    def raise_it(*args, **kwargs):
        raise exc
    return raise_it


@pytest.mark.parametrize("exc, status", [
    (UnknownItem("Layer 7 does not exist: this network has 2 layers."), 404),
    (BadRequest("The request body is over the limit of 10 bytes.", 413), 413),
    (BadRequest("`x` must be a list of 784 numbers."), 400),
    (ValueError("`X` contains NaN or infinite values; clean them first."), 400),
    (TypeError("`x` must be a list of numbers. Got a str instead."), 400),
])
def test_each_error_kind_inside_an_endpoint_gives_its_status_and_sentence(net, monkeypatch,
                                                                           exc, status):
    app = create_app(net)
    monkeypatch.setattr(app.state.explorer, "model_info", _raising(exc))
    r = client_for(app).get("/api/model")
    assert r.status_code == status
    assert r.json() == {"error": str(exc)}
    assert r.headers["content-security-policy"] == CSP


def test_an_unexpected_exception_is_a_500_with_one_logged_line_and_no_traceback(net, monkeypatch,
                                                                                caplog):
    app = create_app(net)
    monkeypatch.setattr(app.state.explorer, "top_units",
                        _raising(ZeroDivisionError("division by zero\nsecond line")))
    client = client_for(app)  # raise_server_exceptions: nothing reaches it
    with caplog.at_level("ERROR", logger="hiddenlens.server"):
        r = client.get("/api/outputs/3/top-units")
    assert r.status_code == 500
    assert r.json() == {"error": "The explorer failed to answer GET /api/outputs/3/top-units; "
                                 "its console says why."}
    assert "Traceback" not in r.text and "ZeroDivisionError" not in r.text
    assert r.headers["content-security-policy"] == CSP
    [record] = [rec for rec in caplog.records if rec.name == "hiddenlens.server"]
    assert record.getMessage() == ("GET /api/outputs/3/top-units failed: ZeroDivisionError: "
                                   "division by zero second line")
    assert record.exc_info is None  # one line: no traceback on the console either


def test_an_unexpected_exception_in_a_worker_thread_is_a_500_too(net, monkeypatch):
    app = create_app(net)
    monkeypatch.setattr(app.state.explorer, "trace", _raising(RuntimeError("boom")))
    r = client_for(app).post("/api/trace", json={"x": [0.0] * 784})
    assert r.status_code == 500 and "Traceback" not in r.text
    assert r.json()["error"].startswith("The explorer failed to answer POST /api/trace")


def test_every_answer_carries_the_security_headers(client, net):
    answers = [client.get("/api/nothing"), client.get("/api/trace"), client.get("/favicon.ico"),
               client.get("/api/model", headers={"origin": "https://evil.example"}),
               client_for(create_app(net), "http://evil.example").get("/")]
    assert [r.status_code for r in answers] == [404, 405, 204, 403, 400]
    for r in answers:
        assert r.headers["content-security-policy"] == CSP
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"


def test_a_wrong_method_says_which_are_allowed(client):
    r = client.get("/api/units/0/1/contribution")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert r.json() == {"error": "GET is not accepted at /api/units/0/1/contribution."}


def test_the_origin_check_covers_the_page_and_its_modules(client):
    for path in ["/", "/static/main.js", "/api/model"]:
        r = client.get(path, headers={"origin": "https://evil.example"})
        assert r.status_code == 403, path
