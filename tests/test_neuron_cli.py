"""hiddenlens neuron / maximize / describe, run in-process on a small trained model."""

import csv
import io

import matplotlib
import numpy as np
import pytest

import hiddenlens as hl
from _cli import refusal, run, small_digit_model

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return small_digit_model(tmp_path_factory.mktemp("models"))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")




def test_neuron_card(model, tmp_path):
    out = tmp_path / "card.png"
    result = run("neuron", model, "--layer", 0, "--unit", 3, "-o", out, "--n-iterations", 30)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Unit 3 of layer 0" in result.output and f"Card written to {out}" in result.output


def test_neuron_refuses_an_existing_file(model, tmp_path):
    out = tmp_path / "card.png"
    out.write_bytes(b"mine")
    with pytest.raises(FileExistsError, match="already exists; pass overwrite=True"):
        run("neuron", model, "--unit", 0, "-o", out)
    assert out.read_bytes() == b"mine"
    assert run("neuron", model, "--unit", 0, "-o", out, "--n-iterations", 5,
               "--force").exit_code == 0


def test_maximize_output_layer(model, tmp_path):
    out = tmp_path / "outputs.png"
    result = run("maximize", model, "--layer", -1, "-o", out, "--n-iterations", 40)
    assert result.exit_code == 0, result.output
    assert out.exists()
    assert "10 units of layer 1:" in result.output and "reach at least the best" in result.output


def test_maximize_raw_with_norm(model, tmp_path):
    out = tmp_path / "layer0.svg"
    result = run("maximize", model, "--layer", 0, "--raw", "--norm", 8, "--n-iterations", 20,
                 "-o", out)
    assert result.exit_code == 0 and out.read_text().lstrip().startswith("<?xml")


def test_maximize_raw_leaves_out_every_regulariser(model, tmp_path, monkeypatch):
    import hiddenlens.plot._maximize as views

    seen, real = [], views.maximize_activation
    monkeypatch.setattr(views, "maximize_activation",
                        lambda *a, **kw: seen.append(kw) or real(*a, **kw))
    for name, flags in (("default.png", []), ("raw.png", ["--raw"])):
        result = run("maximize", model, "--layer", -1, "--n-iterations", 10, *flags, "-o",
                     tmp_path / name)
        assert result.exit_code == 0, result.output
    assert seen[0]["blur"] == 1.0 and seen[0]["tv"] == 0.3 and seen[0]["jitter"] == 1
    assert not {"blur", "l2", "tv", "jitter"} & set(seen[1]), seen[1]
    assert (tmp_path / "default.png").read_bytes() != (tmp_path / "raw.png").read_bytes()


def test_the_plain_optimum_beats_the_data_more_often(nielsen_net, embedded):
    """The seeds' claim behind --raw: without the smoothing every output unit's image beats the
    best digit, with it only some do."""
    from hiddenlens.plot import LayerMaximizeDisplay

    smooth = LayerMaximizeDisplay.from_model(nielsen_net, embedded.X_test, layer=-1)
    plain = LayerMaximizeDisplay.from_model(nielsen_net, embedded.X_test, layer=-1,
                                            regularize=False)
    assert plain.result.reached_share == 1.0 > smooth.result.reached_share
    assert "no regularisers" in plain.title and "no regularisers" not in smooth.title


def test_describe_markdown_csv_and_one_unit(model, tmp_path):
    md = run("describe", model, "--layer", 0).output.splitlines()
    assert md[0].startswith("| unit | fires_most_for") and len(md) == 2 + 12
    rows = list(csv.DictReader(io.StringIO(run("describe", model, "--format", "csv").output)))
    assert [int(r["unit"]) for r in rows] == list(range(12))
    one = run("describe", model, "--layer", 0, "--unit", 7).output
    assert one.startswith("Unit 7 of layer 0") and "fires most for" in one
    out = tmp_path / "layer0.csv"
    assert run("describe", model, "--format", "csv", "-o", out).exit_code == 0
    assert out.read_text().startswith("unit,fires_most_for")


@pytest.mark.parametrize("args, message", [
    (["describe", "{model}", "--format", "xml"],
     "--format must be one of 'md', 'csv'. Got 'xml' instead."),
    (["neuron", "{model}", "--unit", "12", "-o", "{tmp}/c.png"],
     "--unit must be in 0..11 for layer 0, which has 12 units. Got 12 instead."),
    (["maximize", "{model}", "--layer", "5", "-o", "{tmp}/m.png"],
     "--layer must be in -2..1 for this 784-12-10 network"),
    (["maximize", "{model}", "--norm", "-1", "-o", "{tmp}/m.png"],
     "--norm must be a number > 0. Got -1.0 instead."),
    (["neuron", "{model}", "--unit", "0", "--data", "iris", "-o", "{tmp}/c.png"],
     "The data set iris has 4 features but the network takes 784 inputs; give the data set "
     "it was trained on."),
])
def test_errors_are_one_sentence(model, tmp_path, monkeypatch, capsys, args, message):
    err = refusal([a.format(model=model, tmp=tmp_path) for a in args], monkeypatch, capsys)
    assert message in err


def test_help_has_examples():
    for command in ("neuron", "maximize", "describe"):
        assert "Example" in run(command, "--help").output


def test_card_colour_bars_are_labelled(model, nielsen_net, embedded):
    from hiddenlens.plot import NeuronCardDisplay

    X, y = embedded.X_test[:200], embedded.y_test[:200]
    # layer 0 of an image model: a 28x28 field; layer 1 of 784-100-10: a 10x10 grid of weights
    for net, layer, label in ((hl.load_model(model), 0, "weight from the pixel"),
                              (nielsen_net, 1, "weight (red excites, blue inhibits)")):
        card = NeuronCardDisplay.from_model(net, X, layer=layer, unit=2, y=y,
                                            maximize_kw={"n_iterations": 5})
        colour_bars = [a for a in card.figure_.axes if a not in card.axes_]
        assert [a.get_ylabel() for a in colour_bars] == [label]


def test_tabular_layer_overview_colours_each_feature_by_its_own_range():
    from hiddenlens.plot import LayerMaximizeDisplay

    ds = hl.load_dataset("iris")
    net = hl.train(hl.DenseNet([4, 3, 3], "tanh", random_state=0), ds, epochs=10, progress=False)
    view = LayerMaximizeDisplay.from_model(net, ds, layer=-1, maximize_kw={"n_iterations": 20})
    lo, hi = ds.X.min(0), ds.X.max(0)
    shown = view.ax_.images[0].get_array()
    np.testing.assert_allclose(shown, (view.result.images - lo) / (hi - lo), rtol=1e-5)
    assert view.figure_.axes[-1].get_ylabel() == "place in the feature's range (0: min, 1: max)"
    assert len(view.ax_.texts) == 12  # the raw value in every cell


def test_tabular_card_places_the_maximising_input_in_each_features_range():
    from hiddenlens.plot import NeuronCardDisplay
    from hiddenlens.plot._neuron import PANELS

    ds = hl.load_dataset("iris")
    net = hl.train(hl.DenseNet([4, 3, 3], "tanh", random_state=0), ds, epochs=10, progress=False)
    card = NeuronCardDisplay.from_model(net, ds, layer=0, unit=1, maximize_kw={"n_iterations": 20})
    lo, hi = ds.X.min(0), ds.X.max(0)
    widths = [p.get_width() for p in card.axes_[PANELS.index("maximized")].patches]
    np.testing.assert_allclose(widths, (card.maximized.images[0] - lo) / (hi - lo), rtol=1e-5)
