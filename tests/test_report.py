"""The HTML report: one self-contained file with every section, and the `report` command."""

from __future__ import annotations

import base64
import html
import os
import re
from html.parser import HTMLParser

import numpy as np
import pytest
from typer.testing import CliRunner

import hiddenlens as hl
from hiddenlens._evaluation import evaluate
from hiddenlens.cli._app import app
from hiddenlens.report import build_report, write_report

PNG = b"\x89PNG\r\n\x1a\n"


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each section's intro."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict]]:
    parser = Tags()
    parser.feed(page)
    return parser.tags


@pytest.fixture(scope="module")
def digits():
    return hl.load_dataset("mnist-embedded")


@pytest.fixture(scope="module")
def digit_net(digits):
    net = hl.DenseNet([784, 16, 10], "sigmoid", random_state=0)
    return hl.train(net, digits, epochs=2, progress=False)


@pytest.fixture(scope="module")
def digit_report(digit_net, digits):
    return build_report(digit_net, digits, progress=False)


@pytest.fixture(scope="module")
def iris():
    return hl.load_dataset("iris")


@pytest.fixture(scope="module")
def iris_net(iris):
    return hl.train(hl.DenseNet([4, 5, 3], "tanh", random_state=0), iris, epochs=20, progress=False)


@pytest.fixture(scope="module")
def iris_report(iris_net, iris):
    return build_report(iris_net, iris, progress=False)


# ------------------------------------------------------------------ self-contained
@pytest.mark.parametrize("which", ["digit_report", "iris_report"])
def test_report_is_self_contained(which, request):
    page = request.getfixturevalue(which)
    tags = _tags(page)
    assert not [t for t, _ in tags if t in ("script", "link", "iframe", "object", "embed")]
    for tag, attrs in tags:
        for key, value in attrs.items():
            if key in ("src", "href", "action", "poster", "srcset"):
                assert value.startswith(("data:image/png;base64,", "#")), (tag, key, value[:60])
    assert not re.search(r"url\(", page)  # no CSS fetches either
    images = [a["src"] for t, a in tags if t == "img"]
    assert images
    for src in images:
        assert base64.b64decode(src.split(",", 1)[1])[:8] == PNG
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_every_section_is_there_and_says_how_to_read_it(digit_report):
    tags = _tags(digit_report)
    ids = [a["id"] for t, a in tags if t == "section"]
    assert ids == ["model", "diagram", "layer-0", "layer-1", "classes", "importance", "traces"]
    nav = [a["href"] for t, a in tags if t == "a"]
    assert nav == [f"#{i}" for i in ids]
    for section in re.findall(r"<section id=.*?</section>", digit_report, re.S):
        assert re.search(r'<p class="intro">[A-Z][^<]+\.</p>', section)
    for caption in re.findall(r"<figcaption>(.*?)</figcaption>", digit_report, re.S):
        assert re.fullmatch(r"<b>[^<]+\.</b> [A-Z].+\.", caption.strip(), re.S), caption


def test_views_and_neurons_are_drawn(digit_report):
    for title in ("Network diagram.", "Receptive fields.", "Activation maximisation.",
                  "Composite templates, linear (left) and Jacobian (right).",
                  "Top positive and negative units."):
        assert f"<figcaption><b>{title}</b>" in digit_report
    assert "<h3>Dead and saturated units</h3>" in digit_report
    assert "<figcaption><b>Input heat map.</b>" in digit_report


def test_description_table_is_describe_layer(digit_report, digit_net, digits):
    records = hl.describe_layer(digit_net, digits.X_test, 0, y=digits.y_test,
                                ablation=True).records  # the causal sentence too
    table = re.search(r'<table class="describe">(.*?)</table>', digit_report, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    assert len(rows) == 16
    for row, record in zip(rows, records):
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        assert cells[0] == str(record["unit"]) and cells[2] == record["fires_most_for"]
        assert html.unescape(cells[1]) == record["description"]  # beside the unit, in view


def test_model_section_gives_the_evaluation(digit_report, digit_net, digits):
    ev = evaluate(digit_net, digits.X_test, digits.y_test)
    assert f"test accuracy {ev.accuracy:.4f} on 1000 examples" in digit_report
    assert "<td>hidden layer 0</td><td>16</td><td>sigmoid</td><td>12560</td>" in digit_report
    assert "Per-class accuracy and confusion matrix" in digit_report
    assert "Training curves" in digit_report  # the net was trained, so it has a history
    assert "Receptive fields" in digit_report


def test_traces_show_one_right_and_one_wrong_example_per_class(digit_report, digit_net, digits):
    pred = digit_net.predict(digits.X_test)
    for c in range(10):
        right = int(np.any((digits.y_test == c) & (pred == c)))
        wrong = int(np.any((digits.y_test == c) & (pred != c)))
        block = re.search(rf"<figure>((?:(?!</figure>).)*?)<figcaption><b>Class {c}\.</b>",
                          digit_report, re.S).group(1)
        assert block.count("<img") == right + wrong
        if wrong:
            first = np.flatnonzero((digits.y_test == c) & (pred != c))[0]
            assert f'alt="misclassified {c}: test #{first}"' in block


def test_top_units_section_follows_the_output_weights(iris_report, iris_net):
    w = iris_net.weights[-1]  # (3, 5): 2 units up and 2 down, so no unit is in both lists
    for c, name in enumerate(["setosa", "versicolor", "virginica"]):
        order = np.argsort(w[c], kind="stable")
        up = ", ".join(f"{u}: {w[c][u]:+.3f}" for u in order[::-1][:2])
        down = ", ".join(f"{u}: {w[c][u]:+.3f}" for u in order[:2])
        assert f"<td>{name}</td><td>{up}</td><td>{down}</td>" in iris_report


def test_tabular_report_shows_weights_over_feature_names(iris_report):
    assert "Incoming weights" in iris_report and "Receptive fields" not in iris_report
    assert "Input heat map" not in iris_report
    for title in ("Permutation importance.", "Garson.", "Olden.", "Lek profile."):
        assert f"<figcaption><b>{title}</b>" in iris_report


def test_garson_on_two_hidden_layers_says_to_use_olden(iris):
    net = hl.train(hl.DenseNet([4, 4, 3, 3], "tanh", random_state=0), iris, epochs=3,
                   progress=False)
    page = build_report(net, iris, sections=["importance"], progress=False)
    assert "Garson: garson needs exactly one hidden layer" in page
    assert "<figcaption><b>Olden.</b>" in page


def test_a_network_without_history_says_so(digits):
    net = hl.DenseNet([784, 10], random_state=0)
    page = build_report(net, digits, sections=["classes", "model"], progress=False)
    assert [a["id"] for t, a in _tags(page) if t == "section"] == ["model", "classes"]
    assert "No training history is stored with this model" in page
    assert "This network has no hidden layer feeding its classes" in page


# ------------------------------------------------------------------ writing
def test_write_report_is_atomic_and_refuses_to_overwrite(tmp_path, iris_net, iris):
    path = write_report(iris_net, tmp_path / "r.html", iris, progress=False, sections="model")
    assert path == tmp_path / "r.html" and path.read_text().startswith("<!doctype html>")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    with pytest.raises(FileExistsError, match="r.html already exists; pass overwrite=True"):
        write_report(iris_net, path, iris, progress=False)
    write_report(iris_net, path, iris, overwrite=True, progress=False, sections=["model"])
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temporary file left


def test_write_report_errors(tmp_path, iris_net, digits):
    with pytest.raises(ValueError, match=r"The report is an HTML file; give a path ending in "
                                         r"\.html\. Got .*r\.png\."):
        write_report(iris_net, tmp_path / "r.png", progress=False)
    with pytest.raises(ValueError, match="The data set mnist-embedded has 784 features but the "
                                         "network takes 4 inputs"):
        write_report(iris_net, tmp_path / "r.html", digits, progress=False)
    with pytest.raises(FileNotFoundError, match="does not exist; create it first"):
        write_report(iris_net, tmp_path / "no" / "r.html", progress=False)
    with pytest.raises(ValueError, match="`sections` must be one of 'model', 'diagram', "
                                         "'layers', 'classes', 'importance', 'traces'. "
                                         "Got 'neurons' instead."):
        build_report(iris_net, sections=["model", "neurons"])


def test_report_command(tmp_path, iris_net):
    model = tmp_path / "iris.safetensors"
    hl.save_model(iris_net, model)
    out = tmp_path / "report.html"
    runner = CliRunner()
    result = runner.invoke(app, ["report", str(model), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Report written to" in result.output and out.exists()
    again = runner.invoke(app, ["report", str(model), "-o", str(out)])
    assert isinstance(again.exception, FileExistsError)
    forced = runner.invoke(app, ["report", str(model), "-o", str(out), "--force",
                                 "--only", "model, classes"])
    assert forced.exit_code == 0
    assert 'id="traces"' not in out.read_text() and 'id="classes"' in out.read_text()


@pytest.mark.parametrize("command", ["report", "serve"])
def test_help_gives_an_example(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "Example:" in result.output


def test_a_regressor_gets_a_report(tmp_path):
    from sklearn.datasets import load_diabetes

    d = load_diabetes()
    table = np.column_stack([d.data, d.target])
    path = tmp_path / "diabetes.csv"
    np.savetxt(path, table, delimiter=",", header=",".join([*d.feature_names, "progression"]),
               comments="")
    ds = hl.load_dataset(path, target_column="progression")
    net = hl.train(hl.DenseNet([10, 4, 1], "tanh", output_activation="linear"), ds, epochs=5,
                   progress=False)
    page = build_report(net, ds, sections=["model", "layers", "classes", "importance"],
                        progress=False)
    ev = evaluate(net, ds.X_test, ds.y_test)
    assert f"test R² {ev.r2:.4f}" in page
    assert "This network is a regressor: it has no classes" in page
    assert "<figcaption><b>Permutation importance.</b>" in page
    assert '<table class="describe">' in page
    assert "<figcaption><b>Units whose removal hurts most.</b> Each bar is how much the test " \
           "r2 falls" in page
    assert "its units have no class selectivity to set against their importance" in page


def test_one_sigmoid_output_is_the_second_class(iris):
    from sklearn.neural_network import MLPClassifier

    two = iris.y_train < 2  # scikit-learn keeps one logistic unit: p(versicolor)
    mlp = MLPClassifier((4,), max_iter=2000, random_state=0).fit(iris.X_train[two],
                                                               iris.y_train[two])
    net = hl.from_sklearn(mlp, feature_names=iris.feature_names,
                          class_names=iris.class_names[:2])
    ds = hl.load_dataset("iris", classes=[0, 1])
    page = build_report(net, ds, sections=["classes"], progress=False)
    w = net.weights[-1][0]
    order = np.argsort(w, kind="stable")
    up = ", ".join(f"{u}: {w[u]:+.3f}" for u in order[::-1][:2])
    assert f"<td>versicolor</td><td>{up}</td>" in page and "<td>setosa</td>" not in page
    assert "one output unit, the probability of versicolor" in page


def test_a_model_of_a_few_classes_is_explained_on_those_classes(digits, iris):
    zero_one = hl.load_dataset("mnist-embedded", classes=[0, 1])
    net = hl.train(hl.DenseNet([784, 1, 2], "sigmoid", random_state=0, class_names=["0", "1"]),
                   zero_one, epochs=1, progress=False)
    page = build_report(net, digits, sections=["model"], progress=False)  # all ten digits
    ev = evaluate(net, zero_one.X_test, zero_one.y_test)
    assert f"test accuracy {ev.accuracy:.4f} on {len(zero_one.X_test)} examples" in page
    other = hl.DenseNet([4, 3, 2], class_names=["a", "b"])
    with pytest.raises(ValueError, match="The data set iris has 3 classes but the network "
                                         "tells 2 apart; give the data set it was trained on."):
        build_report(other, iris, progress=False)


def test_a_one_unit_layer_lists_its_unit_by_the_sign_of_its_weight(iris):
    net = hl.DenseNet([4, 1, 3], "tanh", random_state=0, class_names=iris.class_names)
    page = build_report(net, iris, sections=["classes"], progress=False)
    for c, name in enumerate(iris.class_names):
        w = float(net.weights[1][c, 0])
        cells = ["none", "none"]
        cells[w < 0] = f"0: {w:+.3f}"
        assert f"<td>{name}</td><td>{cells[0]}</td><td>{cells[1]}</td>" in page


# ------------------------------------------------------------------ each thing computed once
def _count_calls(monkeypatch, name: str) -> list:
    """Wrap every binding of `hiddenlens.explain.<name>` (the package's and each module's that
    imported it) so that real calls are recorded as (positional args, keyword args)."""
    import sys

    from hiddenlens import explain

    original, calls = getattr(explain, name), []

    def counting(net, *args, **kwargs):
        calls.append((args, kwargs))
        return original(net, *args, **kwargs)

    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("hiddenlens") and \
                getattr(module, name, None) is original:
            monkeypatch.setattr(module, name, counting)
    return calls


def test_the_report_computes_each_layers_atlas_and_composite_once(monkeypatch, iris):
    from collections import Counter

    net = hl.train(hl.DenseNet([4, 4, 3, 3], "tanh", random_state=0), iris, epochs=3,
                   progress=False)
    atlases = _count_calls(monkeypatch, "atlas")
    composites = _count_calls(monkeypatch, "composite_weights")
    ablations = _count_calls(monkeypatch, "ablate")
    page = build_report(net, iris, sections=["layers", "classes"], progress=False)
    # every layer's atlas feeds its maximisation, dead-unit table and descriptions
    assert Counter(args[1] for args, _ in atlases) == {0: 1, 1: 1, 2: 1}
    # every hidden layer's ablation feeds its bars, its scatter, the dead-unit check and the
    # descriptions' causal sentences
    assert Counter(args[2] for args, _ in ablations) == {0: 1, 1: 1}
    assert page.count("Knocking it out lowers accuracy") == 4 + 3
    assert page.count("<h3>Dead and saturated units</h3>") == 2
    assert page.count('<table class="describe">') == 2
    # layer 1's linear composite feeds its templates and the top units of the classes
    linear = Counter(args[0] for args, kw in composites if kw.get("method") == "linear")
    assert linear == {1: 1, 2: 1}


def test_names_from_files_are_shown_as_text(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    path = tmp_path / "odd.csv"
    rows = [f"{a},{b},{'<b>big</b>' if a > 0 else 'small'}" for a, b in X]
    path.write_text("<i>width</i>,a&b,label\n" + "\n".join(rows) + "\n")
    ds = hl.load_dataset(path, target_column="label")
    net = hl.train(hl.DenseNet([2, 3, 2], "tanh", random_state=0), ds, epochs=2, progress=False)
    page = build_report(net, ds, sections=["layers", "classes"], progress=False)
    assert "<i>" not in page and "<b>big" not in page and "a&b" not in page
    assert "&lt;i&gt;width&lt;/i&gt;" in page and "&lt;b&gt;big&lt;/b&gt;" in page
    assert "a&amp;b" in page


# ------------------------------------------------------------------ what a unit does, causally
def test_each_hidden_layer_shows_removal_and_states_selectivity_against_importance(
        digit_report, digit_net, digits):
    from hiddenlens.explain._describe_causal import selectivity_sentence

    X, y = digits.X_test, digits.y_test
    ab = hl.ablate(digit_net, X, y, 0)
    si = hl.selectivity_importance(hl.atlas(digit_net, X, 0, y=y, k=1), ab)
    layer = re.search(r'<section id="layer-0">.*?</section>', digit_report, re.S).group(0)
    page = html.unescape(layer)
    assert "<figcaption><b>Units whose removal hurts most.</b>" in page
    assert "<figcaption><b>Class selectivity against importance.</b>" in page
    sentence = selectivity_sentence(si)
    assert sentence in page
    low, high = (f"{v:.2f}".replace("-", "\u2212") for v in si.interval)
    assert f"{si.rho:.2f}".replace("-", "\u2212") in sentence and f"interval {low} to {high}" \
        in sentence
    assert "removing one changes test accuracy by at most" in page
    output = re.search(r'<section id="layer-1">.*?</section>', digit_report, re.S).group(0)
    assert "Units whose removal hurts most" not in output  # the output layer is not ablated


def test_dead_units_are_confirmed_by_ablation(iris):
    net = hl.train(hl.DenseNet([4, 4, 3], "relu", random_state=0), iris, epochs=20, progress=False)
    W, b = [w.copy() for w in net.weights], [v.copy() for v in net.biases]
    W[0][[1, 3]], b[0][[1, 3]] = 0.0, -5.0  # units 1 and 3 never fire
    net.set_parameters(W, b)
    page = html.unescape(build_report(net, iris, sections=["layers"], progress=False))
    dead = np.flatnonzero(hl.atlas(net, iris.X_test, 0, y=iris.y_test).dead)
    assert {1, 3} <= set(dead.tolist())
    assert f"<td>dead (never active on the test split)</td><td>{len(dead)}</td><td>" \
           f"{', '.join(map(str, dead))}</td><td>0.0 points</td>" in page
    assert "Ablation confirms it: removing any of them changes the test accuracy by 0.0 " \
           "points (the loss by at most 0)." in page

