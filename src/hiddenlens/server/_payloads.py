"""What the explorer's endpoints return: plain dicts ready for JSON, computed from the public API.

Every method takes already-parsed numbers (never a path or code from a request) and raises
`UnknownItem` for a layer, unit or example that does not exist, ValueError for a bad input.
"""

from __future__ import annotations

import base64

import numpy as np

from hiddenlens._validation import check_layer, check_unit
from hiddenlens.explain import atlas, composite_weights, describe, maximize_activation
from hiddenlens.net import DenseNet
from hiddenlens.plot._neuron import readable_options
from hiddenlens.report._optional import optional

N_TOP = 9  # examples shown per unit card, most and least activating
N_EXAMPLES_PER_CLASS = 10  # dataset examples offered in the picker


class UnknownItem(LookupError):
    """A layer, unit or example the request names does not exist (HTTP 404)."""


def b64_float32(a: np.ndarray) -> str:
    """An array as base64 of little-endian float32, decoded in the page into a Float32Array."""
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def _floats(a, digits: int = 6) -> list:
    return np.round(np.asarray(a, dtype=float), digits).tolist()


class Explorer:
    """The numbers behind the explorer for one network and (optionally) its data set.

    Parameters
    ----------
    net : DenseNet
    dataset : Dataset or None
        Gives dataset examples, unit cards' top examples and class means, slider ranges.
    """

    def __init__(self, net: DenseNet, dataset=None):
        self.net, self.dataset = net, dataset
        if dataset is not None and dataset.n_features != net.n_inputs:
            raise ValueError(
                f"The data set {dataset.name} has {dataset.n_features} features but the network "
                f"takes {net.n_inputs} inputs; give the data set the model was trained on."
            )
        self._cards: dict[tuple[int, int], dict] = {}
        self._atlases: dict = {}  # layer -> Atlas on the test split
        self._info: dict | None = None

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
            "output": net.output, "image_shape": net.image_shape,
            "class_names": self.class_names(),
            "feature_names": None if net.image_shape else self.feature_names(),
            "dataset": ds.name if ds is not None else net.dataset,
            "label": repr(net), "n_examples": 0 if ds is None else len(ds.X_test),
        }
        if ds is not None:
            info["test_score"] = round(net.score(ds.X_test, ds.y_test), 6)
            info["score_name"] = "accuracy" if net.task == "classification" else "R^2"
            if not net.image_shape:
                info["features"] = self._feature_ranges()
        return info

    def class_names(self) -> list[str] | None:
        if self.net.task != "classification":
            return None
        return self.net.class_names or [str(k) for k in range(self.net.n_classes)]

    def feature_names(self) -> list[str]:
        return self.net.feature_names or [f"x{i}" for i in range(self.net.n_inputs)]

    def _feature_ranges(self) -> list[dict]:
        X = self.dataset.X_train  # (n, n_inputs)
        lo, hi, mid = X.min(axis=0), X.max(axis=0), np.median(X, axis=0)
        return [{"name": n, "min": float(a), "max": float(b), "value": float(m)}
                for n, a, b, m in zip(self.feature_names(), lo, hi, mid)]

    def weights(self) -> dict:
        """Everything the page needs to run the forward pass itself."""
        net = self.net
        pre = net.preprocessing or {"mean": np.zeros(net.n_inputs), "scale": np.ones(net.n_inputs)}
        return {
            "sizes": net.sizes, "activations": net.activations,
            "weights": [b64_float32(w) for w in net.weights],  # row-major (n_out, n_in)
            "biases": [b64_float32(b) for b in net.biases],
            "mean": b64_float32(pre["mean"]), "scale": b64_float32(pre["scale"]),
        }

    # ---------------------------------------------------------------- one input
    def trace(self, x) -> dict:
        """Every layer's pre-activations and activations for one input (n_inputs,)."""
        x = np.asarray(x, dtype=float)
        if x.ndim != 1:
            raise ValueError(f"`x` must be a flat list of {self.net.n_inputs} numbers.")
        t = self.net.trace(x)
        out = {"pre_activations": [_floats(z[0]) for z in t.pre_activations],
               "activations": [_floats(a[0]) for a in t.activations]}
        if self.net.task == "classification":
            k = int(self.net.predict(x)[0])
            out["predicted"] = k
            out["predicted_name"] = self.class_names()[k]
        return out

    def contribution(self, layer: int, unit: int, x) -> dict:
        """How each input of a unit pushes it on this input: a[l-1] * weights[l][unit].

        For layer 0 the inputs are the standardised input (an image for image models); the
        contributions plus the bias sum exactly to the unit's pre-activation.
        """
        l, j = self.unit(layer, unit)
        t = self.net.trace(np.asarray(x, dtype=float))
        prev = t.input[0] if l == 0 else t.activations[l - 1][0]  # (n_in,)
        contrib = prev.astype(float) * self.net.weights[l][j]  # (n_in,)
        bias = float(self.net.biases[l][j])
        return {
            "layer": l, "unit": j, "contribution": _floats(contrib, 8), "bias": bias,
            "sum": float(contrib.sum()), "pre_activation": float(t.pre_activations[l][0, j]),
            "activation": float(t.activations[l][0, j]),
            "over": "input" if l == 0 else f"layer {l - 1}",
            "image_shape": self.net.image_shape if l == 0 else None,
        }

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
            card = {"layer": l, "unit": j, "field": self.field(l, j),
                    "activation_name": self.net.activations[l]}
            if self.dataset is not None:
                card.update(self._dataset_stats(l, j))
            card.update(self._neuron_extras(l, j))
            self._cards[l, j] = card
        return self._cards[l, j]

    def _atlas(self, l: int):
        """`atlas` of layer l on the test split (cached): top examples, class means."""
        if l not in self._atlases:
            y = self.dataset.y_test if self.net.task == "classification" else None
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
        if self.net.task == "classification" and l < self.net.n_layers - 1:
            stats["description"] = describe(self.net, self.X_examples, l, j,
                                            atlas_result=at).text
        return stats

    def _neuron_extras(self, l: int, j: int) -> dict:
        """The input that excites the unit most (activation maximisation, image models)."""
        if not self.net.image_shape:
            return {}
        options = readable_options(self.net)
        result = maximize_activation(self.net, l, units=[j], seed=0, **options)
        return {"maximizing_input": _floats(np.asarray(result.images)[0], 4)}

    def top_units(self, output: int, k: int = 5) -> dict:
        """The last hidden layer's units with the most positive and negative weights into
        output `output`."""
        net = self.net
        o = net.n_layers - 1
        _, c = self.unit(o, output)
        if net.n_layers < 2:
            return {"output": c, "layer": None, "positive": [], "negative": []}
        w = net.weights[o][c]  # (n_last_hidden,)
        k = min(k, len(w))
        order = np.argsort(w, kind="stable")
        entry = lambda i: {"unit": int(i), "weight": round(float(w[i]), 6)}  # noqa: E731
        return {"output": c, "layer": o - 1, "positive": [entry(i) for i in order[::-1][:k]],
                "negative": [entry(i) for i in order[:k]]}

    def importance(self) -> dict:
        """Feature importance on the test split (permutation importance when in this build)."""
        permutation = optional("hiddenlens", "permutation_importance")
        if permutation is None or self.dataset is None:
            return {"method": None, "names": self.feature_names(), "values": None}
        ds = self.dataset
        result = permutation(self.net, ds.X_test, ds.y_test, n_repeats=5, random_state=0)
        return {"method": "permutation importance (score drop, 5 repeats)",
                "names": self.feature_names(),
                "values": _floats(result.importances_mean),
                "std": _floats(result.importances_std)}


