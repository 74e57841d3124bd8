"""Where the user sees the trust metrics: AttributionTrustDisplay, the line under each
AttributionDisplay map, ImportanceTrustDisplay and the importance-recovery figure. Each keeps
the Display contract and draws the very numbers the explain functions return; the words say
what the numbers say."""

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import hiddenlens as hl
from hiddenlens.explain import get_method
from hiddenlens.explain._describe_trust import map_line, trust_sentences, trust_title
from hiddenlens.plot import AttributionDisplay, ExperimentDisplay
from hiddenlens.plot._importance_trust import ImportanceTrustDisplay
from hiddenlens.plot._trust import AttributionTrustDisplay
from test_display_contract import _same, _where

N = 30  # digits scored in these tests
METRICS = ["deletion", "insertion", "faithfulness_correlation", "randomization"]
METHODS = ["ig", "saliency", "input-x-gradient"]


@pytest.fixture(scope="module")
def digits_net(embedded):
    net = hl.DenseNet([784, 16, 10], "sigmoid", random_state=0, image_shape=(28, 28),
                      class_names=[str(c) for c in range(10)], data_name="mnist-embedded")
    return hl.train(net, embedded, epochs=1, progress=False)


@pytest.fixture(scope="module")
def report(digits_net, embedded):
    return hl.evaluate_attributions(digits_net, embedded.X_test[:N], embedded.y_test[:N],
                                    methods=METHODS, metrics=METRICS)


@pytest.fixture(scope="module")
def importance_report(iris_net, iris_data):
    return hl.evaluate_importances(iris_net, iris_data.X_test, iris_data.y_test)


@pytest.fixture(scope="module")
def recovery():
    return hl.experiment_importance_recovery(n_nets=3, epochs=20, random_state=1)


# name -> draw(ax, report, importance report, recovery, digits net, embedded)
DRAW = {
    "trust": lambda ax, r, ir, rec, n, d: AttributionTrustDisplay.from_result(r, ax=ax),
    "trust-curves-only": lambda ax, r, ir, rec, n, d: AttributionTrustDisplay.from_result(
        ir, ax=ax),
    "importance-trust": lambda ax, r, ir, rec, n, d: ImportanceTrustDisplay.from_result(
        ir, ax=ax),
    "attribution-with-trust": lambda ax, r, ir, rec, n, d: AttributionDisplay.from_model(
        n, d.X_test[0], method=METHODS, trust=r, ax=ax),
    "recovery": lambda ax, r, ir, rec, n, d: ExperimentDisplay.from_result(rec, ax=ax),
}


@pytest.mark.parametrize("kind", ["none", "axes", "figure", "subfigure"])
@pytest.mark.parametrize("name", list(DRAW))
def test_every_trust_view_draws_where_it_is_told(name, kind, report, importance_report,
                                                 recovery, digits_net, embedded):
    ax, fig = _where(kind)
    d = DRAW[name](ax, report, importance_report, recovery, digits_net, embedded)
    assert isinstance(d.figure_, Figure) and d.figure_.get_figure(root=True) is d.figure_
    if fig is not None:
        assert d.figure_ is fig
    assert isinstance(d.ax_, Axes) and d.ax_ in list(d.axes_.flat)
    assert all(isinstance(a, Axes) and a.get_figure(root=True) is d.figure_
               for a in d.axes_.flat)
    if kind == "axes":
        assert fig.axes[0].lines and ax not in fig.axes  # several panels take the slot
    d.figure_.savefig(__import__("io").BytesIO(), format="png", dpi=30)


# ------------------------------------------------------------------ the numbers drawn
def test_trust_display_from_model_draws_from_results_numbers(digits_net, embedded, report):
    X, y = embedded.X_test[:N], embedded.y_test[:N]
    by_model = AttributionTrustDisplay.from_model(digits_net, X, y, methods=METHODS,
                                                  metrics=METRICS)
    by_result = AttributionTrustDisplay.from_result(report)
    _same(by_model, by_result)
    deletion = by_result.curve_axes_["deletion"]
    for line, name in zip(deletion.lines, METHODS):  # one line per method, then the random
        np.testing.assert_allclose(line.get_ydata(),
                                   report.curves[name]["deletion"].scores.mean(0))
        auc = report.table.set_index("method").loc[name, "deletion_auc"]
        assert line.get_label().endswith(f"AUC {auc:.3f}")
    random = report.curves["ig"]["deletion"].random_scores.mean(0)
    np.testing.assert_allclose(deletion.lines[len(METHODS)].get_ydata(), random)
    similarity = by_result.curve_axes_["similarity"]
    for line, name in zip(similarity.lines, METHODS):
        np.testing.assert_allclose(line.get_ydata(),
                                   report.checks[name]["randomization"].similarity)
    assert by_result.title == trust_title(report)


def test_the_cascade_draws_each_copys_maps_and_their_rank_correlation(report):
    d = AttributionTrustDisplay.from_result(report, n_examples=2)
    check = report.checks["saliency"]["randomization"]
    steps = len(check.steps)  # the trained net, then the cascade from the output down
    assert steps == 3 and check.steps[0] == "intact"
    grid = d.cascade_axes_
    assert grid.shape == (len(METHODS), 2 * (steps + 1))
    row = METHODS.index("saliency")
    for e in range(2):
        base = e * (steps + 1)
        np.testing.assert_allclose(grid[row, base].images[0].get_array().ravel(),
                                   check.inputs[e])
        for s in range(steps):
            a = np.abs(check.maps[s, e])
            np.testing.assert_allclose(grid[row, base + 1 + s].images[0].get_array().ravel(),
                                       a / a.max(), rtol=1e-6)
            if s:
                assert grid[row, base + 1 + s].get_xlabel() == \
                    f"ρ {check.similarities[s, e]:.2f}"
    # the maps kept are the attributions of the first examples, on each copy
    np.testing.assert_allclose(check.maps[0], report.attributions["saliency"][:4])


def test_the_line_under_each_map_is_the_reports(digits_net, embedded, report):
    x = embedded.X_test[0]
    by_model = AttributionDisplay.from_model(digits_net, x, method=METHODS, trust=report)
    target = int(np.argmax(digits_net.forward(x[None])[0]))
    maps = {m: get_method(m)(digits_net, x[None], target, pre_activation=True)
            for m in METHODS}
    by_result = AttributionDisplay.from_result(maps, x=x, image_shape=(28, 28), trust=report)
    _same(by_model, by_result)
    t = report.table.set_index("method")
    for a, name in zip(by_result.axes_[1:], METHODS):
        line = a.get_xlabel()
        assert line == map_line(report, name)
        check = report.checks[name]["randomization"]
        assert line.splitlines() == [
            f"deletion AUC {t.loc[name, 'deletion_auc']:.3f} (random "
            f"{t.loc[name, 'deletion_random_auc']:.3f})",
            f"rank {t.loc[name, 'rank']} of {len(METHODS)} on {N} digits",
            f"sanity check (weights): {'pass' if check.passed else 'fail'}"]
    plain = AttributionDisplay.from_result(maps, x=x, image_shape=(28, 28))
    assert all(a.get_xlabel() == "" for a in plain.axes_)


def test_trust_true_scores_the_drawn_methods_on_the_nets_test_split(digits_net, embedded):
    d = AttributionDisplay.from_model(digits_net, embedded.X_test[1],
                                      method=["saliency", "input-x-gradient"], trust=True)
    r = d.trust
    assert list(r.table["method"]) == ["saliency", "input-x-gradient"]
    assert r.settings["n_examples"] == 200 and r.settings["metrics"] == [
        "deletion", "insertion", "randomization"]
    direct = hl.evaluate_attributions(digits_net, embedded.X_test[:200],
                                      embedded.y_test[:200], methods=["saliency"],
                                      metrics=["deletion"])
    np.testing.assert_allclose(r.table.loc[0, "deletion_auc"],
                               direct.table.loc[0, "deletion_auc"])


def test_importance_trust_draws_each_methods_importances_and_curves(iris_net, iris_data,
                                                                      importance_report):
    r = importance_report
    by_result = ImportanceTrustDisplay.from_result(r)
    _same(ImportanceTrustDisplay.from_model(iris_net, iris_data.X_test, iris_data.y_test),
          by_result)
    values = by_result.ax_.images[0].get_array()
    olden = r.attributions["olden"]  # (3 outputs, 4 features): one row per class
    first = by_result.rows_.index(next(x for x in by_result.rows_ if x.startswith("Olden")))
    np.testing.assert_allclose(values[first : first + 3], olden / np.abs(olden).max())
    perm = r.attributions["permutation"]
    np.testing.assert_allclose(values[0], perm / np.abs(perm).max())
    assert by_result.rows_[0] == "permutation importance (rank " \
        f"{r.table.set_index('method').loc['permutation', 'rank']})"
    deletion = by_result.axes_[1]
    np.testing.assert_allclose(deletion.lines[0].get_ydata(),
                               r.curves["permutation"]["deletion"].scores.mean(0))


def test_recovery_figure_draws_the_experiments_agreement(recovery):
    d = ExperimentDisplay.from_result(recovery)
    frame = recovery.to_frame()
    left = d.axes_[0]
    dots = [c.get_offsets()[:, 0] for c in left.collections if len(c.get_offsets()) == 3]
    for (_, row), x in zip(frame.iterrows(), dots):
        np.testing.assert_allclose(np.sort(x), np.sort(recovery.extra[f"spearman {row['method']}"]))
    assert [t.get_text() for t in left.get_yticklabels()][0] in (
        "permutation importance", "partial derivatives (PaD)", "Olden importance",
        "perturbation importance", "Garson importance")
    truth = [p.get_height() for p in d.axes_[1].patches[:5]]
    np.testing.assert_allclose(truth, [1.0, 0.75, 0.5, 0.25, 0.0])


# ------------------------------------------------------------------ the words
def test_the_summary_names_the_best_the_checks_and_the_black_pixels(nielsen_net, embedded):
    r = hl.evaluate_attributions(nielsen_net, embedded.X_test[:N], embedded.y_test[:N],
                                 methods=["saliency", "input-x-gradient"],
                                 metrics=["deletion", "randomization"])
    t = r.table.set_index("method")
    best = t["rank"].idxmin()
    title = {"saliency": "saliency (gradient)", "input-x-gradient": "input x gradient"}
    s = trust_sentences(r)
    assert s[0] == (f"On these {N} digits, {title[best]} deletes the class score fastest "
                    f"(deletion AUC {t.loc[best, 'deletion_auc']:.3f} against "
                    f"{t.loc[best, 'deletion_random_auc']:.3f} for a random order): it is "
                    "the most faithful of the 2 methods.")
    assert r.checks["saliency"]["randomization"].passed
    assert not r.checks["input-x-gradient"]["randomization"].passed
    assert s[1] == ("Saliency (gradient) passes the weight-randomization check (its map "
                    "changes: rank correlation below 0.5); input x gradient fails it.")
    zero = t.loc["input-x-gradient", "zero_share"]
    black = r.settings["black_share"]
    assert zero == pytest.approx(black)  # x * gradient is 0 exactly where x is
    assert s[2].startswith(f"The maps of input x gradient are exactly 0 on many pixels "
                           f"whatever the weights (input x gradient on {100 * zero:.0f}%), "
                           f"because the input there is black ({100 * black:.0f}% of the "
                           "pixels are).")
    assert r.summary() == " ".join(s)


def test_a_tie_is_said_as_a_tie(importance_report):
    r = importance_report
    tied = list(r.table.loc[r.table["rank"] == 1, "method"])
    if len(tied) > 1:
        assert "tied, they are the most faithful" in r.summary()
    else:
        assert "it is the most faithful" in r.summary()


# ------------------------------------------------------------------ bad input, one sentence
def test_a_report_with_nothing_to_draw(digits_net, embedded):
    r = hl.evaluate_attributions(digits_net, embedded.X_test[:5], embedded.y_test[:5],
                                 methods=["saliency"], metrics=["infidelity"])
    with pytest.raises(ValueError, match=r"^The TrustReport holds no deletion or insertion "
                       r"curve and no randomization check to draw; run evaluate_attributions "
                       r"with metrics including 'deletion', 'insertion' or 'randomization'\.$"):
        AttributionTrustDisplay.from_result(r)


def test_bad_trust_and_example_counts(digits_net, embedded, report):
    with pytest.raises(TypeError, match=r"^`trust` must be True, False or a TrustReport \(from "
                       r"evaluate_attributions\)\. Got str instead\.$"):
        AttributionDisplay.from_model(digits_net, embedded.X_test[0], trust="yes")
    with pytest.raises(TypeError, match=r"^`trust` must be a TrustReport \(from "
                       r"evaluate_attributions\) or None\. Got dict instead\.$"):
        AttributionDisplay.from_result({}, x=embedded.X_test[0], image_shape=(28, 28),
                                       trust={})
    with pytest.raises(ValueError, match=r"^`n_examples` must be an integer >= 1\. Got 0 "
                       r"instead\.$"):
        AttributionTrustDisplay.from_result(report, n_examples=0)


def test_trust_true_without_a_data_set():
    odd = hl.DenseNet([64, 4, 10], "sigmoid", random_state=0, image_shape=(8, 8))
    with pytest.raises(ValueError, match=r"^trust=True scores the methods on the test split "
                       r"of the network's data set, but none goes with this network; pass "
                       r"trust=evaluate_attributions\(net, X, y\) instead\.$"):
        AttributionDisplay.from_model(odd, np.zeros(64), method="saliency", trust=True)
