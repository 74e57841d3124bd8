"""Plain-language descriptions of units, every sentence backed by a number returned with it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np
import torch

from hiddenlens import _chain as chain
from hiddenlens._activations import ACTIVATIONS
from hiddenlens._validation import check_layer, check_unit
from hiddenlens.explain._ablation import Ablation, ablate
from hiddenlens.explain._atlas import Atlas, atlas
from hiddenlens.explain._describe_causal import ablation_data, ablation_row, causal_sentence
from hiddenlens.net import DenseNet

REGION_NAMES = ("upper left", "upper centre", "upper right", "centre left", "centre",
                "centre right", "lower left", "lower centre", "lower right")
DUPLICATE_CORRELATION = 0.95  # above this, a unit is called a near duplicate of its partner
MASS_SHARE = 0.5  # name inputs until they hold this share of the weight mass (at most 3)


@dataclass
class UnitDescription:
    """A paragraph about one unit and the numbers behind each of its sentences.

    Attributes
    ----------
    layer, unit : int
    sentences : dict of str to str
        "inputs", "classes", "outputs", "status": one sentence each (absent when unknown).
    numbers : dict
        Every number a sentence states, under the same keys (see `describe`).
    """

    layer: int
    unit: int
    sentences: dict = field(default_factory=dict)
    numbers: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return " ".join(self.sentences.values())

    def __str__(self) -> str:
        return self.text


def describe(
    net: DenseNet, data, layer: int, unit: int, *, y=None, atlas_result: Atlas | None = None,
    ablation: Ablation | None = None,
) -> UnitDescription:
    """Describe what one unit works with, which classes fire it and what it pushes.

    Parameters
    ----------
    net : DenseNet
    data : Dataset or array of shape (n, n_inputs) or None
        Data for the class and status sentences (train then test examples of a Dataset).
    layer, unit : int
    y : array of shape (n,), optional
        Labels when `data` is an array.
    atlas_result : Atlas, optional
        A precomputed `atlas(net, data, layer)`, to describe many units cheaply.
    ablation : Ablation, optional
        `ablate(net, X, y, layer)` of this layer (with this unit alone among its rows): adds
        the causal sentence, what knocking the unit out does to the score.

    Returns
    -------
    UnitDescription
        numbers["inputs"]: for image inputs, "positive_share" and "negative_share" (9,) per
        region of a 3x3 grid (row-major, REGION_NAMES) and the named regions; otherwise
        "share" (n_in,) of |weight| per input, "sign" and the named inputs.
        numbers["classes"]: "class_means" (n_classes,), "top", "bottom", "selectivity".
        numbers["outputs"]: "composite" (n_outputs,), the product of the later weight
        matrices' column for this unit, and the outputs named.
        numbers["status"]: "dead", "saturated", "saturated_fraction", "active_fraction",
        "most_correlated", "correlation", "duplicate".
        numbers["causal"]: "value", "scoring", "drop", "loss_increase", "n_examples", and for
        classifiers "per_class_drop" (n_classes,), "class" (the class hurt most), "class_drop"
        and "class_names".
    """
    idx = check_layer(net, layer)
    unit = check_unit(net, layer, unit)
    if atlas_result is None and data is not None:
        atlas_result = atlas(net, data, idx, y=y, k=1)
    names = _input_names(net, data, idx)
    d = UnitDescription(idx, unit)
    _inputs(d, net, idx, unit, names)
    if atlas_result is not None and atlas_result.class_means is not None:
        _classes(d, atlas_result, unit, net)
    _outputs(d, net, idx, unit)
    if ablation is not None:
        row = ablation_row(ablation, idx, unit)
        d.sentences["causal"], d.numbers["causal"] = causal_sentence(ablation, row, class_label)
    if atlas_result is not None:
        _status(d, net, atlas_result, idx, unit)
    return d


# ---------------------------------------------------------------- inputs
def region_shares(weights: np.ndarray, image_shape) -> tuple[np.ndarray, np.ndarray]:
    """Shares (9,) of the positive and of the negative weight mass in each 3x3 region."""
    h, w = image_shape
    img = np.asarray(weights, dtype=float).reshape(h, w)
    pos, neg = np.clip(img, 0, None), np.clip(-img, 0, None)
    bands_r, bands_c = np.array_split(np.arange(h), 3), np.array_split(np.arange(w), 3)
    pos_mass = np.array([pos[np.ix_(r, c)].sum() for r in bands_r for c in bands_c])
    neg_mass = np.array([neg[np.ix_(r, c)].sum() for r in bands_r for c in bands_c])
    return _share(pos_mass), _share(neg_mass)


def _share(mass: np.ndarray) -> np.ndarray:
    total = mass.sum()
    return mass / total if total > 0 else np.zeros_like(mass)


def leading(shares: np.ndarray, mass_share: float = MASS_SHARE, most: int = 3) -> list[int]:
    """Indices by descending share (ties: lower index) until they hold `mass_share`."""
    order = np.argsort(-shares, kind="stable")
    picked, total = [], 0.0
    for i in order[:most]:
        if shares[i] <= 0:
            break
        picked.append(int(i))
        total += shares[i]
        if total >= mass_share:
            break
    return picked


def _inputs(d: UnitDescription, net: DenseNet, idx: int, unit: int, names) -> None:
    w = net.weights[idx][unit].astype(float)  # (n_in,)
    image_shape = net.image_shape if idx == 0 else None
    if image_shape is not None:
        pos, neg = region_shares(w, image_shape)
        up, down = leading(pos), leading(neg)
        d.numbers["inputs"] = {"positive_share": pos, "negative_share": neg,
                               "excited_by": [REGION_NAMES[i] for i in up],
                               "inhibited_by": [REGION_NAMES[i] for i in down]}
        parts = []
        if up:
            parts.append("excited by ink in the " + _join(
                [f"{REGION_NAMES[i]} ({pos[i]:.0%})" for i in up]) + " of its positive weight")
        if down:
            parts.append("inhibited by ink in the " + _join(
                [f"{REGION_NAMES[i]} ({neg[i]:.0%})" for i in down]) + " of its negative weight")
        text = "; ".join(parts) if parts else "all its incoming weights are zero"
        d.sentences["inputs"] = f"Unit {unit} of layer {idx} is {text}."
        return
    share = _share(np.abs(w))
    top = leading(share)
    held = float(share[top].sum())
    d.numbers["inputs"] = {"share": share, "sign": np.sign(w),
                           "primarily": [names[i] for i in top], "held": held}
    listed = _join([f"{names[i]} ({'+' if w[i] >= 0 else '-'}, {_pct(share[i])})"
                    for i in top])
    head = f"Unit {unit} of layer {idx}"
    if not top:
        d.sentences["inputs"] = f"{head} has all-zero incoming weights."
    elif held >= MASS_SHARE:
        d.sentences["inputs"] = f"{head} works primarily with {listed}."
    else:  # no small set dominates: say so rather than call 3% "primarily"
        d.sentences["inputs"] = (f"{head} spreads its weight over its {len(w)} inputs; the "
                                 f"largest shares of |weight| are {listed} ({_pct(held)} "
                                 "together).")


def _pct(share: float) -> str:
    """48% ; 0.4% for small shares, so that a share is never printed as 0%."""
    return f"{share:.0%}" if share >= 0.01 or share == 0 else f"{share:.1%}"


def _input_names(net: DenseNet, data, idx: int) -> list[str]:
    if idx > 0:
        return [f"layer {idx - 1} unit {i}" for i in range(net.sizes[idx])]
    names = net.feature_names or getattr(data, "feature_names", None)
    if names is None or len(names) != net.n_inputs:
        names = [f"input {i}" for i in range(net.n_inputs)]
    return list(names)


# ---------------------------------------------------------------- classes
def class_label(name: str, plural: bool = True) -> str:
    """"3" -> "3s" for digits; other names are quoted: "class 'setosa'"."""
    return f"{name}s" if plural and name.isdigit() else (name if name.isdigit()
                                                          else f"class '{name}'")


def _classes(d: UnitDescription, at: Atlas, unit: int, net: DenseNet) -> None:
    means = at.class_means[unit]  # (n_classes,)
    names = at.class_names or [str(c) for c in range(len(means))]
    valid = np.isfinite(means)
    order = np.argsort(np.where(valid, -means, np.inf), kind="stable")[: valid.sum()]
    top, second, bottom = int(order[0]), (int(order[1]) if len(order) > 1 else None), int(
        order[-1])
    sel = float(at.class_selectivity[unit])
    d.numbers["classes"] = {"class_means": means, "top": top, "second": second,
                            "bottom": bottom, "selectivity": sel, "class_names": names}
    fires = f"{class_label(names[top])} (mean activation {means[top]:.2f})"
    low = means[bottom]
    if second is not None and second != bottom and (
            means[second] - low >= 0.5 * (means[top] - low)):  # a close second is named
        fires += f" and {class_label(names[second])} ({means[second]:.2f})"
    d.sentences["classes"] = (
        f"It fires most for {fires} and is quietest for {class_label(names[bottom])} "
        f"({means[bottom]:.2f}); class selectivity {sel:.2f} (0: all classes alike, 1: one class)."
    )


# ---------------------------------------------------------------- outputs
def downstream_weights(net: DenseNet, layer: int) -> np.ndarray:
    """W[L] @ ... @ W[layer + 1]: (n_outputs, width of `layer`), the naive linear chain.

    Column u is what unit u adds to each output logit per unit of its activation if every
    later unit were linear; for the last hidden layer it is exactly the outgoing weights.
    """
    idx = check_layer(net, layer)
    with torch.no_grad():
        return chain.linear_chain(net.module, net.n_layers - 1, idx + 1).numpy()


def _outputs(d: UnitDescription, net: DenseNet, idx: int, unit: int) -> None:
    names = net.class_names or [str(c) for c in range(net.n_outputs)]
    if idx == net.n_layers - 1:
        d.numbers["outputs"] = {"output": unit, "name": names[unit] if unit < len(names) else
                                str(unit)}
        score = {"softmax": "pre-softmax score (logit)", "sigmoid": "pre-sigmoid score (logit)"
                 }.get(net.output_activation, "value")
        d.sentences["outputs"] = f"It is the {score} of output {names[unit]}."
        return
    c = downstream_weights(net, idx)[:, unit]  # (n_outputs,)
    order = np.argsort(-c, kind="stable")
    up = [int(i) for i in order[:2] if c[i] > 0]
    down = [int(i) for i in order[::-1][:2] if c[i] < 0]
    via = ("its outgoing weights" if idx == net.n_layers - 2 else
           f"the product of the weights of layers {idx + 1}..{net.n_layers - 1}")
    d.numbers["outputs"] = {"composite": c, "pushes_up": up, "pushes_down": down,
                            "output_names": names}
    parts = []
    if up:
        parts.append("pushes up the output for " + _join([f"{names[i]} ({c[i]:+.2f})"
                                                          for i in up]))
    if down:
        parts.append("pushes down " + _join([f"{names[i]} ({c[i]:+.2f})" for i in down]))
    text = " and ".join(parts) if parts else "has no effect on the outputs"
    d.sentences["outputs"] = f"It {text} (through {via})."


# ---------------------------------------------------------------- status
def _status(d: UnitDescription, net: DenseNet, at: Atlas, idx: int, unit: int) -> None:
    act = net.activations[idx]
    partner, r = int(at.most_correlated[unit]), float(at.correlation[unit])
    duplicate = partner >= 0 and r >= DUPLICATE_CORRELATION
    d.numbers["status"] = {
        "dead": bool(at.dead[unit]), "saturated": bool(at.saturated[unit]),
        "saturated_fraction": float(at.saturated_fraction[unit]),
        "active_fraction": float(at.active_fraction[unit]), "max": float(at.max[unit]),
        "most_correlated": partner, "correlation": r, "duplicate": duplicate,
    }
    n = f"{at.n_examples:,}"
    if at.dead[unit]:
        text = (f"It is dead: it never rises above {ACTIVATIONS[act].floor:g} on the {n} examples "
                f"(highest {at.max[unit]:.3g}).")
    elif at.saturated[unit]:
        text = (f"It is saturated: above {ACTIVATIONS[act].ceiling:g} on "
                f"{at.saturated_fraction[unit]:.1%} of the {n} examples.")
    else:
        text = (f"It is active (pre-activation > 0) on {_pct(at.active_fraction[unit])} of "
                f"the {n} examples.")
    if duplicate:
        text += f" It is a near duplicate of unit {partner} (correlation {r:.2f})."
    d.sentences["status"] = text


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# ---------------------------------------------------------------- a whole layer
COLUMNS = ("unit", "fires_most_for", "top_class_mean", "quietest_for", "selectivity",
           "inputs", "pushes_up", "pushes_down", "active_fraction", "dead", "saturated",
           "most_correlated", "correlation", "ablation_drop", "hurts_most", "class_drop",
           "description")


@dataclass
class LayerDescription:
    """One row per unit: the numbers of `describe` and its paragraph.

    Attributes
    ----------
    layer : int
    units : list of UnitDescription
    records : list of dict, keys COLUMNS
    """

    layer: int
    units: list
    records: list

    def to_markdown(self) -> str:
        cols = [c for c in COLUMNS if any(r[c] != "" for r in self.records)]
        lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for r in self.records:
            lines.append("| " + " | ".join(str(r[c]).replace("|", "/") for c in cols) + " |")
        return "\n".join(lines) + "\n"

    def to_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.records)
        return buf.getvalue()

    def __str__(self) -> str:
        return self.to_markdown()


def describe_layer(net: DenseNet, data, layer: int, *, y=None,
                   atlas_result: Atlas | None = None,
                   ablation: Ablation | bool = False) -> LayerDescription:
    """`describe` every unit of a layer from one atlas pass over the data (or `atlas_result`,
    a precomputed `atlas(net, data, layer)`).

    Parameters
    ----------
    net, data, layer, y : see `describe`.
    ablation : Ablation or bool, default=False
        Add each unit's causal sentence: True ablates every unit of the layer once (value
        "zero", on a Dataset's test examples, or on the array and `y`); an Ablation is used
        as given.

    Returns
    -------
    LayerDescription
        `.to_markdown()` and `.to_csv()` give the table, one row per unit.
    """
    idx = check_layer(net, layer)
    at = atlas_result
    if at is None and data is not None:
        at = atlas(net, data, idx, y=y, k=1)
    if ablation is True:
        ablation = ablate(net, *ablation_data(net, data, y), idx)
    elif ablation is False or ablation is None:
        ablation = None
    elif not isinstance(ablation, Ablation):
        raise TypeError(f"`ablation` must be an Ablation, True or False. Got {ablation!r} "
                        "instead.")
    units = [describe(net, data, idx, u, atlas_result=at, ablation=ablation)
             for u in range(net.sizes[idx + 1])]
    return LayerDescription(idx, units, [_record(d) for d in units])


def _record(d: UnitDescription) -> dict:
    r = dict.fromkeys(COLUMNS, "")
    r.update(unit=d.unit, description=d.text)
    c = d.numbers.get("classes")
    if c:
        names = c["class_names"]
        r.update(fires_most_for=names[c["top"]], quietest_for=names[c["bottom"]],
                 top_class_mean=round(float(c["class_means"][c["top"]]), 4),
                 selectivity=round(c["selectivity"], 4))
    i = d.numbers["inputs"]
    if "excited_by" in i:
        r["inputs"] = "+ " + ", ".join(i["excited_by"]) + "; - " + ", ".join(i["inhibited_by"])
    else:
        r["inputs"] = ", ".join(i["primarily"])
    o = d.numbers["outputs"]
    if "composite" in o:
        r["pushes_up"] = " ".join(o["output_names"][k] for k in o["pushes_up"])
        r["pushes_down"] = " ".join(o["output_names"][k] for k in o["pushes_down"])
    s = d.numbers.get("status")
    if s:
        r.update(active_fraction=round(s["active_fraction"], 4), dead=s["dead"],
                 saturated=s["saturated"])
        if s["most_correlated"] >= 0:  # a layer of one unit has no other unit to correlate
            r.update(most_correlated=s["most_correlated"], correlation=round(s["correlation"], 4))
    k = d.numbers.get("causal")
    if k:
        r["ablation_drop"] = round(k["drop"], 6)
        if "class" in k:
            r.update(hurts_most=k["class_names"][k["class"]], class_drop=round(k["class_drop"], 6))
    return r
