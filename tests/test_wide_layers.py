"""Wide layers: a layer of more than 100 units shows its 64 most influential units, large,
numbered, with a sentence on the rest; deeper layers of an image model through their
composites; the report leads a wide first layer with the output's composites."""

import numpy as np
import pytest
from typer.testing import CliRunner

import hiddenlens as hl
from hiddenlens.cli import app
from hiddenlens.explain import shown_units
from hiddenlens.plot import CompositeDisplay, ReceptiveFieldsDisplay

TILE = 29  # a 28-pixel tile and its 1-pixel gap


@pytest.fixture(scope="module")
def wide():
    """784-512-256-10 relu, as the keras blog's network (untrained: the layout is the point)."""
    return hl.DenseNet([784, 512, 256, 10], "relu", random_state=0, image_shape=(28, 28),
                       data_name="mnist-embedded")


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_outgoing_order_is_the_weight_mass_into_the_next_layer(wide):
    mass = np.abs(wide.weights[1]).sum(axis=0)  # (512,): what layer 1 takes from each unit
    order = hl.unit_order(wide, 0, by="outgoing")
    np.testing.assert_array_equal(order, np.argsort(-mass, kind="stable"))
    with pytest.raises(ValueError, match=r"Ordering by outgoing needs a next layer; layer -1 "
                                         r"is the output of this 784-512-256-10 network\."):
        hl.unit_order(wide, -1, by="outgoing")


def test_shown_units_keep_a_narrow_layer_whole_and_a_wide_one_to_its_64_strongest(wide):
    units, by = shown_units(wide, 0)
    assert by == "outgoing" and len(units) == 64
    np.testing.assert_array_equal(units, hl.unit_order(wide, 0, by="outgoing")[:64])
    every = hl.unit_order(wide, 0, by="outgoing")
    assert shown_units(wide, 0, k=None)[0].tolist() == every.tolist()
    assert shown_units(wide, 0, by="index", k=5)[0].tolist() == [0, 1, 2, 3, 4]
    narrow = hl.DenseNet([784, 100, 10])
    assert shown_units(narrow, 0)[0].tolist() == list(range(100))
    assert shown_units(narrow, 0)[1] == "index"
    out = hl.DenseNet([4, 3, 150])  # a wide output feeds nothing: by norm
    assert shown_units(out, -1)[1] == "norm"
    with pytest.raises(ValueError, match=r"`k` must be one of 'auto'\. Got 'many' instead\."):
        shown_units(wide, 0, k="many")


def test_a_wide_first_layer_draws_64_big_numbered_tiles_and_says_what_is_left_out(wide):
    d = ReceptiveFieldsDisplay.from_model(wide, layer=0)
    assert d.ax_.images[0].get_array().shape == (8 * TILE - 1, 8 * TILE - 1)
    assert _texts(d.ax_) == [str(u) for u in shown_units(wide, 0)[0]]
    width, _ = d.figure_.get_size_inches()
    assert width / 8 >= 1.0  # about an inch per tile, not a few pixels
    assert d.note.startswith("448 of the 512 units are left out: the 64 shown are those with "
                             "the largest outgoing weight mass; k=None draws every unit "
                             "(hiddenlens show fields --layer 0 --k all).")
    assert "each unit's weights look like noise" in d.note
    assert d.ax_.get_xlabel().replace("\n", " ") == d.note
    assert "64 of 512 units over input pixels, the largest outgoing weight mass into layer 1 " \
           "first" in d.ax_.get_title()
    every = ReceptiveFieldsDisplay.from_model(wide, layer=0, k=None)
    assert every.ax_.images[0].get_array().shape == (16 * TILE - 1, 32 * TILE - 1)
    assert "left out" not in every.note


def test_a_deeper_layer_of_an_image_model_is_drawn_through_its_composites(wide):
    d = ReceptiveFieldsDisplay.from_model(wide, layer=1)
    units = shown_units(wide, 1)[0]
    maps = hl.composite_weights(wide, 1)
    expected = maps / np.abs(maps).max()
    np.testing.assert_allclose(d.fields, expected[units])
    assert d.image_shape == (28, 28) and len(units) == 64
    assert d.ax_.get_title().startswith("Layer 1 through its linear composites")
    assert d.label_.startswith("composite weight / largest")
    assert "192 of the 256 units are left out" in d.note
    with pytest.raises(ValueError, match=r"^The inputs of layer 1 are the 512 units of layer 0, "
                                         r"which have no picture; use kind='composite'"):
        ReceptiveFieldsDisplay.from_model(wide, layer=1, kind="image")
    bars = ReceptiveFieldsDisplay.from_model(wide, layer=1, kind="bars", k=2)
    assert bars.feature_names[:2] == ["layer 0 unit 0", "layer 0 unit 1"]


def test_wide_composites_are_numbered_and_say_what_is_left_out(wide):
    d = CompositeDisplay.from_model(wide, layer=1)
    units = shown_units(wide, 1)[0]
    np.testing.assert_array_equal(d.maps, hl.composite_weights(wide, 1)[units])
    assert _texts(d.ax_) == [str(u) for u in units]
    assert "192 of the 256 units are left out" in d.note and "show composite --layer 1" in d.note
    assert len(CompositeDisplay.from_model(wide, layer=1, k=None).maps) == 256


def test_show_fields_takes_k_all_auto_or_a_number(wide, tmp_path, monkeypatch):
    from hiddenlens.cli import _show

    path = tmp_path / "wide.safetensors"
    hl.save_model(wide, path)
    runner, drawn, write = CliRunner(), [], _show._write
    monkeypatch.setattr(_show, "_write", lambda d, *a: drawn.append(d) or write(d, *a))
    for k, grid in (("auto", (8, 8)), ("all", (16, 32)), ("6", (2, 3))):
        out = tmp_path / f"{k}.png"
        result = runner.invoke(app, ["show", "fields", str(path), "--k", k, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.read_bytes()[:4] == b"\x89PNG"
        shape = drawn[-1].ax_.images[0].get_array().shape
        assert shape == (grid[0] * TILE - 1, grid[1] * TILE - 1)
    result = runner.invoke(app, ["show", "fields", str(path), "--k", "many", "-o",
                                 str(tmp_path / "x.png")])
    assert "--k must be an integer, auto or all. Got 'many' instead." in str(result.exception)


def test_the_report_leads_a_wide_first_layer_with_the_output_composites():
    from hiddenlens._evaluation import evaluate
    from hiddenlens.report._sections import Context, Figure
    from hiddenlens.report._units import _templates

    net = hl.DenseNet([784, 128, 10], "relu", random_state=0, image_shape=(28, 28),
                      class_names=[str(c) for c in range(10)])
    ds = hl.load_dataset()
    ctx = Context(net=net, data=ds, X=ds.X_test[:50], y=ds.y_test[:50],
                  evaluation=evaluate(net, ds.X_test[:50], ds.y_test[:50]))
    lead, fields = _templates(ctx, 0)
    assert isinstance(lead, Figure) and lead.title.startswith("First, what the network looks "
                                                             "for: the output's composite")
    assert "In a first layer of 128 units each unit's weights look like noise" in lead.how
    assert fields.title == "Receptive fields"
    assert "64 of the 128 units are left out: the 64 shown are those with the largest " \
           "outgoing weight mass" in fields.how
    narrow = hl.DenseNet([784, 100, 10], "sigmoid", random_state=0, image_shape=(28, 28))
    ctx.net = narrow
    (only,) = _templates(ctx, 0)
    assert only.title == "Receptive fields" and "left out" not in only.how
