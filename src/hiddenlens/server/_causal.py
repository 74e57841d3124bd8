"""The explorer's causal numbers: what a unit does when it is switched off or patched.

- `means`: each unit's mean activation over the test split, the value a knock-out puts in
  place of a unit when the page's knock-out mode replaces with "mean" (as `ablate(...,
  value="mean")` does). The knock-outs themselves run in the page, on its forward pass.
- `ablation`: one unit's accuracy drop per class and overall when it is replaced, from
  `ablate` run ONCE for every unit of its layer on the test split and cached: the first card
  of a layer pays (seconds for 512 units), every other card of that layer is a lookup.
- `patch`: every unit of a layer patched alone from one input into another (`patch_effect`).

Each method takes parsed numbers (or a parsed JSON body), raises `UnknownItem` (404) for what
does not exist and ValueError/`BadRequest` (400) with one sentence for what cannot be asked.
"""

from __future__ import annotations

import threading

import numpy as np

from hiddenlens.explain import ablate, patch_effect
from hiddenlens.server._body import check_input
from hiddenlens.server._errors import BadRequest
from hiddenlens.server._payloads import UnknownItem, _finite_trace, _floats

MAX_EXAMPLES = 10_000      # test examples an ablation scores (MNIST's whole test split)
N_TOP = 10                 # units listed by a patch answer, each way
VALUES = ("zero", "mean")  # what a knock-out puts in a unit's place
PATCH_EXAMPLE = '{"layer": 0, "source": {"example": 3}, "dest": {"x": [...]}}'


class Causal:
    """The causal numbers of one `Explorer` (its net, named, and its data set), cached.

    Parameters
    ----------
    explorer : Explorer
    """

    def __init__(self, explorer):
        self.explorer = explorer
        self._ablations: dict[tuple[int, str], object] = {}  # (layer, value) -> Ablation
        self._means: dict[int, np.ndarray] = {}             # layer -> (h,)
        self._locks: dict[tuple, threading.Lock] = {}
        self._guard = threading.Lock()

    @property
    def net(self):
        return self.explorer.net

    # ---------------------------------------------------------------- checks
    def hidden_layer(self, layer: int, what: str) -> int:
        """`layer`'s index: 404 when there is no such layer, 400 for the output layer."""
        l, last = self.explorer.layer(layer), self.net.n_layers - 1
        if l == last:
            hidden = ("none: this network has no hidden layer" if not last else
                      "layer 0" if last == 1 else f"layers 0..{last - 1}")
            raise ValueError(f"Layer {layer} is the output layer; {what} works on hidden units "
                             f"({hidden}). Ask for a hidden layer instead.")
        return l

    def _examples(self, what: str) -> tuple[np.ndarray, np.ndarray]:
        """The test split's first MAX_EXAMPLES examples and labels."""
        ds = self.explorer.dataset
        if ds is None:
            raise UnknownItem(f"This explorer was started without a data set, so it has no "
                              f"test split for {what}; start it with --data.")
        return ds.X_test[:MAX_EXAMPLES], ds.y_test[:MAX_EXAMPLES]

    def _once(self, cache: dict, key, compute):
        """cache[key], computed once however many threads ask for it at the same time."""
        if key not in cache:
            with self._guard:
                lock = self._locks.setdefault(key if isinstance(key, tuple) else (key,),
                                              threading.Lock())
            with lock:
                if key not in cache:
                    cache[key] = compute()
        return cache[key]

    # ---------------------------------------------------------------- means
    def means(self, layer: int) -> dict:
        """Each unit's mean activation over the test split (the knock-out's "mean" value)."""
        l = self.hidden_layer(layer, "a knock-out")
        X, _ = self._examples("unit means")

        def compute() -> np.ndarray:
            a = self.net.trace(X, layers=[l]).activations[l]  # (n, h)
            return np.asarray(a, dtype=np.float64).mean(axis=0)

        means = self._once(self._means, ("means", l), compute)
        return {"layer": l, "means": _floats(means, 8), "n_examples": len(X)}

    # ---------------------------------------------------------------- ablation
    def ablation(self, layer: int, unit: int, value: str = "zero") -> dict:
        """What replacing (layer, unit) by `value` costs on the test split: the overall and
        per-class score drop (accuracy in 0..1; positive hurts) and the loss increase."""
        l, j = self.explorer.unit(layer, unit)
        l = self.hidden_layer(l, "ablation")
        if value not in VALUES:
            raise BadRequest(f"`value` must be one of {', '.join(VALUES)}. Got "
                             f"{_short(value)} instead.")
        X, y = self._examples("an ablation")
        result = self._once(self._ablations, (l, value),
                            lambda: ablate(self.net, X, y, l, value=value))
        out = {
            "layer": l, "unit": j, "value": value, "scoring": result.scoring,
            "n_examples": result.n_examples, "layer_size": self.net.sizes[l + 1],
            "baseline_score": round(float(result.baseline_score), 8),
            "score": round(float(result.score[j]), 8),
            "drop": round(float(result.drop[j]), 8),
            "loss_increase": round(float(result.loss_increase[j]), 8),
            "class_names": result.class_names,
            "per_class_drop": None, "per_class_baseline": None, "class_counts": None,
        }
        if result.per_class_drop is not None:
            out.update(per_class_drop=_nullable(result.per_class_drop[j]),
                       per_class_baseline=_nullable(result.per_class_baseline),
                       class_counts=result.class_counts.tolist())
        return out

    # ---------------------------------------------------------------- patching
    def patch(self, body: dict) -> dict:
        """Every unit of `body["layer"]` patched alone from the source into the destination:
        `patch_effect`'s effect per unit (0 no move, 1 all the way to the source's margin),
        the class predicted after each patch, and the units of largest and smallest effect."""
        layer = body.get("layer")
        if isinstance(layer, bool) or not isinstance(layer, int):
            raise BadRequest(f"`layer` must be an integer, like {PATCH_EXAMPLE}. Got "
                             f"{layer!r} instead.")
        l = self.hidden_layer(layer, "patching")
        if self.net.task != "classification":
            raise ValueError("Patching measures the move from one predicted class to another, "
                             "so it needs a classifier; this network is a regressor.")
        xs, xd = self._patch_input(body, "source"), self._patch_input(body, "dest")
        p = patch_effect(self.net, xs, xd, l)
        if not np.isfinite(p.effect).all():  # equal margins: a tie the effect cannot scale by
            raise ValueError("These two inputs' logit differences are equal, so no effect can "
                             "be scaled between them; pick two other inputs.")
        names = p.class_names
        order = p.ranking  # largest effect first
        top = [int(u) for u in order[:N_TOP] if p.effect[u] > 0]
        bottom = [int(u) for u in order[::-1][:N_TOP] if p.effect[u] < 0]
        return {
            "layer": l, "layer_size": len(p.effect),
            "source_class": int(p.source_class), "dest_class": int(p.dest_class),
            "source_name": names[p.source_class], "dest_name": names[p.dest_class],
            "source_difference": round(p.source_difference, 8),
            "dest_difference": round(p.dest_difference, 8),
            "effect": _floats(p.effect, 8), "predicted": p.predicted.tolist(),
            "flips": int(np.sum(p.predicted == p.source_class)),
            "top": top, "bottom": bottom,
        }

    def _patch_input(self, body: dict, key: str) -> np.ndarray:
        """body[key] as one input: {"example": i} (the test split's) or {"x": [...]}."""
        spec = body.get(key)
        if not isinstance(spec, dict) or len(spec) != 1 or not {"example", "x"} & spec.keys():
            raise BadRequest(f'`{key}` must be {{"example": <index>}} or {{"x": [...]}}, like '
                             f"{PATCH_EXAMPLE}. Got {_short(spec)} instead.")
        if "x" in spec:
            net = self.net
            x = np.asarray(check_input(spec["x"], net.n_inputs, net.dtype_name), dtype=float)
            _finite_trace(net, x)  # a 400 for an input that overflows on its way through
            return x
        index = spec["example"]
        if isinstance(index, bool) or not isinstance(index, int):
            raise BadRequest(f"`{key}.example` must be an integer index into the test split. "
                             f"Got {_short(index)} instead.")
        self.explorer.example(index)  # a 404 for an example the test split does not have
        return self.explorer.dataset.X_test[index]


def _nullable(a) -> list:
    """Floats with NaN (a class without examples) as None."""
    return [None if np.isnan(v) else round(float(v), 8) for v in np.asarray(a, dtype=float)]


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
