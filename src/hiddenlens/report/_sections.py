"""The report's sections: each takes the shared context and returns titled parts.

A section only draws what the public API computes (explain/ for numbers, plot/ Displays for
pictures); where a picture cannot exist (no training history, no classes) a note says why.
A part is data (a figure, a note, a table, a list); the templates turn it into HTML, escaping
every text, so names read from files are shown as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hiddenlens.report import _figures as figs


@dataclass
class Context:
    """What every section needs, computed once: the network, the test split, its evaluation,
    and (through `atlas`, `ablation`, `composite`) the results several sections share."""

    net: object
    data: object
    X: np.ndarray  # (n_test, n_inputs)
    y: np.ndarray  # (n_test,) labels as the model knows them (net.classes_), or values
    evaluation: object
    cache: dict = field(default_factory=dict)  # results two sections share

    @property
    def is_image(self) -> bool:
        return self.net.image_shape is not None

    @property
    def labels(self) -> np.ndarray | None:
        """Class labels for the per-class statistics; None for a regressor."""
        return self.y if self.net.task == "classification" else None

    @property
    def indices(self) -> np.ndarray | None:
        """Class indices (n_test,) into `net.classes_` (and `class_names`); None for a
        regressor."""
        from hiddenlens._classes import label_indices

        return label_indices(self.net, self.y) if self.net.task == "classification" else None

    @property
    def class_names(self) -> list[str]:
        return self.evaluation.class_names or []

    @property
    def feature_names(self) -> list[str]:
        return self.net.feature_names or [f"x{i}" for i in range(self.net.n_inputs)]

    def atlas(self, l: int):
        """`atlas` of layer l on the test split, computed once for every section."""
        from hiddenlens import explain

        if ("atlas", l) not in self.cache:
            self.cache["atlas", l] = explain.atlas(self.net, self.X, l, y=self.labels, k=1)
        return self.cache["atlas", l]

    def ablation(self, l: int):
        """`ablate` of every unit of hidden layer l on the test split (value zero, per
        class), computed once for every section and the descriptions' causal sentences."""
        from hiddenlens import explain

        if ("ablation", l) not in self.cache:
            self.cache["ablation", l] = explain.ablate(self.net, self.X, self.y, l)
        return self.cache["ablation", l]

    def composite(self, l: int) -> np.ndarray:
        """The linear composite weights (n_units, n_inputs) of layer l, computed once."""
        from hiddenlens import explain

        if ("composite", l) not in self.cache:
            self.cache["composite", l] = explain.composite_weights(self.net, l, method="linear")
        return self.cache["composite", l]


@dataclass
class Section:
    id: str
    title: str
    intro: str
    parts: list = field(default_factory=list)


@dataclass
class Figure:
    """One or more images with a caption: what it shows, in one sentence, and how to read it."""

    title: str
    how: str
    images: list  # of figs.Image
    kind: str = "figure"


@dataclass
class Note:
    """A line where a picture would be, saying why there is none."""

    text: str
    kind: str = "note"


@dataclass
class Table:
    header: list
    rows: list
    cls: str = ""
    heading: str = ""  # an <h3> above it
    how: str = ""  # how to read it, under the heading
    scroll: bool = False  # in a box of limited height
    kind: str = "table"


@dataclass
class Items:
    items: list
    kind: str = "items"


def figure(title: str, how: str, *images) -> Figure:
    return Figure(title, how, list(images))


def note(text: str) -> Note:
    return Note(text)


def table(header: list, rows: list, kind: str = "", **kw) -> Table:
    return Table(list(header), [list(r) for r in rows], kind, **kw)


def layer_name(net, l: int) -> str:
    return "the output layer" if l == net.n_layers - 1 else f"hidden layer {l}"


# ------------------------------------------------------------------ the model
def model_section(ctx: Context) -> Section:
    net, ds, ev = ctx.net, ctx.data, ctx.evaluation
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
    s.parts.append(Items(facts))
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
        s.parts.append(note("No training history is stored with this model (it was imported),"
                            " so there are no training curves."))
    return s


# ------------------------------------------------------------------ the diagram
def diagram_section(ctx: Context) -> Section:
    s = Section("diagram", "The network diagram",
                "Every layer as a column of nodes; links are coloured by the sign of their "
                "weight (red positive, blue negative) with width proportional to |weight|.")
    from hiddenlens.plot import NetworkDiagramDisplay

    d = NetworkDiagramDisplay.from_model(ctx.net)  # weights only: nothing to share
    s.parts.append(figure("Network diagram", "Thick red links excite the unit they feed, thick "
                          "blue links inhibit it; faint links hardly matter.",
                          figs.inline_png(d.figure_, "network diagram")))
    return s


# ------------------------------------------------------------------ forward traces
def traces_section(ctx: Context) -> Section:
    """One correctly and one wrongly classified test example per class, traced."""
    if ctx.net.task != "classification":
        s = Section("traces", "Forward traces", "The first test example followed through every "
                    "layer, its prediction beside its true value.")
        s.parts.append(_trace_figure(ctx, 0, "test example 0"))
        return s
    s = Section("traces", "Forward traces",
                "One test example per class that the network gets right and one it gets wrong, "
                "followed through every layer.")
    from hiddenlens._classes import label_indices
    from hiddenlens.plot import TraceDisplay

    pred = label_indices(ctx.net, ctx.net.predict(ctx.X))  # (n_test,) class indices
    true = ctx.indices
    for c, name in enumerate(ctx.class_names):
        right = np.flatnonzero((true == c) & (pred == c))
        wrong = np.flatnonzero((true == c) & (pred != c))
        images = []
        for kind, idx in (("correct", right), ("misclassified", wrong)):
            if len(idx):
                d = TraceDisplay.from_model(ctx.net, ctx.X[idx[0]], label=c)
                images.append(figs.inline_png(d.figure_, f"{kind} {name}: test #{idx[0]}"))
        order = ("the first picture is a correct example, the second a mistake" if len(images) == 2
                 else "a correct example; the network gets every test example of this class right"
                 if len(right) else "a mistake; the network gets no test example of this class "
                 "right" if len(wrong) else "no test example of this class")
        s.parts.append(figure(
            f"Class {name}", "Left to right: the input, each hidden layer's activations (a grid, "
            "bright = active, or bars for a few units), the output with the predicted class in "
            f"orange; {order}.",
            *images))
    return s


def _trace_figure(ctx: Context, i: int, alt: str) -> str:
    from hiddenlens.plot import TraceDisplay

    d = TraceDisplay.from_model(ctx.net, ctx.X[i], label=float(ctx.y[i]))
    return figure("Forward trace", "The input, each hidden layer's activations, and the output: "
                  "the prediction (orange) on a number line beside the true value (diamond).",
                  figs.inline_png(d.figure_, alt))
