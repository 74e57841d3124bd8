"""Every Display keeps scikit-learn's contract: it draws into an Axes, a Figure or a SubFigure
and sets figure_ (the root Figure), ax_ (an Axes) and axes_ (an ndarray); from_result draws
the very numbers from_model draws, from a result computed before."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import hiddenlens as hl
from hiddenlens.experiments import ExperimentResult
from hiddenlens.explain._readable import READABLE_OUTPUT
from hiddenlens.plot import (
    AblationDisplay,
    AttributionDisplay,
    CompositeDisplay,
    ConductanceDisplay,
    ContributionDisplay,
    ExperimentDisplay,
    ImportanceDisplay,
    LayerMaximizeDisplay,
    LekProfileDisplay,
    NetworkDiagramDisplay,
    NeuronCardDisplay,
    PatchDisplay,
    ReceptiveFieldsDisplay,
    SelectivityImportanceDisplay,
    TopUnitsDisplay,
    TraceDisplay,
)

SHAPE = (28, 28)


@pytest.fixture(scope="module")
def digits_net():
    return hl.DenseNet([784, 16, 10], "sigmoid", random_state=0, image_shape=SHAPE,
                       class_names=[str(c) for c in range(10)])


@pytest.fixture(scope="module")
def iris():
    return hl.load_dataset("iris")


@pytest.fixture(scope="module")
def iris_net(iris):
    return hl.train(hl.DenseNet([4, 5, 3], "tanh", random_state=0), iris, epochs=5, progress=False)


def _experiment():
    rng = np.random.default_rng(0)
    return ExperimentResult("train-size", "mnist-embedded", {"few": 0.8, "many": 0.9},
                            {"few": rng.normal(size=(10, 784)),
                             "many": rng.normal(size=(10, 784))},
                            class_names=[str(c) for c in range(10)])


def _pair(net, X) -> tuple[np.ndarray, np.ndarray]:
    """Two rows of X the network predicts as different classes."""
    pred = net.predict(X)
    return X[0], X[int(np.flatnonzero(pred != pred[0])[0])]


# name -> draw(ax, net, data, iris_net, iris): every Display, from_model where it has one
DRAW = {
    "fields": lambda ax, n, d, i, ds: ReceptiveFieldsDisplay.from_model(n, ax=ax),
    "fields-bars": lambda ax, n, d, i, ds: ReceptiveFieldsDisplay.from_model(i, ax=ax),
    "contributions": lambda ax, n, d, i, ds: ContributionDisplay.from_model(
        n, d.X_test[0], unit=3, ax=ax),
    "top-units": lambda ax, n, d, i, ds: TopUnitsDisplay.from_model(n, unit=2, k=3, ax=ax),
    "composite": lambda ax, n, d, i, ds: CompositeDisplay.from_model(n, ax=ax),
    "trace": lambda ax, n, d, i, ds: TraceDisplay.from_model(n, d.X_test[0], ax=ax),
    "diagram": lambda ax, n, d, i, ds: NetworkDiagramDisplay.from_model(n, bias=True, ax=ax),
    "experiment": lambda ax, n, d, i, ds: ExperimentDisplay.from_result(_experiment(), ax=ax),
    "attribution": lambda ax, n, d, i, ds: AttributionDisplay.from_model(
        n, d.X_test[0], method=["saliency", "input-x-gradient"], ax=ax),
    "importance": lambda ax, n, d, i, ds: ImportanceDisplay.from_model(
        i, ds.X_test, ds.y_test, n_repeats=2, random_state=0, ax=ax),
    "importance-map": lambda ax, n, d, i, ds: ImportanceDisplay.from_model(
        n, method="olden", target=4, ax=ax),
    "lek": lambda ax, n, d, i, ds: LekProfileDisplay.from_model(i, ds.X_test, n_points=10,
                                                                ax=ax),
    "card": lambda ax, n, d, i, ds: NeuronCardDisplay.from_model(
        n, d.X_test[:100], layer=0, unit=1, y=d.y_test[:100], maximize_kw={"n_iterations": 3},
        ax=ax),
    "layer-maximize": lambda ax, n, d, i, ds: LayerMaximizeDisplay.from_model(
        n, d.X_test[:100], layer=-1, maximize_kw={"n_iterations": 3}, ax=ax),
    "ablation": lambda ax, n, d, i, ds: AblationDisplay.from_model(
        n, d.X_test[:200], d.y_test[:200], 0, k=5, ax=ax),
    "ablation-bars-only": lambda ax, n, d, i, ds: AblationDisplay.from_model(
        i, ds.X_test, ds.y_test, 0, per_class=False, ax=ax),
    "selectivity": lambda ax, n, d, i, ds: SelectivityImportanceDisplay.from_model(
        i, ds, layer=0, n_resamples=50, ax=ax),
    "patch": lambda ax, n, d, i, ds: PatchDisplay.from_model(i, *_pair(i, ds.X_test), 0,
                                                             ax=ax),
    "conductance": lambda ax, n, d, i, ds: ConductanceDisplay.from_model(
        n, d.X_test[0], 0, n_steps=8, ax=ax),
    "conductance-bars": lambda ax, n, d, i, ds: ConductanceDisplay.from_model(
        i, ds.X_test[0], 0, n_steps=8, ax=ax),
}


def _where(kind: str):
    """(ax argument, the figure that must become figure_)."""
    if kind == "none":
        return None, None
    fig = plt.figure(figsize=(14, 9), layout="constrained")
    if kind == "figure":
        return fig, fig
    if kind == "subfigure":
        _, bottom = fig.subfigures(2, 1)
        return bottom, fig
    left, right = fig.subplots(1, 2, width_ratios=[1, 3])
    left.plot([0, 1])  # the caller's own panel stays
    return right, fig


@pytest.mark.parametrize("kind", ["none", "axes", "figure", "subfigure"])
@pytest.mark.parametrize("name", list(DRAW))
def test_every_display_draws_where_it_is_told(name, kind, digits_net, embedded, iris_net,
                                              iris):
    ax, fig = _where(kind)
    d = DRAW[name](ax, digits_net, embedded, iris_net, iris)
    assert isinstance(d.figure_, Figure) and d.figure_.get_figure(root=True) is d.figure_
    if fig is not None:
        assert d.figure_ is fig
    assert isinstance(d.ax_, Axes) and d.ax_ in list(d.axes_.flat)
    assert isinstance(d.axes_, np.ndarray) and all(isinstance(a, Axes) for a in d.axes_.flat)
    assert all(a.get_figure(root=True) is d.figure_ for a in d.axes_.flat)
    if kind == "subfigure":  # drawn inside the SubFigure, not over the whole figure
        assert all(a.get_figure(root=False) is ax for a in d.axes_.flat)
    if kind == "axes":
        assert fig.axes[0].lines  # the caller's panel is untouched
        if d.axes_.size == 1:  # one panel: drawn in that very Axes
            assert d.ax_ is ax
        else:  # several: they take over its slot of the grid
            assert ax not in fig.axes
    d.figure_.savefig(__import__("io").BytesIO(), format="png", dpi=30)


def test_a_bad_ax_is_one_sentence(digits_net):
    with pytest.raises(TypeError, match=r"`ax` must be a matplotlib Axes, Figure or "
                                        r"SubFigure, or None\. Got list instead\."):
        ReceptiveFieldsDisplay.from_model(digits_net, ax=[])


# ------------------------------------------------------------------ from_result == from_model
def _drawn(display) -> list[np.ndarray]:
    """Every number a Display drew: image arrays, bar sizes, line data, link segments."""
    out = []
    for a in display.axes_.flat:
        out += [np.ma.filled(np.asarray(im.get_array(), dtype=float), np.nan)
                for im in a.images]
        out += [np.array([[p.get_width(), p.get_height()] for p in a.patches
                          if hasattr(p, "get_width")])]
        out += [np.asarray(line.get_ydata(), dtype=float) for line in a.lines]
        out += [np.asarray(c.get_segments()) for c in a.collections
                if hasattr(c, "get_segments")]
    return out


def _same(first, second) -> None:
    a, b = _drawn(first), _drawn(second)
    assert len(a) == len(b) and sum(x.size for x in a) > 0
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-12)


def test_receptive_fields_from_result(digits_net):
    by_model = ReceptiveFieldsDisplay.from_model(digits_net, by="norm", k=9)
    units = hl.unit_order(digits_net, 0, by="norm")[:9]
    by_result = ReceptiveFieldsDisplay.from_result(hl.receptive_fields(digits_net, 0),
                                                   units=units, image_shape=SHAPE)
    _same(by_model, by_result)
    w = digits_net.weights[0]
    np.testing.assert_allclose(by_result.ax_.images[0].get_array()[:28, :28].ravel(),
                               w[units[0]] / np.abs(w).max(), rtol=1e-6)


def test_contributions_and_top_units_from_result(digits_net, embedded):
    x = embedded.X_test[0]
    _same(ContributionDisplay.from_model(digits_net, x, unit=3),
          ContributionDisplay.from_result(hl.contribution_map(digits_net, x, 0, 3),
                                          image_shape=SHAPE))
    r = hl.top_units(digits_net, -1, 2, k=3)
    _same(TopUnitsDisplay.from_model(digits_net, unit=2, k=3),
          TopUnitsDisplay.from_result(r, fields=digits_net.weights[0], image_shape=SHAPE))


def test_composite_and_trace_from_result(digits_net, embedded):
    _same(CompositeDisplay.from_model(digits_net),
          CompositeDisplay.from_result(hl.composite_weights(digits_net, -1),
                                       image_shape=SHAPE))
    X = embedded.X_test[:3]
    by_result = TraceDisplay.from_result(digits_net.trace(X), index=2, activation=["sigmoid"],
                                         image_shape=SHAPE)
    _same(TraceDisplay.from_model(digits_net, X[2]), by_result)
    heights = [p.get_height() for p in by_result.ax_.patches]
    np.testing.assert_allclose(heights, digits_net.forward(X[2:3])[0], rtol=1e-6)


def test_attribution_from_result(digits_net, embedded):
    x = embedded.X_test[:1]
    maps = {"saliency": hl.saliency(digits_net, x, 3, pre_activation=True),
            "ig": hl.integrated_gradients(digits_net, x, 3, pre_activation=True)}
    by_result = AttributionDisplay.from_result(maps, x=x[0], image_shape=SHAPE)
    _same(AttributionDisplay.from_model(digits_net, x[0], method=["saliency", "ig"], target=3),
          by_result)
    np.testing.assert_allclose(np.asarray(by_result.axes_[2].images[1].get_array()).ravel(),
                               maps["ig"][0], rtol=1e-6)


def test_an_attribution_method_can_be_a_callable(digits_net, embedded):
    def doubled(net, X, target):
        """Twice the gradient."""
        return 2 * hl.saliency(net, X, target)

    d = AttributionDisplay.from_model(digits_net, embedded.X_test[0], method=doubled, target=1)
    assert d.axes_[1].get_title() == "doubled"
    np.testing.assert_allclose(d.maps["doubled"],
                               2 * hl.saliency(digits_net, embedded.X_test[:1], 1)[0])


def test_importance_and_lek_from_result(iris_net, iris):
    X, y = iris.X_test, iris.y_test
    r = hl.permutation_importance(iris_net, X, y, n_repeats=2, random_state=0)
    by_result = ImportanceDisplay.from_result(r, names=iris.feature_names)
    _same(ImportanceDisplay.from_model(iris_net, X, y, n_repeats=2, random_state=0),
          by_result)
    widths = sorted(p.get_width() for p in by_result.ax_.patches)
    np.testing.assert_allclose(widths, sorted(r.importances_mean))
    olden = hl.olden(iris_net)[2]
    bars = ImportanceDisplay.from_model(iris_net, method="olden", target=2)
    assert sorted(p.get_width() for p in bars.ax_.patches) == pytest.approx(sorted(olden))
    profile = hl.lek_profile(iris_net, X, [0, 3], n_points=10)
    by_result = LekProfileDisplay.from_result(profile, target=1)
    _same(LekProfileDisplay.from_model(iris_net, X, feature=[0, 3], target=1, n_points=10),
          by_result)
    np.testing.assert_allclose(by_result.axes_.flat[1].lines[0].get_ydata(),
                               profile.predictions[1, 0, :, 1])


def test_neuron_views_from_computed_results(digits_net, embedded):
    X, y = embedded.X_test[:100], embedded.y_test[:100]
    at = hl.atlas(digits_net, X, 0, y=y)
    _same(NeuronCardDisplay.from_model(digits_net, X, layer=0, unit=1, y=y,
                                       maximize_kw={"n_iterations": 3}),
          NeuronCardDisplay.from_model(digits_net, X, layer=0, unit=1, y=y, atlas_result=at,
                                       maximize_kw={"n_iterations": 3}))
    result = hl.maximize_activation(digits_net, -1, X=X, n_iterations=3, **READABLE_OUTPUT)
    by_result = LayerMaximizeDisplay.from_result(result, image_shape=SHAPE,
                                                 atlas_result=hl.atlas(digits_net, X, -1, k=1))
    _same(LayerMaximizeDisplay.from_model(digits_net, X, layer=-1, maximize_kw={"n_iterations": 3}),
          by_result)
    assert by_result.dead is not None and len(by_result.dead) == 10


def test_causal_views_from_result(digits_net, embedded, iris_net, iris):
    X, y = embedded.X_test[:200], embedded.y_test[:200]
    ab = hl.ablate(digits_net, X, y, 0)
    by_result = AblationDisplay.from_result(ab, k=6)
    _same(AblationDisplay.from_model(digits_net, X, y, 0, k=6), by_result)
    top = ab.ranking[:6]
    np.testing.assert_allclose([p.get_width() for p in by_result.ax_.patches],
                               100 * ab.drop[top])
    np.testing.assert_allclose(by_result.axes_[1].images[0].get_array(),
                               100 * ab.per_class_drop[top])
    si = hl.selectivity_importance(hl.atlas(iris_net, iris.X_test, 0, y=iris.y_test, k=1),
                                   hl.ablate(iris_net, iris.X_test, iris.y_test, 0),
                                   n_resamples=50)
    by_result = SelectivityImportanceDisplay.from_result(si)
    by_model = SelectivityImportanceDisplay.from_model(iris_net, iris, layer=0, n_resamples=50)
    for d in (by_result, by_model):
        np.testing.assert_allclose(d.ax_.collections[0].get_offsets(),
                                   np.c_[si.selectivity, 100 * si.importance])
    assert by_model.result.rho == si.rho and by_model.result.interval == si.interval
    xs, xd = _pair(iris_net, iris.X_test)
    pe = hl.patch_effect(iris_net, xs, xd, 0)
    by_result = PatchDisplay.from_result(pe, x_source=xs, x_dest=xd)
    _same(PatchDisplay.from_model(iris_net, xs, xd, 0), by_result)
    np.testing.assert_allclose([p.get_width() for p in by_result.ax_.patches], pe.effect)
    x = embedded.X_test[:1]
    c = hl.conductance(digits_net, x, None, 0, n_steps=8)
    nc = hl.neuron_conductance(digits_net, x, None, 0, 3, n_steps=8)
    by_result = ConductanceDisplay.from_result(c, layer=0, unit=3, neuron_conductance=nc, x=x,
                                               image_shape=SHAPE)
    _same(ConductanceDisplay.from_model(digits_net, x[0], 0, unit=3, n_steps=8), by_result)
    np.testing.assert_allclose([p.get_width() for p in by_result.ax_.patches], c[0],
                               rtol=1e-6)  # 16 units: bars
    np.testing.assert_allclose(by_result.axes_[2].images[0].get_array().ravel(), nc[0],
                               rtol=1e-6)
