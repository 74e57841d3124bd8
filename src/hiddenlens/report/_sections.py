"""The report's sections: each takes the shared context and returns titled HTML parts.

A section only draws what the public API computes; a method that is not in this build of
hiddenlens leaves a one-line note where its picture would be.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

from hiddenlens.report import _figures as figs
from hiddenlens.report._optional import optional


@dataclass
class Context:
    """What every section needs, computed once: the network, the test split, its trace."""

    net: object
    dataset: object
    X: np.ndarray  # (n_test, n_inputs)
    y: np.ndarray  # (n_test,)
    trace: object  # net.trace(X)
    evaluation: object
    cache: dict = field(default_factory=dict)  # results two sections share

    @property
    def is_image(self) -> bool:
        return self.net.image_shape is not None

    @property
    def class_names(self) -> list[str]:
        return self.evaluation.class_names or []


@dataclass
class Section:
    id: str
    title: str
    intro: str
    parts: list[str] = field(default_factory=list)


def esc(text) -> str:
    return html.escape(str(text))


def figure(title: str, how: str, *images: str) -> str:
    """One or more images with a caption: what it shows, in one sentence, and how to read it."""
    row = "".join(f"<div>{img}</div>" for img in images)
    kind = "images many" if len(images) > 1 else "images"
    return (f'<figure><div class="{kind}">{row}</div><figcaption><b>{esc(title)}.</b> '
            f"{esc(how)}</figcaption></figure>")


def pending(what: str, function: str) -> str:
    return (f'<p class="pending">{esc(what)}: this build of hiddenlens has no '
            f"<code>{esc(function)}</code> yet, so this picture is left out.</p>")


def table(header: list[str], rows: list[list], kind: str = "") -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in r) + "</tr>" for r in rows)
    cls = f' class="{kind}"' if kind else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def layer_name(net, l: int) -> str:
    return "the output layer" if l == net.n_layers - 1 else f"hidden layer {l}"


# ------------------------------------------------------------------ the model
def model_section(ctx: Context) -> Section:
    net, ds, ev = ctx.net, ctx.dataset, ctx.evaluation
    s = Section("model", "The model", "What was trained, on what, and how well it does.")
    rows = [["input", net.n_inputs, "", ""]]
    for l, (n_in, n_out) in enumerate(zip(net.sizes[:-1], net.sizes[1:])):
        rows.append([layer_name(net, l), n_out, net.activations[l], n_in * n_out + n_out])
    s.parts.append(table(["layer", "units", "activation", "parameters"], rows))
    facts = [f"{net!r}", f"data: {ds!r}"]
    if ev.task == "classification":
        facts.append(f"test accuracy {ev.accuracy:.4f} on {ev.n} examples")
    else:
        facts.append(f"test R² {ev.r2:.4f}, mean squared error {ev.mse:.4g} on {ev.n} examples")
    s.parts.append("<ul>" + "".join(f"<li>{esc(f)}</li>" for f in facts) + "</ul>")
    if ev.task == "classification":
        s.parts.append(figure(
            "Per-class accuracy and confusion matrix",
            "Left: the share of each class's test examples predicted correctly. Right: row = "
            "true class, column = predicted class; everything off the diagonal is a mistake.",
            figs.inline_png(figs.class_scores(ev), "per-class accuracy and confusion matrix")))
    if net.history:
        s.parts.append(figure(
            "Training curves", "Loss and score after each epoch on the training split (solid) "
            "and the test split (dashed); a widening gap means over-fitting.",
            figs.inline_png(figs.training_curves(net.history), "training curves")))
    else:
        s.parts.append('<p class="pending">No training history is stored with this model '
                       "(it was imported), so there are no training curves.</p>")
    return s


# ------------------------------------------------------------------ the diagram
def diagram_section(ctx: Context) -> Section:
    s = Section("diagram", "The network diagram",
                "Every layer as a column of nodes; links are coloured by the sign of their "
                "weight (red positive, blue negative) with width proportional to |weight|.")
    display = optional("hiddenlens.plot", "NetworkDiagramDisplay")
    if display is None:
        s.parts.append(pending("The network diagram", "NetworkDiagramDisplay"))
        return s
    d = display.from_model(ctx.net)
    s.parts.append(figure("Network diagram", "Thick red links excite the unit they feed, thick "
                          "blue links inhibit it; faint links hardly matter.",
                          figs.inline_png(d.figure_, "network diagram")))
    return s


# ------------------------------------------------------------------ forward traces
def traces_section(ctx: Context) -> Section:
    """One correctly and one wrongly classified test example per class, traced."""
    s = Section("traces", "Forward traces",
                "One test example per class that the network gets right and one it gets wrong, "
                "followed through every layer.")
    if ctx.net.task != "classification":
        s.parts.append(_trace_figure(ctx, 0, "test example 0"))
        return s
    from hiddenlens.plot import TraceDisplay

    pred = ctx.trace.output.argmax(axis=1) if ctx.net.n_outputs > 1 else (
        ctx.trace.output[:, 0] > 0.5).astype(int)
    for c, name in enumerate(ctx.class_names):
        right = np.flatnonzero((ctx.y == c) & (pred == c))
        wrong = np.flatnonzero((ctx.y == c) & (pred != c))
        images = []
        for kind, idx in (("correct", right), ("misclassified", wrong)):
            if len(idx):
                d = TraceDisplay.from_model(ctx.net, ctx.X[idx[0]], label=c)
                images.append(figs.inline_png(d.figure_, f"{kind} {name}: test #{idx[0]}"))
        note = "" if len(wrong) else " The network gets every test example of this class right."
        s.parts.append(figure(
            f"Class {name}", "Left to right: the input, each hidden layer's activations (a grid, "
            "bright = active, or bars for a few units), the output with the predicted class in "
            f"orange; the first picture is a correct example, the second a mistake.{note}",
            *images))
    return s


def _trace_figure(ctx: Context, i: int, alt: str) -> str:
    from hiddenlens.plot import TraceDisplay

    d = TraceDisplay.from_model(ctx.net, ctx.X[i])
    return figure("Forward trace", "The input, each hidden layer's activations and the output.",
                  figs.inline_png(d.figure_, alt))
