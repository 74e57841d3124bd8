"""Which data goes with a model: `hiddenlens.data.for_model`, for Python, report, server and CLI."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import hiddenlens as hl
from hiddenlens.cli._app import load_data_arg
from hiddenlens.data import for_model

SRC = str(Path(__file__).resolve().parents[1] / "src")


def test_a_zero_vs_one_model_sees_only_the_zeros_and_ones(embedded):
    net = hl.DenseNet([784, 1, 2], "sigmoid", class_names=["0", "1"], data_name="mnist-embedded")
    for data in (embedded, "mnist-embedded", None):
        ds = for_model(net, data, progress=False)
        assert ds.class_names == ["0", "1"] and set(np.unique(ds.y_test)) == {0, 1}
        assert len(ds.X_test) == np.isin(embedded.y_test, [0, 1]).sum()
        np.testing.assert_array_equal(ds.X_test, embedded.X_test[embedded.y_test < 2])


def test_defaults_the_models_own_data_set_else_the_digits(iris_net, iris_data):
    assert for_model(iris_net, progress=False).name == "iris"
    ds = for_model(hl.DenseNet([784, 10]), progress=False)  # names no data set: the digits
    assert ds.name == "mnist-embedded" and ds.n_classes == 10 and ds.n_features == 784
    assert for_model(iris_net, iris_data) is iris_data  # it fits as it is


def test_a_model_without_a_data_set_that_is_not_784_inputs_needs_data():
    with pytest.raises(ValueError) as info:
        for_model(hl.DenseNet([4, 3]))
    assert str(info.value) == ("The model takes 4 inputs and names no built-in data set to use; "
                               "pass one with data= (and target_column= for a CSV).")
    with pytest.raises(ValueError,
                       match=r"pass one with --data \(and --target-column for a CSV\)"):
        load_data_arg(None, hl.DenseNet([4, 3]))  # the CLI's words for the same sentence


def test_a_model_of_a_file_it_does_not_name_needs_data(tmp_path):
    net = hl.DenseNet([2, 1], output_activation="linear", data_name="lin")  # trained on lin.csv
    with pytest.raises(ValueError, match=r"The model was trained on 'lin', which is not a "
                                         r"built-in data set; pass its file with data= \(and "
                                         r"target_column= for a CSV\)\."):
        for_model(net)
    path = tmp_path / "lin.csv"
    path.write_text("a,b,y\n" + "\n".join(f"{i % 7},{i % 5},{0.3 * i}" for i in range(40)))
    ds = for_model(net, path, target_column="y")
    assert ds.task == "regression" and ds.n_features == 2


def test_a_data_set_that_does_not_fit_is_one_sentence_naming_it(iris_data):
    with pytest.raises(ValueError) as info:
        for_model(hl.DenseNet([784, 10]), iris_data)
    assert str(info.value) == ("The data set iris has 4 features but the network takes 784 "
                               "inputs; give the data set it was trained on.")
    with pytest.raises(ValueError, match="The data set iris has 3 classes but the network tells "
                                         "2 apart; give the data set it was trained on."):
        for_model(hl.DenseNet([4, 3, 2], class_names=["a", "b"]), iris_data)


def test_data_imports_nothing_of_the_network():
    code = ("import sys, hiddenlens.data\n"
            "assert 'hiddenlens.net' not in sys.modules and 'torch' not in sys.modules\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=SRC), timeout=60)
    assert result.returncode == 0, result.stderr
