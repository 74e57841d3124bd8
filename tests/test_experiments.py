"""The seeds' three experiments, run quickly (one epoch) on the embedded digits."""

import json

import numpy as np
import pytest

import hiddenlens as hl
from hiddenlens.experiments import run_experiment
from hiddenlens.plot import ExperimentDisplay


def test_train_size(embedded, tmp_path):
    r = hl.experiment_train_size(embedded, small=300, epochs=2, progress=False)
    assert list(r.maps) == ["300 images", "4000 images"]
    for key, net in r.nets.items():
        np.testing.assert_array_equal(r.maps[key], net.weights[0])  # 784-10: the weights
        assert r.accuracies[key] == net.score(embedded.X_test, embedded.y_test)
        assert len(net.history) == 2
    assert r.accuracies["4000 images"] > r.accuracies["300 images"] > 0.6
    d = ExperimentDisplay.from_result(r)
    assert d.axes_.shape == (2, 10) and "300 images" in d.axes_[0, 0].get_ylabel()
    assert "Output templates of the 784-10 net (single-layer)" in d.figure_._suptitle.get_text()
    json.dumps(r.to_dict())


def test_depth(embedded):
    r = hl.experiment_depth(embedded, epochs=1, progress=False)
    deep = r.nets["784-512-256-10"]
    np.testing.assert_allclose(r.maps["784-512-256-10 linear composite"],
                               hl.composite_weights(deep, -1), rtol=1e-6)
    assert r.maps["784-512-256-10 jacobian composite"].shape == (10, 784)
    assert r.extra["jacobian_examples"] == 1000
    assert set(r.accuracies) == {"784-10", "784-512-256-10"}
    d = ExperimentDisplay.from_result(r)
    assert d.axes_.shape == (3, 10)
    bars = [a.get_ylabel() for a in d.figure_.axes if a.get_label() == "<colorbar>"]
    assert bars == ["weight", "linear composite weight", "mean d logit / d pixel"]


def test_zero_vs_one(tmp_path):
    r = run_experiment("zero-vs-one", epochs=1, progress=False)
    net = r.nets["784-1-2"]
    assert r.accuracies["784-1-2"] > 0.95
    w = r.maps["hidden unit weights"][0]
    np.testing.assert_array_equal(w, net.weights[0][0])
    # the gap is the difference of the hidden unit's mean pre-activation, from a forward pass
    ds = hl.load_dataset(classes=[0, 1])
    z = net.trace(ds.X_test).pre_activations[0][:, 0]
    gap = z[ds.y_test == 1].mean() - z[ds.y_test == 0].mean()
    assert abs(r.extra["gap"] - gap) < 1e-3
    np.testing.assert_allclose(r.maps["separation"][0].sum(), r.extra["gap"], rtol=1e-9)
    activations = net.trace(ds.X_test).activations[0][:, 0]
    np.testing.assert_array_equal(r.extra["activation_1"], activations[ds.y_test == 1])
    d = ExperimentDisplay.from_result(r)
    assert len(d.axes_) == 5 and "784-1-2" in d.figure_._suptitle.get_text()


def test_experiment_errors(iris_data):
    with pytest.raises(ValueError, match="`experiment` must be one of 'train-size', 'depth', "
                                         "'zero-vs-one'. Got 'width' instead."):
        run_experiment("width")
    with pytest.raises(ValueError, match="The experiments need an image data set"):
        hl.experiment_depth("iris", progress=False)
    with pytest.raises(ValueError, match="The experiments need an image data set .* Got iris "
                                         "instead."):
        hl.experiment_zero_vs_one(iris_data, progress=False)  # a Dataset is checked too
    with pytest.raises(ValueError, match=r"`small` must be in 10\.\.3999, fewer than the "
                                         r"4000 training images of mnist-embedded\. Got 4000 "
                                         r"instead\."):
        hl.experiment_train_size(small=4000, progress=False)  # two runs on the same data
