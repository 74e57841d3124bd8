"""Hypothesis against the explorer's endpoints, in process: any body, any path segment. Every
answer is JSON with a 2xx or 4xx status, and an error is one sentence; never a 500.

Bounded for CI: 200 examples per test, derandomized (the same examples every run).
"""

from __future__ import annotations

import json
import math
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hiddenlens as hl
from _explorer import client
from hiddenlens.server import create_app

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx`")
FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])

_iris = hl.load_dataset("iris")
_net = hl.train(hl.DenseNet([4, 5, 3], "tanh", random_state=0), _iris, epochs=5, progress=False)
CLIENT = client(create_app(_net, _iris), raise_server_exceptions=False)

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6),
    st.integers(min_value=-(10 ** 60), max_value=10 ** 60),
    st.sampled_from([3e38, -3.4e38, 3.5e38, 1e-45, -0.0, 1e308]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=20))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=6), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=30)
inputs = st.one_of(
    st.lists(numbers, min_size=4, max_size=4),  # the right length: only the values can be wrong
    st.lists(numbers, min_size=0, max_size=8),
    st.lists(scalars, min_size=4, max_size=4),
    json_values,
)


def _dumps(value) -> bytes:
    return json.dumps(value, allow_nan=True).encode()  # NaN and Infinity, as Python writes them


bodies = st.one_of(
    inputs.map(lambda x: _dumps({"x": x})),
    json_values.map(_dumps),
    st.binary(max_size=64),
    st.integers(min_value=1, max_value=60).map(lambda n: b'{"x": ' + b"[" * n + b"]" * n + b"}"),
    st.integers(min_value=40, max_value=400).map(lambda n: b'{"x": [' + b"7" * n + b", 1, 2, 3]}"),
)
segments = st.one_of(
    st.integers(min_value=-5, max_value=12).map(str),
    st.integers().map(str),
    st.text(min_size=1, max_size=12),
    st.sampled_from(["1e3", "0x1", "+1", "1_0", "٣", " 1", "-0", "9" * 400]),
)


def _check(r) -> None:
    assert r.status_code < 500 and (200 <= r.status_code < 300 or r.status_code >= 400), (
        r.status_code, r.text[:300])
    data = r.json()
    if r.status_code >= 400:
        assert list(data) == ["error"], data
        message = data["error"]
        assert message.endswith(".") and "\n" not in message and "Traceback" not in message
        assert "sys." not in message and "JSON compliant" not in message, message
    else:
        _all_finite(data)


def _all_finite(value) -> None:
    if isinstance(value, float):
        assert math.isfinite(value)
    elif isinstance(value, list):
        for v in value:
            _all_finite(v)
    elif isinstance(value, dict):
        for v in value.values():
            _all_finite(v)


@FUZZ
@given(body=bodies, path=st.sampled_from(["/api/trace", "/api/units/0/1/contribution",
                                          "/api/units/1/2/contribution",
                                          "/api/outputs/0/top-units"]))
def test_any_body_gets_json_and_never_a_500(body, path):
    _check(CLIENT.post(path, content=body, headers={"content-type": "application/json"}))


@FUZZ
@given(a=segments, b=segments, route=st.sampled_from([
    "/api/units/{a}/{b}", "/api/units/{a}/{b}/field", "/api/examples/{a}",
    "/api/outputs/{a}/top-units", "/api/{a}"]))
def test_any_path_segment_gets_json_and_never_a_500(a, b, route):
    path = route.format(a=quote(a, safe=""), b=quote(b, safe=""))
    _check(CLIENT.get(path))


@FUZZ
@given(x=st.lists(st.floats(allow_nan=False, allow_infinity=False, width=32), min_size=4,
                  max_size=4))
def test_any_float32_input_is_answered_or_refused_in_one_sentence(x):
    for path in ["/api/trace", "/api/units/0/3/contribution", "/api/outputs/2/top-units"]:
        _check(CLIENT.post(path, json={"x": x}))
