"""What the explorer's endpoints return: plain dicts ready for JSON, computed from the public API.

Every method takes already-parsed numbers (never a path or code from a request) and raises
`UnknownItem` for a layer, unit or example that does not exist, ValueError for a bad input.
"""

from __future__ import annotations

import base64
import threading

import numpy as np

from hiddenlens._classes import dataset_labels, label_indices
from hiddenlens._validation import check_layer, check_unit
from hiddenlens.explain import (
    atlas,
    composite_weights,
    contribution_map,
    describe,
    maximize_activation,
    permutation_importance,
    readable_options,
    top_units,
)
from hiddenlens.net import DenseNet

N_TOP = 9  # examples shown per unit card, most and least activating
N_EXAMPLES_PER_CLASS = 10  # examples offered in the picker


class UnknownItem(LookupError):
    """A layer, unit or example the request names does not exist (HTTP 404)."""


def b64_float32(a: np.ndarray) -> str:
    """An array as base64 of little-endian float32, decoded in the page into a Float32Array."""
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def _floats(a, digits: int = 6) -> list:
    return np.round(np.asarray(a, dtype=float), digits).tolist()


def _finite_trace(net: DenseNet, x: np.ndarray):
    """`net.trace(x)`, refusing (ValueError, a 400) an input whose numbers overflow the model's
    float type on their way through: 3e38 is a float32, 3e38 * 2 is not."""
    t = net.trace(x)
    for l, (z, a) in enumerate(zip(t.pre_activations, t.activations)):
        if not (np.isfinite(z).all() and np.isfinite(a).all()):
            big, i = float(np.finfo(net.dtype_name).max), int(np.argmax(np.abs(x)))
            raise ValueError(f"This input (its largest number x[{i}] = {x[i]:.6g}) drives layer "
                             f"{l} past ±{big:.6g}, the range of the model's {net.dtype_name}; "
                             "give inputs nearer the data's range.")
    return t


def _named(net: DenseNet, dataset) -> DenseNet:
    """`net` (a shallow copy, sharing its weights) with one name per feature and class, which
    every view and every explain function then uses: the model's own, else the data set's,
    else ``x0..`` (as `check_groups` names columns) and ``0..``. Image models keep no feature
    names: their inputs are pixels."""
    import copy  # here, not in the import block that others edit

    def fits(names, n) -> bool:
        return names is not None and len(names) == n

    ds_features = getattr(dataset, "feature_names", None)
    ds_classes = getattr(dataset, "class_names", None)
    named = copy.copy(net)
    if not net.image_shape:
        named.feature_names = list(net.feature_names or (
            ds_features if fits(ds_features, net.n_inputs) else
            [f"x{j}" for j in range(net.n_inputs)]))
    if net.task == "classification":
        named.class_names = list(net.class_names or (
            ds_classes if fits(ds_classes, net.n_classes) else
            [str(k) for k in range(net.n_classes)]))
    return named


class Explorer:
    """The numbers behind the explorer for one network and (optionally) its data set.

    Parameters
    ----------
    net : DenseNet
    data : Dataset, str or None
        Gives examples, unit cards' top examples and class means, slider ranges.
    """

    def __init__(self, net: DenseNet, data=None):
        from hiddenlens.data import for_model
        from hiddenlens.server._causal import Causal  # here: _causal imports this module

        self.dataset = None if data is None else for_model(net, data)
        self.net = _named(net, self.dataset)  # one name per feature and class, everywhere
        self._cards: dict[tuple[int, int], dict] = {}
        self._atlases: dict = {}  # layer -> Atlas on the test split
        self._info: dict | None = None
        self._computing = threading.Lock()  # cards and atlases, computed in worker threads
        self.causal = Causal(self)  # knock-out means, ablations per layer, patch effects

    # ---------------------------------------------------------------- lookups
    def layer(self, layer: int) -> int:
        try:
            return check_layer(self.net, layer)
        except (TypeError, ValueError) as exc:
            raise UnknownItem(str(exc)) from None

    def unit(self, layer: int, unit: int) -> tuple[int, int]:
        l = self.layer(layer)
        try:
            return l, check_unit(self.net, l, unit)
        except (TypeError, ValueError) as exc:
            raise UnknownItem(str(exc)) from None

    @property
    def X_examples(self) -> np.ndarray | None:
        """The examples the explorer shows: the test split (n, n_inputs)."""
        return None if self.dataset is None else self.dataset.X_test

    # ---------------------------------------------------------------- model
    def model_info(self) -> dict:
        if self._info is None:
            self._info = self._model_info()
        return self._info

    def _model_info(self) -> dict:
        net, ds = self.net, self.dataset
        info = {
            "sizes": net.sizes, "activations": net.activations, "task": net.task,
            "output_activation": net.output_activation, "image_shape": net.image_shape,
            "class_names": self.class_names(),
            "feature_names": None if net.image_shape else self.feature_names(),
            "dataset": ds.name if ds is not None else net.data_name,
            "label": repr(net), "n_examples": 0 if ds is None else len(ds.X_test),
            "standardised": bool(net.preprocessing),  # the first layer sees (x - mean) / scale
        }
        if ds is not None:
            info["test_score"] = round(net.score(ds.X_test, dataset_labels(net, ds.y_test)), 6)
            info["score_name"] = "accuracy" if net.task == "classification" else "R^2"
        if not net.image_shape:
            info["features"] = self._feature_ranges()
        return info

    def class_names(self) -> list[str] | None:
        return self.net.class_names if self.net.task == "classification" else None

    def feature_names(self) -> list[str]:
        return self.net.feature_names or [f"x{j}" for j in range(self.net.n_inputs)]

    def _feature_ranges(self) -> list[dict]:
        """Slider ranges: the training data's, else 3 standard deviations of the model's
        standardisation around its mean, else -3..3."""
        if self.dataset is not None:
            X = self.dataset.X_train  # (n, n_inputs)
            lo, hi, mid = X.min(axis=0), X.max(axis=0), np.median(X, axis=0)
        else:
            mean, scale = self._standardisation()
            mid, lo, hi = mean, mean - 3 * scale, mean + 3 * scale
        return [{"name": n, "min": float(a), "max": float(b), "value": float(m)}
                for n, a, b, m in zip(self.feature_names(), lo, hi, mid)]

    def _standardisation(self) -> tuple[np.ndarray, np.ndarray]:
        """The model's input (mean, scale), each (n_inputs,); none is (0, 1)."""
        pre = self.net.preprocessing
        if not pre:
            return np.zeros(self.net.n_inputs), np.ones(self.net.n_inputs)
        return np.asarray(pre["mean"], dtype=float), np.asarray(pre["scale"], dtype=float)

    def weights(self) -> dict:
        """Everything the page needs to run the forward pass itself."""
        net = self.net
        mean, scale = self._standardisation()
        return {
            "sizes": net.sizes, "activations": net.activations,
            "weights": [b64_float32(w) for w in net.weights],  # row-major (n_out, n_in)
            "biases": [b64_float32(b) for b in net.biases],
            "mean": b64_float32(mean), "scale": b64_float32(scale),
        }

    # ---------------------------------------------------------------- one input
    def trace(self, x) -> dict:
        """Every layer's pre-activations and activations for one input (n_inputs,)."""
        x = np.asarray(x, dtype=float)
        if x.ndim != 1:
            raise ValueError(f"`x` must be a flat list of {self.net.n_inputs} numbers.")
        t = _finite_trace(self.net, x)
        out = {"pre_activations": [_floats(z[0]) for z in t.pre_activations],
               "activations": [_floats(a[0]) for a in t.activations]}
        if self.net.task == "classification":
            label = self.net.predict(x)[0]  # the model's label (net.classes_)
            k = int(label_indices(self.net, [label])[0])
            out["predicted"] = label.item()  # an int or a str, as the model predicts
            out["predicted_index"] = k
            out["predicted_name"] = self.class_names()[k]
        return out

    def contribution(self, layer: int, unit: int, x) -> dict:
        """How each input of a unit pushes it on this input: `contribution_map`.

        contribution = inputs * weights, where `inputs` are what the unit multiplies: for layer
        0 the standardised input ((raw - mean) / scale, an image for image models; `raw` is the
        input as given), for a deeper layer the activations of the layer below. The
        contributions plus the bias sum exactly to the unit's pre-activation.
        """
        l, j = self.unit(layer, unit)
        x = np.asarray(x, dtype=float)
        _finite_trace(self.net, x)  # then every product below is finite too
        m = contribution_map(self.net, x, l, j)
        total = float(np.sum(m.contributions, dtype=np.float64))  # float32's sum could overflow
        image = l == 0 and self.net.image_shape is not None
        out = {
            "layer": l, "unit": j, "contribution": _floats(m.contributions, 8), "bias": m.bias,
            "sum": total, "pre_activation": m.pre_activation,
            "activation": m.activation,
            "over": "input" if l == 0 else f"layer {l - 1}",
            "image_shape": self.net.image_shape if image else None,
        }
        if not image:  # a picture shows the products alone; bars show each factor too
            out.update(inputs=_floats(m.inputs), weights=_floats(m.weights))
        if l == 0 and not image:
            out.update(raw=_floats(x), standardised=bool(self.net.preprocessing))
        return out

    # ---------------------------------------------------------------- examples
    def examples(self) -> dict:
        """A few test examples per class (all of them, up to 100, for regression)."""
        ds = self.dataset
        if ds is None:
            return {"examples": []}
        if ds.task == "classification":
            idx = np.concatenate([np.flatnonzero(ds.y_test == k)[:N_EXAMPLES_PER_CLASS]
                                  for k in range(ds.n_classes)])
        else:
            idx = np.arange(min(100, len(ds.X_test)))
        return {"examples": [{"index": int(i), "label": self._label(i)} for i in np.sort(idx)]}

    def example(self, index: int) -> dict:
        ds = self.dataset
        n = 0 if ds is None else len(ds.X_test)
        if not 0 <= index < n:
            raise UnknownItem(
                f"Example {index} does not exist: the test split has {n} examples (0..{n - 1})."
                if n else "This explorer was started without a data set, so it has no examples."
            )
        return {"index": index, "label": self._label(index), "x": _floats(ds.X_test[index])}

    def _label(self, i: int):
        y = self.dataset.y_test[i]
        return self.class_names()[int(y)] if self.net.task == "classification" else float(y)

    # ---------------------------------------------------------------- units
    def field(self, layer: int, unit: int) -> dict:
        """The unit's receptive field: its incoming weights, or for a deeper unit of an image
        model its linear composite template in input space."""
        l, j = self.unit(layer, unit)
        if l > 0 and self.net.image_shape:  # a deeper unit, seen through the weights below
            values = composite_weights(self.net, l, method="linear")[j]
            over = "input (linear composite)"
        else:
            values, over = self.net.weights[l][j], "input" if l == 0 else f"layer {l - 1}"
        shape = self.net.image_shape if len(values) == self.net.n_inputs else None
        names = self.feature_names() if over == "input" and not shape else None
        return {"layer": l, "unit": j, "values": _floats(values), "over": over,
                "image_shape": shape, "names": names}

    def card(self, layer: int, unit: int) -> dict:
        """Everything the unit card shows: field, top examples, class means, description."""
        l, j = self.unit(layer, unit)
        if (l, j) not in self._cards:
            with self._computing:  # many clients asking for one new card compute it once
                if (l, j) not in self._cards:
                    self._cards[l, j] = self._card(l, j)
        return self._cards[l, j]

    def _card(self, l: int, j: int) -> dict:
        card = {"layer": l, "unit": j, "field": self.field(l, j),
                "activation_name": self.net.activations[l]}
        if self.dataset is not None:
            card.update(self._dataset_stats(l, j))
        card.update(self._neuron_extras(l, j))
        return card

    def _atlas(self, l: int):
        """`atlas` of layer l on the test split (cached): top examples, class means."""
        if l not in self._atlases:
            y = (dataset_labels(self.net, self.dataset.y_test)
                 if self.net.task == "classification" else None)
            self._atlases[l] = atlas(self.net, self.X_examples, l, y=y, k=N_TOP)
        return self._atlases[l]

    def _dataset_stats(self, l: int, j: int) -> dict:
        at = self._atlas(l)
        image = self.net.image_shape is not None

        def pick(indices, values) -> list[dict]:
            return [{"index": int(i), "label": self._label(i), "activation": round(float(v), 6),
                     "x": _floats(self.X_examples[i], 3) if image else None}
                    for i, v in zip(indices, values)]

        stats = {"top": pick(at.top_indices[j], at.top_activations[j]),
                 "bottom": pick(at.bottom_indices[j], at.bottom_activations[j])}
        if at.class_means is not None:
            stats["class_means"] = [None if np.isnan(m) else round(float(m), 6)
                                    for m in at.class_means[j]]
        if l < self.net.n_layers - 1:
            stats["description"] = describe(self.net, self.X_examples, l, j,
                                            atlas_result=at).text
        return stats

    def _neuron_extras(self, l: int, j: int) -> dict:
        """The input that excites the unit most (activation maximisation, image models)."""
        if not self.net.image_shape:
            return {}
        options = readable_options(self.net)
        result = maximize_activation(self.net, l, units=[j], random_state=0, **options)
        return {"maximizing_input": _floats(np.asarray(result.images)[0], 4)}

    def top_units(self, output: int, k: int = 5, x=None) -> dict:
        """The last hidden layer's units that push output `output` up and down most
        (`top_units`): by weight, and given an input `x` also by contribution (weight *
        activation on `x`), each entry with its numbers on `x`. At most half the layer each,
        so no unit is in both lists, and only scores of the list's sign (a one-unit layer's
        unit is in one list)."""
        net = self.net
        _, c = self.unit(net.n_layers - 1, output)
        if net.n_layers < 2:
            return {"output": c, "layer": None, "positive": [], "negative": []}
        k, w = max(1, min(k, net.sizes[-2] // 2)), net.weights[-1][c]  # w: (n_hidden,)
        x = None if x is None else np.asarray(x, dtype=float)
        a = None if x is None else _finite_trace(net, x).activations[-2][0]  # (n_hidden,)

        def entry(u: int) -> dict:
            e = {"unit": u, "weight": round(float(w[u]), 6)}
            if a is not None:
                e.update(activation=round(float(a[u]), 6),
                         contribution=round(float(w[u]) * float(a[u]), 6))
            return e

        def ranked(by: str) -> dict:
            r = top_units(net, -1, c, k=k, by=by, x=x)
            return {"positive": [entry(int(u)) for u, s in zip(r.positive, r.positive_scores)
                                 if s > 0],
                    "negative": [entry(int(u)) for u, s in zip(r.negative, r.negative_scores)
                                 if s < 0]}

        out = {"output": c, "layer": net.n_layers - 2, "layer_size": net.sizes[-2],
               "activation": net.activations[-2], **ranked("weight")}
        if x is not None:
            out["by_contribution"] = ranked("contribution")
        return out

    def importance(self) -> dict:
        """Permutation importance on the test split (None without a data set)."""
        if self.dataset is None:
            return {"method": None, "names": self.feature_names(), "values": None}
        ds = self.dataset
        result = permutation_importance(self.net, ds.X_test, dataset_labels(self.net, ds.y_test),
                                        n_repeats=5, random_state=0)
        return {"method": "permutation importance (score drop, 5 repeats)",
                "names": self.feature_names(),
                "values": _floats(result.importances_mean),
                "std": _floats(result.importances_std)}


