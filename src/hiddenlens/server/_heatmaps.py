"""The explorer's heat-map panel: every registered attribution method's map of one input, how
faithful each is on that input, and the network-level table from the test split.

``POST /api/heatmaps {"x": [...]}``: the maps of the predicted class, each with its deletion
curve and AUC on this input, and the reference of N_RANDOM random orders (its mean curve,
95% band and AUC), the same for every method.
``GET /api/heatmaps``: the TrustReport's rows on the first N_TRUST test examples (deletion,
insertion, faithfulness correlation, the weight-randomization check), computed once.
Both are bounded: a fixed set of methods at their defaults, one input of n_inputs numbers
(`read_input`), a fixed number of random orders and test examples.
"""

from __future__ import annotations

import threading

import numpy as np
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from hiddenlens._classes import dataset_labels, label_indices

N_TRUST = 200  # test examples of the network-level table
N_RANDOM = 20  # random orders of one input's deletion reference
METRICS = ["deletion", "insertion", "faithfulness_correlation", "randomization"]


def _number(v, digits: int = 6):
    """A float for JSON: rounded, None for NaN (the encoder refuses non-finite numbers)."""
    v = float(v)
    return round(v, digits) if np.isfinite(v) else None


def _floats(a, digits: int = 5) -> list:
    a = np.round(np.asarray(a, dtype=float), digits)
    return [None if not np.isfinite(v) else float(v) for v in a]


class Heatmaps:
    """The panel's numbers for one Explorer; the test split's table is computed once."""

    def __init__(self, explorer):
        self.explorer = explorer
        self._report = None
        self._lock = threading.Lock()

    def _image_model(self):
        net = self.explorer.net
        if net.image_shape is None:
            raise ValueError("The heat maps are drawn over images; this "
                             f"{net.describe_sizes()} network has named features (see the "
                             "feature importance under the sliders).")
        return net

    # ---------------------------------------------------------------- one input
    def maps(self, x) -> dict:
        """Each method's map of `x` for its predicted class, with its deletion curve."""
        from hiddenlens._threads import blas_threads, torch_threads

        with torch_threads(1), blas_threads(1):  # one input: small products
            return self._maps(x)

    def _maps(self, x) -> dict:
        from hiddenlens.explain import deletion_curve, methods
        from hiddenlens.explain._deletion import _curve
        from hiddenlens.server._payloads import _finite_trace

        net = self._image_model()
        _finite_trace(net, np.asarray(x, dtype=float))  # then every map below is finite too
        x = np.asarray(x, dtype=float)[None, :]  # (1, n_inputs)
        target = int(label_indices(net, net.predict(x))[0])  # the predicted output unit
        # the reference, shared by every method: N_RANDOM random orders of this input
        ref = deletion_curve(net, np.repeat(x, N_RANDOM, axis=0), target,
                             np.zeros((N_RANDOM, x.shape[1])), random_state=0)
        frame = ref.to_frame()
        out = []
        for name, method in methods("attribution").items():
            kw = {"random_state": 0} if name == "smoothgrad" else {}
            a = np.asarray(method(net, x, target, **kw), dtype=float)  # (1, n_inputs)
            curve = _curve("deletion", net, x, target, a, 1, "black", None, None, False, 0,
                           ref.random_scores[:1])  # its own order only
            out.append({
                "name": name, "title": method.title, "map": _floats(a[0], 6),
                "auc": _number(curve.auc[0]), "fractions": _floats(curve.fractions),
                "scores": _floats(curve.scores[0])})
        names = self.explorer.class_names()
        return {"target": target, "target_name": names[target] if names else str(target),
                "image_shape": list(net.image_shape), "score": ref.score,
                "n_random": N_RANDOM, "random_auc": _number(ref.random_auc.mean()),
                "random_auc_sd": _number(ref.random_auc.std(ddof=1)),
                "random_scores": _floats(frame["random_score"]),
                "random_low": _floats(frame["random_low"]),
                "random_high": _floats(frame["random_high"]), "methods": out}

    # ---------------------------------------------------------------- the test split
    def table(self) -> dict:
        """The network-level rows (rank, AUCs, faithfulness, sanity check) on the test split."""
        net = self._image_model()
        ds = self.explorer.dataset
        if ds is None:
            return {"rows": None, "reason": "This explorer was started without a data set, so "
                                            "the methods are not scored on a test split."}
        report = self._trust_report(ds)
        rows = []
        for row in report.table.to_dict("records"):
            check = report.checks.get(row["method"], {}).get("randomization")
            rows.append({
                "method": row["method"], "rank": int(row["rank"]),
                "deletion_auc": _number(row["deletion_auc"]),
                "deletion_random_auc": _number(row["deletion_random_auc"]),
                "insertion_auc": _number(row["insertion_auc"]),
                "insertion_random_auc": _number(row["insertion_random_auc"]),
                "faithfulness_correlation": _number(row["faithfulness_correlation"]),
                "weights_similarity": _number(row["weights_similarity"]),
                "weights_passed": None if check is None else bool(check.passed),
                "verdict": row["verdict"]})
        return {"rows": rows, "n_examples": report.settings["n_examples"],
                "model": net.describe_sizes(), "summary": report.summary()}

    def _trust_report(self, ds):
        if self._report is None:
            with self._lock:  # many clients asking at once compute it once
                if self._report is None:
                    from hiddenlens.explain import evaluate_attributions

                    n = min(N_TRUST, len(ds.X_test))
                    self._report = evaluate_attributions(
                        self.explorer.net, ds.X_test[:n],
                        dataset_labels(self.explorer.net, ds.y_test[:n]), metrics=METRICS)
        return self._report


async def heatmaps(request: Request):
    """GET: the network-level table; POST {"x": [...]}: this input's maps and curves."""
    from hiddenlens.server._body import read_input  # here: _body imports _payloads, which
    from hiddenlens.server._endpoints import JSON  # imports this module

    panel = request.app.state.explorer.heatmaps
    if request.method == "GET":
        return JSON(await run_in_threadpool(panel.table))
    panel._image_model()  # a 400 before reading the body
    x = await read_input(request)
    return JSON(await run_in_threadpool(panel.maps, x))
