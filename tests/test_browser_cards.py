"""The explorer's cards in a real browser: a tabular contribution says which scale each number is
on, class means below zero are drawn, the hover readout follows a picked example, cut labels
keep their whole text in a tooltip, and an output's card ranks its units by this input's
contributions beside their weights, at 100 units (nielsen) and 512/256 (keras-blog).
Screenshots go to test-artifacts/."""

from __future__ import annotations

import numpy as np
import pytest

import hiddenlens as hl
from _explorer import new_page, serve_thread, shot, wait
from hiddenlens.server import create_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def iris():
    return hl.load_dataset("iris")


@pytest.fixture(scope="module")
def iris_net(iris):
    return hl.train(hl.DenseNet([4, 5, 3], "tanh", random_state=0), iris, epochs=30, progress=False)


@pytest.fixture(scope="module")
def iris_url(iris_net, iris):
    yield from serve_thread(create_app(iris_net, iris))


def _ready(page, url):
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")


def _pick(page, select: str, nth: int) -> int:
    index = page.locator(f"{select} option").nth(nth).get_attribute("value")
    updates = page.evaluate("window.hiddenlens.stats.updates")
    page.select_option(select, index)
    wait(page, f"window.hiddenlens.stats.updates > {updates}")
    return int(index)


def _open_unit(page, layer: int, unit: int) -> None:
    cols = page.evaluate(f"document.getElementById('layer-{layer}').width")
    # a click at page coordinates needs the grid in view: opening a card lower down (an
    # output's bar) scrolls the page, further on a taller page
    page.locator(f"#layer-{layer}").scroll_into_view_if_needed()
    box = page.locator(f"#layer-{layer}").bounding_box()
    rows = page.evaluate(f"document.getElementById('layer-{layer}').height")
    page.mouse.click(box["x"] + (unit % cols + 0.5) * box["width"] / cols,
                     box["y"] + (unit // cols + 0.5) * box["height"] / rows)
    page.wait_for_selector(f"#card[data-unit='{layer}/{unit}']")


def _cells(page, selector: str) -> list[list[str]]:
    return page.locator(selector).evaluate_all(
        "rows => rows.map(r => Array.from(r.children).map(c => c.textContent))")


def _number(text: str) -> float:
    return float(text.replace("−", "-"))


def test_a_tabular_contribution_shows_raw_and_standardised_and_the_signs_agree(
        browser, iris_url, iris, iris_net):
    with new_page(browser) as page:
        _ready(page, iris_url)
        _pick(page, "#tab-examples", 2)
        _open_unit(page, 0, 1)
        page.wait_for_selector("#contribution table.decomp tr td")
        [head] = _cells(page, "#contribution table.decomp tr:first-child")
        assert [h.replace("\u00ad", "") for h in head] == [
            "feature", "raw value", "standardised", "weight", "contribution", ""]
        rows = _cells(page, "#contribution table.decomp tr:not(:first-child)")
        x = np.array(page.evaluate("Array.from(window.hiddenlens.x)"))
        pre, w = iris_net.preprocessing, iris_net.weights[0][1]
        assert len(rows) == 4
        for name, raw, z, weight, contribution, _ in rows:
            j = iris.feature_names.index(name)
            assert float(raw) == pytest.approx(x[j], rel=1e-3)
            assert _number(z) == pytest.approx((x[j] - pre["mean"][j]) / pre["scale"][j],
                                               abs=1e-3)
            assert _number(weight) == pytest.approx(w[j], abs=1e-3)
            assert np.sign(_number(z) * _number(weight)) == np.sign(_number(contribution))
            assert _number(z) * _number(weight) == pytest.approx(_number(contribution), abs=2e-3)
        assert "Incoming weights on the standardised input" in page.locator("#card").inner_text()
        shot(page, "explorer-iris-unit-card.png")


def test_class_means_below_zero_are_drawn_from_a_centre_line(browser, iris_url, iris, iris_net):
    a = iris_net.trace(iris.X_test).activations[0]  # (n, 5) tanh
    means = np.array([[a[iris.y_test == k, j].mean() for k in range(3)] for j in range(5)])
    unit = int(np.argmin(means.min(axis=1)))
    assert means[unit].min() < -0.1
    with new_page(browser) as page:
        _ready(page, iris_url)
        _open_unit(page, 0, unit)
        rows = page.locator("#card .bar-row.centred")
        assert rows.count() == 3
        for k in range(3):
            fill = rows.nth(k).locator(".fill")
            width = fill.evaluate("f => f.getBoundingClientRect().width")
            assert width > 0 if abs(means[unit, k]) > 0.02 else width >= 0
            assert fill.get_attribute("class") == ("fill down" if means[unit, k] < 0 else "fill up")


def test_the_hover_readout_follows_a_picked_example(browser, iris_url):
    with new_page(browser) as page:
        _ready(page, iris_url)
        box = page.locator("#layer-0").bounding_box()
        page.mouse.move(box["x"] + 5, box["y"] + 5)  # unit 0
        readout = page.locator("#layers .readout").first
        before = readout.inner_text()
        for nth in (1, 25):
            _pick(page, "#tab-examples", nth)
            a, z = page.evaluate("[window.hiddenlens.last.a[0][0], window.hiddenlens.last.z[0][0]]")
            assert readout.inner_text() == (f"unit 0: activation {a:.3f}, "
                                            f"pre-activation {z:.3f}")
        assert readout.inner_text() != before


def test_cut_labels_keep_their_whole_text_in_a_tooltip(browser):
    wine = hl.load_dataset("wine")
    net = hl.train(hl.DenseNet([13, 4, 3], "tanh", random_state=0), wine, epochs=3, progress=False)
    for url in serve_thread(create_app(net, wine)):
        with new_page(browser) as page:
            _ready(page, url)
            page.wait_for_selector("#importance .bar-row")
            for selector in ["#sliders .name", "#importance .name", "#outputs .name"]:
                names = page.locator(selector).evaluate_all(
                    "els => els.map(e => [e.textContent, e.title, e.scrollWidth > e.clientWidth])")
                assert all(text == title for text, title, _ in names), names
            cut = page.locator("#sliders .name").evaluate_all(
                "els => els.filter(e => e.scrollWidth > e.clientWidth).map(e => e.title)")
            assert "od280/od315_of_diluted_wines" in cut  # cut, and whole in its tooltip


def _ranked(page, cls: str) -> tuple[list[int], list[int]]:
    lists = page.locator(f"#card .ranking.{cls} .units-list")
    return tuple([int(t.split()[1]) for t in lists.nth(i).locator("figcaption strong")
                  .all_inner_texts()] for i in range(2))


@pytest.mark.parametrize("preset", ["nielsen", "keras-blog"])
def test_an_output_card_ranks_units_by_this_inputs_contribution_beside_weight(browser, embedded,
                                                                              preset):
    net = hl.train_preset(preset, embedded, epochs=1, progress=False)
    layer, width = net.n_layers - 2, net.sizes[-2]
    for url in serve_thread(create_app(net, embedded)):
        with new_page(browser) as page:
            _ready(page, url)
            _pick(page, "#examples", 30)
            page.locator("#outputs .bar-row").nth(3).click()
            page.wait_for_selector("#card[data-unit='output/3'] .ranking.by-contribution figure")
            hint = page.locator("#card .hint").first.inner_text()
            assert hint.startswith(f"Units of layer {layer}, the last hidden layer ({width} ")
            for nth in (30, 55):  # the ranking follows the input
                if nth != 30:
                    _pick(page, "#examples", nth)
                x = np.array(page.evaluate("Array.from(window.hiddenlens.x)"))
                top = hl.top_units(net, -1, 3, k=5, by="contribution", x=x)
                expected = ([int(u) for u, s in zip(top.positive, top.positive_scores) if s > 0],
                            [int(u) for u, s in zip(top.negative, top.negative_scores) if s < 0])
                wait(page, "document.querySelectorAll('#card .by-contribution figcaption').length"
                           f" === {sum(map(len, expected))}")
                page.wait_for_timeout(300)
                assert _ranked(page, "by-contribution") == expected
            by_weight = hl.top_units(net, -1, 3, k=5)
            assert _ranked(page, "by-weight") == (by_weight.positive.tolist(),
                                                  by_weight.negative.tolist())
            figures = page.locator("#card .units-list figure")
            assert figures.count() == 20
            page.wait_for_timeout(500)  # the thumbnails' fields
            titles = page.locator("#card .units-list canvas").evaluate_all(
                "cs => cs.map(c => c.title)")
            assert all(t.startswith(f"receptive field of layer {layer}, unit ") for t in titles)
            assert len(titles) == 20
            caption = figures.first.locator("figcaption").inner_text()
            assert caption.startswith("unit ") and " × " in caption and " = " in caption
            shot(page, f"explorer-{preset}-output-card.png")
            _open_unit(page, 0, 7)
            page.wait_for_selector("#contribution .decomposition")
            page.wait_for_selector("#card .examples canvas")
            shot(page, f"explorer-{preset}-unit-card.png")
