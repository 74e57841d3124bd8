"""Report sections about units: each layer's templates and neurons, each class's top units."""

from __future__ import annotations

import numpy as np

from hiddenlens import explain
from hiddenlens.report import _figures as figs
from hiddenlens.report._sections import Context, Section, figure, layer_name, note, table

N_JACOBIAN = 1000  # test examples the Jacobian composite is averaged over
WORDY = ("inputs", "pushes_up", "pushes_down")  # lists the description already states


def layer_section(ctx: Context, l: int) -> Section:
    net = ctx.net
    name = layer_name(net, l)
    s = Section(f"layer-{l}", f"Layer {l}: {name} ({net.sizes[l + 1]} {net.activations[l]} "
                f"units)", f"What each unit of {name} looks for in the input, and how it "
                "behaves on the test data.")
    s.parts.extend(_templates(ctx, l))
    s.parts.append(_maximization(ctx, l))
    if l < net.n_layers - 1:
        s.parts.append(_dead_and_saturated(ctx, l))
        s.parts.append(_descriptions(ctx, l))
    return s


# ------------------------------------------------------------------ templates
def _templates(ctx: Context, l: int) -> list[str]:
    net = ctx.net
    if l == 0 and ctx.is_image:
        from hiddenlens.plot import ReceptiveFieldsDisplay

        d = ReceptiveFieldsDisplay.from_model(net, layer=0)
        return [figure("Receptive fields", "Each square is one unit's 784 incoming weights laid "
                       "out as the image: red pixels excite the unit, blue pixels inhibit it, "
                       "white ones do not matter.", figs.inline_png(d.figure_, "receptive fields"))]
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
    images = [figs.inline_png(CompositeDisplay.from_model(net, ctx.X[:n], layer=l,
                                                          method=m).figure_,
                              f"{m} composite of layer {l}") for m in ("linear", "jacobian")]
    return [figure("Composite templates, linear (left) and Jacobian (right)",
                   f"What each unit of {layer_name(net, l)} looks for in the input: left, the "
                   "product of the weight matrices down to the input (biases and activations "
                   "ignored, as in the blog posts); right, the derivative of the unit with "
                   f"respect to each input averaged over {n} test examples, which accounts for "
                   "the nonlinearities. Red inputs push the unit up, blue push it down.",
                   *images)]


# ------------------------------------------------------------------ neurons (issue 6)
def _maximization(ctx: Context, l: int) -> str:
    from hiddenlens.plot import LayerMaximizeDisplay

    d = LayerMaximizeDisplay.from_model(ctx.net, ctx.X, ctx.labels, layer=l)
    what = "dark = ink" if ctx.is_image else "one row per unit, one column per feature"
    return figure("Activation maximisation", "For each unit, the input found by gradient ascent "
                  f"that makes it fire most ({what}): the pattern the unit is tuned to; dead "
                  "units are framed in red.", figs.inline_png(d.figure_, "activation maximisation"))


def _dead_and_saturated(ctx: Context, l: int) -> str:
    result = explain.atlas(ctx.net, ctx.X, l, y=ctx.labels)
    dead = np.flatnonzero(np.asarray(result.dead))
    saturated = np.flatnonzero(np.asarray(result.saturated))
    n = ctx.net.sizes[l + 1]
    rows = [["dead (never active on the test split)", len(dead), _list(dead)],
            ["saturated (above 0.99 on nearly every example)", len(saturated), _list(saturated)]]
    return ('<h3>Dead and saturated units</h3><p class="how">Units that carry no information: '
            f"a dead unit never fires, a saturated one always does ({n} units in this layer)."
            "</p>" + table(["kind", "units", "which"], rows))


def _list(units) -> str:
    shown = ", ".join(str(int(u)) for u in units[:30])
    return (shown + (" …" if len(units) > 30 else "")) or "none"


def _descriptions(ctx: Context, l: int) -> str:
    records = explain.describe_layer(ctx.net, ctx.X, l, y=ctx.labels).records  # one dict per unit
    columns = [c for c in records[0] if c not in WORDY and any(r[c] != "" for r in records)]
    return ('<h3>What each unit does, in words</h3><p class="how">One row per unit, computed on '
            f"the {len(ctx.X)} test examples; every claim of the description is backed by a "
            'number in the columns beside it.</p><div class="scroll">'
            + table([c.replace("_", " ") for c in columns],
                    [[r[c] for c in columns] for r in records], kind="describe") + "</div>")


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
    r = explain.top_units(net, c, k=k, by="weight")
    return ([int(u) for u, s in zip(r.positive, r.positive_scores) if s > 0],
            [int(u) for u, s in zip(r.negative, r.negative_scores) if s < 0])


def _fields_in_input_space(ctx: Context, l: int) -> np.ndarray | None:
    if l == 0:
        return np.asarray(ctx.net.weights[0])
    return explain.composite_weights(ctx.net, l, method="linear")


def _pairs(units, w) -> str:
    return ", ".join(f"{u}: {w[u]:+.3f}" for u in units) or "none"


__all__ = ["classes_section", "layer_section"]
