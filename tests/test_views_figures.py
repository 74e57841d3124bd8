"""Every Display renders: PNG size, panel count, titles naming model/layer/unit, colour bars."""

import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.image import imread

import hiddenlens as hl
from hiddenlens.plot import (
    CompositeDisplay,
    ContributionDisplay,
    NetworkDiagramDisplay,
    ReceptiveFieldsDisplay,
    TopUnitsDisplay,
    TraceDisplay,
    save_figure,
)


def _png(fig, tmp_path, name="f.png"):
    path = tmp_path / name
    save_figure(fig, path)
    image = imread(path)
    assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 300
    return image


def _colorbar_labels(fig):
    return [a.get_ylabel() for a in fig.axes if a.get_label() == "<colorbar>"]


def _title(display):
    fig = display.figure_
    texts = [fig._suptitle.get_text() if fig._suptitle else ""]
    texts += [a.get_title() for a in fig.axes]
    return "\n".join(texts)


def test_receptive_fields_grid(nielsen_net, tmp_path):
    d = ReceptiveFieldsDisplay.from_model(nielsen_net, layer=0)
    assert "layer 0" in _title(d) and "784-100-10 sigmoid net on mnist-embedded" in _title(d)
    assert _colorbar_labels(d.figure_) == [
        "weight / largest |weight| (red excites, blue inhibits)"]
    image = d.ax_.images[0].get_array()
    assert image.shape == (10 * 29 - 1, 10 * 29 - 1)  # 10x10 tiles of 28 px, 1 px gaps
    np.testing.assert_allclose(np.asarray(image[:28, :28]).ravel(),
                               nielsen_net.weights[0][0] / np.abs(nielsen_net.weights[0]).max(),
                               rtol=1e-6)
    png = _png(d.figure_, tmp_path)
    w, h = d.figure_.get_size_inches() * 100
    assert abs(png.shape[1] - w) < 0.2 * w and abs(png.shape[0] - h) < 0.2 * h


@pytest.mark.parametrize("normalize,label", [("minmax", "0..255"), ("abs", "|weight|")])
def test_receptive_field_normalisations_and_order(nielsen_net, normalize, label, tmp_path):
    d = ReceptiveFieldsDisplay.from_model(nielsen_net, normalize=normalize, by="norm", k=16)
    assert label in _colorbar_labels(d.figure_)[0]
    assert d.units.tolist() == hl.unit_order(nielsen_net, by="norm")[:16].tolist()
    assert "largest weight norm first" in _title(d)
    _png(d.figure_, tmp_path)


def test_512_unit_grid_is_16_by_32():
    net = hl.DenseNet([784, 512, 10], "relu", image_shape=(28, 28), data_name="mnist-embedded")
    d = ReceptiveFieldsDisplay.from_model(net, k=None)
    assert d.ax_.images[0].get_array().shape == (16 * 29 - 1, 32 * 29 - 1)


def test_tabular_receptive_fields_are_bars(iris_net, tmp_path):
    d = ReceptiveFieldsDisplay.from_model(iris_net)
    assert d.axes_.size == 3  # one bar chart per hidden unit
    assert [t.get_text() for t in d.axes_.flat[0].get_yticklabels()] == iris_net.feature_names
    assert "4-3-3 tanh net on iris" in _title(d)
    _png(d.figure_, tmp_path)


def test_image_view_of_a_tabular_model_names_the_tabular_view(iris_net, iris_data):
    with pytest.raises(ValueError, match=r"ReceptiveFieldsDisplay\(kind='image'\) is drawn as "
                                         r"an image only for image models; this 4-3-3 tanh "
                                         r"net on iris has 4 named features .*Use kind='bars'"):
        ReceptiveFieldsDisplay.from_model(iris_net, kind="image")
    with pytest.raises(ValueError, match=r"Use kind='bars' \(one bar per feature"):
        ContributionDisplay.from_model(iris_net, iris_data.X_test[0], unit=0, kind="image")


def test_contribution_display(nielsen_net, embedded, tmp_path):
    d = ContributionDisplay.from_model(nielsen_net, embedded.X_test[0], unit=17)
    assert d.axes_.size == 4
    assert "Unit 17 of layer 0" in _title(d) and "784-100-10" in _title(d)
    assert _colorbar_labels(d.figure_) == ["value", "weight", "contribution to z"]
    shown = np.asarray(d.axes_[2].images[0].get_array()).ravel()
    np.testing.assert_allclose(shown, embedded.X_test[0] * nielsen_net.weights[0][17],
                               rtol=1e-6)
    _png(d.figure_, tmp_path)


def test_contribution_display_tabular(iris_net, iris_data, tmp_path):
    d = ContributionDisplay.from_model(iris_net, iris_data.X_test[0], unit=2)
    assert d.axes_.size == 2 and "Unit 2 of layer 0" in _title(d)
    _png(d.figure_, tmp_path)


def test_contribution_bars_say_which_scale_each_number_is_on(iris_net, iris_data):
    """The weight multiplies the standardised value: each label gives the value as given,
    then the standardised one beside the weight, and the axes say so."""
    x = iris_data.X_test[0]
    d = ContributionDisplay.from_model(iris_net, x, unit=2)
    r = d.result
    np.testing.assert_array_equal(r.raw_inputs, x)
    labels = [t.get_text() for t in d.ax_.get_yticklabels()]
    for name, raw, std, w, label in zip(iris_data.feature_names, x, r.inputs, r.weights, labels):
        assert label == f"{name} = {raw:.4g}, standardised {std:+.3g} × {w:+.3g}"
    assert d.ax_.get_xlabel().startswith("standardised input × weight")
    assert "standardised" in d.ax_.get_title() and "as given" in d.ax_.get_title()
    deeper = ContributionDisplay.from_model(iris_net, x, layer=1, unit=0)
    assert deeper.result.raw_inputs is None
    assert deeper.ax_.get_xlabel().startswith("layer 0 activations × weight")


def test_top_units_display(nielsen_net, tmp_path):
    d = TopUnitsDisplay.from_model(nielsen_net, unit=3, k=4)
    assert d.axes_.shape == (2, 4)
    r = hl.top_units(nielsen_net, -1, 3, k=4)
    assert d.axes_[0, 0].get_title().startswith(f"unit {r.positive[0]}")
    assert d.axes_[1, 0].get_title().startswith(f"unit {r.negative[0]}")
    assert "output class 3" in _title(d) and "layer 0" in _title(d)
    assert _colorbar_labels(d.figure_) == ["incoming weight"]
    _png(d.figure_, tmp_path)


def test_composite_display(nielsen_net, embedded, tmp_path):
    d = CompositeDisplay.from_model(nielsen_net)
    assert d.axes_.size == 10 and d.axes_.flat[3].get_title() == "class 3"
    assert "linear composite" in _title(d)
    assert "product of the weight matrices" in _colorbar_labels(d.figure_)[0]
    d = CompositeDisplay.from_model(nielsen_net, embedded.X_test[:200], embedded.y_test[:200],
                                    method="jacobian", per_class=True)
    assert d.axes_.flat[3].get_title() == "output 3 on 3s" and "200 examples" in _title(d)
    _png(d.figure_, tmp_path)


def test_per_class_composite_of_a_single_sigmoid_output(embedded):
    # a binary net with one sigmoid output: one map per class of that one output
    net = hl.DenseNet([784, 6, 1], "tanh", "sigmoid", random_state=0, image_shape=(28, 28))
    X, y = embedded.X_test[:40], (embedded.y_test[:40] == 3).astype(int)
    d = CompositeDisplay.from_model(net, X, y, method="jacobian", per_class=True)
    maps = hl.composite_weights(net, -1, method="jacobian", X=X, y=y, per_class=True)  # (2, 1, 784)
    assert [a.get_title() for a in d.axes_.flat[:2]] == ["output on 0s", "output on 1s"]
    np.testing.assert_array_equal(d.maps, maps[:, 0])


def test_bar_fields_say_when_units_are_left_out():
    net = hl.DenseNet([4, 30, 3], "tanh", random_state=0)
    d = ReceptiveFieldsDisplay.from_model(net)
    assert "the first 24 of 30 in this order are shown" in d.figure_._suptitle.get_text()
    assert sum(a.has_data() for a in d.axes_.flat) == 24


def test_k_must_be_positive(nielsen_net):
    with pytest.raises(ValueError, match=r"`k` must be an integer >= 1\. Got 0 instead\."):
        ReceptiveFieldsDisplay.from_model(nielsen_net, k=0)
    assert len(ReceptiveFieldsDisplay.from_model(nielsen_net, k=7).units) == 7


@pytest.mark.parametrize("sizes,grids", [([784, 100, 10], [(10, 10)]),
                                         ([784, 512, 256, 10], [(16, 32), (16, 16)])])
def test_trace_grids(sizes, grids, embedded, tmp_path):
    net = hl.DenseNet(sizes, "relu", image_shape=(28, 28), class_names=embedded.class_names,
                      data_name="mnist-embedded")
    d = TraceDisplay.from_model(net, embedded.X_test[0], label=int(embedded.y_test[0]))
    assert len(d.axes_) == len(sizes)  # input, hidden layers, output
    for ax, shape in zip(d.axes_[1:-1], grids):
        assert ax.images[0].get_array().shape == shape
    np.testing.assert_allclose(d.activations[-1], net.forward(embedded.X_test[0])[0])
    assert [t.get_text() for t in d.axes_[-1].get_xticklabels()] == embedded.class_names
    assert "predicted" in _title(d)
    _png(d.figure_, tmp_path)


def test_trace_single_unit_is_a_bar(embedded):
    net = hl.DenseNet([784, 1, 2], image_shape=(28, 28))
    d = TraceDisplay.from_model(net, embedded.X_test[0])
    assert len(d.axes_[1].patches) == 1 and not d.axes_[1].images


def test_views_draw_into_a_given_ax_or_figure(nielsen_net, embedded):
    fig, (a, b) = plt.subplots(1, 2, figsize=(16, 4))
    TraceDisplay.from_model(nielsen_net, embedded.X_test[0], ax=a)
    d = ReceptiveFieldsDisplay.from_model(nielsen_net, ax=b)
    assert d.figure_ is fig and d.ax_ is b
    sub = plt.figure(figsize=(10, 8)).subfigures(2, 1)
    d = TopUnitsDisplay.from_model(nielsen_net, unit=1, k=3, ax=sub[0])
    assert d.axes_.shape == (2, 3) and d.axes_[0, 0].get_figure(root=False) is sub[0]
    assert d.figure_ is sub[0].get_figure(root=True)  # figure_ is always what gets saved
    buf = io.BytesIO()
    fig.savefig(buf, format="png")


@pytest.mark.parametrize("fixture", ["iris_net", "nielsen_net"])
def test_network_diagram(fixture, request, tmp_path):
    net = request.getfixturevalue(fixture)
    d = NetworkDiagramDisplay.from_model(net, bias=True)
    n_links = sum(len(c.get_segments()) for c in d.ax_.collections
                  if type(c).__name__ == "LineCollection")
    if fixture == "iris_net":  # every weight and bias: 12 + 9 + 3 + 3
        assert n_links == 27 and "every link shown" in _title(d)
    else:  # one line from the image per unit, the top 3 per output unit, 100 + 10 bias links
        assert n_links == 100 + 30 + 110 and "3 strongest incoming links" in _title(d)
        assert d.ax_.images[0].get_array().shape == (28, 28)  # the inputs' thumbnail
    _png(d.figure_, tmp_path, "d.svg".replace("svg", "png"))
    save_figure(d.figure_, tmp_path / "d.svg")
    assert (tmp_path / "d.svg").read_text().startswith("<?xml")


@pytest.mark.parametrize("make", [
    lambda net, x, ax: ReceptiveFieldsDisplay.from_model(net, ax=ax),
    lambda net, x, ax: ContributionDisplay.from_model(net, x, unit=1, ax=ax),
    lambda net, x, ax: TopUnitsDisplay.from_model(net, unit=2, k=2, ax=ax),
    lambda net, x, ax: CompositeDisplay.from_model(net, ax=ax),
    lambda net, x, ax: TraceDisplay.from_model(net, x, ax=ax),
    lambda net, x, ax: NetworkDiagramDisplay.from_model(net, ax=ax),
], ids=["fields", "contributions", "top-units", "composite", "trace", "diagram"])
@pytest.mark.parametrize("fixture", ["nielsen_net", "iris_net"])
def test_every_display_draws_into_the_callers_figure(make, fixture, request, embedded,
                                                     iris_data):
    net = request.getfixturevalue(fixture)
    x = embedded.X_test[0] if fixture == "nielsen_net" else iris_data.X_test[0]
    fig, axes = plt.subplots(2, 1, figsize=(14, 10))
    d = make(net, x, axes[1])
    assert d.figure_ is fig and axes[0] in fig.axes
    fig.savefig(io.BytesIO(), format="png", dpi=50)
