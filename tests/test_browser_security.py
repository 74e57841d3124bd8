"""The explorer against a hostile web page and hostile names, in a real browser.

A page served from another local port plants <img>, <script>, <link>, <iframe>, a form and
no-cors fetches aimed at the explorer's expensive endpoints: the requests reach the explorer's
server, none reaches its work. Names from a CSV header and its labels that hold HTML, script,
TeX and quotes are shown as the text they are. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import csv
import time

import pytest

import hiddenlens as hl
from _explorer import new_page, serve_thread, shot, wait
from hiddenlens.server import create_app

pytestmark = pytest.mark.browser

HOSTILE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Another web site</title>
<style>body {{ font: 15px system-ui; margin: 2em; }} li {{ margin: .3em 0; }}</style></head>
<body><h1>Another web site, open while the explorer runs</h1>
<p>It aims these at the explorer on {target}:</p><ul id="log"></ul>
<img src="{target}/api/importance" alt="">
<img src="{target}/api/units/0/1" alt="">
<script src="{target}/api/units/0/2"></script>
<link rel="stylesheet" href="{target}/api/units/0/3">
<iframe src="{target}/api/outputs/1/top-units" width="300" height="60"></iframe>
<iframe name="sink" width="300" height="60"></iframe>
<form id="form" method="post" action="{target}/api/trace" enctype="text/plain" target="sink">
<input name='{{"x": [5, 3, 1, 0.2], "pad": "' value='"}}'></form>
<script>
const target = "{target}", log = document.getElementById("log");
const note = (text) => {{ const li = document.createElement("li"); li.textContent = text;
                          log.append(li); }};
note("<img>: GET /api/importance and /api/units/0/1");
note("<script>: GET /api/units/0/2; <link>: GET /api/units/0/3; <iframe>: top-units");
document.getElementById("form").submit();
note("<form> POST /api/trace (text/plain, no preflight)");
fetch(target + "/api/importance", {{mode: "no-cors"}}).then(() => note("no-cors GET sent"));
fetch(target + "/api/units/0/1/contribution", {{mode: "no-cors", method: "POST",
      headers: {{"Content-Type": "text/plain"}}, body: '{{"x": [5, 3, 1, 0.2]}}'}})
  .then(() => note("no-cors POST /api/units/0/1/contribution sent"));
fetch(target + "/api/importance", {{headers: {{"X-Hiddenlens-Token": "guess"}}}})
  .catch(() => note("GET with a guessed token header: refused at its preflight"));
fetch(target + "/").then((r) => r.text()).then(() => note("read the page: it could!"))
  .catch(() => note("reading the explorer's page (for its token): blocked by the browser"));
setTimeout(() => {{ document.body.dataset.done = "true"; }}, 1500);
</script></body></html>"""

# what the hostile page's requests ask of the server; each must arrive, and do nothing
PLANTED = [("GET", "/api/importance"), ("GET", "/api/units/0/1"), ("GET", "/api/units/0/2"),
           ("GET", "/api/units/0/3"), ("GET", "/api/outputs/1/top-units"),
           ("POST", "/api/trace"), ("POST", "/api/units/0/1/contribution")]
EXPLORER_METHODS = ["model_info", "weights", "trace", "examples", "example", "card", "field",
                    "contribution", "top_units", "importance"]


@pytest.fixture(scope="module")
def iris():
    return hl.load_dataset("iris")


def _counted(app):
    """(the app wrapped, requests that arrived at the server, Explorer methods that ran)."""
    arrived, calls, explorer = [], [], app.state.explorer
    for name in EXPLORER_METHODS:
        def counted(*args, _name=name, _method=getattr(explorer, name), **kwargs):
            calls.append(_name)
            return _method(*args, **kwargs)
        setattr(explorer, name, counted)

    async def outer(scope, receive, send):
        if scope["type"] == "http":
            arrived.append((scope["method"], scope["path"]))
        await app(scope, receive, send)

    return outer, arrived, calls


def _html_app(html: str):
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/html; charset=utf-8")]})
        await send({"type": "http.response.body", "body": html.encode()})
    return app


def test_a_page_from_another_port_cannot_make_the_explorer_work(browser, iris):
    net = hl.train(hl.DenseNet([4, 5, 3], "tanh", random_state=0), iris, epochs=5, progress=False)
    app, arrived, calls = _counted(create_app(net, iris))
    for url in serve_thread(app):
        for evil in serve_thread(_html_app(HOSTILE.format(target=url))):
            assert evil.rsplit(":", 1)[1] != url.rsplit(":", 1)[1]
            context = browser.new_context(viewport={"width": 1000, "height": 700})
            page = context.new_page()
            page.goto(evil)
            wait(page, "document.body.dataset.done === 'true'")
            end = time.monotonic() + 10
            while not set(PLANTED) <= set(arrived) and time.monotonic() < end:
                page.wait_for_timeout(50)
            assert set(PLANTED) <= set(arrived), f"not every request was sent: {arrived}"
            assert calls == [], f"a request from another site made the explorer work: {calls}"
            log = page.locator("#log li").all_inner_texts()
            assert "read the page: it could!" not in log
            shot(page, "explorer-hostile-page.png")
            context.close()
        with new_page(browser) as page:  # the explorer's own page does the same work
            page.goto(url)
            page.wait_for_selector("body[data-ready=true]")
            page.wait_for_selector("#importance .bar-row")
            assert {"model_info", "weights", "importance"} <= set(calls)


NAMES = ['<img src=x onerror="window.pwned=1">', "<script>window.pwned=2</script>",
         "$\\undefinedcommand$", "it's \"quoted\" & <b>bold</b>"]
CLASSES = ["<img src=y onerror=window.pwned=3>", "</option><script>window.pwned=4</script>",
           "$\\frac{a}{0"]


@pytest.fixture(scope="module")
def hostile_names(iris, tmp_path_factory):
    path = tmp_path_factory.mktemp("names") / "flowers<i>.csv"
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow([*NAMES, "label"])
        for X, y in ((iris.X_train, iris.y_train), (iris.X_test, iris.y_test)):
            out.writerows([*row.tolist(), CLASSES[k]] for row, k in zip(X, y))
    data = hl.load_dataset(path, target_column="label")
    net = hl.train(hl.DenseNet([4, 5, 3], "tanh", random_state=0), data, epochs=10, progress=False)
    return net, data


def _texts(page, selector: str) -> list[str]:
    return page.locator(selector).evaluate_all("els => els.map(e => e.textContent)")


def test_names_holding_html_and_script_are_shown_as_text(browser, hostile_names):
    net, data = hostile_names
    assert sorted(data.feature_names) == sorted(NAMES) and sorted(data.class_names) == sorted(
        CLASSES)
    for url in serve_thread(create_app(net, data)):
        with new_page(browser, height=1300) as page:
            page.goto(url)
            page.wait_for_selector("body[data-ready=true]")
            page.wait_for_selector("#importance .bar-row")
            assert _texts(page, "#sliders .name") == data.feature_names
            assert _texts(page, "#outputs .name") == data.class_names
            options = _texts(page, "#tab-examples option")[1:]
            assert {o.split(": ", 1)[1] for o in options} == set(data.class_names)
            assert sorted(_texts(page, "#importance .name")) == sorted(data.feature_names)
            page.locator("#layer-0").click(position={"x": 3, "y": 3})
            page.wait_for_selector("#card[data-unit='0/0'] .description")
            page.wait_for_selector("#contribution .decomposition")
            text = page.locator("#card").inner_text()
            for name in data.feature_names + data.class_names:
                assert name in text, name
            shot(page, "explorer-hostile-names.png")
            page.locator("#outputs .bar-row").nth(1).click()
            page.wait_for_selector("#card[data-unit='output/1']")
            assert data.class_names[1] in page.locator("#card-title").inner_text()
            # nothing the names hold became an element, and no script of theirs ran
            assert page.evaluate("document.querySelectorAll('img, b, i, iframe').length") == 0
            assert page.evaluate("Array.from(document.scripts).map(s => s.src)") == [
                f"{url}/static/main.js"]
            assert page.evaluate("window.pwned === undefined")
