"""The causal views draw what ablate, selectivity_importance, patch_effect and conductance
return: wide layers as grids, the numbers in the titles, names from files as plain text."""

import io

import numpy as np
import pytest
import torch

import hiddenlens as hl
from hiddenlens.explain import SelectivityImportance
from hiddenlens.explain._describe_causal import selectivity_sentence
from hiddenlens.plot import (
    AblationDisplay,
    ConductanceDisplay,
    PatchDisplay,
    SelectivityImportanceDisplay,
)
from hiddenlens.plot._grid import fold, grid_shape, plain

ODD = r"$\undefinedcommand$"  # mathtext would fail on it; it must be drawn as it is


def _si(rho, interval, n=100):
    rng = np.random.default_rng(0)
    return SelectivityImportance(layer=0, selectivity=rng.random(n), importance=rng.random(n),
                                 by="drop", rho=rho, interval=interval, confidence_level=0.95,
                                 n_resamples=1000, scoring="accuracy", value="zero")


@pytest.mark.parametrize("rho, interval, words", [
    (-0.42, (-0.58, -0.24), "predicts its importance moderately: Spearman \u22120.42 (95% "
     "interval \u22120.58 to \u22120.24) over 100 units of layer 0; the more selective a unit, "
     "the less the network needs it."),
    (0.21, (0.13, 0.30), "predicts its importance poorly: Spearman 0.21 (95% interval 0.13 to "
     "0.30) over 100 units of layer 0; the more selective a unit, the more the network needs "
     "it."),
    (-0.07, (-0.3, 0.2), "poorly: Spearman \u22120.07 (95% interval \u22120.30 to 0.20) over 100 "
     "units of layer 0; the interval holds zero, so not even the direction is certain."),
    (0.8, (0.7, 0.9), "predicts its importance well:"),
])
def test_the_selectivity_sentence_states_rho_and_its_interval(rho, interval, words):
    sentence = selectivity_sentence(_si(rho, interval))
    assert sentence.startswith("On this network a unit's class selectivity predicts its "
                               "importance ")
    assert words in sentence


def test_an_undefined_rho_says_why():
    assert selectivity_sentence(_si(np.nan, (np.nan, np.nan), n=4)) == (
        "On this network Spearman's rank correlation of class selectivity and importance is "
        "undefined for layer 0: the 4 units' selectivities or their effects on accuracy are "
        "all equal, so there is nothing to rank.")
    d = SelectivityImportanceDisplay.from_result(_si(np.nan, (np.nan, np.nan), n=4))
    assert "undefined" in d.ax_.get_legend().get_texts()[1].get_text()


def test_ablation_title_states_the_worst_unit_and_the_baseline(nielsen_net, embedded):
    X, y = embedded.X_test, embedded.y_test
    ab = hl.ablate(nielsen_net, X, y, 0)
    d = AblationDisplay.from_result(ab, k=12)
    best = ab.ranking[0]
    head = (f"Knocking out unit {best} of layer 0 lowers accuracy most: by "
            f"{100 * ab.drop[best]:.1f} points (from {100 * ab.baseline_score:.1f}%)")
    assert d.figure_._suptitle.get_text().startswith(head)
    assert f"100 units of layer 0; {int(np.sum(ab.drop == 0))} change accuracy by nothing" in \
        d.title
    assert [t.get_text() for t in d.ax_.get_yticklabels()] == [f"unit {u}" for u in
                                                               ab.ranking[:12]]
    assert len(d.ax_.patches) == 12 and d.axes_[1].images[0].get_array().shape == (12, 10)
    mean = AblationDisplay.from_model(nielsen_net, X[:300], y[:300], 0, value="mean", k=3)
    assert mean.title.startswith(f"Holding unit {mean.result.ranking[0]} of layer 0 at its "
                                 "mean lowers accuracy most")


def test_groups_and_a_regressor_are_named_and_drawn_as_bars():
    X = np.random.default_rng(0).normal(size=(60, 5))
    reg = hl.DenseNet([5, 6, 1], "tanh", "linear", dtype=torch.float64, random_state=0)
    y = reg.forward(X)[:, 0]
    ab = hl.ablate(reg, X, y, 0, [[0, 1], 2], value=0.5)
    d = AblationDisplay.from_result(ab)
    assert [t.get_text() for t in d.ax_.get_yticklabels()] == \
        [{"0+1": "units 0+1", "2": "unit 2"}[ab.labels[i]] for i in ab.ranking]
    assert d.axes_.shape == (1,) and "r2" in d.title and "2 replacements" in d.title
    assert d.ax_.get_title().startswith("Setting ")


def test_wide_layers_are_grids_with_the_top_units_outlined(nielsen_net, embedded):
    from matplotlib.patches import Rectangle

    X = embedded.X_test
    pred = nielsen_net.predict(X[:50])
    j = int(np.flatnonzero(pred != pred[0])[0])
    pe = hl.patch_effect(nielsen_net, X[0], X[j], 0)
    d = PatchDisplay.from_model(nielsen_net, X[0], X[j], 0, k=6)
    assert grid_shape(100) == (10, 10)
    np.testing.assert_allclose(d.ax_.images[0].get_array(), fold(pe.effect, (10, 10)))
    boxes = [p for p in d.ax_.patches if isinstance(p, Rectangle)]
    assert sorted((int(b.get_x() + 0.5), int(b.get_y() + 0.5)) for b in boxes) == \
        sorted((u % 10, u // 10) for u in pe.ranking[:6])
    assert [a.images[0].get_cmap().name for a in d.axes_[:2]] == ["gray_r", "gray_r"]
    listed = d.axes_[3].texts[0].get_text()
    assert all(f"{u:>6} {pe.effect[u]:>+7.2f}" in listed for u in pe.ranking[:6])
    c = hl.conductance(nielsen_net, X[:1], None, 0, n_steps=10)[0]
    view = ConductanceDisplay.from_model(nielsen_net, X[0], 0, n_steps=10)
    np.testing.assert_allclose(view.ax_.images[0].get_array(), fold(c, (10, 10)), rtol=1e-6)
    assert view.unit == int(np.argmax(c))
    label = int(nielsen_net.predict(X[:1])[0])
    assert view.title.startswith(f"How the logit of class {label} flows through layer 0")


def test_a_512_unit_layer_is_a_16_by_32_grid():
    net = hl.DenseNet([784, 512, 10], "relu", random_state=0, image_shape=(28, 28))
    x = np.random.default_rng(0).random((1, 784))
    view = ConductanceDisplay.from_model(net, x[0], 0, n_steps=4)
    assert view.ax_.images[0].get_array().shape == (16, 32)
    assert "512 units, row by row (16 x 32" in view.ax_.get_xlabel()


def test_names_from_files_are_drawn_as_text():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 2))
    y = (X[:, 0] > 0).astype(np.int64)
    net = hl.DenseNet([2, 3, 2], "tanh", random_state=0, class_names=[ODD, "cost $5-$10"],
                      feature_names=[ODD, "b$"])
    ds = hl.Dataset(X[:60], y[:60], X[60:], y[60:], net.feature_names, net.class_names, "odd")
    net = hl.train(net, ds, epochs=30, progress=False)
    pred = net.predict(X)
    j = int(np.flatnonzero(pred != pred[0])[0])
    views = [AblationDisplay.from_model(net, X, y, 0),
             SelectivityImportanceDisplay.from_model(net, X, y, 0, n_resamples=20),
             PatchDisplay.from_model(net, X[0], X[j], 0),
             ConductanceDisplay.from_model(net, X[0], 0, n_steps=4)]
    for view in views:
        view.figure_.savefig(io.BytesIO(), format="png", dpi=40)  # mathtext would raise here
    strip = views[0].axes_[1]
    assert [t.get_text() for t in strip.get_xticklabels()] == [plain(ODD), plain("cost $5-$10")]
    assert plain(ODD) in [t.get_text() for t in views[2].axes_[0].get_yticklabels()]


def test_a_bad_k_is_one_sentence(nielsen_net, embedded):
    ab = hl.ablate(nielsen_net, embedded.X_test[:100], embedded.y_test[:100], 0)
    with pytest.raises(ValueError, match=r"^`k` must be an integer >= 1\. Got 0 instead\.$"):
        AblationDisplay.from_result(ab, k=0)
