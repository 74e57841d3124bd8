"""Figures as a user reads them: captions that name what each map is, scales that fit the
numbers, labels and legends that cover nothing, a regressor's and a one-unit layer's words."""

import numpy as np
import pytest
from matplotlib.collections import LineCollection

import hiddenlens as hl
from hiddenlens.plot import ImportanceDisplay, NetworkDiagramDisplay, TraceDisplay
from hiddenlens.plot._diagram import THUMB
from hiddenlens.plot._importance import GARSON_NOTE


def _boxes(fig, artists):
    renderer = fig.canvas.get_renderer()
    return [a.get_window_extent(renderer) for a in artists]


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.fixture(scope="module")
def wine():
    return hl.load_dataset("wine")


@pytest.fixture(scope="module")
def wine_net(wine):
    net = hl.DenseNet([13, 8, 3], "tanh", random_state=0)
    return hl.train(net, wine, epochs=30, progress=False)


# ------------------------------------------------------------------ importance maps
def test_garson_pixel_map_is_a_share_from_zero_and_says_it_is_the_same_for_every_output():
    net = hl.DenseNet([784, 10, 10], "sigmoid", random_state=0, image_shape=(28, 28))
    d = ImportanceDisplay.from_model(net, method="garson", target=3)
    image = d.axes_[1].images[0]
    assert image.get_cmap().name == "magma_r" and image.norm.vmin == 0
    assert d.axes_[1].get_title() == "every pixel's share of the weight mass (dark: a larger " \
                                     "share)"
    assert "(the same for every output)" in d.ax_.get_title() and "output 3" not in \
        d.ax_.get_title()
    assert GARSON_NOTE in d.ax_.get_xlabel()


@pytest.mark.parametrize("method, caption", [
    ("olden", "every pixel (red: pulls the output up, blue: down)"),
    ("permutation", "every pixel (red: the score drops when it is shuffled)")])
def test_signed_pixel_maps_stay_diverging_with_their_own_caption(nielsen_net, embedded, method,
                                                                 caption):
    X, y = embedded.X_test[:60], embedded.y_test[:60]
    d = ImportanceDisplay.from_model(nielsen_net, X, y, method=method, n_repeats=1,
                                     random_state=0)
    image = d.axes_[1].images[0]
    assert image.get_cmap().name == "RdBu_r" and image.norm.vmin == -image.norm.vmax
    assert d.axes_[1].get_title() == caption
    assert GARSON_NOTE not in d.ax_.get_xlabel()


def test_importance_k_must_be_a_count(iris_net):
    with pytest.raises(ValueError, match=r"^`k` must be an integer >= 1\. Got 0 instead\.$"):
        ImportanceDisplay.from_model(iris_net, method="olden", k=0)


# ------------------------------------------------------------------ diagrams
def test_a_tabular_diagram_title_is_clear_of_the_layer_headers(wine_net):
    d = NetworkDiagramDisplay.from_model(wine_net)
    d.figure_.canvas.draw()
    (title,) = _boxes(d.figure_, [d.ax_.title])
    headers = [t for t in d.ax_.texts if "(" in t.get_text() and ")" in t.get_text()]
    assert len(headers) == 3  # inputs (13), layer 0 (8), output (3)
    for box in _boxes(d.figure_, headers):
        assert not _overlap(title, box)


def test_an_image_diagram_links_the_image_once_per_unit_and_draws_nothing_over_it(nielsen_net):
    d = NetworkDiagramDisplay.from_model(nielsen_net)
    lines = [c for c in d.ax_.collections if isinstance(c, LineCollection)]
    starts = np.concatenate([np.asarray(c.get_segments())[:, 0] for c in lines])
    assert starts[:, 0].min() >= THUMB  # every line starts right of the thumbnail
    from_image = [c for c in lines if len(c.get_segments()) == 100
                  and np.allclose(np.asarray(c.get_segments())[:, 0, 0], THUMB + 0.02)]
    assert len(from_image) == 1
    widths = from_image[0].get_linewidths()
    norms = np.linalg.norm(nielsen_net.weights[0], axis=1)
    assert np.argmax(widths) == np.argmax(norms)
    assert "linked to each first-layer unit by one line" in d.ax_.get_title()


# ------------------------------------------------------------------ traces
def test_trace_value_labels_do_not_collide_at_16_units(embedded):
    net = hl.DenseNet([784, 16, 10], "sigmoid", random_state=0, image_shape=(28, 28))
    d = TraceDisplay.from_model(net, embedded.X_test[0])
    d.figure_.canvas.draw()
    labels = [t for t in d.axes_[1].texts]
    assert len(labels) == 16 and all(t.get_rotation() == 90 for t in labels)
    boxes = _boxes(d.figure_, labels)
    for i in range(16):
        for j in range(i + 1, 16):
            assert not _overlap(boxes[i], boxes[j]), (i, j)
    axes_box = d.axes_[1].get_window_extent()
    assert all(b.y1 <= axes_box.y1 + 1 for b in boxes)  # inside the panel


def test_a_regressor_trace_shows_the_prediction_beside_the_true_value():
    net = hl.DenseNet([3, 4, 1], "tanh", output_activation="linear", random_state=0)
    x = np.array([0.5, -1.0, 2.0])
    d = TraceDisplay.from_model(net, x, label=-3.25)
    out = d.axes_[-1]
    assert not out.patches  # no bar from zero
    assert len(out.collections) == 2  # the prediction and the true value
    np.testing.assert_allclose(out.collections[1].get_offsets(), [[-3.25, 0]])
    predicted = float(net.forward(x)[0, 0])
    assert f"error {predicted + 3.25:+.4g}" in out.get_title()
    assert "true value -3.25" in d.figure_._suptitle.get_text()
    assert "class" not in d.figure_._suptitle.get_text()


def test_a_one_unit_layer_is_one_unit(embedded):
    net = hl.DenseNet([784, 1, 10], "sigmoid", random_state=0, image_shape=(28, 28))
    d = TraceDisplay.from_model(net, embedded.X_test[0])
    assert d.axes_[1].get_title() == "layer 0: 1 sigmoid unit"


# ------------------------------------------------------------------ the report
def test_a_one_unit_layer_in_the_report(embedded):
    from hiddenlens.report import build_report

    net = hl.train(hl.DenseNet([784, 1, 10], "sigmoid", random_state=0, image_shape=(28, 28)),
                   embedded, epochs=1, progress=False)
    table = hl.describe_layer(net, embedded.X_test[:200], 0, y=embedded.y_test[:200])
    assert table.records[0]["most_correlated"] == "" and table.records[0]["correlation"] == ""
    page = build_report(net, embedded, sections=["layers"], progress=False)
    assert "Layer 0: hidden layer 0 (1 sigmoid unit)</h2>" in page
    assert "(1 unit in this layer)" in page and "1 units" not in page
    assert "most correlated" not in page and "it has one unit, so there is nothing to rank" \
        in page


def test_a_regression_report_names_its_output_and_its_true_value(tmp_path):
    from sklearn.datasets import load_diabetes

    from hiddenlens.report import build_report

    d = load_diabetes()
    path = tmp_path / "diabetes.csv"
    np.savetxt(path, np.column_stack([d.data, d.target]), delimiter=",", comments="",
               header=",".join([*d.feature_names, "progression"]))
    ds = hl.load_dataset(path, target_column="progression")
    net = hl.train(hl.DenseNet([10, 4, 1], "tanh", output_activation="linear"), ds, epochs=3,
                   progress=False)
    page = build_report(net, ds, sections=["layers", "traces"], progress=False)
    assert "class 0" not in page
    assert "(1 linear unit)" in page
    assert "prediction (orange) on a number line beside the true value" in page
    assert "One test example per class" not in page


def test_wide_legends_sit_beside_the_bars_and_garson_draws_one_set(wine_net, wine):
    from hiddenlens._evaluation import evaluate
    from hiddenlens.report._importance import _bars, _weight_methods
    from hiddenlens.report._sections import Context

    ctx = Context(net=wine_net, data=wine, X=wine.X_test, y=wine.y_test,
                  evaluation=evaluate(wine_net, wine.X_test, wine.y_test))
    fig = _bars(ctx, np.asarray(hl.olden(wine_net)).T, "olden")
    ax = fig.axes[0]
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    for bar in _boxes(fig, ax.patches):
        assert not _overlap(legend, bar)
    garson, olden = _weight_methods(ctx)
    assert "The shares are the same for every output" in garson.how
    assert "one bar per feature is drawn" in garson.how


def test_lek_legend_covers_no_line(wine_net, wine):
    from hiddenlens.plot import LekProfileDisplay

    d = LekProfileDisplay.from_model(wine_net, wine.X_test, feature=["proline", "alcohol"])
    d.figure_.canvas.draw()
    legend = next(a.get_legend() for a in d.axes_.flat if a.get_legend() is not None)
    box = legend.get_window_extent()
    for a in d.axes_.flat:
        assert not _overlap(box, a.get_window_extent())
