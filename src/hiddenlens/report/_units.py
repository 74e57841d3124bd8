"""Report sections about units: each layer's templates and neurons, each class's top units."""

from __future__ import annotations

import numpy as np

from hiddenlens import explain
from hiddenlens.explain._receptive_fields import WIDE_LAYER
from hiddenlens.plot._grid import left_out_note, noise_note, unit_count
from hiddenlens.report import _figures as figs
from hiddenlens.report._causal import causal_parts, dead_sentence, removal_change
from hiddenlens.report._sections import (
    Context,
    Figure,
    Section,
    Table,
    figure,
    layer_name,
    note,
    table,
)

N_JACOBIAN = 1000  # test examples the Jacobian composite is averaged over
WORDY = ("inputs", "pushes_up", "pushes_down")  # lists the description already states


def layer_section(ctx: Context, l: int) -> Section:
    net = ctx.net
    name = layer_name(net, l)
    count = unit_count(net.sizes[l + 1], net.activations[l])
    s = Section(f"layer-{l}", f"Layer {l}: {name} ({count})",
                f"What each unit of {name} looks for in the input, how it "
                "behaves on the test data" + (", and what removing it does." if l < net.n_layers
                                              - 1 else "."))
    s.parts.extend(_templates(ctx, l))
    s.parts.append(_maximization(ctx, l))
    if l < net.n_layers - 1:
        s.parts.append(_dead_and_saturated(ctx, l))
        s.parts.extend(causal_parts(ctx, l))
        s.parts.append(_descriptions(ctx, l))
    return s


# ------------------------------------------------------------------ templates
def _templates(ctx: Context, l: int) -> list:
    net = ctx.net
    if l == 0 and ctx.is_image:
        from hiddenlens.plot import ReceptiveFieldsDisplay

        d = ReceptiveFieldsDisplay.from_model(net, layer=0)
        how = ("Each square is one unit's 784 incoming weights laid out as the image: red pixels "
               "excite the unit, blue pixels inhibit it, white ones do not matter; the number "
               "in its corner is the unit's index.")
        left_out = left_out_note(net, 0, len(d.units), "outgoing", "show fields")
        fields = figure("Receptive fields", how + (f" {left_out}" if left_out else ""),
                        figs.inline_png(d.figure_, "receptive fields"))
        if net.sizes[1] <= WIDE_LAYER:
            return [fields]
        return [_lead_composites(ctx), fields]
    if l == 0:
        W = net.weights[0]
        fig = figs.weight_heatmap(W, [f"unit {j}" for j in range(len(W))], ctx.feature_names,
                                  f"Incoming weights of layer 0, {net.describe_sizes()}",
                                  "weight (on standardised features)")
        return [figure("Incoming weights", "One row per unit, one column per feature: red means "
                       "a larger value of the feature excites the unit, blue that it inhibits it.",
                       figs.inline_png(fig, "incoming weights"))]
    from hiddenlens.plot import CompositeDisplay

    n = min(N_JACOBIAN, len(ctx.X))
    out = l == net.n_layers - 1
    names = _output_names(ctx) if out else None
    units, by = explain.shown_units(net, l)
    if names is None:
        names = [str(u) if len(units) > 20 else f"unit {u}" for u in units]
    note = left_out_note(net, l, len(units), by, "show composite")
    what = "output" if out else f"layer {l}"
    images = []
    for method, maps, data in (
            ("linear", ctx.composite(l), ""),
            ("jacobian", explain.composite_weights(net, l, method="jacobian", X=ctx.X[:n]),
             f", averaged over {n} examples")):
        d = CompositeDisplay.from_result(
            maps[units], method=method, names=names, image_shape=net.image_shape,
            feature_names=None if ctx.is_image else ctx.feature_names, note=note,
            title=f"What each {what} unit looks for: {method} composite weights{data}\n"
                  f"{net.describe_sizes()}")
        images.append(figs.inline_png(d.figure_, f"{method} composite of layer {l}"))
    linear = ("the product of the weight matrices down to the input (biases and activations "
              "ignored, as in the blog posts)")
    jacobian = (f"the derivative of the unit with respect to each input averaged over {n} test "
                "examples, which accounts for the nonlinearities")
    how = " Red inputs push the unit up, blue push it down." + (f" {note}" if note else "")
    if ctx.is_image and len(units) > 20:  # two big mosaics: one above the other, full width
        return [figure("Composite templates, linear", f"What each unit of {layer_name(net, l)}"
                       f" looks for in the input: {linear}.{how}", images[0]),
                figure("Composite templates, Jacobian", f"The same units seen through {jacobian}"
                       ": where a unit is dead or saturated on the data, its map fades.",
                       images[1])]
    return [figure("Composite templates, linear (left) and Jacobian (right)",
                   f"What each unit of {layer_name(net, l)} looks for in the input: left, "
                   f"{linear}; right, {jacobian}.{how}", *images)]


def _lead_composites(ctx: Context) -> Figure:
    """For a wide first layer, whose weights look like noise: what the output classes look for
    through every layer, before the layer's own fields."""
    from hiddenlens.plot import CompositeDisplay

    net, last = ctx.net, ctx.net.n_layers - 1
    d = CompositeDisplay.from_result(
        ctx.composite(last), method="linear", names=_output_names(ctx),
        image_shape=net.image_shape,
        title=f"What each output unit looks for through every layer: linear composite "
              f"weights\n{net.describe_sizes()}")
    return figure("First, what the network looks for: the output's composite templates",
                  f"{noise_note(net.sizes[1])} So this section starts with the output's "
                  "templates, the weight matrices multiplied from the output down to the image "
                  "(biases and activations ignored; the output layer's section has the Jacobian "
                  "version beside them): red pixels push the class up, blue push it down. Then "
                  "come this layer's own fields, for its most influential units.",
                  figs.inline_png(d.figure_, "linear composite templates of the output"))


def _output_names(ctx: Context) -> list[str] | None:
    """A name per output unit for titles: "class 3" for a classifier, "output" for a
    regressor's unit, None when they cannot be matched."""
    net = ctx.net
    if net.task != "classification":
        return ["output" if net.n_outputs == 1 else f"output {k}" for k in range(net.n_outputs)]
    names = ctx.class_names
    return [f"class {c}" for c in names] if len(names) == net.n_outputs else None


# ------------------------------------------------------------------ neurons (issue 6)
def _maximization(ctx: Context, l: int) -> Figure:
    from hiddenlens.explain import readable_options
    from hiddenlens.plot import LayerMaximizeDisplay

    net = ctx.net
    units, by = explain.shown_units(net, l)
    result = explain.maximize_activation(net, l, units, X=ctx.X,
                                         **readable_options(net, l, ctx.X))
    out = l == net.n_layers - 1
    d = LayerMaximizeDisplay.from_result(
        result, atlas_result=ctx.atlas(l), image_shape=net.image_shape,
        input_names=ctx.feature_names,
        unit_names=ctx.class_names if out and len(ctx.class_names) == net.n_outputs else None,
        ranges=None if ctx.is_image else (ctx.X.min(0), ctx.X.max(0)),
        title=f"What each unit of {'the output' if out else f'layer {l}'} responds to most, "
              f"{net.describe_sizes()}")
    what = "dark = ink" if ctx.is_image else "one row per unit, one column per feature"
    note = left_out_note(net, l, len(units), by, "maximize")
    return figure("Activation maximisation", "For each unit, the input found by gradient ascent "
                  f"that makes it fire most ({what}): the pattern the unit is tuned to; dead "
                  "units are framed in red." + (f" {note}" if note else ""),
                  figs.inline_png(d.figure_, "activation maximisation"))


def _dead_and_saturated(ctx: Context, l: int) -> Table:
    result = ctx.atlas(l)
    dead = np.flatnonzero(np.asarray(result.dead))
    saturated = np.flatnonzero(np.asarray(result.saturated))
    n = ctx.net.sizes[l + 1]
    score = ctx.ablation(l).scoring.replace("_", " ")
    rows = [["dead (never active on the test split)", len(dead), _list(dead),
             removal_change(ctx, l, dead)],
            ["saturated (above 0.99 on nearly every example)", len(saturated),
             _list(saturated), removal_change(ctx, l, saturated)]]
    confirmed = dead_sentence(ctx, l)
    return table(["kind", "units", "which", f"removing one changes test {score} by at most"],
                 rows, heading="Dead and saturated units",
                 how="Units that carry no information: a dead unit never fires, a saturated "
                     f"one always does ({unit_count(n)} in this layer). The last column knocks "
                     "each out (sets it to zero) and measures the test score again" +
                     (f". {confirmed}" if confirmed else "."))


def _list(units) -> str:
    shown = ", ".join(str(int(u)) for u in units[:30])
    return (shown + (" …" if len(units) > 30 else "")) or "none"


def _descriptions(ctx: Context, l: int) -> Table:
    records = explain.describe_layer(ctx.net, ctx.X, l, y=ctx.labels, atlas_result=ctx.atlas(l),
                                     ablation=ctx.ablation(l)).records  # one dict per unit
    columns = [c for c in records[0] if c not in WORDY and any(r[c] != "" for r in records)]
    # the sentence right after the unit, so it stays in view; its numbers scroll beside it
    columns = ["unit", "description"] + [c for c in columns if c not in ("unit", "description")]
    return table([c.replace("_", " ") for c in columns],
                 [[r[c] for c in columns] for r in records], kind="describe",
                 heading="What each unit does, in words", scroll=True,
                 how=f"One row per unit, computed on the {len(ctx.X)} test examples; every "
                     "claim of the description is backed by a number in the columns beside it.")


# ------------------------------------------------------------------ classes
def classes_section(ctx: Context) -> Section:
    net = ctx.net
    s = Section("classes", "Top units per output class",
                "Which units of the last hidden layer push each class up most (largest outgoing "
                "weights) and which push it down most (most negative weights).")
    if net.task != "classification" or net.n_layers < 2:
        why = ("is a regressor: it has no classes" if net.task != "classification"
               else "has no hidden layer feeding its classes")
        s.parts.append(note(f"This network {why}, so there are no top units to show."))
        return s
    l, k = net.n_layers - 2, max(1, min(5, net.sizes[-2] // 2))  # no unit in both lists
    names = ctx.class_names[: net.n_outputs]
    if net.n_outputs == 1 and len(ctx.class_names) == 2:  # one sigmoid unit: p(second class)
        names = ctx.class_names[1:]
        s.parts.append(note(f"This network has one output unit, the probability of "
                            f"{names[0]}: a unit that pushes it down pushes "
                            f"{ctx.class_names[0]} up."))
    rows = []
    for c, name in enumerate(names):
        pos, neg = _top(net, c, k)
        rows.append((name, pos, neg, net.weights[-1][c]))
    fields = _fields_in_input_space(ctx, l)
    if fields is not None and ctx.is_image:
        fig = figs.top_units_grid(fields, rows, net.image_shape,
                                  f"Top units of layer {l} per class, {net.describe_sizes()}")
        s.parts.append(figure(
            "Top positive and negative units", "One row per class: left of the class name, "
            f"up to {k} units with the largest positive weights into it; right, up to {k} "
            "with the most negative. "
            f"Each is shown by its {'receptive field' if l == 0 else 'linear composite template'}"
            " (red excites, blue inhibits), titled with its weight.",
            figs.inline_png(fig, "top units per class")))
    else:
        s.parts.append(table(["class", "pushed up by (unit: weight)", "pushed down by"], [
            [name, _pairs(pos, w), _pairs(neg, w)] for name, pos, neg, w in rows]))
    return s


def _top(net, c: int, k: int) -> tuple[list[int], list[int]]:
    """The k largest and k most negative weights into output c, each list keeping only
    weights of its sign (a one-unit layer's unit is either positive or negative)."""
    r = explain.top_units(net, -1, c, k=k, by="weight")
    return ([int(u) for u, s in zip(r.positive, r.positive_scores) if s > 0],
            [int(u) for u, s in zip(r.negative, r.negative_scores) if s < 0])


def _fields_in_input_space(ctx: Context, l: int) -> np.ndarray:
    return np.asarray(ctx.net.weights[0]) if l == 0 else ctx.composite(l)


def _pairs(units, w) -> str:
    return ", ".join(f"{u}: {w[u]:+.3f}" for u in units) or "none"


__all__ = ["classes_section", "layer_section"]
