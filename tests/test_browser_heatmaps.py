"""The heat-map panel in a real browser: draw or pick a digit, every method's map appears with
its scores (this input's and the test split's), and clicking a map opens its deletion curve.
Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import numpy as np
import pytest

import hiddenlens as hl
from _explorer import draw_seven as _draw_seven
from _explorer import new_page, serve_thread, shot, wait
from hiddenlens.explain import methods
from hiddenlens.server import create_app

pytestmark = pytest.mark.browser
CARDS = "#heatmaps .hm-card"


@pytest.fixture(scope="module")
def digit_net(embedded):
    return hl.train_preset("nielsen", embedded, epochs=2, progress=False)


@pytest.fixture(scope="module")
def url(digit_net, embedded):
    yield from serve_thread(create_app(digit_net, embedded))


def _ready(page, n: int) -> None:
    wait(page, f"document.querySelectorAll('{CARDS}').length === {n} && "
               "!document.getElementById('heatmaps').dataset.loading", 60)


def test_picked_digit_shows_every_maps_scores_and_a_click_opens_its_curve(browser, url,
                                                                            digit_net,
                                                                            embedded):
    names = list(methods("attribution"))
    with new_page(browser, 1400, 1000) as page:
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]")
        assert page.locator("#heatmaps").inner_text() == "Draw a digit or pick a test example."
        page.select_option("#examples", index=4)  # "#3: 8"
        _ready(page, len(names))
        assert "test split: not scored yet" in page.locator(CARDS).nth(0).inner_text()
        page.click("#hm-score")  # the test split's table: computed when asked for
        wait(page, f"document.querySelector('{CARDS} .score.net').textContent"
                   ".includes('rank')", 180)
        cards = page.locator(CARDS)
        assert [cards.nth(i).get_attribute("data-method") for i in range(len(names))] == names
        x = np.array(page.evaluate("Array.from(window.hiddenlens.x)"))
        api = hl.deletion_curve(digit_net, x[None], int(digit_net.predict(x[None])[0]),
                                hl.saliency(digit_net, x[None], None))
        shown = cards.nth(names.index("saliency"))
        assert float(shown.get_attribute("data-auc")) == pytest.approx(api.auc[0], abs=1e-6)
        text = shown.inner_text()
        assert f"this input: deletion AUC {api.auc[0]:.3f}" in text
        assert re.search(r"test split: rank [1-5] of 5, deletion AUC \d\.\d{3} \(random "
                         r"\d\.\d{3}\), faithfulness -?\d\.\d\d; weights check (pass|fail)",
                         text), text
        assert page.locator("#hm-curve").is_hidden()
        shown.click()
        wait(page, "!document.getElementById('hm-curve').hidden")
        assert page.locator("#hm-curve").get_attribute("data-method") == "saliency"
        assert "selected" in (shown.get_attribute("class") or "")
        assert page.locator("#hm-curve h3").inner_text() == "Deletion curve: saliency (gradient)"
        assert page.locator("#hm-curve canvas").bounding_box()["width"] == 480
        assert "The test split (its first 200 digits), in words: On these 200 digits" in \
            page.locator("#heatmaps-panel .hm-about").inner_text()
        page.wait_for_timeout(200)
        shot(page, "explorer-heatmaps.png")


def test_a_drawn_digit_gets_its_maps_and_the_curve_stays_open(browser, url):
    with new_page(browser, 1400, 1000) as page:
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]")
        _draw_seven(page)
        _ready(page, 5)
        page.locator(CARDS).nth(0).click()
        wait(page, "document.getElementById('hm-curve').dataset.method === 'ig'")
        first = page.locator(CARDS).nth(0).get_attribute("data-auc")
        page.click("#clear")
        wait(page, f"document.querySelectorAll('{CARDS}').length === 0")
        assert page.locator("#hm-curve").is_hidden()
        _draw_seven(page)
        _ready(page, 5)
        wait(page, "!document.getElementById('hm-curve').hidden")  # the choice is kept
        assert page.locator(CARDS).nth(0).get_attribute("data-auc") == first  # same strokes
        shot(page, "explorer-heatmaps-drawn.png")
