"""Views: time against the issue's targets and against a plain per-example autograd loop.

- the 512-unit receptive-field grid renders (draw + PNG) in < 2 s;
- "linear" composite weights through three layers (784-512-256-10) in < 50 ms;
- "jacobian" composite over 1,000 images in < 1 s, against a per-example torch.autograd loop.

Writes benchmarks/results/views.json. Timings use torch's default threads (2 on this machine).
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

import hiddenlens as hl  # noqa: E402
from hiddenlens.explain._jacobian import mean_jacobian  # noqa: E402
from hiddenlens.plot import ReceptiveFieldsDisplay  # noqa: E402


def best_of(fn, repeats: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def render_grid(net) -> None:
    d = ReceptiveFieldsDisplay.from_model(net, layer=0, k=None)  # every unit: the worst case
    d.figure_.savefig(io.BytesIO(), format="png", dpi=100)
    plt.close(d.figure_)


def naive_linear(net) -> np.ndarray:
    W = net.weights[-1]
    for w in net.weights[-2::-1]:
        W = W @ w  # float32 throughout, no float64 accumulation
    return W


def autograd_loop(net, X) -> np.ndarray:
    """The mean logit Jacobian, one torch.autograd.functional.jacobian call per image."""
    total = torch.zeros(net.n_outputs, net.n_inputs, dtype=torch.float64)
    for row in torch.as_tensor(X):
        J = torch.autograd.functional.jacobian(lambda v: net.module.logits(v[None])[0], row)
        total += J.double()
    return (total / len(X)).numpy()


def main() -> None:
    ds = hl.load_dataset()
    net = hl.train_preset("keras-blog", ds, epochs=1, progress=False)  # 784-512-256-10
    X = ds.X_test[:1000]
    rows = []

    t_grid, _ = best_of(lambda: render_grid(net), 2)
    rows.append(("receptive-field grid, 512 units (PNG)", "target 2 s", t_grid, 2.0, None))

    t_lin, ours = best_of(lambda: hl.composite_weights(net, -1, method="linear"), 5)
    t_naive, naive = best_of(lambda: naive_linear(net), 5)
    rows.append(("linear composite, 3 layers", "numpy float32 chain", t_lin, t_naive,
                 float(np.abs(ours - naive).max())))

    t_jac, ours = best_of(lambda: hl.composite_weights(net, -1, method="jacobian", X=X), 3)
    t_prim, prim = best_of(lambda: mean_jacobian(net, X, -1, pre_activation=True), 3)
    rows.append(("jacobian composite, 1,000 images", "mean_jacobian primitive", t_jac,
                 t_prim, float(np.abs(ours - prim).max())))
    t_loop, loop = best_of(lambda: autograd_loop(net, X), 1)
    rows.append(("jacobian composite, 1,000 images", "per-example autograd loop", t_jac,
                 t_loop, float(np.abs(ours - loop).max())))

    print(f"torch threads: {torch.get_num_threads()}")
    print(f"{'method':40s} {'peer':28s} {'ours s':>9s} {'peer s':>9s} {'ratio':>8s} "
          f"{'max abs diff':>13s}")
    results = []
    for method, peer, ours_s, peer_s, diff in rows:
        ratio = peer_s / ours_s
        diff_s = "-" if diff is None else f"{diff:.2e}"
        print(f"{method:40s} {peer:28s} {ours_s:9.4f} {peer_s:9.4f} {ratio:7.1f}x "
              f"{diff_s:>13s}")
        results.append(dict(method=method, peer=peer, ours_s=ours_s, peer_s=peer_s,
                            ratio=ratio, max_abs_diff=diff))
    targets = {"grid_under_2s": t_grid < 2.0, "linear_under_50ms": t_lin < 0.05,
               "jacobian_under_1s": t_jac < 1.0}
    print("targets met:", targets)
    out = Path(__file__).parent / "results" / "views.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"threads": torch.get_num_threads(), "rows": results,
                               "targets": targets}, indent=2))


if __name__ == "__main__":
    main()
