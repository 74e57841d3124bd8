"""A model on string labels, shown: `evaluate`, the report and the explorer speak its labels.

The model is scikit-learn's MLPClassifier fitted on iris's species names; the data set is
hiddenlens' iris, whose `y` are the indices of the same names in the same (sorted) order.
"""

import json
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import confusion_matrix
from sklearn.neural_network import MLPClassifier
from typer.testing import CliRunner

import hiddenlens as hl
from _explorer import client
from hiddenlens.cli._app import app
from hiddenlens.report import build_report
from hiddenlens.server import create_app


@pytest.fixture(scope="module")
def species():
    ds = hl.load_dataset("iris")
    names = np.array(ds.class_names)
    assert names.tolist() == sorted(names)  # scikit-learn's classes_ order
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((6,), learning_rate_init=0.01, max_iter=300, random_state=0)
        clf.fit(ds.X_train.astype(np.float64), names[ds.y_train])
    return clf, hl.from_sklearn(clf, feature_names=ds.feature_names), ds, names


def test_evaluate_on_species_names(species):
    clf, net, ds, names = species
    X, y = ds.X_test.astype(np.float64), names[ds.y_test]
    ev = hl.evaluate(net, X, y)
    assert ev.accuracy == clf.score(X, y)
    assert ev.class_names == names.tolist()
    np.testing.assert_array_equal(ev.confusion_matrix,
                                  confusion_matrix(y, clf.predict(X), labels=clf.classes_))
    text = ev.to_text()
    assert all(name in text for name in names)


def test_the_report_shows_the_species_and_the_estimators_accuracy(species):
    clf, net, ds, names = species
    page = build_report(net, ds, sections=["model", "importance", "traces"], progress=False)
    accuracy = clf.score(ds.X_test.astype(np.float64), names[ds.y_test])
    assert f"test accuracy {accuracy:.4f}" in page
    for name in names:
        assert f"Class {name}" in page  # a forward trace per class, by its name


def test_the_explorer_predicts_the_species(species):
    clf, net, ds, names = species
    c = client(create_app(net, ds))
    info = c.get("/api/model").json()
    assert info["class_names"] == names.tolist()
    labels = names[ds.y_test]
    assert info["test_score"] == round(clf.score(ds.X_test.astype(np.float64), labels), 6)
    for i in (0, 7, 20):
        x = ds.X_test[i].astype(np.float64)
        r = c.post("/api/trace", json={"x": x.tolist()}).json()
        predicted = clf.predict(x[None])[0]
        assert r["predicted"] == r["predicted_name"] == predicted
        assert r["predicted_index"] == names.tolist().index(predicted)
    card = c.get("/api/units/0/2").json()
    assert len(card["class_means"]) == 3
    assert len(c.get("/api/importance").json()["values"]) == 4


def test_the_evaluate_command_reads_a_csv_of_species(species, tmp_path):
    clf, net, ds, names = species
    rows = ["a,b,c,d,species"] + [",".join(map(str, x)) + f",{names[k]}"
                                  for x, k in zip(ds.X_test.tolist(), ds.y_test)]
    csv = tmp_path / "species.csv"
    csv.write_text("\n".join(rows) + "\n")
    model = hl.save_model(net, tmp_path / "species.safetensors")
    result = CliRunner().invoke(app, ["evaluate", str(model), "--data", str(csv),
                                      "--target-column", "species", "--json"])
    assert result.exit_code == 0, result.output
    numbers = json.loads(result.output)
    data = hl.load_dataset(csv, target_column="species")
    X, y = data.X_test.astype(np.float64), np.array(data.class_names)[data.y_test]
    assert numbers["accuracy"] == clf.score(X, y) and numbers["classes"] == names.tolist()
