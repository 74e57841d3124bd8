"""evaluate_attributions / evaluate_importances tables and the importance-recovery experiment."""

import numpy as np
import pandas as pd
import pytest

import hiddenlens as hl


@pytest.fixture(scope="module")
def report(nielsen_net, embedded):
    X, y = embedded.X_test[:30], embedded.y_test[:30]
    return hl.evaluate_attributions(nielsen_net, X, y,
                                    methods=["saliency", "input-x-gradient"],
                                    metrics=["deletion", "insertion", "faithfulness_correlation",
                                             "infidelity", "max_sensitivity", "randomization"])


def test_the_table_has_one_row_per_method_and_a_verdict_in_words(report):
    t = report.table
    assert isinstance(t, pd.DataFrame) and list(t["method"]) == ["saliency",
                                                                 "input-x-gradient"]
    for column in ("deletion_auc", "deletion_auc_low", "deletion_auc_high",
                   "deletion_random_auc", "insertion_auc", "faithfulness_correlation",
                   "infidelity", "max_sensitivity", "weights_similarity", "rank", "verdict"):
        assert column in t
    assert (t["deletion_auc_low"] <= t["deletion_auc"]).all()
    assert (t["deletion_auc"] <= t["deletion_auc_high"]).all()
    # the random reference is the same random orders for every method
    assert t["deletion_random_auc"].nunique() == 1
    sal = t.set_index("method").loc["saliency"]
    assert sal["verdict"].endswith("changes with the weights")
    assert "faster than random order" in sal["verdict"]
    assert sorted(t["rank"]) == [1, 2]
    assert t.loc[t["rank"] == 1, "verdict"].iloc[0].startswith("most faithful")


def test_the_report_keeps_the_numbers_behind_each_cell(report, nielsen_net, embedded):
    X, y = embedded.X_test[:30], embedded.y_test[:30]
    curve = report.curves["saliency"]["deletion"]
    np.testing.assert_allclose(curve.auc.mean(),
                               report.table.loc[0, "deletion_auc"])
    direct = hl.deletion_curve(nielsen_net, X, y, hl.saliency(nielsen_net, X, y))
    np.testing.assert_allclose(curve.scores, direct.scores)
    assert report.values["saliency"]["max_sensitivity"].shape == (30,)
    assert report.checks["saliency"]["randomization"].passed
    assert report.settings["skipped"] == {}


def test_no_better_than_random_order_is_said_in_words(nielsen_net, embedded):
    X, y = embedded.X_test[:20], embedded.y_test[:20]

    def noise(net, X, target):
        return np.random.default_rng(0).normal(size=X.shape)

    t = hl.evaluate_attributions(nielsen_net, X, y, methods=[noise],
                                 metrics=["deletion"]).table
    assert t.loc[0, "verdict"] == "most faithful; no better than random order"


def test_importance_methods_ranked_on_a_tabular_net(iris_net, iris_data):
    r = hl.evaluate_importances(iris_net, iris_data.X_test, iris_data.y_test)
    assert list(r.table["method"]) == ["permutation", "perturbation", "garson", "olden"]
    assert r.table["deletion_random_auc"].nunique() == 1
    assert r.attributions["olden"].shape == (3, 4)
    assert r.curves["garson"]["deletion"].scores.shape == (len(iris_data.X_test), 5)


def test_importance_recovery_measures_spearman_agreement_with_the_truth():
    result = hl.experiment_importance_recovery(n_nets=3, epochs=40, random_state=1)
    frame = result.to_frame()
    assert set(frame["method"]) == {"olden", "garson", "partial_derivatives", "perturbation",
                                    "permutation"}
    assert frame["spearman"].between(-1, 1).all()
    assert result.extra["spearman olden"].shape == (3,)
    np.testing.assert_allclose(result.extra["true_importance"], [0.8, 0.6, 0.4, 0.2, 0.0])
    assert len(result.accuracies) == 3


# ------------------------------------------------------------------ bad input, one sentence
def test_an_unknown_metric_lists_the_known_ones(nielsen_net, embedded):
    with pytest.raises(ValueError, match=r"^`metrics` must name metrics among 'deletion', "
                       r"'insertion', 'faithfulness_correlation', 'infidelity', "
                       r"'max_sensitivity', 'randomization', 'label_randomization'\. Got "
                       r"'fidelity' instead\.$"):
        hl.evaluate_attributions(nielsen_net, embedded.X_test[:2], embedded.y_test[:2],
                                 metrics=["fidelity"])


def test_an_unknown_importance_method_lists_the_known_ones(iris_net, iris_data):
    with pytest.raises(ValueError, match=r"^`methods` must name importance methods among "
                       r"'permutation', 'perturbation', 'garson', 'olden'\. Got 'lek' "
                       r"instead\.$"):
        hl.evaluate_importances(iris_net, iris_data.X_test, iris_data.y_test, methods=["lek"])


def test_a_tabular_metric_of_an_image_model_needs_groups(nielsen_net, embedded):
    with pytest.raises(ValueError, match=r"^evaluate_importances deletes tabular features, but "
                       r"this 784-100-10 network is an image model; pass groups= \(e\.g\. "
                       r"image_patches\(net\.image_shape\)\) to delete patches, or use "
                       r"evaluate_attributions for pixel maps\.$"):
        hl.evaluate_importances(nielsen_net, embedded.X_test[:2], embedded.y_test[:2])


def test_labels_out_of_range(nielsen_net, embedded):
    with pytest.raises(ValueError, match=r"^`y` must hold class labels of this network, which "
                       r"predicts 0, 1, 2, 3, 4, 5, 6, 7, 8, 9\. Got 10 instead\.$"):
        hl.evaluate_attributions(nielsen_net, embedded.X_test[:2], np.array([3, 10]))
    with pytest.raises(ValueError, match=r"^`y` must hold one class label per example \(2\)\. "
                       r"Got shape \(3,\) instead\.$"):
        hl.evaluate_attributions(nielsen_net, embedded.X_test[:2], np.array([3, 1, 2]))
